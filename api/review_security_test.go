package api_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// serve sends req straight to the handler (no client-side header validation, a chosen
// RemoteAddr) and returns the recorded response.
func serve(env *apitest.Env, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	env.Server.Handler().ServeHTTP(rec, req)
	return rec
}

// countRows counts a table's rows, for "nothing changed" checks.
func countRows(t *testing.T, env *apitest.Env, table string) int64 {
	t.Helper()
	var n int64
	if err := env.DB.Conn(t.Context()).Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestQueryStringsMustBeText: a query parameter holding NUL or bytes that are not UTF-8
// reached Postgres (which refuses both) and answered 500. Now every route refuses it with
// 400 naming the parameter, on both databases.
func TestQueryStringsMustBeText(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := env.Manager()
		for _, q := range []string{"entity_type=%00", "entity_type=%ff", "actor_id=%ff%fe", "action=a%00b", "%ff=x"} {
			resp, body := raw(t, env, "GET", "/v1/audit-events?"+q, nil, map[string]string{"Authorization": "Bearer " + m.Token})
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("?%s: %d, want 400: %s", q, resp.StatusCode, body)
				continue
			}
			p := mustProblem(t, 400, resp.Header, body)
			if len(p.Errors) == 0 || p.Errors[0].Field == "" {
				t.Errorf("?%s: the problem names no parameter: %s", q, body)
			}
		}
		// Ordinary text, accents and emoji included, is fine.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?action=caf%C3%A9%F0%9F%98%80", Token: m.Token})
	})
}

// TestBodyMustBeUTF8: encoding/json silently replaces bytes that are not UTF-8 with U+FFFD,
// so a name or email was stored altered. Such a body is refused (400) and nothing is stored.
func TestBodyMustBeUTF8(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		before := countRows(t, env, "users")
		for _, body := range []string{
			"{\"email\":\"\xffz@example.org\",\"password\":\"a long passphrase of words 7\",\"name\":\"x\"}",
			"{\"email\":\"u@example.org\",\"password\":\"a long passphrase of words 7\",\"name\":\"bad \xc3\x28 utf8\"}",
			"{\"email\":\"u@example.org\",\"password\":\"a long passphrase \xed\xa0\x80 7\",\"name\":\"x\"}", // an encoded surrogate
		} {
			resp, b := raw(t, env, "POST", registerPath, strings.NewReader(body), map[string]string{"Content-Type": "application/json"})
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%q: %d, want 400: %s", body, resp.StatusCode, b)
				continue
			}
			mustProblem(t, 400, resp.Header, b)
		}
		if n := countRows(t, env, "users"); n != before {
			t.Fatalf("users %d → %d", before, n)
		}
	})
}

// TestBodyOnBodilessAction: a POST action that takes no body (logout-all) and a DELETE
// answered 2xx to a body of any media type. Every write carrying a body must now send it as
// application/json (415 otherwise, after the route's access check), and the refused request
// changes nothing; an empty body, or a JSON one, still works.
func TestBodyOnBodilessAction(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		auth := func(ct string) map[string]string {
			h := map[string]string{"Authorization": "Bearer " + u.Token}
			if ct != "" {
				h["Content-Type"] = ct
			}
			return h
		}
		for _, c := range []struct{ ct, body string }{
			{"text/plain", "hello"},
			{"application/x-www-form-urlencoded", "a=b"},
			{"", "hello"},
			{"application/jsonx", "{}"},
		} {
			resp, b := raw(t, env, "POST", "/v1/auth/logout-all", strings.NewReader(c.body), auth(c.ct))
			if resp.StatusCode != http.StatusUnsupportedMediaType {
				t.Fatalf("logout-all with %q body: %d, want 415: %s", c.ct, resp.StatusCode, b)
			}
			mustProblem(t, 415, resp.Header, b)
		}
		// Chunked (no Content-Length) is no way round it.
		resp, b := raw(t, env, "POST", "/v1/auth/logout-all", io.MultiReader(strings.NewReader("hello")), auth("text/plain"))
		if resp.StatusCode != http.StatusUnsupportedMediaType || resp.Request.ContentLength > 0 {
			t.Fatalf("chunked: %d (length %d): %s", resp.StatusCode, resp.Request.ContentLength, b)
		}
		// Nothing happened: the token still works.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/me", Token: u.Token})

		// Anonymous callers still get 401 first (the access check runs before the body's).
		resp, b = raw(t, env, "POST", "/v1/auth/logout-all", strings.NewReader("hello"), map[string]string{"Content-Type": "text/plain"})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d: %s", resp.StatusCode, b)
		}

		// DELETE with a body of another media type.
		m := env.Manager()
		c := createClient(t, env, m.Token, "Finance system")
		resp, b = raw(t, env, "DELETE", "/v1/clients/"+c.ID, strings.NewReader("x"), map[string]string{"Authorization": "Bearer " + m.Token, "Content-Type": "text/plain"})
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("DELETE with a text body: %d: %s", resp.StatusCode, b)
		}
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "DELETE", Path: "/v1/clients/" + c.ID, Token: m.Token})

		// The form grant is still accepted where it belongs.
		resp, b = raw(t, env, "POST", "/v1/auth/token", strings.NewReader("grant_type=client_credentials&client_id=cl_x&client_secret=cs_x"),
			map[string]string{"Content-Type": formCT})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("form grant: %d: %s", resp.StatusCode, b)
		}

		// Empty and JSON bodies are fine on a body-less action.
		resp, b = raw(t, env, "POST", "/v1/auth/logout-all", strings.NewReader("{}"), auth("application/json"))
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("logout-all with {}: %d: %s", resp.StatusCode, b)
		}
		u2 := env.Applicant()
		req := httptest.NewRequest("POST", "/v1/auth/logout-all", strings.NewReader(""))
		req.ContentLength = -1 // chunked, and empty
		req.Header.Set("Authorization", "Bearer "+u2.Token)
		if rec := serve(env, req); rec.Code != http.StatusNoContent {
			t.Fatalf("empty chunked body: %d: %s", rec.Code, rec.Body)
		}
		u3 := env.Applicant()
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout-all", Token: u3.Token})
	})
}

// TestIdempotencyKeyMustBeASCII: the key is stored in a text column; bytes that are not
// UTF-8 (HTTP allows obs-text in header values) made Postgres fail with 500. Keys must be
// printable ASCII (400 otherwise) and the refused create stores nothing.
func TestIdempotencyKeyMustBeASCII(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		before := countRows(t, env, "organisations")
		for _, key := range []string{"k\xff\xfe", "caf\xc3\xa9", "tab\there", "nul\x00"} {
			req := httptest.NewRequest("POST", "/v1/organisations", strings.NewReader(`{"name":"Hillside"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+u.Token)
			req.Header["Idempotency-Key"] = []string{key}
			rec := serve(env, req)
			if rec.Code != http.StatusBadRequest {
				t.Errorf("key %q: %d, want 400: %s", key, rec.Code, rec.Body)
				continue
			}
			p := mustProblem(t, 400, rec.Header(), rec.Body.Bytes())
			if len(p.Errors) == 0 || p.Errors[0].Field != "Idempotency-Key" {
				t.Errorf("key %q: problem does not name Idempotency-Key: %s", key, rec.Body)
			}
		}
		if n := countRows(t, env, "organisations"); n != before {
			t.Fatalf("organisations %d → %d", before, n)
		}
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/organisations", Token: u.Token,
			Body: map[string]string{"name": "Hillside"}, Header: map[string]string{"Idempotency-Key": "0190-abc_DEF.~:1"}})
	})
}

// TestClientCredentialsThatAreNotText: a client_id or secret holding NUL or bytes that are
// not UTF-8 (possible in a form body or HTTP Basic, not in JSON) reached Postgres and
// answered 500. They are invalid_client (401) like any other wrong credentials.
func TestClientCredentialsThatAreNotText(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		for _, body := range []string{
			"grant_type=client_credentials&client_id=%00%00&client_secret=x",
			"grant_type=client_credentials&client_id=%ff%fe&client_secret=x",
			"grant_type=client_credentials&client_id=cl_x&client_secret=%00",
		} {
			resp, b := raw(t, env, "POST", "/v1/auth/token", strings.NewReader(body), map[string]string{"Content-Type": formCT})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401: %s", body, resp.StatusCode, b)
				continue
			}
			mustProblem(t, 401, resp.Header, b)
		}
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("cl_\xff:secret"))
		resp, b := raw(t, env, "POST", "/v1/auth/token", strings.NewReader("grant_type=client_credentials"),
			map[string]string{"Content-Type": formCT, "Authorization": basic})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Basic with non-UTF-8 id: %d, want 401: %s", resp.StatusCode, b)
		}
	})
}

// TestLoginLimitCoversAnIPv6Prefix: one IPv6 client holds a whole /64 and can give every
// request a new address, so per-IP limits count an IPv6 /64 as one IP. (The per-IP login
// limit, of failures, is set to 10 here: CONSTELLATE_RATE_LIMITS.)
func TestLoginLimitCoversAnIPv6Prefix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		n := 0
		try := func(remote string) int {
			n++ // a new account each time: the per-account limit is not what is measured
			req := httptest.NewRequest("POST", "/v1/auth/login", strings.NewReader(`{"email":"nobody`+strconv.Itoa(n)+`@example.org","password":"whatever password"}`))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = remote
			return serve(env, req).Code
		}
		for i := 0; i < 10; i++ {
			if code := try("[2001:db8:1:2:" + strconv.FormatInt(int64(i*4097), 16) + "::1]:40000"); code != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i, code)
			}
		}
		if code := try("[2001:db8:1:2:ffff:1:2:3]:40000"); code != http.StatusTooManyRequests {
			t.Fatalf("11th attempt from the same /64: %d, want 429", code)
		}
		// Another /64, and IPv4 clients, are counted apart.
		if code := try("[2001:db8:1:3::1]:40000"); code != http.StatusUnauthorized {
			t.Fatalf("another /64: %d, want 401", code)
		}
		if code := try("192.0.2.7:40000"); code != http.StatusUnauthorized {
			t.Fatalf("IPv4: %d, want 401", code)
		}
	}, withRateLimits(t, "login=10/1m"))
}

// TestPatchWritesZeroValues: GORM's Updates(struct) skips zero values, so false, 0 and ""
// sent in a PATCH could be silently dropped. Each must be stored, and the ETag move on.
func TestPatchWritesZeroValues(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		o := env.Applicant()
		var org map[string]any
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/organisations", Token: o.Token, Body: map[string]any{
			"name": "Hillside", "user_led": true, "publish_led_by": true, "annual_income": 500, "website": "https://hillside.example.org",
			"led_by": []string{"disabled_people"}, "postcode": "LS6 1AA", "legal_form": "charity", "charity_number": "1234567"}}).Decode(t, &org)
		path := "/v1/organisations/" + org["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: o.Token, Header: map[string]string{"If-Match": `"1"`},
			Body: map[string]any{"user_led": false, "publish_led_by": false, "annual_income": 0, "website": "", "led_by": []string{},
				"postcode": "", "charity_number": ""}})
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: o.Token})
		got := r.Map(t)
		for k, want := range map[string]any{"user_led": false, "publish_led_by": false, "annual_income": float64(0), "website": "",
			"postcode": "", "charity_number": ""} {
			if got[k] != want {
				t.Errorf("%s = %v, want %v", k, got[k], want)
			}
		}
		if l, _ := got["led_by"].([]any); len(l) != 0 {
			t.Errorf("led_by = %v", got["led_by"])
		}
		if r.Header.Get("ETag") != `"2"` {
			t.Errorf("ETag %s", r.Header.Get("ETag"))
		}
	})
}
