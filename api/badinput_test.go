package api_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
	"constellate/internal/auth"
)

// The body tests use POST /v1/auth/register, a public route that decodes a body; whatever
// it refuses must leave nothing behind, so the same registration succeeds afterwards.
const registerPath = "/v1/auth/register"

func validRegistration(email string) string {
	return `{"email":"` + email + `","password":"a long passphrase of words 7","name":"Sam Jones"}`
}

func TestBodyTooLarge(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		big := `{"email":"big@example.org","password":"a long passphrase of words 7","name":"` + strings.Repeat("x", 1<<20) + `"}`

		// Declared length: refused before the body is read.
		r := env.Expect(t, http.StatusRequestEntityTooLarge, apitest.Req{Method: "POST", Path: registerPath, Body: big})
		mustProblem(t, 413, r.Header, r.Body)

		// Chunked (no Content-Length): refused when reading crosses 1 MiB.
		resp, body := raw(t, env, "POST", registerPath, io.MultiReader(strings.NewReader(big)), map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked 1 MiB body: %d, want 413: %s", resp.StatusCode, body)
		}
		if resp.Request.ContentLength > 0 {
			t.Fatal("the request was not sent chunked")
		}
		mustProblem(t, 413, resp.Header, body)

		// Just under the limit is read (and refused for its content, not its size).
		resp, _ = raw(t, env, "POST", registerPath, bytes.NewReader(append([]byte(`{"email":"x"}`), bytes.Repeat([]byte(" "), 1<<20-20)...)),
			map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode == http.StatusRequestEntityTooLarge || resp.StatusCode >= 500 {
			t.Errorf("a body under 1 MiB answered %d", resp.StatusCode)
		}
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: registerPath, Body: validRegistration("big@example.org")})
	})
}

func TestBodyRefused(t *testing.T) {
	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
		field       string // the field the problem must name, if any
	}{
		{"no content type", "-", `{"email":"a@example.org"}`, 415, ""},
		{"text/plain", "text/plain", validRegistration("a@example.org"), 415, ""},
		{"form", "application/x-www-form-urlencoded", "email=a@example.org", 415, ""},
		{"json with charset is fine but empty", "application/json; charset=utf-8", ``, 400, ""},
		{"malformed", "application/json", `{"email":`, 400, ""},
		{"not an object", "application/json", `["a@example.org"]`, 400, ""},
		{"trailing data", "application/json", validRegistration("a@example.org") + `{"x":1}`, 400, ""},
		{"trailing garbage", "application/json", validRegistration("a@example.org") + `garbage`, 400, ""},
		{"duplicate key", "application/json", `{"email":"a@example.org","email":"b@example.org","password":"a long passphrase of words 7","name":"S"}`, 400, "email"},
		{"case-mismatched key", "application/json", `{"Email":"a@example.org","password":"a long passphrase of words 7","name":"S"}`, 400, "Email"},
		{"unknown field", "application/json", `{"email":"a@example.org","password":"a long passphrase of words 7","name":"S","role":"grants_manager"}`, 400, "role"},
		{"read-only field", "application/json", `{"email":"a@example.org","password":"a long passphrase of words 7","name":"S","id":"0190d0aa-0000-7000-8000-000000000000"}`, 400, "id"},
		{"wrong type", "application/json", `{"email":42,"password":"a long passphrase of words 7","name":"S"}`, 400, "email"},
		{"NUL in a string", "application/json", `{"email":"n@example.org","password":"a long passphrase of words 7","name":"a\u0000"}`, 400, "name"},
		{"null byte soup", "application/json", "\x00\x01\x02", 400, ""},
	}
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h := map[string]string{}
				if c.contentType != "-" {
					h["Content-Type"] = c.contentType
				}
				resp, body := raw(t, env, "POST", registerPath, strings.NewReader(c.body), h)
				if resp.StatusCode != c.status {
					t.Fatalf("%d, want %d: %s", resp.StatusCode, c.status, body)
				}
				p := mustProblem(t, c.status, resp.Header, body)
				if c.field != "" {
					if len(p.Errors) == 0 || p.Errors[0].Field != c.field {
						t.Errorf("problem does not name %q: %s", c.field, body)
					}
				}
			})
		}
		// Nothing was written: the account can still be registered.
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: registerPath, Body: validRegistration("a@example.org")})
	})
}

func TestBadListParameters(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := env.Manager()
		for _, q := range []string{"limit=0", "limit=201", "limit=abc", "limit=-1", "cursor=not-a-cursor", "cursor=YzE6bm90LWEtdXVpZA", "cursor=%00"} {
			r := env.Do(apitest.Req{Method: "GET", Path: "/v1/audit-events?" + q, Token: m.Token})
			if r.Status != http.StatusBadRequest {
				t.Errorf("?%s: %d, want 400: %s", q, r.Status, r.Body)
				continue
			}
			p := mustProblem(t, 400, r.Header, r.Body)
			want := strings.SplitN(q, "=", 2)[0]
			if len(p.Errors) == 0 || p.Errors[0].Field != want {
				t.Errorf("?%s: problem does not name %s: %s", q, want, r.Body)
			}
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?limit=200", Token: m.Token})
	})
}

// TestBadPathIDs sends a non-UUID id to every GET route with an :id, as a caller the route's
// policy admits, and expects 400 naming the parameter.
func TestBadPathIDs(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		tried := 0
		for _, rt := range env.Server.Routes() {
			if rt.Method != http.MethodGet || !strings.Contains(rt.Path, ":id") {
				continue
			}
			role := auth.RoleGrantsManager
			if r, ok := strings.CutPrefix(rt.Access, "roles:"); ok {
				role = auth.Role(strings.Split(r, ",")[0])
			}
			u := env.NewUser(role)
			for _, bad := range []string{"not-a-uuid", "1", "0190d0aa-0000-7000-8000-00000000000g", "'%20OR%201=1"} {
				path := strings.Replace(rt.Path, ":id", bad, 1)
				resp, body := raw(t, env, "GET", path, nil, map[string]string{"Authorization": "Bearer " + u.Token})
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("GET %s: %d, want 400: %s", path, resp.StatusCode, body)
					continue
				}
				if p := mustProblem(t, 400, resp.Header, body); len(p.Errors) == 0 || p.Errors[0].Field != "id" {
					t.Errorf("GET %s: problem does not name id: %s", path, body)
				}
			}
			tried++
		}
		t.Logf("%d GET routes with :id checked (pathID itself is tested in package api)", tried)
	})
}
