package api_test

import (
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// The public face of a round: the eligibility check and the form, with no account.

func TestEligibilityCheck(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		id := w.create(t, nil)["id"].(string)
		w.act(t, id, "open", http.StatusOK)
		check := func(want int, answers any) map[string]any {
			return env.Expect(t, want, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/eligibility-check",
				Body: map[string]any{"answers": answers}}).Map(t)
		}
		if r := check(http.StatusOK, map[string]any{"user_led": true, "income": 1200000, "about": "ignored"}); r["eligible"] != true || len(r["reasons"].([]any)) != 0 {
			t.Fatalf("eligible group: %v", r)
		}
		r := check(http.StatusOK, map[string]any{"user_led": false, "income": 30000000})
		reasons := r["reasons"].([]any)
		if r["eligible"] != false || len(reasons) != 2 || reasons[0] != "This fund is for user-led groups." || reasons[1] != "Your income must be £250,000 or less." {
			t.Fatalf("ineligible group: %v", r)
		}
		if r := check(http.StatusOK, map[string]any{"user_led": true}); r["eligible"] != false || !strings.Contains(r["reasons"].([]any)[0].(string), "annual income") {
			t.Fatalf("unanswered: %v", r)
		}
		p := check(http.StatusUnprocessableEntity, map[string]any{"user_led": "yes", "income": 10.5, "shoe_size": 9})
		fields := map[string]bool{}
		for _, e := range p["errors"].([]any) {
			fields[e.(map[string]any)["field"].(string)] = true
		}
		if !fields["answers.user_led"] || !fields["answers.income"] || !fields["answers.shoe_size"] {
			t.Fatalf("422 = %v", p)
		}
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/eligibility-check", Body: map[string]any{"answers": map[string]any{}, "eligible": true}})
	})
}

func TestRoundForm(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		id := w.create(t, nil)["id"].(string)
		w.act(t, id, "open", http.StatusOK)
		f := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id + "/form"}).Map(t)
		if f["round_id"] != id || len(f["form"].(map[string]any)["questions"].([]any)) != 2 || f["burden"].(map[string]any)["questions"] != 4.0 {
			t.Fatalf("JSON form = %v", f)
		}
		// Plain text, as a screen reader or an offline drafter gets it.
		resp := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id + "/form", Header: map[string]string{"Accept": "text/plain"}})
		text := resp.Body
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("plain text: Content-Type %s", resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{"Side by Side 2025", "1. Is your group led by people with lived experience? (required)",
			"3. Tell us about your group (required)", "Who you are and what you do.", "up to 300 words",
			"4. Or send us a video (optional)", "4 questions, 3 of them required"} {
			if !strings.Contains(string(text), want) {
				t.Errorf("plain text lacks %q:\n%s", want, text)
			}
		}
	})
}
