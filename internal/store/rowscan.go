package store

import (
	"database/sql"
	"reflect"
	"sync"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// each streams q's rows one at a time into a fresh T and hands each to fn: one row in
// memory at a time, for exports of any size.
//
// GORM's ScanRows re-reads the result's columns and column types and walks the schema for
// every row; on a 200,000-row CSV export that was most of the service's time (the profile
// behind docs/benchmarks.md). Here the columns are bound to T's fields once per query, by
// GORM's own column names, and each row is a plain rows.Scan. A T with a serializer field
// (JSON columns) keeps GORM's scan.
func each[T any](q *gorm.DB, fn func(*T) error) error {
	rows, err := q.Rows()
	if err != nil {
		return Translate(err, "rows")
	}
	defer rows.Close()
	bind, err := binderFor[T](q, rows)
	if err != nil {
		return Translate(err, "rows")
	}
	for rows.Next() {
		var r T
		if bind != nil {
			err = rows.Scan(bind(&r)...)
		} else {
			err = q.ScanRows(rows, &r)
		}
		if err != nil {
			return Translate(err, "rows")
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return Translate(rows.Err(), "rows")
}

// rowSchemas caches the schemas binderFor parses (GORM's own cache is unexported).
var rowSchemas sync.Map

// binderFor returns a function giving the scan destinations for one T, in the result's
// column order (a column T has no field for is read and dropped), or nil when T needs
// GORM's scan.
func binderFor[T any](q *gorm.DB, rows *sql.Rows) (func(*T) []any, error) {
	s, err := schema.Parse(new(T), &rowSchemas, q.NamingStrategy)
	if err != nil {
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	index := make([][]int, len(cols))
	for i, c := range cols {
		f, ok := s.FieldsByDBName[c]
		if !ok {
			continue
		}
		if f.Serializer != nil {
			return nil, nil
		}
		index[i] = f.StructField.Index
	}
	return func(r *T) []any {
		v := reflect.ValueOf(r).Elem()
		dst := make([]any, len(index))
		for i, idx := range index {
			if idx == nil {
				dst[i] = new(any)
				continue
			}
			dst[i] = v.FieldByIndex(idx).Addr().Interface()
		}
		return dst
	}, nil
}
