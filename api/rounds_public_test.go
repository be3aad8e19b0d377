package api_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// The public face of a round: the eligibility check and the form, with no account.

// eligibilityResult is the eligibility check's answer, decoded strictly.
type eligibilityResult struct {
	Eligible *bool `json:"eligible"`
	Reasons  []struct {
		QuestionID string `json:"question_id"`
		Code       string `json:"code"`
		Message    string `json:"message"`
	} `json:"reasons"`
	Unanswered []string `json:"unanswered"`
}

// verdict is eligible as a word: true, false or null.
func (r eligibilityResult) verdict() string {
	if r.Eligible == nil {
		return "null"
	}
	return map[bool]string{true: "true", false: "false"}[*r.Eligible]
}

// reasons are the reasons as "question_id code message".
func (r eligibilityResult) reasons() []string {
	out := []string{}
	for _, why := range r.Reasons {
		out = append(out, why.QuestionID+" "+why.Code+" "+why.Message)
	}
	return out
}

func TestEligibilityCheck(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		id := w.create(t, nil)["id"].(string)
		w.act(t, id, "open", http.StatusOK)
		check := func(answers map[string]any) eligibilityResult {
			t.Helper()
			var r eligibilityResult
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/eligibility-check",
				Body: map[string]any{"answers": answers}}).Decode(t, &r)
			return r
		}
		cases := []struct {
			name       string
			answers    map[string]any
			verdict    string
			reasons    []string
			unanswered []string
		}{
			{"nothing answered yet", map[string]any{}, "null", []string{
				"user_led unanswered Please answer: Is your group led by people with lived experience?",
				"income unanswered Please answer: Your annual income"}, []string{"user_led", "income"}},
			{"half answered, nothing broken", map[string]any{"user_led": true}, "null",
				[]string{"income unanswered Please answer: Your annual income"}, []string{"income"}},
			{"half answered, a rule broken: no answer can mend it", map[string]any{"user_led": false}, "false", []string{
				"user_led not_met This fund is for user-led groups.",
				"income unanswered Please answer: Your annual income"}, []string{"income"}},
			{"every rule broken, in the funder's words", map[string]any{"user_led": false, "income": 30000000}, "false", []string{
				"user_led not_met This fund is for user-led groups.",
				"income not_met Your income must be £250,000 or less."}, []string{}},
			{"eligible; form answers ignored", map[string]any{"user_led": true, "income": 1200000, "about": "ignored"}, "true", []string{}, []string{}},
			{"blank answers count as unanswered", map[string]any{"user_led": " ", "income": 1200000}, "null",
				[]string{"user_led unanswered Please answer: Is your group led by people with lived experience?"}, []string{"user_led"}},
		}
		for _, c := range cases {
			r := check(c.answers)
			if r.verdict() != c.verdict || !reflect.DeepEqual(r.reasons(), c.reasons) || !reflect.DeepEqual(r.Unanswered, c.unanswered) {
				t.Errorf("%s: eligible %s, reasons %q, unanswered %q; want %s, %q, %q", c.name,
					r.verdict(), r.reasons(), r.Unanswered, c.verdict, c.reasons, c.unanswered)
			}
		}
		p := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/eligibility-check",
			Body: map[string]any{"answers": map[string]any{"user_led": "yes", "income": 10.5, "shoe_size": 9}}}).Map(t)
		fields := map[string]bool{}
		for _, e := range p["errors"].([]any) {
			fields[e.(map[string]any)["field"].(string)] = true
		}
		if !fields["answers.user_led"] || !fields["answers.income"] || !fields["answers.shoe_size"] {
			t.Fatalf("422 = %v", p)
		}
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/eligibility-check", Body: map[string]any{"answers": map[string]any{}, "eligible": true}})
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/eligibility-check", Body: map[string]any{}})
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
		for _, want := range []string{"Side by Side 2025", "A round of Side by Side Fund.", "1. Is your group led by people with lived experience? (required)",
			"3. Tell us about your group (required)", "Who you are and what you do.", "up to 300 words",
			"4. Or send us a video (optional)", "4 questions, 3 of them required", "Grants of £500 to £5,000."} {
			if !strings.Contains(string(text), want) {
				t.Errorf("plain text lacks %q:\n%s", want, text)
			}
		}
	})
}
