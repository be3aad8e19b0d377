package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"

	"constellate/api/apitest"
)

// syncer is a finance tool's sync of one list (docs/finance.md): updated_since from the last
// pass's sync_until, pages of five followed by next_cursor.
type syncer struct {
	list, since string
	cursor      string
	until       string // the pass's sync_until, the same on every page
	rows        []map[string]any
	done        bool
}

func (s *syncer) page(t *testing.T, env *apitest.Env, token string) {
	t.Helper()
	p := s.list + "?limit=5&updated_since=" + url.QueryEscape(s.since)
	if s.cursor != "" {
		p += "&cursor=" + url.QueryEscape(s.cursor)
	}
	m := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: p, Token: token}).Map(t)
	until, _ := m["sync_until"].(string)
	if until == "" || s.until != "" && until != s.until {
		t.Fatalf("%s: sync_until %q on a page of a pass that began with %q", s.list, until, s.until)
	}
	s.until = until
	for _, x := range m["data"].([]any) {
		s.rows = append(s.rows, x.(map[string]any))
	}
	s.cursor, _ = m["next_cursor"].(string)
	s.done = s.cursor == ""
}

// pass syncs the lists page by page, in turn, until every one is done, calling between
// (if not nil) after each page.
func pass(t *testing.T, env *apitest.Env, token string, between func(), lists ...*syncer) {
	t.Helper()
	for more := true; more; {
		more = false
		for _, s := range lists {
			if !s.done {
				s.page(t, env, token)
				more = more || !s.done
				if between != nil {
					between()
				}
			}
		}
	}
}

// checkPass fails on a row seen twice in one pass, or one changed outside (since, until].
func checkPass(t *testing.T, s *syncer) map[string]map[string]any {
	t.Helper()
	since, until := mustTime(t, s.since), mustTime(t, s.until)
	out := map[string]map[string]any{}
	for _, r := range s.rows {
		id := r["id"].(string)
		if _, dup := out[id]; dup {
			t.Errorf("%s: row %s appears twice in one pass", s.list, id)
		}
		out[id] = r
		if at := mustTime(t, r["updated_at"].(string)); !at.After(since) || at.After(until) {
			t.Errorf("%s: row %s changed at %s, outside the pass's (%s, %s]", s.list, id, at, since, until)
		}
	}
	return out
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return at
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestFinanceSyncUnderConcurrentUpdates: thirty awards, their payments; a finance machine
// client syncs awards and payments (updated_since from 1970, pages of five) while the
// grants manager approves eight payments and reschedules eight awards and finance marks
// eight more paid, all through HTTP at the same time. Within the pass no row appears
// twice; the next pass, from its sync_until once the clock has passed the sync lag, holds
// every row changed or created since; and the two passes together give every row's latest
// state — what the manager reads at the end — with nothing missed.
func TestFinanceSyncUnderConcurrentUpdates(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		const n = 30
		w := newMoneyWorld(t, env, n, n*100000)
		awards := w.awardAll(t)
		// Awards 0–7: payment approved during the sync; 8–15: approved before, paid during;
		// 16–23: rescheduled during (one instalment cancelled, two new); 24–29: left as offers.
		var approve, markPaid, reschedule []string
		for i, app := range w.apps[:24] {
			awPath := "/v1/awards/" + awards[app]["id"].(string)
			env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.orgs[i] + "/bank-account", Token: w.owner.Token,
				Body: bankBody(fmt.Sprintf("%08d", 40000000+i))})
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: awPath + "/accept", Token: w.owner.Token, Body: map[string]any{"signed_name": "Jo Reyes"}})
			pay := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath + "/payments", Token: w.manager.Token}).Map(t)["data"].([]any)[0].(map[string]any)["id"].(string)
			switch i / 8 {
			case 0:
				approve = append(approve, pay)
			case 1:
				env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/payments/" + pay + "/approve", Token: w.manager.Token})
				markPaid = append(markPaid, pay)
			case 2:
				reschedule = append(reschedule, awPath)
			}
		}
		client := env.MachineClient(t, w.manager.Token, "finance system")
		env.Clock.Advance(time.Minute) // the setup is older than the sync lag

		// Pass 1, with the changes made at the same time.
		type change struct {
			what string
			req  apitest.Req
		}
		workers := [][]change{nil, nil, nil}
		for i := range 8 {
			workers[0] = append(workers[0], change{"approve", apitest.Req{Method: "POST", Path: "/v1/payments/" + approve[i] + "/approve", Token: w.manager.Token}})
			workers[1] = append(workers[1], change{"mark-paid", apitest.Req{Method: "POST", Path: "/v1/payments/" + markPaid[i] + "/mark-paid", Token: w.finance.Token,
				Body: map[string]any{"paid_on": "2025-03-31", "reference": fmt.Sprintf("BACS-%d", i)}}})
			workers[2] = append(workers[2], change{"reschedule", apitest.Req{Method: "PUT", Path: reschedule[i] + "/payments", Token: w.manager.Token,
				Body: map[string]any{"instalments": []any{map[string]any{"amount": 60000, "due_date": "2025-06-01"}, map[string]any{"amount": 40000, "due_date": "2025-09-01"}}}}})
		}
		var (
			wg       sync.WaitGroup
			start    = make(chan struct{})
			progress = make(chan struct{}, 24)
			allDone  = make(chan struct{})
			mu       sync.Mutex
			failed   []string
			changed  int
		)
		for _, list := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for _, c := range list {
					r := env.Do(c.req)
					mu.Lock()
					changed++
					if r.Status != http.StatusOK {
						failed = append(failed, fmt.Sprintf("%s %s: %d %s", c.what, c.req.Path, r.Status, r.Body))
					}
					mu.Unlock()
					progress <- struct{}{}
				}
			}()
		}
		go func() { wg.Wait(); close(allDone) }()
		payments1 := &syncer{list: "/v1/payments", since: "1970-01-01T00:00:00Z"}
		awards1 := &syncer{list: "/v1/awards", since: "1970-01-01T00:00:00Z"}
		close(start)
		// Between pages the sync waits for one more change to land (the others keep going),
		// so the changes spread over the whole pass on either database.
		pass(t, env, client, func() {
			select {
			case <-progress:
			case <-allDone:
			case <-time.After(5 * time.Second):
			}
		}, payments1, awards1)
		mu.Lock()
		during := changed
		mu.Unlock()
		<-allDone
		if len(failed) > 0 {
			t.Fatalf("changes refused: %v", failed)
		}
		t.Logf("%s: %d of 24 changes had completed when the first pass ended (%d payments, %d awards read)",
			env.Dialect, during, len(payments1.rows), len(awards1.rows))
		seen1p, seen1a := checkPass(t, payments1), checkPass(t, awards1)

		// Pass 2, from pass 1's sync_until, once the changes are older than the lag.
		env.Clock.Advance(time.Minute)
		payments2 := &syncer{list: "/v1/payments", since: payments1.until}
		awards2 := &syncer{list: "/v1/awards", since: awards1.until}
		pass(t, env, client, nil, payments2, awards2)
		seen2p, seen2a := checkPass(t, payments2), checkPass(t, awards2)
		// Every payment changed or created during pass 1 (8 approved, 8 paid, 8 cancelled,
		// 16 new) and every award changed (8 activated, 8 rescheduled) is in pass 2.
		if len(seen2p) != 40 || len(seen2a) != 16 {
			t.Errorf("pass 2 holds %d payments and %d awards, want 40 and 16", len(seen2p), len(seen2a))
		}

		// The union, the later pass winning, is every row's latest state.
		for _, c := range []struct {
			name         string
			pass1, pass2 map[string]map[string]any
			final        []map[string]any
		}{
			{"payments", seen1p, seen2p, pages(t, env, w.manager.Token, "/v1/payments?limit=200")},
			{"awards", seen1a, seen2a, pages(t, env, w.manager.Token, "/v1/awards?limit=200")},
		} {
			union := map[string]map[string]any{}
			for id, r := range c.pass1 {
				union[id] = r
			}
			for id, r := range c.pass2 {
				union[id] = r
			}
			if len(union) != len(c.final) {
				t.Errorf("%s: the passes hold %d rows, the final read %d", c.name, len(union), len(c.final))
			}
			for _, want := range c.final {
				got, ok := union[want["id"].(string)]
				switch {
				case !ok:
					t.Errorf("%s: the sync missed %s", c.name, jsonText(want))
				case !reflect.DeepEqual(got, want):
					t.Errorf("%s: the sync's latest state of %s is\n%s\nbut it is\n%s", c.name, want["id"], jsonText(got), jsonText(want))
				}
			}
		}
		if want := 30 + 16; len(pages(t, env, w.manager.Token, "/v1/payments?limit=200")) != want {
			t.Errorf("want %d payments at the end", want)
		}

		// A third pass straight away finds nothing new.
		payments3 := &syncer{list: "/v1/payments", since: payments2.until}
		pass(t, env, client, nil, payments3)
		if len(payments3.rows) != 0 {
			t.Errorf("a pass with nothing changed read %d rows", len(payments3.rows))
		}
	})
}

// TestSyncParameters: a cursor the list did not give, an updated_since that is not an RFC
// 3339 time, an unknown status and a limit out of range are 400, on both lists.
func TestSyncParameters(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		for _, list := range []string{"/v1/awards", "/v1/payments"} {
			for _, q := range []string{"cursor=not-a-cursor", "cursor=eyJpZCI6IjEifQ", "updated_since=yesterday",
				"updated_since=2025-03-01", "limit=0", "limit=201", "status=paid-ish", "round_id=42"} {
				p := env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: list + "?" + q, Token: w.finance.Token}).Map(t)
				if len(p["errors"].([]any)) == 0 {
					t.Errorf("GET %s?%s: 400 naming no field: %v", list, q, p)
				}
			}
			// Without updated_since a list is not a sync: no sync_until.
			if m := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: list, Token: w.finance.Token}).Map(t); m["sync_until"] != nil {
				t.Errorf("GET %s: sync_until %v on a plain list", list, m["sync_until"])
			}
			// A sync's until is the clock less the lag (the request timeout and a second).
			m := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: list + "?updated_since=1970-01-01T00:00:00Z", Token: w.finance.Token}).Map(t)
			lag := env.Clock.Now().Sub(mustTime(t, m["sync_until"].(string)))
			if want := env.Config.RequestTimeout + time.Second; lag < want || lag > want+time.Second {
				t.Errorf("GET %s: sync_until is %s behind the clock, want %s", list, lag, want)
			}
		}
	})
}
