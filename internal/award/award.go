// Package award is what follows assessment (SPEC §8): the manager's decisions held within
// the round's budget, their publication (outcomes and feedback to the groups, offers
// made), awards accepted by the group against a grant agreement, and the payments that
// pay them — approved only against a bank account that has not just changed, marked paid
// by finance — with the finance sync and exports built on them.
package award

import (
	"context"
	"time"

	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/page"
	"constellate/internal/round"
)

// Outcome is what a decision says.
type Outcome string

// The outcomes.
const (
	OutcomeAward   Outcome = "award"
	OutcomeDecline Outcome = "decline"
)

// Decision is a manager's decision on an application under assessment, changeable until
// the round's decisions are published.
type Decision struct {
	ID            string
	RoundID       string
	ApplicationID string
	Outcome       Outcome
	Amount        int64 // minor units; 0 for a decline
	Conditions    string
	Feedback      string
	// AmountReason explains an award above the amount requested (required then).
	AmountReason string
	DecidedBy    string
	PublishedAt  *time.Time
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Read with lists, never written.
	Reference       string
	Title           string
	RequestedAmount int64
}

// Award is a grant offered to a group.
type Award struct {
	ID               string
	RoundID          string
	ApplicationID    string
	OrganisationID   string
	Amount           int64
	Currency         string
	Conditions       string
	Status           Status
	OfferedAt        time.Time
	AcceptedAt       *time.Time
	AcceptedBy       string
	SignedName       string
	AgreementVersion string
	// StatusReason is why it was declined by the group or withdrawn by the funder.
	StatusReason string
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Read with lists, never written.
	ApplicationReference string
	OrganisationName     string
}

// Payment is one instalment of an award.
type Payment struct {
	ID             string
	AwardID        string
	RoundID        string
	OrganisationID string
	Sequence       int
	Amount         int64
	DueDate        string // YYYY-MM-DD
	Status         PaymentStatus
	ApprovedAt     *time.Time
	ApprovedBy     string
	// BankAccountVersion is the version of the organisation's bank account the payment was
	// approved against.
	BankAccountVersion int64
	PaidOn             string // YYYY-MM-DD
	Reference          string
	PaidBy             string
	Version            int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
	// Read with lists, never written: what a finance tool needs to pay.
	PayeeName            string // the organisation's name
	AccountLast4         string // "" when there is no bank account
	ApplicationReference string
	Currency             string
}

// Bank is what payments need of an organisation's bank account, without opening it.
type Bank struct {
	Version int64
	Last4   string
}

// Candidate is an application of the round as publication needs it.
type Candidate struct {
	ApplicationID   string
	RoundID         string
	OrganisationID  string
	Reference       string
	Status          string
	RequestedAmount int64
}

// Store keeps the capability's rows. Every method joins the transaction carried in ctx.
type Store interface {
	// Candidate reads an application (errs.NotFound when absent).
	Candidate(ctx context.Context, applicationID string) (Candidate, error)
	// UnderAssessment lists the round's applications under assessment.
	UnderAssessment(ctx context.Context, roundID string) ([]Candidate, error)

	// Decision returns the application's decision, or ok=false.
	Decision(ctx context.Context, applicationID string) (d Decision, ok bool, err error)
	CreateDecision(ctx context.Context, d Decision) error
	// UpdateDecision is the one update path (package change) for decision id.
	UpdateDecision(ctx context.Context, id string, g change.Guard, rule func(*Decision) error) (Decision, error)
	// AwardedTotal sums the round's award decisions, leaving out one application's ("": none).
	AwardedTotal(ctx context.Context, roundID, except string) (int64, error)
	// Decisions lists the round's decisions by id, with each application's reference, title
	// and requested amount.
	Decisions(ctx context.Context, roundID string, p page.Params) ([]Decision, error)
	// MarkPublished stamps the round's decisions as published.
	MarkPublished(ctx context.Context, roundID string, at time.Time) error

	CreateAward(ctx context.Context, a Award) error
	// Award reads one award with its reference and organisation name (errs.NotFound).
	Award(ctx context.Context, id string) (Award, error)
	// UpdateAward is the one update path (package change) for award id.
	UpdateAward(ctx context.Context, id string, g change.Guard, rule func(*Award) error) (Award, error)
	// Awards lists awards in scope matching f, in the sync order (updated_at, id).
	Awards(ctx context.Context, f Filter, p SyncPage) ([]Award, error)
	// EachAward streams every award in scope matching f, in the sync order, to fn.
	EachAward(ctx context.Context, f Filter, fn func(Award) error) error

	// Payments lists an award's instalments by sequence.
	AwardPayments(ctx context.Context, awardID string) ([]Payment, error)
	CreatePayment(ctx context.Context, p Payment) error
	// Payment reads one payment (errs.NotFound).
	Payment(ctx context.Context, id string) (Payment, error)
	// UpdatePayment is the one update path (package change) for payment id.
	UpdatePayment(ctx context.Context, id string, g change.Guard, rule func(*Payment) error) (Payment, error)
	// PaymentsList lists payments matching f, in the sync order (updated_at, id).
	PaymentsList(ctx context.Context, f Filter, p SyncPage) ([]Payment, error)
	// EachPayment streams every payment matching f, in the sync order, to fn.
	EachPayment(ctx context.Context, f Filter, fn func(Payment) error) error
	// ApprovedPayments lists the organisation's approved payments.
	ApprovedPayments(ctx context.Context, organisationID string) ([]Payment, error)

	// Bank returns the organisation's bank account version and last digits, or ok=false.
	Bank(ctx context.Context, organisationID string) (b Bank, ok bool, err error)
	// Names returns an application's title and its programme's name (for the agreement).
	Names(ctx context.Context, applicationID, programmeID string) (title, programme string, err error)
	// Relation says whether userID is an owner or a member of the organisation.
	Relation(ctx context.Context, userID, organisationID string) (owner, member bool, err error)
}

// Filter narrows award and payment lists. Scope decides what the caller may see.
type Filter struct {
	// MemberID: only the awards of organisations this applicant belongs to.
	MemberID string
	Status   string
	RoundID  string
	// AwardID: only this award's payments.
	AwardID string
	// DueBefore: payments due before this date (YYYY-MM-DD).
	DueBefore string
	// UpdatedSince and Until bound the sync window: updated_at > UpdatedSince (when set)
	// and ≤ Until.
	UpdatedSince *time.Time
	Until        time.Time
}

// SyncPage is one page of a sync-ordered list: at most Limit rows after (UpdatedAt, ID).
type SyncPage struct {
	Limit     int
	UpdatedAt time.Time
	ID        string
}

// Fetch is how many rows a store reads for a page (one more, to know there is another).
func (p SyncPage) Fetch() int { return page.Params{Limit: p.Limit}.Fetch() }

// Rounds reads a round in the caller's transaction (locked when forUpdate).
type Rounds interface {
	Round(ctx context.Context, id string, forUpdate bool) (round.Round, error)
}

// Banks says whether payments to an organisation are blocked by a recent bank change
// (organisation.Service.PaymentsBlockedUntil; fails closed).
type Banks interface {
	PaymentsBlockedUntil(ctx context.Context, organisationID string) (time.Time, bool)
}

// Transactor runs fn in one transaction carried in ctx.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Errors of the capability.
var (
	ErrApplicationMissing = errs.E(errs.NotFound, "application not found")
	ErrRoundMissing       = errs.E(errs.NotFound, "round not found")
	ErrAwardMissing       = errs.E(errs.NotFound, "award not found")
	ErrPaymentMissing     = errs.E(errs.NotFound, "payment not found")
	ErrDecisionMissing    = errs.E(errs.NotFound, "no decision has been made public for this application")
	ErrManagersOnly       = errs.E(errs.Forbidden, "only grants managers may do this")
	ErrFinanceOnly        = errs.E(errs.Forbidden, "only finance may mark payments paid")
	ErrOwnersOnly         = errs.E(errs.Forbidden, "only an owner of the organisation may do this")
	ErrOwnOrganisation    = errs.E(errs.Forbidden, "nobody may approve a payment to an organisation they belong to")
	ErrNotInAssessment    = errs.E(errs.Conflict, "the round is not in assessment: decisions are made while it is")
	ErrNotUnderAssessment = errs.E(errs.Conflict, "the application is not under assessment")
	ErrOverBudget         = errs.E(errs.Conflict, "this award would take the round over its budget")
	ErrUndecided          = errs.E(errs.Conflict, "some applications under assessment have no decision yet")
	ErrNoBankAccount      = errs.E(errs.Conflict, "the organisation has no bank account on file: add one before accepting")
	ErrCoolingOff         = errs.E(errs.Conflict, "the organisation's bank account changed recently: payments cannot be approved until the cooling-off period ends")
	ErrAwardNotPayable    = errs.E(errs.Conflict, "the award is not accepted: payments wait for the group to accept it")
	ErrSchedulePaid       = errs.E(errs.Conflict, "paid instalments cannot change")
	ErrPaidDifferently    = errs.E(errs.Conflict, "the payment is already marked paid with another reference or date")
	ErrStaleDecision      = errs.E(errs.PreconditionFailed, "the decision has changed since you read it (If-Match); read it again")
	ErrStaleAward         = errs.E(errs.PreconditionFailed, "the award has changed since you read it (If-Match); read it again")
	ErrStalePayment       = errs.E(errs.PreconditionFailed, "the payment has changed since you read it (If-Match); read it again")
)
