package api

import (
	"strings"

	"constellate/internal/auth"
	"constellate/internal/errs"
)

// access is a route's policy: who may call it at all. Every route has one (default deny:
// the zero access refuses everyone, and a test fails on any route without a policy).
type access struct {
	set    bool
	public bool
	roles  []auth.Role // empty with set and !public: any authenticated caller
}

var (
	// public routes need no token.
	public = access{set: true, public: true}
	// authenticated routes need any valid token.
	authenticated = access{set: true}
)

// roles allows callers with one of the given roles.
func roles(r ...auth.Role) access { return access{set: true, roles: r} }

func (a access) allow(actor auth.Actor) error {
	switch {
	case !a.set:
		return errs.E(errs.Forbidden, "this route has no access policy")
	case a.public:
		return nil
	case actor.Anonymous():
		return errs.E(errs.Unauthenticated, "sign in first: send an access token as: Authorization: Bearer <token>")
	case len(a.roles) == 0 || actor.Is(a.roles...):
		return nil
	}
	return errs.E(errs.Forbidden, "your role may not do this")
}

// String describes the policy (for tests and docs).
func (a access) String() string {
	switch {
	case !a.set:
		return ""
	case a.public:
		return "public"
	case len(a.roles) == 0:
		return "authenticated"
	}
	names := make([]string, len(a.roles))
	for i, r := range a.roles {
		names[i] = string(r)
	}
	return "roles:" + strings.Join(names, ",")
}
