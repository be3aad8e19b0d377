package opendata

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
)

// JSONWriter writes a 360Giving package one grant at a time: {"grants":[…], "version",
// "extensions"} — the extensions list ("dei") only when some grant has deiDetails.
type JSONWriter struct {
	w   io.Writer
	n   int
	dei bool
	buf bytes.Buffer
}

// NewJSONWriter writes a package to w.
func NewJSONWriter(w io.Writer) *JSONWriter { return &JSONWriter{w: w} }

// Write adds a grant.
func (j *JSONWriter) Write(g Grant) error {
	j.buf.Reset()
	if j.n == 0 {
		j.buf.WriteString("{\"grants\":[\n")
	} else {
		j.buf.WriteString(",\n")
	}
	enc := json.NewEncoder(&j.buf)
	enc.SetEscapeHTML(false) // "Arts & Crafts", not "Arts \u0026 Crafts"
	if err := enc.Encode(g); err != nil {
		return err
	}
	j.buf.Truncate(j.buf.Len() - 1) // Encode's newline
	j.n++
	j.dei = j.dei || g.DEIDetails != nil
	_, err := j.w.Write(j.buf.Bytes())
	return err
}

// Close ends the package.
func (j *JSONWriter) Close() error {
	var b strings.Builder
	if j.n == 0 {
		b.WriteString("{\"grants\":[")
	}
	b.WriteString("\n],\"version\":\"" + Version + "\"")
	if j.dei {
		b.WriteString(",\"extensions\":[\"" + ExtensionDEI + "\"]")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(j.w, b.String())
	return err
}

// CSVHeader is the flat CSV's header: the 360Giving Data Standard's column titles (its
// schema's field titles joined by ":"), the DEI extension's among them.
var CSVHeader = []string{
	"Identifier", "Title", "Description", "Currency", "Amount Awarded", "Award Date",
	"Planned Dates:Start Date", "Planned Dates:End Date",
	"Recipient Org:Identifier", "Recipient Org:Name", "Recipient Org:Charity Number", "Recipient Org:Company Number",
	"Funding Org:Identifier", "Funding Org:Name",
	"Grant Programme:Title",
	"Beneficiary Location:Name", "Beneficiary Location:Country Code", "Beneficiary Location:Geographic Code",
	"Beneficiary Location:Geographic Code Type",
	"From An Open Call?",
	"DEI Details:Leadership:Asked Status", "DEI Details:Leadership:Reply Status", "DEI Details:Leadership:Available Options",
	"DEI Details:Leadership:DEI Response:Taxonomy Codes",
	"DEI Details:Mission:Asked Status", "DEI Details:Project:Asked Status",
}

// CSVRecord is a grant as a CSV row in CSVHeader's columns. Lists are joined with ";" (as
// 360Giving's flattened spreadsheets do); every text cell is guarded against formula
// injection (SafeCell).
func CSVRecord(g Grant) []string {
	var planned Event
	if len(g.PlannedDates) > 0 {
		planned = g.PlannedDates[0]
	}
	var rec, fund Organization
	if len(g.RecipientOrganization) > 0 {
		rec = g.RecipientOrganization[0]
	}
	if len(g.FundingOrganization) > 0 {
		fund = g.FundingOrganization[0]
	}
	var programme string
	if len(g.GrantProgramme) > 0 {
		programme = g.GrantProgramme[0].Title
	}
	var loc Location
	if len(g.BeneficiaryLocation) > 0 {
		loc = g.BeneficiaryLocation[0]
	}
	var lead, mission, project DEIArea
	var codes []string
	if d := g.DEIDetails; d != nil {
		lead, mission, project = d.Leadership, d.Mission, d.Project
		if lead.Response != nil {
			codes = lead.Response.TaxonomyCodes
		}
	}
	cells := []string{
		g.ID, g.Title, g.Description, g.Currency, g.AmountAwarded.String(), g.AwardDate,
		planned.StartDate, planned.EndDate,
		rec.ID, rec.Name, rec.CharityNumber, rec.CompanyNumber,
		fund.ID, fund.Name,
		programme,
		loc.Name, loc.CountryCode, loc.GeoCode, loc.GeoCodeType,
		g.FromOpenCall,
		lead.AskedStatus, lead.ReplyStatus, strings.Join(lead.AvailableOptions, ";"), strings.Join(codes, ";"),
		mission.AskedStatus, project.AskedStatus,
	}
	for i, c := range cells {
		if i != 4 { // the amount is a number we wrote
			cells[i] = SafeCell(c)
		}
	}
	return cells
}

// SafeCell guards a text cell against formula injection: a spreadsheet would run a cell
// starting with = + - @ (or a tab or carriage return), so it gets a ' in front.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// CSVWriter writes the flat CSV one grant at a time: the header with the first.
type CSVWriter struct {
	w *csv.Writer
	n int
}

// NewCSVWriter writes CSV to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write adds a grant's row (after the header, the first time).
func (c *CSVWriter) Write(g Grant) error {
	if c.n == 0 {
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	c.n++
	return c.w.Write(CSVRecord(g))
}

// Close flushes what is buffered (the header alone when no grant came).
func (c *CSVWriter) Close() error {
	if c.n == 0 {
		_ = c.w.Write(CSVHeader)
	}
	c.w.Flush()
	return c.w.Error()
}
