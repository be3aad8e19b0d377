package organisation

import "constellate/internal/auth"

// Relation is the caller's membership role in one organisation: "" when not a member.
// Services look it up in the database at the time of each request (never from the token).
type Relation = MembershipRole

// isMember reports whether actor is an applicant holding any membership rel. Only
// applicant accounts act through memberships: a relation never lends another role powers.
func isMember(actor auth.Actor, rel Relation) bool {
	return actor.Is(auth.RoleApplicant) && !actor.Machine && (rel == RoleOwner || rel == RoleMember)
}

// isOwner reports whether actor is an applicant owning the organisation.
func isOwner(actor auth.Actor, rel Relation) bool { return isMember(actor, rel) && rel == RoleOwner }

// staff are the roles that read every organisation.
func staff(actor auth.Actor) bool { return actor.Is(auth.RoleGrantsManager, auth.RoleFinance) }

// CanCreate says whether actor may create an organisation: applicants only (the creator
// becomes its first owner).
func CanCreate(actor auth.Actor) error {
	if actor.Is(auth.RoleApplicant) && !actor.Machine {
		return nil
	}
	return ErrApplicantsOnly
}

// CanRead says whether actor may see an organisation: its members, grants managers and
// finance. Anyone else is told it does not exist.
func CanRead(actor auth.Actor, rel Relation) error {
	if staff(actor) || isMember(actor, rel) {
		return nil
	}
	return ErrNotFound
}

// CanEdit says whether actor may change an organisation's details: owners only. Plain
// members and staff see it but may not change it (403); others do not see it (404).
func CanEdit(actor auth.Actor, rel Relation) error {
	if err := CanRead(actor, rel); err != nil {
		return err
	}
	if isOwner(actor, rel) {
		return nil
	}
	return ErrOwnersOnly
}

// CanListMembers says whether actor may see an organisation's members (names and emails):
// its members and grants managers. Finance sees the organisation but not its people.
func CanListMembers(actor auth.Actor, rel Relation) error {
	if err := CanRead(actor, rel); err != nil {
		return err
	}
	if actor.Is(auth.RoleGrantsManager) || isMember(actor, rel) {
		return nil
	}
	return ErrMembersListAccess
}

// CanManageMembers says whether actor may invite people to join and list or revoke the
// organisation's invitations: owners only. It is how a group grows (Invite).
func CanManageMembers(actor auth.Actor, rel Relation) error { return CanEdit(actor, rel) }

// CanAddDirectly says whether actor may add an existing account to an organisation without
// an invitation (DirectAdd): grants managers signed in as people, only. It is the support
// path — a manager on the phone to a group whose only owner lost their account — and it
// looks accounts up by email, which must never answer an applicant: owners invite
// (ErrInviteInstead, 403, before any lookup), plain members and finance are refused
// (403), strangers do not see the organisation (404). Route tables may narrow who reaches
// this; the rule holds whoever calls the service.
func CanAddDirectly(actor auth.Actor, rel Relation) error {
	if err := CanRead(actor, rel); err != nil {
		return err
	}
	switch {
	case actor.Is(auth.RoleGrantsManager) && !actor.Machine:
		return nil
	case isOwner(actor, rel):
		return ErrInviteInstead
	}
	return ErrDirectAddManagersOnly
}

// CanRemoveMember says whether actor may remove the member targetUserID: owners remove
// anyone; a member may remove themself. (The last-owner rule is checked separately.)
func CanRemoveMember(actor auth.Actor, rel Relation, targetUserID string) error {
	if err := CanRead(actor, rel); err != nil {
		return err
	}
	if isOwner(actor, rel) || (isMember(actor, rel) && targetUserID == actor.UserID) {
		return nil
	}
	return ErrRemoveOthers
}

// CanSetBankAccount says whether actor may give or replace the bank account: owners only.
func CanSetBankAccount(actor auth.Actor, rel Relation) error { return CanEdit(actor, rel) }

// BankView is how much of a bank account a caller may see.
type BankView int

// The views of a bank account.
const (
	BankHidden BankView = iota // not even its existence
	BankMasked                 // the organisation's members: ****1234
	BankFull                   // finance, to pay; every read audited
)

// CanSeeBankAccount says how much of an organisation's bank account actor may see (SPEC
// §4): in full only to finance, masked to the organisation's members, never to anyone
// else — grants managers and panel members included — who are told it does not exist.
func CanSeeBankAccount(actor auth.Actor, rel Relation) (BankView, error) {
	switch {
	case actor.Is(auth.RoleFinance):
		return BankFull, nil
	case isMember(actor, rel):
		return BankMasked, nil
	}
	return BankHidden, ErrBankNotFound
}

// ScopeFor is the listing scope of actor: staff see every organisation, applicants their
// own, anyone else none (a scope naming nobody).
func ScopeFor(actor auth.Actor) ListScope {
	if staff(actor) {
		return ListScope{All: true}
	}
	if actor.Is(auth.RoleApplicant) {
		return ListScope{MemberID: actor.UserID}
	}
	return ListScope{MemberID: "00000000-0000-0000-0000-000000000000"}
}
