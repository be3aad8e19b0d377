package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"constellate/internal/errs"
	"constellate/internal/organisation"
	"constellate/internal/page"
)

type orgInvitationRow struct {
	ID             string `gorm:"primaryKey"`
	OrganisationID string
	Email          string
	Role           string
	InvitedBy      string
	CreatedAt      Timestamp
	ExpiresAt      Timestamp
	AcceptedAt     NullTimestamp
	AcceptedBy     *string
	RevokedAt      NullTimestamp
}

func (orgInvitationRow) TableName() string { return "organisation_invitations" }

// orgInvitationView is an invitation with its organisation's and inviter's names.
type orgInvitationView struct {
	ID               string
	OrganisationID   string
	Email            string
	Role             string
	InvitedBy        string
	CreatedAt        Timestamp
	ExpiresAt        Timestamp
	AcceptedAt       NullTimestamp
	AcceptedBy       *string
	RevokedAt        NullTimestamp
	OrganisationName string
	InvitedByName    string
}

func (r orgInvitationView) invitation() organisation.Invitation {
	inv := organisation.Invitation{ID: r.ID, OrganisationID: r.OrganisationID, Email: r.Email, Role: organisation.MembershipRole(r.Role),
		InvitedBy: r.InvitedBy, CreatedAt: r.CreatedAt.Time(), ExpiresAt: r.ExpiresAt.Time(), AcceptedAt: r.AcceptedAt.Ptr(),
		RevokedAt: r.RevokedAt.Ptr(), OrganisationName: r.OrganisationName, InvitedByName: r.InvitedByName}
	if r.AcceptedBy != nil {
		inv.AcceptedBy = *r.AcceptedBy
	}
	return inv
}

const orgInvitationSelect = "i.id, i.organisation_id, i.email, i.role, i.invited_by, i.created_at, i.expires_at, i.accepted_at, " +
	"i.accepted_by, i.revoked_at, o.name AS organisation_name, COALESCE(u.name, '') AS invited_by_name"

func (s *OrganisationStore) invitations(ctx context.Context) *gorm.DB {
	return s.db.conn(ctx).Table("organisation_invitations AS i").Select(orgInvitationSelect).
		Joins("JOIN organisations AS o ON o.id = i.organisation_id").
		Joins("LEFT JOIN users AS u ON u.id = i.invited_by")
}

// CreateInvitation inserts an invitation to join an organisation.
func (s *OrganisationStore) CreateInvitation(ctx context.Context, inv organisation.Invitation) error {
	row := orgInvitationRow{ID: inv.ID, OrganisationID: inv.OrganisationID, Email: inv.Email, Role: string(inv.Role),
		InvitedBy: inv.InvitedBy, CreatedAt: TS(inv.CreatedAt), ExpiresAt: TS(inv.ExpiresAt)}
	return Translate(s.db.conn(ctx).Create(&row).Error, "invitation")
}

// Invitation loads one invitation with its organisation's and inviter's names, locking the
// invitation's row when forUpdate.
func (s *OrganisationStore) Invitation(ctx context.Context, id string, forUpdate bool) (organisation.Invitation, error) {
	if forUpdate {
		// Lock the row by itself (a locking read of a join would lock the joined rows too).
		var r orgInvitationRow
		if err := s.db.ForUpdate(s.db.conn(ctx).Where("id = ?", id)).Take(&r).Error; err != nil {
			return organisation.Invitation{}, Translate(err, "invitation")
		}
	}
	var rows []orgInvitationView
	if err := s.invitations(ctx).Where("i.id = ?", id).Limit(1).Scan(&rows).Error; err != nil {
		return organisation.Invitation{}, Translate(err, "invitation")
	}
	if len(rows) == 0 {
		return organisation.Invitation{}, errs.E(errs.NotFound, "invitation not found")
	}
	return rows[0].invitation(), nil
}

// PendingInvitations lists open invitations of an organisation and/or to an email, in id
// order.
func (s *OrganisationStore) PendingInvitations(ctx context.Context, sc organisation.InvitationScope, now time.Time, p page.Params) ([]organisation.Invitation, error) {
	q := s.invitations(ctx).Where("i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?", TS(now))
	if sc.OrganisationID == "" && sc.Email == "" {
		return nil, errs.E(errs.Internal, "an invitation listing names neither organisation nor email")
	}
	if sc.OrganisationID != "" {
		q = q.Where("i.organisation_id = ?", sc.OrganisationID)
	}
	if sc.Email != "" {
		q = q.Where("i.email = ?", sc.Email)
	}
	if p.After != "" {
		q = q.Where("i.id > ?", p.After)
	}
	var rows []orgInvitationView
	if err := q.Order("i.id").Limit(p.Fetch()).Scan(&rows).Error; err != nil {
		return nil, Translate(err, "invitations")
	}
	out := make([]organisation.Invitation, len(rows))
	for i, r := range rows {
		out[i] = r.invitation()
	}
	return out, nil
}

// CloseInvitation records an invitation's acceptance or revocation, if it is still open.
func (s *OrganisationStore) CloseInvitation(ctx context.Context, inv organisation.Invitation) error {
	set := map[string]any{}
	switch {
	case inv.AcceptedAt != nil:
		set["accepted_at"], set["accepted_by"] = TS(*inv.AcceptedAt), inv.AcceptedBy
	case inv.RevokedAt != nil:
		set["revoked_at"] = TS(*inv.RevokedAt)
	default:
		return errs.E(errs.Internal, "closing an invitation needs accepted_at or revoked_at")
	}
	res := s.db.conn(ctx).Model(&orgInvitationRow{}).Where("id = ? AND accepted_at IS NULL AND revoked_at IS NULL", inv.ID).Updates(set)
	if res.Error != nil {
		return Translate(res.Error, "invitation")
	}
	if res.RowsAffected == 0 {
		return organisation.ErrInvitationClosed
	}
	return nil
}

// IsMemberByEmail reports whether the account with email is a member of orgID: one query,
// whether or not the account exists.
func (s *OrganisationStore) IsMemberByEmail(ctx context.Context, orgID, email string) (bool, error) {
	var n int64
	err := s.db.conn(ctx).Table("memberships AS m").Joins("JOIN users AS u ON u.id = m.user_id").
		Where("m.organisation_id = ? AND u.email = ?", orgID, email).Count(&n).Error
	return n > 0, Translate(err, "membership")
}

// NameInUse reports whether an organisation other than exceptID has the name key.
func (s *OrganisationStore) NameInUse(ctx context.Context, key, exceptID string) (bool, error) {
	var ids []string
	q := s.db.conn(ctx).Model(&organisationRow{}).Where("name_key = ?", key)
	if exceptID != "" {
		q = q.Where("id <> ?", exceptID)
	}
	err := q.Limit(1).Pluck("id", &ids).Error
	return len(ids) > 0, Translate(err, "organisations")
}
