// Command baseline serves bench/baseline: the benchmark's plain net/http + pgxpool +
// encoding/json reference server. Configured like the service, from the environment:
// DATABASE_URL, CONSTELLATE_ADDR, CONSTELLATE_SIGNING_KEY_FILE, CONSTELLATE_ISSUER,
// CONSTELLATE_AUDIENCE, CONSTELLATE_REQUEST_TIMEOUT (the finance sync's lag is it plus a
// second), and the pool size in BASELINE_POOL (default: the service's default).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"constellate/bench/baseline"
	"constellate/internal/auth"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	pool := max(4, runtime.NumCPU())
	if v := os.Getenv("BASELINE_POOL"); v != "" {
		if pool, err = strconv.Atoi(v); err != nil || pool < 1 {
			return fmt.Errorf("BASELINE_POOL: want a whole number, got %q", v)
		}
	}
	cfg.MaxConns = int32(pool)
	cfg.MaxConnLifetime = 30 * time.Minute
	cfg.MaxConnIdleTime = 5 * time.Minute
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := auth.LoadKeySet(os.Getenv("CONSTELLATE_SIGNING_KEY_FILE"), false)
	if err != nil {
		return fmt.Errorf("CONSTELLATE_SIGNING_KEY_FILE: %w", err)
	}
	lag := 31 * time.Second
	if v := os.Getenv("CONSTELLATE_REQUEST_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("CONSTELLATE_REQUEST_TIMEOUT: %w", err)
		}
		lag = d + time.Second
	}
	s := baseline.New(baseline.Config{Pool: db, Keys: keys, Issuer: env("CONSTELLATE_ISSUER", "constellate"),
		Audience: env("CONSTELLATE_AUDIENCE", "constellate-api"), SyncLag: lag})
	srv := &http.Server{Addr: env("CONSTELLATE_ADDR", ":8081"), Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(slog.NewTextHandler(os.Stderr, nil), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
