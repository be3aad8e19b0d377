package application

import (
	"fmt"
	"slices"
	"strings"

	"constellate/internal/round"
)

// Text renders an application as plain text against its round's questions, for people who
// prefer reading it that way (panel members with screen readers, or printing it): the
// title, reference, amount and summary, then every question in order with its answer —
// media links written out as links, unanswered questions said so.
func Text(r round.Round, a Application) string {
	var b strings.Builder
	title := a.Title
	if strings.TrimSpace(title) == "" {
		title = "(untitled application)"
	}
	fmt.Fprintf(&b, "%s\n%s\n\n", title, strings.Repeat("=", max(3, len([]rune(title)))))
	if a.Reference != "" {
		fmt.Fprintf(&b, "Reference: %s\n", a.Reference)
	}
	fmt.Fprintf(&b, "Round: %s\nAmount requested: %s\nRevision: %d\n", r.Name, round.FormatMoney(a.RequestedAmount, r.Currency), a.Revision)
	if s := strings.TrimSpace(a.Summary); s != "" {
		fmt.Fprintf(&b, "\nSummary\n-------\n%s\n", s)
	}
	n := 0
	section := func(heading string, qs []round.Question) {
		if len(qs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s\n%s\n", heading, strings.Repeat("-", len(heading)))
		for _, q := range qs {
			n++
			fmt.Fprintf(&b, "\n%d. %s\n", n, q.Label)
			fmt.Fprintf(&b, "   %s\n", strings.ReplaceAll(answerText(a.Answers[q.ID]), "\n", "\n   "))
		}
	}
	section("Eligibility", r.Eligibility.Questions)
	section("Answers", r.Form.Questions)
	return b.String()
}

// answerText writes one answer in words.
func answerText(v any) string {
	switch x := v.(type) {
	case nil:
		return "(not answered)"
	case string:
		if strings.TrimSpace(x) == "" {
			return "(not answered)"
		}
		return x
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case float64:
		return fmt.Sprint(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, answerText(e))
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+": "+answerText(x[k]))
		}
		return strings.Join(parts, "\n")
	}
	return fmt.Sprint(v)
}
