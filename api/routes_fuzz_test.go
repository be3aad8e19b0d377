package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"constellate/api"
	"constellate/api/apitest"
	"constellate/internal/auth"
	"constellate/internal/store/storetest"
)

// The fuzz targets in this file send requests through the real server's handler
// (api.Build's Handler, that is Echo's ServeHTTP with every middleware) on each database,
// against a world with something of every kind in it (fuzzWorld), and hold every reply to
// the same rules:
//
//   - no panic (a panic is a failed input) and no 5xx;
//   - every 4xx is a problem document: application/problem+json, a JSON object whose
//     status is the reply's and with a title;
//   - a 4xx changes nothing: the database (every table but rate_limits, apitest.State) is
//     the same before and after.
//
// FuzzWriteRoutes covers every write route of the route table (api/routes.go), chosen by
// index; FuzzAuthorizationHeader the JWT middleware; FuzzListQueries the query strings of
// every GET route (cursors, filters, limits). Seeds: f.Add below and testdata/fuzz/<Target>.
// A 2xx may change the world (a fuzzed request that is valid does what it says), so later
// inputs meet a changed world; a failing input is reported with the request that failed.

// fuzzActors are the cast, by index: who sends the request (anonymous sends no token).
var fuzzActors = []string{"anonymous", "owner", "member", "other applicant", "panel member", "grants manager", "finance", "finance client"}

// fuzzWorld is one server on one fresh database: a programme with a round that went
// through assessment and decisions (an accepted award with an approved payment, a declined
// application), an open round with a draft application, a draft round, two organisations
// with members, a bank account and a pending invitation, a staff invitation and a machine
// client.
type fuzzWorld struct {
	env   *apitest.Env
	h     http.Handler
	users []*apitest.User // by fuzzActors index; nil for anonymous
	// client is the finance client's token (fuzzActors' last).
	client string
	// ids are path parameter values by the collection segment before the parameter
	// (/v1/organisations/:id → "organisations").
	ids map[string][]string
	// state is the database after the last reply that was allowed to change it.
	state apitest.State
}

// hostileIDs are tried in every path parameter besides the real ids.
var hostileIDs = []string{"not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00", "..%2F..", "9223372036854775808", "-1", "%F0%9F%98%80"}

// newFuzzWorlds builds a fuzzWorld on each database (SQLite, and Postgres when it answers).
func newFuzzWorlds(f *testing.F) []*fuzzWorld {
	var out []*fuzzWorld
	for _, d := range storetest.Dialects(f) {
		out = append(out, buildFuzzWorld(f, apitest.New(f, d)))
	}
	return out
}

func buildFuzzWorld(tb testing.TB, env *apitest.Env) *fuzzWorld {
	tb.Helper()
	manager, owner, member, stranger, p1, finance := env.Manager(), env.Applicant(), env.Applicant(), env.Applicant(), env.Panel(), env.Finance()
	w := &fuzzWorld{env: env, h: env.Server.Handler(), ids: map[string][]string{},
		users: []*apitest.User{nil, &owner, &member, &stranger, &p1, &manager, &finance}}
	do := func(want int, method, path string, u apitest.User, body any) map[string]any {
		tb.Helper()
		r := env.Expect(tb, want, apitest.Req{Method: method, Path: path, Token: u.Token, Body: body})
		var m map[string]any
		if len(r.Body) > 0 && r.Body[0] == '{' {
			r.Decode(tb, &m)
		}
		return m
	}
	id := func(m map[string]any) string { tb.Helper(); return m["id"].(string) }
	add := func(kind string, v ...string) { w.ids[kind] = append(w.ids[kind], v...) }

	// Staff: a pending staff invitation and a machine client of the finance role.
	add("invitations", id(do(201, "POST", "/v1/invitations", manager, map[string]any{"email": "fuzz-staff@example.org", "role": "panel_member"})))
	w.client = env.MachineClient(tb, manager.Token, "fuzz finance system")
	var clients struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	env.Expect(tb, 200, apitest.Req{Method: "GET", Path: "/v1/clients", Token: manager.Token}).Decode(tb, &clients)
	for _, c := range clients.Data {
		add("clients", c.ID)
	}

	// Organisations: the owner's (with the member, by invitation, a bank account and a
	// pending invitation) and the other applicant's.
	org := id(do(201, "POST", "/v1/organisations", owner, map[string]any{"name": "Hillside Peer Support", "legal_form": "unincorporated_association", "region": "london"}))
	other := id(do(201, "POST", "/v1/organisations", stranger, map[string]any{"name": "Canary Collective", "legal_form": "charity", "region": "wales"}))
	add("organisations", org, other)
	inv := id(do(201, "POST", "/v1/organisations/"+org+"/invitations", owner, map[string]any{"email": member.Email, "role": "member"}))
	do(200, "POST", "/v1/me/invitations/"+inv+"/accept", member, nil)
	add("invitations", id(do(201, "POST", "/v1/organisations/"+org+"/invitations", owner, map[string]any{"email": "fuzz-pending@example.org", "role": "member"})))
	add("members", member.ID, owner.ID, stranger.ID)
	do(200, "PUT", "/v1/organisations/"+org+"/bank-account", owner, bankBody("12345678"))
	do(200, "PUT", "/v1/organisations/"+other+"/bank-account", stranger, bankBody("87654321"))

	// The decided round: two submitted applications, assessed, one awarded (accepted, its
	// payment approved), one declined.
	prog := id(do(201, "POST", "/v1/programmes", manager, map[string]any{"name": "Fuzz Fund"}))
	add("programmes", prog)
	decided := id(do(201, "POST", "/v1/programmes/"+prog+"/rounds", manager, roundBody("FZA")))
	do(200, "POST", "/v1/rounds/"+decided+"/open", manager, nil)
	do(200, "PUT", "/v1/rounds/"+decided+"/panel", manager, map[string]any{"user_ids": []string{p1.ID}})
	var apps []string
	for _, s := range []struct {
		u   apitest.User
		org string
	}{{owner, org}, {stranger, other}} {
		app := id(do(201, "POST", "/v1/rounds/"+decided+"/applications", s.u, map[string]any{"organisation_id": s.org}))
		do(200, "PATCH", "/v1/applications/"+app, s.u, complete())
		do(200, "POST", "/v1/applications/"+app+"/submit", s.u, nil)
		apps = append(apps, app)
	}
	env.Clock.Set(time.Date(2025, 3, 31, 18, 0, 0, 0, time.UTC))
	w.reissue(tb)
	do(200, "POST", "/v1/rounds/"+decided+"/start-assessment", manager, nil)
	add("assignments", id(do(201, "POST", "/v1/assignments", manager, map[string]any{"application_id": apps[0], "user_id": p1.ID})))
	do(200, "PUT", "/v1/applications/"+apps[0]+"/assessment", p1, map[string]any{"scores": map[string]any{"need": 4}, "recommendation": "fund"})
	do(200, "POST", "/v1/applications/"+apps[0]+"/assessment/submit", p1, nil)
	do(200, "POST", "/v1/applications/"+apps[0]+"/decision", manager, map[string]any{"outcome": "award", "amount": 200000, "conditions": "Report once."})
	do(200, "POST", "/v1/applications/"+apps[1]+"/decision", manager, map[string]any{"outcome": "decline", "feedback": "Not this time."})
	do(200, "POST", "/v1/rounds/"+decided+"/publish-decisions", manager, nil)
	awards := do(200, "GET", "/v1/awards?round_id="+decided, manager, nil)["data"].([]any)
	for _, a := range awards {
		add("awards", id(a.(map[string]any)))
	}
	award := w.ids["awards"][0]
	do(200, "POST", "/v1/awards/"+award+"/accept", owner, map[string]any{"signed_name": "Jo Reyes"})
	for _, p := range do(200, "GET", "/v1/awards/"+award+"/payments", manager, nil)["data"].([]any) {
		add("payments", id(p.(map[string]any)))
	}
	do(200, "POST", "/v1/payments/"+w.ids["payments"][0]+"/approve", manager, nil)

	// An open round with a draft application of the owner's organisation, and a draft round.
	open := id(do(201, "POST", "/v1/programmes/"+prog+"/rounds", manager, withDates(roundBody("FZB"), "2025-03-01T09:00:00Z", "2025-04-30T17:00:00Z")))
	do(200, "POST", "/v1/rounds/"+open+"/open", manager, nil)
	do(200, "PUT", "/v1/rounds/"+open+"/panel", manager, map[string]any{"user_ids": []string{p1.ID}})
	draft := id(do(201, "POST", "/v1/rounds/"+open+"/applications", owner, map[string]any{"organisation_id": org}))
	do(200, "PATCH", "/v1/applications/"+draft, owner, complete())
	add("rounds", open, decided, id(do(201, "POST", "/v1/programmes/"+prog+"/rounds", manager, roundBody("FZC"))))
	add("applications", draft, apps[0], apps[1])
	add("revisions", "1", "2", "0")

	w.state = env.State(tb)
	return w
}

// withDates sets a round body's opening and closing times.
func withDates(b map[string]any, opens, closes string) map[string]any {
	b["opens_at"], b["closes_at"] = opens, closes
	return b
}

// reissue signs fresh access tokens for the cast: after the clock jumped, and after a
// fuzzed request that was allowed (a password change or logout-all revokes them).
func (w *fuzzWorld) reissue(tb testing.TB) {
	tb.Helper()
	for _, u := range w.users {
		if u == nil {
			continue
		}
		var version int
		if err := w.env.DB.Conn(context.Background()).Raw("SELECT token_version FROM users WHERE id = ?", u.ID).Scan(&version).Error; err != nil {
			tb.Fatal(err)
		}
		tok, err := w.env.Server.Identity.Tokens().Issue(u.ID, auth.Role(u.Role), version, false, "")
		if err != nil {
			tb.Fatal(err)
		}
		u.Token = tok
	}
}

// token is actor's bearer token ("" for anonymous).
func (w *fuzzWorld) token(actor uint8) string {
	i := int(actor) % len(fuzzActors)
	if i == len(fuzzActors)-1 {
		return w.client
	}
	if w.users[i] == nil {
		return ""
	}
	return w.users[i].Token
}

var pathParam = regexp.MustCompile(`/([^/]+)/:[a-z_]+`)

// fillPath puts ids into a route's parameters: for the k-th parameter, the (pick+k)-th of
// the real ids of its collection followed by hostileIDs.
func (w *fuzzWorld) fillPath(route string, pick uint8) string {
	k := 0
	return pathParam.ReplaceAllStringFunc(route, func(m string) string {
		seg := pathParam.FindStringSubmatch(m)[1]
		cands := append(append([]string(nil), w.ids[seg]...), hostileIDs...)
		v := cands[(int(pick)+k)%len(cands)]
		k++
		return "/" + seg + "/" + v
	})
}

// newRequest is the request net/http would hand the server for method, target (a path
// with its query) and the rest, or nil when net/http would refuse it before any handler.
func newRequest(method, target, contentType, header string, body []byte) *http.Request {
	if strings.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '#' }) {
		return nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil
	}
	req := &http.Request{Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Host: "example.org", RemoteAddr: "192.0.2.1:1234", Body: http.NoBody}
	if len(body) > 0 {
		req.Body = httpBody(body)
		req.ContentLength = int64(len(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
	}
	if k, v, ok := strings.Cut(header, ":"); ok && validHeader(k, v) {
		req.Header.Set(k, strings.TrimSpace(v))
	}
	return req.WithContext(context.Background())
}

// send serves req through the whole server and holds the reply to the rules above; a
// reply that may have changed the world refreshes w.state (and the cast's tokens).
func (w *fuzzWorld) send(t *testing.T, req *http.Request, what string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	desc := func() string {
		return string(w.env.Dialect) + ": " + req.Method + " " + req.RequestURI + " (" + what + ")"
	}
	if rec.Code >= 500 {
		t.Fatalf("%s answered %d: %s", desc(), rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		checkProblem(t, desc(), req.Method, rec)
		now := w.env.State(t)
		if diff := w.state.Diff(now); len(diff) > 0 {
			t.Fatalf("%s answered %d and changed %v: %s", desc(), rec.Code, diff, rec.Body)
		}
		return rec
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.state = w.env.State(t)
		w.reissue(t)
	}
	return rec
}

// checkProblem fails t unless rec is an RFC 9457 problem document for its status.
func checkProblem(t *testing.T, desc, method string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s answered %d with Content-Type %q: %s", desc, rec.Code, ct, rec.Body)
	}
	if method == http.MethodHead {
		return
	}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || p.Title == "" || p.Type == "" {
		t.Fatalf("%s answered %d with a body that is not its problem document (%v): %s", desc, rec.Code, err, rec.Body)
	}
}

// writeRoutes is every route of the route table that is not a GET, in a fixed order.
func writeRoutes(srv *api.Server) []api.RouteInfo {
	var out []api.RouteInfo
	for _, r := range srv.Routes() {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path+out[i].Method < out[j].Path+out[j].Method })
	return out
}

// FuzzWriteRoutes sends fuzzed bodies, query strings and headers to every write route
// (route: an index into writeRoutes, so a new route is fuzzed as soon as it is in the
// table) as every actor, with real and hostile ids in its path.
func FuzzWriteRoutes(f *testing.F) {
	worlds := newFuzzWorlds(f)
	routes := writeRoutes(worlds[0].env.Server)
	index := map[string]uint16{}
	for i, r := range routes {
		index[r.Method+" "+r.Path] = uint16(i)
	}
	seed := func(route string, actor, pick uint8, query, header, body string) {
		i, ok := index[route]
		if !ok {
			f.Fatalf("seed for %s: no such write route", route)
		}
		f.Add(i, actor, pick, query, header, []byte(body))
	}
	const owner, member, stranger, panel, manager, finance = 1, 2, 3, 4, 5, 6
	// Every write route, as the manager and as the owner, with the first real ids.
	for i := range routes {
		f.Add(uint16(i), uint8(manager), uint8(0), "", "", []byte(`{}`))
		f.Add(uint16(i), uint8(owner), uint8(0), "", "", []byte(`{"name":"x","name":"y"}`))
	}
	seed("PATCH /v1/applications/:id", owner, 0, "", "If-Match: \"1\"", `{"title":"Cafés ☕","answers":{"about":"\u202eRTL"}}`)
	seed("PATCH /v1/applications/:id", owner, 0, "", "", `{"requested_amount":1e400}`)
	seed("PATCH /v1/applications/:id", member, 0, "", "", `{"answers":{"about":null}}`)
	seed("PATCH /v1/applications/:id", owner, 0, "", "", `{"id":"00000000-0000-0000-0000-000000000000","status":"awarded"}`)
	seed("POST /v1/applications/:id/submit", owner, 0, "status=submitted", "Idempotency-Key: k1", ``)
	seed("POST /v1/applications/:id/withdraw", stranger, 0, "", "", `{"reason":"x"}`)
	seed("POST /v1/applications/:id/decision", manager, 1, "", "", `{"outcome":"award","amount":-1}`)
	seed("POST /v1/applications/:id/decision", manager, 1, "", "", `{"outcome":"award","amount":9223372036854775808}`)
	seed("POST /v1/applications/:id/decision", manager, 1, "", "", `{"outcome":"award","amount":1.5}`)
	seed("PUT /v1/applications/:id/assessment", panel, 1, "", "", `{"scores":{"need":"4"},"recommendation":"fund"}`)
	seed("POST /v1/applications/:id/moderation", manager, 1, "", "", `{"score":101}`)
	seed("POST /v1/rounds/:id/applications", owner, 0, "", "Content-Type: text/plain", `{"organisation_id":"x"}`)
	seed("PATCH /v1/rounds/:id", manager, 2, "", "If-Match: W/\"1\"", `{"budget":-5,"closes_at":"9999-12-31T23:59:60Z"}`)
	seed("PUT /v1/rounds/:id/panel", manager, 0, "", "", `{"user_ids":["`+strings.Repeat("a", 64)+`"]}`)
	seed("PUT /v1/rounds/:id/conflicts", panel, 0, "", "", `{"application_ids":[null]}`)
	seed("POST /v1/rounds/:id/eligibility-check", 0, 0, "", "", `{"answers":{"user_led":"yes"}}`)
	seed("POST /v1/programmes/:id/rounds", manager, 0, "", "", `{"name":"R","reference_prefix":"'; DROP TABLE rounds;--","currency":"GBP","budget":1}`)
	seed("PATCH /v1/programmes/:id", manager, 0, "", "", `[]`)
	seed("PATCH /v1/organisations/:id", owner, 0, "", "", `{"name":"\xff\xfe"}`)
	seed("PUT /v1/organisations/:id/bank-account", owner, 0, "", "", `{"account_name":"A","sort_code":"12-34-5","account_number":"1234567","held_by":"organisation"}`)
	seed("POST /v1/organisations/:id/invitations", owner, 0, "", "", `{"email":"not an email","role":"owner"}`)
	seed("DELETE /v1/organisations/:id/members/:user_id", member, 0, "", "", ``)
	seed("POST /v1/awards/:id/accept", owner, 0, "", "", `{"signed_name":"`+strings.Repeat("n", 5000)+`"}`)
	seed("PUT /v1/awards/:id/payments", manager, 0, "", "", `{"instalments":[{"amount":0,"due_date":"2025-02-30"}]}`)
	seed("POST /v1/payments/:id/mark-paid", finance, 0, "", "", `{"paid_on":"31/03/2025","reference":"<script>"}`)
	seed("POST /v1/payments/:id/mark-paid", 7, 0, "", "", `{"paid_on":"2025-03-31","reference":"=HYPERLINK()"}`)
	seed("POST /v1/auth/login", 0, 0, "", "", `{"email":"a@example.org","password":"`+strings.Repeat("p", 1000)+`"}`)
	seed("POST /v1/auth/refresh", 0, 0, "", "Cookie: constellate_refresh=abc", `{"refresh_token":"abc"}`)
	seed("POST /v1/auth/token", 0, 0, "", "Content-Type: application/x-www-form-urlencoded", `grant_type=client_credentials&client_id=x&client_secret=y`)
	seed("POST /v1/invitations/accept", 0, 0, "", "", `{"token":"","password":"x"}`)
	seed("POST /v1/assignments", manager, 0, "", "", `{"application_id":"not-a-uuid","user_id":""}`)
	seed("DELETE /v1/clients/:id", manager, 3, "", "", ``)
	f.Fuzz(func(t *testing.T, route uint16, actor, pick uint8, query, header string, body []byte) {
		r := routes[int(route)%len(routes)]
		for _, w := range worlds {
			target := w.fillPath(r.Path, pick)
			if query != "" {
				target += "?" + query
			}
			req := newRequest(r.Method, target, "application/json", header, body)
			if req == nil {
				return // net/http refuses it before any handler runs
			}
			if tok := w.token(actor); tok != "" && req.Header.Get("Authorization") == "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			w.send(t, req, fuzzActors[int(actor)%len(fuzzActors)]+", body "+truncateFuzz(body))
		}
	})
}

// forgedAuthorization builds an Authorization header from the fuzzed text and a real
// token, by mode: the text as a bearer token or as the whole header; a real token with its
// header, claims or signature replaced, spliced or extended; alg "none"; and huge tokens.
func forgedAuthorization(mode uint8, text, real string) string {
	b64 := base64.RawURLEncoding.EncodeToString
	parts := strings.SplitN(real, ".", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	switch mode % 9 {
	case 0:
		return "Bearer " + text
	case 1:
		return text
	case 2: // the header replaced: alg confusion, kid games
		return "Bearer " + b64([]byte(text)) + "." + parts[1] + "." + parts[2]
	case 3: // the claims replaced: another subject, role or expiry under the real signature
		return "Bearer " + parts[0] + "." + b64([]byte(text)) + "." + parts[2]
	case 4: // alg none, the claims fuzzed, no signature
		return "Bearer " + b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64([]byte(text)) + "."
	case 5: // the text spliced into the real token
		at := len(text) % (len(real) + 1)
		return "Bearer " + real[:at] + text + real[at:]
	case 6: // huge: the text (or dots, CVE-2025-30204) repeated up to 256 KiB
		unit := text
		if unit == "" {
			unit = "."
		}
		return "Bearer " + strings.Repeat(unit, max(1, (256<<10)/len(unit)))
	case 7: // the signature replaced
		return "Bearer " + parts[0] + "." + parts[1] + "." + text
	default: // another scheme, or the scheme's case changed
		return text + " " + real
	}
}

// authRoutes are what FuzzAuthorizationHeader calls: reads and writes behind each kind of
// access policy. The writes' bodies fail validation once past authorization, so an allowed
// call changes nothing either. A public route answers anyone, so there a token the server
// never signed must get exactly what no token gets.
var authRoutes = []struct {
	method, path, body string
	public             bool
}{
	{"GET", "/v1/me", "", false},
	{"GET", "/v1/applications?limit=1", "", false},
	{"GET", "/v1/audit-events?limit=1", "", false},
	{"POST", "/v1/programmes", `{}`, false},
	{"POST", "/v1/auth/password", `{}`, false},
	{"GET", "/v1/rounds", "", true},
	{"GET", "/v1/rounds/:id", "", true},
}

// FuzzAuthorizationHeader sends forged, malformed and huge Authorization headers (see
// forgedAuthorization) to routes behind every kind of policy: besides the common rules, a
// request is only ever allowed with a token whose header and claims are exactly those of a
// token the server signed.
func FuzzAuthorizationHeader(f *testing.F) {
	worlds := newFuzzWorlds(f)
	for _, s := range []struct {
		mode, route uint8
		text        string
	}{
		{0, 0, ""}, {0, 0, "x"}, {0, 0, "eyJhbGciOiJub25lIn0.e30."}, {1, 0, "Bearer"}, {1, 0, "Basic dXNlcjpwYXNz"},
		{2, 0, `{"alg":"none"}`}, {2, 3, `{"alg":"HS256","typ":"JWT"}`}, {2, 0, `{"alg":"RS256","kid":"../../etc/passwd"}`},
		{2, 0, `{"alg":"EdDSA","crit":["exp"]}`}, {3, 3, `{"sub":"00000000-0000-0000-0000-000000000000","role":"grants_manager","exp":99999999999}`},
		{3, 2, `{"role":"grants_manager"}`}, {3, 0, `[]`}, {4, 3, `{"sub":"x","role":"grants_manager","exp":99999999999}`},
		{5, 0, "."}, {5, 1, "A"}, {6, 0, ""}, {6, 0, "a."}, {7, 0, ""}, {7, 0, "AAAA"}, {8, 0, "bearer"}, {8, 0, "Bearer  "},
		{0, 4, strings.Repeat("e", 8193)}, {0, 5, "\u00e9\u00e9.\u00e9.\u00e9"},
	} {
		f.Add(s.mode, s.route, s.text)
	}
	f.Fuzz(func(t *testing.T, mode, route uint8, text string) {
		r := authRoutes[int(route)%len(authRoutes)]
		for _, w := range worlds {
			real := w.token(5) // the grants manager's, the widest access
			hdr := forgedAuthorization(mode, text, real)
			if !validHeader("Authorization", hdr) {
				return // not a header net/http would pass on
			}
			var body []byte
			if r.body != "" {
				body = []byte(r.body)
			}
			path := w.fillPath(r.path, 0)
			req := newRequest(r.method, path, "application/json", "", body)
			req.Header.Set("Authorization", hdr)
			rec := w.send(t, req, "mode "+strconv.Itoa(int(mode%9)))
			if rec.Code >= 400 || w.signed(hdr) {
				continue
			}
			if !r.public {
				t.Fatalf("%s: %s %s allowed (%d) with a token the server never signed: %s", w.env.Dialect, r.method, path, rec.Code, truncateFuzz([]byte(hdr)))
			}
			anon := w.send(t, newRequest(r.method, path, "application/json", "", body), "no token")
			if anon.Code != rec.Code || !bytes.Equal(anon.Body.Bytes(), rec.Body.Bytes()) {
				t.Fatalf("%s: %s %s with a token the server never signed (%s) answered %d %s; with no token %d %s",
					w.env.Dialect, r.method, path, truncateFuzz([]byte(hdr)), rec.Code, rec.Body, anon.Code, anon.Body)
			}
		}
	})
}

// signed reports whether the bearer token in hdr carries exactly the header and claims of
// one of the cast's tokens (the signature may differ only in bits base64 ignores).
func (w *fuzzWorld) signed(hdr string) bool {
	_, tok, ok := strings.Cut(hdr, " ")
	if !ok {
		return false
	}
	head := func(tok string) (string, bool) {
		p := strings.Split(strings.TrimSpace(tok), ".")
		if len(p) != 3 {
			return "", false
		}
		h, err1 := base64.RawURLEncoding.DecodeString(p[0])
		c, err2 := base64.RawURLEncoding.DecodeString(p[1])
		return string(h) + "." + string(c), err1 == nil && err2 == nil
	}
	got, ok := head(tok)
	if !ok {
		return false
	}
	for i := range fuzzActors {
		if want, ok := head(w.token(uint8(i))); ok && want == got {
			return true
		}
	}
	return false
}

// getRoutes is every GET route of the route table, in a fixed order.
func getRoutes(srv *api.Server) []api.RouteInfo {
	var out []api.RouteInfo
	for _, r := range srv.Routes() {
		if r.Method == http.MethodGet {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// FuzzListQueries sends fuzzed query strings to every GET route as every actor: the raw
// query, plus a cursor (sent as given, or wrapped as the server wraps its own, so the
// fuzzer reaches the key inside) and, by pick's top bit, Accept: text/csv. A read changes
// nothing, whatever its status.
func FuzzListQueries(f *testing.F) {
	worlds := newFuzzWorlds(f)
	routes := getRoutes(worlds[0].env.Server)
	index := map[string]uint8{}
	for i, r := range routes {
		index[r.Path] = uint8(i)
	}
	seed := func(path string, actor, pick uint8, query, cursor string) {
		i, ok := index[path]
		if !ok {
			f.Fatalf("seed for GET %s: no such route", path)
		}
		f.Add(i, actor, pick, query, cursor)
	}
	const wrapCursor, csv = 0x40, 0x80
	seed("/v1/applications", 5, 0, "limit=1", "")
	seed("/v1/applications", 5, 0, "status=submitted&round_id=x&q=%27%20OR%201=1", "")
	seed("/v1/applications", 1, wrapCursor, "limit=200", "00000000-0000-0000-0000-000000000000")
	seed("/v1/applications", 5, wrapCursor, "", "' OR 1=1 --")
	seed("/v1/audit-events", 5, 0, "limit=0&action=%00&entity_id=..", "zz")
	seed("/v1/audit-events", 5, 0, "limit=201", "YzE6")
	seed("/v1/audit-events", 5, 0, "limit=-1&limit=2", "YzE6Li4v")
	seed("/v1/awards", 6, csv, "updated_since=1970-01-01T00:00:00Z&limit=1", "")
	seed("/v1/awards", 6, 0, "updated_since=10000-01-01T00:00:00Z", "")
	seed("/v1/awards", 7, 0, "updated_since=2025-13-45", "")
	seed("/v1/payments", 6, csv, "status=paid&round_id=00000000-0000-0000-0000-000000000000", "")
	seed("/v1/rounds", 0, 0, "status=open&programme_id=%ff", "")
	seed("/v1/rounds", 0, wrapCursor, "", "\x00")
	seed("/v1/programmes", 5, 0, "limit=9223372036854775808", "")
	seed("/v1/organisations", 1, 0, "limit=1&limit=1", "")
	seed("/v1/assignments", 4, 0, "round_id=&user_id=", "")
	seed("/v1/exports/360giving", 5, 0, "round_id=x&format=csv", "")
	seed("/v1/rounds/:id/decisions", 5, 1, "", "=")
	seed("/v1/rounds/:id/ranking", 5, 1, "sort=score;DROP", "")
	seed("/v1/applications/:id/revisions/:n/diff", 1, 0, "against=-1", "")
	seed("/v1/awards/:id/agreement", 1, 0, "", "")
	seed("/v1/me/invitations", 2, 0, "limit=1", "a")
	for i := range routes {
		f.Add(uint8(i), uint8(5), uint8(0), "limit=1", "")
	}
	f.Fuzz(func(t *testing.T, route, actor, pick uint8, query, cursor string) {
		r := routes[int(route)%len(routes)]
		for _, w := range worlds {
			target := w.fillPath(r.Path, pick&0x3f)
			q := query
			if cursor != "" {
				c := cursor
				if pick&wrapCursor != 0 {
					c = base64.RawURLEncoding.EncodeToString([]byte("c1:" + cursor))
				}
				if q != "" {
					q += "&"
				}
				q += "cursor=" + url.QueryEscape(c)
			}
			if q != "" {
				target += "?" + q
			}
			req := newRequest(http.MethodGet, target, "", "", nil)
			if req == nil {
				return
			}
			if pick&csv != 0 {
				req.Header.Set("Accept", "text/csv")
			}
			if tok := w.token(actor); tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			rec := w.send(t, req, fuzzActors[int(actor)%len(fuzzActors)])
			if rec.Code < 400 {
				if now := w.env.State(t); len(w.state.Diff(now)) > 0 {
					t.Fatalf("%s: GET %s answered %d and changed %v", w.env.Dialect, target, rec.Code, w.state.Diff(now))
				}
				if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && !json.Valid(rec.Body.Bytes()) {
					t.Fatalf("%s: GET %s answered %d with invalid JSON: %s", w.env.Dialect, target, rec.Code, rec.Body)
				}
			}
		}
	})
}

// truncateFuzz quotes the start of a fuzzed input for a failure message.
func truncateFuzz(b []byte) string {
	const n = 200
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "…"
	}
	return strconv.Quote(string(b))
}
