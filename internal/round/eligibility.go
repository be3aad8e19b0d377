package round

import "slices"

// Result is the outcome of an eligibility check.
type Result struct {
	Eligible bool     `json:"eligible" validate:"required"`
	Reasons  []string `json:"reasons" validate:"required"`
} // @name EligibilityResult

// Evaluate runs every rule against answers (keyed by question id) and returns whether all
// pass and, when not, the message of every failing rule, in rule order, each once. A rule
// whose question is unanswered fails with a message asking for the answer, since the group
// cannot be told it is eligible without it. Answers of the wrong type fail their rules;
// check them first with CheckQuestions to tell the applicant what is wrong.
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
			add("Please answer: " + q.Label)
			continue
		}
		if !ok || ValidateAnswer(q, v) != nil || !r.passes(q, v) {
			add(r.Message)
		}
	}
	return len(reasons) == 0, reasons
}

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
