package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/ids"
	"constellate/internal/round"
)

// createRound godoc
//
//	@Summary		Create a draft round in a programme (grants managers)
//	@Description	The whole definition is validated at once: a 422 lists every problem with its field path (e.g. form.questions[2].max_words).
//	@Tags			rounds
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"programme id"
//	@Param			Idempotency-Key	header		string			false	"makes a retry safe"
//	@Param			body			body		RoundRequest	true	"the round definition"
//	@Success		201				{object}	Round
//	@Header			201				{string}	ETag	"the round's version, for If-Match"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem	"no such programme"
//	@Failure		409				{object}	Problem	"reference_prefix already used (existing_id names the round)"
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/programmes/{id}/rounds [post]
func (s *Server) createRound(c echo.Context) error {
	programmeID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req RoundRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		r, err := s.Rounds.CreateRound(ctx, auth.ActorFrom(ctx), programmeID, req.definition())
		if err != nil {
			return reply{}, err
		}
		out, err := s.roundOut(ctx, r)
		if err != nil {
			return reply{}, err
		}
		return created("/v1/rounds/"+r.ID, out, r.Version), nil
	})
}

// listRounds godoc
//
//	@Summary		List rounds, newest first
//	@Description	Anyone, even without a token, sees rounds that are open or closed; panel members also the rounds past draft whose panel they sit on; grants managers see every round. Statuses are as of now: an open round past closes_at is listed as closed.
//	@Tags			rounds
//	@Produce		json
//	@Param			programme_id	query		string	false	"only this programme's rounds"
//	@Param			status			query		string	false	"only rounds in this status"	Enums(draft,open,closed,assessment,decided,archived)
//	@Param			limit			query		int		false	"page size, 1–200"				default(50)
//	@Param			cursor			query		string	false	"next_cursor from the previous page"
//	@Success		200				{object}	RoundList
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem	"a token was sent and is not valid"
//	@Router			/v1/rounds [get]
func (s *Server) listRounds(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	var f round.Filter
	var fe errs.Fields
	if v := c.QueryParam("programme_id"); v != "" {
		if !ids.Valid(v) {
			fe.Add("programme_id", "must be a UUID")
		}
		f.ProgrammeID = strings.ToLower(v)
	}
	if v := c.QueryParam("status"); v != "" {
		f.Status = round.Status(v)
		if !f.Status.Valid() {
			fe.Add("status", "must be one of draft, open, closed, assessment, decided, archived")
		}
	}
	if err := fe.Err(errs.Malformed, "the list parameters are not valid"); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Rounds.Rounds(ctx, auth.ActorFrom(ctx), f, p)
		if err != nil {
			return reply{}, err
		}
		data, err := s.roundsOut(ctx, list)
		if err != nil {
			return reply{}, err
		}
		return ok(RoundList{Data: data, NextCursor: encodeCursor(next)}), nil
	})
}

// getRound godoc
//
//	@Summary		Get a round
//	@Description	Anyone may read a round once it has opened; a draft round is visible to grants managers only (404 otherwise). The round carries its programme's name and description (programme), its contact, the support it offers with access needs (accessibility) and alongside the money (support_offer), and when a decision is expected (decision_expected_by).
//	@Tags			rounds
//	@Produce		json
//	@Param			id	path		string	true	"round id"
//	@Success		200	{object}	Round
//	@Header			200	{string}	ETag	"the round's version, for If-Match"
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem	"a token was sent and is not valid"
//	@Failure		404	{object}	Problem
//	@Router			/v1/rounds/{id} [get]
func (s *Server) getRound(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		r, err := s.Rounds.Round(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return s.roundReply(ctx, r)
	})
}

// patchRound godoc
//
//	@Summary		Change a round (grants managers)
//	@Description	Omitted fields are kept; a field sent with its current value is not a change. form, eligibility, criteria, reference_prefix, currency, min_grant, max_grant and opens_at change only while the round is a draft; closes_at and grace_minutes until it is closed; reviewers_per_application and blind_assessment until assessment starts; budget, report_schedule, report_form and decision_expected_by until decisions are published; name, description, contact, accessibility and support_offer until it is archived. Changing a frozen field is a 409 naming each one. contact and accessibility are replaced whole; decision_expected_by "" stops saying a date.
//	@Tags			rounds
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string				true	"round id"
//	@Param			If-Match	header		string				false	"the ETag last read"
//	@Param			body		body		RoundPatchRequest	true	"the fields to change"
//	@Success		200			{object}	Round
//	@Header			200			{string}	ETag	"the round's new version"
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem	"a field that can no longer change, or reference_prefix taken"
//	@Failure		412			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Router			/v1/rounds/{id} [patch]
func (s *Server) patchRound(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req RoundPatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		r, err := s.Rounds.UpdateRound(ctx, auth.ActorFrom(ctx), id, req.patch(), match)
		if err != nil {
			return reply{}, err
		}
		return s.roundReply(ctx, r)
	})
}

// transition runs a status action on the round in the path.
func (s *Server) transition(c echo.Context, action round.Action) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		// The actions take no body; one sent must be {} (a "status" field is refused, not ignored).
		if err := decodeOptional(c, &noBody{}); err != nil {
			return reply{}, err
		}
		r, err := s.Rounds.Transition(ctx, auth.ActorFrom(ctx), id, action, match)
		if err != nil {
			return reply{}, err
		}
		return s.roundReply(ctx, r)
	})
}

// roundsOut turns rounds the caller may see into responses, each with its programme's
// name and description.
func (s *Server) roundsOut(ctx context.Context, rounds []round.Round) ([]RoundResponse, error) {
	progs, err := s.Rounds.ProgrammesOf(ctx, rounds...)
	if err != nil {
		return nil, err
	}
	now := s.Rounds.Now()
	out := make([]RoundResponse, len(rounds))
	for i, r := range rounds {
		out[i] = roundResponse(r, now, progs[r.ProgrammeID])
	}
	return out, nil
}

func (s *Server) roundOut(ctx context.Context, r round.Round) (RoundResponse, error) {
	out, err := s.roundsOut(ctx, []round.Round{r})
	if err != nil {
		return RoundResponse{}, err
	}
	return out[0], nil
}

// roundReply is a 200 with the round and its ETag.
func (s *Server) roundReply(ctx context.Context, r round.Round) (reply, error) {
	out, err := s.roundOut(ctx, r)
	if err != nil {
		return reply{}, err
	}
	return okVersioned(out, r.Version), nil
}

// eligibilityCheck godoc
//
//	@Summary		Check eligibility before applying (anyone, no account needed)
//	@Description	Answers are keyed by question id; send what the group has answered so far ({} for nothing yet). Each answer is checked against its eligibility question first (422 naming each problem); answers to form questions are ignored. Then: eligible is true when every needed question (required, or read by a rule) is answered and every rule passes; false as soon as an answer breaks a rule; null while nothing is broken but some needed question is unanswered (listed in unanswered). reasons lists, in question order, each unanswered question (code unanswered, a message naming it) and each broken rule (code not_met, the rule's message, in the funder's words). A recording answers a question that accepts one.
//	@Tags			rounds
//	@Accept			json
//	@Produce		json
//	@Param			id				path		string					true	"round id"
//	@Param			Idempotency-Key	header		string					false	"makes a retry safe"
//	@Param			body			body		EligibilityCheckRequest	true	"the answers"
//	@Success		200				{object}	EligibilityResult
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem	"a token was sent and is not valid"
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem	"an identical request with this Idempotency-Key is still in progress"
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/rounds/{id}/eligibility-check [post]
func (s *Server) eligibilityCheck(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req EligibilityCheckRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Answers == nil {
		return errs.Fields{{Field: "answers", Message: "is required: an object of answers keyed by question id ({} for none yet)"}}.
			Err(errs.Invalid, "the eligibility check needs answers")
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		res, err := s.Rounds.CheckEligibility(ctx, auth.ActorFrom(ctx), id, req.Answers)
		if err != nil {
			return reply{}, err
		}
		return ok(res), nil
	})
}

// roundForm godoc
//
//	@Summary		The round's application form (JSON, or plain text for offline drafting and screen readers)
//	@Description	With Accept: text/plain the round comes as a plain-text document a person could print, read aloud with a screen reader or answer by phone: the programme and the round, the grants in pounds (or the round's currency, never minor units), the dates (opening, closing, grace period, decision expected), contact, the support offered with access needs and alongside the money, then every question with its help, whether it is required, what its answer needs (limits, options, a recording instead of writing) and, for eligibility questions, what the answer must be to apply and why.
//	@Tags			rounds
//	@Produce		json
//	@Produce		plain
//	@Param			id	path		string	true	"round id"
//	@Success		200	{object}	RoundForm
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem	"a token was sent and is not valid"
//	@Failure		404	{object}	Problem
//	@Router			/v1/rounds/{id}/form [get]
func (s *Server) roundForm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.Rounds.Round(ctx, auth.ActorFrom(ctx), id)
	if err != nil {
		return err
	}
	full, err := s.roundOut(ctx, r)
	if err != nil {
		return err
	}
	if wantsPlainText(c.Request().Header.Get(echo.HeaderAccept)) {
		p := round.ProgrammeRef{ID: full.Programme.ID, Name: full.Programme.Name, Description: full.Programme.Description}
		return c.Blob(http.StatusOK, echo.MIMETextPlainCharsetUTF8, []byte(round.FormText(r, p)))
	}
	return c.JSON(http.StatusOK, RoundFormResponse{RoundID: r.ID, Name: r.Name, Description: r.Description,
		Currency: r.Currency, MinGrant: r.MinGrant, MaxGrant: r.MaxGrant, ClosesAt: r.ClosesAt,
		Eligibility: full.Eligibility, Form: full.Form, Burden: full.Burden})
}

// wantsPlainText reports whether Accept prefers text/plain to JSON.
func wantsPlainText(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "text/plain":
			return true
		case "application/json", "application/*", "*/*":
			return false
		}
	}
	return false
}

// The status actions, one handler each so each has its own contract entry.

// openRound godoc
//
//	@Summary		Open a draft round (grants managers)
//	@Description	The definition is validated again (422); closes_at must be in the future. From now on form, eligibility and criteria are frozen. A round opened before its opens_at is published (listed, readable, eligibility check) but takes applications only from opens_at (accepting_applications says so).
//	@Tags			rounds
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"round id"
//	@Param			If-Match		header		string	false	"the ETag last read"
//	@Param			Idempotency-Key	header		string	false	"makes a retry safe"
//	@Success		200				{object}	Round
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem	"the round's status does not allow this"
//	@Failure		412				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/rounds/{id}/open [post]
func (s *Server) openRound(c echo.Context) error { return s.transition(c, round.ActionOpen) }

// closeRound godoc
//
//	@Summary	Close an open round now (grants managers)
//	@Tags		rounds
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id				path		string	true	"round id"
//	@Param		If-Match		header		string	false	"the ETag last read"
//	@Param		Idempotency-Key	header		string	false	"makes a retry safe"
//	@Success	200				{object}	Round
//	@Failure	400				{object}	Problem
//	@Failure	401				{object}	Problem
//	@Failure	403				{object}	Problem
//	@Failure	404				{object}	Problem
//	@Failure	409				{object}	Problem	"the round's status does not allow this"
//	@Failure	412				{object}	Problem
//	@Failure	422				{object}	Problem	"this Idempotency-Key was used with a different request"
//	@Router		/v1/rounds/{id}/close [post]
func (s *Server) closeRound(c echo.Context) error { return s.transition(c, round.ActionClose) }

// startAssessment godoc
//
//	@Summary	Start assessment of a closed round (grants managers)
//	@Tags		rounds
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id				path		string	true	"round id"
//	@Param		If-Match		header		string	false	"the ETag last read"
//	@Param		Idempotency-Key	header		string	false	"makes a retry safe"
//	@Success	200				{object}	Round
//	@Failure	400				{object}	Problem
//	@Failure	401				{object}	Problem
//	@Failure	403				{object}	Problem
//	@Failure	404				{object}	Problem
//	@Failure	409				{object}	Problem	"the round's status does not allow this"
//	@Failure	412				{object}	Problem
//	@Failure	422				{object}	Problem	"this Idempotency-Key was used with a different request"
//	@Router		/v1/rounds/{id}/start-assessment [post]
func (s *Server) startAssessment(c echo.Context) error {
	return s.transition(c, round.ActionStartAssessment)
}

// publishDecisions godoc
//
//	@Summary		Publish the decisions of a round in assessment (grants managers)
//	@Description	Refused (409, listing them in errors) while any application under assessment has no decision. Otherwise, in one transaction: the round moves to decided; every decided application moves to awarded or declined, its feedback the reason its group reads; every award becomes an offer (GET /v1/awards) with one instalment of the whole amount due in 30 days; drafts never submitted and unanswered requests for more information are closed with a reason; a decision.published event per application.
//	@Tags			rounds
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"round id"
//	@Param			If-Match		header		string	false	"the ETag last read"
//	@Param			Idempotency-Key	header		string	false	"makes a retry safe"
//	@Success		200				{object}	Round
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem	"the round's status does not allow this, or applications are undecided"
//	@Failure		412				{object}	Problem
//	@Failure		422				{object}	Problem	"this Idempotency-Key was used with a different request"
//	@Router			/v1/rounds/{id}/publish-decisions [post]
func (s *Server) publishDecisions(c echo.Context) error {
	return s.transition(c, round.ActionPublishDecisions)
}

// archiveRound godoc
//
//	@Summary	Archive a decided round, or a draft that will never open (grants managers)
//	@Tags		rounds
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id				path		string	true	"round id"
//	@Param		If-Match		header		string	false	"the ETag last read"
//	@Param		Idempotency-Key	header		string	false	"makes a retry safe"
//	@Success	200				{object}	Round
//	@Failure	400				{object}	Problem
//	@Failure	401				{object}	Problem
//	@Failure	403				{object}	Problem
//	@Failure	404				{object}	Problem
//	@Failure	409				{object}	Problem	"the round's status does not allow this"
//	@Failure	412				{object}	Problem
//	@Failure	422				{object}	Problem	"this Idempotency-Key was used with a different request"
//	@Router		/v1/rounds/{id}/archive [post]
func (s *Server) archiveRound(c echo.Context) error { return s.transition(c, round.ActionArchive) }
