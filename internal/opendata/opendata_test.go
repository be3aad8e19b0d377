package opendata_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"constellate/internal/errs"
	"constellate/internal/opendata"
	"constellate/internal/organisation"
	"constellate/internal/round"
)

const prefix = "360G-example"

func TestOrgID(t *testing.T) {
	for _, c := range []struct{ name, charity, company, want string }{
		{"England and Wales charity", "1123456", "", "GB-CHC-1123456"},
		{"six-digit charity", "222222", "", "GB-CHC-222222"},
		{"linked charity keeps its suffix", "1123456-1", "", "GB-CHC-1123456-1"},
		{"charity number before company number", "1123456", "06368740", "GB-CHC-1123456"},
		{"spaces and case", " sc 012345 ", "", "GB-SC-SC012345"},
		{"Scottish charity", "SC012345", "", "GB-SC-SC012345"},
		{"Northern Irish charity", "NIC100002", "", "GB-NIC-100002"},
		{"Northern Irish, short form", "NI12345", "", "GB-NIC-12345"},
		{"company", "", "06368740", "GB-COH-06368740"},
		{"Scottish company", "", "SC123456", "GB-COH-SC123456"},
		{"company number padded to eight", "", "6368740", "GB-COH-06368740"},
		{"unrecognised charity number falls to the company number", "XYZ", "06368740", "GB-COH-06368740"},
		{"unregistered group", "", "", prefix + "-ORG-0190a1b2-0000-7000-8000-000000000001"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := opendata.OrgID(prefix, "0190a1b2-0000-7000-8000-000000000001", c.charity, c.company); got != c.want {
				t.Errorf("OrgID(%q, %q) = %q, want %q", c.charity, c.company, got, c.want)
			}
		})
	}
}

func TestMajorUnits(t *testing.T) {
	for _, c := range []struct {
		minor int64
		want  string
	}{
		{250000, "2500"}, {12345, "123.45"}, {12340, "123.4"}, {12305, "123.05"}, {5, "0.05"}, {50, "0.5"}, {1, "0.01"},
		{100, "1"}, {0, "0"}, {99, "0.99"}, {123456789012, "1234567890.12"}, {-12345, "-123.45"},
		{9007199254740993, "90071992547409.93"}, // beyond float64's exact integers: still exact
	} {
		if got := opendata.MajorUnits(c.minor); string(got) != c.want {
			t.Errorf("MajorUnits(%d) = %s, want %s", c.minor, got, c.want)
		}
	}
	// Written into JSON as a number, character for character.
	b, err := json.Marshal(opendata.Grant{AmountAwarded: opendata.MajorUnits(12345)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"amountAwarded":123.45,`)) {
		t.Errorf("JSON %s does not hold amountAwarded 123.45 as a number", b)
	}
}

func TestRegionLocation(t *testing.T) {
	codes := map[string]bool{}
	for _, r := range organisation.Regions {
		loc, ok := opendata.RegionLocation(r)
		if !ok || loc.Name == "" || loc.CountryCode != "GB" || len(loc.GeoCode) != 9 || loc.GeoCodeType == "" {
			t.Errorf("region %s: location %+v, %v", r, loc, ok)
		}
		if codes[loc.GeoCode] {
			t.Errorf("region %s: geoCode %s used twice", r, loc.GeoCode)
		}
		codes[loc.GeoCode] = true
		english := strings.HasPrefix(loc.GeoCode, "E12")
		if english != (loc.GeoCodeType == "RGN/GOR") || (!english && loc.GeoCodeType != "CTRY") {
			t.Errorf("region %s: geoCode %s with geoCodeType %s", r, loc.GeoCode, loc.GeoCodeType)
		}
	}
	for r, want := range map[organisation.Region]opendata.Location{
		"yorkshire_and_the_humber": {Name: "Yorkshire and The Humber", CountryCode: "GB", GeoCode: "E12000003", GeoCodeType: "RGN/GOR"},
		"london":                   {Name: "London", CountryCode: "GB", GeoCode: "E12000007", GeoCodeType: "RGN/GOR"},
		"wales":                    {Name: "Wales", CountryCode: "GB", GeoCode: "W92000004", GeoCodeType: "CTRY"},
		"scotland":                 {Name: "Scotland", CountryCode: "GB", GeoCode: "S92000003", GeoCodeType: "CTRY"},
		"northern_ireland":         {Name: "Northern Ireland", CountryCode: "GB", GeoCode: "N92000002", GeoCodeType: "CTRY"},
	} {
		if got, _ := opendata.RegionLocation(r); got != want {
			t.Errorf("RegionLocation(%s) = %+v, want %+v", r, got, want)
		}
	}
	if _, ok := opendata.RegionLocation(""); ok {
		t.Error("a group without a region has a location")
	}
}

func TestLeadershipOnlyWithConsent(t *testing.T) {
	led := []organisation.LedBy{"disabled_people", "people_experiencing_economic_disadvantage", "working_class_people",
		"trans_and_non_binary_people", "not_a_term"}
	if d := opendata.Leadership(opendata.Recipient{LedBy: led, PublishLedBy: false}); d != nil {
		t.Fatalf("published without consent: %+v", d)
	}
	if d := opendata.Leadership(opendata.Recipient{PublishLedBy: true}); d != nil {
		t.Fatalf("consent with nothing to say published %+v", d)
	}
	if d := opendata.Leadership(opendata.Recipient{LedBy: []organisation.LedBy{"not_a_term"}, PublishLedBy: true}); d != nil {
		t.Fatalf("an unknown term published %+v", d)
	}
	d := opendata.Leadership(opendata.Recipient{LedBy: led, PublishLedBy: true})
	if d == nil || d.Leadership.Response == nil {
		t.Fatal("consented leadership not published")
	}
	want := []string{"DEI020000", "DEI080000", "DEI040400", "DEI040500"} // DEI080000 once for two terms
	if got := d.Leadership.Response.TaxonomyCodes; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("taxonomy codes %v, want %v", got, want)
	}
	if d.Leadership.AskedStatus != "AS200" || d.Leadership.ReplyStatus != "RS200" ||
		strings.Join(d.Leadership.AvailableOptions, ",") != "AO100,AO101,AO102" {
		t.Errorf("leadership metadata %+v", d.Leadership)
	}
	if d.Mission.AskedStatus != "AS100" || d.Project.AskedStatus != "AS100" || d.Mission.Response != nil || d.Project.Response != nil {
		t.Errorf("mission %+v, project %+v: want not asked", d.Mission, d.Project)
	}
}

var awarded = time.Date(2025, 4, 15, 10, 30, 0, 0, time.UTC)

func sampleRound() opendata.Round {
	return opendata.Round{ID: "r1", Name: "Side by Side 2025", Status: round.StatusDecided, ProgrammeName: "Side by Side Fund",
		ReportSchedule: round.ReportSchedule{{Kind: round.ReportInterim, DueAfterDays: 90}, {Kind: round.ReportFinal, DueAfterDays: 365}}}
}

func sampleRows() []opendata.Row {
	return []opendata.Row{
		{Reference: "SBS25-0001", Title: "Peer support cafés", Summary: "Weekly cafés run by members.", Amount: 250000, Currency: "GBP",
			OfferedAt: awarded, Recipient: opendata.Recipient{ID: "org-1", Name: "Hillside Peer Support", CharityNumber: "1123456",
				Region: "yorkshire_and_the_humber", LedBy: []organisation.LedBy{"disabled_people"}, PublishLedBy: false}},
		{Reference: "SBS25-0002", Title: "=cmd|' /C calc'!A0", Summary: "", Amount: 12345, Currency: "GBP", OfferedAt: awarded,
			Recipient: opendata.Recipient{ID: "org-2", Name: "@Arts & Crafts Ltd", CompanyNumber: "06368740", Region: "wales"}},
		{Reference: "SBS25-0003", Title: "Walking group", Summary: "Walks for everyone.", Amount: 300000, Currency: "GBP", OfferedAt: awarded,
			Recipient: opendata.Recipient{ID: "org-3", Name: "Riverside Voices", Region: "",
				LedBy: []organisation.LedBy{"lgbtq_people", "older_people"}, PublishLedBy: true}},
	}
}

func TestBuildGrant(t *testing.T) {
	r, rows := sampleRound(), sampleRows()
	g := opendata.BuildGrant(prefix, r, rows[0])
	if g.ID != "360G-example-SBS25-0001" || g.Title != "Peer support cafés" || g.Description != "Weekly cafés run by members." ||
		g.Currency != "GBP" || g.AmountAwarded != "2500" || g.AwardDate != "2025-04-15" || g.FromOpenCall != "Yes" {
		t.Errorf("grant %+v", g)
	}
	if len(g.PlannedDates) != 1 || g.PlannedDates[0] != (opendata.Event{StartDate: "2025-04-15", EndDate: "2026-04-15"}) {
		t.Errorf("planned dates %+v: want the award date to the final report's due date", g.PlannedDates)
	}
	if len(g.RecipientOrganization) != 1 || g.RecipientOrganization[0] != (opendata.Organization{ID: "GB-CHC-1123456",
		Name: "Hillside Peer Support", CharityNumber: "1123456"}) {
		t.Errorf("recipient %+v", g.RecipientOrganization)
	}
	if len(g.FundingOrganization) != 1 || g.FundingOrganization[0] != (opendata.Organization{ID: prefix, Name: prefix}) {
		t.Errorf("funder %+v", g.FundingOrganization)
	}
	if len(g.GrantProgramme) != 1 || g.GrantProgramme[0].Title != "Side by Side Fund" {
		t.Errorf("programme %+v", g.GrantProgramme)
	}
	if len(g.BeneficiaryLocation) != 1 || g.BeneficiaryLocation[0].Name != "Yorkshire and The Humber" {
		t.Errorf("location %+v", g.BeneficiaryLocation)
	}
	if g.DEIDetails != nil {
		t.Error("leadership published without consent")
	}

	second := opendata.BuildGrant(prefix, r, rows[1])
	if second.Description != second.Title {
		t.Errorf("an empty summary gives description %q, want the title", second.Description)
	}
	third := opendata.BuildGrant(prefix, r, rows[2])
	if third.BeneficiaryLocation != nil || third.DEIDetails == nil || third.RecipientOrganization[0].ID != prefix+"-ORG-org-3" {
		t.Errorf("third grant %+v", third)
	}
	noFinal := r
	noFinal.ReportSchedule = round.ReportSchedule{{Kind: round.ReportInterim, DueAfterDays: 90}}
	if g := opendata.BuildGrant(prefix, noFinal, rows[0]); g.PlannedDates[0] != (opendata.Event{StartDate: "2025-04-15"}) {
		t.Errorf("without a final report: planned dates %+v, want no end date", g.PlannedDates)
	}

	// Nothing personal: the JSON has no key beyond the published ones.
	b, _ := json.Marshal(third)
	for _, k := range []string{"postalCode", "email", "telephone", "contactName", "streetAddress", "recipientIndividual"} {
		if bytes.Contains(b, []byte(k)) {
			t.Errorf("the grant carries %s: %s", k, b)
		}
	}
}

func TestCSVGuardsFormulas(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+44": "'+44", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx",
		"\rx": "'\rx", "Plain": "Plain", "": "", "a=b": "a=b"} {
		if got := opendata.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
	var buf bytes.Buffer
	w := opendata.NewCSVWriter(&buf)
	for _, row := range sampleRows() {
		if err := w.Write(opendata.BuildGrant(prefix, sampleRound(), row)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || strings.Join(recs[0], "|") != strings.Join(opendata.CSVHeader, "|") {
		t.Fatalf("CSV %v", recs)
	}
	col := func(name string) int {
		for i, h := range recs[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	second := recs[2]
	if second[col("Title")] != "'=cmd|' /C calc'!A0" || second[col("Recipient Org:Name")] != "'@Arts & Crafts Ltd" {
		t.Errorf("formula cells not guarded: %v", second)
	}
	if recs[1][col("Amount Awarded")] != "2500" || second[col("Amount Awarded")] != "123.45" {
		t.Errorf("amounts %q, %q", recs[1][col("Amount Awarded")], second[col("Amount Awarded")])
	}
	if second[col("Recipient Org:Identifier")] != "GB-COH-06368740" || second[col("Beneficiary Location:Geographic Code")] != "W92000004" {
		t.Errorf("second row %v", second)
	}
	if recs[1][col("DEI Details:Leadership:DEI Response:Taxonomy Codes")] != "" ||
		recs[3][col("DEI Details:Leadership:DEI Response:Taxonomy Codes")] != "DEI040000;DEI060000" ||
		recs[3][col("DEI Details:Mission:Asked Status")] != "AS100" {
		t.Errorf("DEI columns: %v / %v", recs[1], recs[3])
	}
}

// fakeSource is a Source over fixed rows.
type fakeSource struct {
	round opendata.Round
	rows  []opendata.Row
	err   error
}

func (f fakeSource) Round(_ context.Context, id string) (opendata.Round, error) {
	if id != f.round.ID {
		return opendata.Round{}, errs.E(errs.NotFound, "round not found")
	}
	return f.round, nil
}

func (f fakeSource) EachGrant(_ context.Context, _ string, fn func(opendata.Row) error) error {
	for _, r := range f.rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return f.err
}

func TestExportRefusals(t *testing.T) {
	ctx := context.Background()
	src := fakeSource{round: sampleRound(), rows: sampleRows()}
	emitted := 0
	emit := func(opendata.Grant) error { emitted++; return nil }
	if err := opendata.Export(ctx, src, "", "r1", emit); !errors.Is(err, opendata.ErrNoPrefix) || errs.CodeOf(err) != errs.Conflict ||
		!strings.Contains(err.Error(), "CONSTELLATE_FUNDER_PREFIX") {
		t.Errorf("no prefix: %v", err)
	}
	if err := opendata.Export(ctx, src, prefix, "nope", emit); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown round: %v", err)
	}
	open := src
	open.round.Status = round.StatusAssessment
	if err := opendata.Export(ctx, open, prefix, "r1", emit); !errors.Is(err, opendata.ErrNotPublished) {
		t.Errorf("unpublished round: %v", err)
	}
	empty := src
	empty.rows = nil
	if err := opendata.Export(ctx, empty, prefix, "r1", emit); !errors.Is(err, opendata.ErrNoGrants) {
		t.Errorf("no awards: %v", err)
	}
	if emitted != 0 {
		t.Fatalf("a refused export emitted %d grants", emitted)
	}
	var ids []string
	if err := opendata.Export(ctx, src, prefix, "r1", func(g opendata.Grant) error { ids = append(ids, g.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "360G-example-SBS25-0001,360G-example-SBS25-0002,360G-example-SBS25-0003" {
		t.Errorf("emitted %v", ids)
	}
	broken := src
	broken.err = errors.New("connection reset")
	if err := opendata.Export(ctx, broken, prefix, "r1", func(opendata.Grant) error { return nil }); err == nil {
		t.Error("a failure midway was not reported")
	}
}
