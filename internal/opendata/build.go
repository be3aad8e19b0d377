package opendata

import (
	"encoding/json"
	"strconv"
	"strings"

	"constellate/internal/organisation"
)

// dateLayout is the standard's YYYY-MM-DD.
const dateLayout = "2006-01-02"

// BuildGrant turns one row into a grant. prefix is the funder's 360Giving prefix.
func BuildGrant(prefix string, r Round, row Row) Grant {
	g := Grant{
		ID:                    GrantID(prefix, row.Reference),
		Title:                 row.Title,
		Description:           row.Summary,
		Currency:              row.Currency,
		AmountAwarded:         MajorUnits(row.Amount),
		AwardDate:             row.OfferedAt.UTC().Format(dateLayout),
		RecipientOrganization: []Organization{recipient(prefix, row.Recipient)},
		FundingOrganization:   []Organization{Funder(prefix)},
		FromOpenCall:          "Yes",
		DEIDetails:            Leadership(row.Recipient),
	}
	if g.Description == "" {
		g.Description = row.Title // the schema requires one; the title is the best we have
	}
	planned := Event{StartDate: g.AwardDate}
	if days := r.finalReportDays(); days > 0 {
		planned.EndDate = row.OfferedAt.UTC().AddDate(0, 0, days).Format(dateLayout)
	}
	g.PlannedDates = []Event{planned}
	if r.ProgrammeName != "" {
		g.GrantProgramme = []GrantProgramme{{Title: r.ProgrammeName}}
	}
	if loc, ok := RegionLocation(row.Recipient.Region); ok {
		g.BeneficiaryLocation = []Location{loc}
	}
	return g
}

// GrantID is the grant's 360Giving identifier: the funder's prefix and the application's
// reference.
func GrantID(prefix, reference string) string { return prefix + "-" + reference }

// Funder is the funding organisation: the deployment's funder is known only by its prefix.
func Funder(prefix string) Organization { return Organization{ID: prefix, Name: prefix} }

func recipient(prefix string, o Recipient) Organization {
	return Organization{ID: OrgID(prefix, o.ID, o.CharityNumber, o.CompanyNumber), Name: o.Name,
		CharityNumber: o.CharityNumber, CompanyNumber: o.CompanyNumber}
}

// OrgID is an organisation's identifier under the Organisation Identifier standard
// (org-id.guide): from its charity number (GB-CHC for England and Wales, GB-SC for Scotland,
// GB-NIC for Northern Ireland), else its company number (GB-COH), else, for an unregistered
// group, one made of the funder's prefix and the organisation's id.
func OrgID(prefix, organisationID, charityNumber, companyNumber string) string {
	ch := strings.ToUpper(strings.Join(strings.Fields(charityNumber), ""))
	switch {
	case ch == "":
	case strings.HasPrefix(ch, "SC") && digits(ch[2:]):
		return "GB-SC-" + ch // OSCR numbers keep their SC (GB-SC-SC012345)
	case strings.HasPrefix(ch, "NI"):
		if n := strings.TrimPrefix(strings.TrimPrefix(ch, "NI"), "C"); digits(n) {
			return "GB-NIC-" + n // CCNI numbers without their NIC (GB-NIC-100002)
		}
	case digits(strings.SplitN(ch, "-", 2)[0]):
		return "GB-CHC-" + ch // England and Wales, a linked charity's -n suffix kept
	}
	if co := strings.ToUpper(strings.Join(strings.Fields(companyNumber), "")); co != "" {
		if digits(co) && len(co) < 8 {
			co = strings.Repeat("0", 8-len(co)) + co // Companies House numbers have 8 characters
		}
		return "GB-COH-" + co
	}
	return prefix + "-ORG-" + organisationID
}

func digits(s string) bool {
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

// MajorUnits writes an amount in minor units (two minor digits) as a JSON number in major
// units, exactly: 250000 → 2500, 12345 → 123.45, 12340 → 123.4, 5 → 0.05.
func MajorUnits(minor int64) json.Number {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u/100, 10)
	if cents := u % 100; cents != 0 {
		frac := strconv.FormatUint(cents+100, 10)[1:] // two digits, leading zero kept
		s += "." + strings.TrimSuffix(frac, "0")
	}
	if neg {
		s = "-" + s
	}
	return json.Number(s)
}

// regionLocations are the regions' ONS names and GSS codes (ITL1: the nine English regions,
// then the three other nations).
var regionLocations = map[organisation.Region]Location{
	"north_east":               {Name: "North East", GeoCode: "E12000001", GeoCodeType: geoRegion},
	"north_west":               {Name: "North West", GeoCode: "E12000002", GeoCodeType: geoRegion},
	"yorkshire_and_the_humber": {Name: "Yorkshire and The Humber", GeoCode: "E12000003", GeoCodeType: geoRegion},
	"east_midlands":            {Name: "East Midlands", GeoCode: "E12000004", GeoCodeType: geoRegion},
	"west_midlands":            {Name: "West Midlands", GeoCode: "E12000005", GeoCodeType: geoRegion},
	"east_of_england":          {Name: "East of England", GeoCode: "E12000006", GeoCodeType: geoRegion},
	"london":                   {Name: "London", GeoCode: "E12000007", GeoCodeType: geoRegion},
	"south_east":               {Name: "South East", GeoCode: "E12000008", GeoCodeType: geoRegion},
	"south_west":               {Name: "South West", GeoCode: "E12000009", GeoCodeType: geoRegion},
	"wales":                    {Name: "Wales", GeoCode: "W92000004", GeoCodeType: geoCountry},
	"scotland":                 {Name: "Scotland", GeoCode: "S92000003", GeoCodeType: geoCountry},
	"northern_ireland":         {Name: "Northern Ireland", GeoCode: "N92000002", GeoCodeType: geoCountry},
}

const (
	geoRegion  = "RGN/GOR" // 360Giving geoCodeType codelist: ONS regions (E12)
	geoCountry = "CTRY"    // ONS entity abbreviation for the countries (W92, S92, N92)
)

// RegionLocation is the beneficiary location of a region, and whether the region is known.
func RegionLocation(r organisation.Region) (Location, bool) {
	loc, ok := regionLocations[r]
	if ok {
		loc.CountryCode = "GB"
	}
	return loc, ok
}

// Leadership is the DEI extension's deiDetails for a group: nil unless the group agreed to
// publish who leads it and named at least one term of the vocabulary.
func Leadership(o Recipient) *DEIDetails {
	if !o.PublishLedBy {
		return nil
	}
	var codes []string
	seen := map[string]bool{}
	for _, l := range o.LedBy {
		for _, c := range l.DEICodes() {
			if !seen[c] { // several terms share a code; the extension wants each once
				seen[c] = true
				codes = append(codes, c)
			}
		}
	}
	if len(codes) == 0 {
		return nil
	}
	notAsked := DEIArea{AskedStatus: askedNotApplicable}
	return &DEIDetails{
		Leadership: DEIArea{AskedStatus: askedDuringApplying, ReplyStatus: replyGot,
			AvailableOptions: []string{optionPopulation, optionCategory, optionSubcategory},
			Response:         &DEIResponse{TaxonomyCodes: codes}},
		Mission: notAsked,
		Project: notAsked,
	}
}
