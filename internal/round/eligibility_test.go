package round

import (
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
