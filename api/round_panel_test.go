package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"constellate/api/apitest"
)

// TestRoundPanel: GET/PUT /v1/rounds/{id}/panel (SPEC §5) — managers set the whole panel
// from panel_member users; other users, repeats and non-UUIDs are each named (422); If-Match
// is honoured (the round's ETag moves); the change is audited; the panel freezes once the
// decisions are published. Who else may call the routes is in the programmes and rounds
// matrix (roundsMatrix).
func TestRoundPanel(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		path := "/v1/rounds/" + w.roundID + "/panel"
		p1, p2 := env.Panel(), env.Panel()
		get := func() *apitest.Response {
			return env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.manager.Token})
		}
		empty := get()
		if m := empty.Map(t); len(m["user_ids"].([]any)) != 0 || m["round_id"] != w.roundID {
			t.Fatalf("new panel = %s", empty.Body)
		}
		etag := empty.Header.Get("ETag")
		put := func(want int, ids []string, h map[string]string) *apitest.Response {
			return env.Expect(t, want, apitest.Req{Method: "PUT", Path: path, Token: w.manager.Token, Header: h, Body: map[string]any{"user_ids": ids}})
		}
		bad := put(http.StatusUnprocessableEntity, []string{p1.ID, w.owner.ID, "01900000-0000-7000-8000-000000000000", "nope", strings.ToUpper(p1.ID)}, nil)
		if got := strings.Join(problemFields(t, bad), " "); got != "user_ids[1] user_ids[2] user_ids[3] user_ids[4]" {
			t.Errorf("422 fields = %s", got)
		}
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "PUT", Path: path, Token: w.manager.Token, Body: map[string]any{}})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "PUT", Path: path, Token: w.manager.Token, Body: `{"user_ids": [], "round_id": "x"}`})
		put(http.StatusPreconditionFailed, []string{p1.ID}, map[string]string{"If-Match": `"99"`})
		if got := get(); got.Header.Get("ETag") != etag || len(got.Map(t)["user_ids"].([]any)) != 0 {
			t.Fatalf("refused PUTs changed the panel: %s", got.Body)
		}

		r := put(http.StatusOK, []string{p2.ID, p1.ID}, map[string]string{"If-Match": etag})
		m := r.Map(t)
		if r.Header.Get("ETag") == etag || len(m["members"].([]any)) != 2 {
			t.Fatalf("PUT: ETag %s body %s", r.Header.Get("ETag"), r.Body)
		}
		round := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + w.roundID, Token: w.manager.Token})
		if round.Header.Get("ETag") != r.Header.Get("ETag") {
			t.Errorf("round ETag %s, panel ETag %s", round.Header.Get("ETag"), r.Header.Get("ETag"))
		}
		// The same panel again is no change; then one leaves.
		if again := put(http.StatusOK, []string{p1.ID, p2.ID}, nil); again.Header.Get("ETag") != r.Header.Get("ETag") {
			t.Errorf("an unchanged panel moved the ETag")
		}
		if m := put(http.StatusOK, []string{p2.ID}, nil).Map(t); len(m["user_ids"].([]any)) != 1 || m["user_ids"].([]any)[0] != p2.ID {
			t.Errorf("after removing p1: %v", m)
		}
		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?action=round.panel_changed&entity_id=" + w.roundID,
			Token: w.manager.Token}).Map(t)["data"].([]any)
		if len(events) != 2 {
			t.Fatalf("panel events = %v", events)
		}
		if ch := events[0].(map[string]any)["changes"].(map[string]any); len(ch["removed"].([]any)) != 1 || ch["removed"].([]any)[0] != p1.ID {
			t.Errorf("last change = %v", ch)
		}

		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/rounds/01900000-0000-7000-8000-000000000000/panel", Token: w.manager.Token})

		// Frozen once decisions are published.
		w.travel(t, time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC))
		for _, a := range []string{"start-assessment", "publish-decisions"} {
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/" + a, Token: w.manager.Token})
		}
		put(http.StatusConflict, []string{p1.ID}, nil)
	})
}

// TestPanelMemberSeesTheirRounds: a panel member's round list adds the rounds past draft
// whose panel they sit on (SPEC §1), in assessment too; others see open and closed only.
func TestPanelMemberSeesTheirRounds(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		draft := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
			Token: w.manager.Token, Body: roundBody("PANELDRAFT")}).Map(t)["id"].(string)
		w.travel(t, time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)) // the round has closed
		p1, p2 := env.Panel(), env.Panel()
		for _, r := range []string{w.roundID, draft} {
			env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/rounds/" + r + "/panel", Token: w.manager.Token,
				Body: map[string]any{"user_ids": []string{p1.ID}}})
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/start-assessment", Token: w.manager.Token})
		ids := func(token, q string) string {
			l := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds" + q, Token: token}).Map(t)["data"].([]any)
			var out []string
			for _, r := range l {
				out = append(out, r.(map[string]any)["id"].(string))
			}
			return strings.Join(out, ",")
		}
		if got := ids(p1.Token, ""); got != w.roundID {
			t.Errorf("panel member on the round lists %q, want the round in assessment only", got)
		}
		if got := ids(p1.Token, "?status=assessment"); got != w.roundID {
			t.Errorf("panel member, status=assessment: %q", got)
		}
		for _, tok := range []string{p2.Token, w.owner.Token, ""} {
			if got := ids(tok, ""); got != "" {
				t.Errorf("others list %q", got)
			}
		}
	})
}
