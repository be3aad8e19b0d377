package api

import (
	"context"
	"strconv"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/errs"
)

// applicationHistory godoc
//
//	@Summary		An application's status changes, oldest first
//	@Description	Readable by the applying organisation (transparency) and grants managers. Reasons for a withdrawal, the funder's requests for information and screening reasons are shown; a decision appears only once the round's decisions are published.
//	@Tags			applications
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"application id"
//	@Param			limit	query		int		false	"page size, 1–200"	default(50)
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	HistoryList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Router			/v1/applications/{id}/history [get]
func (s *Server) applicationHistory(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Applications.History(ctx, auth.ActorFrom(ctx), id, p)
		if err != nil {
			return reply{}, err
		}
		out := HistoryList{Data: make([]HistoryEntry, len(list)), NextCursor: encodeCursor(next)}
		for i, h := range list {
			out.Data[i] = HistoryEntry{ID: h.ID, FromStatus: string(h.From), ToStatus: string(h.To), At: h.At,
				ActorRole: h.ActorRole, ActorID: h.ActorID, Reason: h.Reason, CreatedAt: h.At, UpdatedAt: h.At}
		}
		return ok(out), nil
	})
}

// applicationRevisions godoc
//
//	@Summary		An application's submitted revisions, first first
//	@Description	Every submission stores an immutable copy of the title, summary, amount and answers (number 1, 2, …), with the group's response when it answered a request for more information.
//	@Tags			applications
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"application id"
//	@Param			limit	query		int		false	"page size, 1–200"	default(50)
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	RevisionList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Router			/v1/applications/{id}/revisions [get]
func (s *Server) applicationRevisions(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Applications.Revisions(ctx, auth.ActorFrom(ctx), id, p)
		if err != nil {
			return reply{}, err
		}
		out := RevisionList{Data: make([]Revision, len(list)), NextCursor: encodeCursor(next)}
		for i, r := range list {
			answers := r.Answers
			if answers == nil {
				answers = map[string]any{}
			}
			out.Data[i] = Revision{ID: r.ID, ApplicationID: r.ApplicationID, Number: r.Number, Title: r.Title, Summary: r.Summary,
				RequestedAmount: r.RequestedAmount, Answers: answers, SubmittedAt: r.SubmittedAt, SubmittedBy: r.SubmittedBy,
				Response: r.Response, RequestMessage: r.RequestMessage, CreatedAt: r.SubmittedAt, UpdatedAt: r.SubmittedAt}
		}
		return ok(out), nil
	})
}

// revisionDiff godoc
//
//	@Summary		What changed in a revision, against the one before it
//	@Description	Revision n against revision n − 1, field by field: title, summary, requested_amount and each answers.<question id> that differs, added, removed or changed, with its value before and after; beside the group's response and the funder's request it answered. Revision 1 has nothing before it (404), nor has a revision the application does not have. Readable by whoever may read the revisions: the applying organisation, grants managers and the panel members assigned to it.
//	@Tags			applications
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"application id"
//	@Param			n	path		int		true	"revision number, 2 or more"	minimum(1)
//	@Success		200	{object}	RevisionDiff
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Router			/v1/applications/{id}/revisions/{n}/diff [get]
func (s *Server) revisionDiff(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 || strconv.Itoa(n) != c.Param("n") {
		return errs.Fields{{Field: "n", Message: "must be a revision number: 1, 2, …"}}.Err(errs.Malformed, "the revision number is not valid")
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		d, err := s.Applications.Diff(ctx, auth.ActorFrom(ctx), id, n)
		if err != nil {
			return reply{}, err
		}
		out := RevisionDiff{ApplicationID: d.ApplicationID, Number: d.Number, Against: d.Against, SubmittedAt: d.SubmittedAt,
			Response: d.Response, RequestMessage: d.RequestMessage, Changes: make([]RevisionChange, len(d.Changes))}
		for i, ch := range d.Changes {
			out.Changes[i] = RevisionChange{Field: ch.Field, Change: ch.Kind, Before: ch.Before, After: ch.After}
		}
		return ok(out), nil
	})
}
