package round

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FormText renders the round as a plain-text document a person could print, read aloud
// with a screen reader, or answer over the phone: the programme and the round, the grants
// in pounds (never minor units), the dates (opening, closing, grace, when a decision is
// expected), how to get in touch, the support offered with access needs and alongside the
// money, then every question of the eligibility check and the form in order — whether it is
// required, its help, what its answer needs (limits, options, a recording instead of
// writing) and, for eligibility questions, what the answer must be to apply and why, in the
// funder's words. Headings are underlined with dashes, which screen readers leave unspoken.
func FormText(r Round, p ProgrammeRef) string {
	var b strings.Builder
	heading := func(title string) {
		fmt.Fprintf(&b, "\n\n%s\n%s\n\n", title, strings.Repeat("-", max(3, len([]rune(title)))))
	}
	fmt.Fprintf(&b, "%s\n%s\n", r.Name, strings.Repeat("-", max(3, len([]rune(r.Name)))))
	if name := strings.TrimSpace(p.Name); name != "" {
		fmt.Fprintf(&b, "\nA round of %s.\n", name)
		if d := strings.TrimSpace(p.Description); d != "" {
			b.WriteString(d + "\n")
		}
	}
	if d := strings.TrimSpace(r.Description); d != "" {
		b.WriteString("\n" + d + "\n")
	}
	fmt.Fprintf(&b, "\nGrants of %s to %s. This round has %s to give in all.\n",
		sayMoney(r.MinGrant, r.Currency), sayMoney(r.MaxGrant, r.Currency), sayMoney(r.Budget, r.Currency))

	heading("Dates")
	fmt.Fprintf(&b, "Applications open on %s.\n", sayTime(r.OpensAt))
	fmt.Fprintf(&b, "Applications close on %s.\n", sayTime(r.ClosesAt))
	if r.GraceMinutes > 0 {
		fmt.Fprintf(&b, "An application started before then can still be sent until %s, %s later.\n",
			sayTime(r.ClosesAt.Add(r.Grace())), sayMinutes(r.GraceMinutes))
	}
	if day, err := ParseDate(r.DecisionExpectedBy); err == nil {
		fmt.Fprintf(&b, "We expect to tell you our decision by %s.\n", day.Format("Monday 2 January 2006"))
	}

	if c := r.Contact; c != (Contact{}) {
		heading("Contact us")
		for _, line := range [][2]string{{"Email", c.Email}, {"Phone", c.Phone}, {"Text message or textphone", c.TextPhone}} {
			if line[1] != "" {
				fmt.Fprintf(&b, "%s: %s\n", line[0], line[1])
			}
		}
		paragraph(&b, c.Note)
	}

	if a := r.Accessibility; a.HelpWithForms || a.PaysForAccessNeeds || len(a.AlternativeFormats) > 0 || strings.TrimSpace(a.Note) != "" {
		heading("Support with access needs")
		if a.HelpWithForms {
			b.WriteString("We can help you fill in this form, or take your answers by phone or video call.\n")
		}
		if len(a.AlternativeFormats) > 0 {
			words := make([]string, len(a.AlternativeFormats))
			for i, f := range a.AlternativeFormats {
				words[i] = f.words()
			}
			fmt.Fprintf(&b, "We can give you this form in %s.\n", sayList(words, "or"))
		}
		if a.PaysForAccessNeeds {
			b.WriteString("We can pay for what you need to take part, such as an interpreter, a support worker or travel.\n")
		}
		paragraph(&b, a.Note)
	}

	if s := strings.TrimSpace(r.SupportOffer); s != "" {
		heading("Alongside the money")
		b.WriteString(s + "\n")
	}

	heading("What we ask")
	bu := r.Burden()
	fmt.Fprintf(&b, "This application has %d questions, %d of them required", bu.Questions, bu.RequiredQuestions)
	if bu.MaxWordsTotal > 0 {
		fmt.Fprintf(&b, "; at most %d words of writing in all", bu.MaxWordsTotal)
	}
	b.WriteString(".\n")
	if n := bu.QuestionsAnswerableByRecording; n > 0 {
		fmt.Fprintf(&b, "You may answer %d of them with an audio or video recording instead of writing.\n", n)
	}

	n := 0
	section := func(title string, qs []Question, rules []Rule) {
		if len(qs) == 0 {
			return
		}
		heading(title)
		for i, q := range qs {
			if i > 0 {
				b.WriteString("\n")
			}
			n++
			var needs []string
			for _, rule := range rules {
				if rule.QuestionID == q.ID {
					needs = append(needs, fmt.Sprintf("   To apply, your answer must %s. %s\n", ruleWords(q, rule, r.Currency), strings.TrimSpace(rule.Message)))
				}
			}
			// A question a rule reads must be answered to apply, whatever its required flag.
			q.Required = q.Required || len(needs) > 0
			writeQuestion(&b, n, q, r.Currency)
			b.WriteString(strings.Join(needs, ""))
		}
	}
	section("Part 1: Can you apply?", r.Eligibility.Questions, r.Eligibility.Rules)
	section("Part 2: Your application", r.Form.Questions, nil)
	return b.String()
}

func paragraph(b *strings.Builder, s string) {
	if s = strings.TrimSpace(s); s != "" {
		b.WriteString("\n" + s + "\n")
	}
}

func writeQuestion(b *strings.Builder, n int, q Question, currency string) {
	req := "optional"
	if q.Required {
		req = "required"
	}
	fmt.Fprintf(b, "%d. %s (%s)\n", n, q.Label, req)
	if h := strings.TrimSpace(q.Help); h != "" {
		fmt.Fprintf(b, "   %s\n", strings.ReplaceAll(h, "\n", "\n   "))
	}
	fmt.Fprintf(b, "   Answer: %s\n", describe(q, currency))
	for _, o := range q.Options {
		fmt.Fprintf(b, "   - %s\n", o)
	}
}

// describe says in words what kind of answer a question takes.
func describe(q Question, currency string) string {
	switch q.Type {
	case ShortText, LongText:
		var lim []string
		if q.MaxWords > 0 {
			lim = append(lim, fmt.Sprintf("up to %d words", q.MaxWords))
		}
		if q.MaxLength > 0 {
			lim = append(lim, fmt.Sprintf("up to %d characters", q.MaxLength))
		}
		written := "text"
		if q.accepts(AnswerMediaLink) {
			written = "in writing"
		}
		if len(lim) > 0 {
			written += ", " + strings.Join(lim, ", ")
		}
		if q.accepts(AnswerMediaLink) {
			return written + "; or, if you would rather speak than write, " + recordingWords
		}
		return written
	case Number, Money:
		kind, say := "a number", formatNumber
		if q.Type == Money {
			kind = "an amount in " + currencyWords(currency)
			say = func(f float64) string { return sayMoney(int64(f), currency) }
		}
		switch {
		case q.Min != nil && q.Max != nil:
			return fmt.Sprintf("%s from %s to %s", kind, say(*q.Min), say(*q.Max))
		case q.Min != nil && !(q.Type == Money && *q.Min == 0):
			return fmt.Sprintf("%s of at least %s", kind, say(*q.Min))
		case q.Max != nil:
			return fmt.Sprintf("%s of at most %s", kind, say(*q.Max))
		}
		return kind
	case Date:
		return "a date, for example 31 March 2025"
	case Email:
		return "an email address"
	case URL:
		return "a web address (http:// or https://)"
	case SingleChoice:
		return "choose one of these"
	case MultiChoice:
		return "choose any of these"
	case YesNo:
		return "yes or no"
	case MediaLink:
		return recordingWords
	}
	return string(q.Type)
}

const recordingWords = "a link (http:// or https://) to an audio or video recording, with a transcript if you have one"

// ruleWords says what an answer to q must be to pass rule r ("be yes", "be at most £250,000").
func ruleWords(q Question, r Rule, currency string) string {
	v := func(x any) string { return valueWords(q, x, currency) }
	multi := q.Type == MultiChoice
	switch r.Op {
	case OpEq:
		if multi {
			return "include " + v(r.Value)
		}
		return "be " + v(r.Value)
	case OpNeq:
		if multi {
			return "not include " + v(r.Value)
		}
		return "not be " + v(r.Value)
	case OpLte:
		if q.Type == Date {
			return "be on or before " + v(r.Value)
		}
		return "be at most " + v(r.Value)
	case OpGte:
		if q.Type == Date {
			return "be on or after " + v(r.Value)
		}
		return "be at least " + v(r.Value)
	case OpIn:
		list, _ := r.Value.([]any)
		words := make([]string, len(list))
		for i, x := range list {
			words[i] = v(x)
		}
		if multi {
			return "include at least one of: " + sayList(words, "or")
		}
		return "be one of: " + sayList(words, "or")
	}
	return "pass the funder's check"
}

// valueWords writes a rule's value as the answer it stands for.
func valueWords(q Question, x any, currency string) string {
	switch q.Type {
	case YesNo:
		if b, ok := x.(bool); ok {
			if b {
				return "yes"
			}
			return "no"
		}
	case Money:
		if f, ok := number(x); ok {
			return sayMoney(int64(f), currency)
		}
	case Number:
		if f, ok := number(x); ok {
			return formatNumber(f)
		}
	case Date:
		if s, ok := x.(string); ok {
			if d, err := ParseDate(s); err == nil {
				return d.Format("2 January 2006")
			}
		}
	}
	return fmt.Sprint(x)
}

// sayList joins words as a sentence does: "a, b or c".
func sayList(words []string, conj string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

func sayTime(t time.Time) string {
	return t.UTC().Format("Monday 2 January 2006 at 15:04") + " (UTC)"
}

func sayMinutes(m int) string {
	switch {
	case m%(24*60) == 0:
		return plural(m/(24*60), "day")
	case m%60 == 0:
		return plural(m/60, "hour")
	}
	return plural(m, "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// currencyWords names a currency as a person would say it.
func currencyWords(currency string) string {
	switch currency {
	case "GBP":
		return "pounds"
	case "EUR":
		return "euros"
	case "USD":
		return "US dollars"
	}
	return currency
}

// sayMoney writes minor units as a person reads money: "£5,000", "£12.50", "CHF 1,200"
// (every currency of this product has two minor digits).
func sayMoney(minor int64, currency string) string {
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
	whole := strconv.FormatInt(minor/100, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if cents := minor % 100; cents != 0 {
		return fmt.Sprintf("%s%s%s.%02d", sign, sym, whole, cents)
	}
	return sign + sym + whole
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
