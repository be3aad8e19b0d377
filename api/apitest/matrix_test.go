package apitest

import "testing"

func TestRouteMatches(t *testing.T) {
	for _, c := range []struct {
		route, method, path string
		want                bool
	}{
		{"GET /v1/applications/:id", "GET", "/v1/applications/0190", true},
		{"GET /v1/applications/:id", "GET", "/v1/applications/0190?x=1", true},
		{"GET /v1/applications/:id", "POST", "/v1/applications/0190", false},
		{"GET /v1/applications/:id", "GET", "/v1/applications/0190/history", false},
		{"GET /v1/applications/:id", "GET", "/v1/applications/", false},
		{"DELETE /v1/organisations/:id/members/:user_id", "DELETE", "/v1/organisations/a/members/b", true},
		{"GET /docs/*", "GET", "/docs/swagger-ui.css", true},
		{"GET /docs/*", "GET", "/docs/", false},
		{"GET /.well-known/jwks.json", "GET", "/.well-known/jwksxjson", false},
		{"GET /v1/me", "GET", "/v1/me", true},
	} {
		if got := RouteMatches(c.route, c.method, c.path); got != c.want {
			t.Errorf("RouteMatches(%q, %s %s) = %v", c.route, c.method, c.path, got)
		}
	}
}
