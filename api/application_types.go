package api

import (
	"time"

	"constellate/internal/application"
)

// CreateApplicationRequest starts a draft application for one of the caller's organisations.
type CreateApplicationRequest struct {
	OrganisationID string `json:"organisation_id" validate:"required" example:"0190a1b2-…"`
} // @name CreateApplicationRequest

// PatchApplicationRequest changes a draft (autosave). Omitted fields are kept. In answers,
// each key is a question id of the round (eligibility or form); a value replaces that
// answer, an empty one ("" or []) deletes it, as a cleared form field does, and keys not
// sent are kept. null is not an answer (400).
type PatchApplicationRequest struct {
	Title           *string        `json:"title" example:"Peer support cafés"`
	Summary         *string        `json:"summary"`
	RequestedAmount *int64         `json:"requested_amount" example:"250000"`
	Answers         map[string]any `json:"answers"`
} // @name PatchApplicationRequest

// WithdrawRequest withdraws an application; the reason is optional.
type WithdrawRequest struct {
	Reason string `json:"reason" example:"We found other funding."`
} // @name WithdrawRequest

// RequestInfoRequest asks the applicant for more; the message is what they read.
type RequestInfoRequest struct {
	Message string `json:"message" example:"Please tell us more about who runs the cafés."`
} // @name RequestInfoRequest

// MarkIneligibleRequest screens an application out; the reason is what the applicant reads.
type MarkIneligibleRequest struct {
	Reason string `json:"reason" example:"Your group's annual income is above this fund's limit."`
} // @name MarkIneligibleRequest

// Application is an application as the caller may see it. An applicant sees `awarded` or
// `declined` only once the round's decisions are published (`under_assessment` before).
type Application struct {
	ID              string         `json:"id" validate:"required"`
	RoundID         string         `json:"round_id" validate:"required"`
	OrganisationID  string         `json:"organisation_id" validate:"required"`
	Reference       *string        `json:"reference" validate:"required" extensions:"x-nullable" example:"SBS-0042"`
	Title           string         `json:"title" validate:"required"`
	Summary         string         `json:"summary" validate:"required"`
	RequestedAmount int64          `json:"requested_amount" validate:"required" example:"250000"`
	Answers         map[string]any `json:"answers" validate:"required"`
	Status          string         `json:"status" validate:"required" enums:"draft,submitted,more_info_requested,under_assessment,awarded,declined,withdrawn,ineligible"`
	// Revision is the number of the latest submitted revision (0 before the first submission).
	Revision    int        `json:"revision" validate:"required"`
	SubmittedAt *time.Time `json:"submitted_at" validate:"required" extensions:"x-nullable"`
	StartedAt   time.Time  `json:"started_at" validate:"required"`
	CreatedAt   time.Time  `json:"created_at" validate:"required"`
	UpdatedAt   time.Time  `json:"updated_at" validate:"required"`
} // @name Application

func applicationResponse(a application.Application) Application {
	out := Application{ID: a.ID, RoundID: a.RoundID, OrganisationID: a.OrganisationID, Title: a.Title, Summary: a.Summary,
		RequestedAmount: a.RequestedAmount, Answers: a.Answers, Status: string(a.Status), Revision: a.Revision,
		SubmittedAt: a.SubmittedAt, StartedAt: a.StartedAt, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	if a.Reference != "" {
		ref := a.Reference
		out.Reference = &ref
	}
	if out.Answers == nil {
		out.Answers = map[string]any{}
	}
	return out
}

// ApplicationList is a page of applications.
type ApplicationList struct {
	Data       []Application `json:"data" validate:"required"`
	NextCursor *string       `json:"next_cursor" validate:"required" extensions:"x-nullable"`
} // @name ApplicationList

// Revision is the immutable copy of an application made at one submission.
type Revision struct {
	ID              string         `json:"id" validate:"required"`
	ApplicationID   string         `json:"application_id" validate:"required"`
	Number          int            `json:"number" validate:"required" example:"1"`
	Title           string         `json:"title" validate:"required"`
	Summary         string         `json:"summary" validate:"required"`
	RequestedAmount int64          `json:"requested_amount" validate:"required"`
	Answers         map[string]any `json:"answers" validate:"required"`
	SubmittedAt     time.Time      `json:"submitted_at" validate:"required"`
	SubmittedBy     string         `json:"submitted_by" validate:"required"`
	// CreatedAt and UpdatedAt are submitted_at: a revision never changes.
	CreatedAt time.Time `json:"created_at" validate:"required"`
	UpdatedAt time.Time `json:"updated_at" validate:"required"`
} // @name ApplicationRevision

// RevisionList is a page of revisions, first first.
type RevisionList struct {
	Data       []Revision `json:"data" validate:"required"`
	NextCursor *string    `json:"next_cursor" validate:"required" extensions:"x-nullable"`
} // @name ApplicationRevisionList

// HistoryEntry is one status change. from_status is empty for the creation of the draft.
// reason is the withdrawal reason, the funder's request for information or the screening
// reason. actor_id is shown to grants managers, and to applicants for their own group's
// actions.
type HistoryEntry struct {
	ID         string    `json:"id" validate:"required"`
	FromStatus string    `json:"from_status" validate:"required"`
	ToStatus   string    `json:"to_status" validate:"required"`
	At         time.Time `json:"at" validate:"required"`
	ActorRole  string    `json:"actor_role" validate:"required"`
	ActorID    string    `json:"actor_id,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	// CreatedAt and UpdatedAt are at: an entry never changes.
	CreatedAt time.Time `json:"created_at" validate:"required"`
	UpdatedAt time.Time `json:"updated_at" validate:"required"`
} // @name ApplicationHistoryEntry

// HistoryList is a page of status changes, oldest first.
type HistoryList struct {
	Data       []HistoryEntry `json:"data" validate:"required"`
	NextCursor *string        `json:"next_cursor" validate:"required" extensions:"x-nullable"`
} // @name ApplicationHistoryList

// RoundStats are a round's figures. Every count from 1 to 4 is the string "<5"
// (small-number suppression); other counts are integers. Money is in minor units.
type RoundStats struct {
	RoundID  string `json:"round_id" validate:"required"`
	Currency string `json:"currency" validate:"required" example:"GBP"`
	Budget   int64  `json:"budget" validate:"required"`
	// Counts has every application status, each an integer or "<5".
	Counts map[string]any `json:"counts" validate:"required"`
	// Total counts every application, drafts and withdrawn included: an integer or "<5".
	Total any `json:"total" validate:"required"`
	// RequestedTotal sums requested_amount over applications submitted or later (submitted,
	// more_info_requested, under_assessment, awarded, declined).
	RequestedTotal int64 `json:"requested_total" validate:"required"`
	// AwardedTotal sums the round's awards.
	AwardedTotal int64 `json:"awarded_total" validate:"required"`
	// BudgetLeft is budget − awarded_total.
	BudgetLeft int64 `json:"budget_left" validate:"required"`
	// Reach breaks the same applications, and the awards, down by the organisation's led_by
	// (each value given counts) and region; "not_stated" when it gave none.
	Reach StatsReach `json:"reach" validate:"required"`
} // @name RoundStats

// StatsReach is reach for applications and awards.
type StatsReach struct {
	Applications ReachBreakdown `json:"applications" validate:"required"`
	Awards       ReachBreakdown `json:"awards" validate:"required"`
} // @name StatsReach

// ReachBreakdown counts by led_by and region; each count an integer or "<5".
type ReachBreakdown struct {
	LedBy  map[string]any `json:"led_by" validate:"required"`
	Region map[string]any `json:"region" validate:"required"`
} // @name ReachBreakdown

func suppressed(m map[string]int64) map[string]any {
	out := make(map[string]any, len(m))
	for k, n := range m {
		out[k] = application.Suppress(n)
	}
	return out
}

func statsResponse(st application.Stats) RoundStats {
	counts := make(map[string]any, len(st.Counts))
	for k, n := range st.Counts {
		counts[string(k)] = application.Suppress(n)
	}
	return RoundStats{RoundID: st.RoundID, Currency: st.Currency, Budget: st.Budget, Counts: counts,
		Total: application.Suppress(st.Total), RequestedTotal: st.RequestedTotal, AwardedTotal: st.AwardedTotal,
		BudgetLeft: st.BudgetLeft, Reach: StatsReach{
			Applications: ReachBreakdown{LedBy: suppressed(st.Applications.LedBy), Region: suppressed(st.Applications.Region)},
			Awards:       ReachBreakdown{LedBy: suppressed(st.Awards.LedBy), Region: suppressed(st.Awards.Region)}}}
}
