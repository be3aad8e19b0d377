package apitest

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	"constellate/internal/store"
)

// StateIgnored are the tables a refused request may legitimately write: rate_limits counts
// attempts, refused ones included (that is its purpose), and goose's own version table.
var StateIgnored = map[string]bool{"rate_limits": true, "goose_db_version": true}

// State is a fingerprint of every row of every table of the Env's database (but those in
// StateIgnored), table by table, so a comparison names the table that changed. It reads the
// database directly, not through the API: a refused request that wrote to a table no
// endpoint shows (an audit event, a refresh token, an idempotency record) is still caught.
type State map[string]string

// State fingerprints the database now.
func (e *Env) State(t testing.TB) State {
	t.Helper()
	db := e.DB.SQL()
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	if e.Dialect == store.SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	names, err := column(db, q)
	if err != nil {
		t.Fatalf("apitest: list tables: %v", err)
	}
	out := State{}
	if e.Dialect == store.Postgres {
		// One round trip for every table: Postgres renders and hashes each table's rows itself.
		var parts []string
		for _, n := range names {
			if !StateIgnored[n] {
				parts = append(parts, fmt.Sprintf(`SELECT '%s', count(*) || ':' || coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '') FROM %q x`, n, n))
			}
		}
		rows, err := db.Query(strings.Join(parts, " UNION ALL "))
		if err != nil {
			t.Fatalf("apitest: fingerprint tables: %v", err)
		}
		defer rows.Close()
		for rows.Next() {
			var n, fp string
			if err := rows.Scan(&n, &fp); err != nil {
				t.Fatalf("apitest: fingerprint tables: %v", err)
			}
			out[n] = fp
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("apitest: fingerprint tables: %v", err)
		}
		return out
	}
	for _, n := range names {
		if StateIgnored[n] {
			continue
		}
		fp, err := tableFingerprint(db, n)
		if err != nil {
			t.Fatalf("apitest: fingerprint %s: %v", n, err)
		}
		out[n] = fp
	}
	return out
}

// Diff names the tables whose rows differ between s and later, sorted; empty when none.
func (s State) Diff(later State) []string {
	var out []string
	for n, fp := range s {
		if later[n] != fp {
			out = append(out, n)
		}
	}
	for n := range later {
		if _, ok := s[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func column(db *sql.DB, q string) ([]string, error) {
	rows, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// tableFingerprint hashes every row of a SQLite table, order-independently: the row count and the
// sorted rows' text.
func tableFingerprint(db *sql.DB, table string) (string, error) {
	rows, err := db.Query(`SELECT * FROM "` + table + `"`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var lines []string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		var b strings.Builder
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%#v\x1f", v)
		}
		lines = append(lines, b.String())
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	sort.Strings(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%d:%s", len(lines), hex.EncodeToString(h.Sum(nil))[:16]), nil
}
