package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// TestJourneyNewGroupFromFirstVisitToResubmission walks issue 12 as a small unincorporated
// group meets it through a frontend, every step over HTTP and contract-checked: the round
// page and plain-text form without an account; the eligibility check answering null until
// all is answered; registering, creating the group (a name another group has is a warning);
// inviting a collaborator who has no account yet, who registers and accepts; autosave
// keeping an over-long answer and listing what is left; answering by recording; submitting;
// the manager finding it by a name typed without capitals, asking a question; the group's
// response and the diff the manager reads beside it.
func TestJourneyNewGroupFromFirstVisitToResubmission(t *testing.T) {
	t.Parallel()
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		roundID := w.openRound(t, alternativesRound)
		roundPath := "/v1/rounds/" + roundID

		// A visitor without an account: the programme's name, the form as a document in
		// pounds that offers a recording, and an eligibility answer that waits for everything.
		page := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: roundPath}).Map(t)
		if p, _ := page["programme"].(map[string]any); p["name"] != "Side by Side Fund" {
			t.Errorf("the round page's programme: %v", page["programme"])
		}
		form := string(env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: roundPath + "/form", Header: map[string]string{"Accept": "text/plain"}}).Body)
		if !strings.Contains(form, "£500 to £5,000") || !strings.Contains(form, "audio or video recording") || strings.Contains(form, "pence") {
			t.Errorf("the plain-text form:\n%s", form)
		}
		var el eligibilityResult
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: roundPath + "/eligibility-check",
			Body: map[string]any{"answers": map[string]any{"user_led": true}}}).Decode(t, &el)
		if el.verdict() != "null" || !reflect.DeepEqual(el.Unanswered, []string{"story"}) {
			t.Errorf("half answered: %s %v", el.verdict(), el.Unanswered)
		}
		story := recording("https://example.org/how-we-began.mp3", "")
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: roundPath + "/eligibility-check",
			Body: map[string]any{"answers": map[string]any{"user_led": true, "story": story}}}).Decode(t, &el)
		if el.verdict() != "true" {
			t.Errorf("answered by recording: %s %v", el.verdict(), el.reasons())
		}

		// Asha registers and creates the group; another group already has its name.
		asha := registerAndLogin(t, env, "asha@example.org", "Asha")
		created := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/organisations", Token: asha,
			Body: map[string]any{"name": "hillside peer support", "legal_form": "unincorporated_association", "user_led": true}}).Map(t)
		if ws, _ := created["warnings"].([]any); len(ws) != 1 || ws[0].(map[string]any)["field"] != "name" {
			t.Errorf("a taken name: %v", created["warnings"])
		}
		org := created["id"].(string)

		// Ben has no account: invited, he registers, finds the invitation and accepts. Asha
		// cannot add him directly: groups grow by invitation.
		inv := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/organisations/" + org + "/invitations", Token: asha,
			Body: map[string]any{"email": "ben@example.org"}}).Map(t)
		ben := registerAndLogin(t, env, "Ben@Example.org", "Ben")
		benID := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/me", Token: ben}).Map(t)["id"].(string)
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: "POST", Path: "/v1/organisations/" + org + "/members", Token: asha,
			Body: map[string]any{"user_id": benID}})
		if mine := myInvitations(t, env, ben); len(mine) != 1 || mine[0]["id"] != inv["id"] {
			t.Fatalf("Ben's invitations: %v", mine)
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/me/invitations/" + inv["id"].(string) + "/accept", Token: ben})

		// Ben starts the application; an answer over its limit is kept and listed.
		app := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: roundPath + "/applications", Token: ben,
			Body: map[string]any{"organisation_id": org}}).Map(t)
		path := "/v1/applications/" + app["id"].(string)
		long := "We are eleven people who meet every week to listen to each other."
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: ben,
			Body: map[string]any{"answers": map[string]any{"user_led": true, "story": story, "about": long}}})
		if got := strings.Join(appProblems(t, r), " "); got != "answers.about:too_long requested_amount:required title:required" {
			t.Errorf("problems after Ben's save: %s", got)
		}
		if r.Map(t)["answers"].(map[string]any)["about"] != long {
			t.Errorf("the long answer was not kept")
		}
		// Asha answers "about" by recording instead, and finishes it: nothing left, submitted.
		about := recording("https://example.org/about-us.mp4", long)
		r = env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: asha,
			Body: map[string]any{"title": "Listening circle", "requested_amount": 120000, "answers": map[string]any{"about": about}}})
		if got := appProblems(t, r); len(got) != 0 {
			t.Fatalf("problems once finished: %v", got)
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: asha})

		// The manager finds it by the group's name, typed any old way, and asks a question.
		var list struct {
			Data []map[string]any `json:"data"`
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications?round_id=" + roundID + "&q=" + url.QueryEscape("HILLSIDE peer"),
			Token: w.manager.Token}).Decode(t, &list)
		if len(list.Data) != 1 || list.Data[0]["id"] != app["id"] || list.Data[0]["organisation"].(map[string]any)["name"] != "hillside peer support" {
			t.Fatalf("the screening list: %v", list.Data)
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/request-info", Token: w.manager.Token,
			Body: map[string]any{"message": "Who listens, and who is listened to?"}})
		ir, _ := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: ben}).Map(t)["information_request"].(map[string]any)
		if ir["message"] != "Who listens, and who is listened to?" || ir["requested_by_role"] != "grants_manager" {
			t.Fatalf("the group sees: %v", ir)
		}

		// Ben answers in writing this time and resubmits with a response; the manager reads
		// the change beside it.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: ben,
			Body: map[string]any{"answers": map[string]any{"about": "Everyone takes a turn at both."}}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: ben,
			Body: map[string]any{"response": "Everyone takes a turn at both; we wrote it down."}})
		diff := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/revisions/2/diff", Token: w.manager.Token}).Map(t)
		var changes []string
		for _, c := range diff["changes"].([]any) {
			m := c.(map[string]any)
			changes = append(changes, fmt.Sprintf("%s %s", m["field"], m["change"]))
		}
		if diff["response"] != "Everyone takes a turn at both; we wrote it down." || diff["request_message"] != "Who listens, and who is listened to?" ||
			strings.Join(changes, ", ") != "answers.about changed" {
			t.Errorf("the diff: %v", diff)
		}
	})
}
