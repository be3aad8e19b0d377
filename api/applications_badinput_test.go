package api_test

import (
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// TestRoundsAndApplicationsBadInput: malformed, hostile and out-of-range input to every
// route of rounds and applications answers the documented 4xx (never a 5xx), and changes
// nothing.
func TestRoundsAndApplicationsBadInput(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		app := "/v1/applications/" + w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		round := "/v1/rounds/" + w.roundID
		snapshot := func() string {
			a := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: app, Token: w.manager.Token})
			r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: round, Token: w.manager.Token})
			l := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications", Token: w.manager.Token})
			return string(a.Body) + string(r.Body) + string(l.Body)
		}
		before := snapshot()
		long := strings.Repeat("x", 5000)
		cases := []struct {
			method, path string
			who          apitest.User
			body         string
			want         int
		}{
			{"GET", "/v1/applications?limit=0", w.manager, "", 400},
			{"GET", "/v1/applications?limit=201", w.manager, "", 400},
			{"GET", "/v1/applications?limit=-1", w.manager, "", 400},
			{"GET", "/v1/applications?limit=abc", w.manager, "", 400},
			{"GET", "/v1/applications?cursor=%00%01", w.manager, "", 400},
			{"GET", "/v1/applications?cursor=" + long, w.manager, "", 400},
			{"GET", "/v1/applications?organisation_id=%27%20OR%201=1%20--", w.manager, "", 400},
			{"GET", "/v1/applications?status=DRAFT", w.manager, "", 400},
			{"GET", "/v1/rounds?cursor=not-a-cursor", w.manager, "", 400},
			{"GET", "/v1/rounds?programme_id=%27", w.manager, "", 400},
			{"GET", "/v1/rounds/not-a-uuid", w.manager, "", 400},
			{"GET", "/v1/applications/not-a-uuid", w.manager, "", 400},
			{"GET", "/v1/applications/01900000-0000-7000-8000-000000000000", w.manager, "", 404},
			{"GET", "/v1/applications/01900000-0000-7000-8000-000000000000/history", w.owner, "", 404},
			{"GET", "/v1/applications/01900000-0000-7000-8000-000000000000/revisions", w.owner, "", 404},
			{"GET", app + "/history?cursor=zz", w.owner, "", 400},
			{"PATCH", app, w.owner, `{"answers": []}`, 400},
			{"PATCH", app, w.owner, `{"answers": "about"}`, 400},
			{"PATCH", app, w.owner, `{"answers": {"people": 1e400}}`, 400},
			{"PATCH", app, w.owner, `{"requested_amount": 9223372036854775808}`, 400},
			{"PATCH", app, w.owner, `{"requested_amount": 1000000000000000001}`, 422},
			{"PATCH", app, w.owner, `{"requested_amount": -1, "title": "kept?"}`, 422},
			{"PATCH", app, w.owner, `{"answers": {"` + long + `": "x"}}`, 422},
			{"PATCH", app, w.owner, `{"title": "` + long + `", "answers": {"nope": "x"}}`, 422},
			{"PATCH", app, w.owner, `{"answers": {"about": "x"}`, 400},
			{"PATCH", app, w.owner, ``, 400},
			{"POST", app + "/withdraw", w.owner, `{"reason": 7}`, 400},
			{"POST", app + "/withdraw", w.owner, `{"reason": "` + strings.Repeat("y", 5001) + `"}`, 422},
			{"POST", "/v1/rounds/" + w.roundID + "/applications", w.owner, `{"organisation_id": "01900000-0000-7000-8000-00000000000Z"}`, 422},
			{"POST", "/v1/rounds/" + w.roundID + "/eligibility-check", apitest.User{}, `{"answers": null}`, 422},
			{"POST", "/v1/rounds/" + w.roundID + "/eligibility-check", apitest.User{}, `{"answers": {"user_led": [true]}}`, 422},
			{"POST", "/v1/rounds/" + w.roundID + "/eligibility-check", apitest.User{}, `{}`, 422},
			{"PATCH", round, w.manager, `{"opens_at": "yesterday"}`, 400},
			{"PATCH", round, w.manager, `{"budget": 1.5}`, 400},
			{"PATCH", round, w.manager, `{"form": {"questions": [{"id": "a", "label": "b", "type": "short_text", "max_words": 99999999999}]}}`, 409},
			{"POST", "/v1/programmes/" + w.programmeID + "/rounds", w.manager, `{"name": "x", "budget": -1}`, 422},
			{"POST", "/v1/programmes/" + w.programmeID + "/rounds", w.manager, `{"opens_at": "2025-13-45T99:00:00Z"}`, 400},
		}
		for _, c := range cases {
			r := env.Do(apitest.Req{Method: c.method, Path: c.path, Token: c.who.Token, Body: c.body, ContentType: "application/json"})
			if r.Status != c.want {
				t.Errorf("%s %s %.80s: %d, want %d: %.300s", c.method, c.path, c.body, r.Status, c.want, r.Body)
			}
		}
		if after := snapshot(); after != before {
			t.Errorf("refused requests changed something:\n%s\n%s", before, after)
		}
		// Odd but well-formed answers and over-long text are stored (autosave never loses
		// words), each listed as a problem; never a 5xx.
		for body, want := range map[string]string{
			`{"answers": {"about": {"nested": {"deep": [1, 2, {"x": null}]}}}}`: "answers.about:wrong_type",
			`{"answers": {"people": 1e300}}`:                                    "answers.people:out_of_range",
			`{"title": "` + long + long + `"}`:                                  "title:too_long",
		} {
			var a struct {
				Problems []struct{ Field, Code string }
			}
			env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: app, Token: w.owner.Token, Body: body}).Decode(t, &a)
			found := false
			for _, p := range a.Problems {
				found = found || p.Field+":"+p.Code == want
			}
			if !found {
				t.Errorf("%.80s: problems %v, want %s among them", body, a.Problems, want)
			}
		}
		// An unpaired surrogate is not an error: JSON decoding makes it U+FFFD.
		a := env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: app, Token: w.owner.Token, Body: `{"answers": {"about": "a\ud800"}}`}).Map(t)
		if a["answers"].(map[string]any)["about"] != "a\uFFFD" {
			t.Errorf("about = %q", a["answers"].(map[string]any)["about"])
		}
	})
}
