package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/award"
)

// listAwards godoc
//
//	@Summary		Awards: a group's own; grants managers and finance all (JSON, or streamed CSV)
//	@Description	In the sync order (updated_at, id), filtered by status and round_id. A finance sync passes updated_since (first time: any early time, e.g. 1970-01-01T00:00:00Z) and keeps the response's sync_until as the next sync's updated_since: paged by cursor, a sync never misses or repeats a row even while rows change (docs/finance.md). With Accept: text/csv every matching award streams as CSV in constant memory (columns in docs/finance.md; a text cell starting with = + - @ gets a ' in front).
//	@Tags			awards
//	@Produce		json
//	@Produce		text/csv
//	@Security		BearerAuth
//	@Param			status			query		string	false	"award status"	Enums(offered, accepted, active, completed, declined, withdrawn)
//	@Param			round_id		query		string	false	"round"
//	@Param			updated_since	query		string	false	"RFC 3339: a sync from the previous sync_until"
//	@Param			limit			query		int		false	"page size (1–200, default 50)"
//	@Param			cursor			query		string	false	"next_cursor from the previous page"
//	@Success		200				{object}	AwardList
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Router			/v1/awards [get]
func (s *Server) listAwards(c echo.Context) error {
	q, err := listQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	actor := auth.ActorFrom(ctx)
	if wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return s.streamCSV(c, "awards.csv", awardCSVHeader, func(w *csv.Writer) (time.Time, error) {
			return s.Awards.EachAward(ctx, actor, q, func(a award.Award) error { return w.Write(awardCSVRow(a)) })
		})
	}
	list, next, until, err := s.Awards.Awards(ctx, actor, q)
	if err != nil {
		return err
	}
	out := AwardList{Data: make([]AwardResponse, len(list)), NextCursor: encodeSyncCursor(next), SyncUntil: syncUntil(until)}
	for i, a := range list {
		out.Data[i] = awardResponse(a)
	}
	return c.JSON(http.StatusOK, out)
}

// awardCSVHeader and awardCSVRow are the award CSV's columns (docs/finance.md).
var awardCSVHeader = []string{"id", "application_reference", "organisation_id", "organisation_name", "round_id", "amount", "currency",
	"status", "offered_at", "accepted_at", "updated_at"}

func awardCSVRow(a award.Award) []string {
	return []string{a.ID, csvText(a.ApplicationReference), a.OrganisationID, csvText(a.OrganisationName), a.RoundID,
		strconv.FormatInt(a.Amount, 10), a.Currency, string(a.Status), a.OfferedAt.UTC().Format(time.RFC3339), csvTime(a.AcceptedAt),
		a.UpdatedAt.UTC().Format(time.RFC3339Nano)}
}

func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// streamCSV writes a CSV response row by row as each is read (never holding them all):
// the header, then what rows writes, flushed as the writer's buffer fills. The sync's
// until, when there is one, goes in the Sync-Until header... which must be known first, so
// rows reports it and a trailer carries it.
func (s *Server) streamCSV(c echo.Context, filename string, header []string, rows func(w *csv.Writer) (time.Time, error)) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	h.Set("Trailer", "Sync-Until")
	// The status goes with the first bytes the writer flushes, not before: a refusal found
	// before any row (a filter the service rejects) is still answered as a problem.
	w := csv.NewWriter(c.Response())
	if err := w.Write(header); err != nil {
		return err
	}
	until, err := rows(w)
	if err != nil && !c.Response().Committed {
		for _, k := range []string{echo.HeaderContentType, echo.HeaderContentDisposition, "Trailer"} {
			h.Del(k)
		}
		return err
	}
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		// The status is already sent: cut the response short so the client sees it
		// broken rather than complete, and leave the cause to the log.
		s.log.Error("csv export failed midway", "file", filename, "err", err)
		panic(http.ErrAbortHandler)
	}
	if !until.IsZero() {
		h.Set("Sync-Until", until.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// getAward godoc
//
//	@Summary	One award (its group, grants managers, finance)
//	@Tags		awards
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"award id"
//	@Success	200	{object}	Award
//	@Header		200	{string}	ETag	"the award's version"
//	@Failure	400	{object}	Problem
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Router		/v1/awards/{id} [get]
func (s *Server) getAward(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		a, err := s.Awards.Award(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(awardResponse(a), a.Version), nil
	})
}

// awardAction reads the path id, If-Match and the body into req, then runs fn.
func (s *Server) awardAction(c echo.Context, req any, fn func(ctx context.Context, actor auth.Actor, id string, match *int64) (award.Award, error)) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		if err := decodeOptional(c, req); err != nil {
			return reply{}, err
		}
		a, err := fn(ctx, auth.ActorFrom(ctx), id, match)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(awardResponse(a), a.Version), nil
	})
}

// acceptAward godoc
//
//	@Summary		Accept an award offer (an owner of the organisation)
//	@Description	Signs the grant agreement (GET /v1/awards/{id}/agreement) with a typed name; the name, time and the agreement's version are recorded. The organisation needs a bank account on file (409). Audited (award.accepted).
//	@Tags			awards
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"award id"
//	@Param			If-Match		header		string				false	"the award's ETag last read"
//	@Param			Idempotency-Key	header		string				false	"makes a retry safe"
//	@Param			body			body		AcceptAwardRequest	true	"your name, as a signature"
//	@Success		200				{object}	Award
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/awards/{id}/accept [post]
func (s *Server) acceptAward(c echo.Context) error {
	var req AcceptRequest
	return s.awardAction(c, &req, func(ctx context.Context, actor auth.Actor, id string, match *int64) (award.Award, error) {
		return s.Awards.Accept(ctx, actor, id, req.SignedName, match)
	})
}

// declineAward godoc
//
//	@Summary		Decline an award offer (an owner of the organisation)
//	@Tags			awards
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"award id"
//	@Param			If-Match		header		string				false	"the award's ETag last read"
//	@Param			Idempotency-Key	header		string				false	"makes a retry safe"
//	@Param			body			body		AwardReasonRequest	false	"an optional reason"
//	@Success		200				{object}	Award
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/awards/{id}/decline [post]
func (s *Server) declineAward(c echo.Context) error {
	var req AwardReasonRequest
	return s.awardAction(c, &req, func(ctx context.Context, actor auth.Actor, id string, match *int64) (award.Award, error) {
		return s.Awards.Decline(ctx, actor, id, req.Reason, match)
	})
}

// withdrawAward godoc
//
//	@Summary		Withdraw an award (grants managers)
//	@Description	With the reason the group reads; its unpaid instalments are cancelled.
//	@Tags			awards
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"award id"
//	@Param			If-Match		header		string				false	"the award's ETag last read"
//	@Param			Idempotency-Key	header		string				false	"makes a retry safe"
//	@Param			body			body		AwardReasonRequest	true	"the reason"
//	@Success		200				{object}	Award
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/awards/{id}/withdraw [post]
func (s *Server) withdrawAward(c echo.Context) error {
	var req AwardReasonRequest
	return s.awardAction(c, &req, func(ctx context.Context, actor auth.Actor, id string, match *int64) (award.Award, error) {
		return s.Awards.Withdraw(ctx, actor, id, req.Reason, match)
	})
}

// awardAgreement godoc
//
//	@Summary		The grant agreement, as plain text or PDF (its group, grants managers, finance)
//	@Description	Amount, conditions, the payment schedule and reporting, in plain words; Accept: application/pdf for a PDF to keep, anything else plain text. Errors are problem documents (application/problem+json).
//	@Tags			awards
//	@Produce		json
//	@Produce		plain
//	@Produce		application/pdf
//	@Security		BearerAuth
//	@Param			id	path		string	true	"award id"
//	@Success		200	{string}	string	"the agreement"
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Router			/v1/awards/{id}/agreement [get]
func (s *Server) awardAgreement(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ag, err := s.Awards.Agreement(ctx, auth.ActorFrom(ctx), id)
	if err != nil {
		return err
	}
	if strings.Contains(strings.ToLower(c.Request().Header.Get(echo.HeaderAccept)), "application/pdf") {
		pdf, err := ag.PDF()
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="grant-agreement-`+ag.ApplicationReference+`.pdf"`)
		return c.Blob(http.StatusOK, "application/pdf", pdf)
	}
	return c.Blob(http.StatusOK, echo.MIMETextPlainCharsetUTF8, []byte(ag.Text()))
}

// awardPayments godoc
//
//	@Summary		An award's instalments (its group sees amounts, dates and status; grants managers and finance all)
//	@Tags			awards
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"award id"
//	@Success		200	{object}	AwardPaymentList
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Router			/v1/awards/{id}/payments [get]
func (s *Server) awardPayments(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, err := s.Awards.AwardPayments(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return ok(awardPaymentList(list)), nil
	})
}

func awardPaymentList(list []award.Payment) AwardPaymentList {
	out := AwardPaymentList{Data: make([]PaymentResponse, len(list))}
	for i, p := range list {
		out.Data[i] = paymentResponse(p)
	}
	return out
}

// putPayments godoc
//
//	@Summary		Set an award's payment schedule (grants managers)
//	@Description	Replaces the unpaid instalments: paid ones stay, scheduled and approved ones are cancelled, the new ones are scheduled, and paid plus new must equal the award exactly (422). Not for a declined, withdrawn or completed award (409). The award's ETag guards the schedule.
//	@Tags			awards
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string					true	"award id"
//	@Param			If-Match	header		string					false	"the award's ETag last read"
//	@Param			body		body		PaymentScheduleRequest	true	"the instalments"
//	@Success		200			{object}	AwardPaymentList
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem
//	@Failure		412			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Router			/v1/awards/{id}/payments [put]
func (s *Server) putPayments(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req ScheduleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := make([]award.Instalment, len(req.Instalments))
	for i, x := range req.Instalments {
		in[i] = award.Instalment{Amount: x.Amount, DueDate: x.DueDate}
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, err := s.Awards.Schedule(ctx, auth.ActorFrom(ctx), id, in, match)
		if err != nil {
			return reply{}, err
		}
		return ok(awardPaymentList(list)), nil
	})
}
