package round

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"constellate/internal/errs"
)

// Limits on a round definition, so one round cannot become a denial of service.
const (
	MaxQuestions      = 100 // per section (eligibility, form, report form)
	MaxRules          = 50
	MaxCriteria       = 30
	MaxOptions        = 100
	MaxReports        = 20
	MaxGraceMinutes   = 7 * 24 * 60
	MaxReviewers      = 50
	MaxNameLength     = 200
	MaxLabelLength    = 1000
	MaxTextLength     = 20000 // descriptions, help, guidance
	MaxDueAfterDays   = 3650
	maxOptionLength   = 200
	maxMessageLength  = 1000
	maxAmountMinor    = int64(1e15)
	maxWordsPerAnswer = 10000
)

var (
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	prefixPattern   = regexp.MustCompile(`^[A-Z0-9]{2,10}$`)
)

// ErrInvalid is the error Validate returns (with every field problem listed).
var ErrInvalid = errs.E(errs.Invalid, "the round definition has problems")

// Validate checks the whole definition and lists every problem at once, with field paths
// such as "form.questions[2].max_words", "eligibility.rules[0].question_id" or "max_grant".
func (d Definition) Validate() error {
	var f errs.Fields
	text(&f, "name", d.Name, MaxNameLength, true)
	text(&f, "description", d.Description, MaxTextLength, false)
	if !prefixPattern.MatchString(d.ReferencePrefix) {
		f.Add("reference_prefix", "must be 2 to 10 upper-case letters or digits, such as SBS25")
	}
	if !currencyPattern.MatchString(d.Currency) {
		f.Add("currency", "must be an ISO 4217 code of three upper-case letters, such as GBP")
	}
	amounts := []struct {
		name string
		v    int64
	}{{"budget", d.Budget}, {"min_grant", d.MinGrant}, {"max_grant", d.MaxGrant}}
	amountsOK := true
	for _, a := range amounts {
		if a.v < 0 || a.v > maxAmountMinor {
			f.Add(a.name, "must be a whole number of minor units from 0 to %d", maxAmountMinor)
			amountsOK = false
		}
	}
	if d.Budget <= 0 && amountsOK {
		f.Add("budget", "must be more than 0")
	}
	if d.MaxGrant <= 0 && amountsOK {
		f.Add("max_grant", "must be more than 0")
	}
	if amountsOK && d.MinGrant > d.MaxGrant {
		f.Add("min_grant", "must not be more than max_grant")
	}
	if amountsOK && d.MaxGrant > d.Budget {
		f.Add("max_grant", "must not be more than budget")
	}
	if d.OpensAt.IsZero() {
		f.Add("opens_at", "is required")
	}
	if d.ClosesAt.IsZero() {
		f.Add("closes_at", "is required")
	} else if !d.OpensAt.IsZero() && !d.OpensAt.Before(d.ClosesAt) {
		f.Add("closes_at", "must be after opens_at")
	}
	if d.GraceMinutes < 0 || d.GraceMinutes > MaxGraceMinutes {
		f.Add("grace_minutes", "must be from 0 to %d", MaxGraceMinutes)
	}
	if d.ReviewersPerApplication < 1 || d.ReviewersPerApplication > MaxReviewers {
		f.Add("reviewers_per_application", "must be from 1 to %d", MaxReviewers)
	}

	// Question ids are unique across eligibility and form: answers hold both.
	ids := map[string]string{}
	elig := questions(&f, "eligibility.questions", d.Eligibility.Questions, ids)
	questions(&f, "form.questions", d.Form.Questions, ids)
	rules(&f, d.Eligibility.Rules, elig)
	if len(d.Form.Questions) == 0 && len(d.Eligibility.Questions) == 0 {
		f.Add("form.questions", "must have at least one question")
	}
	criteria(&f, d.Criteria)
	reports(&f, d.ReportSchedule)
	questions(&f, "report_form.questions", d.ReportForm.Questions, map[string]string{})
	d.validatePage(&f)
	if len(f) == 0 {
		return nil
	}
	return ErrInvalid.WithFields(f)
}

func text(f *errs.Fields, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		f.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		f.Add(field, "must be at most %d characters", max)
	case !utf8.ValidString(s):
		f.Add(field, "must be valid UTF-8 text")
	}
}

// questions checks a list of questions, recording ids in seen (id → field path), and returns
// the questions by id.
func questions(f *errs.Fields, path string, qs []Question, seen map[string]string) map[string]Question {
	byID := map[string]Question{}
	if len(qs) > MaxQuestions {
		f.Add(path, "must have at most %d questions", MaxQuestions)
		return byID
	}
	for i, q := range qs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if !QuestionIDPattern.MatchString(q.ID) {
			f.Add(p+".id", "must start with a lower-case letter and have only lower-case letters, digits and _ (at most 40)")
		} else if other, dup := seen[q.ID]; dup {
			f.Add(p+".id", "repeats the id of %s: question ids must be unique across eligibility and form", other)
		} else {
			seen[q.ID] = p
			byID[q.ID] = q
		}
		text(f, p+".label", q.Label, MaxLabelLength, true)
		text(f, p+".help", q.Help, MaxTextLength, false)
		if !q.Type.Valid() {
			f.Add(p+".type", "must be one of: %s", joinTypes())
			continue
		}
		if q.MaxWords != 0 && (!q.Type.IsText() || q.MaxWords < 1 || q.MaxWords > maxWordsPerAnswer) {
			if !q.Type.IsText() {
				f.Add(p+".max_words", "applies only to short_text and long_text questions")
			} else {
				f.Add(p+".max_words", "must be from 1 to %d", maxWordsPerAnswer)
			}
		}
		if q.MaxLength != 0 && (!q.Type.IsText() || q.MaxLength < 1 || q.MaxLength > MaxAnswerLength) {
			if !q.Type.IsText() {
				f.Add(p+".max_length", "applies only to short_text and long_text questions")
			} else {
				f.Add(p+".max_length", "must be from 1 to %d", MaxAnswerLength)
			}
		}
		bounds(f, p, q)
		options(f, p, q)
		accepts(f, p, q)
	}
	return byID
}

// accepts checks a question's alternatives: only a text question takes them, and they are
// its own written form and a recording, each once.
func accepts(f *errs.Fields, p string, q Question) {
	if len(q.Accepts) == 0 {
		return
	}
	if !q.Type.IsText() {
		f.Add(p+".accepts", "applies only to short_text and long_text questions (answered in writing, or with a recording instead)")
		return
	}
	seen := map[AnswerKind]bool{}
	for j, k := range q.Accepts {
		ap := fmt.Sprintf("%s.accepts[%d]", p, j)
		switch {
		case k != AnswerText && k != AnswerMediaLink:
			f.Add(ap, "must be text or media_link")
		case seen[k]:
			f.Add(ap, "repeats another alternative")
		}
		seen[k] = true
	}
	if !seen[AnswerText] {
		f.Add(p+".accepts", "must include text, the question's own written answer")
	}
}

func bounds(f *errs.Fields, p string, q Question) {
	for _, b := range []struct {
		name string
		v    *float64
	}{{"min", q.Min}, {"max", q.Max}} {
		if b.v == nil {
			continue
		}
		switch {
		case !q.Type.IsNumeric():
			f.Add(p+"."+b.name, "applies only to number and money questions")
		case math.IsNaN(*b.v) || math.IsInf(*b.v, 0) || math.Abs(*b.v) > float64(maxAmountMinor):
			f.Add(p+"."+b.name, "is out of range")
		case q.Type == Money && *b.v != math.Trunc(*b.v):
			f.Add(p+"."+b.name, "must be a whole number of minor units for a money question")
		}
	}
	if q.Type.IsNumeric() && q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		f.Add(p+".max", "must not be less than min")
	}
}

func options(f *errs.Fields, p string, q Question) {
	if !q.Type.IsChoice() {
		if len(q.Options) > 0 {
			f.Add(p+".options", "apply only to single_choice and multi_choice questions")
		}
		return
	}
	if len(q.Options) < 2 || len(q.Options) > MaxOptions {
		f.Add(p+".options", "must list from 2 to %d options for a choice question", MaxOptions)
		return
	}
	seen := map[string]bool{}
	for j, o := range q.Options {
		op := fmt.Sprintf("%s.options[%d]", p, j)
		switch {
		case strings.TrimSpace(o) == "":
			f.Add(op, "must not be empty")
		case utf8.RuneCountInString(o) > maxOptionLength:
			f.Add(op, "must be at most %d characters", maxOptionLength)
		case seen[o]:
			f.Add(op, "repeats another option")
		}
		seen[o] = true
	}
}

func rules(f *errs.Fields, rs []Rule, elig map[string]Question) {
	if len(rs) > MaxRules {
		f.Add("eligibility.rules", "must have at most %d rules", MaxRules)
		return
	}
	for i, r := range rs {
		p := fmt.Sprintf("eligibility.rules[%d]", i)
		text(f, p+".message", r.Message, maxMessageLength, true)
		q, ok := elig[r.QuestionID]
		if !ok {
			f.Add(p+".question_id", "must name a question of eligibility.questions")
		}
		if !validOp(r.Op) {
			f.Add(p+".op", "must be one of: eq, neq, lte, gte, in")
			continue
		}
		if !ok {
			continue
		}
		if q.TakesRecording() {
			f.Add(p+".question_id", "names a question that may be answered with a recording, which no rule can check")
			continue
		}
		if msg := ruleValueProblem(q, r); msg != "" {
			f.Add(p+".value", "%s", msg)
		}
	}
}

// ruleValueProblem says what is wrong with a rule's value for its question, or "".
func ruleValueProblem(q Question, r Rule) string {
	// A choice value is checked as an answer to a single choice among the same options.
	one := q
	if q.Type == MultiChoice {
		one.Type = SingleChoice
	}
	one.MaxWords, one.MaxLength, one.Min, one.Max = 0, 0, nil, nil
	check := func(v any) string {
		if Missing(v) {
			return "is required"
		}
		if err := ValidateAnswer(one, v); err != nil {
			return "must be a possible answer to the question: " + err.Error()
		}
		return ""
	}
	switch r.Op {
	case OpLte, OpGte:
		if !q.Type.IsNumeric() && q.Type != Date {
			return "lte and gte compare only number, money and date questions"
		}
		return check(r.Value)
	case OpIn:
		list, ok := r.Value.([]any)
		if !ok || len(list) == 0 || len(list) > MaxOptions {
			return fmt.Sprintf("must be a list of 1 to %d possible answers for op in", MaxOptions)
		}
		for _, v := range list {
			if m := check(v); m != "" {
				return m
			}
		}
		return ""
	}
	return check(r.Value)
}

func validOp(op Op) bool {
	for _, o := range Ops {
		if o == op {
			return true
		}
	}
	return false
}

func criteria(f *errs.Fields, cs []Criterion) {
	if len(cs) > MaxCriteria {
		f.Add("criteria", "must have at most %d criteria", MaxCriteria)
		return
	}
	seen := map[string]bool{}
	for i, c := range cs {
		p := fmt.Sprintf("criteria[%d]", i)
		if !QuestionIDPattern.MatchString(c.ID) {
			f.Add(p+".id", "must start with a lower-case letter and have only lower-case letters, digits and _ (at most 40)")
		} else if seen[c.ID] {
			f.Add(p+".id", "repeats another criterion's id")
		}
		seen[c.ID] = true
		text(f, p+".title", c.Title, MaxLabelLength, true)
		text(f, p+".guidance", c.Guidance, MaxTextLength, false)
		if !(c.Weight > 0) || math.IsInf(c.Weight, 0) || c.Weight > 1000 {
			f.Add(p+".weight", "must be more than 0 (and at most 1000)")
		}
		if c.ScaleMin >= c.ScaleMax {
			f.Add(p+".scale_max", "must be more than scale_min")
		}
		if c.ScaleMin < -1000 || c.ScaleMax > 1000 {
			f.Add(p+".scale_min", "the scale must lie within -1000 to 1000")
		}
	}
}

func reports(f *errs.Fields, rs ReportSchedule) {
	if len(rs) > MaxReports {
		f.Add("report_schedule", "must have at most %d reports", MaxReports)
		return
	}
	finals := 0
	for i, r := range rs {
		p := fmt.Sprintf("report_schedule[%d]", i)
		switch r.Kind {
		case ReportInterim:
		case ReportFinal:
			finals++
			if finals > 1 {
				f.Add(p+".kind", "only one final report may be scheduled")
			}
		default:
			f.Add(p+".kind", "must be interim or final")
		}
		if r.DueAfterDays < 1 || r.DueAfterDays > MaxDueAfterDays {
			f.Add(p+".due_after_days", "must be from 1 to %d", MaxDueAfterDays)
		}
	}
}

func joinTypes() string {
	s := make([]string, len(QuestionTypes))
	for i, t := range QuestionTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
