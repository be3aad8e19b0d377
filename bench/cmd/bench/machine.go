package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"constellate/bench/data"
	"constellate/internal/store"
)

// machineInfo describes where the numbers were taken.
type machineInfo struct {
	CPUs      int
	Model     string
	MemTotal  string
	Kernel    string
	Go        string
	Postgres  string
	SQLite    string
	Commit    string
	LoadStart string
	LoadEnd   string
	Pinning   string
}

func machine(ctx context.Context, o options) machineInfo {
	m := machineInfo{Go: runtime.Version(), LoadStart: loadAvg()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "processor":
				m.CPUs++
			case "model name":
				m.Model = strings.TrimSpace(v)
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:")), "%d", &kb)
				m.MemTotal = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if conn, err := pgx.Connect(ctx, o.adminURL); err == nil {
		_ = conn.QueryRow(ctx, "SHOW server_version").Scan(&m.Postgres)
		conn.Close(ctx)
	}
	if out, err := exec.Command("git", "-C", o.root, "describe", "--always", "--dirty").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(out))
	}
	if o.pin && haveTaskset() && m.CPUs >= 2 {
		m.Pinning = "servers on CPU 1 (taskset -c 1), driver on CPU 0 (taskset -c 0); Postgres unpinned"
	} else {
		m.Pinning = "none"
	}
	return m
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func sqliteVersion(ctx context.Context, path string) string {
	db, err := store.Open(ctx, store.Config{SQLitePath: path})
	if err != nil {
		return ""
	}
	defer db.Close()
	var v string
	_ = db.SQL().QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v)
	return v
}

const emptyDatabase = "constellate_bench_empty"

// emptyPostgres drops and creates a scratch database and returns its URL.
func (b *bench) emptyPostgres(ctx context.Context) (string, error) {
	const name = emptyDatabase
	admin, err := pgx.Connect(ctx, b.o.adminURL)
	if err != nil {
		return "", err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return data.DatabaseURL(b.o.adminURL, name)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.3f ms", float64(d)/1e6)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func us(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d >= time.Millisecond:
		return ms(d)
	}
	return fmt.Sprintf("%.0f µs", float64(d)/1e3)
}

func (b *bench) dropEmptyPostgres(ctx context.Context) error {
	admin, err := pgx.Connect(ctx, b.o.adminURL)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+emptyDatabase+" WITH (FORCE)")
	return err
}
