package api_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// rawNoFollow sends a request straight to the server, outside the contract filter (HEAD is not an
// operation of openapi.yaml: it is GET without the body), without following redirects.
func rawNoFollow(t *testing.T, env *apitest.Env, method, path, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.HTTP.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := *env.HTTP.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestHeadWhereverGet: HEAD answers every GET route with the GET's status and headers
// (Content-Length included) and no body — public and signed-in routes, errors too — and
// is logged as HEAD.
func TestHeadWhereverGet(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner := env.Applicant()
		org := mustCreateOrg(t, env, owner, map[string]any{"name": "Hillside"})["id"].(string)
		for _, c := range []struct {
			path, token string
			status      int
		}{
			{"/healthz", "", 200},
			{"/openapi.yaml", "", 200},
			{"/docs", "", 200},
			{"/v1/rounds", "", 200},
			{"/v1/me", owner.Token, 200},
			{"/v1/organisations/" + org, owner.Token, 200},
			{"/v1/organisations?limit=1", owner.Token, 200},
			{"/v1/me", "", 401},
			{"/v1/organisations/" + org, env.Applicant().Token, 404},
			{"/v1/no-such-thing", "", 404},
		} {
			var get *http.Response
			var getBody []byte
			if c.path == "/docs" || c.path == "/v1/no-such-thing" {
				get, getBody = rawNoFollow(t, env, http.MethodGet, c.path, c.token)
			} else {
				r := env.Expect(t, c.status, apitest.Req{Method: http.MethodGet, Path: c.path, Token: c.token})
				get, getBody = &http.Response{StatusCode: r.Status, Header: r.Header}, r.Body
			}
			head, headBody := rawNoFollow(t, env, http.MethodHead, c.path, c.token)
			if head.StatusCode != c.status || get.StatusCode != c.status {
				t.Fatalf("HEAD %s: %d (GET %d), want %d", c.path, head.StatusCode, get.StatusCode, c.status)
			}
			if len(headBody) != 0 {
				t.Fatalf("HEAD %s sent a body: %q", c.path, headBody)
			}
			if got := head.Header.Get("Content-Length"); got != strconv.Itoa(len(getBody)) {
				t.Errorf("HEAD %s: Content-Length %q, the GET's body has %d bytes", c.path, got, len(getBody))
			}
			for k := range get.Header {
				if k == "Date" || k == "X-Request-Id" || k == "Content-Length" {
					continue
				}
				if g, h := strings.Join(get.Header.Values(k), ","), strings.Join(head.Header.Values(k), ","); g != h {
					t.Errorf("HEAD %s: %s %q, GET has %q", c.path, k, h, g)
				}
			}
			for k := range head.Header {
				if get.Header.Get(k) == "" && k != "Content-Length" {
					t.Errorf("HEAD %s has %s, which GET has not", c.path, k)
				}
			}
		}
		// A route with no GET: 405, as for GET.
		if head, _ := rawNoFollow(t, env, http.MethodHead, "/v1/auth/login", ""); head.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("HEAD /v1/auth/login: %d", head.StatusCode)
		}
		if !strings.Contains(env.Logs.String(), `"method":"HEAD","route":"/v1/organisations/:id"`) {
			t.Fatalf("HEAD requests are not logged as HEAD")
		}
	})
}

// TestDocsTrailingSlash: /docs/ sends the browser to /docs (the docs page), keeping a query.
func TestDocsTrailingSlash(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		for path, want := range map[string]string{"/docs/": "/docs", "/docs/?x=1": "/docs?x=1"} {
			resp, _ := rawNoFollow(t, env, http.MethodGet, path, "")
			if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
				t.Fatalf("GET %s: %d Location %q", path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		resp, body := rawNoFollow(t, env, http.MethodGet, "/docs", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "swagger-ui") {
			t.Fatalf("/docs: %d", resp.StatusCode)
		}
		if resp, _ := rawNoFollow(t, env, http.MethodGet, "/docs/swagger-ui.css", ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("/docs/swagger-ui.css: %d", resp.StatusCode)
		}
	})
}
