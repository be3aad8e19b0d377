package round

import (
	"fmt"
	"strings"
)

// FormText renders the whole application (the eligibility questions and the form) as plain
// text, for groups who draft offline or use screen readers: every question with its number,
// whether it is required, its help, its limits and its options, in order.
func FormText(r Round) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n\n", r.Name, strings.Repeat("=", max(3, len([]rune(r.Name)))))
	if d := strings.TrimSpace(r.Description); d != "" {
		b.WriteString(d + "\n\n")
	}
	fmt.Fprintf(&b, "Grants from %s to %s (%s). Applications close %s (UTC).\n",
		FormatMoney(r.MinGrant, r.Currency), FormatMoney(r.MaxGrant, r.Currency), r.Currency,
		r.ClosesAt.UTC().Format("Monday 2 January 2006 at 15:04"))
	bu := r.Burden()
	fmt.Fprintf(&b, "This application has %d questions, %d of them required", bu.Questions, bu.RequiredQuestions)
	if bu.MaxWordsTotal > 0 {
		fmt.Fprintf(&b, "; at most %d words of writing in all", bu.MaxWordsTotal)
	}
	b.WriteString(".\n")
	n := 0
	section := func(title string, qs []Question) {
		if len(qs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s\n%s\n", title, strings.Repeat("-", len(title)))
		for _, q := range qs {
			n++
			writeQuestion(&b, n, q)
		}
	}
	section("Part 1: Can you apply?", r.Eligibility.Questions)
	section("Part 2: Your application", r.Form.Questions)
	return b.String()
}

func writeQuestion(b *strings.Builder, n int, q Question) {
	req := "optional"
	if q.Required {
		req = "required"
	}
	fmt.Fprintf(b, "\n%d. %s (%s)\n", n, q.Label, req)
	if h := strings.TrimSpace(q.Help); h != "" {
		fmt.Fprintf(b, "   %s\n", strings.ReplaceAll(h, "\n", "\n   "))
	}
	fmt.Fprintf(b, "   Answer: %s\n", describe(q))
	for _, o := range q.Options {
		fmt.Fprintf(b, "   - %s\n", o)
	}
}

// describe says in words what kind of answer a question takes.
func describe(q Question) string {
	switch q.Type {
	case ShortText, LongText:
		var lim []string
		if q.MaxWords > 0 {
			lim = append(lim, fmt.Sprintf("up to %d words", q.MaxWords))
		}
		if q.MaxLength > 0 {
			lim = append(lim, fmt.Sprintf("up to %d characters", q.MaxLength))
		}
		if len(lim) == 0 {
			return "text"
		}
		return "text, " + strings.Join(lim, ", ")
	case Number, Money:
		kind := "a number"
		if q.Type == Money {
			kind = "an amount of money in pence (minor units)"
		}
		switch {
		case q.Min != nil && q.Max != nil:
			return fmt.Sprintf("%s from %s to %s", kind, formatNumber(*q.Min), formatNumber(*q.Max))
		case q.Min != nil:
			return fmt.Sprintf("%s of at least %s", kind, formatNumber(*q.Min))
		case q.Max != nil:
			return fmt.Sprintf("%s of at most %s", kind, formatNumber(*q.Max))
		}
		return kind
	case Date:
		return "a date (YYYY-MM-DD)"
	case Email:
		return "an email address"
	case URL:
		return "a web address (http:// or https://)"
	case SingleChoice:
		return "choose one of"
	case MultiChoice:
		return "choose any of"
	case YesNo:
		return "yes or no"
	case MediaLink:
		return "a link (http:// or https://) to audio or video, if you would rather speak than write"
	}
	return string(q.Type)
}

// FormatMoney writes minor units as major units with two decimals and the currency code
// (for the currencies of this product, all of which have two minor digits).
func FormatMoney(minor int64, currency string) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	sym := currency + " "
	switch currency {
	case "GBP":
		sym = "£"
	case "EUR":
		sym = "€"
	case "USD":
		sym = "$"
	}
	return fmt.Sprintf("%s%s%d.%02d", sign, sym, minor/100, minor%100)
}
