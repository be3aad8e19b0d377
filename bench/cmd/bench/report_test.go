package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReportKeepsFindings: a run writes the placeholder list the first time and keeps
// whatever the lead wrote between the markers afterwards.
func TestReportKeepsFindings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	r := &report{Started: time.Now(), Finished: time.Now(), Protocol: protocol{Seed: 1, Duration: time.Second, Repeats: 3, Conns: 16, RateFrac: 0.5},
		Endpoints: []result{{ID: "E2", Title: "Get", Variants: []summary{{Name: "service", Peak: 700}, {Name: "baseline", Peak: 1000}},
			Checks: evaluate([]check{{"throughput", 0.7, false}}, summary{Peak: 700}, summary{Peak: 1000})}}}
	if err := writeReport(path, r); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "- E2 get application: _(finding)_") || !strings.Contains(string(b), "| E2 throughput ≥ 0.70× | 0.70× | ✅ pass |") {
		t.Fatalf("first report:\n%s", b)
	}
	mine := "- E2: the access log's JSON handler was 18% of the profile; buffered it (1.31× → 0.92×)."
	edited := strings.Replace(string(b), findings(path), mine, 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeReport(path, r); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), findingsStart+"\n"+mine+"\n"+findingsEnd) {
		t.Fatalf("findings not kept:\n%s", b)
	}
}
