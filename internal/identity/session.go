package identity

import (
	"context"
	"strings"
	"time"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
)

// RefreshFamily is one sign-in: the chain of refresh tokens rotated from it.
type RefreshFamily struct {
	ID        string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time // absolute end of the session
	RevokedAt *time.Time
}

// RefreshToken is one refresh token of a family; only its hash is kept.
type RefreshToken struct {
	ID        string
	FamilyID  string
	Hash      string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time // spent: rotated into a successor
}

// SessionStore keeps refresh-token families.
type SessionStore interface {
	CreateRefreshFamily(ctx context.Context, f RefreshFamily) error
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshTokenByHash reads a token and its family, locked for update.
	RefreshTokenByHash(ctx context.Context, hash string) (RefreshToken, RefreshFamily, error)
	UseRefreshToken(ctx context.Context, id string, now time.Time) error
	RevokeRefreshFamily(ctx context.Context, id string, now time.Time) error
	RevokeUserRefreshFamilies(ctx context.Context, userID string, now time.Time) error
}

// Session is what login and refresh return.
type Session struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string
	User         User
}

// Session errors. Every refused refresh token gets the same answer.
var (
	ErrBadRefresh      = errs.E(errs.Unauthenticated, "the refresh token is not valid; sign in again")
	ErrWrongPassword   = (errs.Fields{{Field: "current_password", Message: "is not your current password"}}).Err(errs.Invalid, "the current password is wrong")
	ErrPasswordChanged = errs.E(errs.Conflict, "the password was changed meanwhile; sign in again")
)

// Login checks the password and starts a session. Unknown email and wrong password answer
// alike, in about the same time. Failures only are counted (limits.go), by the client key
// the HTTP layer puts in ctx (WithClient): per client IP (LimitLogin), and per account per
// client IP (LimitLoginAccount). A success counts nothing and clears that account's count
// for that IP, so nobody is ever refused for succeeding, and failures made elsewhere never
// lock the account's holder out.
func (s *Service) Login(ctx context.Context, email, password string) (Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > maxEmailLength {
		// No account has such an email (registration refuses it): nothing to look up or count.
		return Session{}, ErrBadCredentials
	}
	client := clientFrom(ctx)
	var ipRes, accountRes *reservation
	if client != "" {
		// Each attempt is counted as a failure first and given back if it succeeds, so a burst
		// of concurrent guesses cannot all pass the check before any is counted.
		var err error
		if ipRes, err = s.take(ctx, LimitLogin, client); err != nil {
			return Session{}, err
		}
		if accountRes, err = s.take(ctx, LimitLoginAccount, email+"\x00"+client); err != nil {
			s.giveBack(ctx, ipRes)
			return Session{}, err
		}
	}
	notFailed := func() { s.giveBack(ctx, ipRes); s.giveBack(ctx, accountRes) }
	u, err := s.store.UserByEmail(ctx, email)
	if errs.CodeOf(err) == errs.NotFound {
		_, _, _ = auth.CheckPassword(ctx, password, dummyHashForTiming)
		return Session{}, ErrBadCredentials
	}
	if err != nil {
		notFailed()
		return Session{}, err
	}
	match, rehash, err := auth.CheckPassword(ctx, password, u.PasswordHash)
	if err != nil {
		notFailed()
		return Session{}, err
	}
	if !match {
		return Session{}, ErrBadCredentials
	}
	s.giveBack(ctx, ipRes)
	if client != "" {
		s.forget(ctx, LimitLoginAccount, email+"\x00"+client)
	}
	if rehash {
		if h, err := auth.HashPassword(ctx, password); err == nil {
			_ = s.store.SetPasswordHash(ctx, u.ID, h, s.now())
		}
	}
	var sess Session
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if sess, err = s.startSession(ctx, u); err != nil {
			return err
		}
		return s.events.Publish(ctx, auth.Actor{UserID: u.ID, Role: u.Role}, event.Session{Kind: event.SessionStarted, UserID: u.ID})
	})
	return sess, err
}

// startSession issues an access token and starts a refresh family, inside the caller's
// transaction.
func (s *Service) startSession(ctx context.Context, u User) (Session, error) {
	now := s.now().UTC()
	f := RefreshFamily{ID: ids.New(), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.Policy.FamilyLifetime)}
	if err := s.store.CreateRefreshFamily(ctx, f); err != nil {
		return Session{}, err
	}
	return s.issuePair(ctx, u, f, now)
}

// issuePair adds a refresh token to family f and signs an access token for u.
func (s *Service) issuePair(ctx context.Context, u User, f RefreshFamily, now time.Time) (Session, error) {
	raw := auth.NewSecret("rt_")
	exp := now.Add(s.Policy.RefreshTTL)
	if exp.After(f.ExpiresAt) {
		exp = f.ExpiresAt
	}
	if err := s.store.CreateRefreshToken(ctx, RefreshToken{ID: ids.New(), FamilyID: f.ID, Hash: auth.HashSecret(raw), CreatedAt: now, ExpiresAt: exp}); err != nil {
		return Session{}, err
	}
	tok, err := s.tokens.Issue(u.ID, u.Role, u.TokenVersion, false, "")
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: tok, ExpiresIn: s.tokens.TTL(), RefreshToken: raw, User: u}, nil
}

// Refresh spends a refresh token for a new pair. A token spent more than ReuseGrace ago is a
// replay — someone else holds a copy — so the whole family is revoked, and both holders must
// sign in again. A replay within the grace (two tabs refreshing at once) is refused without
// revoking: the first caller keeps the session.
func (s *Service) Refresh(ctx context.Context, raw string) (Session, error) {
	if raw == "" || len(raw) > 256 {
		return Session{}, ErrBadRefresh
	}
	var (
		sess   Session
		replay bool
	)
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		t, f, err := s.store.RefreshTokenByHash(ctx, auth.HashSecret(raw))
		if errs.CodeOf(err) == errs.NotFound {
			return ErrBadRefresh
		}
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if f.RevokedAt != nil {
			return ErrBadRefresh
		}
		if t.UsedAt != nil {
			if now.Sub(*t.UsedAt) <= s.Policy.ReuseGrace {
				return ErrBadRefresh
			}
			replay = true
			if err := s.store.RevokeRefreshFamily(ctx, f.ID, now); err != nil {
				return err
			}
			return s.events.Publish(ctx, auth.Actor{UserID: f.UserID}, event.Session{Kind: event.SessionReplayDetected, UserID: f.UserID, FamilyID: f.ID})
		}
		if !now.Before(t.ExpiresAt) || !now.Before(f.ExpiresAt) {
			return ErrBadRefresh
		}
		u, err := s.store.UserByID(ctx, f.UserID)
		if err != nil {
			return err
		}
		if err := s.store.UseRefreshToken(ctx, t.ID, now); err != nil {
			return err
		}
		sess, err = s.issuePair(ctx, u, f, now)
		return err
	})
	if err == nil && replay {
		return Session{}, ErrBadRefresh // the revocation above is committed
	}
	return sess, err
}

// Logout revokes the session (refresh family) the token belongs to. The token is its own
// proof: whoever holds it may end that session. An unknown or already revoked token is not
// an error (nothing to reveal, nothing left to do).
func (s *Service) Logout(ctx context.Context, raw string) error {
	if raw == "" || len(raw) > 256 {
		return nil
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		_, f, err := s.store.RefreshTokenByHash(ctx, auth.HashSecret(raw))
		if errs.CodeOf(err) == errs.NotFound {
			return nil
		}
		if err != nil || f.RevokedAt != nil {
			return err
		}
		if err := s.store.RevokeRefreshFamily(ctx, f.ID, s.now().UTC()); err != nil {
			return err
		}
		return s.events.Publish(ctx, auth.Actor{UserID: f.UserID}, event.Session{Kind: event.SessionEnded, UserID: f.UserID, FamilyID: f.ID})
	})
}

// LogoutAll ends every session of the caller: all refresh families are revoked and
// token_version is bumped, so every access token already issued stops working at once.
func (s *Service) LogoutAll(ctx context.Context, actor auth.Actor) error {
	if err := HasAccount(actor); err != nil {
		return err
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.LockUser(ctx, actor.UserID); err != nil {
			return err
		}
		if err := s.endAllSessions(ctx, actor.UserID); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.Session{Kind: event.SessionEndedEverywhere, UserID: actor.UserID})
	})
}

func (s *Service) endAllSessions(ctx context.Context, userID string) error {
	now := s.now().UTC()
	if err := s.store.RevokeUserRefreshFamilies(ctx, userID, now); err != nil {
		return err
	}
	return s.store.BumpTokenVersion(ctx, userID, now)
}

// ChangePassword replaces the caller's password after checking the current one. Every other
// session ends (refresh families revoked, token_version bumped); the caller gets a new one.
// Wrong current passwords count towards the account's login-failure limit.
func (s *Service) ChangePassword(ctx context.Context, actor auth.Actor, current, next string) (Session, error) {
	if err := HasAccount(actor); err != nil {
		return Session{}, err
	}
	u, err := s.store.UserByID(ctx, actor.UserID)
	if err != nil {
		return Session{}, err
	}
	// A wrong current password counts as a failed login to the account from this client.
	var accountRes *reservation
	if client := clientFrom(ctx); client != "" {
		if accountRes, err = s.take(ctx, LimitLoginAccount, u.Email+"\x00"+client); err != nil {
			return Session{}, err
		}
	}
	var f errs.Fields
	if msg := PasswordProblem(next, u.Email); msg != "" {
		f.Add("new_password", "%s", msg)
	} else if next == current {
		f.Add("new_password", "must differ from the current password")
	}
	match, _, err := auth.CheckPassword(ctx, current, u.PasswordHash)
	if err != nil {
		s.giveBack(ctx, accountRes)
		return Session{}, err
	}
	if !match {
		return Session{}, ErrWrongPassword
	}
	s.giveBack(ctx, accountRes)
	if err := f.Err(errs.Invalid, "the new password is not valid"); err != nil {
		return Session{}, err
	}
	hash, err := auth.HashPassword(ctx, next)
	if err != nil {
		return Session{}, err
	}
	var sess Session
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		locked, err := s.store.LockUser(ctx, u.ID)
		if err != nil {
			return err
		}
		if locked.PasswordHash != u.PasswordHash {
			return ErrPasswordChanged
		}
		if err := s.store.SetPasswordHash(ctx, u.ID, hash, s.now().UTC()); err != nil {
			return err
		}
		if err := s.endAllSessions(ctx, u.ID); err != nil {
			return err
		}
		if u, err = s.store.UserByID(ctx, u.ID); err != nil {
			return err
		}
		if err := s.events.Publish(ctx, actor, event.PasswordChange{UserID: u.ID}); err != nil {
			return err
		}
		sess, err = s.startSession(ctx, u)
		return err
	})
	return sess, err
}
