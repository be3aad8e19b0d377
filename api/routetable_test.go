package api_test

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"constellate"
	"constellate/api"
	"constellate/internal/config"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

func buildServer(t *testing.T) *api.Server {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	srv, err := api.Build(context.Background(), api.BuildOptions{Config: cfg, DB: storetest.MustOpen(t, store.SQLite)})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestDefaultDeny fails on any route Echo serves that is not in the route table with an
// access policy: nothing is reachable by accident.
func TestDefaultDeny(t *testing.T) {
	srv := buildServer(t)
	policy := map[string]string{}
	for _, r := range srv.Routes() {
		if r.Access == "" {
			t.Errorf("%s %s has no access policy (public, authenticated or roles(...))", r.Method, r.Path)
		}
		policy[r.Method+" "+r.Path] = r.Access
	}
	echoRoutes := srv.EchoRoutes()
	if len(echoRoutes) == 0 {
		t.Fatal("Echo lists no routes")
	}
	for _, r := range echoRoutes {
		if _, ok := policy[r.Method+" "+r.Path]; !ok {
			t.Errorf("%s %s is registered with Echo but not in the route table (api/routes.go)", r.Method, r.Path)
		}
	}
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// openapiPath turns an Echo path into the OpenAPI template: /v1/rounds/:id → /v1/rounds/{id}.
func openapiPath(p string) string { return echoParam.ReplaceAllString(p, "{$1}") }

// TestRoutesMatchContract checks the route table and openapi.yaml describe the same API:
// every contract route is documented with its method and path, every documented operation
// is a real route, and a public route is exactly one documented without security.
func TestRoutesMatchContract(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(constellate.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	srv := buildServer(t)
	served := map[string]bool{}
	for _, r := range srv.Routes() {
		if !r.InContract {
			if !strings.HasPrefix(r.Path, "/docs") {
				t.Errorf("%s %s is marked NotInContract; only the docs UI may be", r.Method, r.Path)
			}
			continue
		}
		p := openapiPath(r.Path)
		served[r.Method+" "+p] = true
		item := doc.Paths.Value(p)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s %s is served but not in openapi.yaml (annotate the handler with @Router %s [%s] and run make openapi)",
				r.Method, r.Path, p, strings.ToLower(r.Method))
			continue
		}
		op := item.GetOperation(r.Method)
		documentedPublic := op.Security != nil && len(*op.Security) == 0
		if documentedPublic != (r.Access == "public") {
			t.Errorf("%s %s: access is %q but openapi.yaml documents it as %s (add or remove @Security BearerAuth)",
				r.Method, r.Path, r.Access, map[bool]string{true: "public", false: "needing a token"}[documentedPublic])
		}
	}
	var documented []string
	for p, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+p)
		}
	}
	sort.Strings(documented)
	for _, op := range documented {
		if !served[op] {
			t.Errorf("openapi.yaml documents %s, which is not a route (stale annotation?)", op)
		}
	}
}
