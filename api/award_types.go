package api

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/award"
	"constellate/internal/errs"
	"constellate/internal/ids"
	"constellate/internal/page"
)

// DecisionRequest is a manager's decision on an application.
type DecisionRequest struct {
	Outcome    string `json:"outcome" validate:"required" enums:"award,decline"`
	Amount     int64  `json:"amount"`
	Conditions string `json:"conditions"`
	// Feedback is what the group reads: required for a decline, encouraged for an award.
	Feedback string `json:"feedback"`
	// AmountReason explains an award above the amount requested (required then).
	AmountReason string `json:"amount_reason"`
} // @name DecisionRequest

// DecisionResponse is a decision on an application.
type DecisionResponse struct {
	ID            string `json:"id" validate:"required"`
	ApplicationID string `json:"application_id" validate:"required"`
	RoundID       string `json:"round_id" validate:"required"`
	Outcome       string `json:"outcome" validate:"required" enums:"award,decline"`
	Amount        int64  `json:"amount" validate:"required"`
	Conditions    string `json:"conditions" validate:"required"`
	Feedback      string `json:"feedback" validate:"required"`
	// AmountReason and DecidedBy are shown to grants managers only ("" to the group).
	AmountReason string     `json:"amount_reason" validate:"required"`
	DecidedBy    string     `json:"decided_by" validate:"required"`
	PublishedAt  *time.Time `json:"published_at" validate:"required" extensions:"x-nullable"`
	// Reference, Title and RequestedAmount describe the application (in lists).
	Reference       string    `json:"reference,omitempty"`
	Title           string    `json:"title,omitempty"`
	RequestedAmount int64     `json:"requested_amount,omitempty"`
	CreatedAt       time.Time `json:"created_at" validate:"required"`
	UpdatedAt       time.Time `json:"updated_at" validate:"required"`
} // @name Decision

// DecisionList is a page of a round's decisions with its totals against the budget.
type DecisionList struct {
	Data         []DecisionResponse `json:"data" validate:"required"`
	NextCursor   *string            `json:"next_cursor" validate:"required" extensions:"x-nullable"`
	Budget       int64              `json:"budget" validate:"required"`
	AwardedTotal int64              `json:"awarded_total" validate:"required"`
	BudgetLeft   int64              `json:"budget_left" validate:"required"`
	// Undecided counts the applications under assessment with no decision yet.
	Undecided int `json:"undecided" validate:"required"`
} // @name DecisionList

func decisionResponse(d award.Decision) DecisionResponse {
	return DecisionResponse{ID: d.ID, ApplicationID: d.ApplicationID, RoundID: d.RoundID, Outcome: string(d.Outcome), Amount: d.Amount,
		Conditions: d.Conditions, Feedback: d.Feedback, AmountReason: d.AmountReason, DecidedBy: d.DecidedBy, PublishedAt: d.PublishedAt,
		Reference: d.Reference, Title: d.Title, RequestedAmount: d.RequestedAmount, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// AwardResponse is a grant offered to a group.
type AwardResponse struct {
	ID                   string     `json:"id" validate:"required"`
	ApplicationID        string     `json:"application_id" validate:"required"`
	ApplicationReference string     `json:"application_reference" validate:"required"`
	RoundID              string     `json:"round_id" validate:"required"`
	OrganisationID       string     `json:"organisation_id" validate:"required"`
	OrganisationName     string     `json:"organisation_name" validate:"required"`
	Amount               int64      `json:"amount" validate:"required"`
	Currency             string     `json:"currency" validate:"required"`
	Conditions           string     `json:"conditions" validate:"required"`
	Status               string     `json:"status" validate:"required" enums:"offered,accepted,active,completed,declined,withdrawn"`
	OfferedAt            time.Time  `json:"offered_at" validate:"required"`
	AcceptedAt           *time.Time `json:"accepted_at" validate:"required" extensions:"x-nullable"`
	SignedName           string     `json:"signed_name" validate:"required"`
	AgreementVersion     string     `json:"agreement_version" validate:"required"`
	// StatusReason is why the group declined or the funder withdrew it.
	StatusReason string    `json:"status_reason" validate:"required"`
	CreatedAt    time.Time `json:"created_at" validate:"required"`
	UpdatedAt    time.Time `json:"updated_at" validate:"required"`
} // @name Award

// AwardList is a page of awards in the sync order (updated_at, id).
type AwardList struct {
	Data       []AwardResponse `json:"data" validate:"required"`
	NextCursor *string         `json:"next_cursor" validate:"required" extensions:"x-nullable"`
	// SyncUntil, on a sync (a list with updated_since), is the updated_since of the next sync.
	SyncUntil *time.Time `json:"sync_until" validate:"required" extensions:"x-nullable"`
} // @name AwardList

func awardResponse(a award.Award) AwardResponse {
	return AwardResponse{ID: a.ID, ApplicationID: a.ApplicationID, ApplicationReference: a.ApplicationReference, RoundID: a.RoundID,
		OrganisationID: a.OrganisationID, OrganisationName: a.OrganisationName, Amount: a.Amount, Currency: a.Currency, Conditions: a.Conditions,
		Status: string(a.Status), OfferedAt: a.OfferedAt, AcceptedAt: a.AcceptedAt, SignedName: a.SignedName, AgreementVersion: a.AgreementVersion,
		StatusReason: a.StatusReason, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// AcceptRequest signs the grant agreement with a typed name.
type AcceptRequest struct {
	SignedName string `json:"signed_name" validate:"required"`
} // @name AcceptAwardRequest

// AwardReasonRequest gives a reason (required to withdraw; optional to decline).
type AwardReasonRequest struct {
	Reason string `json:"reason"`
} // @name AwardReasonRequest

// ScheduleRequest sets an award's unpaid instalments.
type ScheduleRequest struct {
	Instalments []InstalmentRequest `json:"instalments" validate:"required"`
} // @name PaymentScheduleRequest

// InstalmentRequest is one instalment.
type InstalmentRequest struct {
	Amount  int64  `json:"amount" validate:"required"`
	DueDate string `json:"due_date" validate:"required" format:"date"`
} // @name Instalment

// MarkPaidRequest records a payment made.
type MarkPaidRequest struct {
	PaidOn    string `json:"paid_on" validate:"required" format:"date"`
	Reference string `json:"reference" validate:"required"`
} // @name MarkPaidRequest

// PaymentResponse is one instalment of an award, with what a finance tool needs to pay.
type PaymentResponse struct {
	ID             string     `json:"id" validate:"required"`
	AwardID        string     `json:"award_id" validate:"required"`
	RoundID        string     `json:"round_id" validate:"required"`
	OrganisationID string     `json:"organisation_id" validate:"required"`
	Sequence       int        `json:"sequence" validate:"required"`
	Amount         int64      `json:"amount" validate:"required"`
	Currency       string     `json:"currency" validate:"required"`
	DueDate        string     `json:"due_date" validate:"required" format:"date"`
	Status         string     `json:"status" validate:"required" enums:"scheduled,approved,paid,cancelled"`
	ApprovedAt     *time.Time `json:"approved_at" validate:"required" extensions:"x-nullable"`
	PaidOn         string     `json:"paid_on" validate:"required"`
	Reference      string     `json:"reference" validate:"required"`
	PayeeName      string     `json:"payee_name" validate:"required"`
	// Account is the payee's account number masked (****1234); "" without one.
	Account              string    `json:"account" validate:"required"`
	ApplicationReference string    `json:"application_reference" validate:"required"`
	CreatedAt            time.Time `json:"created_at" validate:"required"`
	UpdatedAt            time.Time `json:"updated_at" validate:"required"`
} // @name Payment

// PaymentList is a page of payments in the sync order (updated_at, id).
type PaymentList struct {
	Data       []PaymentResponse `json:"data" validate:"required"`
	NextCursor *string           `json:"next_cursor" validate:"required" extensions:"x-nullable"`
	SyncUntil  *time.Time        `json:"sync_until" validate:"required" extensions:"x-nullable"`
} // @name PaymentList

// AwardPaymentList is an award's instalments.
type AwardPaymentList struct {
	Data []PaymentResponse `json:"data" validate:"required"`
} // @name AwardPaymentList

func paymentResponse(p award.Payment) PaymentResponse {
	out := PaymentResponse{ID: p.ID, AwardID: p.AwardID, RoundID: p.RoundID, OrganisationID: p.OrganisationID, Sequence: p.Sequence, Amount: p.Amount,
		Currency: p.Currency, DueDate: p.DueDate, Status: string(p.Status), ApprovedAt: p.ApprovedAt, PaidOn: p.PaidOn, Reference: p.Reference,
		PayeeName: p.PayeeName, ApplicationReference: p.ApplicationReference, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.AccountLast4 != "" {
		out.Account = "****" + p.AccountLast4
	}
	return out
}

// syncCursorPrefix marks a sync cursor: the pass's until and the last row read.
const syncCursorPrefix = "s1:"

type syncCursorJSON struct {
	Until     time.Time `json:"u,omitempty"`
	UpdatedAt time.Time `json:"t"`
	ID        string    `json:"i"`
}

func encodeSyncCursor(c *award.SyncCursor) *string {
	if c == nil {
		return nil
	}
	b, _ := json.Marshal(syncCursorJSON{Until: c.Until, UpdatedAt: c.UpdatedAt, ID: c.ID})
	s := base64.RawURLEncoding.EncodeToString(append([]byte(syncCursorPrefix), b...))
	return &s
}

// listQuery reads the award and payment list parameters: limit, cursor, status, round_id,
// due_before, updated_since (RFC 3339).
func listQuery(c echo.Context) (award.ListQuery, error) {
	q := award.ListQuery{Status: c.QueryParam("status"), RoundID: c.QueryParam("round_id"), DueBefore: c.QueryParam("due_before")}
	var f errs.Fields
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > page.MaxLimit {
			f.Add("limit", "must be a whole number from 1 to %d", page.MaxLimit)
		}
		q.Limit = n
	}
	if v := c.QueryParam("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			f.Add("updated_since", "must be an RFC 3339 time, e.g. 2026-01-31T09:00:00Z")
		}
		q.UpdatedSince = &t
	}
	if v := c.QueryParam("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		var cj syncCursorJSON
		if err != nil || !strings.HasPrefix(string(b), syncCursorPrefix) ||
			json.Unmarshal(b[len(syncCursorPrefix):], &cj) != nil || !ids.Valid(cj.ID) {
			f.Add("cursor", "is not a cursor this list gave")
		} else {
			q.Cursor = &award.SyncCursor{Until: cj.Until, UpdatedAt: cj.UpdatedAt, ID: cj.ID}
		}
	}
	return q, f.Err(errs.Malformed, "the list parameters are not valid")
}

// syncUntil is the response's sync_until: set on a sync only.
func syncUntil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
