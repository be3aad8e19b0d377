package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"constellate/api/apitest"
	"constellate/internal/application"
)

// everyTypeRound is a round whose eligibility rules use every operator with values of every
// JSON type (boolean, number, string, date string, list of strings, list of numbers), and
// whose form has a question of every type with the limits that type takes.
func everyTypeRound(prefix string) map[string]any {
	return map[string]any{
		"name": "Every type", "reference_prefix": prefix, "budget": 1000000, "min_grant": 0, "max_grant": 500000,
		"opens_at": "2025-03-01T09:00:00Z", "closes_at": "2025-03-31T17:00:00Z",
		"eligibility": map[string]any{
			"questions": []any{
				map[string]any{"id": "user_led", "label": "User-led?", "type": "yes_no", "required": true},
				map[string]any{"id": "members", "label": "How many members?", "type": "number", "required": true},
				map[string]any{"id": "income", "label": "Annual income", "type": "money", "required": true},
				map[string]any{"id": "founded", "label": "Founded on", "type": "date", "required": true},
				map[string]any{"id": "legal", "label": "Legal form", "type": "single_choice", "required": true, "options": []any{"charity", "cic", "informal"}},
				map[string]any{"id": "areas", "label": "Areas", "type": "multi_choice", "required": true, "options": []any{"north", "south", "wales"}},
				map[string]any{"id": "country", "label": "Country", "type": "short_text", "required": true},
				map[string]any{"id": "trustees", "label": "Trustees", "type": "number", "required": true},
			},
			"rules": []any{
				map[string]any{"question_id": "user_led", "op": "eq", "value": true, "message": "m-user-led"},
				map[string]any{"question_id": "members", "op": "gte", "value": 3, "message": "m-members"},
				map[string]any{"question_id": "income", "op": "lte", "value": 25000000, "message": "m-income"},
				map[string]any{"question_id": "founded", "op": "gte", "value": "2015-01-01", "message": "m-founded"},
				map[string]any{"question_id": "legal", "op": "neq", "value": "cic", "message": "m-legal"},
				map[string]any{"question_id": "areas", "op": "in", "value": []any{"north", "wales"}, "message": "m-areas"},
				map[string]any{"question_id": "country", "op": "eq", "value": "Wales", "message": "m-country"},
				map[string]any{"question_id": "trustees", "op": "in", "value": []any{1, 2, 3.5}, "message": "m-trustees"},
			},
		},
		"form": map[string]any{"questions": []any{
			map[string]any{"id": "name", "label": "Group name", "help": "As you call yourselves.", "type": "short_text", "required": true, "max_length": 10},
			map[string]any{"id": "about", "label": "About", "type": "long_text", "required": true, "max_words": 3},
			map[string]any{"id": "people", "label": "People", "type": "number", "required": false, "min": 1, "max": 10},
			map[string]any{"id": "costs", "label": "Costs", "type": "money", "required": false, "min": 100},
			map[string]any{"id": "start", "label": "Start date", "type": "date", "required": false},
			map[string]any{"id": "email", "label": "Email", "type": "email", "required": false},
			map[string]any{"id": "site", "label": "Website", "type": "url", "required": false},
			map[string]any{"id": "pick", "label": "Pick one", "type": "single_choice", "required": false, "options": []any{"a", "b"}},
			map[string]any{"id": "picks", "label": "Pick any", "type": "multi_choice", "required": false, "options": []any{"x", "y", "z"}},
			map[string]any{"id": "agree", "label": "Agree?", "type": "yes_no", "required": false},
			map[string]any{"id": "video", "label": "Or a video", "type": "media_link", "required": false},
		}},
	}
}

// eligibleAnswers pass every rule of everyTypeRound.
func eligibleAnswers() map[string]any {
	return map[string]any{"user_led": true, "members": 3, "income": 25000000, "founded": "2015-01-01", "legal": "informal",
		"areas": []any{"south", "wales"}, "country": "Wales", "trustees": 3.5}
}

// TestEveryQuestionTypeAndRule: a round with every question type and every rule operator
// round-trips exactly; an anonymous eligibility check applies each rule (each failing
// rule's message, in order); a draft's answers are checked against each type's limits,
// every problem listed at once, and valid ones are stored exactly as sent.
func TestEveryQuestionTypeAndRule(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		body := everyTypeRound("EVERY")
		r := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
			Token: w.manager.Token, Body: body}).Map(t)
		roundID := r["id"].(string)
		for _, k := range []string{"eligibility", "form"} {
			if sent, got := jsonOf(body[k]), jsonOf(r[k]); !sameJSON(t, sent, got) {
				t.Errorf("%s did not round-trip:\n sent %s\n  got %s", k, sent, got)
			}
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + roundID + "/open", Token: w.manager.Token})

		check := func(answers map[string]any) (bool, []string) {
			t.Helper()
			var res struct {
				Eligible *bool `json:"eligible"`
				Reasons  []struct {
					Message string `json:"message"`
				} `json:"reasons"`
			}
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + roundID + "/eligibility-check",
				Body: map[string]any{"answers": answers}}).Decode(t, &res)
			messages := []string{}
			for _, r := range res.Reasons {
				messages = append(messages, r.Message)
			}
			return res.Eligible != nil && *res.Eligible, messages
		}
		if ok, reasons := check(eligibleAnswers()); !ok || len(reasons) != 0 {
			t.Fatalf("eligible answers: %v %v", ok, reasons)
		}
		failing := map[string]any{"user_led": false, "members": 2, "income": 25000001, "founded": "2014-12-31", "legal": "cic",
			"areas": []any{"south"}, "country": "England", "trustees": 4}
		if ok, reasons := check(failing); ok || strings.Join(reasons, " ") != "m-user-led m-members m-income m-founded m-legal m-areas m-country m-trustees" {
			t.Fatalf("every rule failing: %v %v", ok, reasons)
		}
		for k, v := range failing {
			one := eligibleAnswers()
			one[k] = v
			if ok, reasons := check(one); ok || len(reasons) != 1 {
				t.Errorf("only %s failing: %v %v", k, ok, reasons)
			}
		}

		// Rule values that cannot be answers to their question are refused, each named.
		bad := everyTypeRound("BADRULE")
		bad["eligibility"].(map[string]any)["rules"] = []any{
			map[string]any{"question_id": "user_led", "op": "lte", "value": true, "message": "x"},
			map[string]any{"question_id": "members", "op": "eq", "value": "three", "message": "x"},
			map[string]any{"question_id": "legal", "op": "in", "value": "cic", "message": "x"},
			map[string]any{"question_id": "legal", "op": "eq", "value": "plc", "message": "x"},
			map[string]any{"question_id": "founded", "op": "gte", "value": "1 January 2015", "message": "x"},
			map[string]any{"question_id": "country", "op": "eq", "value": map[string]any{"a": 1}, "message": "x"},
			map[string]any{"question_id": "income", "op": "like", "value": 1, "message": "x"},
		}
		p := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
			Token: w.manager.Token, Body: bad})
		want := "eligibility.rules[0].value eligibility.rules[1].value eligibility.rules[2].value eligibility.rules[3].value " +
			"eligibility.rules[4].value eligibility.rules[5].value eligibility.rules[6].op"
		if got := strings.Join(problemFields(t, p), " "); got != want {
			t.Errorf("bad rule values: %s\nwant %s", got, want)
		}

		// A draft's answers: every limit of every type, all problems at once — and every
		// answer stored as sent (autosave never loses words).
		id := w.draft(t, w.owner, roundID, w.orgID)["id"].(string)
		path := "/v1/applications/" + id
		p = env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: map[string]any{
			"answers": map[string]any{
				"name": "eleven char", "about": "one two three four", "people": 11, "costs": 99.5, "start": "2025-02-30",
				"email": "a@b", "site": "javascript:alert(1)", "pick": "c", "picks": []any{"x", "x"}, "agree": "yes",
				"video": "file:///etc/passwd", "members": "3", "areas": []any{"east"}, "founded": 2015,
			}}})
		var saved0 struct {
			Answers  map[string]any `json:"answers"`
			Problems []struct{ Field, Code string }
		}
		p.Decode(t, &saved0)
		var got, required []string
		for _, pr := range saved0.Problems {
			switch {
			case pr.Code == "required":
				required = append(required, pr.Field)
			case strings.HasPrefix(pr.Field, "answers."):
				got = append(got, pr.Field+":"+pr.Code)
			}
		}
		// The required questions not yet answered are listed too (the draft is partial).
		if d := strings.Join(required, " "); d != "title answers.user_led answers.income answers.legal answers.country answers.trustees" {
			t.Errorf("required: %s", d)
		}
		sort.Strings(got)
		want = "answers.about:too_long answers.agree:wrong_type answers.areas:invalid answers.costs:invalid answers.email:invalid " +
			"answers.founded:wrong_type answers.members:wrong_type answers.name:too_long answers.people:out_of_range answers.pick:invalid " +
			"answers.picks:invalid answers.site:invalid answers.start:invalid answers.video:invalid"
		if strings.Join(got, " ") != want {
			t.Errorf("answer problems: %s\nwant %s", strings.Join(got, " "), want)
		}
		if saved0.Answers["name"] != "eleven char" || saved0.Answers["founded"] != float64(2015) || saved0.Answers["agree"] != "yes" {
			t.Errorf("the answers were not stored as sent: %v", saved0.Answers)
		}
		good := eligibleAnswers()
		for k, v := range map[string]any{"name": "Hillside", "about": "We meet weekly", "people": 10, "costs": 100, "start": "2025-06-01",
			"email": "hi@hillside.example.org", "site": "https://hillside.example.org", "pick": "b", "picks": []any{"z", "x"},
			"agree": false, "video": "https://video.example.org/v/1"} {
			good[k] = v
		}
		saved := env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token,
			Body: map[string]any{"title": "Cafés", "requested_amount": 1000, "answers": good}}).Map(t)
		if sent, got := jsonOf(good), jsonOf(saved["answers"]); !sameJSON(t, sent, got) {
			t.Errorf("answers did not round-trip:\n sent %s\n  got %s", sent, got)
		}
		sub := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token}).Map(t)
		if sub["reference"] != "EVERY-0001" {
			t.Errorf("reference = %v", sub["reference"])
		}
	})
}

// sameJSON compares two JSON texts as values.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// TestWithdrawFromEachStatus: withdrawal is allowed from draft, submitted,
// more_info_requested and under_assessment only; otherwise 409 and nothing changes.
// Statuses the applicant cannot reach yet are written directly.
func TestWithdrawFromEachStatus(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		allowed := map[application.Status]bool{application.StatusDraft: true, application.StatusSubmitted: true,
			application.StatusMoreInfoRequested: true, application.StatusUnderAssessment: true}
		for _, st := range application.Statuses {
			org := w.createOrg(t, w.owner, "Group "+string(st), nil, "")
			id := w.draft(t, w.owner, w.roundID, org)["id"].(string)
			if st != application.StatusDraft {
				setStatus(t, env, "applications", id, string(st))
			}
			path := "/v1/applications/" + id
			before := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.manager.Token})
			want := http.StatusConflict
			if allowed[st] {
				want = http.StatusOK
			}
			r := env.Expect(t, want, apitest.Req{Method: "POST", Path: path + "/withdraw", Token: w.owner.Token, Body: map[string]any{"reason": "Changed our plans."}})
			after := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.manager.Token})
			switch {
			case want == http.StatusOK && r.Map(t)["status"] != "withdrawn":
				t.Errorf("withdraw from %s: %s", st, r.Body)
			case want != http.StatusOK && string(before.Body) != string(after.Body):
				t.Errorf("a refused withdrawal from %s changed the application", st)
			}
		}
	})
}

// TestApplicationActionsHonourIfMatch: a stale If-Match on withdraw, request-info and
// mark-ineligible is 412 and changes nothing; the current one works.
func TestApplicationActionsHonourIfMatch(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		a := w.submitted(t, w.roundID)
		path := "/v1/applications/" + a["id"].(string)
		stale := map[string]string{"If-Match": `"1"`}
		for _, c := range []struct {
			action string
			who    apitest.User
			body   map[string]any
		}{
			{"withdraw", w.owner, map[string]any{"reason": "x"}},
			{"request-info", w.manager, map[string]any{"message": "x"}},
			{"mark-ineligible", w.manager, map[string]any{"reason": "x"}},
		} {
			before := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.manager.Token})
			env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: "POST", Path: path + "/" + c.action, Token: c.who.Token, Header: stale, Body: c.body})
			after := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.manager.Token})
			if string(before.Body) != string(after.Body) || before.Header.Get("ETag") != after.Header.Get("ETag") {
				t.Errorf("a stale %s changed the application", c.action)
			}
		}
		cur := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.manager.Token}).Header.Get("ETag")
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/request-info", Token: w.manager.Token,
			Header: map[string]string{"If-Match": cur}, Body: map[string]any{"message": "Tell us more."}})
		if r.Header.Get("ETag") == cur || r.Map(t)["status"] != "more_info_requested" {
			t.Errorf("request-info with the current ETag: %s %s", r.Header.Get("ETag"), r.Body)
		}
	})
}

// TestApplicationCreateIdempotencyAndMassAssignment: a create retried with its
// Idempotency-Key replays the first response (one application); the key with another body
// is 422; read-only or mis-cased keys and duplicates in create and action bodies are 400
// and change nothing.
func TestApplicationCreateIdempotencyAndMassAssignment(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		create := "/v1/rounds/" + w.roundID + "/applications"
		key := map[string]string{"Idempotency-Key": "create-1"}
		first := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: create, Token: w.owner.Token, Header: key,
			Body: map[string]any{"organisation_id": w.orgID}})
		again := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: create, Token: w.owner.Token, Header: key,
			Body: map[string]any{"organisation_id": w.orgID}})
		if string(first.Body) != string(again.Body) || again.Header.Get("Location") != first.Header.Get("Location") ||
			again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("retried create was not replayed:\n%s\n%s", first.Body, again.Body)
		}
		otherOrg := w.createOrg(t, w.owner, "Second group", nil, "")
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: create, Token: w.owner.Token, Header: key,
			Body: map[string]any{"organisation_id": otherOrg}})

		for _, body := range []string{
			`{"organisation_id": "` + otherOrg + `", "organisation_id": "` + w.orgID + `"}`,
			`{"Organisation_id": "` + otherOrg + `"}`,
			`{"ORGANISATION_ID": "` + otherOrg + `"}`,
			`{"organisation_id": "` + otherOrg + `", "reference": "EVIL-0001"}`,
			`{"organisation_id": "` + otherOrg + `", "submitted_at": "2025-03-01T00:00:00Z"}`,
			`{"organisation_id": "` + otherOrg + `", "STATUS": "submitted"}`,
		} {
			env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: create, Token: w.owner.Token, Body: body})
		}
		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications?round_id=" + w.roundID, Token: w.manager.Token}).Map(t)
		if n := len(list["data"].([]any)); n != 1 {
			t.Fatalf("%d applications after one create, a replay and refused creates", n)
		}

		a := w.submitted(t, w.openRound(t, nil))
		path := "/v1/applications/" + a["id"].(string)
		before := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.manager.Token})
		for _, c := range []struct {
			action string
			who    apitest.User
			body   string
		}{
			{"withdraw", w.owner, `{"reason": "x", "status": "draft"}`},
			{"withdraw", w.owner, `{"Reason": "x"}`},
			{"withdraw", w.owner, `{"reason": "x", "reason": "y"}`},
			{"submit", w.owner, `{"status": "submitted"}`},
			{"request-info", w.manager, `{"message": "x", "Status": "draft"}`},
			{"mark-ineligible", w.manager, `{"reason": "x", "organisation_id": "` + w.otherOrgID + `"}`},
			{"mark-ineligible", w.manager, `{"reason": "x", "reason": "y"}`},
		} {
			env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: path + "/" + c.action, Token: c.who.Token, Body: c.body})
		}
		after := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.manager.Token})
		if string(before.Body) != string(after.Body) {
			t.Errorf("refused action bodies changed the application:\n%s\n%s", before.Body, after.Body)
		}
	})
}

// TestApplicationListCursorStableUnderInserts: a cursor taken before new applications
// arrive still yields exactly the rest of the original list, for each filter.
func TestApplicationListCursorStableUnderInserts(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		var before []string
		for i := 0; i < 5; i++ {
			org := w.createOrg(t, w.owner, fmt.Sprintf("Group %d", i), nil, "")
			before = append([]string{w.draft(t, w.owner, w.roundID, org)["id"].(string)}, before...)
		}
		for _, q := range []string{"", "&round_id=" + w.roundID, "&status=draft", "&round_id=" + w.roundID + "&status=draft"} {
			for _, u := range []apitest.User{w.manager, w.owner} {
				page := func(cursor string) ([]string, string) {
					p := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications?limit=2" + q + cursor, Token: u.Token}).Map(t)
					var ids []string
					for _, a := range p["data"].([]any) {
						ids = append(ids, a.(map[string]any)["id"].(string))
					}
					next, _ := p["next_cursor"].(string)
					return ids, next
				}
				got, next := page("")
				// More applications arrive between pages.
				org := w.createOrg(t, w.owner, "Late group", nil, "")
				late := w.draft(t, w.owner, w.roundID, org)["id"].(string)
				for next != "" {
					var more []string
					more, next = page("&cursor=" + next)
					got = append(got, more...)
				}
				want := before
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s %q: pages %v, want %v", u.Role, q, got, want)
				}
				before = append([]string{late}, before...)
			}
		}
	})
}

// TestScreeningAndAssessmentAreAudited: screening out, and the start of the assessment
// moving each submitted application, write their audit events (with the reason, and by the
// manager who acted), each matching a history entry.
func TestScreeningAndAssessmentAreAudited(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		kept := w.submitted(t, w.roundID)["id"].(string)
		out := w.draft(t, w.stranger, w.roundID, w.otherOrgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + out, Token: w.stranger.Token, Body: complete()})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + out + "/submit", Token: w.stranger.Token})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + out + "/mark-ineligible", Token: w.manager.Token,
			Body: map[string]any{"reason": "Outside our area."}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/close", Token: w.manager.Token})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/start-assessment", Token: w.manager.Token})

		events := func(id, action string) []map[string]any {
			l := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?entity_id=" + id + "&action=" + action, Token: w.manager.Token}).Map(t)
			var out []map[string]any
			for _, e := range l["data"].([]any) {
				out = append(out, e.(map[string]any))
			}
			return out
		}
		e := events(out, "application.marked_ineligible")
		if len(e) != 1 || e[0]["actor_id"] != w.manager.ID || e[0]["changes"].(map[string]any)["reason"] != "Outside our area." {
			t.Errorf("marked_ineligible events = %v", e)
		}
		e = events(kept, "application.assessment_started")
		if len(e) != 1 || e[0]["actor_id"] != w.manager.ID || e[0]["changes"].(map[string]any)["to"] != "under_assessment" {
			t.Errorf("assessment_started events = %v", e)
		}
		if e := events(out, "application.assessment_started"); len(e) != 0 {
			t.Errorf("an ineligible application was moved to assessment: %v", e)
		}
	})
}
