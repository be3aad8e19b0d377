package api

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/application"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/ids"
)

// createApplication godoc
//
//	@Summary		Start a draft application to a round (applicants)
//	@Description	The caller must be a member of the organisation, and the round open, from its opens_at and before its closes_at. An organisation has one live application per round: a second answers 409 with existing_id naming the first (only withdrawing frees the place).
//	@Tags			applications
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string						true	"round id"
//	@Param			Idempotency-Key	header		string						false	"retry safely"
//	@Param			body			body		CreateApplicationRequest	true	"the organisation applying"
//	@Success		201				{object}	Application
//	@Header			201				{string}	Location	"/v1/applications/{id}"
//	@Header			201				{string}	ETag		"the application's version"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem	"no such round, or not an organisation of yours"
//	@Failure		409				{object}	Problem	"the round is not accepting applications, or the organisation already has one (existing_id)"
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/rounds/{id}/applications [post]
func (s *Server) createApplication(c echo.Context) error {
	roundID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// The body is decoded inside respond, after it has read it for the Idempotency-Key
	// fingerprint (decoding first would leave it an empty body to fingerprint).
	return s.respond(c, func(ctx context.Context) (reply, error) {
		var req CreateApplicationRequest
		if err := decodeJSON(c, &req); err != nil {
			return reply{}, err
		}
		a, err := s.Applications.Create(ctx, auth.ActorFrom(ctx), roundID, req.OrganisationID)
		if err != nil {
			return reply{}, err
		}
		return created("/v1/applications/"+a.ID, applicationResponse(a), a.Version), nil
	})
}

// listApplications godoc
//
//	@Summary		List applications, newest first
//	@Description	Applicants see their organisations' applications; panel members those assigned to them; grants managers all. Finance sees nothing of applications (403). Each application carries its organisation {id, name, legal_form, user_led} and round {id, name}, read in the same query. q finds applications by title, reference or organisation name: every word must appear, ignoring case and accents ("cafe unicode" finds "Café Ünïcode"), on both databases.
//	@Tags			applications
//	@Produce		json
//	@Security		BearerAuth
//	@Param			round_id		query		string	false	"only this round's"
//	@Param			status			query		string	false	"only in this status"	Enums(draft,submitted,more_info_requested,under_assessment,awarded,declined,withdrawn,ineligible)
//	@Param			organisation_id	query		string	false	"only this organisation's"
//	@Param			q				query		string	false	"words of the title, reference or organisation name (case and accents ignored; at most 200 characters)"
//	@Param			submitted_since	query		string	false	"RFC 3339: only applications whose latest submission is at or after it"
//	@Param			limit			query		int		false	"page size, 1–200"	default(50)
//	@Param			cursor			query		string	false	"next_cursor from the previous page"
//	@Success		200				{object}	ApplicationList
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Router			/v1/applications [get]
func (s *Server) listApplications(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	f, err := applicationFilter(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Applications.List(ctx, auth.ActorFrom(ctx), f, p)
		if err != nil {
			return reply{}, err
		}
		out := ApplicationList{Data: make([]Application, len(list)), NextCursor: encodeCursor(next)}
		for i, a := range list {
			out.Data[i] = applicationResponse(a)
		}
		return ok(out), nil
	})
}

func applicationFilter(c echo.Context) (application.Filter, error) {
	f := application.Filter{RoundID: c.QueryParam("round_id"), OrganisationID: c.QueryParam("organisation_id"),
		Status: application.Status(c.QueryParam("status")), Query: c.QueryParam("q")}
	var bad errs.Fields
	if v := c.QueryParam("submitted_since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			bad.Add("submitted_since", "must be an RFC 3339 time, e.g. 2025-03-01T09:00:00Z")
		} else {
			t = t.UTC()
			f.SubmittedSince = &t
		}
	}
	if f.RoundID != "" && !ids.Valid(f.RoundID) {
		bad.Add("round_id", "must be a UUID")
	}
	if f.OrganisationID != "" && !ids.Valid(f.OrganisationID) {
		bad.Add("organisation_id", "must be a UUID")
	}
	if f.Status != "" && !f.Status.Valid() {
		bad.Add("status", "is not an application status")
	}
	f.RoundID, f.OrganisationID = strings.ToLower(f.RoundID), strings.ToLower(f.OrganisationID)
	return f, bad.Err(errs.Malformed, "the filters are not valid")
}

// getApplication godoc
//
//	@Summary		One application (JSON, or plain text to read or print)
//	@Description	With Accept: text/plain the application comes as plain text: title, reference, amount, summary and every question with its answer in order (media links written out) — for panel members and groups who prefer reading it that way.
//	@Tags			applications
//	@Produce		json
//	@Produce		plain
//	@Security		BearerAuth
//	@Param		id	path		string	true	"application id"
//	@Success	200	{object}	Application
//	@Header		200	{string}	ETag	"the application's version"
//	@Failure	400	{object}	Problem
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Router		/v1/applications/{id} [get]
func (s *Server) getApplication(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if wantsPlainText(c.Request().Header.Get(echo.HeaderAccept)) {
		ctx := c.Request().Context()
		text, err := s.Applications.GetText(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, echo.MIMETextPlainCharsetUTF8, []byte(text))
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		a, err := s.Applications.Get(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(applicationResponse(a), a.Version), nil
	})
}

// patchApplication godoc
//
//	@Summary		Save changes to a draft (autosave; applicants of the organisation)
//	@Description	Allowed while the application is a draft or more information was requested (409 otherwise, and 409 "this round closed on <date>" for a draft once its round has closed, grace period included). Answers are merged: each key sent replaces that answer, an empty value ("" or []) deletes it. Autosave never loses words: what is sent is stored even when an answer is over its limit or of the wrong shape for its question, or requested_amount is outside the round's min_grant–max_grant, and the 200 response lists every problem in problems [{field, code, message}] (required answers included); submit refuses while any remain. Refused: malformed JSON, null answers and server-owned fields (400); an answer to a question the round does not ask, or a requested_amount below 0 or above 10^18 (422, nothing saved).
//	@Tags			applications
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string					true	"application id"
//	@Param			If-Match	header		string					false	"the ETag last read"
//	@Param			body		body		PatchApplicationRequest	true	"the fields to change"
//	@Success		200			{object}	Application
//	@Header			200			{string}	ETag	"the application's new version"
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Router			/v1/applications/{id} [patch]
func (s *Server) patchApplication(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req PatchApplicationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(req.Answers)) {
		if req.Answers[k] == nil {
			return &errs.Error{Code: errs.Malformed, Message: "null is not an answer; send \"\" (or []) to clear one",
				Fields: []errs.FieldError{{Field: "answers." + k, Message: "must not be null; send \"\" to clear the answer"}}}
		}
	}
	patch := application.Patch{Title: req.Title, Summary: req.Summary, RequestedAmount: req.RequestedAmount, Answers: req.Answers}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		a, err := s.Applications.Update(ctx, auth.ActorFrom(ctx), id, patch, match)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(applicationResponse(a), a.Version), nil
	})
}

// submitApplication godoc
//
//	@Summary		Submit an application (applicants of the organisation)
//	@Description	A draft needs the round open, from opens_at and before closes_at (or within grace_minutes after it, for an application started before it: 409 "this round closed on <date>" after); an application the funder asked more of may be resubmitted until decisions are published, with a response (required then: what the group changed, or its answer), kept with the new revision and shown on information_request (answered_at). The body is optional on a first submission. Every problem is listed at once (422, as GET /v1/applications/{id}/problems lists them): title, each required answer, each answer's shape and limits, each eligibility rule not met (field "eligibility"), min_grant ≤ requested_amount ≤ max_grant. The first submission gives the reference (PREFIX-0001); every submission stores an immutable revision. Submitting again answers 409 "this application was already submitted on <date>".
//	@Tags			applications
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"application id"
//	@Param			If-Match		header		string			false	"the ETag last read"
//	@Param			Idempotency-Key	header		string			false	"retry safely"
//	@Param			body			body		SubmitRequest	false	"the response to the funder's request (resubmissions)"
//	@Success		200				{object}	Application
//	@Header			200				{string}	ETag	"the application's new version"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem	"already submitted, or the round is not accepting submissions"
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/applications/{id}/submit [post]
func (s *Server) submitApplication(c echo.Context) error {
	var req SubmitRequest
	return s.applicationAction(c, &req, func(ctx context.Context, actor auth.Actor, id string, match *int64) (application.Application, error) {
		return s.Applications.SubmitWithResponse(ctx, actor, id, req.Response, match)
	})
}

// reinstateApplication godoc
//
//	@Summary		Reverse an ineligible decision (grants managers)
//	@Description	From ineligible back to submitted — or on to under_assessment when the round's assessment has started — with the reason the group reads in the history (required). Refused (409) once the round's decisions are published. Audited as application.reinstated.
//	@Tags			applications
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"application id"
//	@Param			If-Match		header		string				false	"the ETag last read"
//	@Param			Idempotency-Key	header		string				false	"retry safely"
//	@Param			body			body		ReinstateRequest	true	"why (the group reads it)"
//	@Success		200				{object}	Application
//	@Header			200				{string}	ETag	"the application's new version"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/applications/{id}/reinstate [post]
func (s *Server) reinstateApplication(c echo.Context) error {
	var req ReinstateRequest
	return s.applicationAction(c, &req, func(ctx context.Context, actor auth.Actor, id string, match *int64) (application.Application, error) {
		return s.Applications.Reinstate(ctx, actor, id, req.Reason, match)
	})
}

// applicationProblems godoc
//
//	@Summary		What is left to do before an application can be submitted
//	@Description	Every problem, as a submission would list them, without submitting: each answer's shape and limits, required answers missing, eligibility rules not met, the title, requested_amount against the round's min_grant–max_grant. submittable says whether it could be submitted now; blocker says why not whatever its content (already submitted, the round closed, decisions made). Readable by the applying organisation and grants managers.
//	@Tags			applications
//	@Produce		json
//	@Security		BearerAuth
//	@Param		id	path		string	true	"application id"
//	@Success	200	{object}	ApplicationProblems
//	@Failure	400	{object}	Problem
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Router		/v1/applications/{id}/problems [get]
func (s *Server) applicationProblems(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		r, err := s.Applications.Readiness(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		out := ApplicationProblems{ApplicationID: r.Application.ID, Status: string(r.Application.Status), Submittable: r.Submittable,
			Problems: problemsResponse(r.Application.Problems)}
		if r.Blocker != "" {
			b := r.Blocker
			out.Blocker = &b
		}
		return ok(out), nil
	})
}

// withdrawApplication godoc
//
//	@Summary		Withdraw an application before a decision (applicants of the organisation)
//	@Description	From draft, submitted, more_info_requested or under_assessment. The body is optional. Withdrawing frees the organisation's place in the round.
//	@Tags			applications
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"application id"
//	@Param			If-Match		header		string			false	"the ETag last read"
//	@Param			Idempotency-Key	header		string			false	"retry safely"
//	@Param			body			body		WithdrawRequest	false	"why (optional)"
//	@Success		200				{object}	Application
//	@Header			200				{string}	ETag	"the application's new version"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/applications/{id}/withdraw [post]
func (s *Server) withdrawApplication(c echo.Context) error {
	var req WithdrawRequest
	return s.applicationAction(c, &req, func(ctx context.Context, actor auth.Actor, id string, match *int64) (application.Application, error) {
		return s.Applications.Withdraw(ctx, actor, id, req.Reason, match)
	})
}

// requestInfo godoc
//
//	@Summary		Ask the applicant for more information (grants managers)
//	@Description	From submitted to more_info_requested; the applicant may then edit and resubmit (a new revision). The message is shown to the applicant in the history.
//	@Tags			applications
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"application id"
//	@Param			If-Match		header		string				false	"the ETag last read"
//	@Param			Idempotency-Key	header		string				false	"retry safely"
//	@Param			body			body		RequestInfoRequest	true	"what the applicant is asked"
//	@Success		200				{object}	Application
//	@Header			200				{string}	ETag	"the application's new version"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/applications/{id}/request-info [post]
func (s *Server) requestInfo(c echo.Context) error {
	var req RequestInfoRequest
	return s.applicationAction(c, &req, func(ctx context.Context, actor auth.Actor, id string, match *int64) (application.Application, error) {
		return s.Applications.RequestInfo(ctx, actor, id, req.Message, match)
	})
}

// markIneligible godoc
//
//	@Summary		Screen a submitted application out as ineligible (grants managers)
//	@Description	From submitted to ineligible, with the reason the applicant reads in the history. The organisation's place in the round stays taken.
//	@Tags			applications
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string					true	"application id"
//	@Param			If-Match		header		string					false	"the ETag last read"
//	@Param			Idempotency-Key	header		string					false	"retry safely"
//	@Param			body			body		MarkIneligibleRequest	true	"why"
//	@Success		200				{object}	Application
//	@Header			200				{string}	ETag	"the application's new version"
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/applications/{id}/mark-ineligible [post]
func (s *Server) markIneligible(c echo.Context) error {
	var req MarkIneligibleRequest
	return s.applicationAction(c, &req, func(ctx context.Context, actor auth.Actor, id string, match *int64) (application.Application, error) {
		return s.Applications.MarkIneligible(ctx, actor, id, req.Reason, match)
	})
}

// noBody is the body of an action that takes none: a body may still be sent, but only an
// empty object ({}), so a field such as "status" is refused (400) rather than ignored.
type noBody struct{}

// decodeOptional decodes the body into req when there is one (an action body may be left
// out entirely).
func decodeOptional(c echo.Context, req any) error {
	if c.Request().ContentLength == 0 && c.Request().Header.Get(echo.HeaderContentType) == "" {
		return nil
	}
	return decodeJSON(c, req)
}

// applicationAction reads the path id, If-Match and the JSON body into req (nil: the action
// takes no body), then runs a status action. An action body may be left out entirely.
func (s *Server) applicationAction(c echo.Context, req any,
	fn func(ctx context.Context, actor auth.Actor, id string, match *int64) (application.Application, error)) error {
	if req == nil {
		req = &noBody{}
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		// Decoded here, after respond has read the body for the Idempotency-Key fingerprint.
		if err := decodeOptional(c, req); err != nil {
			return reply{}, err
		}
		a, err := fn(ctx, auth.ActorFrom(ctx), id, match)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(applicationResponse(a), a.Version), nil
	})
}
