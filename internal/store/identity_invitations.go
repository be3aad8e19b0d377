package store

import (
	"context"
	"time"

	"constellate/internal/auth"
	"constellate/internal/identity"
)

type invitationRow struct {
	ID         string `gorm:"primaryKey"`
	Email      string
	Role       string
	TokenHash  string
	InvitedBy  string
	CreatedAt  Timestamp
	ExpiresAt  Timestamp
	AcceptedAt NullTimestamp
	UserID     *string
}

func (invitationRow) TableName() string { return "invitations" }

// CreateInvitation inserts an invitation.
func (s *IdentityStore) CreateInvitation(ctx context.Context, inv identity.Invitation) error {
	row := invitationRow{ID: inv.ID, Email: inv.Email, Role: string(inv.Role), TokenHash: inv.Hash, InvitedBy: inv.InvitedBy,
		CreatedAt: TS(inv.CreatedAt), ExpiresAt: TS(inv.ExpiresAt), AcceptedAt: NullTS(inv.AcceptedAt)}
	return Translate(s.db.conn(ctx).Create(&row).Error, "invitation")
}

// InvitationByHash reads an invitation by its token's hash, locked for update.
func (s *IdentityStore) InvitationByHash(ctx context.Context, hash string) (identity.Invitation, error) {
	var r invitationRow
	if err := s.db.ForUpdate(s.db.conn(ctx)).Where("token_hash = ?", hash).Take(&r).Error; err != nil {
		return identity.Invitation{}, Translate(err, "invitation")
	}
	inv := identity.Invitation{ID: r.ID, Email: r.Email, Role: auth.Role(r.Role), Hash: r.TokenHash, InvitedBy: r.InvitedBy,
		CreatedAt: r.CreatedAt.Time(), ExpiresAt: r.ExpiresAt.Time(), AcceptedAt: r.AcceptedAt.Ptr()}
	if r.UserID != nil {
		inv.UserID = *r.UserID
	}
	return inv, nil
}

// AcceptInvitation marks an invitation used by the account it created.
func (s *IdentityStore) AcceptInvitation(ctx context.Context, id, userID string, now time.Time) error {
	res := s.db.conn(ctx).Model(&invitationRow{}).Where("id = ? AND accepted_at IS NULL", id).
		Updates(map[string]any{"accepted_at": TS(now), "user_id": userID})
	if res.Error != nil {
		return Translate(res.Error, "invitation")
	}
	if res.RowsAffected == 0 {
		return identity.ErrInvitationUsed
	}
	return nil
}
