package api_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"constellate/api"
	"constellate/api/apitest"
)

func createClient(t *testing.T, env *apitest.Env, token, name string) api.ClientCreatedResponse {
	t.Helper()
	var c api.ClientCreatedResponse
	r := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/clients", Token: token, Body: map[string]string{"name": name}})
	r.Decode(t, &c)
	if r.Header.Get("Location") != "/v1/clients/"+c.ID || !strings.HasPrefix(c.ClientSecret, "cs_") || !strings.HasPrefix(c.ClientID, "cl_") || c.Name != name {
		t.Fatalf("create client: %s", r.Body)
	}
	return c
}

func clientToken(t *testing.T, env *apitest.Env, want int, req apitest.Req) api.ClientTokenResponse {
	t.Helper()
	req.Method, req.Path = "POST", "/v1/auth/token"
	var tr api.ClientTokenResponse
	r := env.Expect(t, want, req)
	if want == http.StatusOK {
		r.Decode(t, &tr)
		if tr.TokenType != "Bearer" || tr.ExpiresIn != 900 || tr.AccessToken == "" || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("token response %s %v", r.Body, r.Header)
		}
	}
	return tr
}

func form(v map[string]string) string {
	q := url.Values{}
	for k, x := range v {
		q.Set(k, x)
	}
	return q.Encode()
}

const formCT = "application/x-www-form-urlencoded"

// TestMachineClients: create, list (never the secret), client credentials in every form,
// the finance role, and deletion killing its tokens at once.
func TestMachineClients(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		mgr := env.Manager()
		c := createClient(t, env, mgr.Token, "Finance system")
		c2 := createClient(t, env, mgr.Token, "Exports")

		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/clients", Token: mgr.Token})
		if strings.Contains(string(list.Body), c.ClientSecret) || strings.Contains(string(list.Body), "secret") {
			t.Fatalf("the list shows a secret: %s", list.Body)
		}
		var cl api.ClientList
		list.Decode(t, &cl)
		if len(cl.Data) != 2 || cl.Data[0].ID != c.ID || cl.Data[0].ClientID != c.ClientID || cl.NextCursor != nil {
			t.Fatalf("list: %s", list.Body)
		}
		page1 := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/clients?limit=1", Token: mgr.Token})
		page1.Decode(t, &cl)
		if len(cl.Data) != 1 || cl.NextCursor == nil {
			t.Fatalf("page 1: %s", page1.Body)
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/clients?limit=1&cursor=" + *cl.NextCursor, Token: mgr.Token}).Decode(t, &cl)
		if len(cl.Data) != 1 || cl.Data[0].ID != c2.ID {
			t.Fatalf("page 2: %+v", cl)
		}
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/clients", Token: mgr.Token, Body: map[string]string{"name": "  "}})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/clients", Token: mgr.Token, Body: map[string]any{"name": "x", "client_secret": "mine"}})

		creds := map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ClientID)+":"+url.QueryEscape(c.ClientSecret)))
		var tokens []string
		for _, req := range []apitest.Req{
			{Body: form(creds), ContentType: formCT},
			{Body: creds},
			{Body: "grant_type=client_credentials", ContentType: formCT, Header: map[string]string{"Authorization": basic}},
		} {
			tokens = append(tokens, clientToken(t, env, http.StatusOK, req).AccessToken)
		}
		for _, tok := range tokens {
			// A machine is a finance caller with no user account.
			env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/me", Token: tok})
			env.Expect(t, http.StatusForbidden, apitest.Req{Method: "GET", Path: "/v1/clients", Token: tok})
			env.Expect(t, http.StatusForbidden, apitest.Req{Method: "POST", Path: "/v1/auth/logout-all", Token: tok})
		}

		bad := func(want int, detail string, req apitest.Req) {
			t.Helper()
			req.Method, req.Path = "POST", "/v1/auth/token"
			r := env.Expect(t, want, req)
			if p := r.Map(t); !strings.HasPrefix(p["detail"].(string), detail) {
				t.Fatalf("detail %q, want it to start with %q", p["detail"], detail)
			}
		}
		wrong := map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c2.ClientSecret}
		bad(http.StatusUnauthorized, "invalid_client", apitest.Req{Body: form(wrong), ContentType: formCT})
		bad(http.StatusUnauthorized, "invalid_client", apitest.Req{Body: form(map[string]string{"grant_type": "client_credentials", "client_id": "cl_nobody", "client_secret": c.ClientSecret}), ContentType: formCT})
		bad(http.StatusUnauthorized, "invalid_client", apitest.Req{Body: "grant_type=client_credentials", ContentType: formCT})
		bad(http.StatusBadRequest, "unsupported_grant_type", apitest.Req{Body: form(map[string]string{"grant_type": "password", "client_id": c.ClientID, "client_secret": c.ClientSecret}), ContentType: formCT})
		bad(http.StatusBadRequest, "invalid_request", apitest.Req{Body: form(map[string]string{"client_id": c.ClientID, "client_secret": c.ClientSecret}), ContentType: formCT})
		bad(http.StatusBadRequest, "invalid_request", apitest.Req{Body: form(creds) + "&client_id=" + c2.ClientID, ContentType: formCT})
		bad(http.StatusBadRequest, "invalid_request", apitest.Req{Body: form(creds) + "&role=grants_manager", ContentType: formCT})
		bad(http.StatusBadRequest, "invalid_request", apitest.Req{Body: form(creds), ContentType: formCT, Header: map[string]string{"Authorization": basic}})
		bad(http.StatusBadRequest, "", apitest.Req{Body: map[string]any{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret, "role": "x"}})
		bad(http.StatusUnsupportedMediaType, "", apitest.Req{Body: form(creds), ContentType: "text/plain"})

		// Deleting the client: 204, gone from the list, its tokens and credentials dead at once.
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "DELETE", Path: "/v1/clients/" + c.ID, Token: mgr.Token})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "DELETE", Path: "/v1/clients/" + c.ID, Token: mgr.Token})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "DELETE", Path: "/v1/clients/not-a-uuid", Token: mgr.Token})
		for _, tok := range tokens {
			env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: "GET", Path: "/v1/me", Token: tok})
		}
		bad(http.StatusUnauthorized, "invalid_client", apitest.Req{Body: form(creds), ContentType: formCT})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/clients", Token: mgr.Token}).Decode(t, &cl)
		if len(cl.Data) != 1 || cl.Data[0].ID != c2.ID {
			t.Fatalf("after delete: %+v", cl)
		}
		// The other client still works.
		clientToken(t, env, http.StatusOK, apitest.Req{Body: map[string]string{"grant_type": "client_credentials", "client_id": c2.ClientID, "client_secret": c2.ClientSecret}})

		ev := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?entity_type=client", Token: mgr.Token})
		if n := strings.Count(string(ev.Body), `"client.created"`) + strings.Count(string(ev.Body), `"client.revoked"`); n != 3 {
			t.Fatalf("client audit events: %s", ev.Body)
		}
		if strings.Contains(string(ev.Body), c.ClientSecret) {
			t.Fatal("the audit log holds a client secret")
		}
	})
}
