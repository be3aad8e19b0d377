package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"constellate/api"
	"constellate/internal/config"
	"constellate/internal/store"
)

// setup loads the configuration, opens and migrates the database.
func setup(ctx context.Context, env environment) (config.Config, *store.DB, *slog.Logger, error) {
	cfg, err := config.Load(env.getenv)
	if err != nil {
		return cfg, nil, nil, err
	}
	log := newLogger(env, cfg.LogLevel)
	db, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log, MaxOpenConns: cfg.DBMaxConns})
	if err != nil {
		return cfg, nil, nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return cfg, nil, nil, err
	}
	return cfg, db, log, nil
}

func newLogger(env environment, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(env.stdout, &slog.HandlerOptions{Level: l}))
}

func serveCmd(ctx context.Context, args []string, env environment) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stdout)
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	cfg, db, log, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	srv, err := api.Build(ctx, api.BuildOptions{Config: cfg, DB: db, Log: log, Now: time.Now, Version: version})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("CONSTELLATE_ADDR: %w", err)
	}
	srv.SkipDrain(secondInterrupt(ctx))
	log.Info("constellate is serving", slog.String("url", baseURL(ln.Addr())), slog.String("docs", baseURL(ln.Addr())+"/docs"),
		slog.String("config", cfg.String()), slog.Float64("startup_ms", float64(time.Since(start).Microseconds())/1000), slog.String("version", version))
	return srv.Serve(ctx, ln)
}

func migrateCmd(ctx context.Context, args []string, env environment) error {
	_, db, log, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.MigrationVersion(ctx)
	if err != nil {
		return err
	}
	log.Info("database migrated", slog.Int64("version", v), slog.String("dialect", string(db.Dialect())))
	return nil
}

func healthcheckCmd(ctx context.Context, _ []string, env environment) error {
	cfg, err := config.Load(env.getenv)
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(cfg.Addr)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %d", resp.StatusCode)
	}
	return nil
}

func baseURL(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port
}

// secondInterrupt is closed by a Ctrl-C (SIGINT) that comes after ctx ended: at a terminal,
// the second Ctrl-C skips the drain delay. SIGTERM, what orchestrators send, never does.
func secondInterrupt(ctx context.Context) <-chan struct{} {
	skip := make(chan struct{})
	go func() {
		<-ctx.Done()
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		defer signal.Stop(sig)
		select {
		case <-sig:
			close(skip)
		case <-time.After(time.Minute):
		}
	}()
	return skip
}
