package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"constellate/api/apitest"
	"constellate/internal/config"
	"constellate/internal/ids"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

// The CSV columns docs/finance.md documents.
var (
	awardCSVColumns   = []string{"id", "application_reference", "organisation_id", "organisation_name", "round_id", "amount", "currency", "status", "offered_at", "accepted_at", "updated_at"}
	paymentCSVColumns = []string{"id", "award_id", "application_reference", "payee_name", "account", "sequence", "amount", "currency", "due_date", "status", "approved_at", "paid_on", "reference", "updated_at"}
)

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, body)
	}
	return rows
}

// TestAwardsAndPaymentsCSV: with Accept: text/csv the award and payment lists stream the
// documented columns, one row per award or payment, with a cell a spreadsheet would run as
// a formula (an organisation named =HYPERLINK(…), a payment reference starting @) given a
// leading '; the account shows masked; a sync's CSV names its until in the Sync-Until
// trailer.
func TestAwardsAndPaymentsCSV(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAwardWorld(t, env)
		const evil = `=HYPERLINK("https://evil.example/","Claim your grant")`
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/organisations/" + w.orgID, Token: w.owner.Token, Body: map[string]any{"name": evil}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.orgID + "/bank-account", Token: w.owner.Token, Body: bankBody(awardsAccount)})
		aw := w.awards[w.apps[0]]
		awPath := "/v1/awards/" + aw["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: awPath + "/accept", Token: w.owner.Token, Body: map[string]any{"signed_name": "Jo Reyes"}})
		pay := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath + "/payments", Token: w.manager.Token}).Map(t)["data"].([]any)[0].(map[string]any)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/payments/" + pay + "/approve", Token: w.manager.Token})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/payments/" + pay + "/mark-paid", Token: w.finance.Token,
			Body: map[string]any{"paid_on": "2025-03-31", "reference": "@SUM(1+1)"}})
		csvAccept := map[string]string{"Accept": "text/csv"}

		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/awards", Token: w.finance.Token, Header: csvAccept})
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "awards.csv") {
			t.Fatalf("awards CSV headers: %v", r.Header)
		}
		rows := readCSV(t, r.Body)
		if len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(awardCSVColumns, ",") {
			t.Fatalf("awards CSV = %q", rows)
		}
		var ours []string
		for _, row := range rows[1:] {
			if row[0] == aw["id"] {
				ours = row
			}
		}
		want := []string{aw["id"].(string), aw["application_reference"].(string), w.orgID, "'" + evil, w.roundID, "200000", "GBP", "active"}
		if ours == nil || strings.Join(ours[:8], "|") != strings.Join(want, "|") || ours[9] == "" {
			t.Fatalf("our award's row = %q, want %q…", ours, want)
		}
		for i, col := range []int{8, 9, 10} {
			if _, err := time.Parse(time.RFC3339Nano, ours[col]); err != nil {
				t.Errorf("column %s = %q: %v", awardCSVColumns[col], ours[col], i)
			}
		}

		r = env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/payments?status=paid", Token: w.finance.Token, Header: csvAccept})
		rows = readCSV(t, r.Body)
		if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(paymentCSVColumns, ",") {
			t.Fatalf("payments CSV = %q", rows)
		}
		p := rows[1]
		if want := []string{pay, aw["id"].(string), aw["application_reference"].(string), "'" + evil, "****1234", "1", "200000", "GBP"}; strings.Join(p[:8], "|") != strings.Join(want, "|") ||
			p[9] != "paid" || p[10] == "" || p[11] != "2025-03-31" || p[12] != "'@SUM(1+1)" {
			t.Fatalf("the payment's row = %q", p)
		}
		if strings.Contains(string(r.Body), awardsAccount) {
			t.Fatal("the payments CSV shows the full account number")
		}

		// A sync as CSV: rows changed after the lag only, and the until in the trailer.
		env.Clock.Advance(time.Minute)
		req, _ := http.NewRequest("GET", env.HTTP.URL+"/v1/payments?updated_since=1970-01-01T00:00:00Z", nil)
		req.Header.Set("Accept", "text/csv")
		req.Header.Set("Authorization", "Bearer "+w.finance.Token)
		resp, err := env.HTTP.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("sync as CSV: %d %v %s", resp.StatusCode, err, body)
		}
		if rows := readCSV(t, body); len(rows) != 3 {
			t.Fatalf("sync as CSV = %q, want both payments", rows)
		}
		until, err := time.Parse(time.RFC3339Nano, resp.Trailer.Get("Sync-Until"))
		if lag := env.Clock.Now().Sub(until); err != nil || lag < env.Config.RequestTimeout || lag > env.Config.RequestTimeout+2*time.Second {
			t.Fatalf("Sync-Until trailer %q (%v): %s behind the clock", resp.Trailer.Get("Sync-Until"), err, lag)
		}
	})
}

// BenchmarkAwardsCSV streams GET /v1/awards as CSV (grants manager, every award) through
// the real HTTP stack into io.Discard, at 20,000 and then 200,000 awards on each database,
// sampling the heap every 5 ms. Memory must stay flat as rows grow: the rows stream from the
// database cursor through the CSV writer to the socket. Setup (direct multi-row INSERTs of
// organisations, rounds, applications and awards) is not timed. Run it with
//
//	go test ./api -run '^$' -bench BenchmarkAwardsCSV -benchtime 1x
func BenchmarkAwardsCSV(b *testing.B) {
	for _, d := range storetest.Dialects(b) {
		env := apitest.New(b, d, func(c *config.Config) { c.RequestTimeout = 10 * time.Minute })
		mgr := env.Manager()
		seed := newAwardSeed(b, env, mgr.ID)
		for _, size := range []int{20_000, 200_000} {
			seed.grow(b, size)
			b.Run(fmt.Sprintf("%s/%dk", d, size/1000), func(b *testing.B) {
				var rows, peak, base uint64
				var elapsed time.Duration
				for b.Loop() {
					n, pk, bs, took := streamAwardsCSV(b, env, mgr.Token)
					if n != uint64(size) {
						b.Fatalf("streamed %d rows, want %d", n, size)
					}
					rows, elapsed, peak, base = rows+n, elapsed+took, max(peak, pk), bs
				}
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "heap-growth-MB")
			})
		}
	}
}

// lineCounter counts the lines written to it, discarding them.
type lineCounter struct{ n uint64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += uint64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// streamAwardsCSV fetches the awards CSV once, returning the rows read (header excluded),
// the peak HeapInuse sampled during it, HeapInuse before it (after a GC) and the time taken.
func streamAwardsCSV(b *testing.B, env *apitest.Env, token string) (rows, peak, base uint64, took time.Duration) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base = ms.HeapInuse
	var top atomic.Uint64
	top.Store(base)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > top.Load() {
					top.Store(m.HeapInuse)
				}
			}
		}
	}()
	started := time.Now()
	req, _ := http.NewRequest("GET", env.HTTP.URL+"/v1/awards", nil)
	req.Header.Set("Accept", "text/csv")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := env.HTTP.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var lines lineCounter
	_, err = io.Copy(&lines, resp.Body)
	resp.Body.Close()
	took = time.Since(started)
	close(stop)
	<-stopped
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("awards CSV: %d %v", resp.StatusCode, err)
	}
	return lines.n - 1, top.Load(), base, took
}

// awardSeed inserts awards (with the rounds, organisations and applications they belong to)
// straight into the database, in multi-row INSERTs, one transaction per step: 1,000
// organisations, and a round per 1,000 awards (one application per organisation and round,
// as the schema requires).
type awardSeed struct {
	env         *apitest.Env
	userID      string
	programmeID string
	orgs        []string
	have        int
	at          time.Time
}

const seedOrgs = 1000

func newAwardSeed(b *testing.B, env *apitest.Env, userID string) *awardSeed {
	s := &awardSeed{env: env, userID: userID, programmeID: ids.New(), at: time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)}
	ts := store.TS(s.at)
	var orgRows [][]any
	for i := range seedOrgs {
		id := ids.New()
		s.orgs = append(s.orgs, id)
		name := fmt.Sprintf("Community group %04d", i)
		if i%100 == 0 {
			name = "=HYPERLINK(\"https://evil.example/\",\"group " + fmt.Sprint(i) + "\")" // guarded on the way out
		}
		orgRows = append(orgRows, []any{id, name, ts, ts})
	}
	s.insert(b, func(tx txExec) {
		tx.rows(b, "programmes", []string{"id", "name", "created_at", "updated_at"}, [][]any{{s.programmeID, "Benchmark Fund", ts, ts}})
		tx.rows(b, "organisations", []string{"id", "name", "created_at", "updated_at"}, orgRows)
	})
	return s
}

// grow adds awards until there are size of them.
func (s *awardSeed) grow(b *testing.B, size int) {
	started := time.Now()
	ts := store.TS(s.at)
	s.insert(b, func(tx txExec) {
		for s.have < size {
			roundID := ids.New()
			round := s.have / seedOrgs
			prefix := fmt.Sprintf("B%03d", round)
			tx.rows(b, "rounds", []string{"id", "programme_id", "name", "reference_prefix", "currency", "budget", "min_grant", "max_grant", "opens_at", "closes_at", "status", "created_at", "updated_at"},
				[][]any{{roundID, s.programmeID, "Benchmark round " + prefix, prefix, "GBP", int64(seedOrgs) * 500000, 1000, 500000, ts, ts, "decided", ts, ts}})
			var apps, awards [][]any
			for i := 0; i < seedOrgs && s.have < size; i++ {
				appID, awardID := ids.New(), ids.New()
				// Awards change at distinct times, as they do in life; the sync order is by them.
				updated := store.TS(s.at.Add(time.Duration(s.have) * time.Second))
				amount := int64(10000 + (s.have%490)*1000)
				apps = append(apps, []any{appID, roundID, s.orgs[i], fmt.Sprintf("%s-%04d", prefix, i+1), "Project " + fmt.Sprint(s.have), amount, "awarded", 1, ts, ts, s.userID, ts, updated})
				awards = append(awards, []any{awardID, roundID, appID, s.orgs[i], amount, "GBP", "Report once a year.", "offered", ts, ts, updated})
				s.have++
			}
			tx.rows(b, "applications", []string{"id", "round_id", "organisation_id", "reference", "title", "requested_amount", "status", "revision", "submitted_at", "started_at", "created_by", "created_at", "updated_at"}, apps)
			tx.rows(b, "awards", []string{"id", "round_id", "application_id", "organisation_id", "amount", "currency", "conditions", "status", "offered_at", "created_at", "updated_at"}, awards)
		}
	})
	b.Logf("%s: %d awards in the database (seeded in %s)", s.env.Dialect, s.have, time.Since(started).Round(time.Millisecond))
}

// txExec runs multi-row INSERTs in one transaction.
type txExec struct {
	exec    func(query string, args ...any) error
	dollars bool // Postgres placeholders
}

func (s *awardSeed) insert(b *testing.B, fn func(tx txExec)) {
	ctx := context.Background()
	conn, err := s.env.DB.SQL().Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	sqlite := s.env.Dialect == store.SQLite
	// Bulk-load settings for this setup connection only (restored before it goes back to the
	// pool): the rows are consistent by construction, and a crash would only lose setup.
	if sqlite {
		for _, p := range []string{"PRAGMA foreign_keys = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -131072"} {
			if _, err := conn.ExecContext(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		defer func() {
			for _, p := range []string{"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -2000"} {
				if _, err := conn.ExecContext(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	if !sqlite {
		for _, q := range []string{"SET LOCAL synchronous_commit = off"} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	}
	fn(txExec{exec: func(q string, args ...any) error { _, err := tx.ExecContext(ctx, q, args...); return err }, dollars: !sqlite})
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if !sqlite {
		// What autovacuum would do soon after a bulk load: statistics for the planner, and
		// the new rows' visibility settled, so the export reads as it would in service.
		if _, err := conn.ExecContext(ctx, "VACUUM (ANALYZE) organisations, applications, awards"); err != nil {
			b.Fatal(err)
		}
	}
}

// rows inserts rows into table, 1,000 to a statement (at most 13,000 parameters: under
// either database's limit).
func (tx txExec) rows(b *testing.B, table string, cols []string, rows [][]any) {
	for len(rows) > 0 {
		batch := rows[:min(1000, len(rows))]
		rows = rows[len(batch):]
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(batch)*len(cols))
		for i, r := range batch {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for j := range cols {
				if j > 0 {
					q.WriteString(", ")
				}
				args = append(args, r[j])
				if tx.dollars {
					fmt.Fprintf(&q, "$%d", len(args))
				} else {
					q.WriteString("?")
				}
			}
			q.WriteString(")")
		}
		if err := tx.exec(q.String(), args...); err != nil {
			b.Fatalf("insert into %s: %v", table, err)
		}
	}
}
