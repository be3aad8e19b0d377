package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"constellate/internal/auth"
	"constellate/internal/identity"
)

type userRow struct {
	ID           string `gorm:"primaryKey"`
	Email        string
	Name         string
	Role         string
	PasswordHash string
	TokenVersion int
	CreatedAt    Timestamp
	UpdatedAt    Timestamp
}

func (userRow) TableName() string { return "users" }

func (r userRow) user() identity.User {
	return identity.User{ID: r.ID, Email: r.Email, Name: r.Name, Role: auth.Role(r.Role), PasswordHash: r.PasswordHash,
		TokenVersion: r.TokenVersion, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
}

func userRowOf(u identity.User) userRow {
	return userRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash,
		TokenVersion: u.TokenVersion, CreatedAt: TS(u.CreatedAt), UpdatedAt: TS(u.UpdatedAt)}
}

// IdentityStore implements identity.Store.
type IdentityStore struct{ db *DB }

// NewIdentityStore returns the identity store on db.
func NewIdentityStore(db *DB) *IdentityStore { return &IdentityStore{db: db} }

// CreateUser inserts a user; a taken email is a conflict.
func (s *IdentityStore) CreateUser(ctx context.Context, u identity.User) error {
	row := userRowOf(u)
	return Translate(s.db.conn(ctx).Create(&row).Error, "user")
}

// UserByEmail finds a user by (lower-cased) email.
func (s *IdentityStore) UserByEmail(ctx context.Context, email string) (identity.User, error) {
	var r userRow
	if err := s.db.conn(ctx).Where("email = ?", email).Take(&r).Error; err != nil {
		return identity.User{}, Translate(err, "user")
	}
	return r.user(), nil
}

// UserByID finds a user.
func (s *IdentityStore) UserByID(ctx context.Context, id string) (identity.User, error) {
	var r userRow
	if err := s.db.conn(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return identity.User{}, Translate(err, "user")
	}
	return r.user(), nil
}

// SetPasswordHash replaces a user's password hash.
func (s *IdentityStore) SetPasswordHash(ctx context.Context, id, hash string, now time.Time) error {
	return Translate(s.db.conn(ctx).Model(&userRow{}).Where("id = ?", id).
		Updates(map[string]any{"password_hash": hash, "updated_at": TS(now)}).Error, "user")
}

// LockUser reads a user for update (Postgres row lock; SQLite's IMMEDIATE transaction
// already holds the write lock).
func (s *IdentityStore) LockUser(ctx context.Context, id string) (identity.User, error) {
	var r userRow
	if err := s.db.ForUpdate(s.db.conn(ctx)).Where("id = ?", id).Take(&r).Error; err != nil {
		return identity.User{}, Translate(err, "user")
	}
	return r.user(), nil
}

// SetRole changes a user's role.
func (s *IdentityStore) SetRole(ctx context.Context, id string, role auth.Role, now time.Time) error {
	return Translate(s.db.conn(ctx).Model(&userRow{}).Where("id = ?", id).
		Updates(map[string]any{"role": string(role), "updated_at": TS(now)}).Error, "user")
}

// BumpTokenVersion increments a user's token_version.
func (s *IdentityStore) BumpTokenVersion(ctx context.Context, id string, now time.Time) error {
	return Translate(s.db.conn(ctx).Model(&userRow{}).Where("id = ?", id).
		Updates(map[string]any{"token_version": gorm.Expr("token_version + 1"), "updated_at": TS(now)}).Error, "user")
}
