package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/ids"
	"constellate/internal/page"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

func TestInTxRollsBackEverythingOnError(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.NewLog(store.NewAuditStore(db), time.Now, ids.New)
		boom := errors.New("boom")
		err := db.InTx(ctx, func(ctx context.Context) error {
			if err := log.Record(ctx, auth.Actor{UserID: "u1", Role: auth.RoleGrantsManager}, "thing.done", "thing", "t1", nil); err != nil {
				return err
			}
			// A nested InTx joins the outer transaction.
			return db.InTx(ctx, func(ctx context.Context) error {
				if err := log.Record(ctx, auth.Actor{UserID: "u1"}, "thing.again", "thing", "t1", nil); err != nil {
					return err
				}
				return boom
			})
		})
		if !errors.Is(err, boom) && errs.CodeOf(err) != errs.Internal {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		events, _, err := log.List(ctx, audit.Filter{EntityID: "t1"}, page.Params{})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 0 {
			t.Fatalf("rolled-back transaction left %d audit events", len(events))
		}
		if err := db.InTx(ctx, func(ctx context.Context) error {
			return log.Record(ctx, auth.Actor{UserID: "u1", Role: auth.RoleGrantsManager}, "thing.done", "thing", "t1", map[string]any{"status": "open"})
		}); err != nil {
			t.Fatal(err)
		}
		events, _, _ = log.List(ctx, audit.Filter{EntityID: "t1"}, page.Params{})
		if len(events) != 1 || events[0].Action != "thing.done" || events[0].Changes["status"] != "open" || events[0].ActorRole != "grants_manager" {
			t.Fatalf("events = %+v", events)
		}
	})
}

func TestAuditEventsAreAppendOnly(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.NewLog(store.NewAuditStore(db), time.Now, ids.New)
		if err := log.Record(ctx, auth.Actor{UserID: "u1"}, "a.b", "a", "x", nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Conn(ctx).Exec("UPDATE audit_events SET action = 'forged'").Error; err == nil {
			t.Fatal("UPDATE of audit_events succeeded; want the database to refuse")
		}
		if err := db.Conn(ctx).Exec("DELETE FROM audit_events").Error; err == nil {
			t.Fatal("DELETE of audit_events succeeded; want the database to refuse")
		}
	})
}

func TestTimestampRoundTripsAndOrders(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := store.NewAuditStore(db)
		base := time.Date(2025, 3, 31, 17, 0, 0, 0, time.UTC)
		for i, d := range []time.Duration{0, 500 * time.Millisecond, 1500 * time.Microsecond} {
			if err := st.Append(ctx, audit.Event{ID: ids.New(), At: base.Add(d), Action: "t", EntityType: "t", EntityID: string(rune('a' + i))}); err != nil {
				t.Fatal(err)
			}
		}
		var n int64
		if err := db.Conn(ctx).Table("audit_events").Where("at > ?", store.TS(base.Add(time.Millisecond))).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("events after base+1ms = %d, want 2 (fixed-width timestamps compare correctly)", n)
		}
		events, _ := st.List(ctx, audit.Filter{}, page.Params{})
		for _, e := range events {
			if e.At.Location() != time.UTC || e.At.Before(base) {
				t.Fatalf("At = %v", e.At)
			}
		}
	})
}
