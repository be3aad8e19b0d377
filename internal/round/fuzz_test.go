package round

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzValidateAnswer throws arbitrary JSON answers at questions of every type and limit:
// no panic, errors carry a message, and what passes really has the question's shape.
func FuzzValidateAnswer(f *testing.F) {
	f.Add(uint8(0), `"hello world"`, 2, 0, 1.0, 10.0)
	f.Add(uint8(3), `50000`, 0, 0, 0.0, 100000.0)
	f.Add(uint8(3), `10.5`, 0, 0, 0.0, 100000.0)
	f.Add(uint8(4), `"2025-02-29"`, 0, 0, 0.0, 0.0)
	f.Add(uint8(6), `"javascript:alert(1)"`, 0, 0, 0.0, 0.0)
	f.Add(uint8(8), `["a","a"]`, 0, 0, 0.0, 0.0)
	f.Add(uint8(9), `true`, 0, 0, 0.0, 0.0)
	f.Add(uint8(10), `"https://example.org/v.mp4"`, 0, 0, 0.0, 0.0)
	f.Add(uint8(128+1), `{"media_link":"https://example.org/v.mp4","transcript":"We meet weekly."}`, 3, 0, 0.0, 0.0)
	f.Add(uint8(1), `{"media_link":"https://example.org/v.mp4"}`, 3, 0, 0.0, 0.0)
	f.Add(uint8(128+1), `{"media_link":"","transcript":"words"}`, 3, 0, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, typ uint8, raw string, maxWords, maxLength int, lo, hi float64) {
		var v any
		if json.Unmarshal([]byte(raw), &v) != nil {
			return
		}
		q := Question{ID: "q", Label: "Q", Type: QuestionTypes[int(typ&127)%len(QuestionTypes)], MaxWords: maxWords % 1000,
			MaxLength: maxLength % 1000, Options: []string{"a", "b", "c"}, Min: &lo, Max: &hi}
		if typ >= 128 { // the question also takes a recording
			q.Accepts = []AnswerKind{AnswerText, AnswerMediaLink}
		}
		err := ValidateAnswer(q, v)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if Missing(v) {
			return
		}
		if rec, ok := v.(map[string]any); ok {
			link, _ := rec[RecordingLink].(string)
			low := strings.ToLower(link)
			if !q.TakesRecording() || (!strings.HasPrefix(low, "http://") && !strings.HasPrefix(low, "https://")) {
				t.Fatalf("accepted recording %#v for %+v", v, q)
			}
			return
		}
		switch q.Type {
		case ShortText, LongText:
			s, ok := v.(string)
			if !ok || (q.MaxWords > 0 && CountWords(s) > q.MaxWords) {
				t.Fatalf("accepted %#v for %+v", v, q)
			}
		case Number, Money:
			n, ok := v.(float64)
			if !ok || n < lo || n > hi {
				t.Fatalf("accepted %#v outside [%v, %v]", v, lo, hi)
			}
		case URL, MediaLink:
			s, _ := v.(string)
			low := strings.ToLower(s)
			if !strings.HasPrefix(low, "http://") && !strings.HasPrefix(low, "https://") {
				t.Fatalf("accepted non-http link %q", s)
			}
		case YesNo:
			if _, ok := v.(bool); !ok {
				t.Fatalf("accepted %#v as yes/no", v)
			}
		}
	})
}

// FuzzEligibility decodes an arbitrary eligibility definition and answers: validation and
// evaluation never panic; Evaluate is ok exactly when it has no reasons and, for a valid
// definition, agrees with Check whenever Check gives a verdict; Check is eligible (true)
// exactly when there are no reasons, false exactly when a rule is broken, null otherwise;
// every not_met reason is a rule's message and every unanswered one a request for an
// answer, listed in unanswered; a definition that validates has rules that all refer to
// its questions.
func FuzzEligibility(f *testing.F) {
	f.Add(`{"questions":[{"id":"user_led","label":"User-led?","type":"yes_no","required":true}],"rules":[{"question_id":"user_led","op":"eq","value":true,"message":"For user-led groups."}]}`,
		`{"user_led":false}`)
	f.Add(`{"questions":[{"id":"income","label":"Income","type":"money"}],"rules":[{"question_id":"income","op":"lte","value":25000000,"message":"Too big."}]}`,
		`{"income":"lots"}`)
	f.Add(`{"questions":[{"id":"r","label":"Region","type":"multi_choice","options":["n","s"]}],"rules":[{"question_id":"r","op":"in","value":["n"],"message":"North only."}]}`,
		`{"r":["s","n"]}`)
	f.Add(`{"questions":[{"id":"d","label":"Founded","type":"date"}],"rules":[{"question_id":"d","op":"gte","value":"2015-01-01","message":"Too old."},{"question_id":"x","op":"in","value":7,"message":"?"}]}`,
		`{"d":"2014-13-01"}`)
	f.Fuzz(func(t *testing.T, def, ans string) {
		var e Eligibility
		var answers map[string]any
		if json.Unmarshal([]byte(def), &e) != nil || json.Unmarshal([]byte(ans), &answers) != nil {
			return
		}
		d := example()
		d.Eligibility = e
		d.Form.Questions = nil
		valid := d.Validate() == nil
		res := e.Check(answers)
		ok, reasons := e.Evaluate(answers)
		if ok != (len(reasons) == 0) {
			t.Fatalf("Evaluate: ok=%v with reasons %q", ok, reasons)
		}
		if valid && res.Eligible != nil && *res.Eligible != ok {
			t.Fatalf("Check says %v, Evaluate %v %q", *res.Eligible, ok, reasons)
		}
		notMet, unanswered := 0, 0
		for _, r := range res.Reasons {
			switch r.Code {
			case ReasonNotMet:
				notMet++
			case ReasonUnanswered:
				unanswered++
				if !strings.HasPrefix(r.Message, "Please answer: ") {
					t.Fatalf("unanswered reason %q does not ask for the answer", r.Message)
				}
			default:
				t.Fatalf("reason code %q", r.Code)
			}
		}
		switch {
		case res.Eligible == nil:
			if notMet != 0 || unanswered == 0 {
				t.Fatalf("eligible=null with reasons %+v", res.Reasons)
			}
		case *res.Eligible:
			if len(res.Reasons) != 0 || len(res.Unanswered) != 0 {
				t.Fatalf("eligible=true with reasons %+v", res.Reasons)
			}
		default:
			if notMet == 0 {
				t.Fatalf("eligible=false without a broken rule: %+v", res.Reasons)
			}
		}
		if unanswered != len(res.Unanswered) {
			t.Fatalf("%d unanswered reasons, unanswered %q", unanswered, res.Unanswered)
		}
		messages := map[string]bool{}
		for _, r := range e.Rules {
			messages[r.Message] = true
		}
		for _, r := range res.Reasons {
			if r.Code == ReasonNotMet && !messages[r.Message] {
				t.Fatalf("reason %q is no rule's message", r.Message)
			}
		}
		for _, r := range reasons {
			if !messages[r] && !strings.HasPrefix(r, "Please answer: ") {
				t.Fatalf("Evaluate's reason %q is no rule's message", r)
			}
		}
		if valid {
			ids := map[string]bool{}
			for _, q := range e.Questions {
				ids[q.ID] = true
			}
			for _, r := range e.Rules {
				if !ids[r.QuestionID] {
					t.Fatalf("a valid definition has a rule on unknown question %q", r.QuestionID)
				}
			}
			_ = CheckQuestions(e.Questions, answers, true, "answers.")
		}
	})
}
