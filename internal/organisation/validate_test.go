package organisation

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"constellate/internal/errs"
)

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	e, ok := err.(*errs.Error)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("error %v, want an invalid *errs.Error", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

func TestValidateNormalises(t *testing.T) {
	income := int64(0)
	d := Details{Name: "  Hillside  ", CharityNumber: "sc 012345", CompanyNumber: "1234567", Postcode: "ls61aa",
		LedBy: []LedBy{"disabled_people", "disabled_people", "women_and_girls"}, AnnualIncome: &income,
		Website: "https://example.org", ContactEmail: "a@example.org", Region: "yorkshire_and_the_humber", LegalForm: LegalFormInformalGroup}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Details{Name: "Hillside", CharityNumber: "SC012345", CompanyNumber: "01234567", Postcode: "LS6 1AA",
		LedBy: []LedBy{"disabled_people", "women_and_girls"}, AnnualIncome: &income,
		Website: "https://example.org", ContactEmail: "a@example.org", Region: "yorkshire_and_the_humber", LegalForm: LegalFormInformalGroup}
	if diff := diff(want, d); diff != "" {
		t.Fatalf("normalised details (want, got):\n%s", diff)
	}
}

func TestUnregisteredGroupNeedsOnlyAName(t *testing.T) {
	d := Details{Name: "Tuesday walking group"}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.LedBy == nil {
		t.Fatal("led_by must be an empty list, not nil")
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	neg := int64(-1)
	d := Details{Name: " ", LegalForm: "trust", CharityNumber: "12", CompanyNumber: "ABC", LedBy: []LedBy{"martians"},
		AnnualIncome: &neg, Postcode: "NOPE", Region: "mars", Website: "ftp://x", ContactEmail: "nope",
		UserLedDescription: strings.Repeat("x", 2001)}
	got := fieldsOf(t, d.Validate())
	want := []string{"annual_income", "charity_number", "company_number", "contact_email", "led_by[0]", "legal_form", "name", "postcode", "region", "user_led_description", "website"}
	if diff := diff(want, got); diff != "" {
		t.Fatalf("fields (want, got):\n%s", diff)
	}
}

func TestRegistrationNumberForms(t *testing.T) {
	for _, c := range []struct {
		charity string
		ok      bool
	}{{"1012345", true}, {"220949", true}, {"1012345-1", true}, {"SC012345", true}, {"NIC100012", true}, {"NI12345", true},
		{"12345", false}, {"12345678", false}, {"SC12345", false}, {"GB123456", false}} {
		if got := ValidCharityNumber(c.charity); got != c.ok {
			t.Errorf("ValidCharityNumber(%q) = %v", c.charity, got)
		}
	}
	for _, c := range []struct {
		in, want string
		ok       bool
	}{{"sw1a1aa", "SW1A 1AA", true}, {"M1 1AE", "M1 1AE", true}, {"b33 8th", "B33 8TH", true}, {"CR2 6XH", "CR2 6XH", true},
		{"DN55 1PT", "DN55 1PT", true}, {"GIR 0AA", "GIR 0AA", true}, {"12345", "12345", false}, {"SW1A", "SW1A", false}} {
		got, ok := NormalisePostcode(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalisePostcode(%q) = %q, %v", c.in, got, ok)
		}
	}
}

func TestBankDetailsValidate(t *testing.T) {
	b := BankDetails{AccountName: " Hillside ", SortCode: "12-34-56", AccountNumber: "1234 5678", HeldBy: HeldByOrganisation}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if b.SortCode != "123456" || b.AccountNumber != "12345678" || b.AccountName != "Hillside" {
		t.Fatalf("not normalised: %+v", b)
	}
	if m := b.Masked(); m.AccountNumber != "****5678" || m.SortCode != "**-**-56" || m.AccountName != "Hillside" {
		t.Fatalf("masked: %+v", m)
	}
	bad := BankDetails{SortCode: "1234", AccountNumber: "1234567a", HeldBy: HeldByHostOrganisation}
	err := bad.Validate()
	if diff := diff([]string{"account_name", "account_number", "host_charity_number", "host_name", "sort_code"}, fieldsOf(t, err)); diff != "" {
		t.Fatalf("fields (want, got):\n%s", diff)
	}
	if strings.Contains(err.Error(), "1234567a") {
		t.Fatal("a validation message repeats the account number")
	}
	host := BankDetails{AccountName: "Host", SortCode: "123456", AccountNumber: "12345678", HeldBy: HeldByHostOrganisation, HostName: "Leeds CF", HostCharityNumber: "1096892"}
	if err := host.Validate(); err != nil {
		t.Fatal(err)
	}
	if diff := diff([]string{"held_by"}, fieldsOf(t, (&BankDetails{AccountName: "a", SortCode: "123456", AccountNumber: "12345678"}).Validate())); diff != "" {
		t.Fatal(diff)
	}
}

func TestLedByVocabularyMapsToDEICodes(t *testing.T) {
	seen := map[LedBy]bool{}
	for _, term := range LedByVocabulary {
		if seen[term.Term] {
			t.Errorf("%s appears twice", term.Term)
		}
		seen[term.Term] = true
		if len(term.DEICodes) == 0 {
			t.Errorf("%s has no DEI code", term.Term)
		}
		for _, c := range term.DEICodes {
			if len(c) != 9 || !strings.HasPrefix(c, "DEI") {
				t.Errorf("%s: %q is not a DEI taxonomy code", term.Term, c)
			}
		}
	}
	for _, must := range []LedBy{"disabled_people", "black_and_minoritised_communities", "lgbtq_people", "people_with_lived_experience_of_mental_ill_health", "women_and_girls"} {
		if !must.Valid() {
			t.Errorf("SPEC term %s missing", must)
		}
	}
}

// diff describes how got differs from want, or "" (the module has no go-cmp dependency).
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("want %+v\n got %+v", want, got)
}
