package data

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"constellate/internal/store"
)

// pgSink COPYs each table in (binary COPY through pgx).
type pgSink struct{ conn *pgx.Conn }

func (s pgSink) Copy(ctx context.Context, table string, cols []string, rows iter.Seq[[]any]) (int64, error) {
	next, stop := iter.Pull(rows)
	defer stop()
	return s.conn.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		r, ok := next()
		if !ok {
			return nil, nil
		}
		return r, nil
	}))
}

// sqliteSink writes multi-row INSERTs inside one transaction; times become the store's
// fixed-width text.
type sqliteSink struct{ tx *sql.Tx }

// sqliteMaxVars stays under SQLite's bound on parameters per statement.
const sqliteMaxVars = 30_000

func (s sqliteSink) Copy(ctx context.Context, table string, cols []string, rows iter.Seq[[]any]) (int64, error) {
	perRow := len(cols)
	batch := max(1, min(500, sqliteMaxVars/perRow))
	rowSQL := "(" + strings.TrimSuffix(strings.Repeat("?,", perRow), ",") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	args := make([]any, 0, batch*perRow)
	var n int64
	flush := func() error {
		k := len(args) / perRow
		if k == 0 {
			return nil
		}
		st, ok := stmts[k]
		if !ok {
			var err error
			st, err = s.tx.PrepareContext(ctx, head+strings.TrimSuffix(strings.Repeat(rowSQL+",", k), ","))
			if err != nil {
				return err
			}
			stmts[k] = st
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
		n += int64(k)
		args = args[:0]
		return nil
	}
	for r := range rows {
		for _, v := range r {
			if t, ok := v.(time.Time); ok {
				v = store.TS(t)
			}
			args = append(args, v)
		}
		if len(args) >= batch*perRow {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := flush(); err != nil {
		return n, fmt.Errorf("insert: %w", err)
	}
	return n, nil
}
