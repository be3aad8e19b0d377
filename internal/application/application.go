// Package application is the applications capability: a group's application to a funding
// round, from draft through submission (with an immutable revision per submission) to the
// funder's screening and decision. The status machine is in status.go, who may see and do
// what in policy.go, the use cases in service.go and actions.go, what stands between an
// application and its submission in problems.go, revision diffs in diff.go, the folded
// search text in search.go, the round figures in stats.go. Storage is behind Store,
// implemented in internal/store.
package application

import (
	"context"
	"time"

	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/page"
	"constellate/internal/round"
)

// Application is one organisation's application to one round.
type Application struct {
	ID             string
	RoundID        string
	OrganisationID string
	// Reference is the human reference (PREFIX-0001), given at first submission; "" before.
	Reference       string
	Title           string
	Summary         string
	RequestedAmount int64 // minor units of the round's currency
	// Answers hold the answers to the round's eligibility and form questions, by question id.
	Answers map[string]any
	Status  Status
	// Revision is the number of the latest submitted revision (0 before the first submission).
	Revision    int
	SubmittedAt *time.Time // the latest submission
	StartedAt   time.Time  // when the draft was created (the grace period applies to it)
	CreatedBy   string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// RoundStatus is the stored status of the application's round, read with it: whether the
	// round's decisions are published decides what applicants see (DecisionsPublished).
	RoundStatus round.Status
	// RoundName and Organisation are read with the application (joins, never one query per
	// row), so a list says who applied to what.
	RoundName    string
	Organisation OrganisationSummary
	// InfoRequest is the funder's latest request for more information; nil before any. It
	// stays, answered, after the group resubmits, until another request replaces it.
	InfoRequest *InfoRequest
	// Problems is what stands between the application and its submission (problems.go),
	// computed, never stored: filled for members of its group and grants managers while the
	// application can change (draft, more_info_requested), nil otherwise.
	Problems []Problem
}

// OrganisationSummary is what a list of applications shows of the applying organisation.
type OrganisationSummary struct {
	ID        string
	Name      string
	LegalForm string
	UserLed   bool
}

// InfoRequest is a grants manager's request for more information, and the group's answer.
type InfoRequest struct {
	Message         string
	RequestedAt     time.Time
	RequestedByRole string
	// AnsweredAt and Response are set by the resubmission that answers the request.
	AnsweredAt *time.Time
	Response   string
}

// Revision is the immutable copy of an application made at each submission.
type Revision struct {
	ID              string
	ApplicationID   string
	Number          int
	Title           string
	Summary         string
	RequestedAmount int64
	Answers         map[string]any
	SubmittedAt     time.Time
	SubmittedBy     string
	// Response is what the group said when it resubmitted in answer to the funder's request
	// for more information, RequestMessage that request ("" for a first submission).
	Response       string
	RequestMessage string
}

// HistoryEntry is one status change of an application.
type HistoryEntry struct {
	ID            string
	ApplicationID string
	From          Status // "" for the creation of the draft
	To            Status
	At            time.Time
	ActorID       string
	ActorRole     string
	// Reason is the withdrawal reason, the manager's request for information or the
	// screening reason: written for the applicant, who reads it.
	Reason string
}

// Filter narrows a list of applications.
type Filter struct {
	RoundID        string
	Status         Status
	OrganisationID string
	// Query is what a manager typed to find applications by title, reference or
	// organisation name: every word of it (folded by SearchText) must appear.
	Query string
	// SubmittedSince keeps applications whose latest submission is at or after it.
	SubmittedSince *time.Time
}

// ListScope is which applications a caller may list, decided by policy.go and applied in SQL.
type ListScope struct {
	// All: every application (grants managers).
	All bool
	// MemberID: applications of the organisations this user is a member of (applicants).
	MemberID string
	// AssignedTo is the panel member whose assigned, unconflicted applications are listed;
	// with the assessment capability, until then a panel member's scope is empty.
	AssignedTo string
	// MaskDecisions: the caller sees awarded and declined as under_assessment until the
	// round's decisions are published, so a status filter must match what they see.
	MaskDecisions bool
}

// Store keeps applications. Every method joins the transaction carried in ctx.
type Store interface {
	// Create inserts a new application (errs.Conflict if the organisation already has a live
	// one in the round: the database's unique index is the last word).
	Create(ctx context.Context, a Application) error
	// Get reads an application with its round's status; forUpdate locks the row for the rest
	// of the transaction. errs.NotFound when absent.
	Get(ctx context.Context, id string, forUpdate bool) (Application, error)
	// LockOrganisationRound serialises creations for one organisation in one round until the
	// transaction ends.
	LockOrganisationRound(ctx context.Context, roundID, organisationID string) error
	// LiveID returns the id of the organisation's live application to the round, or "".
	LiveID(ctx context.Context, roundID, organisationID string) (string, error)
	// Update is the one update path (package change) for application id: ErrNotFound when
	// absent, ErrStale for a stale If-Match.
	Update(ctx context.Context, id string, g change.Guard, rule func(*Application) error) (Application, error)
	// List returns up to p.Fetch() applications in scope matching f, by id.
	List(ctx context.Context, s ListScope, f Filter, p page.Params) ([]Application, error)
	// NextReference returns the round's next reference number (1, 2, …), atomically.
	NextReference(ctx context.Context, roundID string) (int, error)
	AddRevision(ctx context.Context, r Revision) error
	Revisions(ctx context.Context, applicationID string, p page.Params) ([]Revision, error)
	// Revision reads revision number n of an application (errs.NotFound when absent).
	Revision(ctx context.Context, applicationID string, n int) (Revision, error)
	AddHistory(ctx context.Context, h HistoryEntry) error
	History(ctx context.Context, applicationID string, p page.Params) ([]HistoryEntry, error)
	// Figures computes a round's stats in the database (GROUP BY), never by loading rows.
	Figures(ctx context.Context, roundID string) (Figures, error)
	// RefreshSearch recomputes the search text of an organisation's applications (after its
	// name changed); the store keeps it on every other write.
	RefreshSearch(ctx context.Context, organisationID string) error
}

// Memberships answers what a user is to an application, in SQL at each request (never
// copied into the token): a member of the applying organisation, or a panel member
// assigned to it without a declared conflict.
type Memberships interface {
	MemberOf(ctx context.Context, userID, organisationID string) (bool, error)
	AssignedTo(ctx context.Context, userID, applicationID string) (bool, error)
}

// Rounds reads a round (inside the caller's transaction, so deadlines hold); the round
// capability's store satisfies it.
type Rounds interface {
	Round(ctx context.Context, id string, forUpdate bool) (round.Round, error)
}

// Transactor runs fn in one transaction carried in ctx.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Errors the capability returns.
var (
	ErrNotFound             = errs.E(errs.NotFound, "application not found")
	ErrRoundNotFound        = errs.E(errs.NotFound, "round not found")
	ErrOrganisationNotFound = errs.E(errs.NotFound, "organisation not found")
	ErrLiveExists           = errs.E(errs.Conflict, "your organisation already has an application to this round; continue that one (existing_id)")
	ErrRoundNotAccepting    = errs.E(errs.Conflict, "the round is not accepting new applications")
	ErrRoundNotYetOpen      = errs.E(errs.Conflict, "the round does not take applications yet: it opens at opens_at")
	// ErrDeadlinePassed refuses changes to and submissions of a draft once its round has
	// closed (closes_at, with the grace period for drafts started before it), saying when.
	ErrDeadlinePassed   = errs.E(errs.Conflict, "this round has closed: it no longer takes submissions")
	ErrRoundMovedOn     = errs.E(errs.Conflict, "the round's decisions are made; this application can no longer be resubmitted")
	ErrRevisionNotFound = errs.E(errs.NotFound, "revision not found")
	ErrNotEditable      = errs.E(errs.Conflict, "only a draft, or an application the funder has asked for more information, can be changed")
	ErrStale            = errs.E(errs.PreconditionFailed, "the application has changed since you read it (If-Match); read it again")
	ErrNotYours         = errs.E(errs.Forbidden, "only members of the applying organisation may do this")
	ErrManagersOnly     = errs.E(errs.Forbidden, "only grants managers may do this")
)

// key is an application's place in a keyset page.
func (a Application) key() string { return a.ID }

// key is a revision's place in a keyset page.
func (r Revision) key() string { return r.ID }

// key is a history entry's place in a keyset page.
func (h HistoryEntry) key() string { return h.ID }
