package api

import (
	"context"
	"maps"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"constellate/internal/assessment"
	"constellate/internal/auth"
)

// listConflicts godoc
//
//	@Summary		A round's applications under assessment, for conflict declarations
//	@Description	A panel member on the round's panel sees each application's organisation name, title and reference only, and whether they declared a conflict with it. Grants managers also see every panel member's declarations with their notes. Anyone else: 404.
//	@Tags			assessment
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"round id"
//	@Param			limit	query		int		false	"page size (1–200, default 50)"
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	ConflictCandidateList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Router			/v1/rounds/{id}/conflicts [get]
func (s *Server) listConflicts(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Assessments.Candidates(ctx, auth.ActorFrom(ctx), id, p)
		if err != nil {
			return reply{}, err
		}
		out := ConflictCandidateList{Data: make([]ConflictCandidateResponse, len(list)), NextCursor: encodeCursor(next)}
		for i, v := range list {
			out.Data[i] = ConflictCandidateResponse{ApplicationID: v.ApplicationID, Reference: v.Reference, Title: v.Title,
				OrganisationName: v.OrganisationName, Declared: v.Declared}
			for _, d := range v.Declarations {
				out.Data[i].Declarations = append(out.Data[i].Declarations, conflictResponse(d))
			}
		}
		return ok(out), nil
	})
}

// declareConflicts godoc
//
//	@Summary		Declare conflicts of interest (panel members on the round's panel)
//	@Description	Declares the caller's conflicts with applications of the round under assessment (422 naming application_ids[i] otherwise). Declarations add up and are not withdrawn; sending an application again replaces its note. A conflict removes the caller's assignment to that application and discards their draft; an assessment already submitted stays but no longer counts in the ranking. Audited (conflict.declared).
//	@Tags			assessment
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string						true	"round id"
//	@Param			body	body		ConflictDeclarationRequest	true	"the applications and a note for the grants managers"
//	@Success		200		{object}	ConflictList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		422		{object}	Problem
//	@Router			/v1/rounds/{id}/conflicts [put]
func (s *Server) declareConflicts(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req ConflictDeclarationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, err := s.Assessments.Declare(ctx, auth.ActorFrom(ctx), id, req.ApplicationIDs, req.Note)
		if err != nil {
			return reply{}, err
		}
		out := ConflictList{Data: make([]ConflictResponse, len(list))}
		for i, c := range list {
			out.Data[i] = conflictResponse(c)
		}
		return ok(out), nil
	})
}

// autoAssign godoc
//
//	@Summary		Assign reviewers automatically (grants managers; round in assessment)
//	@Description	Gives every application under assessment reviewers_per_application panel members: never a conflicted one, loads balanced (differing by at most one on a fresh round), existing assignments kept — re-running only fills gaps and never moves started work. When there are not enough eligible reviewers it assigns what it can and lists the applications still short.
//	@Tags			assessment
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"round id"
//	@Param			Idempotency-Key	header		string	false	"makes a retry safe"
//	@Success		200				{object}	AutoAssignment
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem	"the round is not in assessment"
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/rounds/{id}/assignments/auto [post]
func (s *Server) autoAssign(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		if err := decodeOptional(c, &noBody{}); err != nil {
			return reply{}, err
		}
		res, err := s.Assessments.AutoAssign(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		out := AutoAssignmentResponse{Created: make([]AssignmentResponse, len(res.Created)), Short: []ShortApplication{}}
		for i, a := range res.Created {
			out.Created[i] = assignmentResponse(a)
		}
		for _, app := range slices.Sorted(maps.Keys(res.Short)) {
			out.Short = append(out.Short, ShortApplication{ApplicationID: app, Missing: res.Short[app]})
		}
		return ok(out), nil
	})
}

// createAssignment godoc
//
//	@Summary		Assign a panel member to an application (grants managers)
//	@Description	The round must be in assessment and the application under assessment (409); the user must be on the round's panel (422 user_id), not conflicted with the application and not already assigned (409).
//	@Tags			assessment
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			Idempotency-Key	header		string				false	"makes a retry safe"
//	@Param			body			body		AssignmentRequest	true	"the application and the panel member"
//	@Success		201				{object}	Assignment
//	@Header			201				{string}	Location	"/v1/assignments/{id}"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/assignments [post]
func (s *Server) createAssignment(c echo.Context) error {
	var req AssignmentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		a, err := s.Assessments.Assign(ctx, auth.ActorFrom(ctx), req.ApplicationID, req.UserID)
		if err != nil {
			return reply{}, err
		}
		return created("/v1/assignments/"+a.ID, assignmentResponse(a), 0), nil
	})
}

// deleteAssignment godoc
//
//	@Summary		Remove an assignment (grants managers)
//	@Description	Not once the assessment is submitted (409); a draft is discarded with it. The round must be in assessment.
//	@Tags			assessment
//	@Security		BearerAuth
//	@Param			id	path	string	true	"assignment id"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem
//	@Failure		415	{object}	Problem
//	@Router			/v1/assignments/{id} [delete]
func (s *Server) deleteAssignment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Assessments.Unassign(c.Request().Context(), auth.ActorFrom(c.Request().Context()), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// listAssignments godoc
//
//	@Summary		Assignments: a panel member's own; grants managers filter any
//	@Description	Each with the application's title and reference and the status of the assignee's assessment. A panel member always gets their own (user_id is ignored).
//	@Tags			assessment
//	@Produce		json
//	@Security		BearerAuth
//	@Param			round_id		query		string	false	"round"
//	@Param			user_id			query		string	false	"panel member (managers)"
//	@Param			application_id	query		string	false	"application"
//	@Param			status			query		string	false	"the assessment's status"	Enums(not_started, draft, submitted)
//	@Param			limit			query		int		false	"page size (1–200, default 50)"
//	@Param			cursor			query		string	false	"next_cursor from the previous page"
//	@Success		200				{object}	AssignmentList
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Router			/v1/assignments [get]
func (s *Server) listAssignments(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	f := assessment.AssignmentFilter{RoundID: c.QueryParam("round_id"), UserID: c.QueryParam("user_id"),
		ApplicationID: c.QueryParam("application_id"), Status: c.QueryParam("status")}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Assessments.Assignments(ctx, auth.ActorFrom(ctx), f, p)
		if err != nil {
			return reply{}, err
		}
		out := AssignmentList{Data: make([]AssignmentResponse, len(list)), NextCursor: encodeCursor(next)}
		for i, a := range list {
			out.Data[i] = assignmentResponse(a)
		}
		return ok(out), nil
	})
}
