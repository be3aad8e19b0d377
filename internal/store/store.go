// Package store is Constellate's persistence: it opens Postgres or embedded SQLite through
// GORM, runs the goose migrations, carries transactions in the context, and implements the
// stores the domain capabilities declare. Dialect differences live here and nowhere else.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"constellate/internal/errs"
)

// Dialect names the database in use.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Config says which database to open.
type Config struct {
	URL     string // postgres://… ; empty → embedded SQLite in DataDir
	DataDir string // where the SQLite file lives
	// SQLitePath overrides the SQLite file (tests use a temp file).
	SQLitePath string
	// MaxOpenConns bounds the Postgres pool (default DefaultMaxConns).
	MaxOpenConns int
	Logger       *slog.Logger
}

// DefaultMaxConns is the Postgres pool's size unless configured: pgxpool's own default,
// max(4, CPUs). More connections than the machine can run at once do not add throughput:
// they queue inside Postgres instead of in the pool, where the wait is cheap, and they
// stretch the tail (measured in docs/benchmarks.md: a pool of 20 on 2 cores gave a p99
// many times the baseline's).
func DefaultMaxConns() int { return max(4, runtime.NumCPU()) }

// DB is an open database. It is safe for concurrent use.
type DB struct {
	gorm    *gorm.DB
	dialect Dialect
}

// Open connects to the configured database. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	gcfg := &gorm.Config{
		SkipDefaultTransaction: true, // we open transactions ourselves, one per use case
		PrepareStmt:            true,
		TranslateError:         true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	var (
		g       *gorm.DB
		err     error
		dialect Dialect
	)
	if cfg.URL != "" {
		if !strings.HasPrefix(cfg.URL, "postgres://") && !strings.HasPrefix(cfg.URL, "postgresql://") {
			return nil, fmt.Errorf("DATABASE_URL must start with postgres:// or postgresql://")
		}
		dialect = Postgres
		// No GORM prepared-statement cache on Postgres: pgx already prepares and caches every
		// statement per connection (QueryExecModeCacheStatement), so GORM's cache only adds a
		// mutex, database/sql's per-transaction statement copies and a second lookup in pgx to
		// every statement (docs/benchmarks.md).
		gcfg.PrepareStmt = false
		var pool *sql.DB
		if pool, err = openPostgres(cfg.URL); err == nil {
			g, err = gorm.Open(postgres.New(postgres.Config{Conn: pool}), gcfg)
		}
	} else {
		dialect = SQLite
		path := cfg.SQLitePath
		if path == "" {
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("CONSTELLATE_DATA_DIR: %w", err)
			}
			path = filepath.Join(cfg.DataDir, "constellate.db")
		}
		g, err = gorm.Open(sqlite.Open(SQLiteDSN(path)), gcfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if dialect == Postgres {
		n := cfg.MaxOpenConns
		if n <= 0 {
			n = DefaultMaxConns()
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		// SQLite has one writer. Transactions begin IMMEDIATE (see SQLiteDSN), so writers queue on
		// busy_timeout instead of failing; a few connections let readers run beside them (WAL).
		sqlDB.SetMaxOpenConns(4)
		sqlDB.SetMaxIdleConns(4)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	return &DB{gorm: g, dialect: dialect}, nil
}

// SQLiteDSN is the DSN for an embedded database file: WAL, a generous busy timeout, foreign
// keys on, and IMMEDIATE transactions so a read-then-write transaction never dead-ends on an
// upgrade to the write lock.
func SQLiteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the underlying pool (for health checks, metrics and migrations).
func (db *DB) SQL() *sql.DB {
	s, _ := db.gorm.DB()
	return s
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.SQL().PingContext(ctx) }

// Close closes the pool.
func (db *DB) Close() error { return db.SQL().Close() }

type txKey struct{}

// InTx runs fn in a transaction carried in the context: every store call made with the
// context fn receives joins it. Nested calls reuse the outer transaction, so a use case
// composed of others still commits once. fn's error (or a panic) rolls everything back.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
	return translate(err)
}

// conn returns the transaction in ctx, or the pool, bound to ctx.
func (db *DB) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return db.gorm.WithContext(ctx)
}

// Conn exposes the GORM handle for ctx to the stores of this package's sub-packages and to
// tests. Domain code never sees it.
func (db *DB) Conn(ctx context.Context) *gorm.DB { return db.conn(ctx) }

// ForUpdate adds a row lock to q on Postgres. SQLite needs none: its transactions are
// IMMEDIATE, so a writer already holds the database's only write lock.
func (db *DB) ForUpdate(q *gorm.DB) *gorm.DB {
	if db.dialect == Postgres {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// Sentinel outcomes of GORM calls, translated to domain codes by translate.
var (
	errUnavailable = errs.E(errs.Unavailable, "the database is unavailable; try again shortly")
)

// translate maps database failures that are not the caller's fault into errs codes and
// leaves *errs.Error values untouched.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	if isUnavailable(err) {
		e := errUnavailable.Withf("%s", errUnavailable.Message)
		e.Err = err
		return e
	}
	return errs.Wrap(err, "database error")
}

// Translate is translate for the stores: not-found rows become errs.NotFound with what as
// the message; duplicates become conflicts; outages become Unavailable.
func Translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return errs.E(errs.NotFound, "%s not found", what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return &errs.Error{Code: errs.Conflict, Message: what + " already exists", Err: err}
	}
	return translate(err)
}

func isUnavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// A connection closed under a transaction by a Postgres shutdown (found by the fault
	// tests in reliability/: it was answered 500), a failed connect, and the SQLSTATEs of
	// connection loss (class 08) and administrator shutdown (57P01–57P03).
	var connect *pgconn.ConnectError
	if errors.Is(err, pgconn.ErrConnClosed) || errors.As(err, &connect) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03") {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "broken pipe", "connection reset", "the database system is shutting down", "the database system is starting up", "terminating connection", "unexpected EOF", "bad connection", "closed pool", "failed to connect", "database is locked", "conn closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
