// Package idempotency makes a retried POST safe: the first response to a caller's
// Idempotency-Key is stored in the same transaction as the change it reports, and replayed
// for a retry with the same body. A retry with a different body is refused (422), and a
// retry while the first is still running is refused (409).
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"constellate/internal/errs"
)

// TTL is how long a key is remembered (SPEC §2).
const TTL = 24 * time.Hour

// Response is what the first request answered.
type Response struct {
	Status      int
	ContentType string
	Location    string
	ETag        string
	Body        []byte
}

// Record is a stored key.
type Record struct {
	Scope       string // who: the caller's id, so keys never collide across callers
	Key         string
	Fingerprint string // hash of method, path and body
	Response    Response
	CreatedAt   time.Time
}

// Store keeps records; every method joins the transaction in ctx.
type Store interface {
	// TryLock takes a transaction-scoped lock on (scope, key), reporting false when another
	// transaction holds it (the first request is still in flight).
	TryLock(ctx context.Context, scope, key string) (bool, error)
	Get(ctx context.Context, scope, key string) (*Record, error) // nil, nil when absent
	Delete(ctx context.Context, scope, key string) error
	Put(ctx context.Context, r Record) error
	// Purge deletes records created before cutoff.
	Purge(ctx context.Context, cutoff time.Time) (int64, error)
}

// Transactor runs fn in one transaction carried in ctx.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Errors a caller maps to statuses.
var (
	ErrInFlight  = errs.E(errs.Conflict, "a request with this Idempotency-Key is still in progress")
	ErrReusedKey = errs.E(errs.Invalid, "this Idempotency-Key was used with a different request")
)

// CheckKey refuses a key that is not 1 to 255 printable ASCII characters (a UUID,
// typically). HTTP lets header values carry other bytes, which the key's text column must
// never receive.
func CheckKey(key string) error {
	ok := len(key) > 0 && len(key) <= 255
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] >= 0x20 && key[i] <= 0x7e
	}
	if ok {
		return nil
	}
	const msg = "must be 1 to 255 printable ASCII characters"
	return &errs.Error{Code: errs.Malformed, Message: "Idempotency-Key " + msg,
		Fields: []errs.FieldError{{Field: "Idempotency-Key", Message: msg}}}
}

// Keys runs requests at most once per key.
type Keys struct {
	tx    Transactor
	store Store
	now   func() time.Time
}

// New returns Keys over store.
func New(tx Transactor, store Store, now func() time.Time) *Keys {
	return &Keys{tx: tx, store: store, now: now}
}

// Fingerprint identifies a request by method, path and body.
func Fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Do runs fn once for (scope, key) in one transaction with the record of its response. It
// returns fn's response, or the stored one with replayed=true. fn's error rolls back both
// the change and the claim, so the key may be used again.
func (k *Keys) Do(ctx context.Context, scope, key, fingerprint string, fn func(ctx context.Context) (Response, error)) (resp Response, replayed bool, err error) {
	if err := CheckKey(key); err != nil {
		return Response{}, false, err
	}
	err = k.tx.InTx(ctx, func(ctx context.Context) error {
		ok, err := k.store.TryLock(ctx, scope, key)
		if err != nil {
			return err
		}
		if !ok {
			return ErrInFlight
		}
		rec, err := k.store.Get(ctx, scope, key)
		if err != nil {
			return err
		}
		if rec != nil && k.now().Sub(rec.CreatedAt) < TTL {
			if rec.Fingerprint != fingerprint {
				return ErrReusedKey
			}
			resp, replayed = rec.Response, true
			return nil
		}
		if rec != nil {
			if err := k.store.Delete(ctx, scope, key); err != nil {
				return err
			}
		}
		resp, err = fn(ctx)
		if err != nil {
			return err
		}
		return k.store.Put(ctx, Record{Scope: scope, Key: key, Fingerprint: fingerprint, Response: resp, CreatedAt: k.now()})
	})
	if errs.CodeOf(err) == errs.Conflict && !errors.Is(err, ErrInFlight) {
		// A concurrent first request may have committed the same key between our lock and
		// insert on a database without advisory locks; answer with its response if so.
		if rec, gerr := k.store.Get(ctx, scope, key); gerr == nil && rec != nil && rec.Fingerprint == fingerprint {
			return rec.Response, true, nil
		}
	}
	return resp, replayed, err
}
