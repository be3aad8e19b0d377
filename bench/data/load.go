package data

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"constellate/internal/auth"
	"constellate/internal/secretbox"
	"constellate/internal/store"
	"constellate/migrations"
)

// GeneratorVersion changes whenever the generated data changes shape: a database loaded by
// another version is never reused.
const GeneratorVersion = 1

// Password is every generated user's password.
const Password = "bench-password-for-everyone"

// Options say where and what to load.
type Options struct {
	// Dialect is store.Postgres or store.SQLite.
	Dialect store.Dialect
	// AdminURL is a Postgres URL to a maintenance database (postgres) used to drop and
	// create Database; the loaded database's URL is the same with Database in its path.
	AdminURL string
	Database string
	// SQLitePath is the database file (SQLite).
	SQLitePath string
	Size       Size
	Seed       uint64
	// EncryptionKey seals the generated bank accounts (the service must be given it).
	EncryptionKey []byte
	// Force loads afresh even when the database holds this seed and size already.
	Force bool
	Log   func(format string, args ...any)
}

// Result describes the loaded database.
type Result struct {
	URL        string // Postgres: the database's URL; SQLite: ""
	SQLitePath string
	Reused     bool
	Counts     Counts
	Took       time.Duration
}

// DatabaseURL is AdminURL with its database replaced by name.
func DatabaseURL(adminURL, name string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// fingerprint names what a database holds: generator, seed, size and the migrations.
func fingerprint(o Options) string {
	var names []string
	_ = fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".sql") {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	last := ""
	if len(names) > 0 {
		last = names[len(names)-1]
	}
	return fmt.Sprintf("gen=%d seed=%d key=%s migrations=%d/%s size=%s", GeneratorVersion, o.Seed, secretbox.KeyID(o.EncryptionKey),
		len(names), last, o.Size.Fingerprint())
}

// Load makes sure the database holds the generated data for o's seed and size: it reuses
// one that does, and otherwise drops it, creates it, migrates it with the project's own
// migrations and writes every table.
func Load(ctx context.Context, o Options) (Result, error) {
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	start := time.Now()
	fp := fingerprint(o)
	res := Result{SQLitePath: o.SQLitePath}
	var cfg store.Config
	if o.Dialect == store.Postgres {
		u, err := DatabaseURL(o.AdminURL, o.Database)
		if err != nil {
			return res, err
		}
		res.URL, cfg.URL = u, u
		if !o.Force {
			if counts, ok := reusable(ctx, o, cfg, fp); ok {
				res.Reused, res.Counts, res.Took = true, counts, time.Since(start)
				return res, nil
			}
		}
		admin, err := pgx.Connect(ctx, o.AdminURL)
		if err != nil {
			return res, fmt.Errorf("connect to %s: %w", o.AdminURL, err)
		}
		id := pgx.Identifier{o.Database}.Sanitize()
		_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)")
		if err == nil {
			_, err = admin.Exec(ctx, "CREATE DATABASE "+id)
		}
		admin.Close(ctx)
		if err != nil {
			return res, fmt.Errorf("recreate %s: %w", o.Database, err)
		}
	} else {
		cfg.SQLitePath = o.SQLitePath
		if !o.Force {
			if _, err := os.Stat(o.SQLitePath); err == nil {
				if counts, ok := reusable(ctx, o, cfg, fp); ok {
					res.Reused, res.Counts, res.Took = true, counts, time.Since(start)
					return res, nil
				}
			}
		}
		if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o700); err != nil {
			return res, err
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(o.SQLitePath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return res, err
			}
		}
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return res, err
	}
	o.Log("generating %s data (seed %d) into %s", o.Size.Name, o.Seed, where(o))
	m := build(o.Size, o.Seed)
	hash, err := auth.HashPassword(ctx, Password)
	if err != nil {
		return res, err
	}
	box, err := secretbox.New(o.EncryptionKey)
	if err != nil {
		return res, err
	}
	var counts Counts
	if o.Dialect == store.Postgres {
		counts, err = loadPostgres(ctx, res.URL, m, hash, box, fp)
	} else {
		counts, err = loadSQLite(ctx, db, m, hash, box, fp)
	}
	if err != nil {
		return res, err
	}
	res.Counts, res.Took = counts, time.Since(start)
	o.Log("loaded %s in %s", where(o), res.Took.Round(time.Second))
	return res, nil
}

func where(o Options) string {
	if o.Dialect == store.Postgres {
		return "postgres database " + o.Database
	}
	return "sqlite " + o.SQLitePath
}

const metaDDL = "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)"

// reusable reports whether the database already holds fp's data, and its row counts.
func reusable(ctx context.Context, o Options, cfg store.Config, fp string) (Counts, bool) {
	db, err := store.Open(ctx, cfg)
	if err != nil {
		return nil, false
	}
	defer db.Close()
	var got, counts string
	row := db.SQL().QueryRowContext(ctx, "SELECT (SELECT value FROM bench_meta WHERE key = 'fingerprint'), (SELECT value FROM bench_meta WHERE key = 'counts')")
	if err := row.Scan(&got, &counts); err != nil || got != fp {
		return nil, false
	}
	var c Counts
	if json.Unmarshal([]byte(counts), &c) != nil {
		return nil, false
	}
	return c, true
}

func loadPostgres(ctx context.Context, dbURL string, m *model, hash string, box *secretbox.Keyring, fp string) (Counts, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	// Replica mode skips the foreign-key triggers while loading: the model is consistent by
	// construction (the SQLite load, with foreign keys on, checks the same model).
	if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err != nil {
		return nil, err
	}
	counts, err := m.emit(ctx, pgSink{conn}, hash, box)
	if err != nil {
		return counts, err
	}
	if _, err := conn.Exec(ctx, "SET session_replication_role = DEFAULT"); err != nil {
		return counts, err
	}
	if err := writeMeta(ctx, func(q string, args ...any) error { _, err := conn.Exec(ctx, q, args...); return err }, fp, counts, "$1", "$2"); err != nil {
		return counts, err
	}
	// Fresh statistics and visibility map, as autovacuum would leave a live database.
	_, err = conn.Exec(ctx, "VACUUM (ANALYZE)")
	return counts, err
}

func loadSQLite(ctx context.Context, db *store.DB, m *model, hash string, box *secretbox.Keyring, fp string) (Counts, error) {
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	counts, err := m.emit(ctx, sqliteSink{tx}, hash, box)
	if err != nil {
		return counts, err
	}
	if err := writeMeta(ctx, func(q string, args ...any) error { _, err := tx.ExecContext(ctx, q, args...); return err }, fp, counts, "?", "?"); err != nil {
		return counts, err
	}
	if err := tx.Commit(); err != nil {
		return counts, err
	}
	_, err = db.SQL().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return counts, err
}

func writeMeta(_ context.Context, exec func(q string, args ...any) error, fp string, counts Counts, p1, p2 string) error {
	if err := exec(metaDDL); err != nil {
		return err
	}
	b, _ := json.Marshal(counts)
	for k, v := range map[string]string{"fingerprint": fp, "counts": string(b)} {
		if err := exec("INSERT INTO bench_meta (key, value) VALUES ("+p1+", "+p2+")", k, v); err != nil {
			return err
		}
	}
	return nil
}

// Keys are the benchmark's fixed secrets, derived from the seed: the access-token signing
// key (shared by the service, the baseline and the driver) and the bank-details key.
type Keys struct {
	Signing       *auth.Key
	EncryptionKey []byte
}

// DeriveKeys makes the benchmark's keys from the seed.
func DeriveKeys(seed uint64) Keys {
	r := rowRand(seed, 0x6b657973)
	var s [ed25519.SeedSize]byte
	for i := range s {
		s[i] = byte(r.Uint32())
	}
	enc := make([]byte, 32)
	for i := range enc {
		enc[i] = byte(r.Uint32())
	}
	return Keys{Signing: auth.NewKey(ed25519.NewKeyFromSeed(s[:])), EncryptionKey: enc}
}
