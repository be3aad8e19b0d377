package api

import (
	"time"

	"constellate/internal/assessment"
	"constellate/internal/errs"
)

// ConflictDeclarationRequest declares the caller's conflicts of interest.
type ConflictDeclarationRequest struct {
	ApplicationIDs []string `json:"application_ids" validate:"required"`
	Note           string   `json:"note"`
} // @name ConflictDeclarationRequest

// ConflictResponse is one declared conflict of interest.
type ConflictResponse struct {
	ID            string    `json:"id" validate:"required"`
	RoundID       string    `json:"round_id" validate:"required"`
	ApplicationID string    `json:"application_id" validate:"required"`
	UserID        string    `json:"user_id" validate:"required"`
	Note          string    `json:"note" validate:"required"`
	CreatedAt     time.Time `json:"created_at" validate:"required"`
	UpdatedAt     time.Time `json:"updated_at" validate:"required"`
} // @name Conflict

// ConflictList is the conflicts just declared.
type ConflictList struct {
	Data []ConflictResponse `json:"data" validate:"required"`
} // @name ConflictList

// ConflictCandidateResponse is an application of a round under assessment, as a panel
// member sees it to declare conflicts (names only); managers also get every declaration.
type ConflictCandidateResponse struct {
	ApplicationID    string `json:"application_id" validate:"required"`
	Reference        string `json:"reference" validate:"required"`
	Title            string `json:"title" validate:"required"`
	OrganisationName string `json:"organisation_name" validate:"required"`
	// Declared: the caller has declared a conflict with it.
	Declared bool `json:"declared" validate:"required"`
	// Declarations: every panel member's declaration with its note (grants managers only).
	Declarations []ConflictResponse `json:"declarations,omitempty"`
} // @name ConflictCandidate

// ConflictCandidateList is a page of a round's applications for conflict declarations.
type ConflictCandidateList struct {
	Data       []ConflictCandidateResponse `json:"data" validate:"required"`
	NextCursor *string                     `json:"next_cursor" validate:"required" extensions:"x-nullable"`
} // @name ConflictCandidateList

func conflictResponse(c assessment.Conflict) ConflictResponse {
	return ConflictResponse{ID: c.ID, RoundID: c.RoundID, ApplicationID: c.ApplicationID, UserID: c.UserID, Note: c.Note,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// AssignmentRequest asks one panel member to assess one application.
type AssignmentRequest struct {
	ApplicationID string `json:"application_id" validate:"required"`
	UserID        string `json:"user_id" validate:"required"`
} // @name AssignmentRequest

// AssignmentResponse is one panel member assigned to one application.
type AssignmentResponse struct {
	ID            string `json:"id" validate:"required"`
	RoundID       string `json:"round_id" validate:"required"`
	ApplicationID string `json:"application_id" validate:"required"`
	UserID        string `json:"user_id" validate:"required"`
	Reference     string `json:"reference" validate:"required"`
	Title         string `json:"title" validate:"required"`
	// AssessmentStatus is the assignee's assessment: not_started, draft or submitted.
	AssessmentStatus string    `json:"assessment_status" validate:"required" enums:"not_started,draft,submitted"`
	CreatedAt        time.Time `json:"created_at" validate:"required"`
	UpdatedAt        time.Time `json:"updated_at" validate:"required"`
} // @name Assignment

// AssignmentList is a page of assignments.
type AssignmentList struct {
	Data       []AssignmentResponse `json:"data" validate:"required"`
	NextCursor *string              `json:"next_cursor" validate:"required" extensions:"x-nullable"`
} // @name AssignmentList

// AutoAssignmentResponse is what automatic assignment made.
type AutoAssignmentResponse struct {
	Created []AssignmentResponse `json:"created" validate:"required"`
	// Short lists the applications that still lack reviewers (not enough eligible panel
	// members) and how many each lacks.
	Short []ShortApplication `json:"short" validate:"required"`
} // @name AutoAssignment

// ShortApplication is an application that could not get all its reviewers.
type ShortApplication struct {
	ApplicationID string `json:"application_id" validate:"required"`
	Missing       int    `json:"missing" validate:"required"`
} // @name ShortApplication

func assignmentResponse(a assessment.Assignment) AssignmentResponse {
	status := string(a.AssessmentStatus)
	if status == "" {
		status = "not_started"
	}
	return AssignmentResponse{ID: a.ID, RoundID: a.RoundID, ApplicationID: a.ApplicationID, UserID: a.UserID, Reference: a.Reference,
		Title: a.Title, AssessmentStatus: status, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// AssessmentRequest is the caller's whole draft: scores by criterion id, comments by
// criterion id, a recommendation and an overall comment. Every field may be left out.
type AssessmentRequest struct {
	Scores         map[string]int    `json:"scores"`
	Comments       map[string]string `json:"comments"`
	Recommendation string            `json:"recommendation" enums:"fund,maybe,decline,"`
	OverallComment string            `json:"overall_comment"`
} // @name AssessmentRequest

// AssessmentResponse is one panel member's assessment of one application.
type AssessmentResponse struct {
	ID            string `json:"id" validate:"required"`
	ApplicationID string `json:"application_id" validate:"required"`
	RoundID       string `json:"round_id" validate:"required"`
	// PanelMemberID is the assessor; other panel members see "" here.
	PanelMemberID  string            `json:"panel_member_id" validate:"required"`
	Scores         map[string]int    `json:"scores" validate:"required"`
	Comments       map[string]string `json:"comments" validate:"required"`
	Recommendation string            `json:"recommendation" validate:"required" enums:"fund,maybe,decline,"`
	OverallComment string            `json:"overall_comment" validate:"required"`
	Status         string            `json:"status" validate:"required" enums:"draft,submitted"`
	// RevisionScored is the application revision the assessment scores.
	RevisionScored int        `json:"revision_scored" validate:"required"`
	SubmittedAt    *time.Time `json:"submitted_at" validate:"required" extensions:"x-nullable"`
	// Problems lists what stops submission (out-of-scale scores, long comments, missing
	// scores and recommendation); a draft is stored with them.
	Problems  []errs.FieldError `json:"problems" validate:"required"`
	CreatedAt time.Time         `json:"created_at" validate:"required"`
	UpdatedAt time.Time         `json:"updated_at" validate:"required"`
} // @name Assessment

// AssessmentList is a page of an application's assessments.
type AssessmentList struct {
	Data       []AssessmentResponse `json:"data" validate:"required"`
	NextCursor *string              `json:"next_cursor" validate:"required" extensions:"x-nullable"`
} // @name AssessmentList

func assessmentResponse(a assessment.Assessment, problems errs.Fields) AssessmentResponse {
	if problems == nil {
		problems = errs.Fields{}
	}
	return AssessmentResponse{ID: a.ID, ApplicationID: a.ApplicationID, RoundID: a.RoundID, PanelMemberID: a.PanelMemberID,
		Scores: a.Scores, Comments: a.Comments, Recommendation: string(a.Recommendation), OverallComment: a.OverallComment,
		Status: string(a.Status), RevisionScored: a.RevisionScored, SubmittedAt: a.SubmittedAt, Problems: problems,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// ModerationRequest sets a manager's score for an application.
type ModerationRequest struct {
	// Score on the ranking's 0–100 scale.
	Score *float64 `json:"score" validate:"required" extensions:"x-nullable"`
	Note  string   `json:"note"`
} // @name ModerationRequest

// ModerationResponse is an application's moderation.
type ModerationResponse struct {
	ApplicationID string    `json:"application_id" validate:"required"`
	RoundID       string    `json:"round_id" validate:"required"`
	Score         float64   `json:"score" validate:"required"`
	Note          string    `json:"note" validate:"required"`
	SetBy         string    `json:"set_by" validate:"required"`
	CreatedAt     time.Time `json:"created_at" validate:"required"`
	UpdatedAt     time.Time `json:"updated_at" validate:"required"`
} // @name Moderation

// RankingRowResponse is one application in a round's ranking.
type RankingRowResponse struct {
	Position         int    `json:"position" validate:"required"`
	ApplicationID    string `json:"application_id" validate:"required"`
	Reference        string `json:"reference" validate:"required"`
	Title            string `json:"title" validate:"required"`
	OrganisationName string `json:"organisation_name" validate:"required"`
	// WeightedScore is the mean of the submitted assessments' normalised weighted scores,
	// 0–100 (null with none).
	WeightedScore *float64 `json:"weighted_score" validate:"required" extensions:"x-nullable"`
	// Mean is the plain mean of every criterion score given, on the rubric's scales.
	Mean *float64 `json:"mean" validate:"required" extensions:"x-nullable"`
	// StdDev is the population standard deviation of the normalised scores.
	StdDev      *float64 `json:"stddev" validate:"required" extensions:"x-nullable"`
	Assessments int      `json:"assessments" validate:"required"`
	Assigned    int      `json:"assigned" validate:"required"`
	// Recommendations tallies the submitted assessments' recommendations.
	Recommendations RecommendationTally `json:"recommendations" validate:"required"`
	// Disagreement: the standard deviation is above 15 points, or both fund and decline
	// were recommended.
	Disagreement   bool     `json:"disagreement" validate:"required"`
	ModeratedScore *float64 `json:"moderated_score" validate:"required" extensions:"x-nullable"`
	// Score is what the ranking orders by: the moderated score when set, else the weighted
	// score.
	Score               *float64 `json:"score" validate:"required" extensions:"x-nullable"`
	RequestedAmount     int64    `json:"requested_amount" validate:"required"`
	CumulativeRequested int64    `json:"cumulative_requested" validate:"required"`
	// BudgetLeft is the round's budget less the cumulative requested total (negative past
	// the budget).
	BudgetLeft int64 `json:"budget_left" validate:"required"`
} // @name RankingRow

// RecommendationTally counts recommendations.
type RecommendationTally struct {
	Fund    int `json:"fund" validate:"required"`
	Maybe   int `json:"maybe" validate:"required"`
	Decline int `json:"decline" validate:"required"`
} // @name RecommendationTally

// RankingResponse is a page of a round's ranking.
type RankingResponse struct {
	RoundID    string               `json:"round_id" validate:"required"`
	Budget     int64                `json:"budget" validate:"required"`
	Currency   string               `json:"currency" validate:"required"`
	Data       []RankingRowResponse `json:"data" validate:"required"`
	NextCursor *string              `json:"next_cursor" validate:"required" extensions:"x-nullable"`
} // @name Ranking

func rankingRowResponse(r assessment.RankingRow) RankingRowResponse {
	return RankingRowResponse{Position: r.Position, ApplicationID: r.ApplicationID, Reference: r.Reference, Title: r.Title,
		OrganisationName: r.OrganisationName, WeightedScore: r.WeightedScore, Mean: r.Mean, StdDev: r.StdDev,
		Assessments: r.Assessments, Assigned: r.Assigned, Recommendations: RecommendationTally{Fund: r.Fund, Maybe: r.Maybe, Decline: r.Decline},
		Disagreement: r.Disagreement, ModeratedScore: r.ModeratedScore, Score: r.OrderScore, RequestedAmount: r.RequestedAmount,
		CumulativeRequested: r.CumulativeRequested, BudgetLeft: r.BudgetLeft}
}
