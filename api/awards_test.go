package api_test

import (
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// awardWorld is an assessWorld whose three applications are decided — the first two
// awarded (200000 and 150000 of a 600000 budget), the third declined — and published.
type awardWorld struct {
	*assessWorld
	awards map[string]map[string]any // by application id
}

func newAwardWorld(t *testing.T, env *apitest.Env) *awardWorld {
	t.Helper()
	w := &awardWorld{assessWorld: newAssessWorld(t, env), awards: map[string]map[string]any{}}
	w.decide(t, w.apps[0], map[string]any{"outcome": "award", "amount": 200000, "conditions": "Spend it on the cafés.", "feedback": "A strong, clear plan."})
	w.decide(t, w.apps[1], map[string]any{"outcome": "award", "amount": 150000})
	w.decide(t, w.apps[2], map[string]any{"outcome": "decline", "feedback": "We funded groups closer to our priorities this time."})
	env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/publish-decisions", Token: w.manager.Token})
	list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/awards?round_id=" + w.roundID, Token: w.manager.Token}).Map(t)["data"].([]any)
	for _, a := range list {
		w.awards[a.(map[string]any)["application_id"].(string)] = a.(map[string]any)
	}
	return w
}

func (w *awardWorld) decide(t *testing.T, app string, body map[string]any) map[string]any {
	t.Helper()
	return w.env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + app + "/decision", Token: w.manager.Token, Body: body}).Map(t)
}

// TestDecisionsAwardsAndPayments walks SPEC §8: decisions within the budget, publication
// (outcomes, feedback, offers, drafts closed), acceptance against the agreement, the
// schedule, approval and payment, the award becoming active.
func TestDecisionsAwardsAndPayments(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		base := "/v1/rounds/" + w.roundID
		first := "/v1/applications/" + w.apps[0]

		// Decisions: the rules, listed at once; the budget (600000) holds.
		bad := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[2] + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "decline", "amount": 5}}).Map(t)
		if n := len(bad["errors"].([]any)); n != 2 {
			t.Fatalf("a decline without feedback and with an amount: %v", bad["errors"])
		}
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: first + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "award", "amount": 260000}}) // above the 250000 requested, no reason
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: first + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "award", "amount": 600000, "amount_reason": "x"}}) // above max_grant
		d := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: first + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "award", "amount": 260000, "amount_reason": "Includes access costs.", "feedback": "A strong, clear plan."}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[1] + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "award", "amount": 200000}})
		over := env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[2] + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "award", "amount": 200000}}).Map(t)
		if over["budget_left"] != float64(140000) {
			t.Fatalf("over budget: %v", over)
		}
		// The group cannot see a decision before publication.
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: first + "/decision", Token: w.owner.Token})
		// Publication is refused while one is undecided, naming it.
		un := env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: base + "/publish-decisions", Token: w.manager.Token}).Map(t)
		if errs := un["errors"].([]any); len(errs) != 1 || !strings.Contains(errs[0].(map[string]any)["message"].(string), w.apps[2]) {
			t.Fatalf("undecided: %v", un)
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[2] + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "decline", "feedback": "We funded groups closer to our priorities this time."}})
		// Changeable until publication (If-Match honoured).
		env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: "POST", Path: first + "/decision", Token: w.manager.Token,
			Header: map[string]string{"If-Match": `"9"`}, Body: map[string]any{"outcome": "award", "amount": 250000, "feedback": "A strong, clear plan."}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: first + "/decision", Token: w.manager.Token,
			Header: map[string]string{"If-Match": d.Header.Get("ETag")}, Body: map[string]any{"outcome": "award", "amount": 250000, "feedback": "A strong, clear plan."}})
		ds := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: base + "/decisions", Token: w.manager.Token}).Map(t)
		if ds["awarded_total"] != float64(450000) || ds["budget_left"] != float64(150000) || ds["undecided"] != float64(0) || len(ds["data"].([]any)) != 3 {
			t.Fatalf("decisions = %v", ds)
		}

		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: base + "/publish-decisions", Token: w.manager.Token})
		// The groups see their outcome and feedback.
		if got := w.get(t, w.owner, w.apps[0])["status"]; got != "awarded" {
			t.Fatalf("the awarded group sees %v", got)
		}
		dec := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + w.apps[2] + "/decision", Token: w.owners[2].Token}).Map(t)
		if dec["outcome"] != "decline" || dec["feedback"] != "We funded groups closer to our priorities this time." || dec["decided_by"] != "" {
			t.Fatalf("the declined group's decision = %v", dec)
		}
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: first + "/decision", Token: w.manager.Token,
			Body: map[string]any{"outcome": "decline", "feedback": "x"}})

		// The offer, as the group sees it, and its agreement.
		mine := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/awards", Token: w.owner.Token}).Map(t)["data"].([]any)
		if len(mine) != 1 || mine[0].(map[string]any)["status"] != "offered" || mine[0].(map[string]any)["amount"] != float64(250000) {
			t.Fatalf("the group's awards = %v", mine)
		}
		aw := mine[0].(map[string]any)
		awPath := "/v1/awards/" + aw["id"].(string)
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: awPath, Token: w.stranger.Token})
		text := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath + "/agreement", Token: w.owner.Token, Header: map[string]string{"Accept": "text/plain"}})
		if !strings.Contains(string(text.Body), "Hillside Peer Support") {
			t.Fatalf("agreement = %s", text.Body)
		}

		// Accepting needs a bank account and an owner's typed name.
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: "POST", Path: awPath + "/accept", Token: w.member.Token, Body: map[string]any{"signed_name": "M"}})
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: awPath + "/accept", Token: w.owner.Token, Body: map[string]any{"signed_name": "Jo Reyes"}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.orgID + "/bank-account", Token: w.owner.Token, Body: bankBody("12121212")})
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: awPath + "/accept", Token: w.owner.Token, Body: map[string]any{"signed_name": " "}})
		acc := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: awPath + "/accept", Token: w.owner.Token, Body: map[string]any{"signed_name": "Jo Reyes"}}).Map(t)
		if acc["status"] != "accepted" || acc["signed_name"] != "Jo Reyes" || acc["accepted_at"] == nil || acc["agreement_version"] == "" {
			t.Fatalf("accepted = %v", acc)
		}

		// The schedule: two instalments that must add up; approval and payment.
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "PUT", Path: awPath + "/payments", Token: w.manager.Token,
			Body: map[string]any{"instalments": []any{map[string]any{"amount": 100000, "due_date": "2025-05-01"}}}})
		sched := env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: awPath + "/payments", Token: w.manager.Token,
			Body: map[string]any{"instalments": []any{map[string]any{"amount": 150000, "due_date": "2025-05-01"}, map[string]any{"amount": 100000, "due_date": "2025-11-01"}}}}).Map(t)["data"].([]any)
		var live []string
		for _, p := range sched {
			if p.(map[string]any)["status"] == "scheduled" {
				live = append(live, p.(map[string]any)["id"].(string))
			}
		}
		if len(sched) != 3 || len(live) != 2 {
			t.Fatalf("schedule = %v", sched)
		}
		pay := "/v1/payments/" + live[0]
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: "POST", Path: pay + "/mark-paid", Token: w.manager.Token,
			Body: map[string]any{"paid_on": "2025-03-31", "reference": "BACS-1"}})
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: pay + "/mark-paid", Token: w.finance.Token,
			Body: map[string]any{"paid_on": "2025-03-31", "reference": "BACS-1"}}) // not approved yet
		ap := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: pay + "/approve", Token: w.manager.Token}).Map(t)
		if ap["status"] != "approved" || ap["account"] != "****1212" || ap["payee_name"] != "Hillside Peer Support" {
			t.Fatalf("approved = %v", ap)
		}
		paid := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: pay + "/mark-paid", Token: w.finance.Token,
			Body: map[string]any{"paid_on": "2025-03-31", "reference": "BACS-1"}}).Map(t)
		again := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: pay + "/mark-paid", Token: w.finance.Token,
			Body: map[string]any{"paid_on": "2025-03-31", "reference": "BACS-1"}}).Map(t)
		if paid["status"] != "paid" || again["updated_at"] != paid["updated_at"] {
			t.Fatalf("mark-paid is not idempotent: %v then %v", paid, again)
		}
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: pay + "/mark-paid", Token: w.finance.Token,
			Body: map[string]any{"paid_on": "2025-03-31", "reference": "BACS-2"}})
		if got := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath, Token: w.owner.Token}).Map(t)["status"]; got != "active" {
			t.Fatalf("after the first payment the award is %v", got)
		}
		// Paid instalments never change.
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "PUT", Path: awPath + "/payments", Token: w.manager.Token,
			Body: map[string]any{"instalments": []any{map[string]any{"amount": 250000, "due_date": "2025-05-01"}}}})
		// The group sees status only.
		gp := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath + "/payments", Token: w.member.Token}).Map(t)["data"].([]any)
		for _, p := range gp {
			if p.(map[string]any)["reference"] != "" || p.(map[string]any)["account"] != "" {
				t.Fatalf("the group sees finance details: %v", p)
			}
		}
	})
}

// TestBankChangeCoolingOff: a replaced bank account sends an approved payment back to
// scheduled and blocks approval until the cooling-off period ends (payment diversion).
func TestBankChangeCoolingOff(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAwardWorld(t, env)
		aw := w.awards[w.apps[0]]
		awPath := "/v1/awards/" + aw["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.orgID + "/bank-account", Token: w.owner.Token, Body: bankBody("12121212")})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: awPath + "/accept", Token: w.owner.Token, Body: map[string]any{"signed_name": "Jo Reyes"}})
		pays := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath + "/payments", Token: w.manager.Token}).Map(t)["data"].([]any)
		pay := "/v1/payments/" + pays[0].(map[string]any)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: pay + "/approve", Token: w.manager.Token})

		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.orgID + "/bank-account", Token: w.owner.Token, Body: bankBody("99998888")})
		back := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: awPath + "/payments", Token: w.manager.Token}).Map(t)["data"].([]any)[0].(map[string]any)
		if back["status"] != "scheduled" || back["approved_at"] != nil {
			t.Fatalf("after a bank change the approved payment is %v", back)
		}
		blocked := env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: pay + "/approve", Token: w.manager.Token}).Map(t)
		if !strings.Contains(blocked["detail"].(string), "changed recently") {
			t.Fatalf("cooling-off refusal = %v", blocked)
		}
		w.env.Clock.Advance(73 * 3600e9)
		w.manager.Token = reissue(t, env, w.manager)
		if got := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: pay + "/approve", Token: w.manager.Token}).Map(t)["account"]; got != "****8888" {
			t.Fatalf("approved against %v, want the new account", got)
		}
	})
}
