package identity

import "constellate/internal/auth"

// CanManageAccounts says whether actor may manage accounts and machine clients (invite,
// change roles, create and revoke clients): grants managers signed in as people, never a
// machine client (whose role is finance anyway; the check keeps a future role change from
// handing account management to a script).
func CanManageAccounts(actor auth.Actor) error {
	if !actor.Is(auth.RoleGrantsManager) || actor.Machine {
		return ErrManagersOnly
	}
	return nil
}

// HasAccount says whether actor is a person with an account of their own (sessions and
// passwords belong to people, not to machine clients).
func HasAccount(actor auth.Actor) error {
	if actor.Machine || actor.Anonymous() {
		return ErrNoUser
	}
	return nil
}
