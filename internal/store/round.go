package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/page"
	"constellate/internal/round"
)

type programmeRow struct {
	ID          string `gorm:"primaryKey"`
	Name        string
	Description string
	Version     int64
	CreatedAt   Timestamp
	UpdatedAt   Timestamp
}

func (programmeRow) TableName() string { return "programmes" }

func (r programmeRow) programme() round.Programme {
	return round.Programme{ID: r.ID, Name: r.Name, Description: r.Description, Version: r.Version,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
}

func programmeRowOf(p round.Programme) programmeRow {
	return programmeRow{ID: p.ID, Name: p.Name, Description: p.Description, Version: p.Version,
		CreatedAt: TS(p.CreatedAt), UpdatedAt: TS(p.UpdatedAt)}
}

type roundRow struct {
	ID                      string `gorm:"primaryKey"`
	ProgrammeID             string
	Name                    string
	Description             string
	ReferencePrefix         string
	Currency                string
	Budget                  int64
	MinGrant                int64
	MaxGrant                int64
	OpensAt                 Timestamp
	ClosesAt                Timestamp
	GraceMinutes            int
	ReviewersPerApplication int
	BlindAssessment         bool
	Eligibility             round.Eligibility    `gorm:"serializer:json"`
	Form                    round.Form           `gorm:"serializer:json"`
	Criteria                []round.Criterion    `gorm:"serializer:json"`
	ReportSchedule          round.ReportSchedule `gorm:"serializer:json"`
	ReportForm              round.Form           `gorm:"serializer:json"`
	Contact                 round.Contact        `gorm:"serializer:json"`
	Accessibility           round.Accessibility  `gorm:"serializer:json"`
	DecisionExpectedBy      string               // YYYY-MM-DD, "" when not said
	SupportOffer            string
	Status                  string
	Version                 int64
	CreatedAt               Timestamp
	UpdatedAt               Timestamp
}

func (roundRow) TableName() string { return "rounds" }

func (r roundRow) round() round.Round {
	return round.Round{
		ID: r.ID, ProgrammeID: r.ProgrammeID,
		Definition: round.Definition{
			Name: r.Name, Description: r.Description, ReferencePrefix: r.ReferencePrefix, Currency: r.Currency,
			Budget: r.Budget, MinGrant: r.MinGrant, MaxGrant: r.MaxGrant,
			OpensAt: r.OpensAt.Time(), ClosesAt: r.ClosesAt.Time(), GraceMinutes: r.GraceMinutes,
			ReviewersPerApplication: r.ReviewersPerApplication, BlindAssessment: r.BlindAssessment,
			Eligibility: r.Eligibility, Form: r.Form, Criteria: r.Criteria,
			ReportSchedule: r.ReportSchedule, ReportForm: r.ReportForm,
			Contact: r.Contact, Accessibility: r.Accessibility, DecisionExpectedBy: r.DecisionExpectedBy,
			SupportOffer: r.SupportOffer,
		},
		Status: round.Status(r.Status), Version: r.Version, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(),
	}
}

func roundRowOf(r round.Round) roundRow {
	d := r.Definition
	row := roundRow{
		ID: r.ID, ProgrammeID: r.ProgrammeID, Name: d.Name, Description: d.Description,
		ReferencePrefix: d.ReferencePrefix, Currency: d.Currency, Budget: d.Budget, MinGrant: d.MinGrant,
		MaxGrant: d.MaxGrant, OpensAt: TS(d.OpensAt), ClosesAt: TS(d.ClosesAt), GraceMinutes: d.GraceMinutes,
		ReviewersPerApplication: d.ReviewersPerApplication, BlindAssessment: d.BlindAssessment,
		Eligibility: d.Eligibility, Form: d.Form, Criteria: d.Criteria, ReportSchedule: d.ReportSchedule,
		ReportForm: d.ReportForm, Contact: d.Contact, Accessibility: d.Accessibility,
		DecisionExpectedBy: d.DecisionExpectedBy, SupportOffer: d.SupportOffer, Status: string(r.Status), Version: r.Version,
		CreatedAt: TS(r.CreatedAt), UpdatedAt: TS(r.UpdatedAt),
	}
	// Stored JSON is never null, so readers need not special-case it.
	if row.Eligibility.Questions == nil {
		row.Eligibility.Questions = []round.Question{}
	}
	if row.Eligibility.Rules == nil {
		row.Eligibility.Rules = []round.Rule{}
	}
	if row.Form.Questions == nil {
		row.Form.Questions = []round.Question{}
	}
	if row.ReportForm.Questions == nil {
		row.ReportForm.Questions = []round.Question{}
	}
	if row.Criteria == nil {
		row.Criteria = []round.Criterion{}
	}
	if row.ReportSchedule == nil {
		row.ReportSchedule = round.ReportSchedule{}
	}
	if row.Accessibility.AlternativeFormats == nil {
		row.Accessibility.AlternativeFormats = []round.AccessibleFormat{}
	}
	return row
}

// RoundStore implements round.Store.
type RoundStore struct{ db *DB }

// NewRoundStore returns the programmes and rounds store on db.
func NewRoundStore(db *DB) *RoundStore { return &RoundStore{db: db} }

var _ round.Store = (*RoundStore)(nil)

// CreateProgramme inserts a programme.
func (s *RoundStore) CreateProgramme(ctx context.Context, p round.Programme) error {
	row := programmeRowOf(p)
	return Translate(s.db.conn(ctx).Create(&row).Error, "programme")
}

// Programme reads one programme, locking it when forUpdate.
func (s *RoundStore) Programme(ctx context.Context, id string, forUpdate bool) (round.Programme, error) {
	q := s.db.conn(ctx).Where("id = ?", id)
	if forUpdate {
		q = s.db.ForUpdate(q)
	}
	var r programmeRow
	if err := q.Take(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return round.Programme{}, round.ErrProgrammeMissing
		}
		return round.Programme{}, Translate(err, "programme")
	}
	return r.programme(), nil
}

// UpdateProgramme runs the one update path (update.go) on programme id.
func (s *RoundStore) UpdateProgramme(ctx context.Context, id string, g change.Guard, rule func(*round.Programme) error) (round.Programme, error) {
	return update(ctx, s.db, versioned[round.Programme]{
		load: func(ctx context.Context) (round.Programme, error) { return s.Programme(ctx, id, true) },
		meta: func(p *round.Programme) (*int64, *time.Time) { return &p.Version, &p.UpdatedAt },
		save: func(ctx context.Context, p round.Programme, prev int64) error {
			row := programmeRowOf(p)
			return Translate(s.db.saveVersioned(ctx, &row, p.ID, prev, round.ErrStaleProg, "id", "created_at"), "programme")
		},
		stale: round.ErrStaleProg,
	}, g, rule)
}

// Programmes lists programmes newest first.
func (s *RoundStore) Programmes(ctx context.Context, p page.Params) ([]round.Programme, error) {
	q := s.db.conn(ctx).Model(&programmeRow{})
	if p.After != "" {
		q = q.Where("id < ?", p.After)
	}
	rows, err := findAll[programmeRow](q.Order("id DESC").Limit(p.Fetch()))
	if err != nil {
		return nil, Translate(err, "programmes")
	}
	out := make([]round.Programme, len(rows))
	for i, r := range rows {
		out[i] = r.programme()
	}
	return out, nil
}

// ProgrammesIn returns the programmes with these ids that exist.
func (s *RoundStore) ProgrammesIn(ctx context.Context, ids []string) ([]round.Programme, error) {
	rows, err := findAll[programmeRow](s.db.conn(ctx).Where("id IN ?", ids))
	if err != nil {
		return nil, Translate(err, "programmes")
	}
	out := make([]round.Programme, len(rows))
	for i, r := range rows {
		out[i] = r.programme()
	}
	return out, nil
}

// CreateRound inserts a round.
func (s *RoundStore) CreateRound(ctx context.Context, r round.Round) error {
	row := roundRowOf(r)
	return prefixConflict(Translate(s.db.conn(ctx).Create(&row).Error, "round"))
}

// prefixConflict names the one unique constraint a round write can break.
func prefixConflict(err error) error {
	if err != nil && errors.Is(err, gorm.ErrDuplicatedKey) {
		return round.ErrPrefixTaken
	}
	return err
}

// Round reads one round, locking it when forUpdate.
func (s *RoundStore) Round(ctx context.Context, id string, forUpdate bool) (round.Round, error) {
	q := s.db.conn(ctx).Where("id = ?", id)
	if forUpdate {
		q = s.db.ForUpdate(q)
	}
	r, err := takeOne[roundRow](q)
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return round.Round{}, round.ErrNotFound
		}
		return round.Round{}, Translate(err, "round")
	}
	return r.round(), nil
}

// RoundIDByPrefix returns the id of the round using prefix, or "".
func (s *RoundStore) RoundIDByPrefix(ctx context.Context, prefix string) (string, error) {
	var ids []string
	err := s.db.conn(ctx).Model(&roundRow{}).Where("reference_prefix = ?", prefix).Limit(1).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return "", Translate(err, "round")
	}
	return ids[0], nil
}

// UpdateRound runs the one update path (update.go) on round id.
func (s *RoundStore) UpdateRound(ctx context.Context, id string, g change.Guard, rule func(*round.Round) error) (round.Round, error) {
	return update(ctx, s.db, versioned[round.Round]{
		load: func(ctx context.Context) (round.Round, error) { return s.Round(ctx, id, true) },
		meta: func(r *round.Round) (*int64, *time.Time) { return &r.Version, &r.UpdatedAt },
		save: func(ctx context.Context, r round.Round, prev int64) error {
			row := roundRowOf(r)
			return prefixConflict(Translate(s.db.saveVersioned(ctx, &row, r.ID, prev, round.ErrStale, "id", "programme_id", "created_at"), "round"))
		},
		stale: round.ErrStale,
	}, g, rule)
}

// Rounds lists rounds newest first. Statuses are effective at f.Now: an open round whose
// closes_at has passed is listed as closed.
func (s *RoundStore) Rounds(ctx context.Context, f round.Filter, p page.Params) ([]round.Round, error) {
	q := s.db.conn(ctx).Model(&roundRow{})
	if f.ProgrammeID != "" {
		q = q.Where("programme_id = ?", f.ProgrammeID)
	}
	public := []string{string(round.StatusOpen), string(round.StatusClosed)}
	switch {
	case f.PublicOnly && f.PanelMemberID != "":
		q = q.Where("(status IN ? OR (status <> ? AND id IN (SELECT round_id FROM round_panel_members WHERE user_id = ?)))",
			public, string(round.StatusDraft), f.PanelMemberID)
	case f.PublicOnly:
		q = q.Where("status IN ?", public)
	}
	switch f.Status {
	case "":
	case round.StatusOpen:
		q = q.Where("status = ? AND closes_at > ?", string(round.StatusOpen), TS(f.Now))
	case round.StatusClosed:
		q = q.Where("(status = ? OR (status = ? AND closes_at <= ?))", string(round.StatusClosed), string(round.StatusOpen), TS(f.Now))
	default:
		q = q.Where("status = ?", string(f.Status))
	}
	if p.After != "" {
		q = q.Where("id < ?", p.After)
	}
	rows, err := findAll[roundRow](q.Order("id DESC").Limit(p.Fetch()))
	if err != nil {
		return nil, Translate(err, "rounds")
	}
	out := make([]round.Round, len(rows))
	for i, r := range rows {
		out[i] = r.round()
	}
	return out, nil
}

type panelMemberRow struct {
	RoundID string `gorm:"primaryKey"`
	UserID  string `gorm:"primaryKey"`
	AddedAt Timestamp
}

func (panelMemberRow) TableName() string { return "round_panel_members" }

// PanelMembers lists a round's panel with each member's name and email, by user id.
func (s *RoundStore) PanelMembers(ctx context.Context, roundID string) ([]round.PanelMember, error) {
	var rows []struct {
		UserID, Name, Email string
		AddedAt             Timestamp
	}
	err := s.db.conn(ctx).Raw(`SELECT p.user_id, u.name, u.email, p.added_at FROM round_panel_members p
		JOIN users u ON u.id = p.user_id WHERE p.round_id = ? ORDER BY p.user_id`, roundID).Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "panel")
	}
	out := make([]round.PanelMember, len(rows))
	for i, r := range rows {
		out[i] = round.PanelMember{UserID: r.UserID, Name: r.Name, Email: r.Email, AddedAt: r.AddedAt.Time()}
	}
	return out, nil
}

// AddPanelMember puts a user on a round's panel.
func (s *RoundStore) AddPanelMember(ctx context.Context, roundID, userID string, at time.Time) error {
	row := panelMemberRow{RoundID: roundID, UserID: userID, AddedAt: TS(at)}
	return Translate(s.db.conn(ctx).Create(&row).Error, "panel member")
}

// RemovePanelMember takes a user off a round's panel.
func (s *RoundStore) RemovePanelMember(ctx context.Context, roundID, userID string) error {
	return Translate(s.db.conn(ctx).Where("round_id = ? AND user_id = ?", roundID, userID).Delete(&panelMemberRow{}).Error, "panel member")
}

// UserRoles returns the role of each listed user that exists.
func (s *RoundStore) UserRoles(ctx context.Context, userIDs []string) (map[string]auth.Role, error) {
	out := map[string]auth.Role{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct{ ID, Role string }
	if err := s.db.conn(ctx).Raw("SELECT id, role FROM users WHERE id IN ?", userIDs).Scan(&rows).Error; err != nil {
		return nil, Translate(err, "users")
	}
	for _, r := range rows {
		out[r.ID] = auth.Role(r.Role)
	}
	return out, nil
}
