package api

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/organisation"
)

// OrganisationRequest creates an organisation (an applicant group). Only name is required;
// no registration number is ever required.
type OrganisationRequest struct {
	Name               string   `json:"name" validate:"required" example:"Hillside Peer Support"`
	LegalForm          string   `json:"legal_form" enums:"unincorporated_association,charity,cio,company_limited_by_guarantee,cic,community_benefit_society,cooperative,informal_group,other"`
	CharityNumber      string   `json:"charity_number" example:"1234567"`
	CompanyNumber      string   `json:"company_number" example:"SC123456"`
	UserLed            bool     `json:"user_led"`
	UserLedDescription string   `json:"user_led_description"`
	LedBy              []string `json:"led_by" enums:"black_and_minoritised_communities,gypsy_roma_and_traveller_communities,disabled_people,deaf_people,blind_and_partially_sighted_people,people_with_lived_experience_of_mental_ill_health,people_with_learning_disabilities,neurodivergent_people,people_with_long_term_health_conditions,faith_communities,lgbtq_people,trans_and_non_binary_people,migrants,refugees_and_asylum_seekers,older_people,young_people,people_experiencing_economic_disadvantage,people_with_experience_of_homelessness,working_class_people,women_and_girls,welsh_speakers"`
	PublishLedBy       bool     `json:"publish_led_by"`
	AnnualIncome       *int64   `json:"annual_income" minimum:"0" example:"1250000"`
	Postcode           string   `json:"postcode" example:"LS6 1AA"`
	Region             string   `json:"region" enums:"north_east,north_west,yorkshire_and_the_humber,east_midlands,west_midlands,east_of_england,london,south_east,south_west,wales,scotland,northern_ireland"`
	Website            string   `json:"website" example:"https://hillside.example.org"`
	ContactEmail       string   `json:"contact_email" example:"hello@hillside.example.org"`
} // @name OrganisationRequest

// OrganisationPatchRequest changes an organisation; omitted fields are kept, "" clears a
// text field.
type OrganisationPatchRequest struct {
	Name               *string   `json:"name"`
	LegalForm          *string   `json:"legal_form" enums:"unincorporated_association,charity,cio,company_limited_by_guarantee,cic,community_benefit_society,cooperative,informal_group,other"`
	CharityNumber      *string   `json:"charity_number"`
	CompanyNumber      *string   `json:"company_number"`
	UserLed            *bool     `json:"user_led"`
	UserLedDescription *string   `json:"user_led_description"`
	LedBy              *[]string `json:"led_by"`
	PublishLedBy       *bool     `json:"publish_led_by"`
	AnnualIncome       *int64    `json:"annual_income" minimum:"0"`
	Postcode           *string   `json:"postcode"`
	Region             *string   `json:"region"`
	Website            *string   `json:"website"`
	ContactEmail       *string   `json:"contact_email"`
} // @name OrganisationPatchRequest

// OrganisationResponse is an organisation. Text fields not given are "".
type OrganisationResponse struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	LegalForm          string    `json:"legal_form"`
	CharityNumber      string    `json:"charity_number"`
	CompanyNumber      string    `json:"company_number"`
	UserLed            bool      `json:"user_led"`
	UserLedDescription string    `json:"user_led_description"`
	LedBy              []string  `json:"led_by"`
	PublishLedBy       bool      `json:"publish_led_by"`
	AnnualIncome       *int64    `json:"annual_income" extensions:"x-nullable"`
	Postcode           string    `json:"postcode"`
	Region             string    `json:"region"`
	Website            string    `json:"website"`
	ContactEmail       string    `json:"contact_email"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	// Warnings, on the responses to a create or a change only: advice about a change that
	// was made anyway, such as a name another group already has.
	Warnings []WarningResponse `json:"warnings,omitempty"`
} // @name Organisation

// WarningResponse is advice about a change that succeeded anyway.
type WarningResponse struct {
	Field   string `json:"field" example:"name"`
	Message string `json:"message" example:"another group is already called this (or something very like it)…"`
} // @name Warning

// OrganisationList is a page of organisations.
type OrganisationList struct {
	Data       []OrganisationResponse `json:"data"`
	NextCursor *string                `json:"next_cursor" extensions:"x-nullable"`
} // @name OrganisationList

func (r OrganisationRequest) details() organisation.Details {
	return organisation.Details{Name: r.Name, LegalForm: organisation.LegalForm(r.LegalForm), CharityNumber: r.CharityNumber,
		CompanyNumber: r.CompanyNumber, UserLed: r.UserLed, UserLedDescription: r.UserLedDescription, LedBy: ledBy(r.LedBy),
		PublishLedBy: r.PublishLedBy, AnnualIncome: r.AnnualIncome, Postcode: r.Postcode, Region: organisation.Region(r.Region),
		Website: r.Website, ContactEmail: r.ContactEmail}
}

// apply sets the fields the patch names.
func (r OrganisationPatchRequest) apply(d *organisation.Details) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.Name, r.Name)
	set(&d.CharityNumber, r.CharityNumber)
	set(&d.CompanyNumber, r.CompanyNumber)
	set(&d.UserLedDescription, r.UserLedDescription)
	set(&d.Postcode, r.Postcode)
	set(&d.Website, r.Website)
	set(&d.ContactEmail, r.ContactEmail)
	if r.LegalForm != nil {
		d.LegalForm = organisation.LegalForm(*r.LegalForm)
	}
	if r.Region != nil {
		d.Region = organisation.Region(*r.Region)
	}
	if r.UserLed != nil {
		d.UserLed = *r.UserLed
	}
	if r.PublishLedBy != nil {
		d.PublishLedBy = *r.PublishLedBy
	}
	if r.LedBy != nil {
		d.LedBy = ledBy(*r.LedBy)
	}
	if r.AnnualIncome != nil {
		v := *r.AnnualIncome
		d.AnnualIncome = &v
	}
}

func ledBy(in []string) []organisation.LedBy {
	out := make([]organisation.LedBy, len(in))
	for i, s := range in {
		out[i] = organisation.LedBy(s)
	}
	return out
}

func organisationResponse(o organisation.Organisation) OrganisationResponse {
	led := make([]string, len(o.LedBy))
	for i, l := range o.LedBy {
		led[i] = string(l)
	}
	return OrganisationResponse{ID: o.ID, Name: o.Name, LegalForm: string(o.LegalForm), CharityNumber: o.CharityNumber,
		CompanyNumber: o.CompanyNumber, UserLed: o.UserLed, UserLedDescription: o.UserLedDescription, LedBy: led,
		PublishLedBy: o.PublishLedBy, AnnualIncome: o.AnnualIncome, Postcode: o.Postcode, Region: string(o.Region),
		Website: o.Website, ContactEmail: o.ContactEmail, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// withWarnings is o's response with the warnings about it (a name another group has).
func (s *Server) withWarnings(ctx context.Context, actor auth.Actor, o organisation.Organisation) (OrganisationResponse, error) {
	resp := organisationResponse(o)
	ws, err := s.Organisations.NameWarnings(ctx, actor, o)
	if err != nil {
		return resp, err
	}
	for _, w := range ws {
		resp.Warnings = append(resp.Warnings, WarningResponse{Field: w.Field, Message: w.Message})
	}
	return resp, nil
}

// createOrganisation godoc
//
//	@Summary		Create an organisation (applicants)
//	@Description	The caller becomes the organisation's first owner. No charity or company number is required: unregistered groups are first-class. Invalid values answer 422 listing every field at once. When another group already has the name (compared without case, spacing or punctuation), the organisation is still created and the response carries warnings: [{field: "name", message}] — never which group it is. If the group already exists, one of its owners invites you instead (POST /v1/organisations/{id}/invitations).
//	@Tags			organisations
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string				false	"makes a retry safe"
//	@Param			body			body		OrganisationRequest	true	"the organisation"
//	@Success		201				{object}	Organisation
//	@Header			201				{string}	ETag	"the organisation's version, for If-Match"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		409				{object}	Problem	"an identical request with this Idempotency-Key is still in progress"
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/organisations [post]
func (s *Server) createOrganisation(c echo.Context) error {
	var req OrganisationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		actor := auth.ActorFrom(ctx)
		o, err := s.Organisations.Create(ctx, actor, req.details())
		if err != nil {
			return reply{}, err
		}
		resp, err := s.withWarnings(ctx, actor, o)
		if err != nil {
			return reply{}, err
		}
		return created("/v1/organisations/"+o.ID, resp, o.Version), nil
	})
}

// listOrganisations godoc
//
//	@Summary		List organisations, oldest first
//	@Description	Applicants see the organisations they belong to; grants managers and finance see all.
//	@Tags			organisations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			limit	query		int		false	"page size, 1–200"	default(50)
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	OrganisationList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Router			/v1/organisations [get]
func (s *Server) listOrganisations(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Organisations.List(ctx, auth.ActorFrom(ctx), p)
		if err != nil {
			return reply{}, err
		}
		out := OrganisationList{Data: make([]OrganisationResponse, len(list)), NextCursor: encodeCursor(next)}
		for i, o := range list {
			out.Data[i] = organisationResponse(o)
		}
		return ok(out), nil
	})
}

// getOrganisation godoc
//
//	@Summary		Get an organisation
//	@Description	Its members, grants managers and finance may read it; to anyone else it does not exist (404).
//	@Tags			organisations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"organisation id"
//	@Success		200	{object}	Organisation
//	@Header			200	{string}	ETag	"the organisation's version, for If-Match"
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Router			/v1/organisations/{id} [get]
func (s *Server) getOrganisation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		o, err := s.Organisations.Get(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(organisationResponse(o), o.Version), nil
	})
}

// patchOrganisation godoc
//
//	@Summary		Change an organisation's details (owners)
//	@Description	Owners only: plain members, grants managers and finance may read but not change it (403). Omitted fields are kept. With If-Match, a stale version answers 412. When the request gives a name another group already has, the change is made and the response carries warnings: [{field: "name", message}].
//	@Tags			organisations
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string						true	"organisation id"
//	@Param			If-Match	header		string						false	"the ETag last read"
//	@Param			body		body		OrganisationPatchRequest	true	"the fields to change"
//	@Success		200			{object}	Organisation
//	@Header			200			{string}	ETag	"the organisation's new version"
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Router			/v1/organisations/{id} [patch]
func (s *Server) patchOrganisation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req OrganisationPatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		actor := auth.ActorFrom(ctx)
		o, err := s.Organisations.Update(ctx, actor, id, match, req.apply)
		if err != nil {
			return reply{}, err
		}
		if req.Name == nil {
			return okVersioned(organisationResponse(o), o.Version), nil
		}
		resp, err := s.withWarnings(ctx, actor, o)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(resp, o.Version), nil
	})
}
