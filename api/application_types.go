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

// SubmitRequest is the optional body of a submission. response is required when
// resubmitting in answer to the funder's request for more information (what the group
// changed, or its answer); on a first submission it is optional. It is kept with the new
// revision and shown on the application's information_request.
type SubmitRequest struct {
	Response string `json:"response" example:"We have added a breakdown of the venue costs to the budget answer."`
} // @name SubmitRequest

// ReinstateRequest reverses an ineligible decision; the reason is what the group reads in
// the history (required).
type ReinstateRequest struct {
	Reason string `json:"reason" example:"We misread your income: you are within the limit after all."`
} // @name ReinstateRequest

// ApplicationOrganisation is the applying organisation as an application shows it.
type ApplicationOrganisation struct {
	ID        string `json:"id" validate:"required"`
	Name      string `json:"name" validate:"required" example:"Hillside Peer Support"`
	LegalForm string `json:"legal_form" validate:"required" example:"unincorporated_association"`
	UserLed   bool   `json:"user_led" validate:"required"`
} // @name ApplicationOrganisation

// ApplicationRound is the round an application is to, as the application shows it.
type ApplicationRound struct {
	ID   string `json:"id" validate:"required"`
	Name string `json:"name" validate:"required" example:"Side by Side 2025"`
} // @name ApplicationRound

// InformationRequest is the funder's latest request for more information. It stays on the
// application, answered (answered_at and response set by the resubmission), until another
// request replaces it.
type InformationRequest struct {
	Message         string     `json:"message" validate:"required" example:"Please tell us more about who runs the cafés."`
	RequestedAt     time.Time  `json:"requested_at" validate:"required"`
	RequestedByRole string     `json:"requested_by_role" validate:"required" example:"grants_manager"`
	AnsweredAt      *time.Time `json:"answered_at" validate:"required" extensions:"x-nullable"`
	Response        *string    `json:"response" validate:"required" extensions:"x-nullable"`
} // @name InformationRequest

// ApplicationProblem is one thing that stops an application from being submitted. code is
// one of: required (a required answer, the title, or the amount missing), too_long (text
// over its word or character limit), wrong_type (an answer of the wrong shape for its
// question), out_of_range (a number outside its question's min/max, or requested_amount
// outside the round's min_grant/max_grant), invalid (a date, email, web address or choice
// that is not one), not_eligible (field "eligibility": a rule not met, its message).
type ApplicationProblem struct {
	Field   string `json:"field" validate:"required" example:"answers.about"`
	Code    string `json:"code" validate:"required" enums:"required,too_long,wrong_type,out_of_range,invalid,not_eligible" example:"too_long"`
	Message string `json:"message" validate:"required" example:"must be at most 300 words (it has 312)"`
} // @name ApplicationProblem

func problemsResponse(ps []application.Problem) []ApplicationProblem {
	out := make([]ApplicationProblem, len(ps))
	for i, p := range ps {
		out[i] = ApplicationProblem{Field: p.Field, Code: p.Code, Message: p.Message}
	}
	return out
}

// ApplicationProblems is what is left to do before an application can be submitted.
type ApplicationProblems struct {
	ApplicationID string `json:"application_id" validate:"required"`
	Status        string `json:"status" validate:"required" enums:"draft,submitted,more_info_requested,under_assessment,awarded,declined,withdrawn,ineligible"`
	// Submittable: no problem remains and nothing else stands in the way (blocker).
	Submittable bool `json:"submittable" validate:"required"`
	// Blocker says why the application cannot be submitted whatever its content (already
	// submitted, the round closed, decisions made); null when nothing does.
	Blocker *string `json:"blocker" validate:"required" extensions:"x-nullable" example:"this round closed on 31 March 2025 at 17:00 UTC, so drafts can no longer be changed or submitted"`
	// Problems lists every problem (none once the application can no longer change).
	Problems []ApplicationProblem `json:"problems" validate:"required"`
} // @name ApplicationProblems

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
	// Organisation and Round say who applied to what (read with the application).
	Organisation ApplicationOrganisation `json:"organisation" validate:"required"`
	Round        ApplicationRound        `json:"round" validate:"required"`
	// InformationRequest is the funder's latest request for more information (null before
	// any).
	InformationRequest *InformationRequest `json:"information_request" validate:"required" extensions:"x-nullable"`
	// Problems lists what stops the application from being submitted (computed at each
	// read). Autosave stores what it is sent and answers 200 with the problems; submit
	// refuses while any remain. Shown to the group and grants managers while the
	// application can change (draft, more_info_requested); empty otherwise.
	Problems []ApplicationProblem `json:"problems" validate:"required"`
} // @name Application

func applicationResponse(a application.Application) Application {
	out := Application{ID: a.ID, RoundID: a.RoundID, OrganisationID: a.OrganisationID, Title: a.Title, Summary: a.Summary,
		RequestedAmount: a.RequestedAmount, Answers: a.Answers, Status: string(a.Status), Revision: a.Revision,
		SubmittedAt: a.SubmittedAt, StartedAt: a.StartedAt, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		Organisation: ApplicationOrganisation{ID: a.Organisation.ID, Name: a.Organisation.Name, LegalForm: a.Organisation.LegalForm,
			UserLed: a.Organisation.UserLed},
		Round: ApplicationRound{ID: a.RoundID, Name: a.RoundName}, Problems: problemsResponse(a.Problems)}
	if out.Organisation.ID == "" {
		out.Organisation.ID = a.OrganisationID
	}
	if a.Reference != "" {
		ref := a.Reference
		out.Reference = &ref
	}
	if out.Answers == nil {
		out.Answers = map[string]any{}
	}
	if ir := a.InfoRequest; ir != nil {
		out.InformationRequest = &InformationRequest{Message: ir.Message, RequestedAt: ir.RequestedAt, RequestedByRole: ir.RequestedByRole,
			AnsweredAt: ir.AnsweredAt}
		if ir.AnsweredAt != nil {
			resp := ir.Response
			out.InformationRequest.Response = &resp
		}
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
	// Response is what the group said when submitting this revision (required when it
	// answered a request for more information; "" when none was given).
	Response string `json:"response" validate:"required"`
	// RequestMessage is the funder's request this revision answered ("" for none).
	RequestMessage string `json:"request_message" validate:"required"`
	// CreatedAt and UpdatedAt are submitted_at: a revision never changes.
	CreatedAt time.Time `json:"created_at" validate:"required"`
	UpdatedAt time.Time `json:"updated_at" validate:"required"`
} // @name ApplicationRevision

// RevisionChange is one field that differs between two revisions: title, summary,
// requested_amount or answers.<question id>; before is absent when the answer was added,
// after is absent when it was removed.
type RevisionChange struct {
	Field  string `json:"field" validate:"required" example:"answers.about"`
	Change string `json:"change" validate:"required" enums:"added,removed,changed"`
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
} // @name RevisionChange

// RevisionDiff is what changed from revision against (number − 1) to revision number,
// beside what the group said when it submitted it (response) and the funder's request it
// answered (request_message). changes lists only what differs: title, summary,
// requested_amount, then the answers in the round's question order.
type RevisionDiff struct {
	ApplicationID  string           `json:"application_id" validate:"required"`
	Number         int              `json:"number" validate:"required" example:"2"`
	Against        int              `json:"against" validate:"required" example:"1"`
	SubmittedAt    time.Time        `json:"submitted_at" validate:"required"`
	Response       string           `json:"response" validate:"required"`
	RequestMessage string           `json:"request_message" validate:"required"`
	Changes        []RevisionChange `json:"changes" validate:"required"`
} // @name RevisionDiff

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

// RoundStats are a round's figures. Counts by status and the total are exact (managers
// run their own pipeline); reach figures, which describe groups, show every count from 1
// to 4 as the string "<5" (small-number suppression, applied in the domain). Money is in
// minor units.
type RoundStats struct {
	RoundID  string `json:"round_id" validate:"required"`
	Currency string `json:"currency" validate:"required" example:"GBP"`
	Budget   int64  `json:"budget" validate:"required"`
	// Counts has every application status, exact.
	Counts map[string]int64 `json:"counts" validate:"required"`
	// Total counts every application, drafts and withdrawn included, exact.
	Total int64 `json:"total" validate:"required"`
	// RequestedTotal sums requested_amount over applications submitted or later (submitted,
	// more_info_requested, under_assessment, awarded, declined).
	RequestedTotal int64 `json:"requested_total" validate:"required"`
	// AwardedTotal sums the round's awards.
	AwardedTotal int64 `json:"awarded_total" validate:"required"`
	// BudgetLeft is budget − awarded_total.
	BudgetLeft int64 `json:"budget_left" validate:"required"`
	// Reach breaks the same applications, and the awards, down by the organisation's led_by
	// (each value given counts) and region, each with a "not_stated" bucket (0 included).
	Reach StatsReach `json:"reach" validate:"required"`
} // @name RoundStats

// StatsReach is reach for applications and awards.
type StatsReach struct {
	Applications ReachBreakdown `json:"applications" validate:"required"`
	Awards       ReachBreakdown `json:"awards" validate:"required"`
} // @name StatsReach

// ReachBreakdown counts by led_by and region; each count an integer or "<5", and each
// breakdown has a not_stated bucket.
type ReachBreakdown struct {
	LedBy  map[string]any `json:"led_by" validate:"required"`
	Region map[string]any `json:"region" validate:"required"`
} // @name ReachBreakdown

func figures(m map[string]application.Figure) map[string]any {
	out := make(map[string]any, len(m))
	for k, f := range m {
		out[k] = f.Value()
	}
	return out
}

func statsResponse(st application.Stats) RoundStats {
	counts := make(map[string]int64, len(st.Counts))
	for k, n := range st.Counts {
		counts[string(k)] = n
	}
	return RoundStats{RoundID: st.RoundID, Currency: st.Currency, Budget: st.Budget, Counts: counts,
		Total: st.Total, RequestedTotal: st.RequestedTotal, AwardedTotal: st.AwardedTotal,
		BudgetLeft: st.BudgetLeft, Reach: StatsReach{
			Applications: ReachBreakdown{LedBy: figures(st.Applications.LedBy), Region: figures(st.Applications.Region)},
			Awards:       ReachBreakdown{LedBy: figures(st.Awards.LedBy), Region: figures(st.Awards.Region)}}}
}
