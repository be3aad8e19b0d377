package store

import (
	"context"
	"time"

	"constellate/internal/identity"
)

type refreshFamilyRow struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	CreatedAt Timestamp
	ExpiresAt Timestamp
	RevokedAt NullTimestamp
}

func (refreshFamilyRow) TableName() string { return "refresh_families" }

func (r refreshFamilyRow) family() identity.RefreshFamily {
	return identity.RefreshFamily{ID: r.ID, UserID: r.UserID, CreatedAt: r.CreatedAt.Time(), ExpiresAt: r.ExpiresAt.Time(), RevokedAt: r.RevokedAt.Ptr()}
}

type refreshTokenRow struct {
	ID        string `gorm:"primaryKey"`
	FamilyID  string
	TokenHash string
	CreatedAt Timestamp
	ExpiresAt Timestamp
	UsedAt    NullTimestamp
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

func (r refreshTokenRow) token() identity.RefreshToken {
	return identity.RefreshToken{ID: r.ID, FamilyID: r.FamilyID, Hash: r.TokenHash, CreatedAt: r.CreatedAt.Time(), ExpiresAt: r.ExpiresAt.Time(), UsedAt: r.UsedAt.Ptr()}
}

// CreateRefreshFamily starts a session.
func (s *IdentityStore) CreateRefreshFamily(ctx context.Context, f identity.RefreshFamily) error {
	row := refreshFamilyRow{ID: f.ID, UserID: f.UserID, CreatedAt: TS(f.CreatedAt), ExpiresAt: TS(f.ExpiresAt), RevokedAt: NullTS(f.RevokedAt)}
	return Translate(s.db.conn(ctx).Create(&row).Error, "session")
}

// CreateRefreshToken adds a token (its hash) to a family.
func (s *IdentityStore) CreateRefreshToken(ctx context.Context, t identity.RefreshToken) error {
	row := refreshTokenRow{ID: t.ID, FamilyID: t.FamilyID, TokenHash: t.Hash, CreatedAt: TS(t.CreatedAt), ExpiresAt: TS(t.ExpiresAt), UsedAt: NullTS(t.UsedAt)}
	return Translate(s.db.conn(ctx).Create(&row).Error, "refresh token")
}

// RefreshTokenByHash reads a token and its family, both locked for update, so concurrent
// refreshes of one token are serialised and only the first rotates it.
func (s *IdentityStore) RefreshTokenByHash(ctx context.Context, hash string) (identity.RefreshToken, identity.RefreshFamily, error) {
	var t refreshTokenRow
	if err := s.db.ForUpdate(s.db.conn(ctx)).Where("token_hash = ?", hash).Take(&t).Error; err != nil {
		return identity.RefreshToken{}, identity.RefreshFamily{}, Translate(err, "refresh token")
	}
	var f refreshFamilyRow
	if err := s.db.ForUpdate(s.db.conn(ctx)).Where("id = ?", t.FamilyID).Take(&f).Error; err != nil {
		return identity.RefreshToken{}, identity.RefreshFamily{}, Translate(err, "session")
	}
	return t.token(), f.family(), nil
}

// UseRefreshToken marks a token spent.
func (s *IdentityStore) UseRefreshToken(ctx context.Context, id string, now time.Time) error {
	return Translate(s.db.conn(ctx).Model(&refreshTokenRow{}).Where("id = ? AND used_at IS NULL", id).
		Update("used_at", TS(now)).Error, "refresh token")
}

// RevokeRefreshFamily ends a session.
func (s *IdentityStore) RevokeRefreshFamily(ctx context.Context, id string, now time.Time) error {
	return Translate(s.db.conn(ctx).Model(&refreshFamilyRow{}).Where("id = ? AND revoked_at IS NULL", id).
		Update("revoked_at", TS(now)).Error, "session")
}

// RevokeUserRefreshFamilies ends every session of a user.
func (s *IdentityStore) RevokeUserRefreshFamilies(ctx context.Context, userID string, now time.Time) error {
	return Translate(s.db.conn(ctx).Model(&refreshFamilyRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", TS(now)).Error, "session")
}
