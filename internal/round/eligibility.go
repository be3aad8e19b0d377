package round

import "slices"

// ReasonCode says why a group is not (yet) eligible for one question.
type ReasonCode string // @name EligibilityReasonCode

// The reason codes.
const (
	// ReasonUnanswered: the question needs an answer before the group can be told.
	ReasonUnanswered ReasonCode = "unanswered"
	// ReasonNotMet: the answer breaks a rule; the message is the rule's.
	ReasonNotMet ReasonCode = "not_met"
)

// Reason is one thing that stands between a group and eligibility, beside the question it
// concerns, in words the funder chose (not_met) or naming the question (unanswered).
type Reason struct {
	QuestionID string     `json:"question_id" validate:"required"`
	Code       ReasonCode `json:"code" validate:"required"`
	Message    string     `json:"message" validate:"required"`
} // @name EligibilityReason

// Result is the outcome of an eligibility check. Eligible is true when every needed
// question is answered and every rule passes, false as soon as an answer breaks a rule
// (whatever is still unanswered: no answer can mend it), and nil while no rule is broken but
// some needed question is unanswered. Reasons list, in question order, each unanswered
// question and each broken rule; Unanswered the ids of the unanswered questions.
type Result struct {
	Eligible   *bool    `json:"eligible" validate:"required" extensions:"x-nullable"`
	Reasons    []Reason `json:"reasons" validate:"required"`
	Unanswered []string `json:"unanswered" validate:"required"`
} // @name EligibilityResult

// Evaluate is the rules' verdict, as submission checks it: whether every rule passes and,
// when not, the message of every failing rule, in rule order, each once. A rule whose
// question is unanswered fails with a message asking for the answer, since the group
// cannot be told it is eligible without it; questions no rule reads do not count (their
// required-ness is CheckAnswers'). Answers of the wrong type fail their rules; check them
// first with CheckQuestions to tell the applicant what is wrong. Check is the eligibility
// check's fuller answer.
func (e Eligibility) Evaluate(answers map[string]any) (bool, []string) {
	reasons := []string{}
	seen := map[string]bool{}
	add := func(m string) {
		if !seen[m] {
			seen[m] = true
			reasons = append(reasons, m)
		}
	}
	questions := make(map[string]Question, len(e.Questions))
	for _, q := range e.Questions {
		questions[q.ID] = q
	}
	for _, r := range e.Rules {
		q, ok := questions[r.QuestionID]
		v := answers[r.QuestionID]
		if ok && Missing(v) {
			add(unansweredMessage(q))
			continue
		}
		if !ok || ValidateAnswer(q, v) != nil || !r.passes(q, v) {
			add(r.Message)
		}
	}
	return len(reasons) == 0, reasons
}

func unansweredMessage(q Question) string { return "Please answer: " + q.Label }

// Check is the eligibility check's answer to answers (keyed by question id), for a group
// still answering. A question is needed when it is required or a rule reads it; an
// unanswered needed question is a reason asking for its answer (once), and its rules wait.
// A rule broken by an answer is a reason with the rule's message (a question's repeated
// message once). Reasons come in question order. Answers of the wrong type break their
// rules: check them first with CheckQuestions. A rule on no question of the check (which
// Validate refuses) is always broken.
func (e Eligibility) Check(answers map[string]any) Result {
	res := Result{Reasons: []Reason{}, Unanswered: []string{}}
	byQuestion := map[string][]Rule{}
	for _, r := range e.Rules {
		byQuestion[r.QuestionID] = append(byQuestion[r.QuestionID], r)
	}
	broken := false
	notMet := func(id, message string) {
		for _, why := range res.Reasons {
			if why.QuestionID == id && why.Code == ReasonNotMet && why.Message == message {
				return
			}
		}
		broken = true
		res.Reasons = append(res.Reasons, Reason{QuestionID: id, Code: ReasonNotMet, Message: message})
	}
	known := map[string]bool{}
	for _, q := range e.Questions {
		if known[q.ID] {
			continue
		}
		known[q.ID] = true
		rules := byQuestion[q.ID]
		v := answers[q.ID]
		if Missing(v) {
			if q.Required || len(rules) > 0 {
				res.Unanswered = append(res.Unanswered, q.ID)
				res.Reasons = append(res.Reasons, Reason{QuestionID: q.ID, Code: ReasonUnanswered, Message: unansweredMessage(q)})
			}
			continue
		}
		valid := ValidateAnswer(q, v) == nil
		for _, r := range rules {
			if !valid || !r.passes(q, v) {
				notMet(q.ID, r.Message)
			}
		}
	}
	for _, r := range e.Rules {
		if !known[r.QuestionID] {
			notMet(r.QuestionID, r.Message)
		}
	}
	switch {
	case broken:
		res.Eligible = ptrTo(false)
	case len(res.Unanswered) == 0:
		res.Eligible = ptrTo(true)
	}
	return res
}

func ptrTo[T any](v T) *T { return &v }

// passes reports whether answer v (valid for q) satisfies the rule.
func (r Rule) passes(q Question, v any) bool {
	switch r.Op {
	case OpEq:
		return matches(q, v, r.Value)
	case OpNeq:
		return !matches(q, v, r.Value)
	case OpLte, OpGte:
		c, ok := compare(q, v, r.Value)
		if !ok {
			return false
		}
		if r.Op == OpLte {
			return c <= 0
		}
		return c >= 0
	case OpIn:
		list, ok := r.Value.([]any)
		if !ok {
			return false
		}
		for _, want := range list {
			if matches(q, v, want) {
				return true
			}
		}
	}
	return false
}

// matches reports whether answer v equals want; for a multi_choice answer, whether want is
// among the chosen options.
func matches(q Question, v, want any) bool {
	switch q.Type {
	case MultiChoice:
		list, ok := stringList(v)
		w, ok2 := want.(string)
		if !ok || !ok2 {
			return false
		}
		return slices.Contains(list, w)
	case Number, Money:
		a, ok := number(v)
		b, ok2 := number(want)
		return ok && ok2 && a == b
	case YesNo:
		a, ok := v.(bool)
		b, ok2 := want.(bool)
		return ok && ok2 && a == b
	default:
		a, ok := v.(string)
		b, ok2 := want.(string)
		return ok && ok2 && a == b
	}
}

// compare orders answer v against want for numbers, money and dates: -1, 0 or 1.
func compare(q Question, v, want any) (int, bool) {
	switch q.Type {
	case Number, Money:
		a, ok := number(v)
		b, ok2 := number(want)
		if !ok || !ok2 {
			return 0, false
		}
		return cmp3(a < b, a > b), true
	case Date:
		as, ok := v.(string)
		bs, ok2 := want.(string)
		if !ok || !ok2 {
			return 0, false
		}
		a, err := ParseDate(as)
		b, err2 := ParseDate(bs)
		if err != nil || err2 != nil {
			return 0, false
		}
		return cmp3(a.Before(b), a.After(b)), true
	}
	return 0, false
}

func cmp3(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}
