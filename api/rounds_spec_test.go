package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"constellate/api/apitest"
)

// specExampleRound is SPEC §5's example round, verbatim.
const specExampleRound = `{"name": "Side by Side 2025", "description": "…", "reference_prefix": "SBS", "currency": "GBP",
 "budget": 1000000, "min_grant": 50000, "max_grant": 500000,
 "opens_at": "2025-03-01T09:00:00Z", "closes_at": "2025-03-31T17:00:00Z", "grace_minutes": 30,
 "reviewers_per_application": 2, "blind_assessment": true,
 "eligibility": {"questions": [{"id": "user_led", "label": "Is your group led by people with lived experience?", "type": "yes_no", "required": true}],
                 "rules": [{"question_id": "user_led", "op": "eq", "value": true, "message": "This fund is for user-led groups."}]},
 "form": {"questions": [{"id": "about", "label": "Tell us about your group", "type": "long_text", "required": true, "max_words": 300},
                        {"id": "video", "label": "Or send us a video", "type": "media_link", "required": false}]},
 "criteria": [{"id": "need", "title": "Need", "guidance": "…", "weight": 2, "scale_min": 1, "scale_max": 5}],
 "report_schedule": [{"kind": "final", "due_after_days": 365}],
 "report_form": {"questions": [{"id": "what", "label": "What happened?", "type": "long_text", "required": true}]}}`

// TestRoundSpecExampleRoundTrips: the SPEC's example body, sent verbatim, creates a round,
// and every field it defines comes back exactly as sent, on create, GET, in the list and
// after a PATCH that changes nothing; the response also carries the §12 fields.
func TestRoundSpecExampleRoundTrips(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		var sent map[string]any
		if err := json.Unmarshal([]byte(specExampleRound), &sent); err != nil {
			t.Fatal(err)
		}
		check := func(where string, got map[string]any) {
			t.Helper()
			for k, want := range sent {
				if !reflect.DeepEqual(want, got[k]) {
					t.Errorf("%s: %s does not round-trip:\n sent %s\n  got %s", where, k, jsonOf(want), jsonOf(got[k]))
				}
			}
			for _, k := range []string{"id", "programme_id", "status", "burden", "created_at", "updated_at"} {
				if _, ok := got[k]; !ok {
					t.Errorf("%s: no %s", where, k)
				}
			}
			if got["programme_id"] != w.programmeID {
				t.Errorf("%s: programme_id = %v", where, got["programme_id"])
			}
			want := map[string]any{"questions": 3.0, "required_questions": 2.0, "max_words_total": 300.0, "unlimited_text_questions": 0.0,
				"questions_answerable_by_recording": 1.0}
			if !reflect.DeepEqual(want, got["burden"]) {
				t.Errorf("%s: burden = %s, want %s", where, jsonOf(got["burden"]), jsonOf(want))
			}
		}
		created := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
			Token: w.manager.Token, Body: specExampleRound}).Map(t)
		check("create", created)
		id := created["id"].(string)
		check("get", env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id, Token: w.manager.Token}).Map(t))
		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds", Token: w.manager.Token}).Map(t)
		check("list", list["data"].([]any)[0].(map[string]any))
		// The whole definition sent back (less the prefix, which is its own) is no change.
		same := env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/rounds/" + id, Token: w.manager.Token,
			Body: specExampleRound, Header: map[string]string{"If-Match": `"1"`}})
		check("patch", same.Map(t))
		if same.Header.Get("ETag") != `"1"` {
			t.Errorf("a PATCH that changes nothing moved the ETag to %s", same.Header.Get("ETag"))
		}
		opened := w.act(t, id, "open", http.StatusOK)
		check("open", opened)
		check("public get", env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id}).Map(t))
	})
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRoundActionBodies: the status actions take no body; one sent must be {} — a field
// such as "status", in any casing, is refused (400) and changes nothing.
func TestRoundActionBodies(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		id := w.create(t, nil)["id"].(string)
		for _, body := range []string{`{"status": "archived"}`, `{"Status": "closed"}`, `{"closes_at": "2025-12-31T00:00:00Z"}`, `[]`, `{} {}`} {
			env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/open", Token: w.manager.Token, Body: body})
		}
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id, Token: w.manager.Token})
		if r.Map(t)["status"] != "draft" || r.Header.Get("ETag") != `"1"` {
			t.Fatalf("refused action bodies changed the round: %s", r.Body)
		}
		if got := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/open", Token: w.manager.Token, Body: `{}`}).Map(t); got["status"] != "open" {
			t.Fatalf("open with {}: %v", got["status"])
		}
	})
}

// TestRoundOpenedBeforeOpensAt: a round opened ahead of its opens_at is published (listed,
// readable, its eligibility check answers) but takes applications only from opens_at.
func TestRoundOpenedBeforeOpensAt(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		id := w.openRound(t, func(b map[string]any) { b["opens_at"] = "2025-03-20T09:00:00Z" })
		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id}).Map(t)
		if r["status"] != "open" || r["accepting_applications"] != false {
			t.Fatalf("before opens_at: status %v accepting %v", r["status"], r["accepting_applications"])
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/eligibility-check",
			Body: map[string]any{"answers": map[string]any{"user_led": true}}})
		p := env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/applications", Token: w.owner.Token,
			Body: map[string]any{"organisation_id": w.orgID}}).Map(t)
		if !strings.Contains(p["detail"].(string), "2025-03-20T09:00:00Z") {
			t.Errorf("409 does not say when the round opens: %v", p["detail"])
		}
		w.travel(t, time.Date(2025, 3, 20, 9, 0, 0, 0, time.UTC))
		if r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id}).Map(t); r["accepting_applications"] != true {
			t.Fatalf("at opens_at: accepting %v", r["accepting_applications"])
		}
		w.draft(t, w.owner, id, w.orgID)
	})
}
