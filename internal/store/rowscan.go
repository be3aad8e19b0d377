package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// each streams q's rows one at a time into a T and hands each to fn: one row in memory at
// a time, for exports of any size. The T is reused for the next row, so fn copies or
// converts it and never keeps the pointer.
//
// GORM's ScanRows re-reads the result's columns and column types and walks the schema for
// every row; on a 200,000-row CSV export that was most of the service's time (the profile
// behind docs/benchmarks.md). Here the columns are bound to T's fields once per query, by
// GORM's own column names, and each row is a plain rows.Scan.
func each[T any](q *gorm.DB, fn func(*T) error) error {
	if q.Statement.Model == nil && q.Statement.Table == "" {
		q = q.Model(new(T)) // Rows has no destination to name the table by
	}
	rows, err := q.Rows()
	if err != nil {
		return Translate(err, "rows")
	}
	return scanEach(q.NamingStrategy, rows, fn)
}

// scanEach scans every row of rows into a T (columns bound once) and hands each to fn
// (which must not keep the pointer: see each), closing rows.
func scanEach[T any](namer schema.Namer, rows *sql.Rows, fn func(*T) error) error {
	defer rows.Close()
	bind, err := binderFor[T](namer, rows)
	if err != nil {
		return Translate(err, "rows")
	}
	for rows.Next() {
		r, err := bind(rows)
		if err != nil {
			return Translate(err, "rows")
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return Translate(rows.Err(), "rows")
}

// findAll is q.Find(&list) with each's scan: every row of q.
func findAll[T any](q *gorm.DB) ([]T, error) {
	var out []T
	err := each(q, func(r *T) error { out = append(out, *r); return nil })
	return out, err
}

// takeOne is q.Take(&r) with each's scan: the first row, or gorm.ErrRecordNotFound.
func takeOne[T any](q *gorm.DB) (T, error) {
	var out T
	found := false
	err := each(q.Limit(1), func(r *T) error { out, found = *r, true; return nil })
	if err == nil && !found {
		err = gorm.ErrRecordNotFound
	}
	return out, err
}

// queryOne runs a fixed statement through query (no GORM statement building) and scans its first row into a T with
// each's binder; gorm.ErrRecordNotFound when there is none. For the hottest reads.
func queryOne[T any](ctx context.Context, db *DB, q string, args ...any) (T, error) {
	var out T
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return out, err
	}
	found := false
	err = scanEach(db.gorm.NamingStrategy, rows, func(r *T) error {
		if !found {
			out, found = *r, true
		}
		return nil
	})
	if err == nil && !found {
		err = gorm.ErrRecordNotFound
	}
	return out, err
}

// rowSchemas caches the schemas binderFor parses (GORM's own cache is unexported).
var rowSchemas sync.Map

// binderFor returns a function scanning the current row into a T: columns are matched to
// T's fields once, in the result's order (a column T has no field for is read and
// dropped); a field with GORM's JSON serializer is scanned as bytes and decoded as GORM
// would (NULL or empty leaves it zero).
func binderFor[T any](namer schema.Namer, rows *sql.Rows) (func(*sql.Rows) (*T, error), error) {
	s, err := schema.Parse(new(T), &rowSchemas, namer)
	if err != nil {
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	index := make([][]int, len(cols))
	isJSON := make([]bool, len(cols))
	for i, c := range cols {
		f, ok := s.FieldsByDBName[c]
		if !ok {
			continue
		}
		if f.Serializer != nil {
			if _, ok := f.Serializer.(schema.JSONSerializer); !ok {
				return nil, fmt.Errorf("rowscan: %s.%s: only the JSON serializer is supported", s.Name, c)
			}
			isJSON[i] = true
		}
		index[i] = f.StructField.Index
	}
	// One T and one set of destinations serve every row: the row is zeroed before each scan
	// (so a pointer field gets a fresh value, never the previous row's), and each's callers
	// copy or convert it before the next.
	var cur T
	v := reflect.ValueOf(&cur).Elem()
	dst := make([]any, len(index))
	raw := make([]sql.RawBytes, len(index))
	for i, idx := range index {
		switch {
		case idx == nil:
			dst[i] = new(any)
		case isJSON[i]:
			dst[i] = &raw[i]
		default:
			dst[i] = v.FieldByIndex(idx).Addr().Interface()
		}
	}
	var zero T
	return func(rows *sql.Rows) (*T, error) {
		cur = zero
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		for i, b := range raw {
			if isJSON[i] && len(b) > 0 {
				if err := json.Unmarshal(b, v.FieldByIndex(index[i]).Addr().Interface()); err != nil {
					return nil, fmt.Errorf("rowscan: column %s: %w", cols[i], err)
				}
			}
		}
		return &cur, nil
	}, nil
}
