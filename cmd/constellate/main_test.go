package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"constellate/internal/config"
)

// env builds a getenv from pairs, with the data directory in a temp dir.
func testEnv(t *testing.T, kv ...string) func(string) string {
	m := map[string]string{"CONSTELLATE_DATA_DIR": t.TempDir(), "CONSTELLATE_LOG_LEVEL": "info"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, testEnv(t), strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "constellate "+version+"\n" {
		t.Errorf("version printed %q", got)
	}
}

func TestUnknownCommandAndHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, testEnv(t), nil, &out); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown command: %v", err)
	}
	// help, --help, -h, -help and serve --help all list the commands and every variable.
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"-help"}, {"serve", "--help"}} {
		out.Reset()
		if err := run(context.Background(), args, testEnv(t), nil, &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, c := range []string{"serve", "migrate", "version", "healthcheck", "users", "seed"} {
			if !strings.Contains(out.String(), "  "+c+" ") {
				t.Errorf("%v does not list the command %s:\n%s", args, c, out.String())
			}
		}
		for _, v := range config.Variables {
			if !strings.Contains(out.String(), v.Name+" (default ") {
				t.Errorf("%v does not list %s:\n%s", args, v.Name, out.String())
			}
		}
		if strings.Contains(out.String(), "constellate is serving") {
			t.Fatalf("%v started the server", args)
		}
	}
}

// TestBadConfigurationNamesTheVariable: a bad value stops start-up with a message naming it,
// before anything is opened or listened on.
func TestBadConfigurationNamesTheVariable(t *testing.T) {
	cases := [][2]string{
		{"CONSTELLATE_ADDR", "nonsense"},
		{"DATABASE_URL", "mysql://x"},
		{"CONSTELLATE_ENCRYPTION_KEY", "short"},
		{"CONSTELLATE_TRUSTED_PROXIES", "not-an-ip"},
		{"CONSTELLATE_CORS_ORIGINS", "apply.example.org"},
		{"CONSTELLATE_SMTP_URL", "http://mail"},
		{"CONSTELLATE_FUNDER_PREFIX", "GB-CHC-123"},
		{"CONSTELLATE_LOG_LEVEL", "loud"},
		{"CONSTELLATE_SHUTDOWN_TIMEOUT", "soon"},
	}
	for _, c := range cases {
		for _, cmd := range []string{"serve", "migrate"} {
			t.Run(c[0]+"/"+cmd, func(t *testing.T) {
				var out bytes.Buffer
				err := run(context.Background(), []string{cmd}, testEnv(t, c[0], c[1]), nil, &out)
				if err == nil || !strings.Contains(err.Error(), c[0]) {
					t.Fatalf("err = %v, want a message naming %s", err, c[0])
				}
				if strings.Contains(out.String(), "serving") {
					t.Error("started serving with a bad configuration")
				}
			})
		}
	}
}

func TestMigrateSQLite(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	getenv := testEnv(t, "CONSTELLATE_DATA_DIR", dir)
	for i := 0; i < 2; i++ { // idempotent
		out.Reset()
		if err := run(context.Background(), []string{"migrate"}, getenv, nil, &out); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "constellate.db")); err != nil {
		t.Fatalf("no database file: %v", err)
	}
	line := logLine(t, out.String(), "database migrated")
	if v, _ := line["version"].(float64); v < 1 || line["dialect"] != "sqlite" {
		t.Errorf("migrate log: %v", line)
	}
}

// logLine finds the JSON log line with msg.
func logLine(t *testing.T, logs, msg string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
			return m
		}
	}
	t.Fatalf("no %q log line in:\n%s", msg, logs)
	return nil
}

// lines is an io.Writer the server logs to; it signals each complete line.
type lines struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen chan string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for _, s := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		select {
		case l.seen <- s:
		default:
		}
	}
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestServeAndGracefulShutdown starts the real serve command on a free port, measures
// start-up, checks /healthz and the healthcheck command, then cancels the context while a
// request is in flight: the request must finish and serve must return cleanly.
func TestServeAndGracefulShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	getenv := testEnv(t, "CONSTELLATE_ADDR", "127.0.0.1:0", "CONSTELLATE_SHUTDOWN_TIMEOUT", "10s", "CONSTELLATE_DRAIN_DELAY", "2s")
	out := &lines{seen: make(chan string, 100)}
	started := time.Now()
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, getenv, nil, out) }()

	var base string
	deadline := time.After(20 * time.Second)
	for base == "" {
		select {
		case l := <-out.seen:
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "constellate is serving" {
				base, _ = m["url"].(string)
				ms, ok := m["startup_ms"].(float64)
				if !ok {
					t.Errorf("the serving log line has no startup_ms: %s", l)
				}
				t.Logf("start-up: %v to the serving log line (the server measured %.1f ms itself, migrations included)",
					time.Since(started).Round(time.Millisecond), ms)
			}
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, out)
		case <-deadline:
			t.Fatalf("serve did not start:\n%s", out)
		}
	}
	if d := time.Since(started); d > 5*time.Second {
		t.Errorf("start-up took %v (the target is under a second on SQLite)", d)
	}

	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := run(ctx, []string{"healthcheck"}, testEnv(t, "CONSTELLATE_ADDR", strings.TrimPrefix(base, "http://")), nil, io.Discard); err != nil {
		t.Errorf("healthcheck against a healthy server: %v", err)
	}
	// Headers beyond the server's hard limit are refused by net/http itself.
	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("b", 100<<10))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("100 KiB of headers: %d, want 431", resp.StatusCode)
		}
		resp.Body.Close()
	}

	// An in-flight request: the body arrives slowly, so the handler is still reading it
	// when shutdown begins.
	pr, pw := io.Pipe()
	slow, _ := http.NewRequest("POST", base+"/v1/auth/register", pr)
	slow.Header.Set("Content-Type", "application/json")
	type result struct {
		status int
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(slow)
		if err != nil {
			got <- result{err: err}
			return
		}
		resp.Body.Close()
		got <- result{status: resp.StatusCode}
	}()
	if _, err := pw.Write([]byte(`{"email":"late@example.org",`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	cancel() // SIGTERM
	select {
	case err := <-done:
		t.Fatalf("serve returned (%v) with a request in flight", err)
	case <-time.After(300 * time.Millisecond):
	}
	// Draining: readiness says 503 so a load balancer stops sending, but the server still
	// accepts and serves new requests until the drain delay ends.
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while draining: %v %v, want 503", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, err := http.Get(base + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a new request while draining: %v %v, want it served", resp, err)
	} else {
		resp.Body.Close()
	}
	if _, err := pw.Write([]byte(`"password":"a long passphrase of words 7","name":"Late Comer"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-got
	if r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("in-flight request during shutdown: status %d, err %v", r.status, r.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
	logLine(t, out.String(), "shutting down: finishing in-flight requests")
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}
}
