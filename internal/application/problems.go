package application

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/round"
)

// Problem is one thing that stops an application from being submitted, in words its group
// understands: the field it is about (title, summary, requested_amount, answers.<question
// id>, eligibility), a stable code a frontend can act on, and a message.
type Problem struct {
	Field   string
	Code    string
	Message string
}

// The problem codes.
const (
	// ProblemRequired: a required answer, the title, or (when the round has a minimum) the
	// amount is missing.
	ProblemRequired = "required"
	// ProblemTooLong: text over its word or character limit (an answer, the title, the
	// summary). What was written is kept; it only has to be shortened before submitting.
	ProblemTooLong = "too_long"
	// ProblemWrongType: an answer of the wrong shape for its question (text where a number
	// is asked, a list for a yes/no …).
	ProblemWrongType = "wrong_type"
	// ProblemOutOfRange: a number or amount outside its question's min and max, or
	// requested_amount outside the round's min_grant and max_grant.
	ProblemOutOfRange = "out_of_range"
	// ProblemInvalid: an answer of the right shape that is not acceptable (a date, email
	// or web address that is not one, an option the question does not offer, a choice made
	// twice, money that is not whole pence).
	ProblemInvalid = "invalid"
	// ProblemNotEligible: an eligibility rule is not met (field "eligibility", the rule's
	// message).
	ProblemNotEligible = "not_eligible"
)

// ProblemCodes lists every code.
var ProblemCodes = []string{ProblemRequired, ProblemTooLong, ProblemWrongType, ProblemOutOfRange, ProblemInvalid, ProblemNotEligible}

// Problems lists everything that stops a from being submitted to r, all at once and in form
// order: the title, the summary, requested_amount against the round's min_grant and
// max_grant, every answer against its question (required ones present, each the right
// shape and within its limits), then every eligibility rule not met. Autosave stores what
// it is sent whatever these say; submission refuses while any remains.
func Problems(r round.Round, a Application) []Problem {
	out := []Problem{}
	add := func(field, code, message string) {
		out = append(out, Problem{Field: field, Code: code, Message: message})
	}
	switch n := utf8.RuneCountInString(a.Title); {
	case strings.TrimSpace(a.Title) == "":
		add("title", ProblemRequired, "is required")
	case n > MaxTitleLength:
		add("title", ProblemTooLong, fmt.Sprintf("must be at most %d characters (it has %d)", MaxTitleLength, n))
	}
	if n := utf8.RuneCountInString(a.Summary); n > MaxSummaryLength {
		add("summary", ProblemTooLong, fmt.Sprintf("must be at most %d characters (it has %d)", MaxSummaryLength, n))
	}
	span := round.FormatMoney(r.MinGrant, r.Currency) + " to " + round.FormatMoney(r.MaxGrant, r.Currency)
	switch {
	case a.RequestedAmount == 0 && r.MinGrant > 0:
		add("requested_amount", ProblemRequired, "is required: from "+span)
	case a.RequestedAmount < r.MinGrant || a.RequestedAmount > r.MaxGrant:
		add("requested_amount", ProblemOutOfRange, "must be from "+span+" (it is "+round.FormatMoney(a.RequestedAmount, r.Currency)+")")
	}
	troubled := map[string]bool{}
	for _, fe := range round.CheckAnswers(r.Definition, a.Answers, true) {
		id := strings.TrimPrefix(fe.Field, "answers.")
		troubled[id] = true
		add(fe.Field, answerCode(r.Definition, id, a.Answers[id]), fe.Message)
	}
	out = append(out, eligibilityProblems(r.Eligibility, a.Answers, troubled)...)
	return out
}

// eligibilityProblems is one not_eligible problem per rule not met (each message once). A
// rule whose answer is missing or has a problem of its own is skipped: the group is told to
// answer or fix it (or, for an optional question a rule depends on, that it is needed),
// not that it is ineligible because of a slip. Each rule is evaluated on its own, so the
// problems name rules, not a combined verdict.
func eligibilityProblems(e round.Eligibility, answers map[string]any, troubled map[string]bool) []Problem {
	out := []Problem{}
	seen := map[string]bool{}
	for _, rule := range e.Rules {
		if troubled[rule.QuestionID] {
			continue
		}
		if round.Missing(answers[rule.QuestionID]) {
			if q, ok := eligibilityQuestion(e, rule.QuestionID); ok {
				troubled[q.ID] = true
				out = append(out, Problem{Field: "answers." + q.ID, Code: ProblemRequired, Message: "is needed to check your eligibility"})
				continue
			}
		}
		one := round.Eligibility{Questions: e.Questions, Rules: []round.Rule{rule}}
		if ok, _ := one.Evaluate(answers); !ok && !seen[rule.Message] {
			seen[rule.Message] = true
			out = append(out, Problem{Field: "eligibility", Code: ProblemNotEligible, Message: rule.Message})
		}
	}
	return out
}

func eligibilityQuestion(e round.Eligibility, id string) (round.Question, bool) {
	for _, q := range e.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return round.Question{}, false
}

// answerCode classifies what round.CheckAnswers found wrong with the answer v to question
// id: missing, of the wrong shape for its type, over a text limit, out of a numeric range,
// or otherwise not acceptable.
func answerCode(d round.Definition, id string, v any) string {
	q, ok := d.Question(id)
	switch {
	case !ok:
		return ProblemInvalid
	case round.Missing(v):
		return ProblemRequired
	}
	_, isString := v.(string)
	_, isObject := v.(map[string]any)
	switch {
	case q.Type.IsText():
		switch {
		case isString:
			return ProblemTooLong
		case isObject && q.TakesRecording():
			return ProblemInvalid
		}
		return ProblemWrongType
	case q.Type.IsNumeric():
		f, ok := number(v)
		switch {
		case !ok:
			return ProblemWrongType
		case q.Type == round.Money && f != math.Trunc(f):
			return ProblemInvalid
		}
		return ProblemOutOfRange
	case q.Type == round.YesNo:
		return ProblemWrongType
	case q.Type == round.MultiChoice:
		if list, ok := v.([]any); ok && allStrings(list) {
			return ProblemInvalid
		}
		return ProblemWrongType
	case q.Type == round.MediaLink && isObject:
		return ProblemInvalid
	case isString:
		return ProblemInvalid // a date, email, url, media link or single choice that is not one
	}
	return ProblemWrongType
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

func allStrings(list []any) bool {
	for _, e := range list {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

// SubmissionProblems is Problems as field errors (the 422 of a refused submission).
func SubmissionProblems(r round.Round, a Application) errs.Fields {
	var f errs.Fields
	for _, p := range Problems(r, a) {
		f = append(f, errs.FieldError{Field: p.Field, Message: p.Message})
	}
	return f
}

// refusals lists what autosave refuses outright (422), because it cannot be stored as
// sent: an answer to a question the round does not ask, and a requested_amount that is not
// an amount of money at all (below 0 or above MaxAmount). Everything else is stored and
// listed in the application's problems.
func (p Patch) refusals(d round.Definition) errs.Fields {
	var f errs.Fields
	if p.RequestedAmount != nil && (*p.RequestedAmount < 0 || *p.RequestedAmount > MaxAmount) {
		f.Add("requested_amount", "must be a whole number of minor units from 0 to %d", int64(MaxAmount))
	}
	for _, fe := range round.CheckAnswers(d, p.Answers, false) {
		if _, known := d.Question(strings.TrimPrefix(fe.Field, "answers.")); !known {
			f = append(f, fe)
		}
	}
	return f
}

// blocker is why a cannot be submitted to r at now whatever its content, or nil: its
// status (already submitted, saying when; withdrawn …), its round closed (saying when), or
// the round's decisions made before a resubmission.
func (s *Service) blocker(actor auth.Actor, a Application, r round.Round, now time.Time) error {
	if _, err := a.Status.Next(ActionSubmit); err != nil {
		if a.SubmittedAt != nil && a.Status != StatusWithdrawn {
			return ErrIllegalTransition.Withf("this application was already submitted on %s; it can be changed and submitted again only if the funder asks for more information",
				longTime(*a.SubmittedAt))
		}
		return s.refusal(actor, a, ActionSubmit, err)
	}
	switch {
	case a.Status == StatusDraft && !r.AcceptingSubmissions(now, a.StartedAt):
		return closed(r, now)
	case a.Status == StatusMoreInfoRequested && (DecisionsPublished(r.Status) || r.Status == round.StatusDraft):
		return ErrRoundMovedOn
	}
	return nil
}

// Readiness is the "what's left to do" check of an application, without submitting: its
// Problems (none once it can no longer change), and whether it could be submitted now.
type Readiness struct {
	Application Application
	// Submittable: no problem remains and nothing else stands in the way (Blocker).
	Submittable bool
	// Blocker says why the application cannot be submitted whatever its content ("" when
	// nothing does): it was already submitted, its round closed, decisions were made.
	Blocker string
}

// Readiness checks an application for its group or a grants manager (panel members score
// what was submitted: not found for them).
func (s *Service) Readiness(ctx context.Context, actor auth.Actor, id string) (Readiness, error) {
	a, err := s.load(ctx, actor, id, false, CanReadProblems)
	if err != nil {
		return Readiness{}, err
	}
	r, err := s.round(ctx, a.RoundID)
	if err != nil {
		return Readiness{}, err
	}
	a.Problems = []Problem{}
	if a.Status.Editable() {
		a.Problems = Problems(r, a)
	}
	out := Readiness{Application: a.ViewFor(actor)}
	if err := s.blocker(actor, a, r, s.now().UTC()); err != nil {
		var e *errs.Error
		if !errors.As(err, &e) {
			return Readiness{}, err
		}
		out.Blocker = e.Message
	}
	out.Submittable = out.Blocker == "" && len(a.Problems) == 0
	return out, nil
}
