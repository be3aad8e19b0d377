package organisation

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"constellate/internal/errs"
)

var (
	// England and Wales: 6–7 digits, optionally a linked-charity suffix (1234567-1);
	// Scotland: SC + 6 digits; Northern Ireland: NIC (or NI) + 5–6 digits.
	charityNumberRE = regexp.MustCompile(`^(\d{6,7}(-\d{1,3})?|SC\d{6}|NIC?\d{5,6})$`)
	// Companies House: 8 digits, or 2 letters (SC, NI, OC, …) + 6 digits.
	companyNumberRE = regexp.MustCompile(`^(\d{8}|[A-Z]{2}\d{6})$`)
	// UK postcode without its space: outward code, then inward code (digit + 2 letters).
	postcodeRE = regexp.MustCompile(`^([A-Z]{1,2}\d[A-Z\d]?|GIR)(\d[A-Z]{2})$`)
)

// Limits on free-text fields.
const (
	maxName        = 200
	maxDescription = 2000
	maxURL         = 2000
)

// Validate normalises d (trims text; upper-cases and spaces the postcode; upper-cases
// registration numbers; removes duplicate led_by terms) and lists every problem at once.
// Registration numbers are checked only when given: unregistered groups need none.
func (d *Details) Validate() error {
	var f errs.Fields
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" || utf8.RuneCountInString(d.Name) > maxName {
		f.Add("name", "is required (at most %d characters)", maxName)
	}
	if d.LegalForm != "" && !d.LegalForm.Valid() {
		f.Add("legal_form", "must be one of %s", joinVocab(LegalForms))
	}
	if d.CharityNumber = NormaliseCharityNumber(d.CharityNumber); d.CharityNumber != "" && !ValidCharityNumber(d.CharityNumber) {
		f.Add("charity_number", "must be a charity number: 6 or 7 digits (England and Wales), SC and 6 digits (Scotland) or NIC and 5 or 6 digits (Northern Ireland)")
	}
	d.CompanyNumber = NormaliseCompanyNumber(d.CompanyNumber)
	if d.CompanyNumber != "" && !ValidCompanyNumber(d.CompanyNumber) {
		f.Add("company_number", "must be a Companies House number: 8 digits, or 2 letters and 6 digits such as SC123456")
	}
	d.UserLedDescription = strings.TrimSpace(d.UserLedDescription)
	if utf8.RuneCountInString(d.UserLedDescription) > maxDescription {
		f.Add("user_led_description", "must be at most %d characters", maxDescription)
	}
	seen := map[LedBy]bool{}
	led := make([]LedBy, 0, len(d.LedBy))
	bad := 0
	for i, l := range d.LedBy {
		if !l.Valid() {
			if bad++; bad <= 10 {
				f.Add(fmt.Sprintf("led_by[%d]", i), "is not in the vocabulary; use any of %s", ledByList())
			}
			continue
		}
		if !seen[l] {
			seen[l] = true
			led = append(led, l)
		}
	}
	d.LedBy = led
	if d.AnnualIncome != nil && *d.AnnualIncome < 0 {
		f.Add("annual_income", "must be zero or more (in pence)")
	}
	if d.Postcode != "" {
		pc, ok := NormalisePostcode(d.Postcode)
		if !ok {
			f.Add("postcode", "must be a UK postcode such as SW1A 1AA")
		}
		d.Postcode = pc
	}
	if d.Region != "" && !d.Region.Valid() {
		f.Add("region", "must be one of %s", joinVocab(Regions))
	}
	d.Website = strings.TrimSpace(d.Website)
	if d.Website != "" {
		u, err := url.Parse(d.Website)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(d.Website) > maxURL {
			f.Add("website", "must be a web address starting http:// or https://")
		}
	}
	d.ContactEmail = strings.TrimSpace(d.ContactEmail)
	if d.ContactEmail != "" {
		if a, err := mail.ParseAddress(d.ContactEmail); err != nil || a.Address != d.ContactEmail || len(d.ContactEmail) > 254 {
			f.Add("contact_email", "must be an email address such as hello@example.org")
		}
	}
	return f.Err(errs.Invalid, "the organisation's details are not valid")
}

// NormaliseCharityNumber upper-cases a charity number and removes its spaces.
func NormaliseCharityNumber(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// NormaliseCompanyNumber upper-cases a company number, removes its spaces and pads an
// all-digit one of 6 or 7 digits with leading zeros (Companies House numbers are 8).
func NormaliseCompanyNumber(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if isDigits(s) && len(s) >= 6 && len(s) < 8 {
		s = strings.Repeat("0", 8-len(s)) + s
	}
	return s
}

// ValidCompanyNumber reports whether a normalised company number has Companies House's form.
func ValidCompanyNumber(s string) bool { return companyNumberRE.MatchString(s) }

// ValidCharityNumber reports whether a normalised charity number has a known UK form.
func ValidCharityNumber(s string) bool { return charityNumberRE.MatchString(s) }

// NormalisePostcode returns a UK postcode upper-cased with one space before the inward
// code ("sw1a1aa" → "SW1A 1AA"), and whether it has a postcode's form.
func NormalisePostcode(s string) (string, bool) {
	c := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	m := postcodeRE.FindStringSubmatch(c)
	if m == nil || (m[1] == "GIR" && m[2] != "0AA") {
		return strings.TrimSpace(s), false
	}
	return m[1] + " " + m[2], true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func joinVocab[T ~string](v []T) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

func ledByList() string {
	s := make([]string, len(LedByVocabulary))
	for i, t := range LedByVocabulary {
		s[i] = string(t.Term)
	}
	return strings.Join(s, ", ")
}
