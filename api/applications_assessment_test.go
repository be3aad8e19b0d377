package api_test

import (
	"net/http"
	"testing"
	"time"

	"constellate/api/apitest"
)

// Starting a round's assessment moves its submitted applications under assessment in the
// same transaction; it waits for the grace period; drafts and requests for more information
// stay as they are, and a resubmission to a round in assessment rejoins it.
func TestStartAssessmentMovesSubmittedApplications(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		sub := w.submitted(t, w.roundID)
		otherOwner := w.stranger
		asked := w.draft(t, otherOwner, w.roundID, w.otherOrgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + asked, Token: otherOwner.Token, Body: complete()})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + asked + "/submit", Token: otherOwner.Token})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + asked + "/request-info", Token: w.manager.Token,
			Body: map[string]any{"message": "Please tell us more about your budget."}})

		// Past closes_at but within the 30-minute grace: late submissions may still arrive.
		w.travel(t, time.Date(2025, 3, 31, 17, 10, 0, 0, time.UTC))
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/start-assessment", Token: w.manager.Token})
		if got := w.get(t, w.manager, sub["id"].(string))["status"]; got != "submitted" {
			t.Fatalf("refused start-assessment moved the application to %v", got)
		}

		w.travel(t, time.Date(2025, 3, 31, 18, 0, 0, 0, time.UTC))
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/start-assessment", Token: w.manager.Token})
		for _, u := range []apitest.User{w.manager, w.owner} {
			if got := w.get(t, u, sub["id"].(string))["status"]; got != "under_assessment" {
				t.Fatalf("%s sees %v, want under_assessment", u.Role, got)
			}
		}
		if got := w.get(t, w.manager, asked)["status"]; got != "more_info_requested" {
			t.Fatalf("an application awaiting more information moved to %v", got)
		}
		hist := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + sub["id"].(string) + "/history", Token: w.owner.Token}).Map(t)
		found := false
		for _, h := range hist["data"].([]any) {
			if h.(map[string]any)["to_status"] == "under_assessment" {
				found = true
			}
		}
		if !found {
			t.Fatalf("history has no move to under_assessment: %v", hist)
		}

		// The group answers the request: its resubmission joins the assessment.
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + asked + "/submit", Token: w.stranger.Token,
			Body: map[string]any{"response": "The budget is in the summary now."}}).Map(t)
		if r["status"] != "under_assessment" || r["revision"] != float64(2) {
			t.Fatalf("resubmission during assessment: status %v revision %v, want under_assessment, 2", r["status"], r["revision"])
		}
	})
}

func (w *appWorld) get(t *testing.T, u apitest.User, id string) map[string]any {
	t.Helper()
	return w.env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + id, Token: u.Token}).Map(t)
}
