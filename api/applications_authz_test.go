package api_test

import (
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// TestApplicationsAuthorizationMatrix drives every application route as every role and
// relation and asserts the exact status. Bodies are chosen so that no cell changes
// anything (the allowed cells fail validation or a state check after passing authorization),
// which the test then proves; the applying organisation's canary never reaches anyone else.
func TestApplicationsAuthorizationMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		const canary = "CANARY-TITLE-5521"
		sub := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		body := complete()
		body["title"] = canary
		env.Expect(http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + sub, Token: w.owner.Token, Body: body})
		env.Expect(http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + sub + "/submit", Token: w.owner.Token})
		second := w.openRound(t, nil)
		draft := w.draft(t, w.owner, second, w.orgID)["id"].(string)

		actors := []struct {
			name string
			tok  string
		}{{"owner", w.owner.Token}, {"member", w.member.Token}, {"other_org", w.stranger.Token}, {"panel", w.panel.Token},
			{"manager", w.manager.Token}, {"finance", w.finance.Token}, {"anonymous", ""}}
		long := strings.Repeat("x", 5001)
		routes := []struct {
			method, path string
			body         any
			want         []int // owner, member, other_org, panel, manager, finance, anonymous
		}{
			{"GET", "/v1/applications", nil, []int{200, 200, 200, 200, 200, 403, 401}},
			{"GET", "/v1/applications/" + sub, nil, []int{200, 200, 404, 404, 200, 403, 401}},
			{"GET", "/v1/applications/" + sub + "/history", nil, []int{200, 200, 404, 403, 200, 403, 401}},
			{"GET", "/v1/applications/" + sub + "/revisions", nil, []int{200, 200, 404, 404, 200, 403, 401}},
			{"PATCH", "/v1/applications/" + draft, map[string]any{"title": strings.Repeat("t", 201)}, []int{422, 422, 404, 403, 403, 403, 401}},
			{"PATCH", "/v1/applications/" + sub, map[string]any{"title": "x"}, []int{409, 409, 404, 403, 403, 403, 401}},
			{"POST", "/v1/applications/" + sub + "/submit", nil, []int{409, 409, 404, 403, 403, 403, 401}},
			{"POST", "/v1/applications/" + sub + "/withdraw", map[string]any{"reason": long}, []int{422, 422, 404, 403, 403, 403, 401}},
			{"POST", "/v1/applications/" + sub + "/request-info", map[string]any{"message": ""}, []int{403, 403, 403, 403, 422, 403, 401}},
			{"POST", "/v1/applications/" + sub + "/mark-ineligible", map[string]any{"reason": ""}, []int{403, 403, 403, 403, 422, 403, 401}},
			{"POST", "/v1/applications/" + draft + "/request-info", map[string]any{"message": "x"}, []int{403, 403, 403, 403, 409, 403, 401}},
			{"POST", "/v1/rounds/" + w.roundID + "/applications", map[string]any{"organisation_id": w.orgID}, []int{409, 409, 404, 403, 403, 403, 401}},
			{"GET", "/v1/rounds/" + w.roundID + "/stats", nil, []int{403, 403, 403, 403, 200, 403, 401}},
		}
		snapshot := func() string {
			var b strings.Builder
			for _, id := range []string{sub, draft} {
				r := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + id, Token: w.manager.Token})
				b.WriteString(r.Header.Get("ETag") + string(r.Body))
			}
			return b.String()
		}
		before := snapshot()
		for _, rt := range routes {
			for i, a := range actors {
				r := env.Do(apitest.Req{Method: rt.method, Path: rt.path, Token: a.tok, Body: rt.body})
				if r.Status != rt.want[i] {
					t.Errorf("%s %s as %s: %d, want %d: %s", rt.method, rt.path, a.name, r.Status, rt.want[i], r.Body)
				}
				if (a.name != "owner" && a.name != "member" && a.name != "manager") && strings.Contains(string(r.Body), canary) {
					t.Errorf("%s %s as %s leaks the canary: %s", rt.method, rt.path, a.name, r.Body)
				}
			}
		}
		if after := snapshot(); after != before {
			t.Errorf("refused requests changed applications:\n%s\n%s", before, after)
		}
		// The stranger's and the panel's lists hold nothing of the organisation's.
		for _, tok := range []string{w.stranger.Token, w.panel.Token} {
			if r := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications", Token: tok}); strings.Contains(string(r.Body), sub) {
				t.Errorf("list leaks: %s", r.Body)
			}
		}
	})
}
