package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"constellate/api/apitest"
)

// raceReplies sends n requests at once — every goroutine waits on a closed channel, the
// start barrier — and returns the replies in request order.
func raceReplies(env *apitest.Env, n int, req func(i int) apitest.Req) []*apitest.Response {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		out   = make([]*apitest.Response, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = env.Do(req(i))
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// no5xx fails t on any reply that is missing (its request failed the contract) or a 5xx.
func no5xx(t *testing.T, replies []*apitest.Response) {
	t.Helper()
	for i, r := range replies {
		if r == nil {
			t.Fatalf("request %d got no reply", i)
		}
		if r.Status >= 500 {
			t.Fatalf("request %d: %d %s", i, r.Status, r.Body)
		}
	}
}

// moneyWorld is a round in assessment (budget given, 100000 requested by each application)
// with n submitted applications from n organisations, all owned by w.owner, and a panel of
// two (awardAll decides and publishes them).
type moneyWorld struct {
	*appWorld
	apps, orgs []string
}

func newMoneyWorld(t *testing.T, env *apitest.Env, n int, budget int64) *moneyWorld {
	t.Helper()
	w := &moneyWorld{appWorld: newAppWorld(t, env)}
	w.roundID = w.openRound(t, func(b map[string]any) { b["budget"] = budget; b["max_grant"] = 100000 })
	p1, p2 := env.Panel(), env.Panel()
	env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/rounds/" + w.roundID + "/panel", Token: w.manager.Token,
		Body: map[string]any{"user_ids": []string{p1.ID, p2.ID}}})
	for i := range n {
		org := w.createOrg(t, w.owner, fmt.Sprintf("Group %03d", i), nil, "london")
		id := w.draft(t, w.owner, w.roundID, org)["id"].(string)
		body := complete()
		body["requested_amount"] = 100000
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + id, Token: w.owner.Token, Body: body})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/submit", Token: w.owner.Token})
		w.apps, w.orgs = append(w.apps, id), append(w.orgs, org)
	}
	w.travel(t, time.Date(2025, 3, 31, 18, 0, 0, 0, time.UTC))
	env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/start-assessment", Token: w.manager.Token})
	return w
}

// awardAll awards 100000 to every application, publishes the decisions and returns the
// awards by application id.
func (w *moneyWorld) awardAll(t *testing.T) map[string]map[string]any {
	t.Helper()
	for _, app := range w.apps {
		w.env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + app + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "award", "amount": 100000, "conditions": "Report once."}})
	}
	w.env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/publish-decisions", Token: w.manager.Token})
	out := map[string]map[string]any{}
	for _, a := range pages(t, w.env, w.manager.Token, "/v1/awards?round_id="+w.roundID+"&limit=200") {
		out[a["application_id"].(string)] = a
	}
	return out
}

// pages reads every page of a list from path (which has a query), following next_cursor.
func pages(t *testing.T, env *apitest.Env, token, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for cursor := ""; ; {
		p := path
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		page := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: p, Token: token}).Map(t)
		for _, x := range page["data"].([]any) {
			out = append(out, x.(map[string]any))
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
}

// auditCount counts the audit events matching query (as a manager).
func auditCount(t *testing.T, env *apitest.Env, token, query string) int {
	t.Helper()
	return len(pages(t, env, token, "/v1/audit-events?limit=200&"+query))
}

// TestAwardRacingDecisionsHoldTheBudget: eight awards of 100000 decided at once in a round with
// 550000 to give: exactly five fit and succeed, the other three are 409 naming the 50000
// left, and the round's awarded total never passes its budget.
func TestAwardRacingDecisionsHoldTheBudget(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newMoneyWorld(t, env, 8, 550000)
		replies := raceReplies(env, len(w.apps), func(i int) apitest.Req {
			return apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[i] + "/decision", Token: w.manager.Token,
				Body: map[string]any{"outcome": "award", "amount": 100000}}
		})
		no5xx(t, replies)
		var ok, over int
		for i, r := range replies {
			switch r.Status {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
				over++
				if left := r.Map(t)["budget_left"]; left != float64(50000) {
					t.Errorf("decision %d refused with budget_left %v, want 50000: %s", i, left, r.Body)
				}
			default:
				t.Errorf("decision %d: %d %s", i, r.Status, r.Body)
			}
		}
		ds := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + w.roundID + "/decisions", Token: w.manager.Token}).Map(t)
		recordConcurrency(t, env, figBudget, fmt.Sprintf("%d award decisions of 100000 racing for a budget of 550000", len(w.apps)),
			fmt.Sprintf("%d × 200, %d × 409; awarded %v of 550000, %v left", ok, over, ds["awarded_total"], ds["budget_left"]),
			"5 × 200, 3 × 409, awarded ≤ budget")
		if ok != 5 || over != 3 {
			t.Fatalf("racing decisions: %d succeeded and %d refused, want 5 and 3", ok, over)
		}
		if ds["awarded_total"] != float64(500000) || ds["budget_left"] != float64(50000) || len(ds["data"].([]any)) != 5 || ds["undecided"] != float64(3) {
			t.Fatalf("after the race: %v", ds)
		}
		if n := auditCount(t, env, w.manager.Token, "action=decision.recorded"); n != 5 {
			t.Fatalf("%d decision.recorded events, want 5", n)
		}
	})
}

// TestPaymentRacingMarkPaid: finance marks one approved payment paid twelve times at once with the
// same date and reference: every reply is the same 200, one payment.paid event is recorded
// and the award becomes active once. Then every instalment of a second schedule, each
// approved, is marked paid at once: all succeed, and the award still activated once.
func TestPaymentRacingMarkPaid(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAwardWorld(t, env)
		aw := w.awards[w.apps[0]]
		awPath := "/v1/awards/" + aw["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.orgID + "/bank-account", Token: w.owner.Token, Body: bankBody("12121212")})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: awPath + "/accept", Token: w.owner.Token, Body: map[string]any{"signed_name": "Jo Reyes"}})
		pays := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath + "/payments", Token: w.manager.Token}).Map(t)["data"].([]any)
		payID := pays[0].(map[string]any)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/payments/" + payID + "/approve", Token: w.manager.Token})

		replies := raceReplies(env, 12, func(int) apitest.Req {
			return apitest.Req{Method: "POST", Path: "/v1/payments/" + payID + "/mark-paid", Token: w.finance.Token,
				Body: map[string]any{"paid_on": "2025-03-31", "reference": "BACS-77"}}
		})
		no5xx(t, replies)
		paidEvents := auditCount(t, env, w.manager.Token, "action=payment.paid")
		recordConcurrency(t, env, figMarkPaid, fmt.Sprintf("%d racing mark-paid of one approved payment", len(replies)),
			fmt.Sprintf("%d of %d replies identical %d; %d payment.paid event, %d award.activated event", identical(replies), len(replies),
				replies[0].Status, paidEvents, auditCount(t, env, w.manager.Token, "action=award.activated&entity_id="+aw["id"].(string))),
			"one payment: 1 payment.paid event")
		for i, r := range replies {
			if r.Status != http.StatusOK || !bytes.Equal(r.Body, replies[0].Body) || r.Header.Get("ETag") != replies[0].Header.Get("ETag") {
				t.Fatalf("mark-paid %d: %d %s (ETag %s), want the same 200 as the first: %s (ETag %s)", i, r.Status, r.Body,
					r.Header.Get("ETag"), replies[0].Body, replies[0].Header.Get("ETag"))
			}
		}
		if p := replies[0].Map(t); p["status"] != "paid" || p["paid_on"] != "2025-03-31" || p["reference"] != "BACS-77" {
			t.Fatalf("paid = %v", p)
		}
		if n := auditCount(t, env, w.manager.Token, "action=payment.paid"); n != 1 {
			t.Fatalf("%d payment.paid events, want 1", n)
		}
		if n := auditCount(t, env, w.manager.Token, "action=award.activated&entity_id="+aw["id"].(string)); n != 1 {
			t.Fatalf("%d award.activated events, want 1", n)
		}
		if got := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath, Token: w.manager.Token}).Map(t)["status"]; got != "active" {
			t.Fatalf("the award is %v after its first payment, want active", got)
		}

		// The second group's award: six instalments, all approved, all paid at once.
		other := w.awards[w.apps[1]]
		otherPath := "/v1/awards/" + other["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.otherOrgID + "/bank-account", Token: w.stranger.Token, Body: bankBody("34343434")})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: otherPath + "/accept", Token: w.stranger.Token, Body: map[string]any{"signed_name": "Sam Okafor"}})
		var instalments []any
		for i := range 6 {
			instalments = append(instalments, map[string]any{"amount": 25000, "due_date": fmt.Sprintf("2025-%02d-01", 5+i)})
		}
		sched := env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: otherPath + "/payments", Token: w.manager.Token,
			Body: map[string]any{"instalments": instalments}}).Map(t)["data"].([]any)
		var live []string
		for _, p := range sched {
			if p := p.(map[string]any); p["status"] == "scheduled" {
				live = append(live, p["id"].(string))
				env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/payments/" + p["id"].(string) + "/approve", Token: w.manager.Token})
			}
		}
		if len(live) != 6 {
			t.Fatalf("schedule = %v", sched)
		}
		replies = raceReplies(env, len(live), func(i int) apitest.Req {
			return apitest.Req{Method: "POST", Path: "/v1/payments/" + live[i] + "/mark-paid", Token: w.finance.Token,
				Body: map[string]any{"paid_on": "2025-03-31", "reference": fmt.Sprintf("BACS-%d", i)}}
		})
		no5xx(t, replies)
		for i, r := range replies {
			if r.Status != http.StatusOK {
				t.Errorf("mark-paid of instalment %d: %d %s", i, r.Status, r.Body)
			}
		}
		if n := auditCount(t, env, w.manager.Token, "action=award.activated&entity_id="+other["id"].(string)); n != 1 {
			t.Fatalf("%d award.activated events for the second award, want 1", n)
		}
		if got := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: otherPath, Token: w.manager.Token}).Map(t)["status"]; got != "active" {
			t.Fatalf("the second award is %v, want active", got)
		}
	})
}

// TestAwardIdempotentDecisionUnderRace: fifty identical decisions sent at once with one
// Idempotency-Key have one effect (one decision, version 1, one decision.recorded event)
// and every reply is the same. On Postgres a duplicate that arrives while the first is
// still running is told so (409, in progress) and its retry then replays the same reply.
// Ten identical decisions without a key have one effect as well.
func TestAwardIdempotentDecisionUnderRace(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		req := apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[0] + "/decision", Token: w.manager.Token,
			Header: map[string]string{"Idempotency-Key": "decide-once-" + w.apps[0]},
			Body:   map[string]any{"outcome": "award", "amount": 200000, "conditions": "Spend it on the cafés."}}
		replies := raceReplies(env, 50, func(int) apitest.Req { return req })
		no5xx(t, replies)
		var first *apitest.Response
		inFlight := 0
		for i, r := range replies {
			switch {
			case r.Status == http.StatusConflict && strings.Contains(r.Map(t)["detail"].(string), "still in progress"):
				inFlight++
				for try := 0; r.Status == http.StatusConflict && try < 100; try++ { // a retry, as a client would
					time.Sleep(10 * time.Millisecond)
					r = env.Do(req)
				}
				replies[i] = r
			case r.Status != http.StatusOK:
				t.Fatalf("decision %d: %d %s", i, r.Status, r.Body)
			}
		}
		for i, r := range replies {
			if first == nil {
				first = r
			}
			if r.Status != http.StatusOK || !bytes.Equal(r.Body, first.Body) || r.Header.Get("ETag") != first.Header.Get("ETag") {
				t.Fatalf("reply %d: %d %s (ETag %s), want the first's: %s (ETag %s)", i, r.Status, r.Body, r.Header.Get("ETag"), first.Body, first.Header.Get("ETag"))
			}
		}
		t.Logf("%s: %d of 50 were told the first was in progress, then replayed", env.Dialect, inFlight)
		decided := auditCount(t, env, w.manager.Token, "action=decision.recorded&entity_id="+w.apps[0])
		recordConcurrency(t, env, figKeyedDecision, "50 identical keyed POST /v1/applications/{id}/decision",
			fmt.Sprintf("%d decision.recorded event, ETag %s, %d of 50 replies identical %d (%d first told 409 in progress, then replayed)",
				decided, replies[0].Header.Get("ETag"), identical(replies), replies[0].Status, inFlight),
			"1 effect, 50 identical 200")
		if first.Header.Get("ETag") != `"1"` {
			t.Fatalf("the decision's ETag is %s, want \"1\": more than one effect", first.Header.Get("ETag"))
		}
		if n := auditCount(t, env, w.manager.Token, "action=decision.recorded&entity_id="+w.apps[0]); n != 1 {
			t.Fatalf("%d decision.recorded events, want 1", n)
		}

		// Without a key, the same decision sent again and again at once is one change too:
		// the round's lock orders them, the first records it, the rest change nothing and
		// record nothing.
		again := apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[1] + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "award", "amount": 150000}}
		replies = raceReplies(env, 10, func(int) apitest.Req { return again })
		no5xx(t, replies)
		for i, r := range replies {
			if r.Status != http.StatusOK || r.Header.Get("ETag") != `"1"` || !bytes.Equal(r.Body, replies[0].Body) {
				t.Fatalf("repeated decision %d: %d %s (ETag %s), want the first's 200, version 1: %s", i, r.Status, r.Body, r.Header.Get("ETag"), replies[0].Body)
			}
		}
		if n := auditCount(t, env, w.manager.Token, "action=decision.recorded&entity_id="+w.apps[1]); n != 1 {
			t.Fatalf("%d decision.recorded events for one decision sent ten times, want 1", n)
		}
		ds := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + w.roundID + "/decisions", Token: w.manager.Token}).Map(t)
		if ds["awarded_total"] != float64(350000) || len(ds["data"].([]any)) != 2 {
			t.Fatalf("after the races: %v", ds)
		}
	})
}

// TestPaymentScheduleRacingMarkPaidNeverOverpays: a new schedule set while finance marks one of
// the award's approved instalments paid, on accepted awards (the payment would activate
// it) and on active ones (an earlier instalment already paid). Whichever comes first, the
// award is never paid more than its amount: either the schedule cancels the instalment
// first (mark-paid 409) or the payment comes first (the schedule, which counts it as
// unpaid, 422) — never both accepted, which would pay it twice over — and never a 5xx.
func TestPaymentScheduleRacingMarkPaidNeverOverpays(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		const n = 16
		w := newMoneyWorld(t, env, n, n*100000)
		awards := w.awardAll(t)
		outcomes := map[string]int{}
		instalment := func(amount int64, due string) map[string]any {
			return map[string]any{"amount": amount, "due_date": due}
		}
		for i, app := range w.apps {
			awPath := "/v1/awards/" + awards[app]["id"].(string)
			env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.orgs[i] + "/bank-account", Token: w.owner.Token, Body: bankBody(fmt.Sprintf("%08d", 30000000+i))})
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: awPath + "/accept", Token: w.owner.Token, Body: map[string]any{"signed_name": "Jo Reyes"}})
			sched := env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: awPath + "/payments", Token: w.manager.Token,
				Body: map[string]any{"instalments": []any{instalment(50000, "2025-04-01"), instalment(50000, "2025-05-01")}}}).Map(t)["data"].([]any)
			first, second := sched[1].(map[string]any)["id"].(string), sched[2].(map[string]any)["id"].(string)
			unpaid := int64(100000)
			if i%2 == 1 { // active: the first instalment paid
				env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/payments/" + first + "/approve", Token: w.manager.Token})
				env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/payments/" + first + "/mark-paid", Token: w.finance.Token,
					Body: map[string]any{"paid_on": "2025-03-31", "reference": "BACS-0"}})
				unpaid = 50000
			}
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/payments/" + second + "/approve", Token: w.manager.Token})
			replies := raceReplies(env, 2, func(i int) apitest.Req {
				if i == 0 {
					return apitest.Req{Method: "POST", Path: "/v1/payments/" + second + "/mark-paid", Token: w.finance.Token,
						Body: map[string]any{"paid_on": "2025-03-31", "reference": "BACS-1"}}
				}
				return apitest.Req{Method: "PUT", Path: awPath + "/payments", Token: w.manager.Token,
					Body: map[string]any{"instalments": []any{instalment(unpaid, "2025-06-01")}}}
			})
			no5xx(t, replies)
			outcomes[fmt.Sprintf("mark-paid %d, schedule %d", replies[0].Status, replies[1].Status)]++
			var live int64
			for _, p := range env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath + "/payments", Token: w.manager.Token}).Map(t)["data"].([]any) {
				if p := p.(map[string]any); p["status"] != "cancelled" {
					live += int64(p["amount"].(float64))
				}
			}
			if live != 100000 {
				t.Fatalf("award %d: paid and scheduled add up to %d, not the award's 100000 (mark-paid %d, schedule %d)", i, live, replies[0].Status, replies[1].Status)
			}
		}
		t.Logf("%s: %v", env.Dialect, outcomes)
	})
}
