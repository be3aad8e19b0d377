package round

import (
	"encoding/json"
	"strings"
	"testing"
)

// rec is a recording given as an answer (transcript nil: none).
func rec(link string, transcript any) map[string]any {
	m := map[string]any{RecordingLink: link}
	if transcript != nil {
		m[RecordingTranscript] = transcript
	}
	return m
}

func TestMissing(t *testing.T) {
	for _, c := range []struct {
		v       any
		missing bool
	}{
		{nil, true}, {"  ", true}, {[]any{}, true}, {map[string]any{}, true},
		{map[string]any{"media_link": "", "transcript": " "}, true},
		{map[string]any{"media_link": "", "transcript": "words kept by autosave"}, false},
		{map[string]any{"media_link": "https://x.org/a"}, false},
		{false, false}, {0.0, false},
	} {
		if got := Missing(c.v); got != c.missing {
			t.Errorf("Missing(%#v) = %v, want %v", c.v, got, c.missing)
		}
	}
}

func TestValidateAnswer(t *testing.T) {
	short := Question{ID: "q", Type: ShortText, MaxLength: 5}
	long := Question{ID: "q", Type: LongText, MaxWords: 3}
	num := Question{ID: "q", Type: Number, Min: f64(1), Max: f64(10)}
	money := Question{ID: "q", Type: Money, Min: f64(0), Max: f64(500000)}
	single := Question{ID: "q", Type: SingleChoice, Options: []string{"a", "b"}}
	multi := Question{ID: "q", Type: MultiChoice, Options: []string{"a", "b", "c"}}
	either := Question{ID: "q", Type: LongText, MaxWords: 3, Accepts: []AnswerKind{AnswerText, AnswerMediaLink}}
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
		// A question that accepts a recording takes writing (within its limits) or a recording.
		{"either: writing", either, "one two three", true},
		{"either: writing over words", either, "one two three four", false},
		{"either: recording", either, rec("https://youtu.be/abc", nil), true},
		{"either: recording with transcript", either, rec("https://youtu.be/abc", "one two three four five: limits are for writing"), true},
		{"either: recording without link", either, map[string]any{"transcript": "words"}, false},
		{"either: recording with javascript link", either, rec("javascript:alert(1)", nil), false},
		{"either: recording link not text", either, map[string]any{"media_link": 7.0}, false},
		{"either: recording with another key", either, map[string]any{"media_link": "https://x.org/a", "duration": 3.0}, false},
		{"either: transcript not text", either, rec("https://x.org/a", 3.0), false},
		{"either: transcript too long", either, rec("https://x.org/a", strings.Repeat("a", MaxTranscriptLength+1)), false},
		{"either: transcript at the limit", either, rec("https://x.org/a", strings.Repeat("a", MaxTranscriptLength)), true},
		{"either: a number", either, 3.0, false},
		{"text only: no recording", long, rec("https://youtu.be/abc", nil), false},
		{"media link as a recording", Question{Type: MediaLink}, rec("https://youtu.be/abc", "hello"), true},
		{"url: no recording", Question{Type: URL}, rec("https://youtu.be/abc", nil), false},
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

// TestCheckAnswersRecordings: a recording satisfies a required question that accepts one,
// at submission as in a draft; writing still does; money limits are said in the currency.
func TestCheckAnswersRecordings(t *testing.T) {
	d := example()
	d.Form.Questions[0].Accepts = []AnswerKind{AnswerText, AnswerMediaLink}
	d.Form.Questions = append(d.Form.Questions, Question{ID: "costs", Label: "Costs", Type: Money, Min: f64(100), Max: f64(250000)})
	base := map[string]any{"user_led": true, "income": 100.0, "plan": "We will meet."}
	with := func(k string, v any) map[string]any {
		m := map[string]any{k: v}
		for k, v := range base {
			m[k] = v
		}
		return m
	}
	if f := CheckAnswers(d, with("about", rec("https://example.org/our-video", "We are a peer group.")), true); len(f) != 0 {
		t.Errorf("a recording did not satisfy the required question: %v", f)
	}
	if f := CheckAnswers(d, with("about", "We are a peer group."), true); len(f) != 0 {
		t.Errorf("writing did not satisfy the required question: %v", f)
	}
	f := CheckAnswers(d, with("about", map[string]any{"media_link": "", "transcript": "words"}), true)
	if len(f) != 1 || f[0].Field != "answers.about" || !strings.Contains(f[0].Message, "media_link") {
		t.Errorf("a recording without its link: %v", f)
	}
	// plan takes writing only.
	f = CheckAnswers(d, with("about", "x"), true)
	if len(f) != 0 {
		t.Fatalf("%v", f)
	}
	b := with("about", "x")
	b["plan"] = rec("https://example.org/v", nil)
	if f := CheckAnswers(d, b, true); len(f) != 1 || f[0].Field != "answers.plan" {
		t.Errorf("a recording for a writing-only question: %v", f)
	}
	b = with("about", "x")
	b["costs"] = 250001.0
	if f := CheckAnswers(d, b, false); len(f) != 1 || f[0].Message != "must be at most £2,500" {
		t.Errorf("money over its limit: %v", f)
	}
}
