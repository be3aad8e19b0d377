package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"constellate"
	"constellate/api/apitest"
	"constellate/internal/config"
)

// raw sends a request straight to the server, bypassing the contract filter, for requests
// the contract cannot describe (chunked bodies, preflights, huge headers).
func raw(t *testing.T, env *apitest.Env, method, path string, body io.Reader, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.HTTP.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := env.HTTP.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Instance  string `json:"instance"`
	RequestID string `json:"request_id"`
	Errors    []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// mustProblem checks an error response is a complete problem document with the status.
func mustProblem(t *testing.T, status int, h http.Header, body []byte) problem {
	t.Helper()
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, body)
	}
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if p.Status != status || p.Type == "" || p.Title == "" || p.Detail == "" {
		t.Fatalf("incomplete problem (want status %d): %s", status, body)
	}
	return p
}

func TestHealthz(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/healthz"})
		if got := r.Map(t)["status"]; got != "ok" {
			t.Errorf("status = %v", got)
		}
		for k, want := range map[string]string{
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "no-referrer",
		} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'none'") ||
			!strings.HasPrefix(r.Header.Get("Strict-Transport-Security"), "max-age=") {
			t.Errorf("security headers missing: %v", r.Header)
		}
	})
}

func TestReadyz(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/readyz"})
		if got := r.Map(t)["status"]; got != "ready" {
			t.Errorf("status = %v", got)
		}

		env.Server.StartDraining()
		r = env.Expect(t, http.StatusServiceUnavailable, apitest.Req{Method: "GET", Path: "/readyz"})
		if p := mustProblem(t, 503, r.Header, r.Body); !strings.Contains(p.Detail, "shutting down") {
			t.Errorf("draining detail = %q", p.Detail)
		}
		if r.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After while draining")
		}
		// Liveness is unaffected by draining.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/healthz"})
	})
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		if err := env.DB.Close(); err != nil {
			t.Fatal(err)
		}
		r := env.Expect(t, http.StatusServiceUnavailable, apitest.Req{Method: "GET", Path: "/readyz"})
		p := mustProblem(t, 503, r.Header, r.Body)
		if !strings.Contains(p.Detail, "database") || r.Header.Get("Retry-After") == "" {
			t.Errorf("database down: detail %q, Retry-After %q", p.Detail, r.Header.Get("Retry-After"))
		}
	})
}

func TestMetrics(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/healthz"})
		raw(t, env, "GET", "/docs/swagger-ui.css", nil, nil)
		raw(t, env, "GET", "/no/such/thing/0190d0aa", nil, nil)
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/metrics"})
		body := string(r.Body)
		for _, want := range []string{
			`constellate_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
			// The route template, never the raw path: label cardinality stays bounded.
			`constellate_http_requests_total{method="GET",route="/docs/*",status="200"} 1`,
			`route="unmatched",status="404"`,
			`constellate_http_request_duration_seconds_bucket{method="GET",route="/healthz"`,
			`go_sql_open_connections{db_name="` + string(env.Dialect) + `"}`,
			`go_sql_max_open_connections{db_name="` + string(env.Dialect) + `"}`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if strings.Contains(body, "swagger-ui.css") || strings.Contains(body, "0190d0aa") {
			t.Error("/metrics carries a raw path")
		}
	})
}

func TestOpenAPIAndDocs(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/openapi.yaml"})
		if !bytes.Equal(r.Body, constellate.OpenAPI) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/yaml") {
			t.Errorf("/openapi.yaml: %q, %d bytes", r.Header.Get("Content-Type"), len(r.Body))
		}

		resp, body := raw(t, env, "GET", "/docs", nil, nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("/docs: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if strings.Contains(string(body), "http://") || strings.Contains(string(body), "https://") || strings.Contains(string(body), "//cdn") {
			t.Errorf("/docs refers to something outside the binary:\n%s", body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("/docs CSP = %q", csp)
		}
		for _, asset := range []string{"/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui-standalone-preset.js", "/docs/init.js"} {
			if !strings.Contains(string(body), asset) {
				t.Errorf("/docs does not load %s", asset)
			}
			resp, b := raw(t, env, "GET", asset, nil, nil)
			if resp.StatusCode != 200 || len(b) == 0 {
				t.Errorf("%s: %d, %d bytes", asset, resp.StatusCode, len(b))
			}
		}
		for _, missing := range []string{"/docs/nope.js", "/docs/../../etc/passwd", "/docs/%2e%2e/go.mod"} {
			resp, b := raw(t, env, "GET", missing, nil, nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", missing, resp.StatusCode)
				continue
			}
			mustProblem(t, 404, resp.Header, b)
		}
		if _, b := raw(t, env, "GET", "/docs/init.js", nil, nil); !strings.Contains(string(b), `"/openapi.yaml"`) {
			t.Errorf("init.js does not load /openapi.yaml: %s", b)
		}
	})
}

func TestUnknownRouteAndWrongMethod(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		r := env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/no-such-thing"})
		if p := mustProblem(t, 404, r.Header, r.Body); p.Instance != "/v1/no-such-thing" || !strings.HasSuffix(p.Type, "/not_found") {
			t.Errorf("404 problem: %+v", p)
		}
		r = env.Expect(t, http.StatusMethodNotAllowed, apitest.Req{Method: "DELETE", Path: "/healthz"})
		mustProblem(t, 405, r.Header, r.Body)
	})
}

func TestRequestID(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-ID": "trace-123.abc"}})
		if got := r.Header.Get("X-Request-ID"); got != "trace-123.abc" {
			t.Errorf("X-Request-ID not echoed: %q", got)
		}
		r = env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/healthz"})
		generated := r.Header.Get("X-Request-ID")
		if len(generated) < 16 {
			t.Errorf("no request id generated: %q", generated)
		}
		// An unsafe id (log injection) is replaced, and errors carry the id.
		r = env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/nope", Header: map[string]string{"X-Request-ID": "bad id\" injected=1"}})
		id := r.Header.Get("X-Request-ID")
		if id == "" || strings.Contains(id, " ") {
			t.Errorf("unsafe request id kept: %q", id)
		}
		if p := mustProblem(t, 404, r.Header, r.Body); p.RequestID != id {
			t.Errorf("problem request_id %q, header %q", p.RequestID, id)
		}
	})
}

func TestCORS(t *testing.T) {
	preflight := map[string]string{
		"Origin":                         "https://apply.example.org",
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "content-type,authorization",
	}
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		resp, _ := raw(t, env, "OPTIONS", "/v1/auth/login", nil, preflight)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://apply.example.org" {
			t.Errorf("configured origin: Access-Control-Allow-Origin = %q", got)
		}
		if resp.StatusCode >= 300 {
			t.Errorf("preflight answered %d", resp.StatusCode)
		}
		evil := map[string]string{"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}
		resp, _ = raw(t, env, "OPTIONS", "/v1/auth/login", nil, evil)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("unconfigured origin allowed: %q", got)
		}
		resp, _ = raw(t, env, "GET", "/healthz", nil, map[string]string{"Origin": "https://apply.example.org"})
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://apply.example.org" {
			t.Errorf("simple request from configured origin: %q", got)
		}
	}, func(c *config.Config) { c.CORSOrigins = []string{"https://apply.example.org"} })

	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		resp, _ := raw(t, env, "OPTIONS", "/v1/auth/login", nil, preflight)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("no origins configured, but Access-Control-Allow-Origin = %q", got)
		}
	})
}

func TestOversizedHeaders(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		resp, body := raw(t, env, "GET", "/healthz", nil, map[string]string{"X-Padding": strings.Repeat("a", 20<<10)})
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("20 KiB of headers: %d, want 431", resp.StatusCode)
		}
		mustProblem(t, 431, resp.Header, body)
	})
}
