package api_test

import (
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// applicationsMatrix drives every application route as every actor against a submitted
// application (w.roundID, whose panel the panel_on_round actor sits on) and a draft (in
// another round). Bodies are chosen so that no cell changes anything: the allowed cells fail
// validation or a state check after passing authorization. The submitted application's title
// and id are the canaries: only its organisation's members and the manager may see them
// (nobody is assigned to assess it yet).
func applicationsMatrix(t *testing.T, env *apitest.Env) apitest.Matrix {
	w := newAppWorld(t, env)
	const canary = "CANARY-TITLE-5521"
	sub := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
	body := complete()
	body["title"] = canary
	env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + sub, Token: w.owner.Token, Body: body})
	env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + sub + "/submit", Token: w.owner.Token})
	// Asked for more and resubmitted: revision 2, whose diff the matrix reads.
	env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + sub + "/request-info", Token: w.manager.Token,
		Body: map[string]any{"message": "Tell us more."}})
	env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + sub + "/submit", Token: w.owner.Token,
		Body: map[string]any{"response": "Here it is."}})
	second := w.openRound(t, nil)
	draft := w.draft(t, w.owner, second, w.orgID)["id"].(string)
	app, long := "/v1/applications/"+sub, strings.Repeat("x", 5001)
	insiders := []apitest.Actor{apitest.Owner, apitest.Member, apitest.GrantsManager}
	return apitest.Matrix{
		Cast: w.cast(t),
		// Columns: anonymous, owner, member, other_applicant, panel_on_round, panel_off_round, grants_manager, finance, finance_client.
		Rows: []apitest.Row{
			{Route: "GET /v1/applications", Path: "/v1/applications", Want: []int{401, 200, 200, 200, 200, 200, 200, 403, 403}},
			{Route: "GET /v1/applications/:id", Path: app, Want: []int{401, 200, 200, 404, 404, 404, 200, 403, 403}},
			{Route: "GET /v1/applications/:id/history", Path: app + "/history", Want: []int{401, 200, 200, 404, 403, 403, 200, 403, 403}},
			{Route: "GET /v1/applications/:id/revisions", Path: app + "/revisions", Want: []int{401, 200, 200, 404, 404, 404, 200, 403, 403}},
			{Route: "GET /v1/applications/:id/revisions/:n/diff", Path: app + "/revisions/2/diff", Want: []int{401, 200, 200, 404, 404, 404, 200, 403, 403}},
			{Route: "GET /v1/applications/:id/problems", Path: app + "/problems", Want: []int{401, 200, 200, 404, 403, 403, 200, 403, 403}},
			{Route: "POST /v1/applications/:id/reinstate", Name: "not ineligible", Path: app + "/reinstate", Body: map[string]any{"reason": "x"},
				Want: []int{401, 403, 403, 403, 403, 403, 409, 403, 403}},
			{Route: "PATCH /v1/applications/:id", Name: "draft, an unknown question", Path: "/v1/applications/" + draft,
				Body: map[string]any{"title": strings.Repeat("t", 201), "answers": map[string]any{"nope": "x"}},
				Want: []int{401, 422, 422, 404, 403, 403, 403, 403, 403}},
			{Route: "PATCH /v1/applications/:id", Name: "submitted", Path: app, Body: map[string]any{"title": "x"},
				Want: []int{401, 409, 409, 404, 403, 403, 403, 403, 403}},
			{Route: "POST /v1/applications/:id/submit", Path: app + "/submit", Want: []int{401, 409, 409, 404, 403, 403, 403, 403, 403}},
			{Route: "POST /v1/applications/:id/withdraw", Path: app + "/withdraw", Body: map[string]any{"reason": long},
				Want: []int{401, 422, 422, 404, 403, 403, 403, 403, 403}},
			{Route: "POST /v1/applications/:id/request-info", Name: "no message", Path: app + "/request-info", Body: map[string]any{"message": ""},
				Want: []int{401, 403, 403, 403, 403, 403, 422, 403, 403}},
			{Route: "POST /v1/applications/:id/mark-ineligible", Path: app + "/mark-ineligible", Body: map[string]any{"reason": ""},
				Want: []int{401, 403, 403, 403, 403, 403, 422, 403, 403}},
			{Route: "POST /v1/applications/:id/request-info", Name: "draft", Path: "/v1/applications/" + draft + "/request-info", Body: map[string]any{"message": "x"},
				Want: []int{401, 403, 403, 403, 403, 403, 409, 403, 403}},
			{Route: "POST /v1/rounds/:id/applications", Path: "/v1/rounds/" + w.roundID + "/applications", Body: map[string]any{"organisation_id": w.orgID},
				Want: []int{401, 409, 409, 404, 403, 403, 403, 403, 403}},
			{Route: "GET /v1/rounds/:id/stats", Path: "/v1/rounds/" + w.roundID + "/stats", Want: []int{401, 403, 403, 403, 403, 403, 200, 403, 403}},
		},
		Canaries: []apitest.Canary{{Text: canary, SeenBy: insiders}, {Text: sub, SeenBy: insiders}},
		Snapshot: func(t testing.TB) string {
			var b strings.Builder
			for _, id := range []string{sub, draft} {
				r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + id, Token: w.manager.Token})
				b.WriteString(r.Header.Get("ETag") + string(r.Body))
			}
			return b.String()
		},
	}
}

// TestApplicationsAuthorizationMatrix runs the applications matrix and then proves that no
// cell, allowed ones included, changed an application.
func TestApplicationsAuthorizationMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := applicationsMatrix(t, env)
		before := m.Snapshot(t)
		m.Run(t, env)
		if after := m.Snapshot(t); after != before {
			t.Errorf("the matrix changed applications:\n%s\n%s", before, after)
		}
	})
}
