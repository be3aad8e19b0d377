package api

import (
	"time"

	"constellate/internal/round"
)

// RoundRequest defines a new round (POST /v1/programmes/{id}/rounds). Money is in minor
// units of currency. Omitted currency is GBP, reviewers_per_application 2,
// blind_assessment true. status, id and timestamps can never be set. contact,
// accessibility, decision_expected_by and support_offer are what the round's page tells
// groups besides the form; all optional.
type RoundRequest struct {
	Name                    string               `json:"name" validate:"required" example:"Side by Side 2025"`
	Description             string               `json:"description"`
	ReferencePrefix         string               `json:"reference_prefix" validate:"required" example:"SBS"`
	Currency                *string              `json:"currency" example:"GBP"`
	Budget                  int64                `json:"budget" validate:"required" example:"1000000"`
	MinGrant                int64                `json:"min_grant" example:"50000"`
	MaxGrant                int64                `json:"max_grant" validate:"required" example:"500000"`
	OpensAt                 *time.Time           `json:"opens_at" validate:"required"`
	ClosesAt                *time.Time           `json:"closes_at" validate:"required"`
	GraceMinutes            int                  `json:"grace_minutes" example:"30"`
	ReviewersPerApplication *int                 `json:"reviewers_per_application" example:"2"`
	BlindAssessment         *bool                `json:"blind_assessment" example:"true"`
	Eligibility             *round.Eligibility   `json:"eligibility"`
	Form                    *round.Form          `json:"form" validate:"required"`
	Criteria                []round.Criterion    `json:"criteria"`
	ReportSchedule          round.ReportSchedule `json:"report_schedule"`
	ReportForm              *round.Form          `json:"report_form"`
	Contact                 *round.Contact       `json:"contact"`
	Accessibility           *round.Accessibility `json:"accessibility"`
	// DecisionExpectedBy is the date groups can expect a decision by (YYYY-MM-DD), not
	// before the day the round closes.
	DecisionExpectedBy *string `json:"decision_expected_by" example:"2025-05-30"`
	// SupportOffer is the support offered alongside the money (training, mentoring,
	// places in a network), in the funder's words.
	SupportOffer string `json:"support_offer" example:"Every funded group is offered a mentor and two places at our spring network day."`
} // @name RoundRequest

// definition turns the request into a round definition with the defaults applied.
func (r RoundRequest) definition() round.Definition {
	d := round.Definition{
		Name: r.Name, Description: r.Description, ReferencePrefix: r.ReferencePrefix, Currency: round.DefaultCurrency,
		Budget: r.Budget, MinGrant: r.MinGrant, MaxGrant: r.MaxGrant, GraceMinutes: r.GraceMinutes,
		ReviewersPerApplication: round.DefaultReviewersPerApplication, BlindAssessment: round.DefaultBlindAssessment,
		Criteria: r.Criteria, ReportSchedule: r.ReportSchedule, SupportOffer: r.SupportOffer,
	}
	if r.Contact != nil {
		d.Contact = *r.Contact
	}
	if r.Accessibility != nil {
		d.Accessibility = *r.Accessibility
	}
	if r.DecisionExpectedBy != nil {
		d.DecisionExpectedBy = *r.DecisionExpectedBy
	}
	if r.Currency != nil {
		d.Currency = *r.Currency
	}
	if r.OpensAt != nil {
		d.OpensAt = r.OpensAt.UTC()
	}
	if r.ClosesAt != nil {
		d.ClosesAt = r.ClosesAt.UTC()
	}
	if r.ReviewersPerApplication != nil {
		d.ReviewersPerApplication = *r.ReviewersPerApplication
	}
	if r.BlindAssessment != nil {
		d.BlindAssessment = *r.BlindAssessment
	}
	if r.Eligibility != nil {
		d.Eligibility = *r.Eligibility
	}
	if r.Form != nil {
		d.Form = *r.Form
	}
	if r.ReportForm != nil {
		d.ReportForm = *r.ReportForm
	}
	return d
}

// RoundPatchRequest changes a round (PATCH /v1/rounds/{id}); omitted fields are kept.
// form, eligibility, criteria, reference_prefix, currency, min_grant, max_grant and opens_at
// change only while the round is a draft; closes_at and grace_minutes until it closes;
// reviewers_per_application and blind_assessment until assessment starts; budget,
// report_schedule, report_form and decision_expected_by until decisions are published;
// name, description, contact, accessibility and support_offer until it is archived. A
// field sent with its current value is not a change; contact and accessibility are
// replaced whole; decision_expected_by "" stops saying a date.
type RoundPatchRequest struct {
	Name                    *string               `json:"name"`
	Description             *string               `json:"description"`
	ReferencePrefix         *string               `json:"reference_prefix"`
	Currency                *string               `json:"currency"`
	Budget                  *int64                `json:"budget"`
	MinGrant                *int64                `json:"min_grant"`
	MaxGrant                *int64                `json:"max_grant"`
	OpensAt                 *time.Time            `json:"opens_at"`
	ClosesAt                *time.Time            `json:"closes_at"`
	GraceMinutes            *int                  `json:"grace_minutes"`
	ReviewersPerApplication *int                  `json:"reviewers_per_application"`
	BlindAssessment         *bool                 `json:"blind_assessment"`
	Eligibility             *round.Eligibility    `json:"eligibility"`
	Form                    *round.Form           `json:"form"`
	Criteria                *[]round.Criterion    `json:"criteria"`
	ReportSchedule          *round.ReportSchedule `json:"report_schedule"`
	ReportForm              *round.Form           `json:"report_form"`
	Contact                 *round.Contact        `json:"contact"`
	Accessibility           *round.Accessibility  `json:"accessibility"`
	DecisionExpectedBy      *string               `json:"decision_expected_by" example:"2025-05-30"`
	SupportOffer            *string               `json:"support_offer"`
} // @name RoundPatchRequest

func (r RoundPatchRequest) patch() round.Patch {
	return round.Patch{
		Name: r.Name, Description: r.Description, ReferencePrefix: r.ReferencePrefix, Currency: r.Currency,
		Budget: r.Budget, MinGrant: r.MinGrant, MaxGrant: r.MaxGrant, OpensAt: r.OpensAt, ClosesAt: r.ClosesAt,
		GraceMinutes: r.GraceMinutes, ReviewersPerApplication: r.ReviewersPerApplication,
		BlindAssessment: r.BlindAssessment, Eligibility: r.Eligibility, Form: r.Form, Criteria: r.Criteria,
		ReportSchedule: r.ReportSchedule, ReportForm: r.ReportForm, Contact: r.Contact, Accessibility: r.Accessibility,
		DecisionExpectedBy: r.DecisionExpectedBy, SupportOffer: r.SupportOffer,
	}
}

// RoundProgramme is what anyone who may see a round sees of its programme.
type RoundProgramme struct {
	ID          string `json:"id" validate:"required"`
	Name        string `json:"name" validate:"required" example:"Side by Side Fund"`
	Description string `json:"description" validate:"required" example:"Small grants for user-led groups"`
} // @name RoundProgramme

// RoundResponse is a round: its whole definition, status and burden, and the name and
// description of its programme (which everyone who may see the round may read).
type RoundResponse struct {
	ID                      string               `json:"id" validate:"required"`
	ProgrammeID             string               `json:"programme_id" validate:"required"`
	Programme               RoundProgramme       `json:"programme" validate:"required"`
	Name                    string               `json:"name" validate:"required"`
	Description             string               `json:"description" validate:"required"`
	ReferencePrefix         string               `json:"reference_prefix" validate:"required"`
	Currency                string               `json:"currency" validate:"required"`
	Budget                  int64                `json:"budget" validate:"required"`
	MinGrant                int64                `json:"min_grant" validate:"required"`
	MaxGrant                int64                `json:"max_grant" validate:"required"`
	OpensAt                 time.Time            `json:"opens_at" validate:"required"`
	ClosesAt                time.Time            `json:"closes_at" validate:"required"`
	GraceMinutes            int                  `json:"grace_minutes" validate:"required"`
	ReviewersPerApplication int                  `json:"reviewers_per_application" validate:"required"`
	BlindAssessment         bool                 `json:"blind_assessment" validate:"required"`
	Eligibility             round.Eligibility    `json:"eligibility" validate:"required"`
	Form                    round.Form           `json:"form" validate:"required"`
	Criteria                []round.Criterion    `json:"criteria" validate:"required"`
	ReportSchedule          round.ReportSchedule `json:"report_schedule" validate:"required"`
	ReportForm              round.Form           `json:"report_form" validate:"required"`
	Contact                 round.Contact        `json:"contact" validate:"required"`
	Accessibility           round.Accessibility  `json:"accessibility" validate:"required"`
	// DecisionExpectedBy is the date groups can expect a decision by, or null when the
	// funder has not said.
	DecisionExpectedBy *string `json:"decision_expected_by" validate:"required" format:"date" extensions:"x-nullable" example:"2025-05-30"`
	SupportOffer       string  `json:"support_offer" validate:"required"`
	// Status is effective now: an open round past closes_at is closed.
	Status string `json:"status" validate:"required" enums:"draft,open,closed,assessment,decided,archived"`
	// AcceptingApplications says whether a new application may be started now: open, from
	// opens_at and before closes_at.
	AcceptingApplications bool         `json:"accepting_applications" validate:"required"`
	Burden                round.Burden `json:"burden" validate:"required"`
	CreatedAt             time.Time    `json:"created_at" validate:"required"`
	UpdatedAt             time.Time    `json:"updated_at" validate:"required"`
} // @name Round

func roundResponse(r round.Round, now time.Time, p round.ProgrammeRef) RoundResponse {
	d := r.Definition
	out := RoundResponse{
		ID: r.ID, ProgrammeID: r.ProgrammeID, Programme: RoundProgramme{ID: r.ProgrammeID, Name: p.Name, Description: p.Description},
		Contact: d.Contact, Accessibility: d.Accessibility, SupportOffer: d.SupportOffer, Name: d.Name, Description: d.Description, ReferencePrefix: d.ReferencePrefix,
		Currency: d.Currency, Budget: d.Budget, MinGrant: d.MinGrant, MaxGrant: d.MaxGrant, OpensAt: d.OpensAt,
		ClosesAt: d.ClosesAt, GraceMinutes: d.GraceMinutes, ReviewersPerApplication: d.ReviewersPerApplication,
		BlindAssessment: d.BlindAssessment, Eligibility: d.Eligibility, Form: d.Form, Criteria: d.Criteria,
		ReportSchedule: d.ReportSchedule, ReportForm: d.ReportForm, Status: string(r.EffectiveStatus(now)),
		AcceptingApplications: r.AcceptingNewApplications(now), Burden: d.Burden(), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	// Lists are never null in responses.
	if out.Eligibility.Questions == nil {
		out.Eligibility.Questions = []round.Question{}
	}
	if out.Eligibility.Rules == nil {
		out.Eligibility.Rules = []round.Rule{}
	}
	if out.Form.Questions == nil {
		out.Form.Questions = []round.Question{}
	}
	if out.ReportForm.Questions == nil {
		out.ReportForm.Questions = []round.Question{}
	}
	if out.Criteria == nil {
		out.Criteria = []round.Criterion{}
	}
	if out.ReportSchedule == nil {
		out.ReportSchedule = round.ReportSchedule{}
	}
	if out.Accessibility.AlternativeFormats == nil {
		out.Accessibility.AlternativeFormats = []round.AccessibleFormat{}
	}
	if d.DecisionExpectedBy != "" {
		out.DecisionExpectedBy = &d.DecisionExpectedBy
	}
	return out
}

// RoundList is a page of rounds.
type RoundList struct {
	Data       []RoundResponse `json:"data" validate:"required"`
	NextCursor *string         `json:"next_cursor" validate:"required" extensions:"x-nullable"`
} // @name RoundList

// EligibilityCheckRequest is a group's answers to a round's eligibility questions, keyed by
// question id.
type EligibilityCheckRequest struct {
	Answers map[string]any `json:"answers" validate:"required"`
} // @name EligibilityCheckRequest

// RoundFormResponse is the application a round asks for: the eligibility questions, the
// form and its burden (GET /v1/rounds/{id}/form; plain text with Accept: text/plain).
type RoundFormResponse struct {
	RoundID     string            `json:"round_id" validate:"required"`
	Name        string            `json:"name" validate:"required"`
	Description string            `json:"description" validate:"required"`
	Currency    string            `json:"currency" validate:"required"`
	MinGrant    int64             `json:"min_grant" validate:"required"`
	MaxGrant    int64             `json:"max_grant" validate:"required"`
	ClosesAt    time.Time         `json:"closes_at" validate:"required"`
	Eligibility round.Eligibility `json:"eligibility" validate:"required"`
	Form        round.Form        `json:"form" validate:"required"`
	Burden      round.Burden      `json:"burden" validate:"required"`
} // @name RoundForm
