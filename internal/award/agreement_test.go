package award

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// agreementUpdate rewrites the golden files instead of comparing against them:
// go test ./internal/award/ -run Agreement -update
var agreementUpdate = flag.Bool("update", false, "rewrite the golden files in testdata")

const agreementGolden = "testdata/agreement.golden.txt"

// agreementFixture is a full agreement: two instalments (one paid), both kinds of report,
// multi-paragraph conditions, not yet accepted.
func agreementFixture() Agreement {
	return Agreement{
		FunderName:           "Riverside Community Foundation",
		ProgrammeName:        "Neighbourhood Grants",
		RoundName:            "Spring 2026",
		OrganisationName:     "Knit & Natter Café Group",
		ApplicationReference: "NG-2026-0042",
		ApplicationTitle:     "Warm spaces for winter knitting circles",
		Amount:               250000,
		Currency:             "GBP",
		Conditions: "Please credit the foundation on any leaflets you print.\n" +
			"Keep receipts for anything over £100.\n\n" +
			"Tell us if the venue changes.",
		Instalments: []AgreementInstalment{
			{Amount: 125000, DueDate: "2026-03-31", Status: "paid"},
			{Amount: 125000, DueDate: "2026-09-30", Status: "scheduled"},
		},
		Reports: []AgreementReport{
			{Kind: "interim", DueAfterDays: 180},
			{Kind: "final", DueAfterDays: 365},
		},
		OfferedAt: time.Date(2026, 3, 3, 9, 15, 0, 0, time.UTC),
		Version:   AgreementVersion,
	}
}

func agreementAcceptedBy(a Agreement, name string, at time.Time) Agreement {
	a.SignedName, a.AcceptedAt = name, &at
	return a
}

func TestAgreementText(t *testing.T) {
	acceptedAt := time.Date(2026, 3, 5, 14, 30, 0, 0, time.FixedZone("BST", 3600))
	bare := agreementFixture()
	bare.FunderName, bare.Conditions, bare.Instalments, bare.Reports = "", "", nil, nil
	euro := agreementFixture()
	euro.Currency, euro.Amount = "EUR", 123456789
	euro.Instalments = []AgreementInstalment{{Amount: 123456789, DueDate: "2027-01-01"}}
	dollar := agreementFixture()
	dollar.Currency, dollar.Amount, dollar.Instalments = "USD", 99, nil
	other := agreementFixture()
	other.Currency, other.Amount, other.Instalments = "CAD", 100000000, nil
	oldVersion := agreementAcceptedBy(agreementFixture(), "Ann Jones", acceptedAt)
	oldVersion.Version = "2025-01-v1"

	tests := []struct {
		name    string
		in      Agreement
		want    []string
		notWant []string
	}{
		{
			name: "offered",
			in:   agreementFixture(),
			want: []string{
				"Grant agreement\n",
				"between Riverside Community Foundation",
				"Knit & Natter Café Group",
				"We are offering you a grant of £2,500.00.",
				"Programme: Neighbourhood Grants",
				"Round: Spring 2026",
				"Offered on: 3 March 2026",
				"“Warm spaces for winter knitting circles” (reference NG-2026-0042)",
				"Please credit the foundation on any leaflets you print.\nKeep receipts for anything over £100.\n\nTell us if the venue changes.",
				"in 2 instalments:",
				"1. £1,250.00 on 31 March 2026 (paid)\n",
				"2. £1,250.00 on 30 September 2026\n",
				"- An interim report, due 180 days after you accept\n",
				"- A final report, due 365 days after you accept\n",
				"a recording, or a conversation",
				"If things change",
				"tell us as early as you can",
				"Not yet accepted.",
				"Agreement version " + AgreementVersion + "\n",
			},
			notWant: []string{"Accepted by", "No special conditions", "(by "},
		},
		{
			name: "accepted",
			in:   agreementAcceptedBy(agreementFixture(), "Ann Jones", acceptedAt),
			want: []string{
				"Accepted by Ann Jones on 5 March 2026 at 13:30 UTC.",
				"Version accepted: " + AgreementVersion + "\n",
				"- An interim report, due 180 days after you accept (by 1 September 2026)",
				"- A final report, due 365 days after you accept (by 5 March 2027)",
			},
			notWant: []string{"Not yet accepted"},
		},
		{
			name:    "accepted against an older wording keeps that version",
			in:      oldVersion,
			want:    []string{"Version accepted: 2025-01-v1\n", "Agreement version 2025-01-v1\n"},
			notWant: []string{AgreementVersion},
		},
		{
			name:    "signed name without a time is not an acceptance",
			in:      func() Agreement { a := agreementFixture(); a.SignedName = "Ann Jones"; return a }(),
			want:    []string{"Not yet accepted."},
			notWant: []string{"Ann Jones"},
		},
		{
			name: "no funder, conditions, instalments or reports",
			in:   bare,
			want: []string{
				"between the funder (“we”)",
				"No special conditions.",
				"We will agree the payment dates with you",
				"We do not ask for a report",
			},
			notWant: []string{"These conditions", "1. ", "- "},
		},
		{
			name: "empty version means the current one",
			in:   func() Agreement { a := agreementFixture(); a.Version = ""; return a }(),
			want: []string{"Agreement version " + AgreementVersion},
		},
		{
			name: "euros with thousands separators",
			in:   euro,
			want: []string{"€1,234,567.89", "in one payment:", "1. €1,234,567.89 on 1 January 2027"},
		},
		{name: "dollars under one", in: dollar, want: []string{"$0.99"}},
		{name: "other currencies by code", in: other, want: []string{"CAD 1,000,000.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.Text()
			flat := strings.Join(strings.Fields(got), " ")
			for _, w := range tt.want {
				// A phrase may be wrapped across lines; one with a line break in it is
				// checked exactly, for the layout of lists and paragraphs.
				if !strings.Contains(got, w) && (strings.Contains(w, "\n") || !strings.Contains(flat, w)) {
					t.Errorf("text lacks %q:\n%s", w, got)
				}
			}
			for _, w := range append(tt.notWant, "pence", "minor units", "Pence", "Minor units") {
				if strings.Contains(got, w) {
					t.Errorf("text has %q:\n%s", w, got)
				}
			}
			for i, line := range strings.Split(got, "\n") {
				if n := utf8.RuneCountInString(line); n > agreementWrapWidth {
					t.Errorf("line %d is %d characters long: %q", i+1, n, line)
				}
			}
			if !utf8.ValidString(got) {
				t.Error("text is not valid UTF-8")
			}
		})
	}
}

func TestAgreementTextGolden(t *testing.T) {
	got := agreementAcceptedBy(agreementFixture(), "Ann Jones", time.Date(2026, 3, 5, 13, 30, 0, 0, time.UTC)).Text()
	if *agreementUpdate {
		if err := os.MkdirAll(filepath.Dir(agreementGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(agreementGolden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(agreementGolden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("text differs from %s (run with -update if the change is meant, and bump AgreementVersion if the wording changed):\n%s", agreementGolden, got)
	}
}

func TestAgreementMoney(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "GBP", "£0.00"},
		{5, "GBP", "£0.05"},
		{99999, "GBP", "£999.99"},
		{100000, "GBP", "£1,000.00"},
		{250000, "GBP", "£2,500.00"},
		{123456789, "gbp", "£1,234,567.89"},
		{-123456, "GBP", "-£1,234.56"},
		{123456, "EUR", "€1,234.56"},
		{123456, "USD", "$1,234.56"},
		{123456, "SEK", "SEK 1,234.56"},
		{123456, "", "1,234.56"},
		{-9223372036854775808, "USD", "-$92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		if got := agreementMoney(tt.minor, tt.currency); got != tt.want {
			t.Errorf("agreementMoney(%d, %q) = %q, want %q", tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestAgreementCP1252(t *testing.T) {
	enc := agreementCP1252(fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor(""))
	tests := []struct{ in, want string }{
		{"plain ASCII.", "plain ASCII."},
		{"£2,500 – café’s “quote” €5 •", "\xa32,500 \x96 caf\xe9\x92s \x93quote\x94 \x805 \x95"},
		{"Michał Dwŷr", "Michal Dwyr"},                   // near letters, not "."
		{"Cafe\u0301", "Cafe"},                           // a combining accent is dropped
		{"Knit 🧶 and 👩‍👩‍👧 group", "Knit ? and ? group"}, // one "?" per run, joiners dropped
		{"中文", "?"},
		{"bad \xff byte", "bad ? byte"},
		{"line\nbreak", "line\nbreak"},
	}
	for _, tt := range tests {
		if got := enc(tt.in); got != tt.want {
			t.Errorf("agreementCP1252(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAgreementPDF(t *testing.T) {
	long := strings.Repeat("The group will keep a simple record of who came to each session. ", 31)[:2000]
	tests := []struct {
		name   string
		mutate func(*Agreement)
	}{
		{"offered", func(*Agreement) {}},
		{"accepted", func(a *Agreement) { *a = agreementAcceptedBy(*a, "Ann Jones", a.OfferedAt.Add(48*time.Hour)) }},
		{"accents in cp1252", func(a *Agreement) { a.OrganisationName, a.SignedName = "Société Café Zoë", "Renée Müller" }},
		{"letters outside cp1252", func(a *Agreement) { a.OrganisationName = "Michał’s Łódź Dwŷr group" }},
		{"emoji", func(a *Agreement) {
			a.OrganisationName, a.ApplicationTitle, a.Conditions = "Knit 🧶 Club", "Yarn 👩‍👩‍👧 for all", "Have fun 🎉"
		}},
		{"long conditions over pages", func(a *Agreement) { a.Conditions = long + "\n\n" + long + "\n\n" + long }},
		{"one unbroken 2,000-character word", func(a *Agreement) { a.Conditions = strings.Repeat("x", 2000) }},
		{"zero offer time", func(a *Agreement) { a.OfferedAt = time.Time{} }},
		{"invalid UTF-8 in the title", func(a *Agreement) { a.OrganisationName = "bad \xe0 byte" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := agreementFixture()
			tt.mutate(&a)
			first, err := a.PDF()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(first, []byte("%PDF-")) {
				t.Errorf("PDF starts %q", first[:min(len(first), 8)])
			}
			if !bytes.HasSuffix(bytes.TrimRight(first, "\r\n"), []byte("%%EOF")) {
				t.Errorf("PDF ends %q", first[max(0, len(first)-8):])
			}
			second, err := a.PDF()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, second) {
				t.Error("two renders of the same agreement differ")
			}
		})
	}

	t.Run("long conditions add pages", func(t *testing.T) {
		short, _ := agreementFixture().PDF()
		a := agreementFixture()
		a.Conditions = long + "\n\n" + long + "\n\n" + long
		multi, _ := a.PDF()
		if n, m := bytes.Count(short, []byte("/Type /Page\n")), bytes.Count(multi, []byte("/Type /Page\n")); m <= n || m < 2 {
			t.Errorf("pages: %d with short conditions, %d with long ones", n, m)
		}
	})
}

// TestAgreementPDFText extracts the PDF's text with poppler's pdftotext, to check the
// words really are in it (and the pound sign survives the cp1252 translation). It skips
// only when pdftotext is not installed, as it is not on every machine.
func TestAgreementPDFText(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	a := agreementAcceptedBy(agreementFixture(), "Renée Michał", time.Date(2026, 3, 5, 13, 30, 0, 0, time.UTC))
	pdf, err := a.PDF()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "agreement.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, w := range []string{
		"Grant agreement", "£2,500.00", "Knit & Natter Café Group", "£1,250.00 on 31 March 2026",
		"A final report, due 365 days after you accept",
		"Accepted by Renée Michal on 5 March 2026 at 13:30 UTC", "Agreement version " + AgreementVersion,
	} {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext output lacks %q:\n%s", w, text)
		}
	}
	if info, err := exec.Command(filepath.Join(filepath.Dir(bin), "pdfinfo"), path).Output(); err == nil {
		for _, w := range []string{"Title:", "Knit & Natter Café Group", "Creator:", "Constellate", "A4"} {
			if !bytes.Contains(info, []byte(w)) {
				t.Errorf("pdfinfo output lacks %q:\n%s", w, info)
			}
		}
	}
}

// TestAgreementPDFConcurrent renders from many goroutines at once, as concurrent requests
// do: fpdf's translator keeps a buffer between calls, so PDF must not share one (run with
// -race to see it).
func TestAgreementPDFConcurrent(t *testing.T) {
	a := agreementFixture()
	a.OrganisationName = "Société Café – Michał’s group"
	want, err := a.PDF()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := a.PDF()
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("a concurrent render differs (err %v)", err)
			}
		})
	}
	wg.Wait()
}
