package identity_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/identity"
	"constellate/internal/ids"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

func newService(t *testing.T, db *store.DB) *identity.Service {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	tokens := auth.NewTokens(auth.NewKeySet(auth.NewKey(priv)), "iss", "api", 15*time.Minute, time.Now, ids.New)
	return identity.NewService(db, store.NewIdentityStore(db), tokens, event.NewBus(audit.NewLog(store.NewAuditStore(db), time.Now, ids.New)), time.Now)
}

const pw = "a service test passphrase"

// TestSetRoleKillsOldTokens: a role change bumps token_version, so tokens carrying the old
// role stop working; only grants managers may change roles.
func TestSetRoleKillsOldTokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		mgr, err := svc.Create(ctx, auth.Actor{}, identity.NewUser{Email: "m@example.org", Name: "M", Password: pw, Role: auth.RoleGrantsManager})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := svc.Create(ctx, auth.Actor{}, identity.NewUser{Email: "u@example.org", Name: "U", Password: pw, Role: auth.RolePanelMember})
		sess, err := svc.Login(ctx, u.Email, pw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, sess.AccessToken); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetRole(ctx, auth.Actor{UserID: u.ID, Role: auth.RolePanelMember}, u.ID, auth.RoleGrantsManager); !errors.Is(err, identity.ErrManagersOnly) {
			t.Fatalf("self-promotion: %v", err)
		}
		if _, err := svc.SetRole(ctx, auth.Actor{UserID: mgr.ID, Role: auth.RoleGrantsManager}, u.ID, "admin"); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("bad role: %v", err)
		}
		changed, err := svc.SetRole(ctx, auth.Actor{UserID: mgr.ID, Role: auth.RoleGrantsManager}, u.ID, auth.RoleFinance)
		if err != nil || changed.Role != auth.RoleFinance || changed.TokenVersion != u.TokenVersion+1 {
			t.Fatalf("set role: %+v %v", changed, err)
		}
		if _, err := svc.Authenticate(ctx, sess.AccessToken); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("old token after role change: %v", err)
		}
		// The session goes on; the refreshed token carries the new role.
		next, err := svc.Refresh(ctx, sess.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		a, err := svc.Authenticate(ctx, next.AccessToken)
		if err != nil || a.Role != auth.RoleFinance {
			t.Fatalf("refreshed: %+v %v", a, err)
		}
	})
}

// TestConcurrentRefresh: of many simultaneous refreshes with one token exactly one wins; the
// others (within the grace) are refused without revoking the winner's session.
func TestConcurrentRefresh(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		u, _ := svc.Create(ctx, auth.Actor{}, identity.NewUser{Email: "c@example.org", Name: "C", Password: pw, Role: auth.RoleApplicant})
		sess, err := svc.Login(ctx, u.Email, pw)
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			mu      sync.Mutex
			winners []identity.Session
		)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				s, err := svc.Refresh(ctx, sess.RefreshToken)
				if err == nil {
					mu.Lock()
					winners = append(winners, s)
					mu.Unlock()
				} else if !errors.Is(err, identity.ErrBadRefresh) {
					t.Errorf("refresh: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(winners) != 1 {
			t.Fatalf("%d refreshes won, want exactly 1", len(winners))
		}
		if _, err := svc.Refresh(ctx, winners[0].RefreshToken); err != nil {
			t.Fatalf("the winner's session was revoked: %v", err)
		}
	})
}
