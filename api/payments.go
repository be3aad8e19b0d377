package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/award"
)

// listPayments godoc
//
//	@Summary		Payments, with what a finance tool needs to pay (grants managers and finance; JSON, or streamed CSV)
//	@Description	Each row carries the payee name, the masked account, the award and the application's reference. In the sync order (updated_at, id), filtered by status, round_id and due_before (YYYY-MM-DD, exclusive). A sync passes updated_since and continues from sync_until, exactly as for awards (docs/finance.md). With Accept: text/csv every matching payment streams as CSV in constant memory.
//	@Tags			awards
//	@Produce		json
//	@Produce		text/csv
//	@Security		BearerAuth
//	@Param			status			query		string	false	"payment status"	Enums(scheduled, approved, paid, cancelled)
//	@Param			round_id		query		string	false	"round"
//	@Param			due_before		query		string	false	"YYYY-MM-DD"
//	@Param			updated_since	query		string	false	"RFC 3339: a sync from the previous sync_until"
//	@Param			limit			query		int		false	"page size (1–200, default 50)"
//	@Param			cursor			query		string	false	"next_cursor from the previous page"
//	@Success		200				{object}	PaymentList
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Router			/v1/payments [get]
func (s *Server) listPayments(c echo.Context) error {
	q, err := listQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	actor := auth.ActorFrom(ctx)
	if wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return s.streamCSV(c, "payments.csv", paymentCSVHeader, func(w *csv.Writer) (time.Time, error) {
			return s.Awards.EachPayment(ctx, actor, q, func(p award.Payment) error { return w.Write(paymentCSVRow(p)) })
		})
	}
	list, next, until, err := s.Awards.Payments(ctx, actor, q)
	if err != nil {
		return err
	}
	out := PaymentList{Data: make([]PaymentResponse, len(list)), NextCursor: encodeSyncCursor(next), SyncUntil: syncUntil(until)}
	for i, p := range list {
		out.Data[i] = paymentResponse(p)
	}
	return c.JSON(http.StatusOK, out)
}

// paymentCSVHeader and paymentCSVRow are the payment CSV's columns (docs/finance.md).
var paymentCSVHeader = []string{"id", "award_id", "application_reference", "payee_name", "account", "sequence", "amount", "currency",
	"due_date", "status", "approved_at", "paid_on", "reference", "updated_at"}

func paymentCSVRow(p award.Payment) []string {
	r := paymentResponse(p)
	return []string{r.ID, r.AwardID, csvText(r.ApplicationReference), csvText(r.PayeeName), r.Account, strconv.Itoa(r.Sequence),
		strconv.FormatInt(r.Amount, 10), r.Currency, r.DueDate, r.Status, csvTime(r.ApprovedAt), r.PaidOn, csvText(r.Reference),
		r.UpdatedAt.UTC().Format(time.RFC3339Nano)}
}

// paymentAction reads the path id (and If-Match when withMatch) and the body into req, then
// runs fn.
func (s *Server) paymentAction(c echo.Context, req any, withMatch bool, fn func(ctx context.Context, actor auth.Actor, id string, match *int64) (award.Payment, error)) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var match *int64
	if withMatch {
		if match, err = ifMatch(c); err != nil {
			return err
		}
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		if err := decodeOptional(c, req); err != nil {
			return reply{}, err
		}
		p, err := fn(ctx, auth.ActorFrom(ctx), id, match)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(paymentResponse(p), p.Version), nil
	})
}

// approvePayment godoc
//
//	@Summary		Approve a scheduled payment (grants managers)
//	@Description	The award must be accepted or active (409). Refused (409) while the organisation's bank account is in its cooling-off period after a change, and (403) to anyone who belongs to the organisation. The bank account's version is recorded: a later change sends the payment back to scheduled.
//	@Tags			awards
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"payment id"
//	@Param			If-Match		header		string	false	"the payment's ETag last read"
//	@Param			Idempotency-Key	header		string	false	"makes a retry safe"
//	@Success		200				{object}	Payment
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		412				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem	"this Idempotency-Key was used with a different request"
//	@Router			/v1/payments/{id}/approve [post]
func (s *Server) approvePayment(c echo.Context) error {
	return s.paymentAction(c, &noBody{}, true, func(ctx context.Context, actor auth.Actor, id string, match *int64) (award.Payment, error) {
		return s.Awards.Approve(ctx, actor, id, match)
	})
}

// markPaid godoc
//
//	@Summary		Mark an approved payment paid (finance: a person or a machine client)
//	@Description	Idempotent: marking it paid again with the same paid_on and reference answers the same; with different ones, 409. The award's first paid instalment makes it active.
//	@Tags			awards
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"payment id"
//	@Param			Idempotency-Key	header		string			false	"makes a retry safe"
//	@Param			body			body		MarkPaidRequest	true	"when it was paid and the finance system's reference"
//	@Success		200				{object}	Payment
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/payments/{id}/mark-paid [post]
func (s *Server) markPaid(c echo.Context) error {
	var req MarkPaidRequest
	return s.paymentAction(c, &req, false, func(ctx context.Context, actor auth.Actor, id string, _ *int64) (award.Payment, error) {
		return s.Awards.MarkPaid(ctx, actor, id, req.PaidOn, req.Reference)
	})
}
