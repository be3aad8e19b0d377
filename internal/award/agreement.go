package award

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// AgreementVersion names the wording of the agreement text below; bump it whenever the
// wording changes, so an acceptance records which text was agreed.
const AgreementVersion = "2026-12-v1"

// Agreement is everything the grant agreement says. The service fills it from the award,
// its round and its payments; Text and PDF render the same words from it, so the group
// reads (or hears, through a screen reader) exactly what it keeps.
type Agreement struct {
	FunderName           string // may be "": the agreement then says "the funder"
	ProgrammeName        string
	RoundName            string
	OrganisationName     string
	ApplicationReference string
	ApplicationTitle     string
	Amount               int64  // minor units (pence); shown only as money, never as a count of pence
	Currency             string // ISO 4217, such as GBP
	Conditions           string // free text from the funder; may be ""
	Instalments          []AgreementInstalment
	Reports              []AgreementReport
	OfferedAt            time.Time

	// Set once accepted: who signed, when, and which wording they agreed to.
	SignedName string
	AcceptedAt *time.Time
	// Version is the AgreementVersion accepted, or the current one before acceptance;
	// "" is read as the current one.
	Version string
}

// AgreementInstalment is one payment in the agreement's schedule.
type AgreementInstalment struct {
	Amount  int64  // minor units of the agreement's currency
	DueDate string // YYYY-MM-DD; shown as written if it does not parse
	Status  string // a PaymentStatus; only "paid" and "cancelled" are worth telling the group
}

// AgreementReport is one report the round asks for, due a number of days after the group
// accepts (the clock starts at acceptance, not at the offer, so a slow acceptance never
// shortens the time the group has).
type AgreementReport struct {
	Kind         string // interim or final
	DueAfterDays int
}

// Text renders the agreement as plain UTF-8 text wrapped at about 80 columns. It avoids
// decorative rules (such as lines of "=") because a screen reader reads them out.
func (a Agreement) Text() string {
	doc := a.agreementDoc()
	var b strings.Builder
	b.WriteString(doc.Title)
	b.WriteString("\n")
	for _, s := range doc.Sections {
		if s.Heading != "" {
			b.WriteString("\n")
			b.WriteString(s.Heading)
			b.WriteString("\n")
		}
		for _, bl := range s.Blocks {
			b.WriteString("\n")
			agreementWriteBlock(&b, bl)
		}
	}
	b.WriteString("\n")
	b.WriteString(doc.Footer)
	b.WriteString("\n")
	return b.String()
}

// PDF renders the agreement as an A4 PDF with the same sections and words as Text. The
// core Helvetica font keeps the file small and needs no font files, but holds only
// Windows-1252, so text is translated to it and anything it cannot hold falls back to a
// near letter or "?" (the text version keeps every character). The same Agreement always
// gives the same bytes: the document's dates come from the offer and acceptance, not the
// clock.
func (a Agreement) PDF() ([]byte, error) {
	doc := a.agreementDoc()

	const (
		margin     = 20.0 // mm
		lineHeight = 5.5  // mm, for 11pt text
		paraGap    = 2.5  // mm between blocks
		indent     = 8.0  // mm for list markers
	)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(agreementPDFTime(a.OfferedAt))
	if a.agreementAccepted() {
		pdf.SetModificationDate(agreementPDFTime(*a.AcceptedAt))
	} else {
		pdf.SetModificationDate(agreementPDFTime(a.OfferedAt))
	}
	title := doc.Title
	if org := agreementClean(a.OrganisationName); org != "" {
		title += " – " + org
	}
	pdf.SetTitle(agreementBMP(title), true)
	pdf.SetSubject(agreementBMP(doc.Footer), true)
	pdf.SetCreator("Constellate", true)
	pdf.SetLang("en-GB")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.AliasNbPages("")

	// The translator keeps a buffer between calls, so each render makes its own rather
	// than sharing one between concurrent requests.
	enc := agreementCP1252(pdf.UnicodeTranslatorFromDescriptor(""))

	pdf.SetFooterFunc(func() {
		pdf.SetY(-margin + 5)
		pdf.SetFont("Helvetica", "", 9)
		pdf.SetTextColor(80, 80, 80)
		pdf.CellFormat(0, 5, enc(doc.Footer+" · Page "+strconv.Itoa(pdf.PageNo())+" of {nb}"), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 20)
	pdf.MultiCell(0, 9, enc(doc.Title), "", "L", false)

	pageWidth, pageHeight := pdf.GetPageSize()
	width := pageWidth - 2*margin
	atTop := func() bool { return pdf.GetY() <= margin+0.01 }
	// keep starts a new page unless h more millimetres fit on this one.
	keep := func(h float64) {
		if !atTop() && pdf.GetY()+h > pageHeight-margin {
			pdf.AddPage()
		}
	}
	// together is how much of a block to keep on one page: all of a short paragraph or
	// list item (so no line is left alone over a page), the first two lines of a long one.
	together := func(text string, w float64, style string) float64 {
		pdf.SetFont("Helvetica", style, 11)
		n := len(pdf.SplitLines([]byte(enc(text)), w))
		pdf.SetFont("Helvetica", "", 11)
		if n > 6 {
			n = 2
		}
		return float64(max(n, 1)) * lineHeight
	}
	blockHeight := func(bl agreementBlock) float64 {
		if bl.Text != "" {
			style := ""
			if bl.Strong {
				style = "B"
			}
			return paraGap + together(bl.Text, width, style)
		}
		if len(bl.Items) > 0 {
			return paraGap + together(bl.Items[0], width-indent, "")
		}
		return paraGap
	}

	for _, s := range doc.Sections {
		if s.Heading != "" {
			// Keep a heading with the start of what follows it.
			first := 0.0
			if len(s.Blocks) > 0 {
				first = blockHeight(s.Blocks[0])
			}
			keep(6 + 7 + first)
			if !atTop() {
				pdf.Ln(6)
			}
			pdf.SetFont("Helvetica", "B", 13)
			pdf.MultiCell(0, 7, enc(s.Heading), "", "L", false)
		}
		pdf.SetFont("Helvetica", "", 11)
		for _, bl := range s.Blocks {
			keep(blockHeight(bl))
			if !atTop() {
				pdf.Ln(paraGap)
			}
			if bl.Text != "" {
				if bl.Strong {
					pdf.SetFont("Helvetica", "B", 11)
				}
				pdf.MultiCell(0, lineHeight, enc(bl.Text), "", "L", false)
				pdf.SetFont("Helvetica", "", 11)
				continue
			}
			for i, item := range bl.Items {
				switch bl.List {
				case agreementNumbers:
					keep(together(item, width-indent, ""))
					pdf.CellFormat(indent, lineHeight, strconv.Itoa(i+1)+".", "", 0, "L", false, 0, "")
					pdf.MultiCell(width-indent, lineHeight, enc(item), "", "L", false)
				case agreementBullets:
					keep(together(item, width-indent, ""))
					pdf.CellFormat(indent, lineHeight, enc("•"), "", 0, "L", false, 0, "")
					pdf.MultiCell(width-indent, lineHeight, enc(item), "", "L", false)
				default:
					keep(together(item, width, ""))
					pdf.MultiCell(0, lineHeight, enc(item), "", "L", false)
				}
			}
		}
	}

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("award: rendering the agreement as PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// agreementListStyle is how a block's items are set out.
type agreementListStyle int

const (
	agreementLines   agreementListStyle = iota // one item a line, unmarked (facts such as "Amount: £10.00")
	agreementBullets                           // unordered
	agreementNumbers                           // ordered, numbered from 1
)

// agreementBlock is a paragraph (Text) or a list (Items); never both.
type agreementBlock struct {
	Text   string // may hold "\n" where the funder's own line breaks are kept
	Strong bool   // set in bold in the PDF (the acceptance line)
	Items  []string
	List   agreementListStyle
}

// agreementSection is a heading and what follows it; the opening section has no heading.
type agreementSection struct {
	Heading string
	Blocks  []agreementBlock
}

// agreementDocument is the agreement's words in order, rendered by both Text and PDF so
// the two never drift apart.
type agreementDocument struct {
	Title    string
	Sections []agreementSection
	Footer   string
}

// agreementDoc writes the agreement's words. Changing any wording here means bumping
// AgreementVersion.
func (a Agreement) agreementDoc() agreementDocument {
	funder := agreementClean(a.FunderName)
	if funder == "" {
		funder = "the funder"
	}
	org := agreementClean(a.OrganisationName)
	if org == "" {
		org = "your group"
	}
	version := agreementClean(a.Version)
	if version == "" {
		version = AgreementVersion
	}
	money := func(minor int64) string { return agreementMoney(minor, a.Currency) }
	para := func(s string) agreementBlock { return agreementBlock{Text: s} }

	doc := agreementDocument{Title: "Grant agreement", Footer: "Agreement version " + version}

	doc.Sections = append(doc.Sections, agreementSection{Blocks: []agreementBlock{
		para("This agreement is between " + funder + " (“we”) and " + org + " (“you”). " +
			"It sets out the grant we are offering you, what it is for, how we will pay it, " +
			"and how to tell us how it went. Please read it, and ask us if anything is unclear."),
	}})

	var facts []string
	if p := agreementClean(a.ProgrammeName); p != "" {
		facts = append(facts, "Programme: "+p)
	}
	if r := agreementClean(a.RoundName); r != "" {
		facts = append(facts, "Round: "+r)
	}
	if !a.OfferedAt.IsZero() {
		facts = append(facts, "Offered on: "+agreementDate(a.OfferedAt))
	}
	grant := []agreementBlock{para("We are offering you a grant of " + money(a.Amount) + ".")}
	if len(facts) > 0 {
		grant = append(grant, agreementBlock{Items: facts, List: agreementLines})
	}
	doc.Sections = append(doc.Sections, agreementSection{Heading: "The grant", Blocks: grant})

	title, ref := agreementClean(a.ApplicationTitle), agreementClean(a.ApplicationReference)
	var purpose string
	switch {
	case title != "" && ref != "":
		purpose = "The grant is for your application “" + title + "” (reference " + ref + ")."
	case title != "":
		purpose = "The grant is for your application “" + title + "”."
	case ref != "":
		purpose = "The grant is for your application with reference " + ref + "."
	default:
		purpose = "The grant is for the work described in your application."
	}
	doc.Sections = append(doc.Sections, agreementSection{Heading: "What the grant is for", Blocks: []agreementBlock{
		para(purpose + " Please spend it on the work you described there."),
	}})

	conditions := agreementBlocksOf(a.Conditions)
	if len(conditions) == 0 {
		conditions = []agreementBlock{para("No special conditions.")}
	} else {
		conditions = append([]agreementBlock{para("These conditions come with the grant:")}, conditions...)
	}
	doc.Sections = append(doc.Sections, agreementSection{Heading: "Conditions", Blocks: conditions})

	var payment []agreementBlock
	switch n := len(a.Instalments); n {
	case 0:
		payment = append(payment, para("We will agree the payment dates with you and tell you before we pay."))
	case 1:
		payment = append(payment, para("We will pay the grant in one payment:"))
	default:
		payment = append(payment, para("We will pay the grant in "+strconv.Itoa(n)+" instalments:"))
	}
	if len(a.Instalments) > 0 {
		items := make([]string, 0, len(a.Instalments))
		for _, in := range a.Instalments {
			item := money(in.Amount) + " on " + agreementDay(in.DueDate)
			switch in.Status {
			case string(PaymentPaid):
				item += " (paid)"
			case string(PaymentCancelled):
				item += " (cancelled)"
			}
			items = append(items, item)
		}
		payment = append(payment, agreementBlock{Items: items, List: agreementNumbers})
	}
	payment = append(payment, para("We pay into the bank account you have given us. If your bank details "+
		"change, please tell us; a payment may take a few days longer while we check the new details, "+
		"to keep your money safe."))
	doc.Sections = append(doc.Sections, agreementSection{Heading: "Payment schedule", Blocks: payment})

	var reporting []agreementBlock
	if len(a.Reports) == 0 {
		reporting = append(reporting, para("We do not ask for a report for this grant, but we would still love to hear how it went."))
	} else {
		items := make([]string, 0, len(a.Reports))
		for _, r := range a.Reports {
			items = append(items, a.agreementReportLine(r))
		}
		reporting = append(reporting,
			para("Please tell us how things went:"),
			agreementBlock{Items: items, List: agreementBullets},
			para("A report can be written, a recording, or a conversation with us – whichever suits you best."))
	}
	doc.Sections = append(doc.Sections, agreementSection{Heading: "Reporting", Blocks: reporting})

	doc.Sections = append(doc.Sections, agreementSection{Heading: "If things change", Blocks: []agreementBlock{
		para("Plans change, and that is all right. If something changes – your plans, your costs, " +
			"the people involved or your bank details – please tell us as early as you can. " +
			"We will talk it through with you and agree what to do together."),
	}})

	var acceptance []agreementBlock
	if a.agreementAccepted() {
		when := agreementDateTime(*a.AcceptedAt)
		line := "Accepted on " + when + "."
		if name := agreementClean(a.SignedName); name != "" {
			line = "Accepted by " + name + " on " + when + "."
		}
		acceptance = append(acceptance, agreementBlock{Text: line, Strong: true},
			para("Version accepted: "+version))
	} else {
		acceptance = append(acceptance, agreementBlock{Text: "Not yet accepted.", Strong: true},
			para("When you accept, we record the name you sign with, the date and time, "+
				"and the version of this agreement you accepted."))
	}
	doc.Sections = append(doc.Sections, agreementSection{Heading: "Acceptance", Blocks: acceptance})
	return doc
}

// agreementAccepted reports whether the agreement carries an acceptance time; a signed
// name without one is not an acceptance.
func (a Agreement) agreementAccepted() bool { return a.AcceptedAt != nil && !a.AcceptedAt.IsZero() }

// agreementReportLine says what a report is and when it is due, with the date once the
// acceptance has fixed it.
func (a Agreement) agreementReportLine(r AgreementReport) string {
	kind := strings.ReplaceAll(agreementClean(r.Kind), "_", " ")
	what := "A report"
	if kind != "" {
		article := "A "
		if strings.ContainsRune("aeiouAEIOU", []rune(kind)[0]) {
			article = "An "
		}
		what = article + kind + " report"
	}
	if r.DueAfterDays <= 0 {
		return what + ", due when you accept"
	}
	days := strconv.Itoa(r.DueAfterDays) + " days"
	if r.DueAfterDays == 1 {
		days = "1 day"
	}
	line := what + ", due " + days + " after you accept"
	if a.agreementAccepted() {
		line += " (by " + agreementDate(a.AcceptedAt.UTC().AddDate(0, 0, r.DueAfterDays)) + ")"
	}
	return line
}

// agreementBlocksOf turns the funder's free text into paragraphs: blank lines separate
// paragraphs and single line breaks are kept, since funders often write lists that way.
func agreementBlocksOf(s string) []agreementBlock {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var blocks []agreementBlock
	for _, p := range strings.Split(s, "\n\n") {
		var lines []string
		for _, l := range strings.Split(p, "\n") {
			if l = agreementClean(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			blocks = append(blocks, agreementBlock{Text: strings.Join(lines, "\n")})
		}
	}
	return blocks
}

// agreementClean makes one line of outside text safe to set: valid UTF-8, no control
// characters (a stray tab or escape would otherwise break the layout), trimmed.
func agreementClean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s))
}

// agreementMoney writes minor units as money with thousands separators, such as £1,234.56
// (every currency of this product has two minor digits). GBP, EUR and USD use their
// symbols; others lead with the code, such as "CAD 1,234.56".
func agreementMoney(minor int64, currency string) string {
	var b strings.Builder
	u := uint64(minor)
	if minor < 0 {
		b.WriteByte('-')
		u = ^u + 1 // also right for the most negative int64
	}
	switch code := strings.ToUpper(strings.TrimSpace(currency)); code {
	case "GBP":
		b.WriteString("£")
	case "EUR":
		b.WriteString("€")
	case "USD":
		b.WriteString("$")
	case "":
	default:
		b.WriteString(code + " ")
	}
	digits := strconv.FormatUint(u/100, 10)
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	fmt.Fprintf(&b, ".%02d", u%100)
	return b.String()
}

// agreementDate writes a day as people say it, such as "31 March 2026", in UTC.
func agreementDate(t time.Time) string { return t.UTC().Format("2 January 2006") }

// agreementDateTime writes a moment with its zone spelled out, such as "5 March 2026 at
// 14:30 UTC", so no reader has to guess the time zone.
func agreementDateTime(t time.Time) string { return t.UTC().Format("2 January 2006 at 15:04 MST") }

// agreementDay writes a YYYY-MM-DD date as agreementDate does, or as given if it is not one.
func agreementDay(s string) string {
	d, err := time.Parse(dateLayout, strings.TrimSpace(s))
	if err != nil {
		return agreementClean(s)
	}
	return agreementDate(d)
}

// agreementWrapWidth is the plain text's line length in characters.
const agreementWrapWidth = 80

// agreementWriteBlock writes one block of the plain text, wrapped.
func agreementWriteBlock(b *strings.Builder, bl agreementBlock) {
	if bl.Text != "" {
		for _, line := range strings.Split(bl.Text, "\n") {
			agreementWrap(b, line, "", "")
		}
		return
	}
	for i, item := range bl.Items {
		switch bl.List {
		case agreementNumbers:
			marker := strconv.Itoa(i+1) + ". "
			agreementWrap(b, item, marker, strings.Repeat(" ", len(marker)))
		case agreementBullets:
			agreementWrap(b, item, "- ", "  ")
		default:
			agreementWrap(b, item, "", "")
		}
	}
}

// agreementWrap writes s word by word in lines of at most agreementWrapWidth characters,
// the first led by first and the rest by rest (a list item's hanging indent). A word
// longer than a line (a web address, say) gets a line to itself rather than being broken.
func agreementWrap(b *strings.Builder, s, first, rest string) {
	lead := first
	col := utf8.RuneCountInString(lead)
	b.WriteString(lead)
	wrote := false
	for _, w := range strings.Fields(s) {
		n := utf8.RuneCountInString(w)
		if wrote && col+1+n > agreementWrapWidth {
			b.WriteString("\n")
			b.WriteString(rest)
			col = utf8.RuneCountInString(rest)
			wrote = false
		}
		if wrote {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += n
		wrote = true
	}
	b.WriteString("\n")
}

// agreementPDFTime is the time a PDF's dates are set from: fpdf uses the clock for a zero
// time, which would make two renders of the same agreement differ, so zero becomes the
// Unix epoch.
func agreementPDFTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC()
}

// agreementBMP readies a string for fpdf's UTF-16 metadata, which handles only the Basic
// Multilingual Plane: anything beyond it (emoji) becomes "?".
func agreementBMP(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0xFFFF {
			return '?'
		}
		return r
	}, agreementClean(s))
}

// agreementFallback holds near letters for characters Windows-1252 lacks but names
// commonly use (Welsh, Polish, Czech, Romanian, Turkish and Baltic letters, and a few
// spaces and dashes), so "Michał" prints as "Michal" rather than "Micha?".
var agreementFallback = map[rune]rune{
	'ŵ': 'w', 'Ŵ': 'W', 'ŷ': 'y', 'Ŷ': 'Y',
	'ł': 'l', 'Ł': 'L', 'ą': 'a', 'Ą': 'A', 'ę': 'e', 'Ę': 'E', 'ć': 'c', 'Ć': 'C',
	'ń': 'n', 'Ń': 'N', 'ś': 's', 'Ś': 'S', 'ź': 'z', 'Ź': 'Z', 'ż': 'z', 'Ż': 'Z',
	'č': 'c', 'Č': 'C', 'ď': 'd', 'Ď': 'D', 'ě': 'e', 'Ě': 'E', 'ň': 'n', 'Ň': 'N',
	'ř': 'r', 'Ř': 'R', 'ť': 't', 'Ť': 'T', 'ů': 'u', 'Ů': 'U', 'ő': 'o', 'Ő': 'O',
	'ű': 'u', 'Ű': 'U', 'ă': 'a', 'Ă': 'A', 'ș': 's', 'Ș': 'S', 'ț': 't', 'Ț': 'T',
	'ş': 's', 'Ş': 'S', 'ğ': 'g', 'Ğ': 'G', 'ı': 'i', 'İ': 'I', 'ā': 'a', 'Ā': 'A',
	'ē': 'e', 'Ē': 'E', 'ī': 'i', 'Ī': 'I', 'ō': 'o', 'Ō': 'O', 'ū': 'u', 'Ū': 'U',
	'ė': 'e', 'Ė': 'E', 'į': 'i', 'Į': 'I', 'ų': 'u', 'Ų': 'U', 'ļ': 'l', 'Ļ': 'L',
	'ķ': 'k', 'Ķ': 'K', 'ņ': 'n', 'Ņ': 'N', 'ģ': 'g', 'Ģ': 'G', 'đ': 'd', 'Đ': 'D',
	'\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2212': '-',
	'\u2009': ' ', '\u200A': ' ', '\u202F': ' ', '\u2007': ' ', '\u2002': ' ', '\u2003': ' ',
}

// agreementCP1252 wraps fpdf's Windows-1252 translator, which turns every character it
// cannot hold into ".", a misleading stand-in in a name or an amount: instead combining
// marks and invisible format characters are dropped, near letters are used where
// agreementFallback has them, and anything else (emoji, other scripts) becomes one "?"
// per run.
func agreementCP1252(translate func(string) string) func(string) string {
	return func(s string) string {
		var b strings.Builder
		lastFallback := false
		for _, r := range s {
			switch {
			case r == '\n' || (r >= 0x20 && r < 0x7F):
				b.WriteRune(r)
				lastFallback = false
				continue
			case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
				continue // accents written separately, variation selectors, zero-width joiners
			}
			if near, ok := agreementFallback[r]; ok {
				b.WriteRune(near)
				lastFallback = false
				continue
			}
			if t := translate(string(r)); t != "." {
				b.WriteString(t)
				lastFallback = false
				continue
			}
			if !lastFallback {
				b.WriteByte('?')
			}
			lastFallback = true
		}
		return b.String()
	}
}
