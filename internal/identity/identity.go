// Package identity is accounts and sessions: users and their roles, registration, login,
// refresh-token families, machine clients and invitations. The primitives it uses (roles,
// the Actor, tokens, keys, password hashing) live in internal/auth.
package identity

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
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

// Store keeps accounts, sessions, machine clients and invitations. Implementations join the
// transaction in ctx.
type Store interface {
	UserStore
	SessionStore
	ClientStore
	InvitationStore
	RateStore
}

// UserStore keeps accounts.
type UserStore interface {
	CreateUser(ctx context.Context, u User) error // errs.Conflict when the email is taken
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	// TokenState reads the user's token_version and role (errs.NotFound when there is no
	// such user): all that authenticating an access token needs, on every request.
	TokenState(ctx context.Context, id string) (version int, role auth.Role, err error)
	// LockUser reads a user for update inside the caller's transaction.
	LockUser(ctx context.Context, id string) (User, error)
	SetPasswordHash(ctx context.Context, id, hash string, now time.Time) error
	SetRole(ctx context.Context, id string, role auth.Role, now time.Time) error
	// BumpTokenVersion increments token_version, so every access token issued before dies.
	BumpTokenVersion(ctx context.Context, id string, now time.Time) error
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
	events *event.Bus
	now    func() time.Time
	// hashNew hashes the password of a new account (auth.HashPassword; see
	// SetNewAccountHasher).
	hashNew func(ctx context.Context, password string) (string, error)
	// Policy holds the lifetimes and limits; NewService sets the defaults.
	Policy Policy
}

// SetNewAccountHasher replaces how new accounts' passwords are hashed. It exists for test
// fixtures that make hundreds of accounts with one password: they hash it once, at the real
// cost, and reuse the hash (argon2id was most of the test suite's CPU under -race). Login,
// password changes and rehashing always use auth.HashPassword and auth.CheckPassword.
func (s *Service) SetNewAccountHasher(h func(ctx context.Context, password string) (string, error)) {
	s.hashNew = h
}

// Policy is the identity capability's lifetimes and limits.
type Policy struct {
	RefreshTTL     time.Duration // a refresh token's life; renewed by each rotation
	FamilyLifetime time.Duration // absolute bound on a session (refresh family)
	ReuseGrace     time.Duration // a just-spent refresh token replayed within this is refused without revoking
	InvitationTTL  time.Duration
	// Rates are the rate limits (limits.go): DefaultRates unless SetRates changes them.
	Rates map[Limit]Rate
}

// DefaultPolicy: refresh tokens live 30 days, sliding, within a 90-day session; a 10-second
// grace for concurrent refreshes; invitations last 7 days.
var DefaultPolicy = Policy{RefreshTTL: 30 * 24 * time.Hour, FamilyLifetime: 90 * 24 * time.Hour,
	ReuseGrace: 10 * time.Second, InvitationTTL: 7 * 24 * time.Hour}

// NewService returns the identity service.
func NewService(tx Transactor, store Store, tokens *auth.Tokens, events *event.Bus, now func() time.Time) *Service {
	p := DefaultPolicy
	p.Rates = make(map[Limit]Rate, len(DefaultRates))
	for l, r := range DefaultRates {
		p.Rates[l] = r
	}
	return &Service{tx: tx, store: store, tokens: tokens, events: events, now: now, hashNew: auth.HashPassword, Policy: p}
}

// Tokens exposes the token issuer (for the JWKS endpoint).
func (s *Service) Tokens() *auth.Tokens { return s.tokens }

// Errors the service returns.
var (
	ErrEmailTaken       = errs.E(errs.Conflict, "an account with this email already exists; sign in instead")
	ErrBadCredentials   = errs.E(errs.Unauthenticated, "the email or password is wrong")
	ErrPasswordTooShort = errs.E(errs.Invalid, "the password is too short")
	ErrBadToken         = errs.E(errs.Unauthenticated, "the access token is not valid")
	ErrStaleToken       = errs.E(errs.Unauthenticated, "the access token is no longer valid; sign in again")
	ErrManagersOnly     = errs.E(errs.Forbidden, "only grants managers may do this")
	ErrNoUser           = errs.E(errs.Forbidden, "machine clients have no user account")
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
	var ok bool
	n.Name = strings.TrimSpace(n.Name)
	if n.Email, ok = normaliseEmail(n.Email); !ok {
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

// normaliseEmail lower-cases and trims an address and reports whether it is a plain one.
func normaliseEmail(email string) (string, bool) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	return email, err == nil && a.Address == email && len(email) <= maxEmailLength
}

// maxEmailLength is the longest email address an account may have (RFC 5321's path limit).
const maxEmailLength = 254

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

// Create makes an account of any role (the CLI, tests). actor is who creates it.
func (s *Service) Create(ctx context.Context, actor auth.Actor, n NewUser) (User, error) {
	u, err := s.prepare(ctx, n)
	if err != nil {
		return User{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error { return s.insert(ctx, actor, u) })
	return u, err
}

// prepare validates a new account and hashes its password (outside any transaction: hashing
// takes tens of milliseconds and must not hold a lock).
func (s *Service) prepare(ctx context.Context, n NewUser) (User, error) {
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	hash, err := s.hashNew(ctx, n.Password)
	if err != nil {
		return User{}, err
	}
	now := s.now().UTC()
	return User{ID: ids.New(), Email: n.Email, Name: n.Name, Role: n.Role, PasswordHash: hash, TokenVersion: 1, CreatedAt: now, UpdatedAt: now}, nil
}

// insert stores a prepared account and its audit event, inside the caller's transaction.
func (s *Service) insert(ctx context.Context, actor auth.Actor, u User) error {
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errs.CodeOf(err) == errs.Conflict {
			return ErrEmailTaken
		}
		return err
	}
	if actor.Anonymous() {
		actor = auth.Actor{UserID: u.ID, Role: u.Role}
	}
	return s.events.Publish(ctx, actor, event.UserAccount{UserID: u.ID, Role: string(u.Role), Email: u.Email})
}

// Register makes an applicant account (self-service).
func (s *Service) Register(ctx context.Context, email, password, name string) (User, error) {
	return s.Create(ctx, auth.Actor{}, NewUser{Email: email, Name: name, Password: password, Role: auth.RoleApplicant})
}

// Authenticate turns an access token into the Actor. A user token needs a valid signature
// and claims and a token_version and role still current for the user; a machine token, a
// client that has not been deleted.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Actor, error) {
	c, err := s.tokens.Verify(token)
	if err != nil {
		return auth.Actor{}, err
	}
	if c.Client {
		cl, err := s.store.ClientByID(ctx, c.Subject)
		if errs.CodeOf(err) == errs.NotFound || err == nil && cl.RevokedAt != nil {
			return auth.Actor{}, ErrStaleToken
		}
		if err != nil {
			return auth.Actor{}, err
		}
		return auth.Actor{UserID: cl.ID, Role: auth.RoleFinance, Machine: true, TokenID: c.ID}, nil
	}
	version, role, err := s.store.TokenState(ctx, c.Subject)
	if errs.CodeOf(err) == errs.NotFound {
		return auth.Actor{}, ErrBadToken
	}
	if err != nil {
		return auth.Actor{}, err
	}
	if version != c.TokenVersion || role != c.Role {
		return auth.Actor{}, ErrStaleToken
	}
	return auth.Actor{UserID: c.Subject, Role: role, TokenID: c.ID}, nil
}

// User returns the caller's own account.
func (s *Service) User(ctx context.Context, actor auth.Actor) (User, error) {
	if HasAccount(actor) != nil {
		return User{}, errs.E(errs.NotFound, "user not found")
	}
	return s.store.UserByID(ctx, actor.UserID)
}

// SetRole changes a user's role (grants managers). The user's token_version is bumped, so
// access tokens carrying the old role stop working at once; their sessions (refresh tokens)
// go on, and the next refresh carries the new role.
func (s *Service) SetRole(ctx context.Context, actor auth.Actor, userID string, role auth.Role) (User, error) {
	if err := CanManageAccounts(actor); err != nil {
		return User{}, err
	}
	if !role.Valid() {
		return User{}, (errs.Fields{{Field: "role", Message: "must be one of applicant, panel_member, grants_manager, finance"}}).Err(errs.Invalid, "the role is not valid")
	}
	var u User
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.LockUser(ctx, userID)
		if err != nil {
			return err
		}
		if old.Role == role {
			u = old
			return nil
		}
		now := s.now().UTC()
		if err := s.store.SetRole(ctx, userID, role, now); err != nil {
			return err
		}
		if err := s.store.BumpTokenVersion(ctx, userID, now); err != nil {
			return err
		}
		if u, err = s.store.UserByID(ctx, userID); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.RoleChange{UserID: userID, From: string(old.Role), To: string(role)})
	})
	return u, err
}
