package round

import (
	"fmt"
	"regexp"
	"strings"

	"constellate/internal/errs"
)

// The round's page: what a group needs to know besides the form — how to reach the funder,
// the support offered with access needs, when to expect a decision, and what comes
// alongside the money. Every part is optional; Validate checks what is given.

// Contact is how a group reaches the funder about the round. Every field is optional.
type Contact struct {
	// Email is an address that answers questions about the round.
	Email string `json:"email" example:"grants@example.org"`
	// Phone is a number to call.
	Phone string `json:"phone" example:"0113 496 0000"`
	// TextPhone is a number for text messages (SMS) or a textphone (e.g. by Relay UK).
	TextPhone string `json:"text_phone" example:"07700 900123"`
	// Note says anything else: when the phone is answered, call-backs, languages spoken.
	Note string `json:"note" example:"We answer the phone Tuesday to Thursday, 10am to 4pm, and can call you back."`
} // @name RoundContact

// AccessibleFormat is a format the funder can provide the form and its papers in.
type AccessibleFormat string // @name AccessibleFormat

// The formats.
const (
	FormatEasyRead     AccessibleFormat = "easy_read"
	FormatLargePrint   AccessibleFormat = "large_print"
	FormatBraille      AccessibleFormat = "braille"
	FormatAudio        AccessibleFormat = "audio"
	FormatSignLanguage AccessibleFormat = "sign_language" // a signed video (e.g. BSL)
)

// AccessibleFormats lists every format, in the order the plain-text form names them.
var AccessibleFormats = []AccessibleFormat{FormatEasyRead, FormatLargePrint, FormatBraille, FormatAudio, FormatSignLanguage}

// words is how the plain-text form names the format.
func (f AccessibleFormat) words() string {
	switch f {
	case FormatEasyRead:
		return "easy read"
	case FormatLargePrint:
		return "large print"
	case FormatSignLanguage:
		return "sign language video"
	}
	return string(f)
}

// Accessibility is the support the funder offers applicants with access needs: three
// things a group can rely on, stated plainly, and the funder's own words for the rest.
type Accessibility struct {
	// HelpWithForms: someone can help fill in the form, or take the answers by phone or
	// video call.
	HelpWithForms bool `json:"help_with_forms"`
	// AlternativeFormats: the form and its papers can be had in these formats.
	AlternativeFormats []AccessibleFormat `json:"alternative_formats"`
	// PaysForAccessNeeds: the funder pays for what a group needs to take part (an
	// interpreter, a support worker, travel), on top of the grant.
	PaysForAccessNeeds bool `json:"pays_for_access_needs"`
	// Note is anything else, in the funder's words.
	Note string `json:"note" example:"Tell us what would help and we will arrange it."`
} // @name RoundAccessibility

// Limits on the page's fields.
const (
	MaxContactNoteLength = 1000
	MaxAccessNoteLength  = 5000
	MaxSupportLength     = MaxTextLength
)

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()\-]*[0-9]$`)

// validatePage checks the page's fields, adding problems to f under their field paths.
func (d Definition) validatePage(f *errs.Fields) {
	c := d.Contact
	if c.Email != "" && !validEmail(c.Email) {
		f.Add("contact.email", "must be an email address")
	}
	phone(f, "contact.phone", c.Phone)
	phone(f, "contact.text_phone", c.TextPhone)
	text(f, "contact.note", c.Note, MaxContactNoteLength, false)

	a := d.Accessibility
	seen := map[AccessibleFormat]bool{}
	for i, k := range a.AlternativeFormats {
		p := fmt.Sprintf("accessibility.alternative_formats[%d]", i)
		switch {
		case !validFormat(k):
			f.Add(p, "must be one of: %s", joinFormats())
		case seen[k]:
			f.Add(p, "repeats another format")
		}
		seen[k] = true
	}
	text(f, "accessibility.note", a.Note, MaxAccessNoteLength, false)

	if d.DecisionExpectedBy != "" {
		closes := d.ClosesAt.UTC().Format("2006-01-02")
		if _, err := ParseDate(d.DecisionExpectedBy); err != nil {
			f.Add("decision_expected_by", "must be a date as YYYY-MM-DD")
		} else if !d.ClosesAt.IsZero() && d.DecisionExpectedBy < closes { // YYYY-MM-DD sorts as dates do
			f.Add("decision_expected_by", "must not be before the day the round closes (%s)", closes)
		}
	}
	text(f, "support_offer", d.SupportOffer, MaxSupportLength, false)
}

// phone checks an optional telephone number: digits with spaces, brackets, dashes and a
// leading +, from 6 to 15 digits.
func phone(f *errs.Fields, field, s string) {
	if s == "" {
		return
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if len(s) > 30 || !phonePattern.MatchString(s) || digits < 6 || digits > 15 {
		f.Add(field, "must be a telephone number: digits, with spaces, brackets, dashes or a leading + if you like (6 to 15 digits)")
	}
}

func validFormat(k AccessibleFormat) bool {
	for _, x := range AccessibleFormats {
		if x == k {
			return true
		}
	}
	return false
}

func joinFormats() string {
	s := make([]string, len(AccessibleFormats))
	for i, k := range AccessibleFormats {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
