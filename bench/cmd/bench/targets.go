package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"constellate/bench/driver"
	"constellate/internal/round"
)

// fixtures are the ids and tokens the endpoints' requests use, read from the loaded
// database (so a reused database works the same as a fresh one).
type fixtures struct {
	minter       *driver.Minter
	managerToken string
	financeToken string
	// E2: applications and their owners' tokens.
	apps []idToken
	// E3: rounds with more than a page of applications.
	listRounds []string
	// Deep cursor: the id 100k rows (or, small, near the end) down the unfiltered list.
	deepCursor string
	deepRows   int
	// E6: the ranking round and its size.
	rankingRound string
	rankingApps  int
	// E8: applicant tokens.
	plainTokens []string
	// E9: updated_since values that leave at least a page after them.
	since []time.Time
	// E7: awards in the main database.
	awards int
}

type idToken struct{ id, token string }

// draftPool is E4's drafts in open rounds, as loaded (for resetting them after a run).
type draftPool struct {
	ids      []string
	tokens   []string
	versions []int64
	updated  []time.Time
}

// assessmentPool is E5's draft assessments in rounds in assessment (not the ranking round).
type assessmentPool struct {
	ids      []string
	apps     []string
	tokens   []string
	versions []int64
	bodies   [][]byte
}

func (f *fixtures) tokenFor(cache map[string]string, userID, role string) (string, error) {
	if t, ok := cache[userID]; ok {
		return t, nil
	}
	t, err := f.minter.Token(userID, role)
	cache[userID] = t
	return t, err
}

func loadFixtures(ctx context.Context, conn *pgx.Conn, minter *driver.Minter) (*fixtures, error) {
	f := &fixtures{minter: minter}
	cache := map[string]string{}
	one := func(q string, dst ...any) error { return conn.QueryRow(ctx, q).Scan(dst...) }
	var managerID, financeID string
	if err := one(`SELECT id::text FROM users WHERE role = 'grants_manager' ORDER BY email LIMIT 1`, &managerID); err != nil {
		return nil, fmt.Errorf("a manager: %w", err)
	}
	if err := one(`SELECT id::text FROM users WHERE role = 'finance' ORDER BY email LIMIT 1`, &financeID); err != nil {
		return nil, fmt.Errorf("a finance user: %w", err)
	}
	var err error
	if f.managerToken, err = minter.Token(managerID, "grants_manager"); err != nil {
		return nil, err
	}
	if f.financeToken, err = minter.Token(financeID, "finance"); err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, `SELECT a.id::text, m.user_id::text FROM applications a
		JOIN memberships m ON m.organisation_id = a.organisation_id AND m.role = 'owner'
		ORDER BY md5(a.id::text) LIMIT 5000`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var app, user string
		if err := rows.Scan(&app, &user); err != nil {
			return nil, err
		}
		t, err := f.tokenFor(cache, user, "applicant")
		if err != nil {
			return nil, err
		}
		f.apps = append(f.apps, idToken{app, t})
		if len(f.plainTokens) < 200 {
			f.plainTokens = append(f.plainTokens, t)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if f.listRounds, err = queryStrings(ctx, conn, `SELECT round_id::text FROM applications GROUP BY round_id HAVING count(*) > 50 ORDER BY round_id`); err != nil {
		return nil, err
	}
	var total int
	if err := one(`SELECT count(*) FROM applications`, &total); err != nil {
		return nil, err
	}
	f.deepRows = min(100_000, total-60)
	if err := conn.QueryRow(ctx, `SELECT id::text FROM applications ORDER BY id DESC OFFSET $1 LIMIT 1`, f.deepRows-1).Scan(&f.deepCursor); err != nil {
		return nil, fmt.Errorf("deep cursor: %w", err)
	}
	if err := one(`SELECT a.round_id::text, count(*) FROM applications a JOIN rounds r ON r.id = a.round_id
		WHERE r.status = 'assessment' GROUP BY a.round_id ORDER BY count(*) DESC, a.round_id LIMIT 1`, &f.rankingRound, &f.rankingApps); err != nil {
		return nil, fmt.Errorf("ranking round: %w", err)
	}
	var times []time.Time
	r2, err := conn.Query(ctx, `SELECT updated_at FROM payments ORDER BY updated_at`)
	if err != nil {
		return nil, err
	}
	for r2.Next() {
		var t time.Time
		if err := r2.Scan(&t); err != nil {
			return nil, err
		}
		times = append(times, t)
	}
	if err := r2.Err(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000 && len(times) > 400; i++ {
		f.since = append(f.since, times[rng.IntN(len(times)-300)])
	}
	if err := one(`SELECT count(*) FROM awards`, &f.awards); err != nil {
		return nil, err
	}
	return f, nil
}

func queryStrings(ctx context.Context, conn *pgx.Conn, q string, args ...any) ([]string, error) {
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func loadDrafts(ctx context.Context, conn *pgx.Conn, f *fixtures) (*draftPool, error) {
	rows, err := conn.Query(ctx, `SELECT a.id::text, m.user_id::text, a.version, a.updated_at FROM applications a
		JOIN rounds r ON r.id = a.round_id
		JOIN memberships m ON m.organisation_id = a.organisation_id AND m.role = 'owner'
		WHERE a.status = 'draft' AND r.status = 'open' ORDER BY md5(a.id::text)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := &draftPool{}
	cache := map[string]string{}
	for rows.Next() {
		var id, user string
		var v int64
		var t time.Time
		if err := rows.Scan(&id, &user, &v, &t); err != nil {
			return nil, err
		}
		tok, err := f.tokenFor(cache, user, "applicant")
		if err != nil {
			return nil, err
		}
		p.ids, p.tokens, p.versions, p.updated = append(p.ids, id), append(p.tokens, tok), append(p.versions, v), append(p.updated, t)
	}
	return p, rows.Err()
}

// resetDrafts puts the pool's submitted drafts back as they were loaded and removes what
// the submissions wrote (revisions, history, audit events, idempotency keys) since start.
// The immutability triggers are bypassed with session_replication_role (superuser).
func resetDrafts(ctx context.Context, conn *pgx.Conn, p *draftPool, since time.Time) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		stmts := []struct {
			q    string
			args []any
		}{
			{"SET LOCAL session_replication_role = replica", nil},
			{`DELETE FROM application_revisions WHERE application_id = ANY($1::uuid[])`, []any{p.ids}},
			{`DELETE FROM application_status_history WHERE application_id = ANY($1::uuid[]) AND at >= $2`, []any{p.ids, since}},
			{`UPDATE applications a SET status = 'draft', reference = NULL, revision = 0, submitted_at = NULL, version = v.version, updated_at = v.updated_at
				FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[]) AS v(id, version, updated_at)
				WHERE a.id = v.id AND (a.status <> 'draft' OR a.version <> v.version)`, []any{p.ids, p.versions, p.updated}},
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s.q, s.args...); err != nil {
				return err
			}
		}
		return cleanWrites(ctx, tx, since)
	})
}

// cleanWrites deletes the audit events and idempotency keys written since start.
func cleanWrites(ctx context.Context, tx pgx.Tx, since time.Time) error {
	for _, q := range []string{"SET LOCAL session_replication_role = replica", `DELETE FROM audit_events WHERE at >= $1`,
		`DELETE FROM idempotency_keys WHERE created_at >= $1`} {
		var args []any
		if q[0] == 'D' {
			args = []any{since}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

func loadAssessments(ctx context.Context, conn *pgx.Conn, f *fixtures) (*assessmentPool, error) {
	rows, err := conn.Query(ctx, `SELECT a.id::text, a.application_id::text, a.panel_member_id::text, a.version, r.criteria::text FROM assessments a
		JOIN rounds r ON r.id = a.round_id JOIN applications ap ON ap.id = a.application_id
		WHERE a.status = 'draft' AND r.status = 'assessment' AND ap.status = 'under_assessment' AND a.round_id <> $1::uuid
		  AND NOT EXISTS (SELECT 1 FROM assessment_conflicts c WHERE c.application_id = a.application_id AND c.user_id = a.panel_member_id)
		ORDER BY md5(a.id::text)`, f.rankingRound)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := &assessmentPool{}
	cache := map[string]string{}
	rng := rand.New(rand.NewPCG(3, 4))
	for rows.Next() {
		var id, app, user, criteria string
		var v int64
		if err := rows.Scan(&id, &app, &user, &v, &criteria); err != nil {
			return nil, err
		}
		tok, err := f.tokenFor(cache, user, "panel_member")
		if err != nil {
			return nil, err
		}
		var cs []round.Criterion
		if err := json.Unmarshal([]byte(criteria), &cs); err != nil {
			return nil, err
		}
		scores, comments := map[string]int{}, map[string]string{}
		for _, c := range cs {
			scores[c.ID] = c.ScaleMin + rng.IntN(c.ScaleMax-c.ScaleMin+1)
			comments[c.ID] = "Saved by the benchmark: a clear plan, well explained, from people who know the need."
		}
		body, _ := json.Marshal(map[string]any{"scores": scores, "comments": comments, "recommendation": "maybe",
			"overall_comment": "A draft saved while reading the application again."})
		p.ids = append(p.ids, id)
		p.apps, p.tokens, p.versions, p.bodies = append(p.apps, app), append(p.tokens, tok), append(p.versions, v), append(p.bodies, body)
	}
	return p, rows.Err()
}

// refreshVersions reads the pool's current versions (every save bumps one).
func refreshVersions(ctx context.Context, conn *pgx.Conn, p *assessmentPool) error {
	rows, err := conn.Query(ctx, `SELECT id::text, version FROM assessments WHERE id = ANY($1::uuid[])`, p.ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	idx := make(map[string]int, len(p.ids))
	for i, id := range p.ids {
		idx[id] = i
	}
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		p.versions[idx[id]] = v
	}
	return rows.Err()
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func cursorOf(id string) string { return base64.RawURLEncoding.EncodeToString([]byte("c1:" + id)) }
