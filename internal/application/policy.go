package application

import (
	"constellate/internal/auth"
	"constellate/internal/errs"
)

// ErrFinanceNoApplications refuses finance: it sees nothing of applications' answers or
// assessments (SPEC §1), so the whole resource is closed to it.
var ErrFinanceNoApplications = errs.E(errs.Forbidden, "finance does not see applications")

// ScopeFor is which applications actor may list: managers all, applicants those of their
// organisations, panel members those assigned to them and not conflicted.
func ScopeFor(actor auth.Actor) (ListScope, error) {
	switch {
	case actor.Is(auth.RoleGrantsManager):
		return ListScope{All: true}, nil
	case actor.Is(auth.RoleApplicant):
		return ListScope{MemberID: actor.UserID}, nil
	case actor.Is(auth.RolePanelMember):
		return ListScope{AssignedTo: actor.UserID}, nil
	}
	return ListScope{}, ErrFinanceNoApplications
}

// Relation is what the service learned about the actor and one application.
type Relation struct {
	// Member: the actor belongs to the applying organisation.
	Member bool
	// Assigned: the actor is a panel member assigned to it who has not declared a conflict
	// with it (a conflict removes the assignment too; this is the second line).
	Assigned bool
}

// CanRead says whether actor may see the application: managers, members of the applying
// organisation, and assigned panel members. Anyone else is told it does not exist.
func CanRead(actor auth.Actor, rel Relation) error {
	switch {
	case actor.Is(auth.RoleGrantsManager):
		return nil
	case actor.Is(auth.RoleApplicant) && rel.Member:
		return nil
	case actor.Is(auth.RolePanelMember) && rel.Assigned:
		return nil
	}
	return ErrNotFound
}

// CanReadHistory says whether actor may read the status history: managers and the
// applying organisation (transparency); panel members score the application, not its
// history.
func CanReadHistory(actor auth.Actor, rel Relation) error {
	if err := CanRead(actor, rel); err != nil {
		return err
	}
	if actor.Is(auth.RolePanelMember) {
		return ErrNotFound
	}
	return nil
}

// CanReadProblems says whether actor may ask what is left to do before an application
// can be submitted: its group and grants managers, as for the history.
func CanReadProblems(actor auth.Actor, rel Relation) error { return CanReadHistory(actor, rel) }

// CanChange says whether actor may edit, submit or withdraw: members of the applying
// organisation only (a manager cannot change an applicant's answers).
func CanChange(actor auth.Actor, rel Relation) error {
	if err := CanRead(actor, rel); err != nil {
		return err
	}
	if actor.Is(auth.RoleApplicant) && rel.Member {
		return nil
	}
	return ErrNotYours
}

// ShowsProblems says whether actor is shown a's problems (Problems): the members of its
// group (the only applicants who can read it) and grants managers, while it can still
// change (draft, more_info_requested). Panel members score what was submitted.
func ShowsProblems(actor auth.Actor, a Application) bool {
	return (actor.Is(auth.RoleApplicant) || actor.Is(auth.RoleGrantsManager)) && a.Status.Editable()
}

// CanScreen says whether actor may ask for more information, mark an application
// ineligible or reinstate it: grants managers.
func CanScreen(actor auth.Actor, rel Relation) error {
	if err := CanRead(actor, rel); err != nil {
		return err
	}
	if actor.Is(auth.RoleGrantsManager) {
		return nil
	}
	return ErrManagersOnly
}

// CanReadStats says whether actor may read a round's figures: grants managers.
func CanReadStats(actor auth.Actor) error {
	if actor.Is(auth.RoleGrantsManager) {
		return nil
	}
	return ErrManagersOnly
}

// ViewFor is the application as actor may see it: applicants see a decision only once the
// round's decisions are published (under_assessment until then).
func (a Application) ViewFor(actor auth.Actor) Application {
	if !actor.Is(auth.RoleGrantsManager) {
		a.Status = a.Status.SeenByApplicant(DecisionsPublished(a.RoundStatus))
	}
	return a
}

// HistoryFor is the history as actor may see it: for anyone but managers, the moves into a
// decision are left out until the round's decisions are published, and staff ids are not
// shown.
func HistoryFor(actor auth.Actor, a Application, entries []HistoryEntry) []HistoryEntry {
	if actor.Is(auth.RoleGrantsManager) {
		return entries
	}
	published := DecisionsPublished(a.RoundStatus)
	out := make([]HistoryEntry, 0, len(entries))
	for _, h := range entries {
		if h.To.Decided() && !published {
			continue
		}
		if h.ActorRole != string(auth.RoleApplicant) {
			h.ActorID = ""
		}
		out = append(out, h)
	}
	return out
}
