package api

import (
	"context"

	"github.com/labstack/echo/v4"

	"constellate/internal/assessment"
	"constellate/internal/auth"
	"constellate/internal/errs"
)

// getAssessment godoc
//
//	@Summary		The caller's own assessment of an application (assigned panel members)
//	@Description	404 before the first save, and for anyone who is not an assigned, unconflicted panel member of the application (applicants, finance and managers never have one).
//	@Tags			assessment
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"application id"
//	@Success		200	{object}	Assessment
//	@Header			200	{string}	ETag	"the assessment's version"
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Router			/v1/applications/{id}/assessment [get]
func (s *Server) getAssessment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		a, problems, err := s.Assessments.Mine(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(assessmentResponse(a, problems), a.Version), nil
	})
}

// putAssessment godoc
//
//	@Summary		Save the caller's assessment draft (autosave; assigned panel members)
//	@Description	Stores the whole draft as sent, even half done: scores outside their scale and over-long comments are listed in problems (and stop submission) but are saved. Refused (422): criteria the round does not have, a recommendation that is not fund, maybe or decline. The round must be in assessment and the application under assessment (409); a submitted assessment never changes (409). The first save creates the assessment (send no If-Match then).
//	@Tags			assessment
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"application id"
//	@Param			If-Match	header		string				false	"the assessment's ETag last read"
//	@Param			body		body		AssessmentRequest	true	"the whole draft"
//	@Success		200			{object}	Assessment
//	@Header			200			{string}	ETag	"the assessment's new version"
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Router			/v1/applications/{id}/assessment [put]
func (s *Server) putAssessment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req AssessmentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d := assessment.Draft{Scores: req.Scores, Comments: req.Comments, Recommendation: assessment.Recommendation(req.Recommendation),
		OverallComment: req.OverallComment}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		a, problems, err := s.Assessments.Save(ctx, auth.ActorFrom(ctx), id, d, match)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(assessmentResponse(a, problems), a.Version), nil
	})
}

// submitAssessment godoc
//
//	@Summary		Submit the caller's assessment (assigned panel members)
//	@Description	Every criterion scored within its scale and a recommendation, or 422 listing every problem at once. Records the application revision scored; a submitted assessment never changes (409). The round must be in assessment (409).
//	@Tags			assessment
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"application id"
//	@Param			If-Match		header		string	false	"the assessment's ETag last read"
//	@Param			Idempotency-Key	header		string	false	"makes a retry safe"
//	@Success		200				{object}	Assessment
//	@Header			200				{string}	ETag	"the assessment's new version"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/applications/{id}/assessment/submit [post]
func (s *Server) submitAssessment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		if err := decodeOptional(c, &noBody{}); err != nil {
			return reply{}, err
		}
		a, err := s.Assessments.Submit(ctx, auth.ActorFrom(ctx), id, match)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(assessmentResponse(a, errs.Fields{}), a.Version), nil
	})
}

// listAssessments godoc
//
//	@Summary		An application's assessments
//	@Description	Grants managers see all, drafts included. An assigned, unconflicted panel member sees the submitted ones, without other assessors' ids; with blind_assessment only after submitting their own (403 before). Anyone else — other panel members, applicants, finance — 404.
//	@Tags			assessment
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"application id"
//	@Param			limit	query		int		false	"page size (1–200, default 50)"
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	AssessmentList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem	"blind review: submit your own first"
//	@Failure		404		{object}	Problem
//	@Router			/v1/applications/{id}/assessments [get]
func (s *Server) listAssessments(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Assessments.List(ctx, auth.ActorFrom(ctx), id, p)
		if err != nil {
			return reply{}, err
		}
		out := AssessmentList{Data: make([]AssessmentResponse, len(list)), NextCursor: encodeCursor(next)}
		for i, a := range list {
			out.Data[i] = assessmentResponse(a, nil)
		}
		return ok(out), nil
	})
}
