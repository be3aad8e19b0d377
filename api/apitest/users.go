package apitest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"constellate/internal/auth"
	"constellate/internal/identity"
)

// User is a test account with a bearer token.
type User struct {
	ID    string
	Email string
	Name  string
	Role  auth.Role
	Token string
}

var userSeq atomic.Int64

// fixtureHash is the argon2id hash of TestPassword, made once per test process at the real
// cost and given to every account NewUser makes (identity.Service.SetNewAccountHasher):
// hashing per account was most of the suite's CPU. Logging in as a fixture still checks the
// password against a real hash; any other password is hashed afresh.
var fixtureHash = sync.OnceValues(func() (string, error) { return auth.HashPassword(context.Background(), TestPassword) })

func fixtureHasher(ctx context.Context, password string) (string, error) {
	if password == TestPassword {
		return fixtureHash()
	}
	return auth.HashPassword(ctx, password)
}

// TestPassword is the password of every account NewUser makes.
const TestPassword = "correct horse battery staple 42"

// NewUser creates an account of the role (through the identity service, as the CLI and
// invitations do) and signs an access token for it. It is a fixture: login itself is
// tested through HTTP elsewhere.
func (e *Env) NewUser(role auth.Role) User {
	e.T.Helper()
	n := userSeq.Add(1)
	name := fmt.Sprintf("%s %d", role, n)
	email := fmt.Sprintf("%s-%d@example.org", role, n)
	u, err := e.Server.Identity.Create(context.Background(), auth.Actor{}, identity.NewUser{Email: email, Name: name, Password: TestPassword, Role: role})
	if err != nil {
		e.T.Fatalf("apitest: create %s: %v", role, err)
	}
	tok, err := e.Server.Identity.Tokens().Issue(u.ID, u.Role, u.TokenVersion, false, "")
	if err != nil {
		e.T.Fatalf("apitest: token: %v", err)
	}
	return User{ID: u.ID, Email: email, Name: name, Role: role, Token: tok}
}

// Manager, Applicant, Panel and Finance are NewUser for each role.
func (e *Env) Manager() User   { return e.NewUser(auth.RoleGrantsManager) }
func (e *Env) Applicant() User { return e.NewUser(auth.RoleApplicant) }
func (e *Env) Panel() User     { return e.NewUser(auth.RolePanelMember) }
func (e *Env) Finance() User   { return e.NewUser(auth.RoleFinance) }
