package api_test

import (
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// assessmentActors are the assessment matrix's columns: beside the applicants, staff and
// finance, the panel as the first application of the round sees it — p1 assigned to it,
// p2 on the panel but not assigned, p3 who declared a conflict with it, and a panel member
// of another round only.
var assessmentActors = []apitest.Actor{apitest.Anonymous, apitest.Owner, apitest.OtherApplicant, apitest.PanelAssigned,
	apitest.PanelUnassigned, apitest.PanelConflicted, apitest.PanelOffRound, apitest.GrantsManager, apitest.FinanceUser, apitest.FinanceClient}

// assessmentMatrix drives every assessment route, and the application reads a panel member
// makes, against the first application of a round in assessment. Bodies are chosen so that
// refused and allowed cells alike change nothing, but for the last row (the manager removes
// p1's assignment). Canaries: p1's draft comment (p1 and managers only), p3's conflict note
// (managers only), the application's title (its group, the round's panel, managers).
func assessmentMatrix(t *testing.T, env *apitest.Env) apitest.Matrix {
	w := newAssessWorld(t, env)
	const comment, note = "CANARY-COMMENT-8813", "CANARY-NOTE-4471"
	app := "/v1/applications/" + w.apps[0]
	assignment := w.assign(t, w.apps[0], w.p1)
	w.assign(t, w.apps[1], w.p2)
	env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: app + "/assessment", Token: w.p1.Token,
		Body: map[string]any{"scores": map[string]any{"need": 4}, "comments": map[string]any{"need": comment}}})
	env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/rounds/" + w.roundID + "/conflicts", Token: w.p3.Token,
		Body: map[string]any{"application_ids": []string{w.apps[0]}, "note": note}})
	other := w.openRound(t, func(b map[string]any) { b["closes_at"] = "2025-06-30T17:00:00Z" }) // open, not in assessment; w.panel sits on its panel only
	env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/rounds/" + other + "/panel", Token: w.manager.Token,
		Body: map[string]any{"user_ids": []string{w.panel.ID}}})
	base := "/v1/rounds/" + w.roundID
	// Not w.cast: it would replace the round's panel.
	cast := apitest.Cast{apitest.Owner: w.owner.Token, apitest.OtherApplicant: w.stranger.Token,
		apitest.PanelAssigned: w.p1.Token, apitest.PanelUnassigned: w.p2.Token, apitest.PanelConflicted: w.p3.Token,
		apitest.PanelOffRound: w.panel.Token, apitest.GrantsManager: w.manager.Token, apitest.FinanceUser: w.finance.Token,
		apitest.FinanceClient: env.MachineClient(t, w.manager.Token, "matrix finance system")}
	return apitest.Matrix{
		Actors: assessmentActors,
		Cast:   cast,
		// Columns: anonymous, owner, other_applicant, assigned, unassigned, conflicted, other round's panel, manager, finance, finance_client.
		Rows: []apitest.Row{
			{Route: "GET /v1/rounds/:id/conflicts", Path: base + "/conflicts", Want: []int{401, 403, 403, 200, 200, 200, 404, 200, 403, 403}},
			{Route: "PUT /v1/rounds/:id/conflicts", Path: base + "/conflicts", Body: map[string]any{"application_ids": []string{}},
				Want: []int{401, 403, 403, 422, 422, 422, 404, 403, 403, 403}},
			{Route: "POST /v1/rounds/:id/assignments/auto", Name: "round not in assessment", Path: "/v1/rounds/" + other + "/assignments/auto",
				Want: []int{401, 403, 403, 403, 403, 403, 403, 409, 403, 403}},
			{Route: "GET /v1/rounds/:id/ranking", Path: base + "/ranking", Want: []int{401, 403, 403, 403, 403, 403, 403, 200, 403, 403}},
			{Route: "GET /v1/assignments", Path: "/v1/assignments", Want: []int{401, 403, 403, 200, 200, 200, 200, 200, 403, 403}},
			{Route: "POST /v1/assignments", Name: "already assigned", Path: "/v1/assignments", Body: map[string]any{"application_id": w.apps[0], "user_id": w.p1.ID},
				Want: []int{401, 403, 403, 403, 403, 403, 403, 409, 403, 403}},
			{Route: "POST /v1/assignments", Name: "conflicted", Path: "/v1/assignments", Body: map[string]any{"application_id": w.apps[0], "user_id": w.p3.ID},
				Want: []int{401, 403, 403, 403, 403, 403, 403, 409, 403, 403}},
			{Route: "GET /v1/applications/:id", Path: app, Want: []int{401, 200, 404, 200, 404, 404, 404, 200, 403, 403}},
			{Route: "GET /v1/applications/:id/revisions", Path: app + "/revisions", Want: []int{401, 200, 404, 200, 404, 404, 404, 200, 403, 403}},
			{Route: "GET /v1/applications/:id/history", Path: app + "/history", Want: []int{401, 200, 404, 403, 403, 403, 403, 200, 403, 403}},
			{Route: "GET /v1/applications", Path: "/v1/applications?round_id=" + w.roundID, Want: []int{401, 200, 200, 200, 200, 200, 200, 200, 403, 403}},
			{Route: "GET /v1/applications/:id/assessment", Path: app + "/assessment", Want: []int{401, 404, 404, 200, 404, 404, 404, 404, 404, 404}},
			{Route: "PUT /v1/applications/:id/assessment", Name: "unknown criterion", Path: app + "/assessment", Body: map[string]any{"scores": map[string]any{"nonsense": 1}},
				Want: []int{401, 404, 404, 422, 404, 404, 404, 404, 404, 404}},
			{Route: "POST /v1/applications/:id/assessment/submit", Name: "incomplete", Path: app + "/assessment/submit",
				Want: []int{401, 404, 404, 422, 404, 404, 404, 404, 404, 404}},
			{Route: "GET /v1/applications/:id/assessments", Name: "blind, own not submitted", Path: app + "/assessments",
				Want: []int{401, 404, 404, 403, 404, 404, 404, 200, 404, 404}},
			{Route: "POST /v1/applications/:id/moderation", Name: "out of range", Path: app + "/moderation", Body: map[string]any{"score": 101},
				Want: []int{401, 403, 403, 403, 403, 403, 403, 422, 403, 403}},
			{Route: "DELETE /v1/assignments/:id", Path: "/v1/assignments/" + assignment, Want: []int{401, 403, 403, 403, 403, 403, 403, 204, 403, 403}},
		},
		Canaries: []apitest.Canary{
			{Text: comment, SeenBy: []apitest.Actor{apitest.PanelAssigned, apitest.GrantsManager}},
			{Text: note, SeenBy: []apitest.Actor{apitest.GrantsManager}},
			{Text: "Peer support cafés", SeenBy: []apitest.Actor{apitest.Owner, apitest.PanelAssigned, apitest.PanelUnassigned, apitest.PanelConflicted, apitest.GrantsManager}},
		},
		Snapshot: func(t testing.TB) string {
			var b strings.Builder
			for _, p := range []string{"/v1/assignments?round_id=" + w.roundID, app + "/assessments", base + "/conflicts", base + "/ranking"} {
				b.WriteString(string(env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: p, Token: w.manager.Token}).Body))
			}
			return b.String()
		},
	}
}

// TestAssessmentAuthorizationMatrix runs the assessment matrix, then proves the manager's
// removal of p1's assignment (the one allowed write) took p1's access with it.
func TestAssessmentAuthorizationMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := assessmentMatrix(t, env)
		m.Run(t, env)
		app := m.Rows[7].Path
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: app, Token: m.Cast[apitest.PanelAssigned]})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: app + "/assessment", Token: m.Cast[apitest.PanelAssigned]})
	})
}
