package api_test

import (
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// awardsAccount is the awarded group's bank account number: no award or payment route
// shows it to anyone (payments carry ****1234 only).
const awardsAccount = "87651234"

// awardsMatrix drives every decision, award and payment route as every standard actor
// against a published round (newAwardWorld): the first application awarded to the owner's
// and member's organisation (an offer, with a bank account on file and one scheduled
// instalment), the second awarded to the other applicant's. The panel_on_round actor is
// p1, who sat on the round's panel (the panel is frozen once decisions are published).
// Bodies are chosen so that no cell changes anything, allowed ones included: writes fail
// validation (422) or a state check (409) after passing authorization. Canaries: the bank
// account number (nobody), and the awarded group's award id and conditions (its members,
// staff and finance; never the other applicant or the panel).
func awardsMatrix(t *testing.T, env *apitest.Env) apitest.Matrix {
	w := newAwardWorld(t, env)
	env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.orgID + "/bank-account", Token: w.owner.Token, Body: bankBody(awardsAccount)})
	ours, theirs := w.awards[w.apps[0]]["id"].(string), w.awards[w.apps[1]]["id"].(string)
	conditions := w.awards[w.apps[0]]["conditions"].(string)
	if conditions == "" {
		t.Fatal("the first award has no conditions to use as a canary")
	}
	pays := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/awards/" + ours + "/payments", Token: w.manager.Token}).Map(t)["data"].([]any)
	if len(pays) != 1 || pays[0].(map[string]any)["account"] != "****1234" {
		t.Fatalf("the offer's instalments = %v", pays)
	}
	pay := "/v1/payments/" + pays[0].(map[string]any)["id"].(string)
	award, decision, round := "/v1/awards/"+ours, "/v1/applications/"+w.apps[0]+"/decision", "/v1/rounds/"+w.roundID
	cast := apitest.Cast{
		apitest.Owner: w.owner.Token, apitest.Member: w.member.Token, apitest.OtherApplicant: w.stranger.Token,
		apitest.PanelOnRound: w.p1.Token, apitest.PanelOffRound: w.panel.Token, apitest.GrantsManager: w.manager.Token,
		apitest.FinanceUser: w.finance.Token, apitest.FinanceClient: env.MachineClient(t, w.manager.Token, "matrix finance system"),
	}
	insiders := []apitest.Actor{apitest.Owner, apitest.Member, apitest.GrantsManager, apitest.FinanceUser, apitest.FinanceClient}
	return apitest.Matrix{
		Cast: cast,
		// Columns: anonymous, owner, member, other_applicant, panel_on_round, panel_off_round, grants_manager, finance, finance_client.
		Rows: []apitest.Row{
			{Route: "POST /v1/applications/:id/decision", Name: "round decided", Path: decision, Body: map[string]any{"outcome": "award", "amount": 1},
				Want: []int{401, 403, 403, 403, 403, 403, 409, 403, 403}},
			{Route: "GET /v1/applications/:id/decision", Path: decision, Want: []int{401, 200, 200, 404, 404, 404, 200, 404, 404}},
			{Route: "GET /v1/rounds/:id/decisions", Path: round + "/decisions", Want: []int{401, 403, 403, 403, 403, 403, 200, 403, 403}},
			{Route: "GET /v1/awards", Path: "/v1/awards", Want: []int{401, 200, 200, 200, 403, 403, 200, 200, 200}},
			{Route: "GET /v1/awards", Name: "a sync", Path: "/v1/awards?updated_since=1970-01-01T00:00:00Z&limit=1",
				Want: []int{401, 200, 200, 200, 403, 403, 200, 200, 200}},
			{Route: "GET /v1/awards", Name: "as CSV", Path: "/v1/awards", Header: map[string]string{"Accept": "text/csv"},
				Want: []int{401, 200, 200, 200, 403, 403, 200, 200, 200}},
			{Route: "GET /v1/awards/:id", Path: award, Want: []int{401, 200, 200, 404, 403, 403, 200, 200, 200}},
			{Route: "GET /v1/awards/:id", Name: "another group's", Path: "/v1/awards/" + theirs, Want: []int{401, 404, 404, 200, 403, 403, 200, 200, 200}},
			{Route: "POST /v1/awards/:id/accept", Name: "no name", Path: award + "/accept", Body: map[string]any{"signed_name": " "},
				Want: []int{401, 422, 403, 404, 403, 403, 403, 403, 403}},
			{Route: "POST /v1/awards/:id/decline", Name: "reason too long", Path: award + "/decline", Body: map[string]any{"reason": strings.Repeat("r", 5001)},
				Want: []int{401, 422, 403, 404, 403, 403, 403, 403, 403}},
			{Route: "POST /v1/awards/:id/withdraw", Name: "no reason", Path: award + "/withdraw", Body: map[string]any{"reason": ""},
				Want: []int{401, 403, 403, 403, 403, 403, 422, 403, 403}},
			{Route: "GET /v1/awards/:id/agreement", Path: award + "/agreement", Header: map[string]string{"Accept": "text/plain, application/problem+json"},
				Want: []int{401, 200, 200, 404, 403, 403, 200, 200, 200}},
			{Route: "GET /v1/awards/:id/payments", Path: award + "/payments", Want: []int{401, 200, 200, 404, 403, 403, 200, 200, 200}},
			{Route: "PUT /v1/awards/:id/payments", Name: "does not add up", Path: award + "/payments",
				Body: map[string]any{"instalments": []any{map[string]any{"amount": 1, "due_date": "2025-05-01"}}},
				Want: []int{401, 403, 403, 403, 403, 403, 422, 403, 403}},
			{Route: "GET /v1/payments", Path: "/v1/payments", Want: []int{401, 403, 403, 403, 403, 403, 200, 200, 200}},
			{Route: "GET /v1/payments", Name: "as CSV", Path: "/v1/payments", Header: map[string]string{"Accept": "text/csv"},
				Want: []int{401, 403, 403, 403, 403, 403, 200, 200, 200}},
			{Route: "POST /v1/payments/:id/approve", Name: "award not accepted", Path: pay + "/approve", Want: []int{401, 403, 403, 403, 403, 403, 409, 403, 403}},
			{Route: "POST /v1/payments/:id/mark-paid", Name: "not approved", Path: pay + "/mark-paid", Body: map[string]any{"paid_on": "2025-03-31", "reference": "BACS-1"},
				Want: []int{401, 403, 403, 403, 403, 403, 403, 409, 409}},
		},
		Canaries: []apitest.Canary{
			{Text: awardsAccount},
			{Text: ours, SeenBy: insiders},
			{Text: conditions, SeenBy: insiders},
		},
		Snapshot: func(t testing.TB) string {
			var b strings.Builder
			for _, p := range []string{"/v1/awards?round_id=" + w.roundID, "/v1/payments?round_id=" + w.roundID, round + "/decisions", award, "/v1/awards/" + theirs} {
				r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: p, Token: w.manager.Token})
				b.WriteString(r.Header.Get("ETag") + string(r.Body))
			}
			return b.String()
		},
	}
}

// TestAwardsAuthorizationMatrix runs the awards matrix, then proves that no cell, allowed
// ones included, changed a decision, an award or a payment.
func TestAwardsAuthorizationMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := awardsMatrix(t, env)
		before := m.Snapshot(t)
		m.Run(t, env)
		if after := m.Snapshot(t); after != before {
			t.Errorf("the matrix changed decisions, awards or payments:\n%s\n%s", before, after)
		}
	})
}

// TestAwardsFinanceClientSeesMoneyNotAnswers: a finance machine client sees awards, payments and
// bank details (in full, the read audited) but never an application's answers or its
// assessments.
func TestAwardsFinanceClientSeesMoneyNotAnswers(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAwardWorld(t, env)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/organisations/" + w.orgID + "/bank-account", Token: w.owner.Token, Body: bankBody(awardsAccount)})
		client := env.MachineClient(t, w.manager.Token, "finance system")

		awards := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/awards", Token: client}).Map(t)["data"].([]any)
		payments := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/payments", Token: client}).Map(t)["data"].([]any)
		if len(awards) != 2 || len(payments) != 2 {
			t.Fatalf("the finance client sees %d awards and %d payments, want 2 and 2", len(awards), len(payments))
		}
		for _, p := range payments {
			if p := p.(map[string]any); p["award_id"] == w.awards[w.apps[0]]["id"] && p["account"] != "****1234" {
				t.Fatalf("the payment shows the account as %v, want ****1234", p["account"])
			}
		}
		bank := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/organisations/" + w.orgID + "/bank-account", Token: client}).Map(t)
		if bank["account_number"] != awardsAccount || bank["masked"] != false {
			t.Fatalf("the finance client's bank read = %v, want the full number", bank)
		}

		app := "/v1/applications/" + w.apps[0]
		for path, want := range map[string]int{app: http.StatusForbidden, app + "/assessments": http.StatusNotFound, app + "/assessment": http.StatusNotFound,
			app + "/revisions": http.StatusForbidden, "/v1/applications": http.StatusForbidden} {
			r := env.Expect(t, want, apitest.Req{Method: "GET", Path: path, Token: client})
			if strings.Contains(string(r.Body), "We are a peer-led group in Leeds.") {
				t.Fatalf("GET %s showed the finance client an answer: %s", path, r.Body)
			}
		}
	})
}
