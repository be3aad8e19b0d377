package api_test

import (
	"net/http"
	"regexp"
	"testing"

	"constellate/api/apitest"
)

// routeParam is a path parameter or wildcard of an Echo route.
var routeParam = regexp.MustCompile(`:[A-Za-z0-9_]+|\*$`)

// TestJourneyHeadOnEveryGetRoute (issue 12, item 10): HEAD works wherever GET does — every
// GET of the route table, not a sample: for each caller (none, an applicant, a grants
// manager) a HEAD answers with the GET's status and Content-Type and no body. Path
// parameters are an id nobody has, so most answers are refusals, which must match too.
func TestJourneyHeadOnEveryGetRoute(t *testing.T) {
	t.Parallel()
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		callers := map[string]string{"anonymous": "", "applicant": env.Applicant().Token, "grants_manager": env.Manager().Token}
		gets := 0
		for _, r := range env.Server.Routes() {
			if r.Method != http.MethodGet {
				continue
			}
			gets++
			path := routeParam.ReplaceAllStringFunc(r.Path, func(p string) string {
				if p == "*" {
					return "swagger-ui.css"
				}
				if p == ":n" { // a revision number
					return "1"
				}
				return "0190b0b0-0000-7000-8000-000000000000"
			})
			for who, token := range callers {
				get, _ := rawNoFollow(t, env, http.MethodGet, path, token)
				head, body := rawNoFollow(t, env, http.MethodHead, path, token)
				if head.StatusCode != get.StatusCode || head.StatusCode == http.StatusMethodNotAllowed {
					t.Errorf("%s HEAD %s: %d, GET %d", who, path, head.StatusCode, get.StatusCode)
				}
				if len(body) != 0 {
					t.Errorf("%s HEAD %s sent a body: %q", who, path, body)
				}
				if g, h := get.Header.Get("Content-Type"), head.Header.Get("Content-Type"); g != h {
					t.Errorf("%s HEAD %s: Content-Type %q, GET %q", who, path, h, g)
				}
			}
		}
		if gets < 20 {
			t.Fatalf("only %d GET routes in the table", gets)
		}
	})
}
