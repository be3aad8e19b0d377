package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"constellate/api/apitest"
	"constellate/internal/store/storetest"
)

// BenchmarkHotPaths drives the most frequent reads through the whole handler (routing,
// middleware, authentication with its token_version read, the service, the store, JSON)
// without a network, on each database: the in-process view of what `make bench` measures
// over HTTP, and the one to profile:
//
//	go test ./api -run '^$' -bench BenchmarkHotPaths -cpuprofile cpu.out
func BenchmarkHotPaths(b *testing.B) {
	for _, d := range storetest.Dialects(b) {
		env := apitest.New(b, d)
		mgr, owner := env.Manager(), env.Applicant()
		post := func(path, token string, body any) string {
			return env.Expect(b, http.StatusCreated, apitest.Req{Method: "POST", Path: path, Token: token, Body: body}).Map(b)["id"].(string)
		}
		prog := post("/v1/programmes", mgr.Token, map[string]any{"name": "Hot Path Fund"})
		roundID := post("/v1/programmes/"+prog+"/rounds", mgr.Token, roundBody("HP"))
		env.Expect(b, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + roundID + "/open", Token: mgr.Token})
		var ids []string
		for i := range 20 {
			orgID := post("/v1/organisations", owner.Token, map[string]any{"name": fmt.Sprintf("Hot Path Group %d", i), "legal_form": "unincorporated_association"})
			ids = append(ids, post("/v1/rounds/"+roundID+"/applications", owner.Token, map[string]any{"organisation_id": orgID}))
		}
		h := env.Server.Handler()
		run := func(name string, req func(i int) *http.Request) {
			b.Run(string(d)+"/"+name, func(b *testing.B) {
				i := 0
				for b.Loop() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req(i))
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: status %d: %s", name, rec.Code, rec.Body)
					}
					i++
				}
			})
		}
		get := func(path, token string) *http.Request {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.Header.Set("Authorization", "Bearer "+token)
			return r
		}
		run("get-application", func(i int) *http.Request { return get("/v1/applications/"+ids[i%len(ids)], owner.Token) })
		run("list-applications", func(int) *http.Request { return get("/v1/applications?limit=50&round_id="+roundID, mgr.Token) })
		run("list-open-rounds", func(int) *http.Request { return get("/v1/rounds?status=open", owner.Token) })
		run("autosave", func(i int) *http.Request {
			body := fmt.Sprintf(`{"title":"Peer support cafés %d","answers":{"about":"We meet weekly."}}`, i)
			r := httptest.NewRequest(http.MethodPatch, "/v1/applications/"+ids[i%len(ids)], strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+owner.Token)
			r.Header.Set("Content-Type", "application/json")
			return r
		})
		run("healthz-authenticated", func(int) *http.Request { return get("/healthz", owner.Token) })
	}
}
