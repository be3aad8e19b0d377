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
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
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

	// admin is the connection pool every test of the process creates and drops its
	// databases through (opening one per test cost a connection handshake each time).
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
	// tmplName is the migrated template database, made (or found) once per process.
	tmplOnce sync.Once
	tmplName string
	tmplErr  error
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

// adminDB is the shared pool of the admin connections that create and drop test databases.
func adminDB() (*sql.DB, error) {
	adminOnce.Do(func() {
		if admin, adminErr = sql.Open("pgx", PostgresURL()); adminErr != nil {
			return
		}
		// The owner's lock (one), a batch of drops (dropBatch) and creates: a CREATE DATABASE
		// should not queue behind the slow drops, yet each connection holds a server process
		// (max_connections is shared with the pools of the tests' own databases).
		admin.SetMaxOpenConns(1 + dropBatch + 4)
		admin.SetMaxIdleConns(4)
	})
	return admin, adminErr
}

// template returns the migrated template database, creating it the first time any test of
// the process needs it, and claims this process's database names (claimNames).
func template(ctx context.Context) (string, error) {
	tmplOnce.Do(func() {
		a, err := adminDB()
		if err != nil {
			tmplErr = err
			return
		}
		tmplName = "constellate_tmpl_" + migrationsHash("postgres")
		if tmplErr = ensureTemplate(ctx, a, tmplName); tmplErr == nil {
			tmplErr = claimNames(ctx, a)
		}
	})
	return tmplName, tmplErr
}

// A test's database is dropped in the background, after the test: DROP DATABASE forces a
// checkpoint, which took ~2.8 s a drop with the api package's tests running in parallel, and
// a test waiting for it would hold its -parallel slot. Drops requested together share their
// checkpoints, so the dropper runs what is queued in batches, all of a batch at once. A test
// binary whose TestMain is Main waits for the queue before it exits; a drop still queued when
// any other exits is left behind, and the next process sweeps it. To tell the leftovers of a
// dead process from the live databases of a running one, every database name carries its
// process's token, and the process holds a session advisory lock on (ownerLockClass, token)
// for as long as it lives: a token whose lock can be taken belongs to no process any more.
const ownerLockClass = 4243

// dropBatch bounds the drops run at once (each holds an admin connection).
const dropBatch = 6

var (
	owner     int32
	ownerConn *sql.Conn // holds the owner lock until the process exits
	dropMu    sync.Mutex
	dropQueue []string
	dropping  bool
	dropIdle  = sync.NewCond(&dropMu)
)

// claimNames takes this process's token and lock, and starts sweeping dead processes' leftovers.
func claimNames(ctx context.Context, a *sql.DB) error {
	var b [4]byte
	_, _ = rand.Read(b[:])
	owner = int32(binary.BigEndian.Uint32(b[:]) >> 1)
	conn, err := a.Conn(ctx)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1, $2)", ownerLockClass, owner); err != nil {
		_ = conn.Close()
		return err
	}
	ownerConn = conn
	go sweep(a)
	return nil
}

// dbName is a new database name of this process: prefix_token_random.
func dbName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s_%08x_%s", prefix, uint32(owner), hex.EncodeToString(b[:]))
}

var leftover = regexp.MustCompile(`^constellate_(?:test|empty)_([0-9a-f]{8})_[0-9a-f]{8}$`)

// sweep drops the databases of processes that exited before their drops ran.
func sweep(a *sql.DB) {
	ctx := context.Background()
	rows, err := a.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'constellate\\_%'")
	if err != nil {
		return
	}
	byOwner := map[int32][]string{}
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		if m := leftover.FindStringSubmatch(name); m != nil {
			tok, err := strconv.ParseUint(m[1], 16, 32)
			if err == nil && int32(tok) != owner {
				byOwner[int32(tok)] = append(byOwner[int32(tok)], name)
			}
		}
	}
	_ = rows.Close()
	for tok, names := range byOwner {
		conn, err := a.Conn(ctx)
		if err != nil {
			return
		}
		var dead bool
		// Holding the dead owner's lock while dropping keeps another sweeper off them.
		if conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1, $2)", ownerLockClass, tok).Scan(&dead) == nil && dead {
			for _, n := range names {
				_, _ = conn.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", n))
			}
			_, _ = conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, $2)", ownerLockClass, tok)
		}
		_ = conn.Close()
	}
}

// postgresClone creates a database from the template. Tests running in parallel clone at
// the same time: Postgres allows concurrent CREATE DATABASE from one template as long as
// nobody is connected to the template itself, which ensureTemplate guarantees before it
// marks the database a template.
func postgresClone(t testing.TB) string {
	if !postgresAvailable(t) {
		t.Skip("storetest: Postgres is not reachable; set CONSTELLATE_TEST_DATABASE_URL")
	}
	ctx := context.Background()
	tmpl, err := template(ctx)
	if err != nil {
		t.Fatalf("storetest: postgres template: %v", err)
	}
	a, _ := adminDB()
	name := dbName("constellate_test")
	if _, err := a.ExecContext(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl)); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() { dropLater(name) })
	return withDatabase(PostgresURL(), name)
}

// dropLater queues a test's database to be dropped once the test has ended (its pool is
// closed by then: cleanups run last-registered first; WITH (FORCE) ends any connection left).
func dropLater(name string) {
	dropMu.Lock()
	defer dropMu.Unlock()
	dropQueue = append(dropQueue, name)
	if !dropping {
		dropping = true
		go dropper()
	}
}

// dropper drops the queued databases, a batch at a time, until the queue is empty.
func dropper() {
	a, err := adminDB()
	for {
		dropMu.Lock()
		n := min(len(dropQueue), dropBatch)
		if n == 0 || err != nil {
			dropQueue, dropping = nil, false
			dropIdle.Broadcast()
			dropMu.Unlock()
			return
		}
		batch := append([]string(nil), dropQueue[:n]...)
		dropQueue = dropQueue[n:]
		dropMu.Unlock()
		var wg sync.WaitGroup
		for _, name := range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = a.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
			}()
		}
		wg.Wait()
	}
}

// Main runs the package's tests, then waits for their databases to be dropped: use it as
// the TestMain of a package whose tests open Postgres databases (without it the last few
// are swept by the next test process instead).
func Main(m *testing.M) {
	code := m.Run()
	dropMu.Lock()
	for dropping {
		dropIdle.Wait()
	}
	dropMu.Unlock()
	os.Exit(code)
}

// ensureTemplate creates and migrates the template database once, across processes (an
// advisory lock serialises the test binaries go test runs in parallel).
func ensureTemplate(ctx context.Context, admin *sql.DB, tmpl string) error {
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
	if _, err := template(context.Background()); err != nil { // claims this process's names
		t.Fatalf("storetest: postgres template: %v", err)
	}
	a, _ := adminDB()
	name := dbName("constellate_empty")
	if _, err := a.Exec(fmt.Sprintf("CREATE DATABASE %s", name)); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() { dropLater(name) })
	return withDatabase(PostgresURL(), name)
}
