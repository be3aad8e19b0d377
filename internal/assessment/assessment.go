// Package assessment is how a round's panel judges its applications (SPEC §7): conflicts
// of interest, balanced assignment, scoring against the round's criteria, blind review,
// the ranking computed in the database, and moderation. It depends on round and
// application (the workflow's direction), never the reverse.
package assessment

import (
	"context"
	"time"

	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/page"
	"constellate/internal/round"
)

// Recommendation is a panel member's overall view of an application.
type Recommendation string

// The recommendations.
const (
	Fund    Recommendation = "fund"
	Maybe   Recommendation = "maybe"
	Decline Recommendation = "decline"
)

// Valid reports whether r is one of the recommendations.
func (r Recommendation) Valid() bool { return r == Fund || r == Maybe || r == Decline }

// Target is an application as the assessment capability needs it: where it is, what it is
// called, and the revision a new assessment scores.
type Target struct {
	ID               string
	RoundID          string
	Status           string // the application's status
	Reference        string
	Title            string
	OrganisationName string
	Revision         int
	RequestedAmount  int64
}

// Conflict is a panel member's declared conflict of interest with one application.
type Conflict struct {
	ID            string
	RoundID       string
	ApplicationID string
	UserID        string
	Note          string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Candidate is one application of a round under assessment as a panel member sees it when
// declaring conflicts: names only, never answers.
type Candidate struct {
	ApplicationID    string
	Reference        string
	Title            string
	OrganisationName string
	// Declared: the caller has declared a conflict with it.
	Declared bool
}

// Assignment is one panel member asked to assess one application.
type Assignment struct {
	ID            string
	RoundID       string
	ApplicationID string
	UserID        string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// Filled in lists: the application's reference and title, and the status of the
	// assignee's assessment ("" when not started).
	Reference        string
	Title            string
	AssessmentStatus Status
}

// AssignmentFilter narrows a list of assignments (managers; a panel member's own list is
// always UserID = themselves).
type AssignmentFilter struct {
	RoundID       string
	UserID        string
	ApplicationID string
	// Status is the assessment's status: "not_started", "draft" or "submitted".
	Status string
}

// Assessment is a panel member's scoring of one application.
type Assessment struct {
	ID             string
	RoundID        string
	ApplicationID  string
	PanelMemberID  string
	Scores         map[string]int
	Comments       map[string]string
	Recommendation Recommendation
	OverallComment string
	Status         Status
	RevisionScored int
	SubmittedAt    *time.Time
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Score is one criterion's score in a submitted assessment, with the criterion's weight and
// scale as the round defines them (frozen since it opened), kept for the ranking query.
type Score struct {
	AssessmentID  string
	RoundID       string
	ApplicationID string
	CriterionID   string
	Score         int
	Weight        float64
	ScaleMin      int
	ScaleMax      int
}

// Moderation is a grants manager's score (0–100, the ranking's scale) for an application,
// shown beside the panel's figures and used for ordering.
type Moderation struct {
	ApplicationID string
	RoundID       string
	Score         float64
	Note          string
	SetBy         string
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Store keeps the capability's rows. Every method joins the transaction carried in ctx.
type Store interface {
	// Target reads an application (errs.NotFound when absent); forUpdate locks it.
	Target(ctx context.Context, applicationID string, forUpdate bool) (Target, error)
	// OnPanel reports whether userID sits on the round's panel.
	OnPanel(ctx context.Context, roundID, userID string) (bool, error)
	// Panel lists the user ids of the round's panel.
	Panel(ctx context.Context, roundID string) ([]string, error)
	// UnderAssessment lists the ids of the round's applications under assessment.
	UnderAssessment(ctx context.Context, roundID string) ([]string, error)

	// Candidates lists the round's applications under assessment for userID's declarations.
	Candidates(ctx context.Context, roundID, userID string, p page.Params) ([]Candidate, error)
	// Conflicts lists every panel member's declarations about the applications, by id.
	Conflicts(ctx context.Context, applicationIDs []string) ([]Conflict, error)
	// AddConflict records a declaration; an existing one for the pair keeps its id and
	// takes the new note. It reports whether the pair was new.
	AddConflict(ctx context.Context, c Conflict) (bool, error)
	// RoundConflicts returns every declared pair of the round.
	RoundConflicts(ctx context.Context, roundID string) (map[Pair]bool, error)
	// Conflicted reports whether userID declared a conflict with the application.
	Conflicted(ctx context.Context, applicationID, userID string) (bool, error)

	// CreateAssignment inserts a; an existing pair is ErrAlreadyAssigned.
	CreateAssignment(ctx context.Context, a Assignment) error
	// Assignment reads one (errs.NotFound when absent); forUpdate locks it.
	Assignment(ctx context.Context, id string, forUpdate bool) (Assignment, error)
	// AssignmentOf returns the pair's assignment, or ok=false.
	AssignmentOf(ctx context.Context, applicationID, userID string) (a Assignment, ok bool, err error)
	DeleteAssignment(ctx context.Context, id string) error
	// Assignments lists assignments matching f, by id, with reference, title and status.
	Assignments(ctx context.Context, f AssignmentFilter, p page.Params) ([]Assignment, error)
	// RoundAssignments returns every assignment of the round and which are started (the
	// assignee has an assessment, draft or submitted).
	RoundAssignments(ctx context.Context, roundID string) (pairs []Pair, started map[Pair]bool, err error)

	// Assessment returns the pair's assessment, or ok=false.
	Assessment(ctx context.Context, applicationID, panelMemberID string) (a Assessment, ok bool, err error)
	// CreateAssessment inserts a; an existing one for the pair is ErrAssessmentExists.
	CreateAssessment(ctx context.Context, a Assessment) error
	// UpdateAssessment is the one update path (package change) for assessment id.
	UpdateAssessment(ctx context.Context, id string, g change.Guard, rule func(*Assessment) error) (Assessment, error)
	// DeleteDraft removes the pair's draft assessment, reporting whether there was one.
	DeleteDraft(ctx context.Context, applicationID, panelMemberID string) (bool, error)
	// AddScores records a submitted assessment's scores.
	AddScores(ctx context.Context, scores []Score) error
	// Assessments lists an application's assessments (submittedOnly: only submitted ones),
	// by id.
	Assessments(ctx context.Context, applicationID string, submittedOnly bool, p page.Params) ([]Assessment, error)

	// Moderation returns the application's moderation, or ok=false.
	Moderation(ctx context.Context, applicationID string) (m Moderation, ok bool, err error)
	// SaveModeration inserts or replaces the application's moderation.
	SaveModeration(ctx context.Context, m Moderation) error

	// Ranking computes a page of the round's ranking in one SQL query (see Ranking).
	Ranking(ctx context.Context, roundID string, p RankingPage) ([]RankingRow, error)
}

// Rounds reads a round inside the caller's transaction (the round capability's store).
type Rounds interface {
	Round(ctx context.Context, id string, forUpdate bool) (round.Round, error)
}

// Transactor runs fn in one transaction carried in ctx.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Errors of the capability.
var (
	ErrNotFound           = errs.E(errs.NotFound, "not found")
	ErrApplicationMissing = errs.E(errs.NotFound, "application not found")
	ErrRoundMissing       = errs.E(errs.NotFound, "round not found")
	ErrAssignmentMissing  = errs.E(errs.NotFound, "assignment not found")
	ErrAssessmentMissing  = errs.E(errs.NotFound, "you have no assessment of this application yet")
	ErrManagersOnly       = errs.E(errs.Forbidden, "only grants managers may do this")
	ErrPanelOnly          = errs.E(errs.Forbidden, "only panel members on this round's panel may do this")
	ErrNotInAssessment    = errs.E(errs.Conflict, "the round is not in assessment")
	ErrNotUnderAssessment = errs.E(errs.Conflict, "the application is not under assessment")
	ErrAlreadyAssigned    = errs.E(errs.Conflict, "this panel member is already assigned to this application")
	ErrConflicted         = errs.E(errs.Conflict, "this panel member has declared a conflict of interest with this application")
	ErrNotOnPanel         = errs.E(errs.Invalid, "the user is not on the round's panel")
	ErrStarted            = errs.E(errs.Conflict, "the assessment has been submitted; the assignment can no longer be removed")
	ErrSubmitted          = errs.E(errs.Conflict, "the assessment is submitted and can no longer change")
	ErrAssessmentExists   = errs.E(errs.Conflict, "you already have an assessment of this application")
	ErrStale              = errs.E(errs.PreconditionFailed, "the assessment has changed since you read it (If-Match); read it again")
	ErrBlind              = errs.E(errs.Forbidden, "blind review: submit your own assessment of this application to see the others'")
	ErrDecisionsPublished = errs.E(errs.Conflict, "the round's decisions are published; the moderation can no longer change")
)
