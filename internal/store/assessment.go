package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"constellate/internal/assessment"
	"constellate/internal/change"
	"constellate/internal/page"
)

type conflictRow struct {
	ID            string `gorm:"primaryKey"`
	RoundID       string
	ApplicationID string
	UserID        string
	Note          string
	CreatedAt     Timestamp
	UpdatedAt     Timestamp
}

func (conflictRow) TableName() string { return "assessment_conflicts" }

func (r conflictRow) conflict() assessment.Conflict {
	return assessment.Conflict{ID: r.ID, RoundID: r.RoundID, ApplicationID: r.ApplicationID, UserID: r.UserID, Note: r.Note,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
}

type assignmentRow struct {
	ID            string `gorm:"primaryKey"`
	RoundID       string
	ApplicationID string
	UserID        string
	CreatedAt     Timestamp
	UpdatedAt     Timestamp
	// Read with lists, never written.
	Reference        *string `gorm:"->"`
	Title            string  `gorm:"->"`
	AssessmentStatus *string `gorm:"->"`
}

func (assignmentRow) TableName() string { return "assessment_assignments" }

func (r assignmentRow) assignment() assessment.Assignment {
	a := assessment.Assignment{ID: r.ID, RoundID: r.RoundID, ApplicationID: r.ApplicationID, UserID: r.UserID,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(), Title: r.Title}
	if r.Reference != nil {
		a.Reference = *r.Reference
	}
	if r.AssessmentStatus != nil {
		a.AssessmentStatus = assessment.Status(*r.AssessmentStatus)
	}
	return a
}

type assessmentRow struct {
	ID             string `gorm:"primaryKey"`
	RoundID        string
	ApplicationID  string
	PanelMemberID  string
	Scores         map[string]int    `gorm:"serializer:json"`
	Comments       map[string]string `gorm:"serializer:json"`
	Recommendation string
	OverallComment string
	Status         string
	RevisionScored int
	SubmittedAt    NullTimestamp
	Version        int64
	CreatedAt      Timestamp
	UpdatedAt      Timestamp
}

func (assessmentRow) TableName() string { return "assessments" }

func (r assessmentRow) assessment() assessment.Assessment {
	a := assessment.Assessment{ID: r.ID, RoundID: r.RoundID, ApplicationID: r.ApplicationID, PanelMemberID: r.PanelMemberID,
		Scores: r.Scores, Comments: r.Comments, Recommendation: assessment.Recommendation(r.Recommendation),
		OverallComment: r.OverallComment, Status: assessment.Status(r.Status), RevisionScored: r.RevisionScored,
		SubmittedAt: r.SubmittedAt.Ptr(), Version: r.Version, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
	if a.Scores == nil {
		a.Scores = map[string]int{}
	}
	if a.Comments == nil {
		a.Comments = map[string]string{}
	}
	return a
}

func assessmentRowOf(a assessment.Assessment) assessmentRow {
	r := assessmentRow{ID: a.ID, RoundID: a.RoundID, ApplicationID: a.ApplicationID, PanelMemberID: a.PanelMemberID,
		Scores: a.Scores, Comments: a.Comments, Recommendation: string(a.Recommendation), OverallComment: a.OverallComment,
		Status: string(a.Status), RevisionScored: a.RevisionScored, SubmittedAt: NullTS(a.SubmittedAt), Version: a.Version,
		CreatedAt: TS(a.CreatedAt), UpdatedAt: TS(a.UpdatedAt)}
	if r.Scores == nil {
		r.Scores = map[string]int{}
	}
	if r.Comments == nil {
		r.Comments = map[string]string{}
	}
	return r
}

type scoreRow struct {
	AssessmentID  string `gorm:"primaryKey"`
	RoundID       string
	ApplicationID string
	CriterionID   string `gorm:"primaryKey"`
	Score         int
	Weight        float64
	ScaleMin      int
	ScaleMax      int
}

func (scoreRow) TableName() string { return "assessment_scores" }

type moderationRow struct {
	ApplicationID string `gorm:"primaryKey"`
	RoundID       string
	Score         float64
	Note          string
	SetBy         string
	Version       int64
	CreatedAt     Timestamp
	UpdatedAt     Timestamp
}

func (moderationRow) TableName() string { return "assessment_moderations" }

// AssessmentStore implements assessment.Store.
type AssessmentStore struct{ db *DB }

// NewAssessmentStore returns the assessment store on db.
func NewAssessmentStore(db *DB) *AssessmentStore { return &AssessmentStore{db: db} }

var _ assessment.Store = (*AssessmentStore)(nil)

// Target reads an application with its organisation's name.
func (s *AssessmentStore) Target(ctx context.Context, applicationID string, forUpdate bool) (assessment.Target, error) {
	var r struct {
		ID, RoundID, Status, Title, OrganisationName string
		Reference                                    *string
		Revision                                     int
		RequestedAmount                              int64
	}
	q := s.db.conn(ctx).Table("applications").
		Select("applications.id, applications.round_id, applications.status, applications.reference, applications.title, applications.revision, applications.requested_amount, "+
			"(SELECT organisations.name FROM organisations WHERE organisations.id = applications.organisation_id) AS organisation_name").
		Where("applications.id = ?", applicationID)
	if forUpdate {
		q = s.db.ForUpdate(q)
	}
	if err := q.Take(&r).Error; err != nil {
		return assessment.Target{}, Translate(err, "application")
	}
	t := assessment.Target{ID: r.ID, RoundID: r.RoundID, Status: r.Status, Title: r.Title, OrganisationName: r.OrganisationName,
		Revision: r.Revision, RequestedAmount: r.RequestedAmount}
	if r.Reference != nil {
		t.Reference = *r.Reference
	}
	return t, nil
}

// OnPanel reports whether userID sits on the round's panel.
func (s *AssessmentStore) OnPanel(ctx context.Context, roundID, userID string) (bool, error) {
	var n int64
	err := s.db.conn(ctx).Table("round_panel_members").Where("round_id = ? AND user_id = ?", roundID, userID).Count(&n).Error
	return n > 0, Translate(err, "panel")
}

// Panel lists the round's panel members' ids.
func (s *AssessmentStore) Panel(ctx context.Context, roundID string) ([]string, error) {
	var out []string
	err := s.db.conn(ctx).Table("round_panel_members").Where("round_id = ?", roundID).Order("user_id").Pluck("user_id", &out).Error
	return out, Translate(err, "panel")
}

// UnderAssessment lists the ids of the round's applications under assessment.
func (s *AssessmentStore) UnderAssessment(ctx context.Context, roundID string) ([]string, error) {
	var out []string
	err := s.db.conn(ctx).Table("applications").Where("round_id = ? AND status = ?", roundID, "under_assessment").
		Order("id").Pluck("id", &out).Error
	return out, Translate(err, "applications")
}

// Candidates lists the round's applications under assessment, keyset on id, with whether
// userID declared a conflict with each.
func (s *AssessmentStore) Candidates(ctx context.Context, roundID, userID string, p page.Params) ([]assessment.Candidate, error) {
	var rows []struct {
		ApplicationID, Title, OrganisationName string
		Reference                              *string
		Declared                               bool
	}
	q := s.db.conn(ctx).Table("applications").
		Select("applications.id AS application_id, applications.reference, applications.title, "+
			"(SELECT organisations.name FROM organisations WHERE organisations.id = applications.organisation_id) AS organisation_name, "+
			"EXISTS (SELECT 1 FROM assessment_conflicts c WHERE c.application_id = applications.id AND c.user_id = ?) AS declared", userID).
		Where("applications.round_id = ? AND applications.status = ?", roundID, "under_assessment")
	if p.After != "" {
		q = q.Where("applications.id > ?", p.After)
	}
	if err := q.Order("applications.id").Limit(p.Fetch()).Scan(&rows).Error; err != nil {
		return nil, Translate(err, "applications")
	}
	out := make([]assessment.Candidate, len(rows))
	for i, r := range rows {
		out[i] = assessment.Candidate{ApplicationID: r.ApplicationID, Title: r.Title, OrganisationName: r.OrganisationName, Declared: r.Declared}
		if r.Reference != nil {
			out[i].Reference = *r.Reference
		}
	}
	return out, nil
}

// Conflicts lists every declaration about the applications, by id.
func (s *AssessmentStore) Conflicts(ctx context.Context, applicationIDs []string) ([]assessment.Conflict, error) {
	var rows []conflictRow
	if err := s.db.conn(ctx).Where("application_id IN ?", applicationIDs).Order("id").Find(&rows).Error; err != nil {
		return nil, Translate(err, "conflicts")
	}
	out := make([]assessment.Conflict, len(rows))
	for i, r := range rows {
		out[i] = r.conflict()
	}
	return out, nil
}

// AddConflict records a declaration, or replaces the note of an existing one (the caller
// holds the round's lock, so the two steps do not race).
func (s *AssessmentStore) AddConflict(ctx context.Context, c assessment.Conflict) (bool, error) {
	res := s.db.conn(ctx).Model(&conflictRow{}).Where("application_id = ? AND user_id = ?", c.ApplicationID, c.UserID).
		Updates(map[string]any{"note": c.Note, "updated_at": TS(c.UpdatedAt)})
	if res.Error != nil || res.RowsAffected > 0 {
		return false, Translate(res.Error, "conflict")
	}
	row := conflictRow{ID: c.ID, RoundID: c.RoundID, ApplicationID: c.ApplicationID, UserID: c.UserID, Note: c.Note,
		CreatedAt: TS(c.CreatedAt), UpdatedAt: TS(c.UpdatedAt)}
	return true, Translate(s.db.conn(ctx).Create(&row).Error, "conflict")
}

// RoundConflicts returns every declared pair of the round.
func (s *AssessmentStore) RoundConflicts(ctx context.Context, roundID string) (map[assessment.Pair]bool, error) {
	var rows []conflictRow
	if err := s.db.conn(ctx).Select("application_id", "user_id").Where("round_id = ?", roundID).Find(&rows).Error; err != nil {
		return nil, Translate(err, "conflicts")
	}
	out := make(map[assessment.Pair]bool, len(rows))
	for _, r := range rows {
		out[assessment.Pair{ApplicationID: r.ApplicationID, UserID: r.UserID}] = true
	}
	return out, nil
}

// Conflicted reports whether userID declared a conflict with the application.
func (s *AssessmentStore) Conflicted(ctx context.Context, applicationID, userID string) (bool, error) {
	var n int64
	err := s.db.conn(ctx).Model(&conflictRow{}).Where("application_id = ? AND user_id = ?", applicationID, userID).Count(&n).Error
	return n > 0, Translate(err, "conflict")
}

// CreateAssignment inserts an assignment; the pair's unique index makes a second one
// ErrAlreadyAssigned even under races.
func (s *AssessmentStore) CreateAssignment(ctx context.Context, a assessment.Assignment) error {
	row := assignmentRow{ID: a.ID, RoundID: a.RoundID, ApplicationID: a.ApplicationID, UserID: a.UserID,
		CreatedAt: TS(a.CreatedAt), UpdatedAt: TS(a.UpdatedAt)}
	err := s.db.conn(ctx).Omit("Reference", "Title", "AssessmentStatus").Create(&row).Error
	if err != nil && errors.Is(err, gorm.ErrDuplicatedKey) {
		return assessment.ErrAlreadyAssigned
	}
	return Translate(err, "assignment")
}

// Assignment reads one assignment.
func (s *AssessmentStore) Assignment(ctx context.Context, id string, forUpdate bool) (assessment.Assignment, error) {
	q := s.db.conn(ctx).Model(&assignmentRow{}).Select("assessment_assignments.*").Where("id = ?", id)
	if forUpdate {
		q = s.db.ForUpdate(q)
	}
	var r assignmentRow
	if err := q.Take(&r).Error; err != nil {
		return assessment.Assignment{}, Translate(err, "assignment")
	}
	return r.assignment(), nil
}

// AssignmentOf returns the pair's assignment, if any.
func (s *AssessmentStore) AssignmentOf(ctx context.Context, applicationID, userID string) (assessment.Assignment, bool, error) {
	var rows []assignmentRow
	err := s.db.conn(ctx).Model(&assignmentRow{}).Select("assessment_assignments.*").
		Where("application_id = ? AND user_id = ?", applicationID, userID).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return assessment.Assignment{}, false, Translate(err, "assignment")
	}
	return rows[0].assignment(), true, nil
}

// DeleteAssignment removes an assignment.
func (s *AssessmentStore) DeleteAssignment(ctx context.Context, id string) error {
	return Translate(s.db.conn(ctx).Where("id = ?", id).Delete(&assignmentRow{}).Error, "assignment")
}

// assignmentList is the select of assignment lists: the row, the application's reference
// and title, and the assignee's assessment status.
const assignmentList = "assessment_assignments.*, applications.reference, applications.title, " +
	"(SELECT assessments.status FROM assessments WHERE assessments.application_id = assessment_assignments.application_id " +
	"AND assessments.panel_member_id = assessment_assignments.user_id) AS assessment_status"

// Assignments lists assignments matching f, by id.
func (s *AssessmentStore) Assignments(ctx context.Context, f assessment.AssignmentFilter, p page.Params) ([]assessment.Assignment, error) {
	q := s.db.conn(ctx).Model(&assignmentRow{}).Select(assignmentList).
		Joins("JOIN applications ON applications.id = assessment_assignments.application_id")
	if f.RoundID != "" {
		q = q.Where("assessment_assignments.round_id = ?", f.RoundID)
	}
	if f.UserID != "" {
		q = q.Where("assessment_assignments.user_id = ?", f.UserID)
	}
	if f.ApplicationID != "" {
		q = q.Where("assessment_assignments.application_id = ?", f.ApplicationID)
	}
	const own = "SELECT 1 FROM assessments WHERE assessments.application_id = assessment_assignments.application_id AND assessments.panel_member_id = assessment_assignments.user_id"
	switch f.Status {
	case "not_started":
		q = q.Where("NOT EXISTS (" + own + ")")
	case string(assessment.StatusDraft), string(assessment.StatusSubmitted):
		q = q.Where("EXISTS ("+own+" AND assessments.status = ?)", f.Status)
	}
	if p.After != "" {
		q = q.Where("assessment_assignments.id > ?", p.After)
	}
	var rows []assignmentRow
	if err := q.Order("assessment_assignments.id").Limit(p.Fetch()).Find(&rows).Error; err != nil {
		return nil, Translate(err, "assignments")
	}
	out := make([]assessment.Assignment, len(rows))
	for i, r := range rows {
		out[i] = r.assignment()
	}
	return out, nil
}

// RoundAssignments returns the round's assignments and which have an assessment.
func (s *AssessmentStore) RoundAssignments(ctx context.Context, roundID string) ([]assessment.Pair, map[assessment.Pair]bool, error) {
	var rows []assignmentRow
	err := s.db.conn(ctx).Model(&assignmentRow{}).Select(assignmentList).
		Joins("JOIN applications ON applications.id = assessment_assignments.application_id").
		Where("assessment_assignments.round_id = ?", roundID).Order("assessment_assignments.id").Find(&rows).Error
	if err != nil {
		return nil, nil, Translate(err, "assignments")
	}
	pairs, started := make([]assessment.Pair, len(rows)), map[assessment.Pair]bool{}
	for i, r := range rows {
		pairs[i] = assessment.Pair{ApplicationID: r.ApplicationID, UserID: r.UserID}
		if r.AssessmentStatus != nil {
			started[pairs[i]] = true
		}
	}
	return pairs, started, nil
}

// Assessment returns the pair's assessment, if any.
func (s *AssessmentStore) Assessment(ctx context.Context, applicationID, panelMemberID string) (assessment.Assessment, bool, error) {
	var rows []assessmentRow
	err := s.db.conn(ctx).Where("application_id = ? AND panel_member_id = ?", applicationID, panelMemberID).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return assessment.Assessment{}, false, Translate(err, "assessment")
	}
	return rows[0].assessment(), true, nil
}

// CreateAssessment inserts an assessment; one per panel member per application (unique
// index), so a racing second is ErrAssessmentExists.
func (s *AssessmentStore) CreateAssessment(ctx context.Context, a assessment.Assessment) error {
	row := assessmentRowOf(a)
	err := s.db.conn(ctx).Create(&row).Error
	if err != nil && errors.Is(err, gorm.ErrDuplicatedKey) {
		return assessment.ErrAssessmentExists
	}
	return Translate(err, "assessment")
}

// UpdateAssessment runs the one update path (update.go) on assessment id.
func (s *AssessmentStore) UpdateAssessment(ctx context.Context, id string, g change.Guard, rule func(*assessment.Assessment) error) (assessment.Assessment, error) {
	return update(ctx, s.db, versioned[assessment.Assessment]{
		load: func(ctx context.Context) (assessment.Assessment, error) {
			var r assessmentRow
			if err := s.db.ForUpdate(s.db.conn(ctx).Where("id = ?", id)).Take(&r).Error; err != nil {
				return assessment.Assessment{}, Translate(err, "assessment")
			}
			return r.assessment(), nil
		},
		meta: func(a *assessment.Assessment) (*int64, *time.Time) { return &a.Version, &a.UpdatedAt },
		save: func(ctx context.Context, a assessment.Assessment, prev int64) error {
			row := assessmentRowOf(a)
			return Translate(s.db.saveVersioned(ctx, &row, a.ID, prev, assessment.ErrStale, "id", "round_id", "application_id", "panel_member_id", "created_at"), "assessment")
		},
		stale: assessment.ErrStale,
	}, g, rule)
}

// DeleteDraft removes the pair's draft (a submitted assessment is never deleted: the
// condition and the database's trigger both refuse it).
func (s *AssessmentStore) DeleteDraft(ctx context.Context, applicationID, panelMemberID string) (bool, error) {
	res := s.db.conn(ctx).Where("application_id = ? AND panel_member_id = ? AND status = ?", applicationID, panelMemberID,
		string(assessment.StatusDraft)).Delete(&assessmentRow{})
	return res.RowsAffected > 0, Translate(res.Error, "assessment")
}

// AddScores records a submitted assessment's scores.
func (s *AssessmentStore) AddScores(ctx context.Context, scores []assessment.Score) error {
	if len(scores) == 0 {
		return nil
	}
	rows := make([]scoreRow, len(scores))
	for i, sc := range scores {
		rows[i] = scoreRow{AssessmentID: sc.AssessmentID, RoundID: sc.RoundID, ApplicationID: sc.ApplicationID, CriterionID: sc.CriterionID,
			Score: sc.Score, Weight: sc.Weight, ScaleMin: sc.ScaleMin, ScaleMax: sc.ScaleMax}
	}
	return Translate(s.db.conn(ctx).Create(&rows).Error, "scores")
}

// Assessments lists an application's assessments by id.
func (s *AssessmentStore) Assessments(ctx context.Context, applicationID string, submittedOnly bool, p page.Params) ([]assessment.Assessment, error) {
	q := s.db.conn(ctx).Where("application_id = ?", applicationID)
	if submittedOnly {
		q = q.Where("status = ?", string(assessment.StatusSubmitted))
	}
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []assessmentRow
	if err := q.Order("id").Limit(p.Fetch()).Find(&rows).Error; err != nil {
		return nil, Translate(err, "assessments")
	}
	out := make([]assessment.Assessment, len(rows))
	for i, r := range rows {
		out[i] = r.assessment()
	}
	return out, nil
}

// Moderation returns the application's moderation, if any.
func (s *AssessmentStore) Moderation(ctx context.Context, applicationID string) (assessment.Moderation, bool, error) {
	var rows []moderationRow
	if err := s.db.conn(ctx).Where("application_id = ?", applicationID).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return assessment.Moderation{}, false, Translate(err, "moderation")
	}
	r := rows[0]
	return assessment.Moderation{ApplicationID: r.ApplicationID, RoundID: r.RoundID, Score: r.Score, Note: r.Note, SetBy: r.SetBy,
		Version: r.Version, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}, true, nil
}

// SaveModeration inserts or replaces the application's moderation.
func (s *AssessmentStore) SaveModeration(ctx context.Context, m assessment.Moderation) error {
	row := moderationRow{ApplicationID: m.ApplicationID, RoundID: m.RoundID, Score: m.Score, Note: m.Note, SetBy: m.SetBy,
		Version: m.Version, CreatedAt: TS(m.CreatedAt), UpdatedAt: TS(m.UpdatedAt)}
	err := s.db.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "application_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"score", "note", "set_by", "version", "updated_at"}),
	}).Create(&row).Error
	return Translate(err, "moderation")
}
