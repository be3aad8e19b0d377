package round

import (
	"fmt"
	"reflect"
	"testing"
)

func TestEvaluate(t *testing.T) {
	e := example().Eligibility
	e.Questions = append(e.Questions,
		Question{ID: "founded", Label: "When were you founded?", Type: Date},
		Question{ID: "legal", Label: "Legal form", Type: SingleChoice, Options: []string{"charity", "cic", "informal"}},
	)
	e.Rules = append(e.Rules,
		Rule{QuestionID: "founded", Op: OpGte, Value: "2015-01-01", Message: "Founded 2015 or later."},
		Rule{QuestionID: "legal", Op: OpNeq, Value: "cic", Message: "Not for CICs."},
	)
	good := map[string]any{"user_led": true, "income": 1000000.0, "region": []any{"south", "wales"}, "founded": "2019-05-01", "legal": "informal"}
	cases := []struct {
		name    string
		change  map[string]any
		reasons []string
	}{
		{"all pass", nil, []string{}},
		{"not user-led", map[string]any{"user_led": false}, []string{"This fund is for user-led groups."}},
		{"income at the limit passes", map[string]any{"income": 25000000.0}, []string{}},
		{"income over", map[string]any{"income": 25000001.0}, []string{"Your income must be under £250,000."}},
		{"no listed region", map[string]any{"region": []any{"south"}}, []string{"We fund the north and Wales."}},
		{"founded too early", map[string]any{"founded": "2014-12-31"}, []string{"Founded 2015 or later."}},
		{"a CIC", map[string]any{"legal": "cic"}, []string{"Not for CICs."}},
		{"unanswered", map[string]any{"user_led": nil}, []string{"Please answer: Is your group led by people with lived experience?"}},
		{"wrong type fails its rule", map[string]any{"user_led": "true"}, []string{"This fund is for user-led groups."}},
		{"several at once", map[string]any{"user_led": false, "income": 30000000.0, "legal": "cic"},
			[]string{"This fund is for user-led groups.", "Your income must be under £250,000.", "Not for CICs."}},
	}
	for _, c := range cases {
		answers := map[string]any{}
		for k, v := range good {
			answers[k] = v
		}
		for k, v := range c.change {
			answers[k] = v
		}
		ok, reasons := e.Evaluate(answers)
		if ok != (len(c.reasons) == 0) || !reflect.DeepEqual(reasons, c.reasons) {
			t.Errorf("%s: Evaluate = %v %q, want %q", c.name, ok, reasons, c.reasons)
		}
	}
}

func TestEvaluateReportsARepeatedMessageOnce(t *testing.T) {
	e := Eligibility{
		Questions: []Question{{ID: "a", Label: "A", Type: YesNo}, {ID: "b", Label: "B", Type: YesNo}},
		Rules: []Rule{
			{QuestionID: "a", Op: OpEq, Value: true, Message: "Same."},
			{QuestionID: "b", Op: OpEq, Value: true, Message: "Same."},
		},
	}
	ok, reasons := e.Evaluate(map[string]any{"a": false, "b": false})
	if ok || len(reasons) != 1 {
		t.Fatalf("Evaluate = %v %q", ok, reasons)
	}
}

func TestCheck(t *testing.T) {
	e := example().Eligibility
	e.Questions = append(e.Questions,
		Question{ID: "founded", Label: "When were you founded?", Type: Date},
		Question{ID: "legal", Label: "Legal form", Type: SingleChoice, Options: []string{"charity", "cic", "informal"}},
	)
	e.Rules = append(e.Rules,
		Rule{QuestionID: "founded", Op: OpGte, Value: "2015-01-01", Message: "Founded 2015 or later."},
		Rule{QuestionID: "legal", Op: OpNeq, Value: "cic", Message: "Not for CICs."},
	)
	e.Questions = append(e.Questions, Question{ID: "notes", Label: "Anything else?", Type: ShortText})
	good := map[string]any{"user_led": true, "income": 1000000.0, "region": []any{"south", "wales"}, "founded": "2019-05-01", "legal": "informal", "notes": "No."}
	notMet := func(id, m string) Reason { return Reason{QuestionID: id, Code: ReasonNotMet, Message: m} }
	unanswered := func(id, label string) Reason {
		return Reason{QuestionID: id, Code: ReasonUnanswered, Message: "Please answer: " + label}
	}
	yes, no := ptrTo(true), ptrTo(false)
	cases := []struct {
		name       string
		change     map[string]any
		eligible   *bool
		reasons    []Reason
		unanswered []string
	}{
		{"all pass", nil, yes, []Reason{}, []string{}},
		{"not user-led", map[string]any{"user_led": false}, no, []Reason{notMet("user_led", "This fund is for user-led groups.")}, []string{}},
		{"income at the limit passes", map[string]any{"income": 25000000.0}, yes, []Reason{}, []string{}},
		{"income over", map[string]any{"income": 25000001.0}, no, []Reason{notMet("income", "Your income must be under £250,000.")}, []string{}},
		{"no listed region", map[string]any{"region": []any{"south"}}, no, []Reason{notMet("region", "We fund the north and Wales.")}, []string{}},
		{"founded too early", map[string]any{"founded": "2014-12-31"}, no, []Reason{notMet("founded", "Founded 2015 or later.")}, []string{}},
		{"a CIC", map[string]any{"legal": "cic"}, no, []Reason{notMet("legal", "Not for CICs.")}, []string{}},
		{"unanswered: not yet known", map[string]any{"user_led": nil}, nil,
			[]Reason{unanswered("user_led", "Is your group led by people with lived experience?")}, []string{"user_led"}},
		{"an optional question a rule reads is needed", map[string]any{"region": []any{}}, nil,
			[]Reason{unanswered("region", "Where do you work?")}, []string{"region"}},
		{"an optional question no rule reads is not", map[string]any{"notes": nil}, yes, []Reason{}, []string{}},
		{"a broken rule is final, whatever is unanswered", map[string]any{"user_led": nil, "legal": "cic"}, no,
			[]Reason{unanswered("user_led", "Is your group led by people with lived experience?"), notMet("legal", "Not for CICs.")}, []string{"user_led"}},
		{"wrong type fails its rule", map[string]any{"user_led": "true"}, no, []Reason{notMet("user_led", "This fund is for user-led groups.")}, []string{}},
		{"several at once, in question order", map[string]any{"user_led": false, "income": 30000000.0, "legal": "cic"}, no,
			[]Reason{notMet("user_led", "This fund is for user-led groups."), notMet("income", "Your income must be under £250,000."), notMet("legal", "Not for CICs.")}, []string{}},
	}
	for _, c := range cases {
		answers := map[string]any{}
		for k, v := range good {
			answers[k] = v
		}
		for k, v := range c.change {
			answers[k] = v
		}
		got := e.Check(answers)
		want := Result{Eligible: c.eligible, Reasons: c.reasons, Unanswered: c.unanswered}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Check = %s, want %s", c.name, show(got), show(want))
		}
	}
}

func show(r Result) string {
	e := "null"
	if r.Eligible != nil {
		e = fmt.Sprint(*r.Eligible)
	}
	return fmt.Sprintf("eligible %s, reasons %+v, unanswered %q", e, r.Reasons, r.Unanswered)
}

func TestCheckRequiredWithoutRule(t *testing.T) {
	e := Eligibility{Questions: []Question{
		{ID: "name", Label: "Your group's name", Type: ShortText, Required: true},
		{ID: "story", Label: "Tell us about you", Type: LongText, Required: true, MaxWords: 5, Accepts: []AnswerKind{AnswerText, AnswerMediaLink}},
	}}
	got := e.Check(map[string]any{})
	if got.Eligible != nil || !reflect.DeepEqual(got.Unanswered, []string{"name", "story"}) || len(got.Reasons) != 2 || got.Reasons[1].Code != ReasonUnanswered {
		t.Fatalf("nothing answered: %s", show(got))
	}
	// Evaluate (the submission's verdict) counts only what rules read: CheckAnswers asks for
	// required answers.
	if ok, reasons := e.Evaluate(map[string]any{}); !ok || len(reasons) != 0 {
		t.Fatalf("Evaluate with no rules = %v %q", ok, reasons)
	}
	// A recording satisfies a question that accepts one, as writing does.
	got = e.Check(map[string]any{"name": "Sparks", "story": map[string]any{"media_link": "https://example.org/v"}})
	if got.Eligible == nil || !*got.Eligible || len(got.Reasons) != 0 || len(got.Unanswered) != 0 {
		t.Fatalf("answered with a recording: %s", show(got))
	}
	// A recording with only a transcript so far is an answer, but not a valid one: no rule
	// reads it, so the check says eligible (CheckQuestions names the problem first).
	if f := CheckQuestions(e.Questions, map[string]any{"name": "S", "story": map[string]any{"transcript": "words"}}, true, "answers."); len(f) != 1 || f[0].Field != "answers.story" {
		t.Fatalf("a transcript without a link: %v", f)
	}
}

func TestCheckReportsARepeatedMessageOncePerQuestion(t *testing.T) {
	e := Eligibility{
		Questions: []Question{{ID: "a", Label: "A", Type: YesNo}, {ID: "b", Label: "B", Type: YesNo}},
		Rules: []Rule{
			{QuestionID: "a", Op: OpEq, Value: true, Message: "Same."},
			{QuestionID: "a", Op: OpNeq, Value: false, Message: "Same."},
			{QuestionID: "b", Op: OpEq, Value: true, Message: "Same."},
		},
	}
	got := e.Check(map[string]any{"a": false, "b": false})
	if got.Eligible == nil || *got.Eligible || len(got.Reasons) != 2 || got.Reasons[0].QuestionID != "a" || got.Reasons[1].QuestionID != "b" {
		t.Fatalf("Check = %s", show(got))
	}
	// Evaluate, the submission's verdict, says the message once.
	if ok, reasons := e.Evaluate(map[string]any{"a": false, "b": false}); ok || !reflect.DeepEqual(reasons, []string{"Same."}) {
		t.Fatalf("Evaluate = %v %q", ok, reasons)
	}
}
