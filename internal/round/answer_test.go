package round

import (
	"encoding/json"
	"testing"
)

func TestValidateAnswer(t *testing.T) {
	short := Question{ID: "q", Type: ShortText, MaxLength: 5}
	long := Question{ID: "q", Type: LongText, MaxWords: 3}
	num := Question{ID: "q", Type: Number, Min: f64(1), Max: f64(10)}
	money := Question{ID: "q", Type: Money, Min: f64(0), Max: f64(500000)}
	single := Question{ID: "q", Type: SingleChoice, Options: []string{"a", "b"}}
	multi := Question{ID: "q", Type: MultiChoice, Options: []string{"a", "b", "c"}}
	cases := []struct {
		name string
		q    Question
		v    any
		ok   bool
	}{
		{"missing is fine", long, nil, true},
		{"blank is missing", long, "   ", true},
		{"text within words", long, "one two  three", true},
		{"text over words", long, "one two three four", false},
		{"text not a string", long, 3.0, false},
		{"short within length", short, "héllo", true},
		{"short over length", short, "hello!", false},
		{"number in range", num, 2.5, true},
		{"number json.Number", num, json.Number("7"), true},
		{"number below", num, 0.0, false},
		{"number above", num, 11.0, false},
		{"number as text", num, "5", false},
		{"money whole", money, 50000.0, true},
		{"money fractional", money, 10.5, false},
		{"money over max", money, 500001.0, false},
		{"money negative", money, -1.0, false},
		{"date", Question{Type: Date}, "2025-03-31", true},
		{"date impossible", Question{Type: Date}, "2025-02-30", false},
		{"date with time", Question{Type: Date}, "2025-03-31T00:00:00Z", false},
		{"email", Question{Type: Email}, "sam@example.org", true},
		{"email with name", Question{Type: Email}, "Sam <sam@example.org>", false},
		{"email no domain dot", Question{Type: Email}, "sam@localhost", false},
		{"url https", Question{Type: URL}, "https://example.org/a?b=c", true},
		{"url http upper", Question{Type: URL}, "HTTP://example.org", true},
		{"url javascript", Question{Type: URL}, "javascript:alert(1)", false},
		{"url ftp", Question{Type: URL}, "ftp://example.org/x", false},
		{"url no host", Question{Type: URL}, "https:///x", false},
		{"url with credentials", Question{Type: URL}, "https://u:p@example.org", false},
		{"media link", Question{Type: MediaLink}, "https://youtu.be/abc", true},
		{"media link data", Question{Type: MediaLink}, "data:video/mp4;base64,AAAA", false},
		{"single ok", single, "a", true},
		{"single other", single, "z", false},
		{"single list", single, []any{"a"}, false},
		{"multi ok", multi, []any{"a", "c"}, true},
		{"multi unknown", multi, []any{"a", "z"}, false},
		{"multi duplicate", multi, []any{"a", "a"}, false},
		{"multi not strings", multi, []any{1.0}, false},
		{"multi scalar", multi, "a", false},
		{"yes_no", Question{Type: YesNo}, false, true},
		{"yes_no text", Question{Type: YesNo}, "yes", false},
		{"unknown type", Question{Type: "essay"}, "x", false},
	}
	for _, c := range cases {
		err := ValidateAnswer(c.q, c.v)
		if (err == nil) != c.ok {
			t.Errorf("%s: ValidateAnswer(%v) = %v, want ok=%v", c.name, c.v, err, c.ok)
		}
		if err != nil {
			if _, isAnswer := err.(*AnswerError); !isAnswer || err.Error() == "" {
				t.Errorf("%s: error %T %q is not an AnswerError with a message", c.name, err, err)
			}
		}
	}
}

func TestCheckAnswers(t *testing.T) {
	d := example()
	answers := map[string]any{
		"user_led": "yes",                       // wrong type
		"about":    "far too many words " + "x", // 5 words, limit 300: fine
		"plan":     nil,                         // required, missing
		"bogus":    "x",                         // no such question
	}
	partial := CheckAnswers(d, answers, false)
	want := map[string]bool{"answers.user_led": true, "answers.bogus": true}
	if len(partial) != len(want) {
		t.Fatalf("autosave problems = %v, want %v", partial, want)
	}
	for _, f := range partial {
		if !want[f.Field] {
			t.Errorf("unexpected problem %v", f)
		}
	}
	full := CheckAnswers(d, answers, true)
	names := map[string]string{}
	for _, f := range full {
		names[f.Field] = f.Message
	}
	for _, f := range []string{"answers.user_led", "answers.bogus", "answers.plan", "answers.income"} {
		if _, ok := names[f]; !ok {
			t.Errorf("submit check does not name %s: %v", f, full)
		}
	}
	if names["answers.plan"] != "is required" {
		t.Errorf("answers.plan: %q", names["answers.plan"])
	}
	if _, ok := names["answers.video"]; ok {
		t.Error("an optional question was required")
	}
}
