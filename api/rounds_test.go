package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"constellate/api/apitest"
)

var roundPrefixSeq atomic.Int64

// specRoundBody is the SPEC §5 example round with a unique reference prefix.
func specRoundBody() map[string]any {
	return map[string]any{
		"name": "Side by Side 2025", "description": "For user-led groups.",
		"reference_prefix": fmt.Sprintf("R%d", roundPrefixSeq.Add(1)),
		"budget":           1000000, "min_grant": 50000, "max_grant": 500000,
		"opens_at": "2025-03-01T09:00:00Z", "closes_at": "2025-03-31T17:00:00Z", "grace_minutes": 30,
		"eligibility": map[string]any{
			"questions": []any{
				map[string]any{"id": "user_led", "label": "Is your group led by people with lived experience?", "type": "yes_no", "required": true},
				map[string]any{"id": "income", "label": "Your annual income", "type": "money", "required": true, "min": 0},
			},
			"rules": []any{
				map[string]any{"question_id": "user_led", "op": "eq", "value": true, "message": "This fund is for user-led groups."},
				map[string]any{"question_id": "income", "op": "lte", "value": 25000000, "message": "Your income must be £250,000 or less."},
			},
		},
		"form": map[string]any{"questions": []any{
			map[string]any{"id": "about", "label": "Tell us about your group", "help": "Who you are and what you do.", "type": "long_text", "required": true, "max_words": 300},
			map[string]any{"id": "video", "label": "Or send us a video", "type": "media_link", "required": false},
		}},
		"criteria":        []any{map[string]any{"id": "need", "title": "Need", "guidance": "…", "weight": 2, "scale_min": 1, "scale_max": 5}},
		"report_schedule": []any{map[string]any{"kind": "final", "due_after_days": 365}},
		"report_form":     map[string]any{"questions": []any{map[string]any{"id": "what", "label": "What happened?", "type": "long_text", "required": true}}},
	}
}

// roundWorld is a manager with a programme.
type roundWorld struct {
	env         *apitest.Env
	manager     apitest.User
	programmeID string
}

func newRoundWorld(t *testing.T, env *apitest.Env) *roundWorld {
	t.Helper()
	w := &roundWorld{env: env, manager: env.Manager()}
	p := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: w.manager.Token,
		Body: map[string]any{"name": "Side by Side Fund"}}).Map(t)
	w.programmeID = p["id"].(string)
	return w
}

// create makes a draft round from the spec example, adjusted by mutate.
func (w *roundWorld) create(t *testing.T, mutate func(map[string]any)) map[string]any {
	t.Helper()
	body := specRoundBody()
	if mutate != nil {
		mutate(body)
	}
	return w.env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
		Token: w.manager.Token, Body: body}).Map(t)
}

// act runs a status action as the manager and expects want.
func (w *roundWorld) act(t *testing.T, id, action string, want int) map[string]any {
	t.Helper()
	r := w.env.Expect(t, want, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/" + action, Token: w.manager.Token})
	return r.Map(t)
}

func TestRoundCreate(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		resp := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
			Token: w.manager.Token, Body: specRoundBody()})
		r := resp.Map(t)
		id := r["id"].(string)
		if resp.Header.Get("Location") != "/v1/rounds/"+id || resp.Header.Get("ETag") != `"1"` {
			t.Fatalf("Location %q, ETag %q", resp.Header.Get("Location"), resp.Header.Get("ETag"))
		}
		// Defaults, status, programme and the computed burden.
		if r["status"] != "draft" || r["currency"] != "GBP" || r["reviewers_per_application"] != 2.0 ||
			r["blind_assessment"] != true || r["programme_id"] != w.programmeID || r["accepting_applications"] != false {
			t.Fatalf("round = %v", r)
		}
		burden := r["burden"].(map[string]any)
		if burden["questions"] != 4.0 || burden["required_questions"] != 3.0 || burden["max_words_total"] != 300.0 {
			t.Fatalf("burden = %v", burden)
		}
		got := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id, Token: w.manager.Token}).Map(t)
		if got["reference_prefix"] != r["reference_prefix"] || got["opens_at"] != "2025-03-01T09:00:00Z" {
			t.Fatalf("GET = %v", got)
		}
		rules := got["eligibility"].(map[string]any)["rules"].([]any)
		if rules[0].(map[string]any)["value"] != true || rules[1].(map[string]any)["value"] != 25000000.0 {
			t.Fatalf("rule values did not round-trip: %v", rules)
		}
		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?entity_id=" + id, Token: w.manager.Token}).Map(t)
		data := events["data"].([]any)
		if len(data) != 1 || data[0].(map[string]any)["action"] != "round.created" || data[0].(map[string]any)["actor_id"] != w.manager.ID {
			t.Fatalf("audit = %v", data)
		}
	})
}

func TestRoundCreateRefusals(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		path := "/v1/programmes/" + w.programmeID + "/rounds"
		// 422 listing every problem at once.
		bad := specRoundBody()
		bad["reference_prefix"] = "sbs"
		bad["currency"] = "pounds"
		bad["max_grant"] = 2000000
		bad["closes_at"] = "2025-02-01T00:00:00Z"
		bad["reviewers_per_application"] = 0
		bad["eligibility"].(map[string]any)["rules"] = []any{map[string]any{"question_id": "about", "op": "eq", "value": true, "message": "x"}}
		bad["form"].(map[string]any)["questions"].([]any)[0].(map[string]any)["max_words"] = -1
		bad["form"].(map[string]any)["questions"] = append(bad["form"].(map[string]any)["questions"].([]any),
			map[string]any{"id": "user_led", "label": "dup", "type": "short_text"},
			map[string]any{"id": "pick", "label": "Pick", "type": "single_choice"})
		bad["criteria"] = []any{map[string]any{"id": "need", "title": "Need", "weight": 0, "scale_min": 5, "scale_max": 1}}
		p := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path, Token: w.manager.Token, Body: bad}).Map(t)
		fields := map[string]bool{}
		for _, e := range p["errors"].([]any) {
			fields[e.(map[string]any)["field"].(string)] = true
		}
		for _, f := range []string{"reference_prefix", "currency", "max_grant", "closes_at", "reviewers_per_application",
			"eligibility.rules[0].question_id", "form.questions[0].max_words", "form.questions[2].id",
			"form.questions[3].options", "criteria[0].weight", "criteria[0].scale_max"} {
			if !fields[f] {
				t.Errorf("422 does not name %s: %v", f, p["errors"])
			}
		}
		// Read-only and unknown fields, in any casing: 400, nothing created.
		for _, k := range []string{"status", "id", "created_at", "Status", "burden"} {
			b := specRoundBody()
			b[k] = "open"
			env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: path, Token: w.manager.Token, Body: b})
		}
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: path, Token: w.manager.Token,
			Body: `{"name":"a","name":"b"}`})
		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds", Token: w.manager.Token}).Map(t)
		if n := len(list["data"].([]any)); n != 0 {
			t.Fatalf("refused creates left %d rounds", n)
		}
		// A taken prefix is a conflict naming the round that has it.
		first := w.create(t, nil)
		dup := specRoundBody()
		dup["reference_prefix"] = first["reference_prefix"]
		c := env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: path, Token: w.manager.Token, Body: dup}).Map(t)
		if c["existing_id"] != first["id"] {
			t.Fatalf("409 = %v", c)
		}
		// No such programme.
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "POST", Path: "/v1/programmes/0190a6f1-0000-7000-8000-000000000000/rounds",
			Token: w.manager.Token, Body: specRoundBody()})
	})
}

func TestRoundTransitions(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		id := w.create(t, nil)["id"].(string)
		// Illegal moves from draft.
		for _, a := range []string{"close", "start-assessment", "publish-decisions"} {
			w.act(t, id, a, http.StatusConflict)
		}
		steps := []struct{ action, status, audit string }{
			{"open", "open", "round.opened"},
			{"close", "closed", "round.closed"},
			{"start-assessment", "assessment", "round.assessment_started"},
			{"publish-decisions", "decided", "round.decisions_published"},
			{"archive", "archived", "round.archived"},
		}
		for i, s := range steps {
			r := w.act(t, id, s.action, http.StatusOK)
			if r["status"] != s.status {
				t.Fatalf("%s → %v, want %s", s.action, r["status"], s.status)
			}
			// Every other action is now illegal (409), and changes nothing.
			for _, other := range steps {
				if i+1 < len(steps) && other.action == steps[i+1].action {
					continue
				}
				w.act(t, id, other.action, http.StatusConflict)
			}
		}
		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?entity_id=" + id + "&limit=200", Token: w.manager.Token}).Map(t)
		var actions []string
		for _, e := range events["data"].([]any) {
			actions = append(actions, e.(map[string]any)["action"].(string))
		}
		want := "round.archived round.decisions_published round.assessment_started round.closed round.opened round.created"
		if strings.Join(actions, " ") != want {
			t.Fatalf("audit actions = %v", actions)
		}
		// A draft may be archived; a round whose closes_at has passed cannot open.
		other := w.create(t, nil)["id"].(string)
		w.act(t, other, "archive", http.StatusOK)
		late := w.create(t, func(b map[string]any) { b["closes_at"] = "2025-03-05T00:00:00Z" })["id"].(string)
		w.act(t, late, "open", http.StatusConflict)
		// If-Match on an action.
		fresh := w.create(t, nil)["id"].(string)
		env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: "POST", Path: "/v1/rounds/" + fresh + "/open",
			Token: w.manager.Token, Header: map[string]string{"If-Match": `"7"`}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + fresh + "/open",
			Token: w.manager.Token, Header: map[string]string{"If-Match": `"1"`}})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "POST", Path: "/v1/rounds/0190a6f1-0000-7000-8000-000000000000/open", Token: w.manager.Token})
	})
}

func TestRoundPatch(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		r := w.create(t, nil)
		id, path := r["id"].(string), "/v1/rounds/"+r["id"].(string)
		patch := func(want int, body any, etag string) *apitest.Response {
			h := map[string]string{}
			if etag != "" {
				h["If-Match"] = etag
			}
			return env.Expect(t, want, apitest.Req{Method: "PATCH", Path: path, Token: w.manager.Token, Body: body, Header: h})
		}
		// A draft may change anything; the result is validated as a whole.
		newForm := map[string]any{"questions": []any{map[string]any{"id": "about", "label": "About you", "type": "short_text", "required": true, "max_words": 50}}}
		resp := patch(http.StatusOK, map[string]any{"form": newForm, "max_grant": 400000}, `"1"`)
		if resp.Header.Get("ETag") != `"2"` || resp.Map(t)["burden"].(map[string]any)["max_words_total"] != 50.0 {
			t.Fatalf("PATCH draft: ETag %q body %s", resp.Header.Get("ETag"), resp.Body)
		}
		patch(http.StatusPreconditionFailed, map[string]any{"name": "Stale"}, `"1"`)
		patch(http.StatusUnprocessableEntity, map[string]any{"min_grant": 450000}, "")
		patch(http.StatusBadRequest, map[string]any{"status": "open"}, "")
		patch(http.StatusBadRequest, map[string]any{"form": map[string]any{"questions": []any{map[string]any{"id": "a", "Label": "x"}}}}, "")

		w.act(t, id, "open", http.StatusOK) // version 3
		// Frozen once open: form, eligibility, criteria (and the terms) → 409 naming each.
		frozen := patch(http.StatusConflict, map[string]any{"form": map[string]any{"questions": []any{}},
			"criteria": []any{map[string]any{"id": "x", "title": "X", "weight": 1, "scale_min": 0, "scale_max": 3}}, "max_grant": 300000}, "").Map(t)
		names := map[string]bool{}
		for _, e := range frozen["errors"].([]any) {
			names[e.(map[string]any)["field"].(string)] = true
		}
		if !names["form"] || !names["criteria"] || !names["max_grant"] {
			t.Fatalf("409 = %v", frozen)
		}
		patch(http.StatusConflict, map[string]any{"eligibility": map[string]any{"questions": []any{}, "rules": []any{}}}, "")
		// Sending the current form back is not a change; description and closes_at may move.
		ok := patch(http.StatusOK, map[string]any{"form": newForm, "description": "Now open.", "closes_at": "2025-04-07T17:00:00Z"}, `"3"`)
		body := ok.Map(t)
		if body["description"] != "Now open." || body["closes_at"] != "2025-04-07T17:00:00Z" || ok.Header.Get("ETag") != `"4"` {
			t.Fatalf("PATCH open: %v (ETag %s)", body, ok.Header.Get("ETag"))
		}
		// closes_at in the past while open is refused (use close).
		patch(http.StatusUnprocessableEntity, map[string]any{"closes_at": "2025-03-02T00:00:00Z"}, "")
		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?action=round.updated&entity_id=" + id, Token: w.manager.Token}).Map(t)
		if n := len(events["data"].([]any)); n != 2 {
			t.Fatalf("round.updated events = %d, want 2", n)
		}
		// Archived: nothing changes.
		w.act(t, id, "close", http.StatusOK)
		w.act(t, id, "start-assessment", http.StatusOK)
		patch(http.StatusConflict, map[string]any{"blind_assessment": false}, "")
		patch(http.StatusOK, map[string]any{"budget": 2000000}, "")
		w.act(t, id, "publish-decisions", http.StatusOK)
		w.act(t, id, "archive", http.StatusOK)
		patch(http.StatusConflict, map[string]any{"name": "Renamed"}, "")
	})
}

func TestRoundVisibilityAndList(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		draft := w.create(t, nil)["id"].(string)
		open := w.create(t, nil)["id"].(string)
		w.act(t, open, "open", http.StatusOK)
		closed := w.create(t, nil)["id"].(string)
		w.act(t, closed, "open", http.StatusOK)
		w.act(t, closed, "close", http.StatusOK)
		assessing := w.create(t, nil)["id"].(string)
		w.act(t, assessing, "open", http.StatusOK)
		w.act(t, assessing, "close", http.StatusOK)
		w.act(t, assessing, "start-assessment", http.StatusOK)
		applicant := env.Applicant()

		listIDs := func(token, query string) []string {
			l := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds" + query, Token: token}).Map(t)
			var ids []string
			for _, r := range l["data"].([]any) {
				ids = append(ids, r.(map[string]any)["id"].(string))
			}
			return ids
		}
		same := func(got []string, want ...string) bool { return strings.Join(got, ",") == strings.Join(want, ",") }
		// Newest first; the public (anonymous or any non-manager) sees open and closed rounds only.
		if got := listIDs("", ""); !same(got, closed, open) {
			t.Fatalf("anonymous list = %v", got)
		}
		if got := listIDs(applicant.Token, ""); !same(got, closed, open) {
			t.Fatalf("applicant list = %v", got)
		}
		if got := listIDs(w.manager.Token, ""); !same(got, assessing, closed, open, draft) {
			t.Fatalf("manager list = %v", got)
		}
		if got := listIDs("", "?status=draft"); len(got) != 0 {
			t.Fatalf("anonymous draft filter = %v", got)
		}
		if got := listIDs(w.manager.Token, "?status=draft&programme_id="+w.programmeID); !same(got, draft) {
			t.Fatalf("manager draft filter = %v", got)
		}
		if got := listIDs(w.manager.Token, "?programme_id=0190a6f1-0000-7000-8000-000000000000"); len(got) != 0 {
			t.Fatalf("other programme = %v", got)
		}
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/rounds?status=pending"})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/rounds?programme_id=nope"})
		// Keyset pagination.
		first := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds?limit=3", Token: w.manager.Token}).Map(t)
		cursor, _ := first["next_cursor"].(string)
		if len(first["data"].([]any)) != 3 || cursor == "" {
			t.Fatalf("first page = %v", first)
		}
		if got := listIDs(w.manager.Token, "?limit=3&cursor="+cursor); !same(got, draft) {
			t.Fatalf("second page = %v", got)
		}
		// A draft is invisible to everyone but managers; published rounds are readable by all.
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/rounds/" + draft})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/rounds/" + draft, Token: applicant.Token})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/rounds/" + draft + "/form"})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "POST", Path: "/v1/rounds/" + draft + "/eligibility-check", Body: map[string]any{"answers": map[string]any{}}})
		for _, id := range []string{open, closed, assessing} {
			env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id})
		}
		env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: "GET", Path: "/v1/rounds", Token: "not-a-token"})
	})
}

func TestRoundClosesAtWithoutAnyJob(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		id := w.create(t, nil)["id"].(string)
		w.act(t, id, "open", http.StatusOK)
		get := func() map[string]any {
			return env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id}).Map(t)
		}
		if r := get(); r["status"] != "open" || r["accepting_applications"] != true {
			t.Fatalf("before closes_at: %v", r)
		}
		env.Clock.Set(time.Date(2025, 3, 31, 17, 0, 0, 0, time.UTC))
		if r := get(); r["status"] != "closed" || r["accepting_applications"] != false {
			t.Fatalf("at closes_at: status %v accepting %v", r["status"], r["accepting_applications"])
		}
		closedList := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds?status=closed"}).Map(t)
		openList := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds?status=open"}).Map(t)
		if len(closedList["data"].([]any)) != 1 || len(openList["data"].([]any)) != 0 {
			t.Fatalf("closed %v, open %v", closedList, openList)
		}
		// Assessment waits for the grace period, when late submissions may still arrive (a
		// fresh token: the clock moved three weeks), and needs no job after it.
		w.manager = env.Manager()
		w.act(t, id, "start-assessment", http.StatusConflict)
		env.Clock.Set(time.Date(2025, 3, 31, 17, 30, 0, 0, time.UTC))
		w.manager = env.Manager()
		w.act(t, id, "start-assessment", http.StatusOK)
	})
}

// TestRoundConcurrentWrites: two PATCHes with the same If-Match race; exactly one wins and
// the other is told its copy is stale. An action retried with its Idempotency-Key replays.
func TestRoundConcurrentWrites(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		id := w.create(t, nil)["id"].(string)
		start := make(chan struct{})
		statuses := make(chan int, 2)
		for _, name := range []string{"First", "Second"} {
			go func(name string) {
				<-start
				req, _ := http.NewRequest("PATCH", env.HTTP.URL+"/v1/rounds/"+id, strings.NewReader(`{"name":"`+name+`"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+w.manager.Token)
				req.Header.Set("If-Match", `"1"`)
				resp, err := env.HTTP.Client().Do(req)
				if err != nil {
					statuses <- 0
					return
				}
				resp.Body.Close()
				statuses <- resp.StatusCode
			}(name)
		}
		close(start)
		got := map[int]int{}
		for i := 0; i < 2; i++ {
			got[<-statuses]++
		}
		if got[http.StatusOK] != 1 || got[http.StatusPreconditionFailed] != 1 {
			t.Fatalf("racing PATCHes answered %v, want one 200 and one 412", got)
		}
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id, Token: w.manager.Token})
		if r.Header.Get("ETag") != `"2"` {
			t.Fatalf("ETag after the race = %s", r.Header.Get("ETag"))
		}

		key := map[string]string{"Idempotency-Key": "open-" + id}
		first := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/open", Token: w.manager.Token, Header: key})
		again := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/open", Token: w.manager.Token, Header: key})
		if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
			t.Fatalf("retry was not replayed: %s", again.Body)
		}
		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?action=round.opened&entity_id=" + id, Token: w.manager.Token}).Map(t)
		if n := len(events["data"].([]any)); n != 1 {
			t.Fatalf("round.opened events = %d, want 1", n)
		}
	})
}
