package api_test

import (
	"net/http"
	"testing"

	"constellate/api/apitest"
)

func TestProgrammes(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := env.Manager()
		resp := env.Expect(http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token,
			Body: map[string]any{"name": "Side by Side Fund", "description": "Small grants for user-led groups."}})
		p := resp.Map(t)
		id := p["id"].(string)
		if resp.Header.Get("Location") != "/v1/programmes/"+id || p["name"] != "Side by Side Fund" {
			t.Fatalf("create: %v %v", resp.Header, p)
		}
		second := env.Expect(http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token,
			Body: map[string]any{"name": "Winter Warmth"}}).Map(t)

		got := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/programmes/" + id, Token: m.Token})
		if got.Header.Get("ETag") != `"1"` || got.Map(t)["description"] != "Small grants for user-led groups." {
			t.Fatalf("get: %s", got.Body)
		}
		// Newest first, keyset pages.
		page1 := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/programmes?limit=1", Token: m.Token}).Map(t)
		data := page1["data"].([]any)
		if len(data) != 1 || data[0].(map[string]any)["id"] != second["id"] || page1["next_cursor"] == nil {
			t.Fatalf("page 1 = %v", page1)
		}
		page2 := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/programmes?limit=1&cursor=" + page1["next_cursor"].(string), Token: m.Token}).Map(t)
		if d := page2["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != id || page2["next_cursor"] != nil {
			t.Fatalf("page 2 = %v", page2)
		}

		// PATCH with If-Match; stale → 412; invalid → 422; read-only → 400.
		path := "/v1/programmes/" + id
		upd := env.Expect(http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: m.Token,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "Side by Side"}})
		if upd.Header.Get("ETag") != `"2"` || upd.Map(t)["name"] != "Side by Side" {
			t.Fatalf("patch: %s %s", upd.Header.Get("ETag"), upd.Body)
		}
		env.Expect(http.StatusPreconditionFailed, apitest.Req{Method: "PATCH", Path: path, Token: m.Token,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"name": "Lost update"}})
		env.Expect(http.StatusUnprocessableEntity, apitest.Req{Method: "PATCH", Path: path, Token: m.Token, Body: map[string]any{"name": "  "}})
		env.Expect(http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token, Body: map[string]any{"name": ""}})
		env.Expect(http.StatusBadRequest, apitest.Req{Method: "PATCH", Path: path, Token: m.Token, Body: map[string]any{"id": id}})
		env.Expect(http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token, Body: map[string]any{"name": "x", "created_at": "2020-01-01T00:00:00Z"}})
		env.Expect(http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/programmes/0190a6f1-0000-7000-8000-000000000000", Token: m.Token})
		env.Expect(http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/programmes/not-a-uuid", Token: m.Token})
		if n := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: m.Token}).Map(t)["name"]; n != "Side by Side" {
			t.Fatalf("refused writes changed the name to %v", n)
		}

		events := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?entity_id=" + id, Token: m.Token}).Map(t)
		var actions []string
		for _, e := range events["data"].([]any) {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		if len(actions) != 2 || actions[0] != "programme.updated" || actions[1] != "programme.created" {
			t.Fatalf("audit = %v", actions)
		}
	})
}

// TestProgrammesAndRoundsAuthorization: manager routes refuse other roles (403) and
// anonymous callers (401), and refused writes change nothing.
func TestProgrammesAndRoundsAuthorization(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		r := w.create(t, nil)
		id := r["id"].(string)
		routes := []apitest.Req{
			{Method: "GET", Path: "/v1/programmes"},
			{Method: "POST", Path: "/v1/programmes", Body: map[string]any{"name": "Hijack"}},
			{Method: "GET", Path: "/v1/programmes/" + w.programmeID},
			{Method: "PATCH", Path: "/v1/programmes/" + w.programmeID, Body: map[string]any{"name": "Hijack"}},
			{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds", Body: specRoundBody()},
			{Method: "PATCH", Path: "/v1/rounds/" + id, Body: map[string]any{"name": "Hijack"}},
			{Method: "POST", Path: "/v1/rounds/" + id + "/open"},
			{Method: "POST", Path: "/v1/rounds/" + id + "/close"},
			{Method: "POST", Path: "/v1/rounds/" + id + "/start-assessment"},
			{Method: "POST", Path: "/v1/rounds/" + id + "/publish-decisions"},
			{Method: "POST", Path: "/v1/rounds/" + id + "/archive"},
		}
		users := []apitest.User{env.Applicant(), env.Panel(), env.Finance()}
		for _, rt := range routes {
			anon := rt
			env.Expect(http.StatusUnauthorized, anon)
			for _, u := range users {
				req := rt
				req.Token = u.Token
				env.Expect(http.StatusForbidden, req)
			}
		}
		after := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id, Token: w.manager.Token})
		if after.Header.Get("ETag") != `"1"` || after.Map(t)["status"] != "draft" {
			t.Fatalf("refused writes changed the round: %s", after.Body)
		}
		list := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/programmes", Token: w.manager.Token}).Map(t)
		if n := len(list["data"].([]any)); n != 1 {
			t.Fatalf("refused creates left %d programmes", n)
		}
	})
}
