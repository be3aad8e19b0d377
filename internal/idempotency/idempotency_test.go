package idempotency_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/idempotency"
	"constellate/internal/ids"
	"constellate/internal/page"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

// fixture is Keys on a real database with a settable clock, and an audit log the use case
// writes to, so a test can see whether the use case's change was committed.
type fixture struct {
	db    *store.DB
	keys  *idempotency.Keys
	store *store.IdempotencyStore
	audit *audit.Log
	now   atomic.Pointer[time.Time]
	runs  atomic.Int64
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	f := &fixture{db: db, store: store.NewIdempotencyStore(db)}
	start := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	f.now.Store(&start)
	clock := func() time.Time { return *f.now.Load() }
	f.keys = idempotency.New(db, f.store, clock)
	f.audit = audit.NewLog(store.NewAuditStore(db), clock, ids.New)
	return f
}

func (f *fixture) advance(d time.Duration) {
	t := f.now.Load().Add(d)
	f.now.Store(&t)
}

// useCase records an audit event (the "change") and answers 201 with body.
func (f *fixture) useCase(body string, fail error) func(ctx context.Context) (idempotency.Response, error) {
	return func(ctx context.Context) (idempotency.Response, error) {
		f.runs.Add(1)
		if err := f.audit.Record(ctx, auth.Actor{UserID: "u1", Role: auth.RoleApplicant}, "thing.created", "thing", ids.New(), nil); err != nil {
			return idempotency.Response{}, err
		}
		if fail != nil {
			return idempotency.Response{}, fail
		}
		return idempotency.Response{Status: 201, ContentType: "application/json", Location: "/v1/things/1", ETag: `"1"`, Body: []byte(body)}, nil
	}
}

func (f *fixture) events(t *testing.T) int {
	t.Helper()
	ev, _, err := f.audit.List(context.Background(), audit.Filter{}, page.Params{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return len(ev)
}

func TestFirstCallStoredThenReplayed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		fp := idempotency.Fingerprint("POST", "/v1/things", []byte(`{"a":1}`))

		resp, replayed, err := f.keys.Do(ctx, "user:u1", "k1", fp, f.useCase(`{"id":"1"}`, nil))
		if err != nil || replayed || resp.Status != 201 || string(resp.Body) != `{"id":"1"}` {
			t.Fatalf("first: %+v %v %v", resp, replayed, err)
		}
		rec, err := f.store.Get(ctx, "user:u1", "k1")
		if err != nil || rec == nil || rec.Fingerprint != fp || rec.Response.Location != "/v1/things/1" || rec.Response.ETag != `"1"` {
			t.Fatalf("stored record: %+v %v", rec, err)
		}

		f.advance(23 * time.Hour)
		again, replayed, err := f.keys.Do(ctx, "user:u1", "k1", fp, f.useCase(`{"id":"2"}`, nil))
		if err != nil || !replayed {
			t.Fatalf("retry: replayed=%v err=%v", replayed, err)
		}
		if again.Status != 201 || string(again.Body) != `{"id":"1"}` || again.Location != "/v1/things/1" || again.ETag != `"1"` || again.ContentType != "application/json" {
			t.Errorf("replayed %+v, want the first response", again)
		}
		if n := f.runs.Load(); n != 1 {
			t.Errorf("use case ran %d times, want 1", n)
		}
		if n := f.events(t); n != 1 {
			t.Errorf("%d changes committed, want 1", n)
		}

		// Keys are scoped to the caller: another caller's same key is a new request.
		if _, replayed, err := f.keys.Do(ctx, "user:u2", "k1", fp, f.useCase(`{"id":"3"}`, nil)); err != nil || replayed {
			t.Errorf("other scope: replayed=%v err=%v", replayed, err)
		}
	})
}

func TestDifferentBodyIs422(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		fp1 := idempotency.Fingerprint("POST", "/v1/things", []byte(`{"a":1}`))
		fp2 := idempotency.Fingerprint("POST", "/v1/things", []byte(`{"a":2}`))
		fp3 := idempotency.Fingerprint("POST", "/v1/others", []byte(`{"a":1}`))
		if _, _, err := f.keys.Do(ctx, "user:u1", "k", fp1, f.useCase(`{}`, nil)); err != nil {
			t.Fatal(err)
		}
		for _, fp := range []string{fp2, fp3} {
			_, _, err := f.keys.Do(ctx, "user:u1", "k", fp, f.useCase(`{}`, nil))
			if !errors.Is(err, idempotency.ErrReusedKey) || errs.CodeOf(err) != errs.Invalid {
				t.Errorf("reused key: %v, want ErrReusedKey (422)", err)
			}
		}
		if n := f.runs.Load(); n != 1 {
			t.Errorf("use case ran %d times", n)
		}
	})
}

func TestFailureRollsBackAndFreesTheKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		fp := idempotency.Fingerprint("POST", "/v1/things", []byte(`{}`))
		boom := errs.E(errs.Invalid, "amount must be positive")
		if _, _, err := f.keys.Do(ctx, "user:u1", "k", fp, f.useCase(`{}`, boom)); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want the use case's error", err)
		}
		if n := f.events(t); n != 0 {
			t.Errorf("the failed use case's change was committed (%d events)", n)
		}
		if rec, err := f.store.Get(ctx, "user:u1", "k"); err != nil || rec != nil {
			t.Errorf("a failed request kept its key: %+v %v", rec, err)
		}
		// The key is free: a corrected retry (even with another body) runs.
		fp2 := idempotency.Fingerprint("POST", "/v1/things", []byte(`{"amount":5}`))
		if _, replayed, err := f.keys.Do(ctx, "user:u1", "k", fp2, f.useCase(`{}`, nil)); err != nil || replayed {
			t.Fatalf("retry after failure: replayed=%v err=%v", replayed, err)
		}
		if n := f.events(t); n != 1 {
			t.Errorf("%d events, want 1", n)
		}
	})
}

func TestExpiryAfter24Hours(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		fp1 := idempotency.Fingerprint("POST", "/v1/things", []byte(`1`))
		fp2 := idempotency.Fingerprint("POST", "/v1/things", []byte(`2`))
		if _, _, err := f.keys.Do(ctx, "user:u1", "k", fp1, f.useCase(`"first"`, nil)); err != nil {
			t.Fatal(err)
		}
		f.advance(idempotency.TTL - time.Second)
		if _, _, err := f.keys.Do(ctx, "user:u1", "k", fp2, f.useCase(`{}`, nil)); !errors.Is(err, idempotency.ErrReusedKey) {
			t.Fatalf("just before 24 h: %v, want the key still held", err)
		}
		f.advance(2 * time.Second)
		resp, replayed, err := f.keys.Do(ctx, "user:u1", "k", fp2, f.useCase(`"second"`, nil))
		if err != nil || replayed || string(resp.Body) != `"second"` {
			t.Fatalf("after 24 h: %s replayed=%v err=%v, want a fresh run", resp.Body, replayed, err)
		}
		// Purge removes only expired records.
		f.advance(idempotency.TTL + time.Hour)
		if _, _, err := f.keys.Do(ctx, "user:u2", "fresh", fp1, f.useCase(`{}`, nil)); err != nil {
			t.Fatal(err)
		}
		n, err := f.store.Purge(ctx, f.now.Load().Add(-idempotency.TTL))
		if err != nil || n != 1 {
			t.Errorf("purge removed %d, err %v; want 1", n, err)
		}
	})
}

func TestKeyLength(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, k := range []string{"", strings.Repeat("k", 256)} {
			_, _, err := f.keys.Do(context.Background(), "user:u1", k, "fp", f.useCase(`{}`, nil))
			if errs.CodeOf(err) != errs.Malformed {
				t.Errorf("key of %d chars: %v", len(k), err)
			}
		}
		if _, _, err := f.keys.Do(context.Background(), "user:u1", strings.Repeat("k", 255), "fp", f.useCase(`{}`, nil)); err != nil {
			t.Errorf("255-char key: %v", err)
		}
		if f.runs.Load() != 1 {
			t.Errorf("runs = %d", f.runs.Load())
		}
	})
}

// TestConcurrentSameKey starts many identical requests at once: the use case runs exactly
// once; every other request gets the replay or 409 in flight, never a second change.
func TestConcurrentSameKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		fp := idempotency.Fingerprint("POST", "/v1/things", []byte(`{}`))
		const n = 8
		var (
			start              = make(chan struct{})
			wg                 sync.WaitGroup
			fresh, replays, in atomic.Int64
			unexpected         = make(chan error, n)
		)
		slow := func(ctx context.Context) (idempotency.Response, error) {
			time.Sleep(100 * time.Millisecond) // hold the claim while the others arrive
			return f.useCase(`{"id":"1"}`, nil)(ctx)
		}
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, replayed, err := f.keys.Do(context.Background(), "user:u1", "same", fp, slow)
				switch {
				case errors.Is(err, idempotency.ErrInFlight):
					if errs.CodeOf(err) != errs.Conflict {
						unexpected <- err
					}
					in.Add(1)
				case err != nil:
					unexpected <- err
				case replayed:
					if string(resp.Body) != `{"id":"1"}` {
						unexpected <- errors.New("replayed a different body: " + string(resp.Body))
					}
					replays.Add(1)
				default:
					fresh.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(unexpected)
		for err := range unexpected {
			t.Errorf("unexpected: %v", err)
		}
		if f.runs.Load() != 1 || fresh.Load() != 1 {
			t.Errorf("use case ran %d times (%d fresh answers), want exactly 1", f.runs.Load(), fresh.Load())
		}
		if got := fresh.Load() + replays.Load() + in.Load(); got != n {
			t.Errorf("%d answers, want %d", got, n)
		}
		if c := f.events(t); c != 1 {
			t.Errorf("%d changes committed, want 1", c)
		}
		t.Logf("%s: 1 fresh, %d replayed, %d in flight (409)", db.Dialect(), replays.Load(), in.Load())
	})
}
