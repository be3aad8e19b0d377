package store

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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
	// The funder's latest request for more information (application.InfoRequest): none
	// while InfoRequestedAt is null.
	InfoRequestMessage  string
	InfoRequestedAt     NullTimestamp
	InfoRequestedByRole string
	InfoAnsweredAt      NullTimestamp
	InfoResponse        string
	// SearchText is application.SearchText(title, reference, organisation's name), kept on
	// every write (and by RefreshSearch on a rename) for the q filter.
	SearchText string
	// Read with the row (joins), never written.
	RoundStatus           string `gorm:"->"`
	RoundName             string `gorm:"->"`
	OrganisationName      string `gorm:"->"`
	OrganisationLegalForm string `gorm:"->"`
	OrganisationUserLed   bool   `gorm:"->"`
}

func (applicationRow) TableName() string { return "applications" }

func (r applicationRow) application() application.Application {
	a := application.Application{ID: r.ID, RoundID: r.RoundID, OrganisationID: r.OrganisationID, Title: r.Title,
		Summary: r.Summary, RequestedAmount: r.RequestedAmount, Answers: r.Answers, Status: application.Status(r.Status),
		Revision: r.Revision, SubmittedAt: r.SubmittedAt.Ptr(), StartedAt: r.StartedAt.Time(), CreatedBy: r.CreatedBy,
		Version: r.Version, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(), RoundStatus: round.Status(r.RoundStatus),
		RoundName: r.RoundName, Organisation: application.OrganisationSummary{ID: r.OrganisationID, Name: r.OrganisationName,
			LegalForm: r.OrganisationLegalForm, UserLed: r.OrganisationUserLed}}
	if r.Reference != nil {
		a.Reference = *r.Reference
	}
	if a.Answers == nil {
		a.Answers = map[string]any{}
	}
	if at := r.InfoRequestedAt.Ptr(); at != nil {
		a.InfoRequest = &application.InfoRequest{Message: r.InfoRequestMessage, RequestedAt: *at, RequestedByRole: r.InfoRequestedByRole,
			AnsweredAt: r.InfoAnsweredAt.Ptr(), Response: r.InfoResponse}
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
	if ir := a.InfoRequest; ir != nil {
		at := ir.RequestedAt
		r.InfoRequestMessage, r.InfoRequestedAt, r.InfoRequestedByRole = ir.Message, NullTS(&at), ir.RequestedByRole
		r.InfoAnsweredAt, r.InfoResponse = NullTS(ir.AnsweredAt), ir.Response
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
	Response        string
	RequestMessage  string
}

func (revisionRow) TableName() string { return "application_revisions" }

func (r revisionRow) revision() application.Revision {
	return application.Revision{ID: r.ID, ApplicationID: r.ApplicationID, Number: r.Number, Title: r.Title,
		Summary: r.Summary, RequestedAmount: r.RequestedAmount, Answers: r.Answers, SubmittedAt: r.SubmittedAt.Time(),
		SubmittedBy: r.SubmittedBy, Response: r.Response, RequestMessage: r.RequestMessage}
}

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

// joined selects applications with what is read with them: the round's status and name and
// the organisation's summary, by joins on the primary keys (one query for a whole list).
func (s *ApplicationStore) joined(ctx context.Context) *gorm.DB {
	return s.db.conn(ctx).Model(&applicationRow{}).Select(joinedColumns).Joins(joinedTables)
}

// applicationByID is joined's statement for one application ($1: its id).
const applicationByID = `SELECT ` + joinedColumns + ` FROM applications ` + joinedTables + ` WHERE applications.id = $1 LIMIT 1`

// joinedColumns and joinedTables are the application with its round's status and name and
// its organisation's summary (joined, and applicationByID).
const (
	joinedColumns = "applications.*, r.status AS round_status, r.name AS round_name, o.name AS organisation_name, " +
		"o.legal_form AS organisation_legal_form, o.user_led AS organisation_user_led"
	joinedTables = "JOIN rounds r ON r.id = applications.round_id JOIN organisations o ON o.id = applications.organisation_id"
)

// searchText is the search text of an application with title and reference of
// organisationID, its name read now (inside the writing transaction, after the row lock, so
// a rename committed meanwhile is seen).
func (s *ApplicationStore) searchText(ctx context.Context, organisationID, title, reference string) (string, error) {
	var names []string
	if err := s.db.conn(ctx).Table("organisations").Where("id = ?", organisationID).Limit(1).Pluck("name", &names).Error; err != nil {
		return "", Translate(err, "organisation")
	}
	name := ""
	if len(names) > 0 {
		name = names[0]
	}
	return application.SearchText(title, reference, name), nil
}

// Create inserts a new application.
func (s *ApplicationStore) Create(ctx context.Context, a application.Application) error {
	row := applicationRowOf(a)
	var err error
	if row.SearchText, err = s.searchText(ctx, a.OrganisationID, a.Title, a.Reference); err != nil {
		return err
	}
	return Translate(s.db.conn(ctx).Create(&row).Error, "application")
}

// Get reads one application, locking its row (its row only, not those joined) when
// forUpdate.
func (s *ApplicationStore) Get(ctx context.Context, id string, forUpdate bool) (application.Application, error) {
	var r applicationRow
	var err error
	if forUpdate && s.db.dialect == Postgres {
		q := s.joined(ctx).Where("applications.id = ?", id).
			Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "applications"}})
		r, err = takeOne[applicationRow](q)
	} else {
		// The read of every GET of an application: a fixed statement, without GORM's builder.
		r, err = queryOne[applicationRow](ctx, s.db, applicationByID, id)
	}
	if err != nil {
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
	search, err := s.searchText(ctx, a.OrganisationID, a.Title, a.Reference)
	if err != nil {
		return err
	}
	res := s.db.conn(ctx).Model(&applicationRow{}).Where("id = ? AND version = ?", a.ID, prev).Updates(map[string]any{
		"reference": row.Reference, "title": a.Title, "summary": a.Summary, "requested_amount": a.RequestedAmount,
		"answers": string(answers), "status": string(a.Status), "revision": a.Revision, "submitted_at": row.SubmittedAt,
		"version": a.Version, "updated_at": row.UpdatedAt,
		"info_request_message": row.InfoRequestMessage, "info_requested_at": row.InfoRequestedAt,
		"info_requested_by_role": row.InfoRequestedByRole, "info_answered_at": row.InfoAnsweredAt, "info_response": row.InfoResponse,
		"search_text": search,
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

// List returns applications in scope matching f, newest first, keyset on id, with what
// is read with them joined (one query).
func (s *ApplicationStore) List(ctx context.Context, sc application.ListScope, f application.Filter, p page.Params) ([]application.Application, error) {
	q := s.joined(ctx)
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
	// Every word of the query, folded as the search text is, appears in it.
	for _, w := range application.SearchWords(f.Query) {
		q = q.Where(`applications.search_text LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(w)+"%")
	}
	if f.SubmittedSince != nil {
		q = q.Where("applications.submitted_at >= ?", TS(*f.SubmittedSince))
	}
	const roundStatus = "r.status"
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
	rows, err := findAll[applicationRow](q.Order("applications.id DESC").Limit(p.Fetch()))
	if err != nil {
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
	err := s.db.queryRow(ctx, "SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND organisation_id = $2)",
		userID, organisationID).Scan(&member)
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
		RequestedAmount: r.RequestedAmount, Answers: r.Answers, SubmittedAt: TS(r.SubmittedAt), SubmittedBy: r.SubmittedBy,
		Response: r.Response, RequestMessage: r.RequestMessage}
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
		out[i] = r.revision()
	}
	return out, nil
}

// Revision reads revision number n of an application.
func (s *ApplicationStore) Revision(ctx context.Context, applicationID string, n int) (application.Revision, error) {
	var r revisionRow
	if err := s.db.conn(ctx).Where("application_id = ? AND number = ?", applicationID, n).Take(&r).Error; err != nil {
		return application.Revision{}, Translate(err, "revision")
	}
	return r.revision(), nil
}

// RefreshSearch recomputes the search text of an organisation's applications from its
// name as it is now in the transaction. The rows are locked first, so an autosave racing
// with the rename either finishes before (and is refreshed here) or reads the new name.
func (s *ApplicationStore) RefreshSearch(ctx context.Context, organisationID string) error {
	var rows []struct {
		ID        string
		Title     string
		Reference *string
	}
	q := s.db.conn(ctx).Model(&applicationRow{}).Select("id, title, reference").Where("organisation_id = ?", organisationID).Order("id")
	if err := s.db.ForUpdate(q).Scan(&rows).Error; err != nil {
		return Translate(err, "applications")
	}
	for _, r := range rows {
		ref := ""
		if r.Reference != nil {
			ref = *r.Reference
		}
		search, err := s.searchText(ctx, organisationID, r.Title, ref)
		if err != nil {
			return err
		}
		if err := s.db.conn(ctx).Model(&applicationRow{}).Where("id = ?", r.ID).Update("search_text", search).Error; err != nil {
			return Translate(err, "applications")
		}
	}
	return nil
}

// likeEscaper escapes LIKE's wildcards (with ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)

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
