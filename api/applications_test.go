package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"constellate/api/apitest"
	"constellate/internal/auth"
)

// appWorld is the cast of the application tests: a manager with an open round, an
// organisation with an owner and a member, another organisation, a panel member and
// finance.
type appWorld struct {
	env                      *apitest.Env
	manager, owner, member   apitest.User
	stranger, panel, finance apitest.User
	programmeID, roundID     string
	orgID, otherOrgID        string
}

var appPrefixSeq atomic.Int64

func newAppWorld(t *testing.T, env *apitest.Env) *appWorld {
	t.Helper()
	w := &appWorld{env: env, manager: env.Manager(), owner: env.Applicant(), member: env.Applicant(),
		stranger: env.Applicant(), panel: env.Panel(), finance: env.Finance()}
	p := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: w.manager.Token,
		Body: map[string]any{"name": "Side by Side Fund"}}).Map(t)
	w.programmeID = p["id"].(string)
	w.roundID = w.openRound(t, nil)
	w.orgID = w.createOrg(t, w.owner, "Hillside Peer Support", []string{"disabled_people"}, "yorkshire_and_the_humber")
	// A grants manager adds the member directly (owners invite; the invitation tests walk that).
	env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/organisations/" + w.orgID + "/members", Token: w.manager.Token,
		Body: map[string]any{"user_id": w.member.ID, "membership_role": "member"}})
	w.otherOrgID = w.createOrg(t, w.stranger, "Canary Collective CANARY-7731", nil, "london")
	return w
}

// roundBody is a round as SPEC §5 shows it, with a form exercising several question types.
func roundBody(prefix string) map[string]any {
	return map[string]any{
		"name": "Side by Side 2025", "description": "For user-led groups.", "reference_prefix": prefix, "currency": "GBP",
		"budget": 1000000, "min_grant": 50000, "max_grant": 500000,
		"opens_at": "2025-03-01T09:00:00Z", "closes_at": "2025-03-31T17:00:00Z", "grace_minutes": 30,
		"eligibility": map[string]any{
			"questions": []any{map[string]any{"id": "user_led", "label": "Is your group led by people with lived experience?", "type": "yes_no", "required": true}},
			"rules":     []any{map[string]any{"question_id": "user_led", "op": "eq", "value": true, "message": "This fund is for user-led groups."}},
		},
		"form": map[string]any{"questions": []any{
			map[string]any{"id": "about", "label": "Tell us about your group", "type": "long_text", "required": true, "max_words": 10},
			map[string]any{"id": "video", "label": "Or send us a video", "type": "media_link", "required": false},
			map[string]any{"id": "contact", "label": "Contact email", "type": "email", "required": false},
			map[string]any{"id": "people", "label": "How many people take part?", "type": "number", "required": false, "min": 1, "max": 1000},
			map[string]any{"id": "areas", "label": "Where?", "type": "multi_choice", "required": false, "options": []string{"leeds", "bradford"}},
		}},
		"criteria": []any{map[string]any{"id": "need", "title": "Need", "weight": 2, "scale_min": 1, "scale_max": 5}},
	}
}

// openRound creates a round (adjusted by mutate) and opens it.
func (w *appWorld) openRound(t *testing.T, mutate func(map[string]any)) string {
	t.Helper()
	body := roundBody(fmt.Sprintf("T%d", appPrefixSeq.Add(1)))
	if mutate != nil {
		mutate(body)
	}
	r := w.env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
		Token: w.manager.Token, Body: body}).Map(t)
	id := r["id"].(string)
	w.env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/open", Token: w.manager.Token})
	return id
}

func (w *appWorld) createOrg(t *testing.T, owner apitest.User, name string, ledBy []string, region string) string {
	t.Helper()
	body := map[string]any{"name": name, "legal_form": "unincorporated_association"}
	if region != "" {
		body["region"] = region
	}
	if ledBy != nil {
		body["led_by"] = ledBy
	}
	o := w.env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/organisations", Token: owner.Token, Body: body}).Map(t)
	return o["id"].(string)
}

// draft starts an application and returns its body.
func (w *appWorld) draft(t *testing.T, u apitest.User, roundID, orgID string) map[string]any {
	t.Helper()
	return w.env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/rounds/" + roundID + "/applications",
		Token: u.Token, Body: map[string]any{"organisation_id": orgID}}).Map(t)
}

// complete is a PATCH body that makes an application submittable.
func complete() map[string]any {
	return map[string]any{"title": "Peer support cafés", "summary": "Weekly cafés run by members.", "requested_amount": 250000,
		"answers": map[string]any{"user_led": true, "about": "We are a peer-led group in Leeds."}}
}

// submitted makes a complete, submitted application of w.orgID in roundID.
func (w *appWorld) submitted(t *testing.T, roundID string) map[string]any {
	t.Helper()
	id := w.draft(t, w.owner, roundID, w.orgID)["id"].(string)
	w.env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + id, Token: w.owner.Token, Body: complete()})
	return w.env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/submit", Token: w.owner.Token}).Map(t)
}

// TestApplicationJourney walks SPEC §6 end to end: draft, autosave, submit (reference and
// revision 1), request-info, edit, resubmit (revision 2), history, revisions, withdraw, and
// a new application afterwards.
func TestApplicationJourney(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		resp := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/applications",
			Token: w.member.Token, Body: map[string]any{"organisation_id": w.orgID}})
		a := resp.Map(t)
		id := a["id"].(string)
		if loc := resp.Header.Get("Location"); loc != "/v1/applications/"+id {
			t.Errorf("Location = %q", loc)
		}
		if resp.Header.Get("ETag") != `"1"` || a["status"] != "draft" || a["reference"] != nil || a["revision"] != float64(0) || a["submitted_at"] != nil {
			t.Fatalf("new draft = %v (ETag %s)", a, resp.Header.Get("ETag"))
		}
		path := "/v1/applications/" + id

		// Autosave: partial answers merge; an empty value deletes one; null is refused.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.member.Token,
			Body: map[string]any{"answers": map[string]any{"about": "We meet weekly.", "video": "https://video.example.org/v/1"}}})
		got := env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token,
			Body: map[string]any{"title": "Cafés", "answers": map[string]any{"video": "", "user_led": true}}})
		a = got.Map(t)
		answers := a["answers"].(map[string]any)
		if answers["about"] != "We meet weekly." || answers["user_led"] != true || answers["video"] != nil || len(answers) != 2 {
			t.Errorf("merged answers = %v", answers)
		}
		if got.Header.Get("ETag") != `"3"` {
			t.Errorf("ETag after two saves = %s", got.Header.Get("ETag"))
		}
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token,
			Body: `{"answers": {"about": null}}`})

		// Submit.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: map[string]any{"requested_amount": 100000}})
		a = env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token}).Map(t)
		ref, _ := a["reference"].(string)
		if a["status"] != "submitted" || !strings.HasSuffix(ref, "-0001") || a["revision"] != float64(1) || a["submitted_at"] == nil {
			t.Fatalf("submitted = %v", a)
		}
		// A submitted application cannot be edited or submitted again.
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: map[string]any{"title": "x"}})
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token})

		// The funder asks for more; the group edits and resubmits: revision 2, same reference.
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path + "/request-info", Token: w.manager.Token, Body: map[string]any{"message": " "}})
		a = env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/request-info", Token: w.manager.Token,
			Body: map[string]any{"message": "Please tell us who runs the cafés."}}).Map(t)
		ir, _ := a["information_request"].(map[string]any)
		if a["status"] != "more_info_requested" || ir["message"] != "Please tell us who runs the cafés." || ir["answered_at"] != nil {
			t.Fatalf("after request-info: %v %v", a["status"], ir)
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.member.Token,
			Body: map[string]any{"answers": map[string]any{"about": "Members run the cafés together."}}})
		// A resubmission answers the funder: the response is required, then kept.
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.member.Token})
		a = env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.member.Token,
			Body: map[string]any{"response": "Members take turns to run them."}}).Map(t)
		ir, _ = a["information_request"].(map[string]any)
		if a["status"] != "submitted" || a["reference"] != ref || a["revision"] != float64(2) ||
			ir["response"] != "Members take turns to run them." || ir["answered_at"] == nil {
			t.Fatalf("resubmitted = %v", a)
		}

		revs := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/revisions", Token: w.owner.Token}).Map(t)["data"].([]any)
		if len(revs) != 2 {
			t.Fatalf("revisions = %v", revs)
		}
		r1, r2 := revs[0].(map[string]any), revs[1].(map[string]any)
		if r1["number"] != float64(1) || r1["answers"].(map[string]any)["about"] != "We meet weekly." || r1["response"] != "" ||
			r2["number"] != float64(2) || r2["answers"].(map[string]any)["about"] != "Members run the cafés together." ||
			r2["response"] != "Members take turns to run them." || r2["request_message"] != "Please tell us who runs the cafés." {
			t.Errorf("revisions differ from what was submitted: %v / %v", r1, r2)
		}

		hist := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/history", Token: w.member.Token}).Map(t)["data"].([]any)
		var moves []string
		sawMessage := false
		for _, h := range hist {
			e := h.(map[string]any)
			moves = append(moves, fmt.Sprint(e["from_status"], "→", e["to_status"]))
			if e["reason"] == "Please tell us who runs the cafés." {
				sawMessage = true
				if e["actor_id"] != nil {
					t.Errorf("the applicant is shown the manager's id: %v", e)
				}
			}
		}
		want := "[→draft draft→submitted submitted→more_info_requested more_info_requested→submitted]"
		if fmt.Sprint(moves) != want || !sawMessage {
			t.Errorf("history = %v (message shown: %v), want %s", moves, sawMessage, want)
		}

		// Withdraw, and the organisation may start again.
		a = env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/withdraw", Token: w.owner.Token,
			Body: map[string]any{"reason": "We found other funding."}}).Map(t)
		if a["status"] != "withdrawn" {
			t.Fatalf("withdrawn = %v", a["status"])
		}
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: path + "/withdraw", Token: w.owner.Token})
		w.draft(t, w.owner, w.roundID, w.orgID)

		// Every change is in the audit log.
		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?entity_type=application&entity_id=" + id,
			Token: w.manager.Token}).Map(t)["data"].([]any)
		seen := map[string]int{}
		for _, e := range events {
			seen[e.(map[string]any)["action"].(string)]++
		}
		for action, n := range map[string]int{"application.created": 1, "application.updated": 4, "application.submitted": 2,
			"application.info_requested": 1, "application.withdrawn": 1} {
			if seen[action] != n {
				t.Errorf("audit %s: %d events, want %d (all: %v)", action, seen[action], n, seen)
			}
		}
	})
}

// TestApplicationListFilters: role scopes, filters and keyset pagination.
func TestApplicationListFilters(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		second := w.openRound(t, nil)
		mine1 := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		mine2 := w.submitted(t, second)["id"].(string)
		theirs := w.draft(t, w.stranger, w.roundID, w.otherOrgID)["id"].(string)

		list := func(u apitest.User, query string) []string {
			t.Helper()
			var ids []string
			cursor := ""
			for {
				q := "/v1/applications?limit=1" + query + cursor
				page := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: q, Token: u.Token}).Map(t)
				for _, a := range page["data"].([]any) {
					ids = append(ids, a.(map[string]any)["id"].(string))
				}
				next, _ := page["next_cursor"].(string)
				if next == "" {
					return ids
				}
				cursor = "&cursor=" + next
			}
		}
		cases := []struct {
			who   apitest.User
			query string
			want  []string
		}{
			{w.owner, "", []string{mine2, mine1}},
			{w.member, "&status=submitted", []string{mine2}},
			{w.owner, "&round_id=" + w.roundID, []string{mine1}},
			{w.owner, "&organisation_id=" + w.otherOrgID, nil},
			{w.stranger, "", []string{theirs}},
			{w.manager, "", []string{theirs, mine2, mine1}},
			{w.manager, "&round_id=" + w.roundID + "&status=draft", []string{theirs, mine1}},
			{w.manager, "&organisation_id=" + w.orgID, []string{mine2, mine1}},
			{w.panel, "", nil},
		}
		for _, c := range cases {
			if got := list(c.who, c.query); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%s %q: %v, want %v", c.who.Role, c.query, got, c.want)
			}
		}
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: "GET", Path: "/v1/applications", Token: w.finance.Token})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/applications?status=won", Token: w.manager.Token})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/applications?round_id=1%27%20OR%201=1", Token: w.manager.Token})
	})
}

// setStatus writes statuses directly, standing in for capabilities not built yet (the
// assessment and award issues move applications to under_assessment and decisions).
func setStatus(t *testing.T, env *apitest.Env, table, id, status string) {
	t.Helper()
	if err := env.DB.Conn(context.Background()).Exec("UPDATE "+table+" SET status = ? WHERE id = ?", status, id).Error; err != nil {
		t.Fatal(err)
	}
}

// travel moves the clock and signs fresh access tokens for the cast (tokens live 15
// minutes; the tests jump days).
func (w *appWorld) travel(t *testing.T, when time.Time) {
	t.Helper()
	w.env.Clock.Set(when)
	for _, u := range []*apitest.User{&w.manager, &w.owner, &w.member, &w.stranger, &w.panel, &w.finance} {
		var version int
		if err := w.env.DB.Conn(context.Background()).Raw("SELECT token_version FROM users WHERE id = ?", u.ID).Scan(&version).Error; err != nil {
			t.Fatal(err)
		}
		tok, err := w.env.Server.Identity.Tokens().Issue(u.ID, auth.Role(u.Role), version, false, "")
		if err != nil {
			t.Fatal(err)
		}
		u.Token = tok
	}
}
