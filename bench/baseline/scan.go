package baseline

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// skip reads and drops a column the baseline does not use (one a later migration added to
// a table read with SELECT *).
type skip struct{}

func (skip) Scan(any) error { return nil }

// bind lines up destinations with a result's columns by name: SELECT * keeps working when
// a migration adds columns, as it does for GORM. A column the baseline needs and the
// result lacks is an error.
func bind(fds []pgconn.FieldDescription, fields map[string]any) ([]any, error) {
	out := make([]any, len(fds))
	found := 0
	for i, fd := range fds {
		if p, ok := fields[fd.Name]; ok {
			out[i] = p
			found++
		} else {
			out[i] = skip{}
		}
	}
	if found != len(fields) {
		for name := range fields {
			seen := false
			for _, fd := range fds {
				seen = seen || fd.Name == name
			}
			if !seen {
				return nil, fmt.Errorf("baseline: the result has no column %q", name)
			}
		}
	}
	return out, nil
}

// each runs q and scans every row into fields (by column name), calling fn after each.
func each(ctx context.Context, db querier, fields map[string]any, fn func() error, q string, args ...any) error {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var dst []any
	for rows.Next() {
		if dst == nil {
			if dst, err = bind(rows.FieldDescriptions(), fields); err != nil {
				return err
			}
		}
		if err := rows.Scan(dst...); err != nil {
			return err
		}
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// one runs q and scans its first row into fields; pgx.ErrNoRows when there is none.
func one(ctx context.Context, db querier, fields map[string]any, q string, args ...any) error {
	got := false
	err := each(ctx, db, fields, func() error { got = true; return nil }, q, args...)
	if err == nil && !got {
		return pgx.ErrNoRows
	}
	return err
}
