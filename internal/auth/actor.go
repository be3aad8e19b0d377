// Package auth knows who is calling: roles, the Actor every service method takes, and (with
// the identity capability) tokens, passwords and machine clients.
package auth

import "context"

// Role is a user's role, carried in the JWT `role` claim.
type Role string

// The roles of SPEC §1.
const (
	RoleApplicant     Role = "applicant"
	RolePanelMember   Role = "panel_member"
	RoleGrantsManager Role = "grants_manager"
	RoleFinance       Role = "finance"
)

// Roles lists every role, in a stable order (for matrices and validation).
var Roles = []Role{RoleApplicant, RolePanelMember, RoleGrantsManager, RoleFinance}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// Actor is the authenticated caller. The zero Actor is anonymous.
type Actor struct {
	UserID  string // user id, or the machine client's id when Machine is set
	Role    Role
	Machine bool   // a client-credentials caller (finance tools)
	TokenID string // the access token's jti
}

// Anonymous reports whether nobody is authenticated.
func (a Actor) Anonymous() bool { return a.UserID == "" }

// Is reports whether the actor has one of the given roles.
func (a Actor) Is(roles ...Role) bool {
	if a.Anonymous() {
		return false
	}
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

type actorKey struct{}

// WithActor returns a context carrying the actor (set by the authentication middleware).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or the anonymous actor.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
