// Package storetest gives each test a fresh, migrated database of each dialect: SQLite as a
// copy of a migrated template file, Postgres as a new database cloned from a migrated
// template database. Postgres runs when CONSTELLATE_TEST_DATABASE_URL is set or a local
// server answers; with CONSTELLATE_TEST_REQUIRE_POSTGRES=1 (CI) it can never be skipped.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection that creates test databases

	"constellate/internal/store"
	"constellate/migrations"
)

// Dialects lists the databases tests run on here: SQLite always, Postgres when reachable.
func Dialects(t testing.TB) []store.Dialect {
	d := []store.Dialect{store.SQLite}
	if postgresAvailable(t) {
		d = append(d, store.Postgres)
	}
	return d
}

// ForEach runs fn as a subtest once per dialect, each with its own fresh database.
func ForEach(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, MustOpen(t, d)) })
	}
}

// MustOpen returns a fresh migrated database of the dialect, closed (and for Postgres
// dropped) when the test ends.
func MustOpen(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	var cfg store.Config
	switch d {
	case store.SQLite:
		cfg.SQLitePath = sqliteCopy(t)
	case store.Postgres:
		cfg.URL = postgresClone(t)
	default:
		t.Fatalf("storetest: unknown dialect %q", d)
	}
	db, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", d, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// PostgresURL is the server tests use.
func PostgresURL() string {
	if u := os.Getenv("CONSTELLATE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var (
	pgOnce  sync.Once
	pgErr   error
	sqlOnce sync.Once
	sqlTmpl string
	sqlErr  error
	tmplMu  sync.Mutex
)

func postgresAvailable(t testing.TB) bool {
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
	})
	if pgErr != nil && os.Getenv("CONSTELLATE_TEST_REQUIRE_POSTGRES") == "1" {
		t.Fatalf("storetest: Postgres is required (CONSTELLATE_TEST_REQUIRE_POSTGRES=1) but %s does not answer: %v", redact(PostgresURL()), pgErr)
	}
	return pgErr == nil
}

// migrationsHash names templates by their migrations, so a changed migration gets a new one.
func migrationsHash(dir string) string {
	h := sha256.New()
	var names []string
	_ = fs.WalkDir(migrations.FS, dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := migrations.FS.ReadFile(n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func sqliteCopy(t testing.TB) string {
	sqlOnce.Do(func() {
		dir, err := os.MkdirTemp("", "constellate-sqlite-template-")
		if err != nil {
			sqlErr = err
			return
		}
		sqlTmpl = filepath.Join(dir, "template.db")
		db, err := store.Open(context.Background(), store.Config{SQLitePath: sqlTmpl})
		if err != nil {
			sqlErr = err
			return
		}
		if err := db.Migrate(context.Background()); err != nil {
			sqlErr = err
		}
		// Fold the WAL into the main file so a plain copy is complete.
		_, _ = db.SQL().Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		_ = db.Close()
	})
	if sqlErr != nil {
		t.Fatalf("storetest: sqlite template: %v", sqlErr)
	}
	dst := filepath.Join(t.TempDir(), "test.db")
	if err := copyFile(sqlTmpl, dst); err != nil {
		t.Fatalf("storetest: copy sqlite template: %v", err)
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func postgresClone(t testing.TB) string {
	if !postgresAvailable(t) {
		t.Skip("storetest: Postgres is not reachable; set CONSTELLATE_TEST_DATABASE_URL")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer admin.Close()
	tmpl := "constellate_tmpl_" + migrationsHash("postgres")
	if err := ensureTemplate(ctx, admin, tmpl); err != nil {
		t.Fatalf("storetest: postgres template: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "constellate_test_" + hex.EncodeToString(b[:])
	tmplMu.Lock()
	_, err = admin.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl))
	tmplMu.Unlock()
	if err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	return withDatabase(PostgresURL(), name)
}

// ensureTemplate creates and migrates the template database once, across processes (an
// advisory lock serialises the test binaries go test runs in parallel).
func ensureTemplate(ctx context.Context, admin *sql.DB, tmpl string) error {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(4242)"); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(4242)") //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", tmpl).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", tmpl)); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s", tmpl)); err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Config{URL: withDatabase(PostgresURL(), tmpl), MaxOpenConns: 2})
	if err != nil {
		return err
	}
	err = db.Migrate(ctx)
	_ = db.Close()
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s WITH IS_TEMPLATE true", tmpl))
	return err
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparseable URL)"
}

// EmptyPostgres returns the URL of a new, empty (unmigrated) Postgres database, dropped when
// the test ends: for tests of migration itself.
func EmptyPostgres(t testing.TB) string {
	t.Helper()
	if !postgresAvailable(t) {
		t.Skip("storetest: Postgres is not reachable; set CONSTELLATE_TEST_DATABASE_URL")
	}
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "constellate_empty_" + hex.EncodeToString(b[:])
	tmplMu.Lock()
	_, err = admin.Exec(fmt.Sprintf("CREATE DATABASE %s", name))
	tmplMu.Unlock()
	if err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	return withDatabase(PostgresURL(), name)
}
