package store

import (
	"context"
	"errors"
	"time"

	"constellate/internal/change"
	"constellate/internal/errs"
)

// versioned is what the one update path needs of a row type: how to load it locked, where
// its version and update time are, how to write it back, and the domain's 412 sentinel.
type versioned[T any] struct {
	load func(ctx context.Context) (T, error)
	// meta points at the row's version and update time.
	meta func(*T) (version *int64, updatedAt *time.Time)
	// save writes v if the stored version is still prev (the row is locked, so this is a
	// second line of defence, not the first).
	save  func(ctx context.Context, v T, prev int64) error
	stale error
}

// update is the one update path every store's Update method runs, inside the caller's
// transaction (or its own): load the row locked, run the rule on it, compare If-Match with
// the version as loaded, and — unless the rule returned change.Unchanged — bump the
// version, stamp the time and write the row.
//
// Precedence of errors, the same for every resource: what the rule says about who may see
// or touch the row (not_found, forbidden, unauthenticated) comes first, so a caller who may
// not see a row never learns its version; then a stale If-Match (412); then the rule's
// other errors (409, 422 …). Anything the rule wrote before failing is rolled back with the
// transaction.
func update[T any](ctx context.Context, db *DB, u versioned[T], g change.Guard, rule func(*T) error) (T, error) {
	var out T
	err := db.InTx(ctx, func(ctx context.Context) error {
		v, err := u.load(ctx)
		if err != nil {
			return err
		}
		version, updatedAt := u.meta(&v)
		prev := *version
		err = rule(&v)
		switch errs.CodeOf(err) {
		case errs.NotFound, errs.Forbidden, errs.Unauthenticated:
			return err
		}
		if !g.Matches(prev) {
			return u.stale
		}
		if errors.Is(err, change.Unchanged) {
			out = v
			return nil
		}
		if err != nil {
			return err
		}
		*version, *updatedAt = prev+1, g.At.UTC()
		if err := u.save(ctx, v, prev); err != nil {
			return err
		}
		out = v
		return nil
	})
	return out, err
}

// saveVersioned writes every column of row (a pointer to a row struct) except omit to the
// row with id whose version is still prev; none matching is stale.
func (db *DB) saveVersioned(ctx context.Context, row any, id string, prev int64, stale error, omit ...string) error {
	res := db.conn(ctx).Model(row).Where("id = ? AND version = ?", id, prev).Select("*").Omit(omit...).Updates(row)
	if res.Error == nil && res.RowsAffected == 0 {
		return stale
	}
	return res.Error
}
