package api_test

import (
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
)

func TestProgrammes(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := env.Manager()
		resp := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token,
			Body: map[string]any{"name": "Side by Side Fund", "description": "Small grants for user-led groups."}})
		p := resp.Map(t)
		id := p["id"].(string)
		if resp.Header.Get("Location") != "/v1/programmes/"+id || p["name"] != "Side by Side Fund" {
			t.Fatalf("create: %v %v", resp.Header, p)
		}
		second := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token,
			Body: map[string]any{"name": "Winter Warmth"}}).Map(t)

		got := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/programmes/" + id, Token: m.Token})
		if got.Header.Get("ETag") != `"1"` || got.Map(t)["description"] != "Small grants for user-led groups." {
			t.Fatalf("get: %s", got.Body)
		}
		// Newest first, keyset pages.
		page1 := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/programmes?limit=1", Token: m.Token}).Map(t)
		data := page1["data"].([]any)
		if len(data) != 1 || data[0].(map[string]any)["id"] != second["id"] || page1["next_cursor"] == nil {
			t.Fatalf("page 1 = %v", page1)
		}
		page2 := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/programmes?limit=1&cursor=" + page1["next_cursor"].(string), Token: m.Token}).Map(t)
		if d := page2["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != id || page2["next_cursor"] != nil {
			t.Fatalf("page 2 = %v", page2)
		}

		// PATCH with If-Match; stale → 412; invalid → 422; read-only → 400.
		path := "/v1/programmes/" + id
		upd := env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: m.Token,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "Side by Side"}})
		if upd.Header.Get("ETag") != `"2"` || upd.Map(t)["name"] != "Side by Side" {
			t.Fatalf("patch: %s %s", upd.Header.Get("ETag"), upd.Body)
		}
		env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: "PATCH", Path: path, Token: m.Token,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "Lost update"}})
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "PATCH", Path: path, Token: m.Token, Body: map[string]any{"name": "  "}})
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token, Body: map[string]any{"name": ""}})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "PATCH", Path: path, Token: m.Token, Body: map[string]any{"id": id}})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token, Body: map[string]any{"name": "x", "created_at": "2020-01-01T00:00:00Z"}})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/programmes/0190a6f1-0000-7000-8000-000000000000", Token: m.Token})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/programmes/not-a-uuid", Token: m.Token})
		if n := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: m.Token}).Map(t)["name"]; n != "Side by Side" {
			t.Fatalf("refused writes changed the name to %v", n)
		}

		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?entity_id=" + id, Token: m.Token}).Map(t)
		var actions []string
		for _, e := range events["data"].([]any) {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		if len(actions) != 2 || actions[0] != "programme.updated" || actions[1] != "programme.created" {
			t.Fatalf("audit = %v", actions)
		}
	})
}

// roundsMatrix drives the programme and round routes as every actor against w's programme,
// its open round and a draft round whose panel the panel_on_round actor sits on too. The
// manager's close, start-assessment and publish-decisions on the draft answer 409: they pass
// authorization and meet the state machine. The draft's name is a canary: a draft is the
// manager's alone, whoever sits on its panel.
func roundsMatrix(t *testing.T, env *apitest.Env) apitest.Matrix {
	w := newAppWorld(t, env)
	const canary = "CANARY-DRAFT-3318"
	body := specRoundBody()
	body["name"] = canary
	draft := "/v1/rounds/" + env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
		Token: w.manager.Token, Body: body}).Map(t)["id"].(string)
	// A draft may be archived (abandoned): the manager's archive goes to a draft of its own.
	scrap := "/v1/rounds/" + env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
		Token: w.manager.Token, Body: specRoundBody()}).Map(t)["id"].(string)
	cast := w.cast(t, strings.TrimPrefix(draft, "/v1/rounds/"))
	open, prog := "/v1/rounds/"+w.roundID, "/v1/programmes/"+w.programmeID
	var panel []string // the draft's panel, as the manager's allowed PUT sends it back unchanged
	for _, id := range env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: draft + "/panel", Token: w.manager.Token}).Map(t)["user_ids"].([]any) {
		panel = append(panel, id.(string))
	}
	managerOnly := func(ok int) []int { return []int{401, 403, 403, 403, 403, 403, ok, 403, 403} }
	everyone := func(s int) []int { return []int{s, s, s, s, s, s, s, s, s} }
	return apitest.Matrix{
		Cast: cast,
		// Columns: anonymous, owner, member, other_applicant, panel_on_round, panel_off_round, grants_manager, finance, finance_client.
		Rows: []apitest.Row{
			{Route: "GET /v1/programmes", Path: "/v1/programmes", Want: managerOnly(200)},
			{Route: "POST /v1/programmes", Path: "/v1/programmes", Body: map[string]any{"name": "Matrix fund"}, Want: managerOnly(201)},
			{Route: "GET /v1/programmes/:id", Path: prog, Want: managerOnly(200)},
			{Route: "PATCH /v1/programmes/:id", Path: prog, Body: map[string]any{"name": "Renamed fund"}, Want: managerOnly(200)},
			{Route: "POST /v1/programmes/:id/rounds", Path: prog + "/rounds", Body: specRoundBody(), Want: managerOnly(201)},
			{Route: "GET /v1/rounds", Path: "/v1/rounds", Want: everyone(200)},
			{Route: "GET /v1/rounds/:id", Name: "open", Path: open, Want: everyone(200)},
			{Route: "GET /v1/rounds/:id", Name: "draft", Path: draft, Want: []int{404, 404, 404, 404, 404, 404, 200, 404, 404}},
			{Route: "GET /v1/rounds/:id/form", Name: "open", Path: open + "/form", Want: everyone(200)},
			{Route: "GET /v1/rounds/:id/form", Name: "draft", Path: draft + "/form", Want: []int{404, 404, 404, 404, 404, 404, 200, 404, 404}},
			{Route: "POST /v1/rounds/:id/eligibility-check", Name: "open", Path: open + "/eligibility-check",
				Body: map[string]any{"answers": map[string]any{"user_led": true}}, Want: everyone(200)},
			{Route: "POST /v1/rounds/:id/eligibility-check", Name: "draft", Path: draft + "/eligibility-check",
				Body: map[string]any{"answers": map[string]any{"user_led": true}}, Want: []int{404, 404, 404, 404, 404, 404, 200, 404, 404}},
			{Route: "GET /v1/rounds/:id/panel", Path: draft + "/panel", Want: managerOnly(200)},
			{Route: "PUT /v1/rounds/:id/panel", Path: draft + "/panel", Body: map[string]any{"user_ids": panel}, Want: managerOnly(200)},
			{Route: "PATCH /v1/rounds/:id", Path: draft, Body: map[string]any{"name": "Hijack"}, Want: managerOnly(200)},
			{Route: "POST /v1/rounds/:id/close", Path: draft + "/close", Want: managerOnly(409)},
			{Route: "POST /v1/rounds/:id/start-assessment", Path: draft + "/start-assessment", Want: managerOnly(409)},
			{Route: "POST /v1/rounds/:id/publish-decisions", Path: draft + "/publish-decisions", Want: managerOnly(409)},
			{Route: "POST /v1/rounds/:id/archive", Name: "another draft", Path: scrap + "/archive", Want: managerOnly(200)},
			{Route: "POST /v1/rounds/:id/open", Path: draft + "/open", Want: managerOnly(200)},
		},
		Canaries: []apitest.Canary{{Text: canary, SeenBy: []apitest.Actor{apitest.GrantsManager}}},
		Snapshot: func(t testing.TB) string {
			var b strings.Builder
			for _, p := range []string{draft, draft + "/panel", scrap, prog, "/v1/programmes"} {
				r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: p, Token: w.manager.Token})
				b.WriteString(r.Header.Get("ETag") + string(r.Body))
			}
			return b.String()
		},
	}
}

// TestProgrammesAndRoundsAuthorization runs the programmes and rounds matrix: manager
// routes refuse other roles (403) and anonymous callers (401); drafts are invisible (404)
// to all but managers; refused writes change nothing.
func TestProgrammesAndRoundsAuthorization(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) { roundsMatrix(t, env).Run(t, env) })
}
