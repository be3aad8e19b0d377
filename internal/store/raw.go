package store

import (
	"context"
	"database/sql"
	"errors"

	"constellate/internal/auth"
	"constellate/internal/errs"
)

// query runs one statement on ctx's transaction, or on the pool, through database/sql
// directly: GORM's statement builder, callbacks and reflection-based scanning cost more
// than the statement itself on the hottest reads (the profile behind docs/benchmarks.md).
// On Postgres pgx prepares and caches the statement per connection; on SQLite GORM's
// statement cache does. Placeholders are $1, $2, … on both databases (SQLite binds $N by
// position when each appears once, in order).
func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.conn(ctx).Statement.ConnPool.QueryContext(ctx, q, args...)
}

// queryRow is query for one row, read with Scan as *sql.Row is. It is not built on
// QueryRowContext: GORM's prepared-statement pool answers a failed prepare (a cancelled
// context, the database down) with an empty *sql.Row whose Scan panics (found by
// api/cancel_test.go), where QueryContext returns the error.
func (db *DB) queryRow(ctx context.Context, q string, args ...any) row {
	rows, err := db.query(ctx, q, args...)
	return row{rows: rows, err: err}
}

// row is *sql.Row's Scan over QueryContext's result.
type row struct {
	rows *sql.Rows
	err  error
}

// Scan copies the first row into dest, or returns the query's error, or sql.ErrNoRows.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	return r.rows.Close()
}

// translateRow is Translate for queryRow's errors: sql.ErrNoRows is errs.NotFound.
func translateRow(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "%s not found", what)
	}
	return Translate(err, what)
}

// TokenState reads what an access token is checked against: the user's token_version and
// role. It runs on every authenticated request, so it reads two columns and nothing else.
func (s *IdentityStore) TokenState(ctx context.Context, id string) (version int, role auth.Role, err error) {
	var r string
	err = s.db.queryRow(ctx, `SELECT token_version, role FROM users WHERE id = $1`, id).Scan(&version, &r)
	return version, auth.Role(r), translateRow(err, "user")
}
