package store

import (
	"context"
	"errors"
	"hash/fnv"
	"time"

	"gorm.io/gorm"

	"constellate/internal/idempotency"
)

type idempotencyRow struct {
	Scope       string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	Fingerprint string
	StatusCode  int
	ContentType string
	Location    string
	ETag        string `gorm:"column:etag"`
	Body        []byte
	CreatedAt   Timestamp
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// IdempotencyStore implements idempotency.Store.
type IdempotencyStore struct{ db *DB }

// NewIdempotencyStore returns the store on db.
func NewIdempotencyStore(db *DB) *IdempotencyStore { return &IdempotencyStore{db: db} }

// TryLock takes a transaction-scoped advisory lock on Postgres. On SQLite the IMMEDIATE
// transaction already serialises writers, so the lock is always ours.
func (s *IdempotencyStore) TryLock(ctx context.Context, scope, key string) (bool, error) {
	if s.db.dialect != Postgres {
		return true, nil
	}
	h := fnv.New64a()
	h.Write([]byte(scope + "\x00" + key))
	var ok bool
	err := s.db.conn(ctx).Raw("SELECT pg_try_advisory_xact_lock(?)", int64(h.Sum64())).Scan(&ok).Error
	return ok, Translate(err, "idempotency key")
}

// Get returns the record or nil.
func (s *IdempotencyStore) Get(ctx context.Context, scope, key string) (*idempotency.Record, error) {
	var r idempotencyRow
	err := s.db.conn(ctx).Where("scope = ? AND key = ?", scope, key).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, Translate(err, "idempotency key")
	}
	return &idempotency.Record{Scope: r.Scope, Key: r.Key, Fingerprint: r.Fingerprint, CreatedAt: r.CreatedAt.Time(),
		Response: idempotency.Response{Status: r.StatusCode, ContentType: r.ContentType, Location: r.Location, ETag: r.ETag, Body: r.Body}}, nil
}

// Delete removes a record.
func (s *IdempotencyStore) Delete(ctx context.Context, scope, key string) error {
	return Translate(s.db.conn(ctx).Where("scope = ? AND key = ?", scope, key).Delete(&idempotencyRow{}).Error, "idempotency key")
}

// Put stores a record.
func (s *IdempotencyStore) Put(ctx context.Context, r idempotency.Record) error {
	row := idempotencyRow{Scope: r.Scope, Key: r.Key, Fingerprint: r.Fingerprint, StatusCode: r.Response.Status,
		ContentType: r.Response.ContentType, Location: r.Response.Location, ETag: r.Response.ETag, Body: r.Response.Body, CreatedAt: TS(r.CreatedAt)}
	if row.Body == nil {
		row.Body = []byte{}
	}
	return Translate(s.db.conn(ctx).Create(&row).Error, "idempotency key")
}

// Purge deletes records older than cutoff.
func (s *IdempotencyStore) Purge(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.conn(ctx).Where("created_at < ?", TS(cutoff)).Delete(&idempotencyRow{})
	return res.RowsAffected, Translate(res.Error, "idempotency keys")
}
