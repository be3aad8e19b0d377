package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"constellate/internal/award"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/page"
)

type decisionRow struct {
	ID            string `gorm:"primaryKey"`
	RoundID       string
	ApplicationID string
	Outcome       string
	Amount        int64
	Conditions    string
	Feedback      string
	AmountReason  string
	DecidedBy     string
	PublishedAt   NullTimestamp
	Version       int64
	CreatedAt     Timestamp
	UpdatedAt     Timestamp
	// Read with lists, never written.
	Reference       *string `gorm:"->"`
	Title           string  `gorm:"->"`
	RequestedAmount int64   `gorm:"->"`
}

func (decisionRow) TableName() string { return "decisions" }

func (r decisionRow) decision() award.Decision {
	d := award.Decision{ID: r.ID, RoundID: r.RoundID, ApplicationID: r.ApplicationID, Outcome: award.Outcome(r.Outcome), Amount: r.Amount,
		Conditions: r.Conditions, Feedback: r.Feedback, AmountReason: r.AmountReason, DecidedBy: r.DecidedBy, PublishedAt: r.PublishedAt.Ptr(),
		Version: r.Version, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(), Title: r.Title, RequestedAmount: r.RequestedAmount}
	if r.Reference != nil {
		d.Reference = *r.Reference
	}
	return d
}

func decisionRowOf(d award.Decision) decisionRow {
	return decisionRow{ID: d.ID, RoundID: d.RoundID, ApplicationID: d.ApplicationID, Outcome: string(d.Outcome), Amount: d.Amount,
		Conditions: d.Conditions, Feedback: d.Feedback, AmountReason: d.AmountReason, DecidedBy: d.DecidedBy, PublishedAt: NullTS(d.PublishedAt),
		Version: d.Version, CreatedAt: TS(d.CreatedAt), UpdatedAt: TS(d.UpdatedAt)}
}

type awardRow struct {
	ID               string `gorm:"primaryKey"`
	RoundID          string
	ApplicationID    string
	OrganisationID   string
	Amount           int64
	Currency         string
	Conditions       string
	Status           string
	OfferedAt        Timestamp
	AcceptedAt       NullTimestamp
	AcceptedBy       *string
	SignedName       string
	AgreementVersion string
	StatusReason     string
	Version          int64
	CreatedAt        Timestamp
	UpdatedAt        Timestamp
	// Read with lists, never written.
	ApplicationReference *string `gorm:"->"`
	OrganisationName     string  `gorm:"->"`
}

func (awardRow) TableName() string { return "awards" }

func (r awardRow) award() award.Award {
	a := award.Award{ID: r.ID, RoundID: r.RoundID, ApplicationID: r.ApplicationID, OrganisationID: r.OrganisationID, Amount: r.Amount,
		Currency: r.Currency, Conditions: r.Conditions, Status: award.Status(r.Status), OfferedAt: r.OfferedAt.Time(),
		AcceptedAt: r.AcceptedAt.Ptr(), SignedName: r.SignedName, AgreementVersion: r.AgreementVersion, StatusReason: r.StatusReason,
		Version: r.Version, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(), OrganisationName: r.OrganisationName}
	if r.AcceptedBy != nil {
		a.AcceptedBy = *r.AcceptedBy
	}
	if r.ApplicationReference != nil {
		a.ApplicationReference = *r.ApplicationReference
	}
	return a
}

func awardRowOf(a award.Award) awardRow {
	r := awardRow{ID: a.ID, RoundID: a.RoundID, ApplicationID: a.ApplicationID, OrganisationID: a.OrganisationID, Amount: a.Amount,
		Currency: a.Currency, Conditions: a.Conditions, Status: string(a.Status), OfferedAt: TS(a.OfferedAt), AcceptedAt: NullTS(a.AcceptedAt),
		SignedName: a.SignedName, AgreementVersion: a.AgreementVersion, StatusReason: a.StatusReason, Version: a.Version,
		CreatedAt: TS(a.CreatedAt), UpdatedAt: TS(a.UpdatedAt)}
	if a.AcceptedBy != "" {
		by := a.AcceptedBy
		r.AcceptedBy = &by
	}
	return r
}

type paymentRow struct {
	ID                 string `gorm:"primaryKey"`
	AwardID            string
	RoundID            string
	OrganisationID     string
	Sequence           int
	Amount             int64
	DueDate            string
	Status             string
	ApprovedAt         NullTimestamp
	ApprovedBy         *string
	BankAccountVersion int64
	PaidOn             string
	Reference          string
	PaidBy             string
	Version            int64
	CreatedAt          Timestamp
	UpdatedAt          Timestamp
	// Read with lists, never written.
	PayeeName            string  `gorm:"->"`
	AccountLast4         *string `gorm:"->"`
	ApplicationReference *string `gorm:"->"`
	Currency             string  `gorm:"->"`
}

func (paymentRow) TableName() string { return "payments" }

func (r paymentRow) payment() award.Payment {
	p := award.Payment{ID: r.ID, AwardID: r.AwardID, RoundID: r.RoundID, OrganisationID: r.OrganisationID, Sequence: r.Sequence, Amount: r.Amount,
		DueDate: r.DueDate, Status: award.PaymentStatus(r.Status), ApprovedAt: r.ApprovedAt.Ptr(), BankAccountVersion: r.BankAccountVersion,
		PaidOn: r.PaidOn, Reference: r.Reference, PaidBy: r.PaidBy, Version: r.Version, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(),
		PayeeName: r.PayeeName, Currency: r.Currency}
	if r.ApprovedBy != nil {
		p.ApprovedBy = *r.ApprovedBy
	}
	if r.AccountLast4 != nil {
		p.AccountLast4 = *r.AccountLast4
	}
	if r.ApplicationReference != nil {
		p.ApplicationReference = *r.ApplicationReference
	}
	return p
}

func paymentRowOf(p award.Payment) paymentRow {
	r := paymentRow{ID: p.ID, AwardID: p.AwardID, RoundID: p.RoundID, OrganisationID: p.OrganisationID, Sequence: p.Sequence, Amount: p.Amount,
		DueDate: p.DueDate, Status: string(p.Status), ApprovedAt: NullTS(p.ApprovedAt), BankAccountVersion: p.BankAccountVersion,
		PaidOn: p.PaidOn, Reference: p.Reference, PaidBy: p.PaidBy, Version: p.Version, CreatedAt: TS(p.CreatedAt), UpdatedAt: TS(p.UpdatedAt)}
	if p.ApprovedBy != "" {
		by := p.ApprovedBy
		r.ApprovedBy = &by
	}
	return r
}

// AwardStore implements award.Store.
type AwardStore struct{ db *DB }

// NewAwardStore returns the awards store on db.
func NewAwardStore(db *DB) *AwardStore { return &AwardStore{db: db} }

var _ award.Store = (*AwardStore)(nil)

const candidateSelect = "applications.id AS application_id, applications.round_id, applications.organisation_id, applications.reference, applications.status, applications.requested_amount"

type candidateRow struct {
	ApplicationID, RoundID, OrganisationID, Status string
	Reference                                      *string
	RequestedAmount                                int64
}

func (r candidateRow) candidate() award.Candidate {
	c := award.Candidate{ApplicationID: r.ApplicationID, RoundID: r.RoundID, OrganisationID: r.OrganisationID, Status: r.Status, RequestedAmount: r.RequestedAmount}
	if r.Reference != nil {
		c.Reference = *r.Reference
	}
	return c
}

// Candidate reads an application.
func (s *AwardStore) Candidate(ctx context.Context, applicationID string) (award.Candidate, error) {
	var r candidateRow
	if err := s.db.conn(ctx).Table("applications").Select(candidateSelect).Where("applications.id = ?", applicationID).Take(&r).Error; err != nil {
		return award.Candidate{}, Translate(err, "application")
	}
	return r.candidate(), nil
}

// UnderAssessment lists the round's applications under assessment, by reference.
func (s *AwardStore) UnderAssessment(ctx context.Context, roundID string) ([]award.Candidate, error) {
	var rows []candidateRow
	err := s.db.conn(ctx).Table("applications").Select(candidateSelect).
		Where("applications.round_id = ? AND applications.status = ?", roundID, "under_assessment").Order("applications.reference").Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "applications")
	}
	out := make([]award.Candidate, len(rows))
	for i, r := range rows {
		out[i] = r.candidate()
	}
	return out, nil
}

// Decision returns the application's decision, if any.
func (s *AwardStore) Decision(ctx context.Context, applicationID string) (award.Decision, bool, error) {
	var rows []decisionRow
	if err := s.db.conn(ctx).Model(&decisionRow{}).Select("decisions.*").Where("application_id = ?", applicationID).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return award.Decision{}, false, Translate(err, "decision")
	}
	return rows[0].decision(), true, nil
}

// CreateDecision inserts a decision.
func (s *AwardStore) CreateDecision(ctx context.Context, d award.Decision) error {
	row := decisionRowOf(d)
	return Translate(s.db.conn(ctx).Omit("Reference", "Title", "RequestedAmount").Create(&row).Error, "decision")
}

// UpdateDecision runs the one update path (update.go) on decision id.
func (s *AwardStore) UpdateDecision(ctx context.Context, id string, g change.Guard, rule func(*award.Decision) error) (award.Decision, error) {
	return update(ctx, s.db, versioned[award.Decision]{
		load: func(ctx context.Context) (award.Decision, error) {
			var r decisionRow
			err := s.db.ForUpdate(s.db.conn(ctx).Model(&decisionRow{}).Select("decisions.*").Where("id = ?", id)).Take(&r).Error
			return r.decision(), Translate(err, "decision")
		},
		meta: func(d *award.Decision) (*int64, *time.Time) { return &d.Version, &d.UpdatedAt },
		save: func(ctx context.Context, d award.Decision, prev int64) error {
			row := decisionRowOf(d)
			return Translate(s.db.saveVersioned(ctx, &row, d.ID, prev, award.ErrStaleDecision, "id", "round_id", "application_id", "created_at",
				"Reference", "Title", "RequestedAmount"), "decision")
		},
		stale: award.ErrStaleDecision,
	}, g, rule)
}

// AwardedTotal sums the round's award decisions, leaving out one application's.
func (s *AwardStore) AwardedTotal(ctx context.Context, roundID, except string) (int64, error) {
	var total int64
	q := s.db.conn(ctx).Model(&decisionRow{}).Select("COALESCE(SUM(amount), 0)").Where("round_id = ? AND outcome = ?", roundID, "award")
	if except != "" {
		q = q.Where("application_id <> ?", except)
	}
	return total, Translate(q.Scan(&total).Error, "decisions")
}

// Decisions lists the round's decisions by id.
func (s *AwardStore) Decisions(ctx context.Context, roundID string, p page.Params) ([]award.Decision, error) {
	q := s.db.conn(ctx).Model(&decisionRow{}).
		Select("decisions.*, applications.reference, applications.title, applications.requested_amount").
		Joins("JOIN applications ON applications.id = decisions.application_id").Where("decisions.round_id = ?", roundID)
	if p.After != "" {
		q = q.Where("decisions.id > ?", p.After)
	}
	var rows []decisionRow
	if err := q.Order("decisions.id").Limit(p.Fetch()).Find(&rows).Error; err != nil {
		return nil, Translate(err, "decisions")
	}
	out := make([]award.Decision, len(rows))
	for i, r := range rows {
		out[i] = r.decision()
	}
	return out, nil
}

// MarkPublished stamps the round's decisions as published.
func (s *AwardStore) MarkPublished(ctx context.Context, roundID string, at time.Time) error {
	return Translate(s.db.conn(ctx).Model(&decisionRow{}).Where("round_id = ? AND published_at IS NULL", roundID).
		Update("published_at", NullTS(&at)).Error, "decisions")
}

// awardSelect reads an award with its application's reference and organisation's name.
func (s *AwardStore) awardSelect(ctx context.Context) *gorm.DB {
	return s.db.conn(ctx).Model(&awardRow{}).
		Select("awards.*, applications.reference AS application_reference, organisations.name AS organisation_name").
		Joins("JOIN applications ON applications.id = awards.application_id").
		Joins("JOIN organisations ON organisations.id = awards.organisation_id")
}

// CreateAward inserts an award.
func (s *AwardStore) CreateAward(ctx context.Context, a award.Award) error {
	row := awardRowOf(a)
	return Translate(s.db.conn(ctx).Omit("ApplicationReference", "OrganisationName").Create(&row).Error, "award")
}

// Award reads one award.
func (s *AwardStore) Award(ctx context.Context, id string) (award.Award, error) {
	var r awardRow
	if err := s.awardSelect(ctx).Where("awards.id = ?", id).Take(&r).Error; err != nil {
		return award.Award{}, Translate(err, "award")
	}
	return r.award(), nil
}

// UpdateAward runs the one update path (update.go) on award id.
func (s *AwardStore) UpdateAward(ctx context.Context, id string, g change.Guard, rule func(*award.Award) error) (award.Award, error) {
	return update(ctx, s.db, versioned[award.Award]{
		load: func(ctx context.Context) (award.Award, error) {
			var r awardRow
			err := s.db.ForUpdate(s.db.conn(ctx).Model(&awardRow{}).Select("awards.*").Where("id = ?", id)).Take(&r).Error
			return r.award(), Translate(err, "award")
		},
		meta: func(a *award.Award) (*int64, *time.Time) { return &a.Version, &a.UpdatedAt },
		save: func(ctx context.Context, a award.Award, prev int64) error {
			row := awardRowOf(a)
			return Translate(s.db.saveVersioned(ctx, &row, a.ID, prev, award.ErrStaleAward, "id", "round_id", "application_id", "organisation_id",
				"created_at", "ApplicationReference", "OrganisationName"), "award")
		},
		stale: award.ErrStaleAward,
	}, g, rule)
}

// syncOrder applies f's scope and the sync order's keyset to an award or payment query on
// table t.
func syncOrder(q *gorm.DB, t string, f award.Filter, p *award.SyncPage) *gorm.DB {
	if f.UpdatedSince != nil {
		q = q.Where(t+".updated_at > ?", TS(*f.UpdatedSince))
	}
	if !f.Until.IsZero() {
		q = q.Where(t+".updated_at <= ?", TS(f.Until))
	}
	if p != nil && p.ID != "" {
		at := TS(p.UpdatedAt)
		q = q.Where("("+t+".updated_at > ? OR ("+t+".updated_at = ? AND "+t+".id > ?))", at, at, p.ID)
	}
	return q.Order(t + ".updated_at").Order(t + ".id")
}

func (s *AwardStore) awardQuery(ctx context.Context, f award.Filter, p *award.SyncPage) *gorm.DB {
	q := s.awardSelect(ctx)
	if f.MemberID != "" {
		q = q.Where("awards.organisation_id IN (SELECT memberships.organisation_id FROM memberships WHERE memberships.user_id = ?)", f.MemberID)
	}
	if f.Status != "" {
		q = q.Where("awards.status = ?", f.Status)
	}
	if f.RoundID != "" {
		q = q.Where("awards.round_id = ?", f.RoundID)
	}
	return syncOrder(q, "awards", f, p)
}

// Awards lists awards in the sync order.
func (s *AwardStore) Awards(ctx context.Context, f award.Filter, p award.SyncPage) ([]award.Award, error) {
	rows, err := findAll[awardRow](s.awardQuery(ctx, f, &p).Limit(p.Fetch()))
	if err != nil {
		return nil, Translate(err, "awards")
	}
	out := make([]award.Award, len(rows))
	for i, r := range rows {
		out[i] = r.award()
	}
	return out, nil
}

// EachAward streams awards to fn as they are read: one row in memory at a time.
func (s *AwardStore) EachAward(ctx context.Context, f award.Filter, fn func(award.Award) error) error {
	return each(s.awardQuery(ctx, f, nil), func(r *awardRow) error { return fn(r.award()) })
}

const paymentSelect = "payments.*, organisations.name AS payee_name, bank_accounts.last4 AS account_last4, " +
	"applications.reference AS application_reference, awards.currency"

func (s *AwardStore) paymentQuery(ctx context.Context, f award.Filter, p *award.SyncPage) *gorm.DB {
	q := s.db.conn(ctx).Model(&paymentRow{}).Select(paymentSelect).
		Joins("JOIN awards ON awards.id = payments.award_id").
		Joins("JOIN applications ON applications.id = awards.application_id").
		Joins("JOIN organisations ON organisations.id = payments.organisation_id").
		Joins("LEFT JOIN bank_accounts ON bank_accounts.organisation_id = payments.organisation_id")
	if f.Status != "" {
		q = q.Where("payments.status = ?", f.Status)
	}
	if f.RoundID != "" {
		q = q.Where("payments.round_id = ?", f.RoundID)
	}
	if f.AwardID != "" {
		q = q.Where("payments.award_id = ?", f.AwardID)
	}
	if f.DueBefore != "" {
		q = q.Where("payments.due_date < ?", f.DueBefore)
	}
	return syncOrder(q, "payments", f, p)
}

// AwardPayments lists an award's instalments by sequence.
func (s *AwardStore) AwardPayments(ctx context.Context, awardID string) ([]award.Payment, error) {
	var rows []paymentRow
	q := s.db.conn(ctx).Model(&paymentRow{}).Select(paymentSelect).
		Joins("JOIN awards ON awards.id = payments.award_id").
		Joins("JOIN applications ON applications.id = awards.application_id").
		Joins("JOIN organisations ON organisations.id = payments.organisation_id").
		Joins("LEFT JOIN bank_accounts ON bank_accounts.organisation_id = payments.organisation_id").
		Where("payments.award_id = ?", awardID).Order("payments.sequence")
	if err := q.Find(&rows).Error; err != nil {
		return nil, Translate(err, "payments")
	}
	out := make([]award.Payment, len(rows))
	for i, r := range rows {
		out[i] = r.payment()
	}
	return out, nil
}

// CreatePayment inserts a payment.
func (s *AwardStore) CreatePayment(ctx context.Context, p award.Payment) error {
	row := paymentRowOf(p)
	return Translate(s.db.conn(ctx).Omit("PayeeName", "AccountLast4", "ApplicationReference", "Currency").Create(&row).Error, "payment")
}

// Payment reads one payment.
func (s *AwardStore) Payment(ctx context.Context, id string) (award.Payment, error) {
	var r paymentRow
	if err := s.paymentQuery(ctx, award.Filter{}, nil).Where("payments.id = ?", id).Take(&r).Error; err != nil {
		return award.Payment{}, Translate(err, "payment")
	}
	return r.payment(), nil
}

// UpdatePayment runs the one update path (update.go) on payment id.
func (s *AwardStore) UpdatePayment(ctx context.Context, id string, g change.Guard, rule func(*award.Payment) error) (award.Payment, error) {
	return update(ctx, s.db, versioned[award.Payment]{
		load: func(ctx context.Context) (award.Payment, error) {
			var r paymentRow
			err := s.db.ForUpdate(s.db.conn(ctx).Model(&paymentRow{}).Select("payments.*").Where("id = ?", id)).Take(&r).Error
			return r.payment(), Translate(err, "payment")
		},
		meta: func(p *award.Payment) (*int64, *time.Time) { return &p.Version, &p.UpdatedAt },
		save: func(ctx context.Context, p award.Payment, prev int64) error {
			row := paymentRowOf(p)
			return Translate(s.db.saveVersioned(ctx, &row, p.ID, prev, award.ErrStalePayment, "id", "award_id", "round_id", "organisation_id",
				"sequence", "created_at", "PayeeName", "AccountLast4", "ApplicationReference", "Currency"), "payment")
		},
		stale: award.ErrStalePayment,
	}, g, rule)
}

// PaymentsList lists payments in the sync order.
func (s *AwardStore) PaymentsList(ctx context.Context, f award.Filter, p award.SyncPage) ([]award.Payment, error) {
	rows, err := findAll[paymentRow](s.paymentQuery(ctx, f, &p).Limit(p.Fetch()))
	if err != nil {
		return nil, Translate(err, "payments")
	}
	out := make([]award.Payment, len(rows))
	for i, r := range rows {
		out[i] = r.payment()
	}
	return out, nil
}

// EachPayment streams payments to fn as they are read.
func (s *AwardStore) EachPayment(ctx context.Context, f award.Filter, fn func(award.Payment) error) error {
	return each(s.paymentQuery(ctx, f, nil), func(r *paymentRow) error { return fn(r.payment()) })
}

// ApprovedPayments lists the organisation's approved payments.
func (s *AwardStore) ApprovedPayments(ctx context.Context, organisationID string) ([]award.Payment, error) {
	var rows []paymentRow
	err := s.db.conn(ctx).Model(&paymentRow{}).Select("payments.*").
		Where("organisation_id = ? AND status = ?", organisationID, string(award.PaymentApproved)).Order("id").Find(&rows).Error
	if err != nil {
		return nil, Translate(err, "payments")
	}
	out := make([]award.Payment, len(rows))
	for i, r := range rows {
		out[i] = r.payment()
	}
	return out, nil
}

// Bank returns the organisation's bank account version and last digits, if it has one.
func (s *AwardStore) Bank(ctx context.Context, organisationID string) (award.Bank, bool, error) {
	var rows []bankAccountRow
	if err := s.db.conn(ctx).Select("version", "last4").Where("organisation_id = ?", organisationID).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return award.Bank{}, false, Translate(err, "bank account")
	}
	return award.Bank{Version: rows[0].Version, Last4: rows[0].Last4}, true, nil
}

// Names returns an application's title and its programme's name.
func (s *AwardStore) Names(ctx context.Context, applicationID, programmeID string) (string, string, error) {
	var title, programme []string
	if err := s.db.conn(ctx).Table("applications").Where("id = ?", applicationID).Pluck("title", &title).Error; err != nil {
		return "", "", Translate(err, "application")
	}
	if err := s.db.conn(ctx).Table("programmes").Where("id = ?", programmeID).Pluck("name", &programme).Error; err != nil {
		return "", "", Translate(err, "programme")
	}
	if len(title) == 0 || len(programme) == 0 {
		return "", "", errs.E(errs.NotFound, "application or programme not found")
	}
	return title[0], programme[0], nil
}

// Relation says whether userID is an owner or a member of the organisation.
func (s *AwardStore) Relation(ctx context.Context, userID, organisationID string) (bool, bool, error) {
	var roles []string
	err := s.db.conn(ctx).Table("memberships").Where("user_id = ? AND organisation_id = ?", userID, organisationID).Pluck("role", &roles).Error
	if err != nil || len(roles) == 0 {
		return false, false, Translate(err, "membership")
	}
	return roles[0] == "owner", true, nil
}
