package application

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"constellate/internal/round"
)

func ptrTo[T any](v T) *T { return &v }

// problemRound asks a question of every type, with limits, and one eligibility rule on a
// required question and one on an optional one.
func problemRound() round.Round {
	return round.Round{Definition: round.Definition{Currency: "GBP", MinGrant: 50000, MaxGrant: 500000,
		Eligibility: round.Eligibility{
			Questions: []round.Question{{ID: "user_led", Label: "User-led?", Type: round.YesNo, Required: true},
				{ID: "members", Label: "Members", Type: round.Number}},
			Rules: []round.Rule{{QuestionID: "user_led", Op: round.OpEq, Value: true, Message: "This fund is for user-led groups."},
				{QuestionID: "members", Op: round.OpGte, Value: 3.0, Message: "You need three members."}}},
		Form: round.Form{Questions: []round.Question{
			{ID: "about", Label: "About", Type: round.LongText, Required: true, MaxWords: 3},
			{ID: "name", Label: "Name", Type: round.ShortText, MaxLength: 5},
			{ID: "people", Label: "People", Type: round.Number, Min: ptrTo(1.0), Max: ptrTo(10.0)},
			{ID: "costs", Label: "Costs", Type: round.Money},
			{ID: "start", Label: "Start", Type: round.Date},
			{ID: "email", Label: "Email", Type: round.Email},
			{ID: "pick", Label: "Pick", Type: round.SingleChoice, Options: []string{"a", "b"}},
			{ID: "picks", Label: "Picks", Type: round.MultiChoice, Options: []string{"x", "y"}},
			{ID: "agree", Label: "Agree", Type: round.YesNo},
			{ID: "video", Label: "Video", Type: round.MediaLink},
		}}}}
}

// TestProblemsCodes: every kind of problem, each with its code, in form order; a complete
// application has none.
func TestProblemsCodes(t *testing.T) {
	r := problemRound()
	a := Application{Title: strings.Repeat("t", MaxTitleLength+1), Summary: strings.Repeat("s", MaxSummaryLength+1),
		RequestedAmount: 600000, Answers: map[string]any{
			"user_led": "yes", "members": 2.0, "about": "one two three four", "name": "toolong", "people": 11.0,
			"costs": 1.5, "start": "2025-02-30", "email": "a@b", "pick": "c", "picks": []any{"x", "x"}, "agree": []any{true},
			"video": "ftp://example.org/v",
		}}
	got := Problems(r, a)
	want := []Problem{
		{Field: "title", Code: ProblemTooLong},
		{Field: "summary", Code: ProblemTooLong},
		{Field: "requested_amount", Code: ProblemOutOfRange},
		{Field: "answers.user_led", Code: ProblemWrongType},
		{Field: "answers.about", Code: ProblemTooLong},
		{Field: "answers.name", Code: ProblemTooLong},
		{Field: "answers.people", Code: ProblemOutOfRange},
		{Field: "answers.costs", Code: ProblemInvalid},
		{Field: "answers.start", Code: ProblemInvalid},
		{Field: "answers.email", Code: ProblemInvalid},
		{Field: "answers.pick", Code: ProblemInvalid},
		{Field: "answers.picks", Code: ProblemInvalid},
		{Field: "answers.agree", Code: ProblemWrongType},
		{Field: "answers.video", Code: ProblemInvalid},
		// user_led has a problem of its own: its rule is not judged on a slip.
		{Field: "eligibility", Code: ProblemNotEligible, Message: "You need three members."},
	}
	if d := cmp.Diff(want, withoutMessages(got, "eligibility")); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	for _, p := range got {
		if p.Message == "" {
			t.Errorf("%s has no message", p.Field)
		}
	}
	if !strings.Contains(got[2].Message, "£500.00 to £5,000.00") && !strings.Contains(got[2].Message, "£500.00 to £5000.00") {
		t.Errorf("the amount's message does not give the range: %q", got[2].Message)
	}

	// Wrong shapes: text where a number is asked, a number for text, a list for a choice.
	a = Application{Title: "T", RequestedAmount: 50000, Answers: map[string]any{"user_led": true, "about": 42.0,
		"people": "ten", "pick": []any{"a"}, "picks": "x", "members": 3.0}}
	want = []Problem{{Field: "answers.about", Code: ProblemWrongType}, {Field: "answers.people", Code: ProblemWrongType},
		{Field: "answers.pick", Code: ProblemWrongType}, {Field: "answers.picks", Code: ProblemWrongType}}
	if d := cmp.Diff(want, withoutMessages(Problems(r, a))); d != "" {
		t.Errorf("wrong shapes (-want +got):\n%s", d)
	}

	// Nothing yet: everything required, and the optional question a rule needs.
	want = []Problem{{Field: "title", Code: ProblemRequired}, {Field: "requested_amount", Code: ProblemRequired},
		{Field: "answers.user_led", Code: ProblemRequired}, {Field: "answers.about", Code: ProblemRequired},
		{Field: "answers.members", Code: ProblemRequired}}
	if d := cmp.Diff(want, withoutMessages(Problems(r, Application{}))); d != "" {
		t.Errorf("an empty application (-want +got):\n%s", d)
	}

	// Ineligible, answered properly: the rule's message.
	a = Application{Title: "T", RequestedAmount: 50000, Answers: map[string]any{"user_led": false, "members": 3.0, "about": "one two"}}
	if d := cmp.Diff([]Problem{{Field: "eligibility", Code: ProblemNotEligible, Message: "This fund is for user-led groups."}}, Problems(r, a)); d != "" {
		t.Errorf("ineligible (-want +got):\n%s", d)
	}

	a = Application{Title: "T", RequestedAmount: 50000, Answers: map[string]any{"user_led": true, "members": 3.0, "about": "one two"}}
	if p := Problems(r, a); len(p) != 0 || p == nil {
		t.Errorf("a complete application has problems: %#v", p)
	}
	if f := SubmissionProblems(r, a); len(f) != 0 {
		t.Errorf("a complete application has submission problems: %v", f)
	}
}

// withoutMessages drops the messages of problems, except for the fields named.
func withoutMessages(ps []Problem, keep ...string) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		out[i] = p
		if !contains(keep, p.Field) {
			out[i].Message = ""
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestPatchRefusals: only answers to questions the round does not ask and amounts that are
// no amount are refused; everything else is stored.
func TestPatchRefusals(t *testing.T) {
	d := problemRound().Definition
	p := Patch{Title: ptrTo(strings.Repeat("t", 5000)), RequestedAmount: ptrTo(int64(-1)),
		Answers: map[string]any{"about": strings.Repeat("word ", 500), "user_led": "yes", "budget": 5.0}}
	var fields []string
	for _, f := range p.refusals(d) {
		fields = append(fields, f.Field)
	}
	if d := cmp.Diff([]string{"requested_amount", "answers.budget"}, fields); d != "" {
		t.Errorf("refused (-want +got):\n%s", d)
	}
	if f := (Patch{RequestedAmount: ptrTo(int64(MaxAmount)), Answers: map[string]any{"people": 1e300}}).refusals(d); len(f) != 0 {
		t.Errorf("refused: %v", f)
	}
}

func TestSearchText(t *testing.T) {
	for in, want := range map[string]string{
		"Café  Ünïcode!":              "cafe unicode",
		"  St. Mary's — Straße  ":     "st mary s strasse",
		"ØRESUND Łódź Æsir":           "oresund lodz aesir",
		"SBS-0042 Peer support cafés": "sbs 0042 peer support cafes",
		"":                            "",
	} {
		if got := SearchText(in); got != want {
			t.Errorf("SearchText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SearchWords("cafe CAFÉ unicode a b c d e f g h"); len(got) != MaxQueryWords || got[0] != "cafe" || got[1] != "unicode" {
		t.Errorf("SearchWords = %v", got)
	}
}

func TestDiffRevisions(t *testing.T) {
	before := Revision{Number: 1, Title: "Cafés", Summary: "Weekly.", RequestedAmount: 100000,
		Answers: map[string]any{"about": "We meet.", "video": "https://v.example.org/1", "areas": []any{"leeds"}, "old": "x"}}
	after := Revision{ApplicationID: "a", Number: 2, Title: "Cafés", Summary: "Weekly, with a budget.", RequestedAmount: 120000,
		Answers:  map[string]any{"about": "We meet weekly.", "areas": []any{"leeds"}, "people": 12.0, "old": "x"},
		Response: "Budget added.", RequestMessage: "Tell us the budget."}
	got := DiffRevisions(before, after, []string{"user_led", "about", "video", "people", "areas"})
	want := RevisionDiff{ApplicationID: "a", Number: 2, Against: 1, Response: "Budget added.", RequestMessage: "Tell us the budget.",
		Changes: []Change{
			{Field: "summary", Kind: ChangeChanged, Before: "Weekly.", After: "Weekly, with a budget."},
			{Field: "requested_amount", Kind: ChangeChanged, Before: int64(100000), After: int64(120000)},
			{Field: "answers.about", Kind: ChangeChanged, Before: "We meet.", After: "We meet weekly."},
			{Field: "answers.video", Kind: ChangeRemoved, Before: "https://v.example.org/1"},
			{Field: "answers.people", Kind: ChangeAdded, After: 12.0},
		}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diff (-want +got):\n%s", d)
	}
	if d := DiffRevisions(after, after, nil); len(d.Changes) != 0 || d.Changes == nil {
		t.Errorf("a revision against itself: %+v", d.Changes)
	}
}
