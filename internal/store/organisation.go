package store

import (
	"context"
	"time"

	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/organisation"
	"constellate/internal/page"
)

type organisationRow struct {
	ID                 string `gorm:"primaryKey"`
	Name               string
	NameKey            string // organisation.NameKey(Name): the duplicate-name warning's key
	LegalForm          string
	CharityNumber      string
	CompanyNumber      string
	UserLed            bool
	UserLedDescription string
	LedBy              []string `gorm:"serializer:json"`
	PublishLedBy       bool
	AnnualIncome       *int64
	Postcode           string
	Region             string
	Website            string
	ContactEmail       string
	Version            int64
	CreatedAt          Timestamp
	UpdatedAt          Timestamp
}

func (organisationRow) TableName() string { return "organisations" }

func (r organisationRow) organisation() organisation.Organisation {
	led := make([]organisation.LedBy, len(r.LedBy))
	for i, l := range r.LedBy {
		led[i] = organisation.LedBy(l)
	}
	return organisation.Organisation{ID: r.ID, Details: organisation.Details{
		Name: r.Name, LegalForm: organisation.LegalForm(r.LegalForm), CharityNumber: r.CharityNumber,
		CompanyNumber: r.CompanyNumber, UserLed: r.UserLed, UserLedDescription: r.UserLedDescription, LedBy: led,
		PublishLedBy: r.PublishLedBy, AnnualIncome: r.AnnualIncome, Postcode: r.Postcode, Region: organisation.Region(r.Region),
		Website: r.Website, ContactEmail: r.ContactEmail,
	}, Version: r.Version, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
}

func organisationRowOf(o organisation.Organisation) organisationRow {
	led := make([]string, len(o.LedBy))
	for i, l := range o.LedBy {
		led[i] = string(l)
	}
	return organisationRow{ID: o.ID, Name: o.Name, NameKey: organisation.NameKey(o.Name), LegalForm: string(o.LegalForm), CharityNumber: o.CharityNumber,
		CompanyNumber: o.CompanyNumber, UserLed: o.UserLed, UserLedDescription: o.UserLedDescription, LedBy: led,
		PublishLedBy: o.PublishLedBy, AnnualIncome: o.AnnualIncome, Postcode: o.Postcode, Region: string(o.Region),
		Website: o.Website, ContactEmail: o.ContactEmail, Version: o.Version, CreatedAt: TS(o.CreatedAt), UpdatedAt: TS(o.UpdatedAt)}
}

type membershipRow struct {
	ID             string `gorm:"primaryKey"`
	OrganisationID string
	UserID         string
	Role           string
	CreatedAt      Timestamp
	UpdatedAt      Timestamp
}

func (membershipRow) TableName() string { return "memberships" }

func (r membershipRow) membership() organisation.Membership {
	return organisation.Membership{ID: r.ID, OrganisationID: r.OrganisationID, UserID: r.UserID,
		Role: organisation.MembershipRole(r.Role), CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
}

type bankAccountRow struct {
	ID              string `gorm:"primaryKey"`
	OrganisationID  string
	KeyID           string
	Sealed          []byte
	Last4           string `gorm:"column:last4"`
	ChangedAt       Timestamp
	CoolingOffUntil NullTimestamp
	Version         int64
	CreatedAt       Timestamp
	UpdatedAt       Timestamp
}

func (bankAccountRow) TableName() string { return "bank_accounts" }

func (r bankAccountRow) account() organisation.SealedBankAccount {
	return organisation.SealedBankAccount{ID: r.ID, OrganisationID: r.OrganisationID, KeyID: r.KeyID, Sealed: r.Sealed,
		Last4: r.Last4, ChangedAt: r.ChangedAt.Time(), CoolingOffUntil: r.CoolingOffUntil.Ptr(), Version: r.Version,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
}

func bankAccountRowOf(a organisation.SealedBankAccount) bankAccountRow {
	return bankAccountRow{ID: a.ID, OrganisationID: a.OrganisationID, KeyID: a.KeyID, Sealed: a.Sealed, Last4: a.Last4,
		ChangedAt: TS(a.ChangedAt), CoolingOffUntil: NullTS(a.CoolingOffUntil), Version: a.Version,
		CreatedAt: TS(a.CreatedAt), UpdatedAt: TS(a.UpdatedAt)}
}

// OrganisationStore implements organisation.Store.
type OrganisationStore struct{ db *DB }

// NewOrganisationStore returns the organisation store on db.
func NewOrganisationStore(db *DB) *OrganisationStore { return &OrganisationStore{db: db} }

var _ organisation.Store = (*OrganisationStore)(nil)

// CreateOrganisation inserts an organisation.
func (s *OrganisationStore) CreateOrganisation(ctx context.Context, o organisation.Organisation) error {
	row := organisationRowOf(o)
	return Translate(s.db.conn(ctx).Create(&row).Error, "organisation")
}

// Organisation loads one organisation, locking its row when forUpdate.
func (s *OrganisationStore) Organisation(ctx context.Context, id string, forUpdate bool) (organisation.Organisation, error) {
	q := s.db.conn(ctx).Where("id = ?", id)
	if forUpdate {
		q = s.db.ForUpdate(q)
	}
	var r organisationRow
	if err := q.Take(&r).Error; err != nil {
		return organisation.Organisation{}, Translate(err, "organisation")
	}
	return r.organisation(), nil
}

// UpdateOrganisation runs the one update path (update.go) on organisation id.
func (s *OrganisationStore) UpdateOrganisation(ctx context.Context, id string, g change.Guard, rule func(*organisation.Organisation) error) (organisation.Organisation, error) {
	return update(ctx, s.db, versioned[organisation.Organisation]{
		load: func(ctx context.Context) (organisation.Organisation, error) {
			o, err := s.Organisation(ctx, id, true)
			if errs.CodeOf(err) == errs.NotFound {
				return o, organisation.ErrNotFound
			}
			return o, err
		},
		meta: func(o *organisation.Organisation) (*int64, *time.Time) { return &o.Version, &o.UpdatedAt },
		save: func(ctx context.Context, o organisation.Organisation, prev int64) error {
			row := organisationRowOf(o)
			return Translate(s.db.saveVersioned(ctx, &row, o.ID, prev, organisation.ErrStale, "id", "created_at"), "organisation")
		},
		stale: organisation.ErrStale,
	}, g, rule)
}

// ListOrganisations returns organisations in id order after p.After, scoped.
func (s *OrganisationStore) ListOrganisations(ctx context.Context, sc organisation.ListScope, p page.Params) ([]organisation.Organisation, error) {
	q := s.db.conn(ctx).Model(&organisationRow{})
	if !sc.All {
		q = q.Where("id IN (SELECT organisation_id FROM memberships WHERE user_id = ?)", sc.MemberID)
	}
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []organisationRow
	if err := q.Order("id").Limit(p.Fetch()).Find(&rows).Error; err != nil {
		return nil, Translate(err, "organisations")
	}
	out := make([]organisation.Organisation, len(rows))
	for i, r := range rows {
		out[i] = r.organisation()
	}
	return out, nil
}

// AddMembership inserts a membership; an existing one for the pair is a conflict.
func (s *OrganisationStore) AddMembership(ctx context.Context, m organisation.Membership) error {
	row := membershipRow{ID: m.ID, OrganisationID: m.OrganisationID, UserID: m.UserID, Role: string(m.Role),
		CreatedAt: TS(m.CreatedAt), UpdatedAt: TS(m.UpdatedAt)}
	return Translate(s.db.conn(ctx).Create(&row).Error, "membership")
}

// Membership finds userID's membership of orgID.
func (s *OrganisationStore) Membership(ctx context.Context, orgID, userID string) (organisation.Membership, error) {
	var r membershipRow
	if err := s.db.conn(ctx).Where("organisation_id = ? AND user_id = ?", orgID, userID).Take(&r).Error; err != nil {
		return organisation.Membership{}, Translate(err, "membership")
	}
	return r.membership(), nil
}

type memberRow struct {
	ID             string
	OrganisationID string
	UserID         string
	Role           string
	CreatedAt      Timestamp
	UpdatedAt      Timestamp
	Name           string
	Email          string
}

// Members returns an organisation's members with their names and emails, in id order.
func (s *OrganisationStore) Members(ctx context.Context, orgID string, p page.Params) ([]organisation.Member, error) {
	q := s.db.conn(ctx).Table("memberships AS m").
		Select("m.id, m.organisation_id, m.user_id, m.role, m.created_at, m.updated_at, u.name, u.email").
		Joins("JOIN users AS u ON u.id = m.user_id").
		Where("m.organisation_id = ?", orgID)
	if p.After != "" {
		q = q.Where("m.id > ?", p.After)
	}
	var rows []memberRow
	if err := q.Order("m.id").Limit(p.Fetch()).Scan(&rows).Error; err != nil {
		return nil, Translate(err, "members")
	}
	out := make([]organisation.Member, len(rows))
	for i, r := range rows {
		m := membershipRow{ID: r.ID, OrganisationID: r.OrganisationID, UserID: r.UserID, Role: r.Role, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		out[i] = organisation.Member{Membership: m.membership(), Name: r.Name, Email: r.Email}
	}
	return out, nil
}

// RemoveMembership deletes userID's membership of orgID.
func (s *OrganisationStore) RemoveMembership(ctx context.Context, orgID, userID string) error {
	res := s.db.conn(ctx).Where("organisation_id = ? AND user_id = ?", orgID, userID).Delete(&membershipRow{})
	if res.Error != nil {
		return Translate(res.Error, "membership")
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "membership not found")
	}
	return nil
}

// OwnerIDs lists the user ids of an organisation's owners.
func (s *OrganisationStore) OwnerIDs(ctx context.Context, orgID string) ([]string, error) {
	var ids []string
	err := s.db.conn(ctx).Model(&membershipRow{}).Where("organisation_id = ? AND role = ?", orgID, string(organisation.RoleOwner)).
		Order("id").Pluck("user_id", &ids).Error
	if ids == nil {
		ids = []string{}
	}
	return ids, Translate(err, "owners")
}

// UserOrganisations lists the organisations userID belongs to, oldest membership first.
func (s *OrganisationStore) UserOrganisations(ctx context.Context, userID string) ([]organisation.UserOrganisation, error) {
	var rows []struct {
		ID   string
		Name string
		Role string
	}
	err := s.db.conn(ctx).Table("memberships AS m").Select("o.id, o.name, m.role").
		Joins("JOIN organisations AS o ON o.id = m.organisation_id").
		Where("m.user_id = ?", userID).Order("m.id").Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "memberships")
	}
	out := make([]organisation.UserOrganisation, len(rows))
	for i, r := range rows {
		out[i] = organisation.UserOrganisation{ID: r.ID, Name: r.Name, Role: organisation.MembershipRole(r.Role)}
	}
	return out, nil
}

// FindUser finds an account by email or by id.
func (s *OrganisationStore) FindUser(ctx context.Context, email, id string) (organisation.UserRef, error) {
	q := s.db.conn(ctx)
	if id != "" {
		q = q.Where("id = ?", id)
	} else {
		q = q.Where("email = ?", email)
	}
	var r userRow
	if err := q.Take(&r).Error; err != nil {
		return organisation.UserRef{}, Translate(err, "user")
	}
	return organisation.UserRef{ID: r.ID, Name: r.Name, Email: r.Email, Role: r.Role}, nil
}

// BankAccount loads an organisation's sealed bank account, locking it when forUpdate.
func (s *OrganisationStore) BankAccount(ctx context.Context, orgID string, forUpdate bool) (organisation.SealedBankAccount, error) {
	q := s.db.conn(ctx).Where("organisation_id = ?", orgID)
	if forUpdate {
		q = s.db.ForUpdate(q)
	}
	var r bankAccountRow
	if err := q.Take(&r).Error; err != nil {
		return organisation.SealedBankAccount{}, Translate(err, "bank account")
	}
	return r.account(), nil
}

// CreateBankAccount inserts an organisation's first bank account.
func (s *OrganisationStore) CreateBankAccount(ctx context.Context, a organisation.SealedBankAccount) error {
	row := bankAccountRowOf(a)
	return Translate(s.db.conn(ctx).Create(&row).Error, "bank account")
}

// UpdateBankAccount runs the one update path (update.go) on the bank account of
// organisation orgID.
func (s *OrganisationStore) UpdateBankAccount(ctx context.Context, orgID string, g change.Guard, rule func(*organisation.SealedBankAccount) error) (organisation.SealedBankAccount, error) {
	return update(ctx, s.db, versioned[organisation.SealedBankAccount]{
		load: func(ctx context.Context) (organisation.SealedBankAccount, error) {
			return s.BankAccount(ctx, orgID, true)
		},
		meta: func(a *organisation.SealedBankAccount) (*int64, *time.Time) { return &a.Version, &a.UpdatedAt },
		save: func(ctx context.Context, a organisation.SealedBankAccount, prev int64) error {
			row := bankAccountRowOf(a)
			return Translate(s.db.saveVersioned(ctx, &row, a.ID, prev, organisation.ErrStale, "id", "organisation_id", "created_at"), "bank account")
		},
		stale: organisation.ErrStale,
	}, g, rule)
}
