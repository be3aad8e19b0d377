// Package identity is accounts and sessions: users and their roles, registration, login,
// refresh-token families, machine clients and invitations. The primitives it uses (roles,
// the Actor, tokens, keys, password hashing) live in internal/auth.
package identity

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/ids"
)

// User is an account.
type User struct {
	ID           string
	Email        string // lower-cased
	Name         string
	Role         auth.Role
	PasswordHash string
	TokenVersion int // bumped on password or role change and logout-all: older tokens die
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Store keeps accounts. Implementations join the transaction in ctx.
type Store interface {
	CreateUser(ctx context.Context, u User) error // errs.Conflict when the email is taken
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	SetPasswordHash(ctx context.Context, id, hash string, now time.Time) error
}

// Transactor runs fn in one transaction carried in ctx.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Service is the identity use cases.
type Service struct {
	tx     Transactor
	store  Store
	tokens *auth.Tokens
	audit  *audit.Log
	now    func() time.Time
}

// NewService returns the identity service.
func NewService(tx Transactor, store Store, tokens *auth.Tokens, log *audit.Log, now func() time.Time) *Service {
	return &Service{tx: tx, store: store, tokens: tokens, audit: log, now: now}
}

// Tokens exposes the token issuer (for the JWKS endpoint).
func (s *Service) Tokens() *auth.Tokens { return s.tokens }

// Errors the service returns.
var (
	ErrEmailTaken       = errs.E(errs.Conflict, "an account with this email already exists; sign in instead")
	ErrBadCredentials   = errs.E(errs.Unauthenticated, "the email or password is wrong")
	ErrPasswordTooShort = errs.E(errs.Invalid, "the password is too short")
)

// NewUser is what creating an account takes.
type NewUser struct {
	Email    string
	Name     string
	Password string
	Role     auth.Role
}

// Validate lists every problem with the new account's fields.
func (n *NewUser) Validate() error {
	var f errs.Fields
	n.Email = strings.ToLower(strings.TrimSpace(n.Email))
	n.Name = strings.TrimSpace(n.Name)
	if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email || len(n.Email) > 254 {
		f.Add("email", "must be an email address such as name@example.org")
	}
	if n.Name == "" || len(n.Name) > 200 {
		f.Add("name", "is required (at most 200 characters)")
	}
	if msg := PasswordProblem(n.Password, n.Email); msg != "" {
		f.Add("password", "%s", msg)
	}
	if !n.Role.Valid() {
		f.Add("role", "must be one of applicant, panel_member, grants_manager, finance")
	}
	return f.Err(errs.Invalid, "the account details are not valid")
}

// PasswordProblem says what is wrong with a password, or "".
func PasswordProblem(password, email string) string {
	switch {
	case len([]rune(password)) < auth.MinPasswordLength:
		return "must be at least 12 characters"
	case len(password) > 1024:
		return "must be at most 1024 characters"
	case isCommonPassword(password) || (email != "" && strings.EqualFold(password, email)):
		return "is too common or too easy to guess; try a few unrelated words"
	}
	return ""
}

// Create makes an account of any role (the CLI, invitations). actor is who creates it.
func (s *Service) Create(ctx context.Context, actor auth.Actor, n NewUser) (User, error) {
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	hash, err := auth.HashPassword(ctx, n.Password)
	if err != nil {
		return User{}, err
	}
	now := s.now().UTC()
	u := User{ID: ids.New(), Email: n.Email, Name: n.Name, Role: n.Role, PasswordHash: hash, TokenVersion: 1, CreatedAt: now, UpdatedAt: now}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateUser(ctx, u); err != nil {
			if errs.CodeOf(err) == errs.Conflict {
				return ErrEmailTaken
			}
			return err
		}
		if actor.Anonymous() {
			actor = auth.Actor{UserID: u.ID, Role: u.Role}
		}
		return s.audit.Record(ctx, actor, "user.created", "user", u.ID, map[string]any{"role": string(u.Role)})
	})
	return u, err
}

// Register makes an applicant account (self-service).
func (s *Service) Register(ctx context.Context, email, password, name string) (User, error) {
	return s.Create(ctx, auth.Actor{}, NewUser{Email: email, Name: name, Password: password, Role: auth.RoleApplicant})
}

// Session is what login and refresh return.
type Session struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string
	User         User
}

// Login checks the password and starts a session. Unknown email and wrong password answer
// alike, in about the same time.
func (s *Service) Login(ctx context.Context, email, password string) (Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := s.store.UserByEmail(ctx, email)
	if errs.CodeOf(err) == errs.NotFound {
		_, _, _ = auth.CheckPassword(ctx, password, dummyHashForTiming)
		return Session{}, ErrBadCredentials
	}
	if err != nil {
		return Session{}, err
	}
	match, rehash, err := auth.CheckPassword(ctx, password, u.PasswordHash)
	if err != nil {
		return Session{}, err
	}
	if !match {
		return Session{}, ErrBadCredentials
	}
	if rehash {
		if h, err := auth.HashPassword(ctx, password); err == nil {
			_ = s.store.SetPasswordHash(ctx, u.ID, h, s.now())
		}
	}
	return s.startSession(ctx, u)
}

// startSession issues an access token (and, with refresh families, a refresh token).
func (s *Service) startSession(ctx context.Context, u User) (Session, error) {
	tok, err := s.tokens.Issue(u.ID, u.Role, u.TokenVersion, false, "")
	if err != nil {
		return Session{}, err
	}
	sess := Session{AccessToken: tok, ExpiresIn: s.tokens.TTL(), User: u}
	sess.RefreshToken, err = s.newRefreshFamily(ctx, u)
	return sess, err
}

// newRefreshFamily starts a refresh-token family for u and returns its first token.
// TODO(identity): refresh families (SPEC §3) replace this stub.
func (s *Service) newRefreshFamily(ctx context.Context, u User) (string, error) {
	return "", nil
}

// Authenticate turns an access token into the Actor: a valid signature and claims, and a
// token_version still current for the user.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Actor, error) {
	c, err := s.tokens.Verify(token)
	if err != nil {
		return auth.Actor{}, err
	}
	u, err := s.store.UserByID(ctx, c.Subject)
	if errs.CodeOf(err) == errs.NotFound {
		return auth.Actor{}, errs.E(errs.Unauthenticated, "the access token is not valid")
	}
	if err != nil {
		return auth.Actor{}, err
	}
	if u.TokenVersion != c.TokenVersion || u.Role != c.Role {
		return auth.Actor{}, errs.E(errs.Unauthenticated, "the access token is no longer valid; sign in again")
	}
	return auth.Actor{UserID: u.ID, Role: u.Role, TokenID: c.ID}, nil
}

// User returns the caller's own account.
func (s *Service) User(ctx context.Context, actor auth.Actor) (User, error) {
	if actor.Anonymous() || actor.Machine {
		return User{}, errs.E(errs.NotFound, "user not found")
	}
	return s.store.UserByID(ctx, actor.UserID)
}
