package api

import (
	"context"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/award"
)

// decide godoc
//
//	@Summary		Decide on an application under assessment (grants managers; round in assessment)
//	@Description	Records or changes the decision until the round's decisions are published. An award is between the round's min_grant and max_grant and at most the amount requested unless amount_reason says why; a decline needs feedback (groups deserve to know why), and feedback is encouraged for an award. The sum of the round's awards can never exceed its budget, even under racing decisions: the one that would is 409 with budget_left. Audited (decision.recorded).
//	@Tags			awards
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"application id"
//	@Param			If-Match		header		string			false	"the decision's ETag last read"
//	@Param			Idempotency-Key	header		string			false	"makes a retry safe"
//	@Param			body			body		DecisionRequest	true	"the decision"
//	@Success		200				{object}	Decision
//	@Header			200				{string}	ETag	"the decision's version"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem	"not in assessment, or over the budget (budget_left)"
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/applications/{id}/decision [post]
func (s *Server) decide(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req DecisionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := award.DecisionInput{Outcome: award.Outcome(req.Outcome), Amount: req.Amount, Conditions: req.Conditions, Feedback: req.Feedback,
		AmountReason: req.AmountReason}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		d, err := s.Awards.Decide(ctx, auth.ActorFrom(ctx), id, in, match)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(decisionResponse(d), d.Version), nil
	})
}

// getDecision godoc
//
//	@Summary		The decision on an application
//	@Description	Grants managers see it at any time; the applying group once the round's decisions are published (404 before), without staff ids or internal notes. Anyone else: 404.
//	@Tags			awards
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"application id"
//	@Success		200	{object}	Decision
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Router			/v1/applications/{id}/decision [get]
func (s *Server) getDecision(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		d, err := s.Awards.DecisionOf(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(decisionResponse(d), d.Version), nil
	})
}

// listDecisions godoc
//
//	@Summary		A round's decisions with its totals against the budget (grants managers)
//	@Tags			awards
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"round id"
//	@Param			limit	query		int		false	"page size (1–200, default 50)"
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	DecisionList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Router			/v1/rounds/{id}/decisions [get]
func (s *Server) listDecisions(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		ds, err := s.Awards.Decisions(ctx, auth.ActorFrom(ctx), id, p)
		if err != nil {
			return reply{}, err
		}
		out := DecisionList{Data: make([]DecisionResponse, len(ds.Items)), NextCursor: encodeCursor(ds.Next), Budget: ds.Round.Budget,
			AwardedTotal: ds.AwardedTotal, BudgetLeft: ds.Round.Budget - ds.AwardedTotal, Undecided: ds.Undecided}
		for i, d := range ds.Items {
			out.Data[i] = decisionResponse(d)
		}
		return ok(out), nil
	})
}
