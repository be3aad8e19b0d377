package store

import (
	"context"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

type rateLimitRow struct {
	Bucket      string    `gorm:"primaryKey"`
	WindowStart Timestamp `gorm:"primaryKey"`
	Count       int64
	ExpiresAt   Timestamp
}

func (rateLimitRow) TableName() string { return "rate_limits" }

// sweepEvery is how many counts a store adds between sweeps of expired rows.
const sweepEvery = 256

var rateAdds atomic.Int64

// AddRate adds delta to key's count in the window starting at start (one upsert, atomic on
// both dialects) and reads the previous window's count. A negative delta (an event given
// back) only lowers an existing count, never below zero, and reads nothing. Every
// sweepEvery-th call also deletes the rows that have expired, so the table holds about
// two windows of keys.
func (s *IdentityStore) AddRate(ctx context.Context, key string, start, prevStart, expires time.Time, delta int) (cur, prev int64, err error) {
	conn := s.db.conn(ctx)
	if delta < 0 {
		err := conn.Model(&rateLimitRow{}).Where("bucket = ? AND window_start = ? AND count >= ?", key, TS(start), -delta).
			Update("count", gorm.Expr("count + ?", delta)).Error
		return 0, 0, Translate(err, "rate limit")
	}
	if rateAdds.Add(1)%sweepEvery == 0 {
		if err := conn.Where("expires_at < ?", TS(start)).Delete(&rateLimitRow{}).Error; err != nil {
			return 0, 0, Translate(err, "rate limits")
		}
	}
	err = conn.Raw(`INSERT INTO rate_limits (bucket, window_start, count, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limits.count + excluded.count
		RETURNING count`, key, TS(start), delta, TS(expires)).Scan(&cur).Error
	if err != nil {
		return 0, 0, Translate(err, "rate limit")
	}
	var prevs []int64
	if err := conn.Model(&rateLimitRow{}).Where("bucket = ? AND window_start = ?", key, TS(prevStart)).Pluck("count", &prevs).Error; err != nil {
		return 0, 0, Translate(err, "rate limit")
	}
	if len(prevs) > 0 {
		prev = prevs[0]
	}
	return max(cur, 0), max(prev, 0), nil
}

// DeleteRate forgets key's counts.
func (s *IdentityStore) DeleteRate(ctx context.Context, key string) error {
	return Translate(s.db.conn(ctx).Where("bucket = ?", key).Delete(&rateLimitRow{}).Error, "rate limit")
}
