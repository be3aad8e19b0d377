package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"constellate/reliability"
)

// TestKeepsOtherSections: a rerun rewrites the generated sections and keeps every other
// section as it was, including ones the generator does not know.
func TestKeepsOtherSections(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "results")
	ok := true
	r := reliability.Result{Scenario: "sigkill-sqlite", Order: 4, Title: "Kill", Claim: "c", Method: "writes at 40/s", Mode: "short",
		Database: "sqlite", Started: time.Now(), Passed: true, Figures: []reliability.Figure{{Name: "acknowledged writes lost", Value: "0", Want: "0", OK: &ok}}}
	if err := r.Save(results); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "reliability.md")
	old := "# old\n<!-- section:faults:start -->\nstale figures\n<!-- section:faults:end -->\n" +
		"<!-- section:fuzzing:start -->\n## Fuzzing\n\n12 targets, hand-written.\n<!-- section:fuzzing:end -->\n" +
		"<!-- section:extra:start -->\nthe lead's own section\n<!-- section:extra:end -->\n"
	if err := os.WriteFile(out, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(results, out); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	doc := string(b)
	for _, want := range []string{
		"12 targets, hand-written.", "the lead's own section", // kept
		"| acknowledged writes lost | 0 | ✓ 0 |", "| Kill | sqlite | short | 40/s | **passed**", // regenerated
		"<!-- section:soak:start -->", "_To be added", // placeholders
		"<!-- section:dependencies:start -->", "| github.com/labstack/echo/v4 |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "stale figures") {
		t.Error("the faults section was not rewritten")
	}
	// A second run changes nothing but what is generated.
	if err := run(results, out); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(out)
	if strings.Count(string(b2), "the lead's own section") != 1 || strings.Count(string(b2), "<!-- section:fuzzing:start -->") != 1 {
		t.Errorf("a rerun duplicated sections:\n%s", b2)
	}
}

func TestSemverLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{
		{"v4.15.3", "v4.15.4", true}, {"v4.16.0", "v4.15.4", false}, {"v5.2.2", "v5.2.2", false},
		{"v5.10.0", "v5.9.9", false}, {"v0.0.0-20231215233829-aa82cc1e6500", "v0.0.1", true},
	} {
		if got := semverLess(c.a, c.b); got != c.less {
			t.Errorf("semverLess(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
