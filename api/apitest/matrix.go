package apitest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Actor is one column of an authorization matrix: a role and, where it matters, the caller's
// relation to the objects the matrix's rows touch (SECURITY.md, "Object-level authorization").
type Actor string

// The actors. Relations are to "the organisation" and "the round" a matrix is about.
const (
	Anonymous      Actor = "anonymous"       // no token at all
	Owner          Actor = "owner"           // applicant, an owner of the organisation
	Member         Actor = "member"          // applicant, a plain member of the organisation
	OtherApplicant Actor = "other_applicant" // applicant, owner of another organisation
	PanelOnRound   Actor = "panel_on_round"  // panel member on the round's panel
	PanelOffRound  Actor = "panel_off_round" // panel member not on the round's panel
	GrantsManager  Actor = "grants_manager"
	FinanceUser    Actor = "finance"        // a person with the finance role
	FinanceClient  Actor = "finance_client" // a machine client: client-credentials token, role finance

	// The assessment capability's relations to an application, for its matrices' columns:
	// a panel member assigned to it, one on the panel but not assigned, one who declared a
	// conflict of interest.
	PanelAssigned   Actor = "panel_assigned"
	PanelUnassigned Actor = "panel_unassigned"
	PanelConflicted Actor = "panel_conflicted"
)

// StandardActors are the columns every matrix drives today, in the order of Row.Want. A new
// actor is added here (and to each matrix's rows and cast) or to one matrix's Actors.
var StandardActors = []Actor{Anonymous, Owner, Member, OtherApplicant, PanelOnRound, PanelOffRound, GrantsManager, FinanceUser, FinanceClient}

// Cast is who plays each actor: a bearer token per actor (Anonymous plays without one).
type Cast map[Actor]string

// Row is one request of a matrix and the exact status each actor gets for it.
type Row struct {
	// Name tells rows of the same route apart in failures ("on a draft"); optional.
	Name string
	// Route is the route-table entry the row exercises, "METHOD /echo/template", e.g.
	// "GET /v1/applications/:id"; the route coverage test counts rows by it.
	Route string
	// Path is the concrete path sent (it may carry a query); it must match Route.
	Path   string
	Body   any
	Header map[string]string
	// Vary, if set, adjusts each cell's request: a fresh email per registration, say.
	Vary func(r *Req)
	// Want is the status per actor, in the order of Matrix.Actors.
	Want []int
}

// Canary is a string planted in data only some actors may see: it must never appear in a
// response body to any other actor, whatever the route.
type Canary struct {
	Text   string
	SeenBy []Actor
}

// Matrix is routes × actors with the exact expected status per cell.
type Matrix struct {
	// Actors are the columns; nil means StandardActors.
	Actors   []Actor
	Cast     Cast
	Rows     []Row
	Canaries []Canary
	// Snapshot renders the state refused requests must not change. Run takes it before and
	// after all refused cells (every cell whose expected status is not 2xx), which run before
	// any allowed cell, so an allowed write can neither hide nor cause a difference.
	Snapshot func(t testing.TB) string
}

// Run drives every cell as a subtest of t named phase/row/actor, so a failure names its cell:
// first the refused cells, then the snapshot comparison, then the allowed cells in row order.
// Structural mistakes in the matrix (a missing token, a path that is not its route, a route
// the server does not have, a row with the wrong number of cells) fail before any request.
// Every refused cell of a write method is also held to the database itself: Env.State before
// and after the request must be equal (the cells of a phase run one after another).
// It returns what it asserted, for docs/reliability.md.
func (m Matrix) Run(t *testing.T, env *Env) *Tally {
	t.Helper()
	m.check(t, env)
	tally := newTally()
	for _, r := range m.Rows {
		tally.Routes[r.Route] = true
		for _, a := range m.actors() {
			tally.Pairs[r.Route+" as "+string(a)] = true
		}
	}
	for _, a := range m.actors() {
		tally.Actors[a] = true
	}
	var before string
	if m.Snapshot != nil {
		before = m.Snapshot(t)
	}
	m.phase(t, env, tally, "refused", func(status int) bool { return !allowed(status) })
	if m.Snapshot != nil {
		if after := m.Snapshot(t); after != before {
			t.Errorf("refused requests changed state:\nbefore: %s\nafter:  %s", before, after)
			tally.SnapshotChanged++
		}
	}
	m.phase(t, env, tally, "allowed", allowed)
	return tally
}

// Routes are the route-table entries the matrix's rows exercise.
func (m Matrix) Routes() []string {
	out := make([]string, len(m.Rows))
	for i, r := range m.Rows {
		out[i] = r.Route
	}
	return out
}

func allowed(status int) bool { return status >= 200 && status < 300 }

func (m Matrix) actors() []Actor {
	if m.Actors == nil {
		return StandardActors
	}
	return m.Actors
}

func (m Matrix) check(t *testing.T, env *Env) {
	t.Helper()
	table := map[string]bool{}
	for _, r := range env.Server.Routes() {
		table[r.Method+" "+r.Path] = true
	}
	for _, a := range m.actors() {
		// A forgotten token would silently test the anonymous caller instead.
		if tok, ok := m.Cast[a]; (a == Anonymous) != (!ok || tok == "") {
			t.Fatalf("matrix: the cast's token for %s is %q", a, tok)
		}
	}
	for _, r := range m.Rows {
		if len(r.Want) != len(m.actors()) {
			t.Fatalf("matrix: %s has %d cells for %d actors", r.name(), len(r.Want), len(m.actors()))
		}
		if !table[r.Route] {
			t.Fatalf("matrix: %s is not in the route table (api/routes.go)", r.Route)
		}
		if !RouteMatches(r.Route, r.method(), r.Path) {
			t.Fatalf("matrix: %s %s is not an instance of %s", r.method(), r.Path, r.Route)
		}
	}
}

func (m Matrix) phase(t *testing.T, env *Env, tally *Tally, name string, in func(int) bool) {
	t.Helper()
	some := false
	for _, row := range m.Rows {
		some = some || row.any(in)
	}
	if !some {
		return
	}
	t.Run(name, func(t *testing.T) {
		for _, row := range m.Rows {
			if !row.any(in) {
				continue
			}
			t.Run(row.name(), func(t *testing.T) {
				for i, a := range m.actors() {
					if in(row.Want[i]) {
						t.Run(string(a), func(t *testing.T) { m.cell(t, env, tally, row, a, row.Want[i]) })
					}
				}
			})
		}
	})
}

func (m Matrix) cell(t *testing.T, env *Env, tally *Tally, row Row, a Actor, want int) {
	t.Helper()
	req := Req{Method: row.method(), Path: row.Path, Body: row.Body, Header: map[string]string{}}
	for k, v := range row.Header {
		req.Header[k] = v
	}
	if row.Vary != nil {
		row.Vary(&req)
	}
	req.Token = m.Cast[a]
	write := req.Method != http.MethodGet && req.Method != http.MethodHead
	var before State
	if write && !allowed(want) {
		before = env.State(t)
	}
	resp := env.do(t, req)
	tally.count(func(tl *Tally) {
		tl.Cells++
		if !allowed(want) {
			tl.Refused++
			if allowed(resp.Status) {
				tl.Unexpected2xx++
			}
		}
		if resp.Status != want {
			tl.WrongStatus++
		}
	})
	if resp.Status != want {
		t.Errorf("%s %s as %s: status %d, want %d; body: %s", req.Method, req.Path, a, resp.Status, want, truncate(resp.Body))
	}
	if before != nil {
		changed := before.Diff(env.State(t))
		tally.count(func(tl *Tally) {
			tl.RefusedWrites++
			if len(changed) > 0 {
				tl.RefusedWritesChanged++
			}
		})
		if len(changed) > 0 {
			t.Errorf("%s %s as %s, refused with %d, changed the tables %s", req.Method, req.Path, a, resp.Status, strings.Join(changed, ", "))
		}
	}
	// A problem document's instance member echoes the request's own path: what the caller
	// sent is not a leak, so the path is taken out before the canaries are looked for.
	body := strings.ReplaceAll(string(resp.Body), req.Path, "")
	if esc, err := json.Marshal(req.Path); err == nil {
		body = strings.ReplaceAll(body, strings.Trim(string(esc), `"`), "")
	}
	for _, c := range m.Canaries {
		if c.seenBy(a) {
			continue
		}
		leaked := strings.Contains(body, c.Text)
		tally.count(func(tl *Tally) {
			tl.CanaryChecks++
			if leaked {
				tl.Leaks++
			}
		})
		if leaked {
			t.Errorf("%s %s as %s: the canary %q leaked: %s", req.Method, req.Path, a, c.Text, truncate(resp.Body))
		}
	}
}

func (r Row) method() string { m, _, _ := strings.Cut(r.Route, " "); return m }

func (r Row) name() string {
	if r.Name != "" {
		return r.Route + " " + r.Name
	}
	return r.Route
}

func (r Row) any(in func(int) bool) bool {
	for _, s := range r.Want {
		if in(s) {
			return true
		}
	}
	return false
}

func (c Canary) seenBy(a Actor) bool {
	for _, s := range c.SeenBy {
		if s == a {
			return true
		}
	}
	return false
}

var templateParam = regexp.MustCompile(`:[A-Za-z0-9_]+|\*`)

// RouteMatches reports whether method and path (a query is ignored) are an instance of route,
// "METHOD /template" in Echo's syntax (:param is one segment, a trailing * anything).
func RouteMatches(route, method, path string) bool {
	rm, tmpl, ok := strings.Cut(route, " ")
	if !ok || rm != method {
		return false
	}
	path, _, _ = strings.Cut(path, "?")
	var pattern strings.Builder
	last := 0
	for _, loc := range templateParam.FindAllStringIndex(tmpl, -1) {
		pattern.WriteString(regexp.QuoteMeta(tmpl[last:loc[0]]))
		if tmpl[loc[0]] == '*' {
			pattern.WriteString(`.+`)
		} else {
			pattern.WriteString(`[^/]+`)
		}
		last = loc[1]
	}
	pattern.WriteString(regexp.QuoteMeta(tmpl[last:]))
	return regexp.MustCompile(`^` + pattern.String() + `$`).MatchString(path)
}

// MachineClient creates a machine client as the grants manager whose token is given and
// returns an access token from POST /v1/auth/token (client credentials, role finance).
func (e *Env) MachineClient(t testing.TB, managerToken, name string) string {
	t.Helper()
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	e.Expect(t, http.StatusCreated, Req{Method: http.MethodPost, Path: "/v1/clients", Token: managerToken, Body: map[string]string{"name": name}}).Decode(t, &c)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	e.Expect(t, http.StatusOK, Req{Method: http.MethodPost, Path: "/v1/auth/token",
		Body: map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret}}).Decode(t, &tok)
	return tok.AccessToken
}
