package api_test

import (
	"net/http"
	"sort"
	"testing"

	"constellate/api/apitest"
	"constellate/internal/store"
)

// matrices are the API's authorization matrices (apitest.Matrix), by name. Each builds its
// world on env and returns the matrix without running it, so TestMatricesCoverEveryRoute can
// read every row's route; a new route needs a row in one of them.
var matrices = map[string]func(t *testing.T, env *apitest.Env) apitest.Matrix{
	"identity":              identityMatrix,
	"organisations":         organisationMatrix,
	"group invitations":     invitationMatrix,
	"programmes and rounds": roundsMatrix,
	"applications":          applicationsMatrix,
	"assessment":            assessmentMatrix,
	"awards":                awardsMatrix,
	"system":                systemMatrix,
	"open data":             exportMatrix,
}

// cast plays apitest.StandardActors against w: the owner and the member of w.orgID, the
// stranger (owner of w.otherOrgID), a new panel member put on the panels of w.roundID and
// of the other rounds given, w.panel (on no panel), the manager, finance and a machine
// client of the finance role.
func (w *appWorld) cast(t *testing.T, rounds ...string) apitest.Cast {
	t.Helper()
	on := w.env.Panel()
	for _, r := range append([]string{w.roundID}, rounds...) {
		w.env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/rounds/" + r + "/panel", Token: w.manager.Token,
			Body: map[string]any{"user_ids": []string{on.ID}}})
	}
	return apitest.Cast{
		apitest.Owner: w.owner.Token, apitest.Member: w.member.Token, apitest.OtherApplicant: w.stranger.Token,
		apitest.PanelOnRound: on.Token, apitest.PanelOffRound: w.panel.Token, apitest.GrantsManager: w.manager.Token,
		apitest.FinanceUser: w.finance.Token, apitest.FinanceClient: w.env.MachineClient(t, w.manager.Token, "matrix finance system"),
	}
}

// TestMatricesCoverEveryRoute fails on any route of the route table (api/routes.go) that no
// authorization matrix drives: a route missing from the matrices fails the build.
func TestMatricesCoverEveryRoute(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	var env *apitest.Env
	for _, build := range matrices {
		env = apitest.New(t, store.SQLite) // each world on its own server and clock
		for _, r := range build(t, env).Routes() {
			covered[r] = true
		}
	}
	var missing []string
	for _, r := range env.Server.Routes() {
		if !covered[r.Method+" "+r.Path] {
			missing = append(missing, r.Method+" "+r.Path)
		}
	}
	sort.Strings(missing)
	for _, r := range missing {
		t.Errorf("%s is in no authorization matrix: add a row for it to one of the matrices listed in api/authz_test.go", r)
	}
}

// systemMatrix: the operations routes, the docs UI and the key set are public; a token, any
// token, changes nothing.
func systemMatrix(t *testing.T, env *apitest.Env) apitest.Matrix {
	w := newAppWorld(t, env)
	all200 := []int{200, 200, 200, 200, 200, 200, 200, 200, 200}
	row := func(route, path string) apitest.Row { return apitest.Row{Route: route, Path: path, Want: all200} }
	return apitest.Matrix{
		Cast: w.cast(t),
		Rows: []apitest.Row{
			row("GET /healthz", "/healthz"),
			row("GET /readyz", "/readyz"),
			row("GET /metrics", "/metrics"),
			row("GET /openapi.yaml", "/openapi.yaml"),
			row("GET /docs", "/docs"),
			row("GET /docs/init.js", "/docs/init.js"),
			row("GET /docs/*", "/docs/swagger-ui.css"),
			row("GET /.well-known/jwks.json", "/.well-known/jwks.json"),
		},
	}
}

func TestSystemAccessMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) { systemMatrix(t, env).Run(t, env) })
}
