package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"constellate/api/apitest"
	"constellate/internal/store"
	"constellate/reliability"
)

// The concurrency proofs of issue 13 §4. Every race releases its requests at once from a
// start barrier (raceReplies: goroutines blocked on a channel that is closed when all are
// waiting), on SQLite and on Postgres, and is meant to run under -race. Each test records
// its figure with recordConcurrency; with RELIABILITY_RESULTS=DIR set, the figures of each
// database go to DIR/concurrency-<database>.json, which ./reliability/report turns into the
// concurrency section of docs/reliability.md.

// concurrencyFigure orders the figures in the report (tests run in parallel and record in
// any order).
const (
	figKeyedCreate = iota + 1
	figKeyedDecision
	figUnkeyedSubmit
	figIfMatchApplication
	figIfMatchRound
	figBudget
	figMarkPaid
	figAssessmentSubmit
)

// concurrencyEvidence is the figures recorded so far in this process, by database. It is
// not evidence_test.go's evidence(), which saves one test's result: here several tests (run
// in parallel) add their figures to one result per database, saved again after each.
var concurrencyEvidence = struct {
	sync.Mutex
	byDB  map[store.Dialect]*reliability.Result
	order map[store.Dialect]map[string]int
}{byDB: map[store.Dialect]*reliability.Result{}, order: map[store.Dialect]map[string]int{}}

// recordConcurrency records one figure of env's database: what the race did (value) against
// what is required (want). The figure counts as met when t passes: it is written when t
// ends, so record it before the assertions that check it. Without RELIABILITY_RESULTS it
// does nothing.
func recordConcurrency(t *testing.T, env *apitest.Env, order int, name, value, want string) {
	t.Helper()
	dir := os.Getenv("RELIABILITY_RESULTS")
	if dir == "" {
		return
	}
	started := time.Now()
	t.Cleanup(func() {
		ok := !t.Failed()
		ev := &concurrencyEvidence
		ev.Lock()
		defer ev.Unlock()
		r := ev.byDB[env.Dialect]
		if r == nil {
			r = &reliability.Result{
				Scenario: "concurrency-" + string(env.Dialect), Section: "concurrency", Order: 40 + len(ev.byDB),
				Title: "Racing writes (" + string(env.Dialect) + ")",
				Claim: "Racing writes have exactly one effect: one Idempotency-Key → one effect and identical replies; " +
					"a repeated action without a key → one success; one If-Match → one 200, the rest 412; racing award " +
					"decisions never pass the budget; racing mark-paid → one payment; racing assessment submits → one.",
				Method: "Go tests in api/ (api/concurrency_test.go and the *_race_test.go files) on a fresh " + dialectTitle(env.Dialect) +
					" database behind the real HTTP stack (api.Build, httptest): the requests of each race are released at once " +
					"from a start barrier (goroutines blocked on one channel, closed when all are waiting); afterwards the " +
					"database is read back through the API (rows, audit events, ETags).",
				Mode: "short", Database: string(env.Dialect), Started: started,
			}
			if raceEnabled() {
				r.Notes = append(r.Notes, "built with -race: the race detector reported nothing")
			} else {
				r.Notes = append(r.Notes, "built without -race (CI runs these tests under -race)")
			}
			ev.byDB[env.Dialect] = r
			ev.order[env.Dialect] = map[string]int{}
		}
		if started.Before(r.Started) {
			r.Started = started
		}
		r.Seconds = time.Since(r.Started).Seconds()
		ev.order[env.Dialect][name] = order
		fig := figure(name, value, want, ok) // evidence_test.go's
		replaced := false
		for i := range r.Figures {
			if r.Figures[i].Name == name {
				r.Figures[i], replaced = fig, true
			}
		}
		if !replaced {
			r.Figures = append(r.Figures, fig)
		}
		sort.SliceStable(r.Figures, func(i, j int) bool {
			return ev.order[env.Dialect][r.Figures[i].Name] < ev.order[env.Dialect][r.Figures[j].Name]
		})
		r.Passed = true
		for _, f := range r.Figures {
			r.Passed = r.Passed && f.OK != nil && *f.OK
		}
		if err := r.Save(dir); err != nil {
			t.Errorf("record %s: %v", name, err)
		}
	})
}

func dialectTitle(d store.Dialect) string {
	if d == store.Postgres {
		return "Postgres"
	}
	return "SQLite"
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// replayUntilDone retries, as a client would, each reply that says the first request with
// its Idempotency-Key is still in progress (409; Postgres tells concurrent duplicates so),
// and returns how many were retried.
func replayUntilDone(t *testing.T, env *apitest.Env, req apitest.Req, replies []*apitest.Response) int {
	t.Helper()
	retried := 0
	for i, r := range replies {
		if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "still in progress") {
			continue
		}
		retried++
		for try := 0; r.Status == http.StatusConflict && try < 200; try++ {
			time.Sleep(10 * time.Millisecond)
			r = env.Do(req)
		}
		replies[i] = r
	}
	return retried
}

// identical counts the replies equal to the first in status, body and ETag.
func identical(replies []*apitest.Response) int {
	n := 0
	for _, r := range replies {
		if r.Status == replies[0].Status && bytes.Equal(r.Body, replies[0].Body) && r.Header.Get("ETag") == replies[0].Header.Get("ETag") {
			n++
		}
	}
	return n
}

// TestConcurrencyKeyedCreates: fifty identical POST /v1/rounds/{id}/applications with one
// Idempotency-Key, released at once → one application, one application.created event,
// fifty identical 201 replies (a duplicate told that the first is still in progress
// retries, as a client would, and gets the replay).
func TestConcurrencyKeyedCreates(t *testing.T) {
	t.Parallel()
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		req := apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/applications", Token: w.owner.Token,
			Header: map[string]string{"Idempotency-Key": "create-once-" + w.orgID},
			Body:   map[string]any{"organisation_id": w.orgID}}
		const n = 50
		replies := raceReplies(env, n, func(int) apitest.Req { return req })
		no5xx(t, replies)
		retried := replayUntilDone(t, env, req, replies)
		same := identical(replies)
		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications?round_id=" + w.roundID, Token: w.owner.Token}).Map(t)["data"].([]any)
		events := auditCount(t, env, w.manager.Token, "action=application.created")
		recordConcurrency(t, env, figKeyedCreate, fmt.Sprintf("%d identical keyed POST /v1/rounds/{id}/applications", n),
			fmt.Sprintf("%d application, %d application.created event, %d of %d replies identical %d (%d first told 409 in progress, then replayed)",
				len(list), events, same, n, replies[0].Status, retried),
			"1 row, 1 event, 50 identical 201")
		if replies[0].Status != http.StatusCreated || same != n {
			t.Fatalf("%d of %d replies identical to the first (%d %s)", same, n, replies[0].Status, replies[0].Body)
		}
		if len(list) != 1 || events != 1 {
			t.Fatalf("%d applications and %d application.created events after %d keyed POSTs, want 1 and 1", len(list), events, n)
		}
		replayed := 0
		for _, r := range replies {
			if r.Header.Get("Idempotent-Replayed") == "true" {
				replayed++
			}
		}
		if replayed != n-1 {
			t.Fatalf("%d replies marked Idempotent-Replayed, want %d (all but the first)", replayed, n-1)
		}
	})
}

// TestConcurrencyIfMatchPatches: twenty PATCHes of one application, and twenty of one round,
// each carrying the same If-Match, released at once → one 200 and nineteen 412; the version
// moves by one.
func TestConcurrencyIfMatchPatches(t *testing.T) {
	t.Parallel()
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		const n = 20
		w := newAppWorld(t, env)
		app := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		rw := &roundWorld{env: env, manager: w.manager, programmeID: w.programmeID}
		round := rw.create(t, nil)["id"].(string)
		for _, c := range []struct {
			order      int
			what, path string
			token      string
			body       func(i int) map[string]any
		}{
			{figIfMatchApplication, "application autosaves (PATCH /v1/applications/{id})", "/v1/applications/" + app, w.owner.Token,
				func(i int) map[string]any { return map[string]any{"title": fmt.Sprintf("Title %02d", i)} }},
			{figIfMatchRound, "round edits (PATCH /v1/rounds/{id})", "/v1/rounds/" + round, w.manager.Token,
				func(i int) map[string]any { return map[string]any{"name": fmt.Sprintf("Round %02d", i)} }},
		} {
			etag := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: c.path, Token: c.token}).Header.Get("ETag")
			replies := raceReplies(env, n, func(i int) apitest.Req {
				return apitest.Req{Method: "PATCH", Path: c.path, Token: c.token, Header: map[string]string{"If-Match": etag}, Body: c.body(i)}
			})
			no5xx(t, replies)
			got := map[int]int{}
			winner := -1
			for i, r := range replies {
				got[r.Status]++
				if r.Status == http.StatusOK {
					winner = i
				}
			}
			after := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: c.path, Token: c.token})
			recordConcurrency(t, env, c.order, fmt.Sprintf("%d %s with one If-Match", n, c.what),
				fmt.Sprintf("%d × 200, %d × 412; ETag %s → %s", got[http.StatusOK], got[http.StatusPreconditionFailed], etag, after.Header.Get("ETag")),
				"1 × 200, 19 × 412")
			if got[http.StatusOK] != 1 || got[http.StatusPreconditionFailed] != n-1 {
				t.Fatalf("%s: %v, want one 200 and %d 412", c.what, got, n-1)
			}
			if after.Header.Get("ETag") != replies[winner].Header.Get("ETag") || after.Header.Get("ETag") == etag {
				t.Fatalf("%s: ETag %s after the race, the winner's was %s (before: %s)", c.what, after.Header.Get("ETag"), replies[winner].Header.Get("ETag"), etag)
			}
			for k, v := range c.body(winner) {
				if got := after.Map(t)[k]; got != v {
					t.Fatalf("%s: %s = %v after the race, the winner sent %v", c.what, k, got, v)
				}
			}
		}
	})
}
