// Package opendata turns a round's published awards into open data: a 360Giving Data
// Standard package (JSON, schema 1.4) or its flat CSV, with the DEI extension's
// deiDetails.leadership where a group agreed to publish who leads it (SPEC §10).
//
// Everything here is a pure function of the rows internal/store reads (Source), except
// Export, which streams them. Nothing personal is published: no person's name, email,
// telephone or address, no postcode (an unincorporated group's postcode is often a
// volunteer's home), no bank details, answers, assessments, decisions' feedback or
// conditions. What is published of a group is its name, its registration numbers and the
// org-id made of them, its region and — only with its consent — its leadership.
//
// Where the standard or the spec is silent, these are the choices:
//
//   - Funding organisation: the deployment's funder is configured only by its 360Giving
//     prefix (CONSTELLATE_FUNDER_PREFIX), so the prefix is both the funding organisation's id
//     and, since the schema requires a name, its name. 360Giving's registry links the prefix
//     to the publisher.
//   - Grant id: the prefix, a hyphen and the application's reference (360G-example-SBS24-0042):
//     references are unique per round and round prefixes unique per deployment.
//   - Recipient org-id: GB-CHC-, GB-SC- or GB-NIC- from a charity number, else GB-COH- from a
//     company number, else prefix-ORG-<organisation id> for an unregistered group.
//   - Amounts: minor units to major units with two decimal places dropped when zero (250000 →
//     2500, 12345 → 123.45), as a JSON number written from integers, never through a float;
//     every currency of this product has two minor digits (round.FormatMoney).
//   - awardDate: the day the offer was made (the decisions' publication), UTC.
//   - plannedDates: starts on the award date; ends the number of days after it at which the
//     round's final monitoring report falls due (report_schedule), or has no end date when
//     the round schedules no final report.
//   - beneficiaryLocation: the group's region (ITL1: an English region or a nation) with its
//     ONS GSS code: geoCodeType RGN/GOR (360Giving's geoCodeType codelist) for the English
//     regions, CTRY (the ONS entity's abbreviation, absent from that codelist) for Wales,
//     Scotland and Northern Ireland; countryCode GB. No region, no location.
//   - fromOpenCall: Yes — rounds are published calls anyone may apply to.
//   - deiDetails: only for a group that set publish_led_by and whose led_by has terms;
//     leadership asked during the application process (AS200), reply got (RS200), options at
//     population group, category and subcategory level (AO100, AO101, AO102), taxonomy codes
//     from organisation.LedByVocabulary; mission and project not asked (AS100). A group that
//     did not consent gets no deiDetails at all — not even "reply got but no permissions"
//     (RS203), which would still say it answered.
package opendata

import (
	"encoding/json"
	"time"

	"constellate/internal/errs"
	"constellate/internal/organisation"
	"constellate/internal/round"
)

// Version is the 360Giving Data Standard version the package follows (its package
// schema's "version": major.minor).
const Version = "1.4"

// ExtensionDEI is the DEI extension's id in 360Giving's extensions registry.
const ExtensionDEI = "dei"

// Package is a 360Giving data package. Export streams it instead of building one.
type Package struct {
	Grants     []Grant  `json:"grants" validate:"required"`
	Version    string   `json:"version,omitempty" example:"1.4"`
	Extensions []string `json:"extensions,omitempty" example:"dei"`
} // @name Package360Giving

// Grant is one grant in the 360Giving Data Standard's shape (360-giving-schema.json).
type Grant struct {
	ID                    string           `json:"id" validate:"required" example:"360G-example-SBS24-0042"`
	Title                 string           `json:"title" validate:"required"`
	Description           string           `json:"description" validate:"required"`
	Currency              string           `json:"currency" validate:"required" example:"GBP"`
	AmountAwarded         json.Number      `json:"amountAwarded" validate:"required" swaggertype:"number" example:"2500"`
	AwardDate             string           `json:"awardDate" validate:"required" format:"date" example:"2025-04-15"`
	PlannedDates          []Event          `json:"plannedDates,omitempty"`
	RecipientOrganization []Organization   `json:"recipientOrganization" validate:"required"`
	FundingOrganization   []Organization   `json:"fundingOrganization" validate:"required"`
	GrantProgramme        []GrantProgramme `json:"grantProgramme,omitempty"`
	BeneficiaryLocation   []Location       `json:"beneficiaryLocation,omitempty"`
	FromOpenCall          string           `json:"fromOpenCall,omitempty" enums:"Yes,No"`
	DEIDetails            *DEIDetails      `json:"deiDetails,omitempty"`
} // @name Grant360Giving

// Event is a planned date range.
type Event struct {
	StartDate string `json:"startDate" validate:"required" format:"date"`
	EndDate   string `json:"endDate,omitempty" format:"date"`
} // @name Event360Giving

// Organization is a recipient or funding organisation.
type Organization struct {
	ID            string `json:"id" validate:"required" example:"GB-CHC-1123456"`
	Name          string `json:"name" validate:"required"`
	CharityNumber string `json:"charityNumber,omitempty"`
	CompanyNumber string `json:"companyNumber,omitempty"`
} // @name Organization360Giving

// GrantProgramme is the programme a grant was made under.
type GrantProgramme struct {
	Title string `json:"title" validate:"required"`
} // @name GrantProgramme360Giving

// Location is where the beneficiaries are.
type Location struct {
	Name        string `json:"name" validate:"required" example:"Yorkshire and The Humber"`
	CountryCode string `json:"countryCode,omitempty" example:"GB"`
	GeoCode     string `json:"geoCode,omitempty" example:"E12000003"`
	GeoCodeType string `json:"geoCodeType,omitempty" example:"RGN/GOR"`
} // @name Location360Giving

// DEIDetails is the DEI extension's deiDetails: when present, each of its three
// application areas is required.
type DEIDetails struct {
	Leadership DEIArea `json:"leadership" validate:"required"`
	Mission    DEIArea `json:"mission" validate:"required"`
	Project    DEIArea `json:"project" validate:"required"`
} // @name DEIDetails360Giving

// DEIArea is one application area (DeiApplicationArea).
type DEIArea struct {
	AskedStatus      string       `json:"askedStatus" validate:"required" example:"AS200"`
	ReplyStatus      string       `json:"replyStatus,omitempty" example:"RS200"`
	AvailableOptions []string     `json:"availableOptions,omitempty"`
	Response         *DEIResponse `json:"response,omitempty"`
} // @name DEIArea360Giving

// DEIResponse holds the taxonomy codes of a reply.
type DEIResponse struct {
	TaxonomyCodes []string `json:"taxonomyCodes,omitempty"`
} // @name DEIResponse360Giving

// The DEI extension's codes used here (codelists askedStatus, replyStatus, availableOptions).
const (
	askedNotApplicable  = "AS100"
	askedDuringApplying = "AS200"
	replyGot            = "RS200"
	optionPopulation    = "AO100"
	optionCategory      = "AO101"
	optionSubcategory   = "AO102"
)

// Round is what an export needs of a round.
type Round struct {
	ID             string
	Name           string
	Status         round.Status
	ProgrammeName  string
	ReportSchedule round.ReportSchedule
}

// Published reports whether the round's decisions have been published (its awards exist).
func (r Round) Published() bool {
	return r.Status == round.StatusDecided || r.Status == round.StatusArchived
}

// finalReportDays is when the final report falls due, in days after the award; 0 when the
// round schedules none.
func (r Round) finalReportDays() int {
	for _, d := range r.ReportSchedule {
		if d.Kind == round.ReportFinal {
			return d.DueAfterDays
		}
	}
	return 0
}

// Row is one published award, not declined or withdrawn, with what is published of its
// application and organisation.
type Row struct {
	Reference string // the application's
	Title     string
	Summary   string
	Amount    int64 // minor units
	Currency  string
	OfferedAt time.Time
	Recipient Recipient
}

// Recipient is what the export reads of the organisation: never its contacts or postcode.
type Recipient struct {
	ID            string
	Name          string
	CharityNumber string
	CompanyNumber string
	Region        organisation.Region
	LedBy         []organisation.LedBy
	PublishLedBy  bool
}

// Errors.
var (
	// ErrNoPrefix refuses an export until the funder's 360Giving prefix is configured.
	ErrNoPrefix = errs.E(errs.Conflict, "no 360Giving funder prefix is configured: set CONSTELLATE_FUNDER_PREFIX "+
		"to the prefix 360Giving registered for the funder (it begins 360G-) and restart")
	// ErrNotPublished refuses a round whose decisions are not published yet.
	ErrNotPublished = errs.E(errs.Conflict, "the round's decisions are not published yet, so it has no awards to publish as open data")
	// ErrNoGrants refuses a round with no award left to publish (every offer declined or
	// withdrawn): a 360Giving package holds at least one grant.
	ErrNoGrants = errs.E(errs.Conflict, "the round has no awards to publish as open data (every offer was declined or withdrawn)")
)
