package store

import (
	"context"
	"time"

	"constellate/internal/errs"
	"constellate/internal/identity"
	"constellate/internal/page"
)

type clientRow struct {
	ID         string `gorm:"primaryKey"`
	Name       string
	ClientID   string
	SecretHash string
	CreatedBy  string
	CreatedAt  Timestamp
	RevokedAt  NullTimestamp
}

func (clientRow) TableName() string { return "clients" }

func (r clientRow) client() identity.Client {
	return identity.Client{ID: r.ID, Name: r.Name, ClientID: r.ClientID, SecretHash: r.SecretHash, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.Time(), RevokedAt: r.RevokedAt.Ptr()}
}

// CreateClient inserts a machine client.
func (s *IdentityStore) CreateClient(ctx context.Context, c identity.Client) error {
	row := clientRow{ID: c.ID, Name: c.Name, ClientID: c.ClientID, SecretHash: c.SecretHash, CreatedBy: c.CreatedBy,
		CreatedAt: TS(c.CreatedAt), RevokedAt: NullTS(c.RevokedAt)}
	return Translate(s.db.conn(ctx).Create(&row).Error, "client")
}

// ClientByClientID finds a client by its public client_id (revoked ones too).
func (s *IdentityStore) ClientByClientID(ctx context.Context, clientID string) (identity.Client, error) {
	var r clientRow
	if err := s.db.conn(ctx).Where("client_id = ?", clientID).Take(&r).Error; err != nil {
		return identity.Client{}, Translate(err, "client")
	}
	return r.client(), nil
}

// ClientByID finds a client by id (revoked ones too).
func (s *IdentityStore) ClientByID(ctx context.Context, id string) (identity.Client, error) {
	var r clientRow
	if err := s.db.conn(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return identity.Client{}, Translate(err, "client")
	}
	return r.client(), nil
}

// ListClients lists active clients by id.
func (s *IdentityStore) ListClients(ctx context.Context, p page.Params) ([]identity.Client, error) {
	q := s.db.conn(ctx).Where("revoked_at IS NULL")
	if p.After != "" {
		q = q.Where("id > ?", p.After)
	}
	var rows []clientRow
	if err := q.Order("id").Limit(p.Fetch()).Find(&rows).Error; err != nil {
		return nil, Translate(err, "clients")
	}
	out := make([]identity.Client, len(rows))
	for i, r := range rows {
		out[i] = r.client()
	}
	return out, nil
}

// RevokeClient marks an active client revoked.
func (s *IdentityStore) RevokeClient(ctx context.Context, id string, now time.Time) error {
	res := s.db.conn(ctx).Model(&clientRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", TS(now))
	if res.Error != nil {
		return Translate(res.Error, "client")
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "client not found")
	}
	return nil
}
