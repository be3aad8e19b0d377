package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfileBuild runs the Dockerfile's own `go build` line (there is no Docker engine
// here) and checks the result is what the distroless image needs: a static binary that runs.
// It takes a few seconds, so `go test -short` skips it; CI runs it.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binary; run without -short")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	df, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(df)
	for _, want := range []string{
		"FROM golang:1.26 AS build",
		"FROM gcr.io/distroless/static-debian12:nonroot",
		"EXPOSE 8080",
		"CONSTELLATE_DATA_DIR=/data",
		`VOLUME ["/data"]`,
		`HEALTHCHECK`, `CMD ["/constellate", "healthcheck"]`,
		`ENTRYPOINT ["/constellate"]`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
	if m := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindStringSubmatch(text); m == nil || strings.HasPrefix(m[1], "0") || m[1] == "root" {
		t.Errorf("Dockerfile must switch to a non-root USER, got %v", m)
	}

	var build string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "RUN ") && strings.Contains(l, "go build") {
			build = strings.TrimPrefix(l, "RUN ")
		}
	}
	if build == "" {
		t.Fatal("no RUN … go build line in the Dockerfile")
	}
	words := shellWords(strings.ReplaceAll(build, "${VERSION}", "docker-test"))
	var env []string
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		env, words = append(env, words[0]), words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("unexpected build line: %q", build)
	}
	if !contains(env, "CGO_ENABLED=0") {
		t.Errorf("the build does not set CGO_ENABLED=0: %q", build)
	}
	out := filepath.Join(t.TempDir(), "constellate")
	for i, w := range words {
		if w == "-o" && i+1 < len(words) {
			words[i+1] = out
		}
	}
	cmd := exec.Command(words[0], words[1:]...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, b)
	}

	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has an ELF interpreter: it is dynamically linked")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries: %v", libs)
	}
	if f.Section(".symtab") != nil {
		t.Error("the binary keeps its symbol table (-s -w missing?)")
	}
	b, err := exec.Command(out, "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(b)) != "constellate docker-test" {
		t.Errorf("`constellate version` = %q, %v; want the version from -ldflags", b, err)
	}
}

// shellWords splits a command line the way sh does for the simple quoting a Dockerfile uses.
func shellWords(s string) []string {
	var (
		out   []string
		cur   strings.Builder
		quote rune
		in    bool
	)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out, in = append(out, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
