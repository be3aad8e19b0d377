package store

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"time"

	"constellate/internal/application"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/page"
	"constellate/internal/round"
)

type applicationRow struct {
	ID              string `gorm:"primaryKey"`
	RoundID         string
	OrganisationID  string
	Reference       *string
	Title           string
	Summary         string
	RequestedAmount int64
	Answers         map[string]any `gorm:"serializer:json"`
	Status          string
	Revision        int
	SubmittedAt     NullTimestamp
	StartedAt       Timestamp
	CreatedBy       string
	Version         int64
	CreatedAt       Timestamp
	UpdatedAt       Timestamp
	// RoundStatus is read with the row (a subquery), never written.
	RoundStatus string `gorm:"->"`
}

func (applicationRow) TableName() string { return "applications" }

func (r applicationRow) application() application.Application {
	a := application.Application{ID: r.ID, RoundID: r.RoundID, OrganisationID: r.OrganisationID, Title: r.Title,
		Summary: r.Summary, RequestedAmount: r.RequestedAmount, Answers: r.Answers, Status: application.Status(r.Status),
		Revision: r.Revision, SubmittedAt: r.SubmittedAt.Ptr(), StartedAt: r.StartedAt.Time(), CreatedBy: r.CreatedBy,
		Version: r.Version, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(), RoundStatus: round.Status(r.RoundStatus)}
	if r.Reference != nil {
		a.Reference = *r.Reference
	}
	if a.Answers == nil {
		a.Answers = map[string]any{}
	}
	return a
}

func applicationRowOf(a application.Application) applicationRow {
	r := applicationRow{ID: a.ID, RoundID: a.RoundID, OrganisationID: a.OrganisationID, Title: a.Title, Summary: a.Summary,
		RequestedAmount: a.RequestedAmount, Answers: a.Answers, Status: string(a.Status), Revision: a.Revision,
		SubmittedAt: NullTS(a.SubmittedAt), StartedAt: TS(a.StartedAt), CreatedBy: a.CreatedBy, Version: a.Version,
		CreatedAt: TS(a.CreatedAt), UpdatedAt: TS(a.UpdatedAt)}
	if a.Reference != "" {
		ref := a.Reference
		r.Reference = &ref
	}
	if r.Answers == nil {
		r.Answers = map[string]any{}
	}
	return r
}

type revisionRow struct {
	ID              string `gorm:"primaryKey"`
	ApplicationID   string
	Number          int
	Title           string
	Summary         string
	RequestedAmount int64
	Answers         map[string]any `gorm:"serializer:json"`
	SubmittedAt     Timestamp
	SubmittedBy     string
}

func (revisionRow) TableName() string { return "application_revisions" }

type historyRow struct {
	ID            string `gorm:"primaryKey"`
	ApplicationID string
	FromStatus    string
	ToStatus      string
	At            Timestamp
	ActorID       string
	ActorRole     string
	Reason        string
}

func (historyRow) TableName() string { return "application_status_history" }

// ApplicationStore implements application.Store and application.Memberships.
type ApplicationStore struct{ db *DB }

// NewApplicationStore returns the applications store on db.
func NewApplicationStore(db *DB) *ApplicationStore { return &ApplicationStore{db: db} }

// withRoundStatus selects an application's columns and its round's status (a correlated
// subquery on the rounds primary key, so a row lock taken with it covers applications only).
const withRoundStatus = "applications.*, (SELECT rounds.status FROM rounds WHERE rounds.id = applications.round_id) AS round_status"

// Create inserts a new application.
func (s *ApplicationStore) Create(ctx context.Context, a application.Application) error {
	row := applicationRowOf(a)
	return Translate(s.db.conn(ctx).Create(&row).Error, "application")
}

// Get reads one application, locking its row when forUpdate.
func (s *ApplicationStore) Get(ctx context.Context, id string, forUpdate bool) (application.Application, error) {
	q := s.db.conn(ctx).Model(&applicationRow{}).Select(withRoundStatus).Where("applications.id = ?", id)
	if forUpdate {
		q = s.db.ForUpdate(q)
	}
	var r applicationRow
	if err := q.Take(&r).Error; err != nil {
		return application.Application{}, Translate(err, "application")
	}
	return r.application(), nil
}

// LockOrganisationRound serialises creations for one organisation in one round: a
// transaction-scoped advisory lock on Postgres; SQLite's IMMEDIATE transactions already
// admit one writer at a time.
func (s *ApplicationStore) LockOrganisationRound(ctx context.Context, roundID, organisationID string) error {
	if s.db.dialect != Postgres {
		return nil
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte("application:" + roundID + ":" + organisationID))
	return Translate(s.db.conn(ctx).Exec("SELECT pg_advisory_xact_lock(?)", int64(h.Sum64())).Error, "application")
}

// LiveID returns the id of the organisation's live application to the round, or "".
func (s *ApplicationStore) LiveID(ctx context.Context, roundID, organisationID string) (string, error) {
	var ids []string
	err := s.db.conn(ctx).Model(&applicationRow{}).
		Where("round_id = ? AND organisation_id = ? AND status <> ?", roundID, organisationID, string(application.StatusWithdrawn)).
		Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return "", Translate(err, "application")
	}
	return ids[0], nil
}

// Update runs the one update path (update.go) on application id.
func (s *ApplicationStore) Update(ctx context.Context, id string, g change.Guard, rule func(*application.Application) error) (application.Application, error) {
	return update(ctx, s.db, versioned[application.Application]{
		load: func(ctx context.Context) (application.Application, error) {
			a, err := s.Get(ctx, id, true)
			if errs.CodeOf(err) == errs.NotFound {
				return a, application.ErrNotFound
			}
			return a, err
		},
		meta:  func(a *application.Application) (*int64, *time.Time) { return &a.Version, &a.UpdatedAt },
		save:  s.save,
		stale: application.ErrStale,
	}, g, rule)
}

// save writes a's mutable fields if the stored version is still prev.
func (s *ApplicationStore) save(ctx context.Context, a application.Application, prev int64) error {
	answers, err := json.Marshal(a.Answers)
	if err != nil {
		return errs.Wrap(err, "encode answers")
	}
	row := applicationRowOf(a)
	res := s.db.conn(ctx).Model(&applicationRow{}).Where("id = ? AND version = ?", a.ID, prev).Updates(map[string]any{
		"reference": row.Reference, "title": a.Title, "summary": a.Summary, "requested_amount": a.RequestedAmount,
		"answers": string(answers), "status": string(a.Status), "revision": a.Revision, "submitted_at": row.SubmittedAt,
		"version": a.Version, "updated_at": row.UpdatedAt,
	})
	if res.Error != nil {
		return Translate(res.Error, "application")
	}
	if res.RowsAffected == 0 {
		return application.ErrStale
	}
	return nil
}

// publishedRoundStatuses are the round states in which applicants see decisions.
func publishedRoundStatuses() []string {
	var out []string
	for _, rs := range round.Statuses {
		if application.DecisionsPublished(rs) {
			out = append(out, string(rs))
		}
	}
	return out
}

// List returns applications in scope matching f, newest first, keyset on id.
func (s *ApplicationStore) List(ctx context.Context, sc application.ListScope, f application.Filter, p page.Params) ([]application.Application, error) {
	q := s.db.conn(ctx).Model(&applicationRow{}).Select(withRoundStatus)
	switch {
	case sc.All:
	case sc.MemberID != "":
		q = q.Where("applications.organisation_id IN (SELECT memberships.organisation_id FROM memberships WHERE memberships.user_id = ?)", sc.MemberID)
	case sc.AssignedTo != "":
		q = q.Where("applications.id IN (SELECT aa.application_id FROM assessment_assignments aa WHERE aa.user_id = ?) "+
			"AND applications.id NOT IN (SELECT c.application_id FROM assessment_conflicts c WHERE c.user_id = ?)", sc.AssignedTo, sc.AssignedTo)
	default:
		return nil, nil
	}
	if f.RoundID != "" {
		q = q.Where("applications.round_id = ?", f.RoundID)
	}
	if f.OrganisationID != "" {
		q = q.Where("applications.organisation_id = ?", f.OrganisationID)
	}
	const roundStatus = "(SELECT rounds.status FROM rounds WHERE rounds.id = applications.round_id)"
	decided := []string{string(application.StatusAwarded), string(application.StatusDeclined)}
	switch {
	case f.Status == "":
	case sc.MaskDecisions && f.Status.Decided():
		q = q.Where("applications.status = ? AND "+roundStatus+" IN ?", string(f.Status), publishedRoundStatuses())
	case sc.MaskDecisions && f.Status == application.StatusUnderAssessment:
		q = q.Where("(applications.status = ? OR (applications.status IN ? AND "+roundStatus+" NOT IN ?))",
			string(f.Status), decided, publishedRoundStatuses())
	default:
		q = q.Where("applications.status = ?", string(f.Status))
	}
	if p.After != "" {
		q = q.Where("applications.id < ?", p.After)
	}
	var rows []applicationRow
	if err := q.Order("applications.id DESC").Limit(p.Fetch()).Find(&rows).Error; err != nil {
		return nil, Translate(err, "applications")
	}
	out := make([]application.Application, len(rows))
	for i, r := range rows {
		out[i] = r.application()
	}
	return out, nil
}

// AssignedTo reports whether the panel member is assigned to the application and has not
// declared a conflict with it.
func (s *ApplicationStore) AssignedTo(ctx context.Context, userID, applicationID string) (bool, error) {
	var n int64
	err := s.db.conn(ctx).Table("assessment_assignments aa").
		Where("aa.user_id = ? AND aa.application_id = ?", userID, applicationID).
		Where("NOT EXISTS (SELECT 1 FROM assessment_conflicts c WHERE c.user_id = aa.user_id AND c.application_id = aa.application_id)").
		Count(&n).Error
	return n > 0, Translate(err, "assignment")
}

// MemberOf reports whether the user belongs to the organisation (owner or member).
func (s *ApplicationStore) MemberOf(ctx context.Context, userID, organisationID string) (bool, error) {
	var member bool
	err := s.db.conn(ctx).Raw("SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = ? AND organisation_id = ?)",
		userID, organisationID).Scan(&member).Error
	return member, Translate(err, "membership")
}

// NextReference bumps and returns the round's reference counter; the upsert holds the
// counter's row lock until the transaction ends, so two submissions never share a number.
func (s *ApplicationStore) NextReference(ctx context.Context, roundID string) (int, error) {
	var n int
	err := s.db.conn(ctx).Raw(`INSERT INTO application_reference_counters (round_id, last) VALUES (?, 1)
		ON CONFLICT (round_id) DO UPDATE SET last = application_reference_counters.last + 1
		RETURNING last`, roundID).Scan(&n).Error
	return n, Translate(err, "reference counter")
}

// AddRevision stores an immutable revision.
func (s *ApplicationStore) AddRevision(ctx context.Context, r application.Revision) error {
	row := revisionRow{ID: r.ID, ApplicationID: r.ApplicationID, Number: r.Number, Title: r.Title, Summary: r.Summary,
		RequestedAmount: r.RequestedAmount, Answers: r.Answers, SubmittedAt: TS(r.SubmittedAt), SubmittedBy: r.SubmittedBy}
	if row.Answers == nil {
		row.Answers = map[string]any{}
	}
	return Translate(s.db.conn(ctx).Create(&row).Error, "revision")
}

// Revisions lists an application's revisions, first first.
func (s *ApplicationStore) Revisions(ctx context.Context, applicationID string, p page.Params) ([]application.Revision, error) {
	q := s.db.conn(ctx).Where("application_id = ?", applicationID)
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []revisionRow
	if err := q.Order("id").Limit(p.Fetch()).Find(&rows).Error; err != nil {
		return nil, Translate(err, "revisions")
	}
	out := make([]application.Revision, len(rows))
	for i, r := range rows {
		out[i] = application.Revision{ID: r.ID, ApplicationID: r.ApplicationID, Number: r.Number, Title: r.Title,
			Summary: r.Summary, RequestedAmount: r.RequestedAmount, Answers: r.Answers, SubmittedAt: r.SubmittedAt.Time(),
			SubmittedBy: r.SubmittedBy}
	}
	return out, nil
}

// AddHistory records a status change.
func (s *ApplicationStore) AddHistory(ctx context.Context, h application.HistoryEntry) error {
	row := historyRow{ID: h.ID, ApplicationID: h.ApplicationID, FromStatus: string(h.From), ToStatus: string(h.To),
		At: TS(h.At), ActorID: h.ActorID, ActorRole: h.ActorRole, Reason: h.Reason}
	return Translate(s.db.conn(ctx).Create(&row).Error, "history")
}

// History lists an application's status changes, oldest first.
func (s *ApplicationStore) History(ctx context.Context, applicationID string, p page.Params) ([]application.HistoryEntry, error) {
	q := s.db.conn(ctx).Where("application_id = ?", applicationID)
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []historyRow
	if err := q.Order("id").Limit(p.Fetch()).Find(&rows).Error; err != nil {
		return nil, Translate(err, "history")
	}
	out := make([]application.HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = application.HistoryEntry{ID: r.ID, ApplicationID: r.ApplicationID, From: application.Status(r.FromStatus),
			To: application.Status(r.ToStatus), At: r.At.Time(), ActorID: r.ActorID, ActorRole: r.ActorRole, Reason: r.Reason}
	}
	return out, nil
}
