// Command bench is the performance harness `make bench` runs: it loads the seeded data
// (bench/data) into Postgres and SQLite (or reuses it), builds and starts the service and
// the baseline (bench/baseline) pinned to one core while the driver (bench/driver, vegeta
// as a library) runs pinned to another, measures every endpoint of the performance issue
// (closed-loop peak throughput and fixed-rate latency, A/B interleaved, repeated, medians;
// server CPU per request and peak RSS), the CSV export at two sizes, a deep cursor, start-up
// readiness and idle memory, and writes docs/benchmarks.md.
//
//	go run ./bench/cmd/bench            # full size, ~15–20 minutes
//	go run ./bench/cmd/bench -small     # a smoke run, under a minute once the data is loaded
//	go run ./bench/cmd/bench -pprof E2  # also profile the service during E2 (perf)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type options struct {
	small     bool
	seed      uint64
	duration  time.Duration
	warmup    time.Duration
	repeats   int
	conns     int
	rateFrac  float64
	only      map[string]bool
	sqlite    bool
	out       string
	pprof     string
	adminURL  string
	cacheDir  string
	pool      int
	pin       bool
	forceLoad bool
	root      string
	exportN   int
	pgLog     string
}

func main() {
	var o options
	var only string
	flag.BoolVar(&o.small, "small", false, "smoke size and short runs (seconds), written to the cache directory unless -out is given")
	flag.Uint64Var(&o.seed, "seed", 1, "data generator seed")
	flag.DurationVar(&o.duration, "duration", 0, "each measured run (default 5s; -small 750ms)")
	flag.DurationVar(&o.warmup, "warmup", 0, "warm-up before each endpoint, per server (default 1s; -small 250ms)")
	flag.IntVar(&o.repeats, "repeats", 0, "A/B repeats (default 3; -small 1)")
	flag.IntVar(&o.conns, "conns", 16, "connections of the closed-loop runs")
	flag.Float64Var(&o.rateFrac, "rate", 0.5, "fixed-rate runs at this fraction of the baseline's peak")
	flag.StringVar(&only, "only", "", "comma-separated subset: E1,…,E9,cursor,startup,sqlite,statements")
	flag.BoolVar(&o.sqlite, "sqlite", true, "also run E1–E3 and E6 on the embedded SQLite")
	flag.StringVar(&o.out, "out", "", "report path (default docs/benchmarks.md; -small: the cache directory)")
	flag.StringVar(&o.pprof, "pprof", "", "profile the service during this endpoint (e.g. E2)")
	flag.StringVar(&o.adminURL, "admin-url", "postgres://postgres@127.0.0.1:5432/postgres", "Postgres maintenance database")
	flag.StringVar(&o.cacheDir, "cache", defaultCache(), "where SQLite data, binaries and raw results go")
	flag.IntVar(&o.pool, "pool", 0, "Postgres pool size for both servers (0: the service's default, read from its /metrics)")
	flag.BoolVar(&o.pin, "pin", true, "pin servers to CPU 1 and the driver to CPU 0 (taskset)")
	flag.BoolVar(&o.forceLoad, "force-load", false, "regenerate the data even when it is there")
	flag.StringVar(&o.pgLog, "pg-log", "", "the Postgres server log, for counting statements (default: /var/log/postgresql/postgresql-*-main.log)")
	render := flag.String("render", "", "only write the report again from a run's results.json")
	flag.IntVar(&o.exportN, "export", 0, "awards in the large CSV export (default 200000; -small 10000)")
	flag.Parse()
	if o.small {
		o.duration, o.warmup, o.repeats, o.exportN = or(o.duration, 750*time.Millisecond), or(o.warmup, 250*time.Millisecond), or(o.repeats, 1), or(o.exportN, 10_000)
	}
	o.duration, o.warmup, o.repeats, o.exportN = or(o.duration, 5*time.Second), or(o.warmup, time.Second), or(o.repeats, 3), or(o.exportN, 200_000)
	if only != "" {
		o.only = map[string]bool{}
		for _, s := range strings.Split(only, ",") {
			o.only[strings.TrimSpace(s)] = true
		}
	}
	root, err := moduleRoot()
	if err != nil {
		fail(err)
	}
	o.root = root
	if o.out == "" {
		if o.small {
			o.out = filepath.Join(o.cacheDir, "benchmarks-small.md")
		} else {
			o.out = filepath.Join(root, "docs", "benchmarks.md")
		}
	}
	if *render != "" {
		if err := rerender(*render, o.out); err != nil {
			fail(err)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Build before pinning, so the compiler may use every core.
	bins := os.Getenv("BENCH_BIN_DIR")
	if bins == "" {
		bins = filepath.Join(o.cacheDir, "bin")
		if err := build(ctx, root, bins); err != nil {
			fail(err)
		}
		if o.pin && runtime.NumCPU() >= 2 && haveTaskset() {
			// Re-run this program on CPU 0 only: every thread of the driver stays there.
			exe, err := os.Executable()
			if err != nil {
				fail(err)
			}
			cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", "0", exe}, os.Args[1:]...)...)
			cmd.Stdout, cmd.Stderr, cmd.Stdin = os.Stdout, os.Stderr, os.Stdin
			cmd.Env = append(os.Environ(), "BENCH_BIN_DIR="+bins, "BENCH_STARTED="+started.Format(time.RFC3339Nano))
			if err := cmd.Run(); err != nil {
				if ee, ok := err.(*exec.ExitError); ok {
					os.Exit(ee.ExitCode())
				}
				fail(err)
			}
			return
		}
	}
	if err := run(ctx, o, bins); err != nil {
		fail(err)
	}
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func defaultCache() string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "constellate-bench")
}

func haveTaskset() bool {
	_, err := exec.LookPath("taskset")
	return err == nil
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run inside the constellate module")
	}
	return filepath.Dir(mod), nil
}

// build compiles the service (as the Makefile's build does, without stripping, so profiles
// have symbols) and the baseline.
func build(ctx context.Context, root, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, b := range []struct{ out, pkg string }{{"constellate", "./cmd/constellate"}, {"baseline", "./bench/cmd/baseline"}} {
		logf("building %s", b.pkg)
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(dir, b.out), b.pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return nil
}

// started is the program's start, carried over the pinned re-run.
var started = func() time.Time {
	if t, err := time.Parse(time.RFC3339Nano, os.Getenv("BENCH_STARTED")); err == nil {
		return t
	}
	return time.Now()
}()

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, args...))
}
