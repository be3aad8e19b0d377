package round

import (
	"errors"
	"strings"
	"testing"

	"constellate/internal/errs"
)

func f64(v float64) *float64 { return &v }

// example is the SPEC §5 round, valid.
func example() Definition {
	return Definition{
		Name: "Side by Side 2025", Description: "For user-led groups.", ReferencePrefix: "SBS", Currency: "GBP",
		Budget: 1000000, MinGrant: 50000, MaxGrant: 500000, OpensAt: opens, ClosesAt: closes, GraceMinutes: 30,
		ReviewersPerApplication: 2, BlindAssessment: true,
		Eligibility: Eligibility{
			Questions: []Question{
				{ID: "user_led", Label: "Is your group led by people with lived experience?", Type: YesNo, Required: true},
				{ID: "income", Label: "Annual income", Type: Money, Required: true, Min: f64(0)},
				{ID: "region", Label: "Where do you work?", Type: MultiChoice, Options: []string{"north", "south", "wales"}},
			},
			Rules: []Rule{
				{QuestionID: "user_led", Op: OpEq, Value: true, Message: "This fund is for user-led groups."},
				{QuestionID: "income", Op: OpLte, Value: float64(25000000), Message: "Your income must be under £250,000."},
				{QuestionID: "region", Op: OpIn, Value: []any{"north", "wales"}, Message: "We fund the north and Wales."},
			},
		},
		Form: Form{Questions: []Question{
			{ID: "about", Label: "Tell us about your group", Help: "Who you are.", Type: LongText, Required: true, MaxWords: 300},
			{ID: "plan", Label: "What will you do?", Type: LongText, Required: true, MaxWords: 500},
			{ID: "video", Label: "Or send us a video", Type: MediaLink},
		}},
		Criteria:       []Criterion{{ID: "need", Title: "Need", Weight: 2, ScaleMin: 1, ScaleMax: 5}},
		ReportSchedule: ReportSchedule{{Kind: ReportFinal, DueAfterDays: 365}},
		ReportForm:     Form{Questions: []Question{{ID: "what", Label: "What happened?", Type: LongText, Required: true}}},
	}
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		t.Fatalf("error = %v, want invalid", err)
	}
	out := map[string]string{}
	for _, f := range e.Fields {
		out[f.Field] = f.Message
	}
	return out
}

func TestValidateAcceptsTheSpecExample(t *testing.T) {
	if err := example().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateListsEveryProblemAtOnce(t *testing.T) {
	d := example()
	d.Name = " "
	d.ReferencePrefix = "sbs"
	d.Currency = "gbp"
	d.MinGrant, d.MaxGrant, d.Budget = 600000, 500000, 400000
	d.ClosesAt = d.OpensAt
	d.ReviewersPerApplication = 0
	d.GraceMinutes = -1
	d.Eligibility.Questions = append(d.Eligibility.Questions, Question{ID: "about", Label: "dup", Type: ShortText})
	d.Eligibility.Rules = append(d.Eligibility.Rules,
		Rule{QuestionID: "about_x", Op: OpEq, Value: "x", Message: "m"},
		Rule{QuestionID: "user_led", Op: "like", Value: true, Message: "m"},
		Rule{QuestionID: "user_led", Op: OpEq, Value: "yes", Message: ""},
		Rule{QuestionID: "user_led", Op: OpLte, Value: true, Message: "m"},
		Rule{QuestionID: "region", Op: OpEq, Value: "east", Message: "m"},
	)
	d.Form.Questions = append(d.Form.Questions,
		Question{ID: "Bad-Id", Label: "x", Type: LongText},
		Question{ID: "n", Label: "x", Type: Number, MaxWords: 5, Min: f64(10), Max: f64(1)},
		Question{ID: "c", Label: "x", Type: SingleChoice},
		Question{ID: "m", Label: "x", Type: Money, Min: f64(0.5)},
		Question{ID: "t", Label: "", Type: "essay"},
	)
	d.Criteria = append(d.Criteria, Criterion{ID: "need", Title: "", Weight: 0, ScaleMin: 5, ScaleMax: 5})
	d.ReportSchedule = append(d.ReportSchedule, ReportDue{Kind: "final", DueAfterDays: 0}, ReportDue{Kind: "weekly", DueAfterDays: 7})
	got := fieldsOf(t, d.Validate())
	want := []string{
		"name", "reference_prefix", "currency", "min_grant", "max_grant", "closes_at",
		"reviewers_per_application", "grace_minutes",
		"form.questions[0].id",
		"eligibility.rules[3].question_id", "eligibility.rules[4].op", "eligibility.rules[5].message",
		"eligibility.rules[5].value", "eligibility.rules[6].value", "eligibility.rules[7].value",
		"form.questions[3].id", "form.questions[4].max_words", "form.questions[4].max",
		"form.questions[5].options", "form.questions[6].min", "form.questions[7].label", "form.questions[7].type",
		"criteria[1].id", "criteria[1].title", "criteria[1].weight", "criteria[1].scale_max",
		"report_schedule[1].kind", "report_schedule[1].due_after_days", "report_schedule[2].kind",
	}
	for _, f := range want {
		if _, ok := got[f]; !ok {
			t.Errorf("no problem reported for %s", f)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(got), len(want), got)
	}
	if !strings.Contains(got["form.questions[0].id"], "eligibility.questions[3]") {
		t.Errorf("duplicate id message does not name the other question: %q", got["form.questions[0].id"])
	}
}

func TestValidateMaxGrantAgainstBudget(t *testing.T) {
	d := example()
	d.MaxGrant = d.Budget + 1
	got := fieldsOf(t, d.Validate())
	if _, ok := got["max_grant"]; !ok || len(got) != 1 {
		t.Fatalf("problems = %v, want max_grant only", got)
	}
}

func TestValidateNeedsAQuestion(t *testing.T) {
	d := example()
	d.Form.Questions, d.Eligibility = nil, Eligibility{}
	if _, ok := fieldsOf(t, d.Validate())["form.questions"]; !ok {
		t.Fatal("a round with no questions passed")
	}
}

func TestBurden(t *testing.T) {
	got := example().Burden()
	want := Burden{Questions: 6, RequiredQuestions: 4, MaxWordsTotal: 800, QuestionsAnswerableByRecording: 1}
	if got != want {
		t.Fatalf("Burden = %+v, want %+v", got, want)
	}
	d := example()
	d.Form.Questions = append(d.Form.Questions, Question{ID: "more", Label: "More", Type: LongText})
	if b := d.Burden(); b.UnlimitedTextQuestions != 1 || b.MaxWordsTotal != 800 {
		t.Fatalf("Burden with an unlimited question = %+v", b)
	}
	// A question that accepts a recording still counts its word limit, and is answerable
	// by recording.
	d = example()
	d.Form.Questions[0].Accepts = []AnswerKind{AnswerText, AnswerMediaLink}
	if b := d.Burden(); b.QuestionsAnswerableByRecording != 2 || b.MaxWordsTotal != 800 {
		t.Fatalf("Burden with an alternative = %+v", b)
	}
}

// TestValidateAlternatives: only a text question accepts alternatives, which are text and
// media_link, each once, text among them; no rule reads a question a recording may answer.
func TestValidateAlternatives(t *testing.T) {
	d := example()
	d.Form.Questions[0].Accepts = []AnswerKind{AnswerMediaLink, AnswerText}
	d.Form.Questions[1].Accepts = []AnswerKind{AnswerText}
	if err := d.Validate(); err != nil {
		t.Fatalf("valid alternatives refused: %v", err)
	}
	d = example()
	d.Form.Questions[0].Accepts = []AnswerKind{AnswerText, "video", AnswerText}
	d.Form.Questions[1].Accepts = []AnswerKind{AnswerMediaLink}
	d.Form.Questions[2].Accepts = []AnswerKind{AnswerText, AnswerMediaLink}
	d.Eligibility.Questions[0].Accepts = []AnswerKind{AnswerText, AnswerMediaLink}
	d.Eligibility.Questions = append(d.Eligibility.Questions,
		Question{ID: "story", Label: "Your story", Type: ShortText, Accepts: []AnswerKind{AnswerText, AnswerMediaLink}},
		Question{ID: "clip", Label: "A clip", Type: MediaLink})
	d.Eligibility.Rules = append(d.Eligibility.Rules,
		Rule{QuestionID: "story", Op: OpEq, Value: "x", Message: "m"},
		Rule{QuestionID: "clip", Op: OpEq, Value: "https://x.org/a", Message: "m"})
	got := fieldsOf(t, d.Validate())
	want := []string{
		"form.questions[0].accepts[1]", "form.questions[0].accepts[2]", "form.questions[1].accepts",
		"form.questions[2].accepts", "eligibility.questions[0].accepts",
		"eligibility.rules[3].question_id", "eligibility.rules[4].question_id",
	}
	for _, f := range want {
		if _, ok := got[f]; !ok {
			t.Errorf("no problem reported for %s: %v", f, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(got), len(want), got)
	}
}

// TestValidatePage: the round page's fields are optional, and checked when given.
func TestValidatePage(t *testing.T) {
	d := example()
	d.Contact = Contact{Email: "grants@example.org", Phone: "+44 (0)113 496-0000", TextPhone: "07700 900123", Note: "Tue–Thu."}
	d.Accessibility = Accessibility{HelpWithForms: true, AlternativeFormats: []AccessibleFormat{FormatEasyRead, FormatAudio}, PaysForAccessNeeds: true, Note: "Ask us."}
	d.DecisionExpectedBy = "2025-03-31" // the day the round closes
	d.SupportOffer = "A mentor for every funded group."
	if err := d.Validate(); err != nil {
		t.Fatalf("a full page refused: %v", err)
	}
	d.Contact = Contact{Email: "not an email", Phone: "call us", TextPhone: "12345", Note: strings.Repeat("x", MaxContactNoteLength+1)}
	d.Accessibility = Accessibility{AlternativeFormats: []AccessibleFormat{FormatBraille, "smoke_signals", FormatBraille}, Note: strings.Repeat("x", MaxAccessNoteLength+1)}
	d.DecisionExpectedBy = "2025-03-30"
	d.SupportOffer = strings.Repeat("x", MaxSupportLength+1)
	got := fieldsOf(t, d.Validate())
	want := []string{"contact.email", "contact.phone", "contact.text_phone", "contact.note",
		"accessibility.alternative_formats[1]", "accessibility.alternative_formats[2]", "accessibility.note",
		"decision_expected_by", "support_offer"}
	for _, f := range want {
		if _, ok := got[f]; !ok {
			t.Errorf("no problem reported for %s: %v", f, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(got), len(want), got)
	}
	d = example()
	d.DecisionExpectedBy = "31/05/2025"
	if _, ok := fieldsOf(t, d.Validate())["decision_expected_by"]; !ok {
		t.Error("a date not as YYYY-MM-DD passed")
	}
}

func TestFormText(t *testing.T) {
	r := Round{Definition: example()}
	r.Form.Questions[0].Help = "Who you are.\nWhat you do."
	r.Form.Questions[0].Accepts = []AnswerKind{AnswerText, AnswerMediaLink}
	r.Eligibility.Questions[1].Max = f64(100000000)
	s := FormText(r, ProgrammeRef{Name: "Side by Side Fund", Description: "Small grants."})
	for _, want := range []string{
		"Side by Side 2025", "A round of Side by Side Fund.\nSmall grants.", "Grants of £500 to £5,000. This round has £10,000 to give in all.",
		"6 questions, 4 of them required", "at most 800 words", "You may answer 2 of them with an audio or video recording",
		"Part 1: Can you apply?", "1. Is your group led by people with lived experience? (required)", "Answer: yes or no",
		"To apply, your answer must be yes. This fund is for user-led groups.",
		"Answer: an amount in pounds from £0 to £1,000,000", "To apply, your answer must be at most £250,000. Your income must be under £250,000.",
		"To apply, your answer must include at least one of: north or wales. We fund the north and Wales.",
		"   - wales", "4. Tell us about your group (required)", "   Who you are.\n   What you do.",
		"Answer: in writing, up to 300 words; or, if you would rather speak than write, a link", "Answer: text, up to 500 words",
		"6. Or send us a video (optional)", "audio or video",
		"Applications close on Monday 31 March 2025 at 17:00 (UTC).", "until Monday 31 March 2025 at 17:30 (UTC), 30 minutes later",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("form text lacks %q:\n%s", want, s)
		}
	}
	for _, never := range []string{"pence", "minor units", "500000", "25000000"} {
		if strings.Contains(s, never) {
			t.Errorf("form text says %q:\n%s", never, s)
		}
	}
	for _, absent := range []string{"Contact us", "Support with access needs", "Alongside the money", "decision"} {
		if strings.Contains(s, absent) {
			t.Errorf("form text has %q though the round does not say it:\n%s", absent, s)
		}
	}
}

func TestSayMoney(t *testing.T) {
	for _, c := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "GBP", "£0"}, {50, "GBP", "£0.50"}, {123456, "GBP", "£1,234.56"}, {100000000, "GBP", "£1,000,000"},
		{-250000, "EUR", "-€2,500"}, {99999, "CHF", "CHF 999.99"},
	} {
		if got := sayMoney(c.minor, c.currency); got != c.want {
			t.Errorf("sayMoney(%d, %s) = %q, want %q", c.minor, c.currency, got, c.want)
		}
	}
}
