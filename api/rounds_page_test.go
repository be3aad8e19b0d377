package api_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// The round's page: what a group needs besides the form — the programme it belongs to, how
// to reach the funder, the support offered with access needs and alongside the money, and
// when a decision is expected.

// pageFields is a full round page, as a request sends it and every response returns it.
func pageFields() map[string]any {
	return map[string]any{
		"contact": map[string]any{"email": "grants@example.org", "phone": "0113 496 0000", "text_phone": "07700 900123",
			"note": "We answer the phone Tuesday to Thursday, 10am to 4pm, and can call you back."},
		"accessibility": map[string]any{"help_with_forms": true, "alternative_formats": []any{"easy_read", "large_print", "audio"},
			"pays_for_access_needs": true, "note": "Tell us what would help and we will arrange it."},
		"decision_expected_by": "2025-05-30",
		"support_offer":        "Every funded group is offered a mentor and two places at our spring network day.",
	}
}

// TestRoundPageRoundTrips: the page's fields come back as sent on create, GET, the list
// and to anyone once the round is open; the programme's name and description ride along
// for everyone who can see the round, though programmes themselves stay the managers'.
func TestRoundPageRoundTrips(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/programmes/" + w.programmeID, Token: w.manager.Token,
			Body: map[string]any{"description": "Small grants for user-led groups."}})
		wantProgramme := map[string]any{"id": w.programmeID, "name": "Side by Side Fund", "description": "Small grants for user-led groups."}
		page := pageFields()
		created := w.create(t, func(b map[string]any) {
			for k, v := range page {
				b[k] = v
			}
		})
		id := created["id"].(string)
		check := func(where string, got map[string]any) {
			t.Helper()
			for k, want := range page {
				if !reflect.DeepEqual(want, got[k]) {
					t.Errorf("%s: %s = %s, want %s", where, k, jsonOf(got[k]), jsonOf(want))
				}
			}
			if !reflect.DeepEqual(wantProgramme, got["programme"]) {
				t.Errorf("%s: programme = %s, want %s", where, jsonOf(got["programme"]), jsonOf(wantProgramme))
			}
		}
		check("create", created)
		check("manager get", env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id, Token: w.manager.Token}).Map(t))
		check("open", w.act(t, id, "open", http.StatusOK))
		applicant := env.Applicant()
		for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"applicant", applicant.Token}, {"panel", env.Panel().Token}} {
			check(who.name+" get", env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id, Token: who.token}).Map(t))
			list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds", Token: who.token}).Map(t)
			check(who.name+" list", list["data"].([]any)[0].(map[string]any))
			// The programme itself is still not theirs to read.
			wantStatus := http.StatusForbidden
			if who.token == "" {
				wantStatus = http.StatusUnauthorized
			}
			env.Expect(t, wantStatus, apitest.Req{Method: "GET", Path: "/v1/programmes/" + w.programmeID, Token: who.token})
		}

		// A round that says nothing of these returns them empty: null for the date.
		bare := w.create(t, nil)
		empty := map[string]any{
			"contact":       map[string]any{"email": "", "phone": "", "text_phone": "", "note": ""},
			"accessibility": map[string]any{"help_with_forms": false, "alternative_formats": []any{}, "pays_for_access_needs": false, "note": ""},
			"support_offer": "",
		}
		for k, want := range empty {
			if !reflect.DeepEqual(want, bare[k]) {
				t.Errorf("bare round: %s = %s, want %s", k, jsonOf(bare[k]), jsonOf(want))
			}
		}
		if v, ok := bare["decision_expected_by"]; !ok || v != nil {
			t.Errorf("bare round: decision_expected_by = %v (present %v), want null", v, ok)
		}
	})
}

// TestRoundPagePatch: the page's fields change like the rest of the definition, each until
// its own freeze point: the decision date until decisions are published, contact,
// accessibility and support offer until the round is archived.
func TestRoundPagePatch(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		id := w.create(t, nil)["id"].(string)
		patch := func(want int, body map[string]any) map[string]any {
			t.Helper()
			return env.Expect(t, want, apitest.Req{Method: "PATCH", Path: "/v1/rounds/" + id, Token: w.manager.Token, Body: body}).Map(t)
		}
		got := patch(http.StatusOK, pageFields())
		if got["decision_expected_by"] != "2025-05-30" || got["contact"].(map[string]any)["email"] != "grants@example.org" {
			t.Fatalf("PATCH page: %v", got)
		}
		// The same values again are no change (no new version, no event).
		again := env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/rounds/" + id, Token: w.manager.Token, Body: pageFields()})
		if again.Header.Get("ETag") != `"2"` {
			t.Errorf("an unchanged page moved the ETag to %s", again.Header.Get("ETag"))
		}
		// contact is replaced whole; "" stops saying a decision date.
		got = patch(http.StatusOK, map[string]any{"contact": map[string]any{"email": "hello@example.org"}, "decision_expected_by": ""})
		if c := got["contact"].(map[string]any); c["email"] != "hello@example.org" || c["phone"] != "" || got["decision_expected_by"] != nil {
			t.Fatalf("PATCH contact whole, clear the date: %v", got)
		}
		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?action=round.updated&entity_id=" + id, Token: w.manager.Token}).Map(t)
		changes := events["data"].([]any)[0].(map[string]any)["changes"]
		if !strings.Contains(jsonOf(changes), `"contact"`) || !strings.Contains(jsonOf(changes), `"decision_expected_by"`) {
			t.Errorf("round.updated does not name the page's fields: %s", jsonOf(changes))
		}

		// Open: the page may still change (a new phone line, more support).
		w.act(t, id, "open", http.StatusOK)
		patch(http.StatusOK, map[string]any{"accessibility": map[string]any{"help_with_forms": true}, "decision_expected_by": "2025-06-13",
			"support_offer": "A mentor.", "contact": map[string]any{"phone": "+44 113 496 0000"}})
		w.act(t, id, "close", http.StatusOK)
		w.act(t, id, "start-assessment", http.StatusOK)
		patch(http.StatusOK, map[string]any{"decision_expected_by": "2025-06-27"})
		w.act(t, id, "publish-decisions", http.StatusOK)
		// Decided: the decision date is history; the rest stays true for funded groups.
		frozen := patch(http.StatusConflict, map[string]any{"decision_expected_by": "2025-07-01"})
		if roundProblemFields(frozen)["decision_expected_by"] == "" {
			t.Errorf("409 does not name decision_expected_by: %v", frozen)
		}
		patch(http.StatusOK, map[string]any{"support_offer": "A mentor, and a place at our network day.", "contact": map[string]any{"email": "after@example.org"}})
		w.act(t, id, "archive", http.StatusOK)
		frozen = patch(http.StatusConflict, map[string]any{"contact": map[string]any{"email": "late@example.org"},
			"accessibility": map[string]any{"note": "x"}, "support_offer": "x"})
		for _, f := range []string{"contact", "accessibility", "support_offer"} {
			if roundProblemFields(frozen)[f] == "" {
				t.Errorf("409 does not name %s: %v", f, frozen)
			}
		}
	})
}

// TestRoundPageRefusals: what a page's fields must be, each problem named (422), and no
// unknown keys inside contact or accessibility (400).
func TestRoundPageRefusals(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		path := "/v1/programmes/" + w.programmeID + "/rounds"
		bad := specRoundBody()
		bad["contact"] = map[string]any{"email": "grants at example", "phone": "ring us", "text_phone": "123", "note": strings.Repeat("x", 1001)}
		bad["accessibility"] = map[string]any{"alternative_formats": []any{"braille", "smoke_signals", "braille"}, "note": strings.Repeat("x", 5001)}
		bad["decision_expected_by"] = "2025-03-30" // before the round closes
		bad["support_offer"] = strings.Repeat("x", 20001)
		p := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path, Token: w.manager.Token, Body: bad}).Map(t)
		got := roundProblemFields(p)
		for _, f := range []string{"contact.email", "contact.phone", "contact.text_phone", "contact.note",
			"accessibility.alternative_formats[1]", "accessibility.alternative_formats[2]", "accessibility.note",
			"decision_expected_by", "support_offer"} {
			if got[f] == "" {
				t.Errorf("422 does not name %s: %v", f, p["errors"])
			}
		}
		if len(got) != 9 {
			t.Errorf("422 names %d fields, want 9: %v", len(got), got)
		}
		id := w.create(t, nil)["id"].(string)
		p = env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "PATCH", Path: "/v1/rounds/" + id, Token: w.manager.Token,
			Body: map[string]any{"decision_expected_by": "30/05/2025"}}).Map(t)
		if !strings.Contains(roundProblemFields(p)["decision_expected_by"], "YYYY-MM-DD") {
			t.Errorf("a date in another format: %v", p)
		}
		for _, body := range []map[string]any{
			{"contact": map[string]any{"website": "https://example.org"}},
			{"accessibility": map[string]any{"Help_with_forms": true}},
			{"decision_expected_by": 20250530},
		} {
			env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "PATCH", Path: "/v1/rounds/" + id, Token: w.manager.Token, Body: body})
		}
		if r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id, Token: w.manager.Token}); r.Header.Get("ETag") != `"1"` {
			t.Errorf("refused changes moved the round to %s", r.Header.Get("ETag"))
		}
	})
}

// roundProblemFields maps each field a problem names to its message.
func roundProblemFields(problem map[string]any) map[string]string {
	out := map[string]string{}
	list, _ := problem["errors"].([]any)
	for _, e := range list {
		m := e.(map[string]any)
		out[m["field"].(string)] = m["message"].(string)
	}
	return out
}
