package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"constellate"
	"constellate/api/apitest"
	"constellate/internal/store/storetest"
	"constellate/reliability"
)

// massTarget is where a write route is sent in TestMassAssignment: a real object of its
// kind and an actor the route lets through, so that a server-owned field the decoder let
// pass would reach the service and be written.
type massTarget struct {
	path  string
	token string
}

// massWorld builds, on env, one object of every kind a write route acts on and names the
// target of every write route. A write route added to api/routes.go without a target here
// fails TestMassAssignment.
func massWorld(t *testing.T, env *apitest.Env) map[string]massTarget {
	t.Helper()
	// A round open now, with a draft in it, and a draft round: made before the award world
	// moves the clock past every round's closing date.
	early := newAppWorld(t, env)
	open := early.roundID
	draftApp := early.draft(t, early.owner, open, early.orgID)["id"].(string)
	draftRound := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + early.programmeID + "/rounds", Token: early.manager.Token,
		Body: roundBody("MA")}).Map(t)["id"].(string)
	w := newAwardWorld(t, env)
	spare, invitee := env.Applicant(), env.Applicant() // logout-all and password act on spare
	award := w.awards[w.apps[0]]["id"].(string)
	pays := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/awards/" + award + "/payments", Token: w.manager.Token}).Map(t)["data"].([]any)
	pay := pays[0].(map[string]any)["id"].(string)
	inv := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/organisations/" + w.orgID + "/invitations", Token: w.owner.Token,
		Body: map[string]any{"email": invitee.Email, "role": "member"}}).Map(t)["id"].(string)
	m, o, p1 := w.manager.Token, w.owners[0].Token, w.p1.Token
	// The early world's owner signs in again: the clock moved past the life of their token.
	var session struct {
		AccessToken string `json:"access_token"`
	}
	env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/auth/login", Header: map[string]string{"X-Forwarded-For": "198.18.255.1"},
		Body: map[string]any{"email": early.owner.Email, "password": apitest.TestPassword}}).Decode(t, &session)
	em, eo := m, session.AccessToken
	app, dr, org := "/v1/applications/", "/v1/rounds/"+draftRound, "/v1/organisations/"+w.orgID
	return map[string]massTarget{
		"POST /v1/auth/register":                      {"/v1/auth/register", ""},
		"POST /v1/auth/login":                         {"/v1/auth/login", ""},
		"POST /v1/auth/refresh":                       {"/v1/auth/refresh", ""},
		"POST /v1/auth/logout":                        {"/v1/auth/logout", ""},
		"POST /v1/auth/logout-all":                    {"/v1/auth/logout-all", spare.Token},
		"POST /v1/auth/password":                      {"/v1/auth/password", spare.Token},
		"POST /v1/auth/token":                         {"/v1/auth/token", ""},
		"POST /v1/clients":                            {"/v1/clients", m},
		"POST /v1/invitations":                        {"/v1/invitations", m},
		"POST /v1/invitations/accept":                 {"/v1/invitations/accept", ""},
		"POST /v1/organisations":                      {"/v1/organisations", w.owner.Token},
		"PATCH /v1/organisations/:id":                 {org, w.owner.Token},
		"POST /v1/organisations/:id/members":          {org + "/members", m},
		"PUT /v1/organisations/:id/bank-account":      {org + "/bank-account", w.owner.Token},
		"POST /v1/organisations/:id/invitations":      {org + "/invitations", w.owner.Token},
		"POST /v1/me/invitations/:id/accept":          {"/v1/me/invitations/" + inv + "/accept", invitee.Token},
		"POST /v1/programmes":                         {"/v1/programmes", m},
		"PATCH /v1/programmes/:id":                    {"/v1/programmes/" + w.programmeID, m},
		"POST /v1/programmes/:id/rounds":              {"/v1/programmes/" + w.programmeID + "/rounds", m},
		"PATCH /v1/rounds/:id":                        {dr, em},
		"POST /v1/rounds/:id/open":                    {dr + "/open", em},
		"POST /v1/rounds/:id/close":                   {"/v1/rounds/" + open + "/close", em},
		"POST /v1/rounds/:id/start-assessment":        {"/v1/rounds/" + open + "/start-assessment", em},
		"POST /v1/rounds/:id/publish-decisions":       {"/v1/rounds/" + w.roundID + "/publish-decisions", m},
		"POST /v1/rounds/:id/archive":                 {"/v1/rounds/" + w.roundID + "/archive", m},
		"POST /v1/rounds/:id/eligibility-check":       {"/v1/rounds/" + open + "/eligibility-check", ""},
		"PUT /v1/rounds/:id/panel":                    {"/v1/rounds/" + open + "/panel", em},
		"POST /v1/rounds/:id/applications":            {"/v1/rounds/" + open + "/applications", eo},
		"PATCH /v1/applications/:id":                  {app + draftApp, eo},
		"POST /v1/applications/:id/submit":            {app + draftApp + "/submit", eo},
		"POST /v1/applications/:id/withdraw":          {app + draftApp + "/withdraw", eo},
		"POST /v1/applications/:id/request-info":      {app + w.apps[2] + "/request-info", m},
		"POST /v1/applications/:id/mark-ineligible":   {app + w.apps[2] + "/mark-ineligible", m},
		"POST /v1/applications/:id/reinstate":         {app + w.apps[2] + "/reinstate", m},
		"PUT /v1/rounds/:id/conflicts":                {"/v1/rounds/" + w.roundID + "/conflicts", p1},
		"POST /v1/rounds/:id/assignments/auto":        {"/v1/rounds/" + w.roundID + "/assignments/auto", m},
		"POST /v1/assignments":                        {"/v1/assignments", m},
		"PUT /v1/applications/:id/assessment":         {app + w.apps[0] + "/assessment", p1},
		"POST /v1/applications/:id/assessment/submit": {app + w.apps[0] + "/assessment/submit", p1},
		"POST /v1/applications/:id/moderation":        {app + w.apps[0] + "/moderation", m},
		"POST /v1/applications/:id/decision":          {app + w.apps[0] + "/decision", m},
		"POST /v1/awards/:id/accept":                  {"/v1/awards/" + award + "/accept", o},
		"POST /v1/awards/:id/decline":                 {"/v1/awards/" + award + "/decline", o},
		"POST /v1/awards/:id/withdraw":                {"/v1/awards/" + award + "/withdraw", m},
		"PUT /v1/awards/:id/payments":                 {"/v1/awards/" + award + "/payments", m},
		"POST /v1/payments/:id/approve":               {"/v1/payments/" + pay + "/approve", m},
		"POST /v1/payments/:id/mark-paid":             {"/v1/payments/" + pay + "/mark-paid", w.finance.Token},
	}
}

// serverOwned are fields every resource's server sets, refused on every write route whose
// request does not itself carry them.
var serverOwned = []string{"id", "status", "created_at", "updated_at", "version"}

// ownedField is one server-owned field of a route and a value of its type to try.
type ownedField struct {
	name  string
	value any
}

// ownedFields are a write route's server-owned fields, from the contract: every property of
// its success response that its request body does not have, and serverOwned.
func ownedFields(t *testing.T, doc *openapi3.T, route string) []ownedField {
	t.Helper()
	method, path, _ := strings.Cut(route, " ")
	op := contractOperation(doc, method, path)
	if op == nil {
		t.Fatalf("%s is not in openapi.yaml", route)
	}
	request := map[string]*openapi3.Schema{}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			collectProperties(mt.Schema.Value, request)
		}
	}
	response := map[string]*openapi3.Schema{}
	for code, r := range op.Responses.Map() {
		if !strings.HasPrefix(code, "2") || r.Value == nil {
			continue
		}
		if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			collectProperties(mt.Schema.Value, response)
		}
	}
	for _, f := range serverOwned {
		if _, ok := response[f]; !ok {
			response[f] = &openapi3.Schema{Type: &openapi3.Types{"string"}}
		}
	}
	var out []ownedField
	for name, s := range response {
		if _, inRequest := request[name]; !inRequest {
			out = append(out, ownedField{name, sampleValue(s)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

var contractParam = regexp.MustCompile(`\{[^}]+\}|:[A-Za-z0-9_]+`)

// contractOperation finds an Echo route's operation in the contract ({id} and :id alike).
func contractOperation(doc *openapi3.T, method, path string) *openapi3.Operation {
	want := contractParam.ReplaceAllString(path, "{}")
	for p, item := range doc.Paths.Map() {
		if contractParam.ReplaceAllString(p, "{}") == want {
			return item.GetOperation(method)
		}
	}
	return nil
}

func collectProperties(s *openapi3.Schema, into map[string]*openapi3.Schema) {
	if s == nil {
		return
	}
	for name, p := range s.Properties {
		if p != nil {
			into[name] = p.Value
		}
	}
	for _, sub := range s.AllOf {
		collectProperties(sub.Value, into)
	}
}

// sampleValue is a plausible value of a schema's type: what an attacker would send.
func sampleValue(s *openapi3.Schema) any {
	if s == nil || s.Type == nil {
		return "mass-assigned"
	}
	switch {
	case s.Type.Is("integer"), s.Type.Is("number"):
		return 999999
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("array"):
		return []any{}
	case s.Type.Is("object"):
		return map[string]any{}
	case s.Format == "date-time":
		return "2030-01-01T00:00:00Z"
	case s.Format == "date":
		return "2030-01-01"
	case s.Format == "uuid":
		return "01900000-0000-7000-8000-000000000000"
	}
	if len(s.Enum) > 0 {
		return s.Enum[len(s.Enum)-1]
	}
	return "mass-assigned"
}

// otherCase is name with its first letter's case flipped ("status" → "Status").
func otherCase(name string) string {
	r := []rune(name)
	if unicode.IsUpper(r[0]) {
		r[0] = unicode.ToLower(r[0])
	} else {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// massForms are the four ways a server-owned field is smuggled in: the field name the
// refusal must name, the path suffix and the raw body.
var massForms = []struct {
	name string
	make func(f ownedField) (named, query, body string)
}{
	{"exact case", func(f ownedField) (string, string, string) {
		return f.name, "", `{` + jsonKV(f.name, f.value) + `}`
	}},
	{"other case", func(f ownedField) (string, string, string) {
		return otherCase(f.name), "", `{` + jsonKV(otherCase(f.name), f.value) + `}`
	}},
	{"duplicate key", func(f ownedField) (string, string, string) {
		return f.name, "", `{` + jsonKV(f.name, f.value) + `,` + jsonKV(f.name, f.value) + `}`
	}},
	{"query string", func(f ownedField) (string, string, string) {
		v, _ := json.Marshal(f.value)
		return f.name, "?" + url.Values{f.name: {strings.Trim(string(v), `"`)}}.Encode(), `{}`
	}},
}

func jsonKV(k string, v any) string {
	kb, _ := json.Marshal(k)
	vb, _ := json.Marshal(v)
	return string(kb) + ":" + string(vb)
}

// TestMassAssignment sends every write route (POST, PUT, PATCH of the route table) every
// server-owned field of its resource in four forms — exact case, other case, a duplicate key,
// the query string — to a real object as an actor the route lets through: each is 400
// problem+json naming the field, and the database (every row of every table, apitest.State)
// is the same afterwards.
func TestMassAssignment(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(constellate.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel() // each dialect on its own server and database
			env := apitest.New(t, d, trustLoopbackProxy)
			res := evidence(t, "mass-assignment", d, 20, "Mass assignment",
				"Every write endpoint refuses every server-owned field of its resource — exact case, other case, duplicate keys, query string — with 400 problem+json naming the field, and persists nothing.",
				"TestMassAssignment (api/mass_assignment_test.go): the write routes are read from the route table, each sent to a real object as an actor the route lets through; "+
					"the server-owned fields of each are its success response's properties that its request body lacks (from openapi.yaml) plus id, status, created_at, updated_at and version; "+
					"every row of every table fingerprinted before and after each route (apitest.State).")
			targets := massWorld(t, env)
			var routes []string
			for _, r := range env.Server.Routes() {
				if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
					routes = append(routes, r.Method+" "+r.Path)
				}
			}
			ip := 0
			var sent, refused, named, fields, changedRoutes int
			byForm := map[string]int{}
			statuses := map[string]int{}
			for _, route := range routes {
				target, ok := targets[route]
				if !ok {
					t.Errorf("%s is a write route with no target in massWorld (api/mass_assignment_test.go): add one", route)
					continue
				}
				owned := ownedFields(t, doc, route)
				fields += len(owned)
				before := env.State(t)
				for _, f := range owned {
					for _, form := range massForms {
						field, query, body := form.make(f)
						ip++
						r := env.Do(apitest.Req{Method: strings.SplitN(route, " ", 2)[0], Path: target.path + query, Token: target.token, Body: body,
							Header: map[string]string{"X-Forwarded-For": "198.18." + strconv.Itoa(ip/250) + "." + strconv.Itoa(ip%250)}})
						sent++
						statuses[strconv.Itoa(r.Status)]++
						ok := r.Status == http.StatusBadRequest && r.Header.Get("Content-Type") == "application/problem+json"
						if ok {
							refused++
						}
						if ok && problemNames(r, field) {
							named++
							byForm[form.name]++
						} else {
							t.Errorf("%s %s, %s %s: %d, want 400 naming %q: %s", route, target.path+query, form.name, field, r.Status, field, r.Body)
						}
					}
				}
				if changed := before.Diff(env.State(t)); len(changed) > 0 {
					changedRoutes++
					t.Errorf("%s: refused requests changed the tables %s", route, strings.Join(changed, ", "))
				}
			}
			res.Statuses = statuses
			res.Figures = []reliability.Figure{
				figure("write routes covered / in the route table", fmt.Sprintf("%d / %d", len(routes)-missing(routes, targets), len(routes)), "all", missing(routes, targets) == 0),
				info("route × server-owned field pairs", fields),
				info("requests (pairs × 4 forms)", sent),
				figure("refused 400 problem+json naming the field", fmt.Sprintf("%d of %d", named, sent), "all", named == sent && sent > 0),
				info("by form", fmt.Sprintf("exact case %d, other case %d, duplicate key %d, query string %d",
					byForm["exact case"], byForm["other case"], byForm["duplicate key"], byForm["query string"])),
				figure("routes whose refused requests changed a table", changedRoutes, "0", changedRoutes == 0),
			}
			if refused != named {
				res.Notes = append(res.Notes, fmt.Sprintf("%d refusals did not name the field", refused-named))
			}
		})
	}
}

func missing(routes []string, targets map[string]massTarget) int {
	n := 0
	for _, r := range routes {
		if _, ok := targets[r]; !ok {
			n++
		}
	}
	return n
}

// problemNames reports whether a problem document names field in its errors.
func problemNames(r *apitest.Response, field string) bool {
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal(r.Body, &p) != nil {
		return false
	}
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}
