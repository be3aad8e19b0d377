package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"constellate/api/apitest"
)

// appProblems is what a test reads of an application's problems: field:code, sorted.
func appProblems(t *testing.T, r *apitest.Response) []string {
	t.Helper()
	var a struct {
		Problems []struct{ Field, Code, Message string }
	}
	r.Decode(t, &a)
	out := []string{}
	for _, p := range a.Problems {
		if p.Message == "" {
			t.Errorf("problem %s:%s has no message", p.Field, p.Code)
		}
		out = append(out, p.Field+":"+p.Code)
	}
	sort.Strings(out)
	return out
}

func problemDetail(t *testing.T, r *apitest.Response) string {
	t.Helper()
	return fmt.Sprint(r.Map(t)["detail"])
}

// TestApplicationAutosaveNeverLosesWords: a PATCH stores what it is sent even over the
// limits, of the wrong shape or outside the round's range, answering 200 with the
// problems; the problems endpoint says the same without submitting; submit refuses until
// they are fixed.
func TestApplicationAutosaveNeverLosesWords(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		id := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		path := "/v1/applications/" + id
		eleven := "one two three four five six seven eight nine ten eleven" // max_words is 10

		// Over the word limit, of the wrong shape, above max_grant: all stored, all listed.
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: map[string]any{
			"requested_amount": 600000, "answers": map[string]any{"about": eleven, "user_led": "yes", "people": 0}}})
		a := r.Map(t)
		answers := a["answers"].(map[string]any)
		if answers["about"] != eleven || answers["user_led"] != "yes" || answers["people"] != float64(0) || a["requested_amount"] != float64(600000) {
			t.Fatalf("not stored as sent: %v", a)
		}
		want := "answers.about:too_long answers.people:out_of_range answers.user_led:wrong_type requested_amount:out_of_range title:required"
		if got := strings.Join(appProblems(t, r), " "); got != want {
			t.Errorf("problems after the save: %s\nwant %s", got, want)
		}
		// The application read again, by the group and by a manager, lists the same.
		for _, u := range []apitest.User{w.member, w.manager} {
			if got := strings.Join(appProblems(t, env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: u.Token})), " "); got != want {
				t.Errorf("%s reads problems %s", u.Role, got)
			}
		}
		// What's left to do, without submitting.
		check := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/problems", Token: w.owner.Token})
		c := check.Map(t)
		if c["submittable"] != false || c["blocker"] != nil || c["status"] != "draft" || c["application_id"] != id {
			t.Errorf("problems endpoint: %v", c)
		}
		if got := strings.Join(appProblems(t, check), " "); got != want {
			t.Errorf("problems endpoint lists %s", got)
		}
		// Submit refuses, naming every field.
		sub := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token})
		if got := strings.Join(problemFields(t, sub), " "); got != "answers.about answers.people answers.user_led requested_amount title" {
			t.Errorf("submit refused naming %s", got)
		}

		// requested_amount below min_grant is a problem at save time, not only at submit.
		r = env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: map[string]any{"requested_amount": 100}})
		if got := appProblems(t, r); !hasString(got, "requested_amount:out_of_range") {
			t.Errorf("an amount below min_grant: %v", got)
		}

		// Fixed: no problems left, submittable, submitted.
		r = env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: map[string]any{
			"title": "Peer support cafés", "requested_amount": 250000,
			"answers": map[string]any{"about": "We meet weekly.", "user_led": true, "people": 12}}})
		if got := appProblems(t, r); len(got) != 0 {
			t.Errorf("problems once fixed: %v", got)
		}
		if c := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/problems", Token: w.manager.Token}).Map(t); c["submittable"] != true || c["blocker"] != nil {
			t.Errorf("problems endpoint once fixed: %v", c)
		}
		a = env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token}).Map(t)
		if a["status"] != "submitted" || len(a["problems"].([]any)) != 0 {
			t.Fatalf("submitted: %v", a)
		}
		// Submitted: nothing left to change, and the friendlier 409 says when.
		c = env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/problems", Token: w.owner.Token}).Map(t)
		if c["submittable"] != false || !strings.Contains(fmt.Sprint(c["blocker"]), "already submitted on 10 March 2025 at 12:00 UTC") {
			t.Errorf("problems endpoint after submission: %v", c)
		}
		again := env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.member.Token})
		if d := problemDetail(t, again); !strings.HasPrefix(d, "this application was already submitted on 10 March 2025 at 12:00 UTC") {
			t.Errorf("submitting again: %q", d)
		}

		// Who may ask: the group and managers; not another group, a panel member or finance.
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: path + "/problems", Token: w.stranger.Token})
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: "GET", Path: path + "/problems", Token: w.panel.Token})
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: "GET", Path: path + "/problems", Token: w.finance.Token})
	})
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestApplicationInformationRequestAndDiff: the funder's question is on the application;
// the group answers it by resubmitting with a response, kept with revision 2; the manager
// reads revision 2 against revision 1 field by field beside the response.
func TestApplicationInformationRequestAndDiff(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		id := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		path := "/v1/applications/" + id
		first := complete()
		first["answers"].(map[string]any)["contact"] = "hi@hillside.example.org"
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: first})
		a := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token}).Map(t)
		if a["information_request"] != nil {
			t.Errorf("information_request before any: %v", a["information_request"])
		}
		for _, n := range []string{"1", "2"} {
			env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: path + "/revisions/" + n + "/diff", Token: w.manager.Token})
		}
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: path + "/revisions/0/diff", Token: w.manager.Token})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: path + "/revisions/two/diff", Token: w.manager.Token})

		w.travel(t, time.Date(2025, 3, 12, 9, 30, 0, 0, time.UTC))
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/request-info", Token: w.manager.Token,
			Body: map[string]any{"message": "Please tell us who runs the cafés."}})
		a = w.get(t, w.owner, id)
		ir, _ := a["information_request"].(map[string]any)
		if ir["message"] != "Please tell us who runs the cafés." || !strings.HasPrefix(fmt.Sprint(ir["requested_at"]), "2025-03-12T09:30:00") ||
			ir["requested_by_role"] != "grants_manager" || ir["answered_at"] != nil || ir["response"] != nil {
			t.Errorf("the group sees the request as %v", ir)
		}

		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.member.Token, Body: map[string]any{
			"summary": "Weekly cafés, run by members in turn.",
			"answers": map[string]any{"about": "Members run the cafés together.", "video": "https://video.example.org/v/1", "contact": ""}}})
		r := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.member.Token,
			Body: map[string]any{"response": "  "}})
		if got := strings.Join(problemFields(t, r), " "); got != "response" {
			t.Errorf("a resubmission without a response: %s", got)
		}
		w.travel(t, time.Date(2025, 3, 13, 10, 0, 0, 0, time.UTC))
		a = env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.member.Token,
			Body: map[string]any{"response": "Members take turns; the video shows one."}}).Map(t)
		ir, _ = a["information_request"].(map[string]any)
		if a["revision"] != float64(2) || ir["message"] != "Please tell us who runs the cafés." || !strings.HasPrefix(fmt.Sprint(ir["answered_at"]), "2025-03-13T10:00:00") ||
			ir["response"] != "Members take turns; the video shows one." {
			t.Errorf("after the resubmission: revision %v, information_request %v", a["revision"], ir)
		}

		diff := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/revisions/2/diff", Token: w.manager.Token}).Map(t)
		if diff["number"] != float64(2) || diff["against"] != float64(1) || diff["response"] != "Members take turns; the video shows one." ||
			diff["request_message"] != "Please tell us who runs the cafés." || !strings.HasPrefix(fmt.Sprint(diff["submitted_at"]), "2025-03-13T10:00:00") {
			t.Errorf("diff: %v", diff)
		}
		var changes []string
		for _, c := range diff["changes"].([]any) {
			m := c.(map[string]any)
			changes = append(changes, fmt.Sprintf("%s %s %v→%v", m["field"], m["change"], m["before"], m["after"]))
		}
		wantChanges := []string{
			"summary changed Weekly cafés run by members.→Weekly cafés, run by members in turn.",
			"answers.about changed We are a peer-led group in Leeds.→Members run the cafés together.",
			"answers.video added <nil>→https://video.example.org/v/1",
			"answers.contact removed hi@hillside.example.org→<nil>",
		}
		if strings.Join(changes, "\n") != strings.Join(wantChanges, "\n") {
			t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(changes, "\n"), strings.Join(wantChanges, "\n"))
		}
		// The group reads the same diff; another group does not learn it exists.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/revisions/2/diff", Token: w.owner.Token})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: path + "/revisions/2/diff", Token: w.stranger.Token})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: path + "/revisions/3/diff", Token: w.owner.Token})

		// The response is in the group's history, on the resubmission.
		hist := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/history", Token: w.owner.Token}).Map(t)["data"].([]any)
		last := hist[len(hist)-1].(map[string]any)
		if last["from_status"] != "more_info_requested" || last["reason"] != "Members take turns; the video shows one." {
			t.Errorf("last history entry: %v", last)
		}
		// A second request replaces the first, unanswered again.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/request-info", Token: w.manager.Token,
			Body: map[string]any{"message": "And the budget?"}})
		ir, _ = w.get(t, w.manager, id)["information_request"].(map[string]any)
		if ir["message"] != "And the budget?" || ir["answered_at"] != nil || ir["response"] != nil {
			t.Errorf("a second request: %v", ir)
		}
	})
}

// TestApplicationListEmbedsSearchAndSince: lists embed the organisation and round; q finds
// by title, reference or organisation name ignoring case and accents, and follows an
// organisation's rename; submitted_since keeps later submissions.
func TestApplicationListEmbedsSearchAndSince(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		cafeOrg := w.createOrg(t, w.owner, "Café Ünïcode", []string{"disabled_people"}, "london")
		cafe := w.draft(t, w.owner, w.roundID, cafeOrg)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + cafe, Token: w.owner.Token, Body: complete()})
		hill := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + hill, Token: w.owner.Token,
			Body: map[string]any{"title": "Walking Group Élan"}})
		other := w.draft(t, w.stranger, w.openRound(t, nil), w.otherOrgID)["id"].(string)

		list := func(u apitest.User, query string) ([]string, []any) {
			t.Helper()
			page := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications?limit=200" + query, Token: u.Token}).Map(t)
			var ids []string
			for _, a := range page["data"].([]any) {
				ids = append(ids, a.(map[string]any)["id"].(string))
			}
			return ids, page["data"].([]any)
		}
		_, data := list(w.manager, "&round_id="+w.roundID)
		for _, item := range data {
			a := item.(map[string]any)
			org, rnd := a["organisation"].(map[string]any), a["round"].(map[string]any)
			if rnd["id"] != w.roundID || rnd["name"] != "Side by Side 2025" || org["id"] != a["organisation_id"] ||
				org["legal_form"] != "unincorporated_association" || org["user_led"] != false {
				t.Errorf("embedded: %v %v", org, rnd)
			}
			if a["id"] == cafe && org["name"] != "Café Ünïcode" {
				t.Errorf("the organisation's name: %v", org["name"])
			}
		}

		q := func(s string) string { return "&q=" + url.QueryEscape(s) }
		cases := []struct {
			who   apitest.User
			query string
			want  []string
		}{
			{w.manager, q("cafe unicode"), []string{cafe}},
			{w.manager, q("UNICODE café"), []string{cafe}},
			{w.manager, q("  Ünï  "), []string{cafe}},
			{w.manager, q("elan"), []string{hill}},
			{w.manager, q("hillside walking"), []string{hill}},
			{w.manager, q("peer support"), []string{hill, cafe}}, // a title, and an organisation's name
			{w.manager, q("canary"), []string{other}},
			{w.manager, q("cafe") + "&round_id=" + w.otherRound(t, other), nil},
			{w.manager, q("nothing like it"), nil},
			{w.manager, q("%"), []string{other, hill, cafe}},
			{w.stranger, q("cafe"), nil},
			{w.owner, q("cafe"), []string{cafe}},
		}
		for _, c := range cases {
			if got, _ := list(c.who, c.query); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s %s: %v, want %v", c.who.Role, c.query, got, c.want)
			}
		}

		// A rename is followed (the search text is kept through the event point).
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/organisations/" + cafeOrg, Token: w.owner.Token,
			Body: map[string]any{"name": "Tea Room Collective"}})
		if got, _ := list(w.manager, q("cafe unicode")); len(got) != 0 {
			t.Errorf("the old name still finds %v", got)
		}
		if got, _ := list(w.manager, q("tea room")); fmt.Sprint(got) != fmt.Sprint([]string{cafe}) {
			t.Errorf("the new name finds %v", got)
		}

		// submitted_since: the latest submission at or after it; the reference is searchable.
		w.travel(t, time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC))
		sub := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + cafe + "/submit", Token: w.owner.Token}).Map(t)
		if got, _ := list(w.manager, q(sub["reference"].(string))); fmt.Sprint(got) != fmt.Sprint([]string{cafe}) {
			t.Errorf("by reference %v: %v", sub["reference"], got)
		}
		w.travel(t, time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC))
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + hill, Token: w.owner.Token, Body: complete()})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + hill + "/submit", Token: w.owner.Token})
		for since, want := range map[string][]string{
			"2025-03-11T09:00:00Z":      {hill, cafe},
			"2025-03-11T09:00:01Z":      {hill},
			"2025-03-12T10:00:00+01:00": {hill},
			"2025-03-12T09:00:00.5Z":    nil,
		} {
			if got, _ := list(w.manager, "&submitted_since="+url.QueryEscape(since)); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("submitted_since=%s: %v, want %v", since, got, want)
			}
		}
		for _, bad := range []string{"&submitted_since=yesterday", "&submitted_since=2025-03-11", q(strings.Repeat("a", 201))} {
			env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/applications?" + bad[1:], Token: w.manager.Token})
		}
	})
}

// otherRound is the round of application id.
func (w *appWorld) otherRound(t *testing.T, id string) string {
	t.Helper()
	return w.get(t, w.manager, id)["round_id"].(string)
}

// TestRoundStatsExactCountsSuppressedReach: managers see exact counts by status, however
// small; the reach figures suppress 1–4 and carry not_stated, counted exactly from 5.
func TestRoundStatsExactCountsSuppressedReach(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		for i := 0; i < 6; i++ {
			ledBy, region := []string(nil), ""
			if i < 2 {
				ledBy, region = []string{"women_and_girls"}, "wales"
			}
			org := w.createOrg(t, w.owner, fmt.Sprintf("Group %d", i), ledBy, region)
			id := w.draft(t, w.owner, w.roundID, org)["id"].(string)
			env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + id, Token: w.owner.Token, Body: complete()})
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/submit", Token: w.owner.Token})
			if i == 5 {
				env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/mark-ineligible", Token: w.manager.Token,
					Body: map[string]any{"reason": "Outside our area."}})
			}
		}
		st := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + w.roundID + "/stats", Token: w.manager.Token}).Map(t)
		counts := st["counts"].(map[string]any)
		if counts["submitted"] != float64(5) || counts["ineligible"] != float64(1) || counts["draft"] != float64(0) || st["total"] != float64(6) {
			t.Errorf("exact counts: %v total %v", counts, st["total"])
		}
		reach := st["reach"].(map[string]any)["applications"].(map[string]any)
		if got := fmt.Sprint(reach["led_by"]); got != "map[not_stated:<5 women_and_girls:<5]" {
			t.Errorf("led_by = %s", got)
		}
		if got := fmt.Sprint(reach["region"]); got != "map[not_stated:<5 wales:<5]" {
			t.Errorf("region = %s", got)
		}
		// Two more unstated groups make five: shown exactly.
		for i := 0; i < 2; i++ {
			org := w.createOrg(t, w.owner, fmt.Sprintf("Unstated %d", i), nil, "")
			id := w.draft(t, w.owner, w.roundID, org)["id"].(string)
			env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + id, Token: w.owner.Token, Body: complete()})
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/submit", Token: w.owner.Token})
		}
		st = env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + w.roundID + "/stats", Token: w.manager.Token}).Map(t)
		reach = st["reach"].(map[string]any)["applications"].(map[string]any)
		if got := fmt.Sprint(reach["led_by"], reach["region"]); got != "map[not_stated:5 women_and_girls:<5] map[not_stated:5 wales:<5]" {
			t.Errorf("reach = %s", got)
		}
	})
}

// TestApplicationClosedIsClosedKindly: once the round has closed (grace included), a draft
// can be neither changed nor submitted, and the 409 says when; within the grace period a
// draft started before closes_at can still be saved.
func TestApplicationClosedIsClosedKindly(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		path := "/v1/applications/" + w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		w.travel(t, time.Date(2025, 3, 31, 17, 29, 0, 0, time.UTC))
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: map[string]any{"title": "In time"}})

		w.travel(t, time.Date(2025, 3, 31, 17, 30, 0, 0, time.UTC))
		before := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.owner.Token})
		const closed = "this round closed on 31 March 2025 at 17:00 UTC"
		for _, r := range []apitest.Req{
			{Method: "PATCH", Path: path, Token: w.owner.Token, Body: map[string]any{"title": "Too late"}},
			{Method: "POST", Path: path + "/submit", Token: w.member.Token},
		} {
			if d := problemDetail(t, env.Expect(t, http.StatusConflict, r)); !strings.HasPrefix(d, closed) {
				t.Errorf("%s: %q", r.Method, d)
			}
		}
		after := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.owner.Token})
		if string(before.Body) != string(after.Body) || before.Header.Get("ETag") != after.Header.Get("ETag") {
			t.Errorf("a refused change after the close changed the draft")
		}
		c := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/problems", Token: w.owner.Token}).Map(t)
		if c["submittable"] != false || !strings.HasPrefix(fmt.Sprint(c["blocker"]), closed) {
			t.Errorf("problems endpoint after the close: %v", c)
		}

		// Closed by hand before closes_at: also 409, saying so.
		w.travel(t, time.Date(2025, 3, 20, 12, 0, 0, 0, time.UTC))
		other := "/v1/applications/" + w.draft(t, w.stranger, w.roundID, w.otherOrgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/close", Token: w.manager.Token})
		r := env.Expect(t, http.StatusConflict, apitest.Req{Method: "PATCH", Path: other, Token: w.stranger.Token, Body: map[string]any{"title": "x"}})
		if d := problemDetail(t, r); !strings.Contains(d, "closed it before its closing time (31 March 2025 at 17:00 UTC)") {
			t.Errorf("closed by hand: %q", d)
		}
	})
}

// TestApplicationReinstate: a manager reverses an ineligible decision with a reason
// (required), which the group reads in the history and the audit log records; into a round
// in assessment it goes straight on to under_assessment.
func TestApplicationReinstate(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		id := w.submitted(t, w.roundID)["id"].(string)
		path := "/v1/applications/" + id
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: path + "/reinstate", Token: w.manager.Token,
			Body: map[string]any{"reason": "Not ineligible yet."}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/mark-ineligible", Token: w.manager.Token,
			Body: map[string]any{"reason": "Your income is above the limit."}})
		for _, body := range []any{nil, map[string]any{"reason": "  "}} {
			r := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path + "/reinstate", Token: w.manager.Token, Body: body})
			if got := strings.Join(problemFields(t, r), " "); got != "reason" {
				t.Errorf("reinstate without a reason: %s", got)
			}
		}
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: "POST", Path: path + "/reinstate", Token: w.owner.Token,
			Body: map[string]any{"reason": "Please."}})
		a := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/reinstate", Token: w.manager.Token,
			Body: map[string]any{"reason": "We misread your accounts: you are within the limit."}}).Map(t)
		if a["status"] != "submitted" {
			t.Fatalf("reinstated: %v", a["status"])
		}
		hist := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/history", Token: w.owner.Token}).Map(t)["data"].([]any)
		last := hist[len(hist)-1].(map[string]any)
		if last["from_status"] != "ineligible" || last["to_status"] != "submitted" || last["actor_role"] != "grants_manager" ||
			last["reason"] != "We misread your accounts: you are within the limit." || last["actor_id"] != nil {
			t.Errorf("the group's history: %v", last)
		}
		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?entity_id=" + id + "&action=application.reinstated",
			Token: w.manager.Token}).Map(t)["data"].([]any)
		if len(events) != 1 || events[0].(map[string]any)["changes"].(map[string]any)["reason"] != "We misread your accounts: you are within the limit." {
			t.Errorf("audit: %v", events)
		}

		// In assessment: ineligible → submitted → under_assessment.
		out := w.draft(t, w.stranger, w.roundID, w.otherOrgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + out, Token: w.stranger.Token, Body: complete()})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + out + "/submit", Token: w.stranger.Token})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + out + "/mark-ineligible", Token: w.manager.Token,
			Body: map[string]any{"reason": "Outside our area."}})
		w.travel(t, time.Date(2025, 3, 31, 18, 0, 0, 0, time.UTC))
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/start-assessment", Token: w.manager.Token})
		a = env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + out + "/reinstate", Token: w.manager.Token,
			Body: map[string]any{"reason": "You are inside our area after all."}}).Map(t)
		if a["status"] != "under_assessment" {
			t.Errorf("reinstated during assessment: %v", a["status"])
		}
	})
}
