package round

import (
	"time"

	"constellate/internal/auth"
	"constellate/internal/errs"
)

// Errors of the policy.
var (
	ErrNotFound         = errs.E(errs.NotFound, "round not found")
	ErrProgrammeMissing = errs.E(errs.NotFound, "programme not found")
	ErrManagersOnly     = errs.E(errs.Forbidden, "only grants managers may do this")
)

// CanManage says whether actor may create and change programmes and rounds: grants
// managers only.
func CanManage(actor auth.Actor) error {
	if actor.Is(auth.RoleGrantsManager) {
		return nil
	}
	return ErrManagersOnly
}

// CanReadProgramme says whether actor may see programmes: grants managers only (a
// programme is the funder's own organising unit; the public learns of it through its
// rounds). Others are told it does not exist.
func CanReadProgramme(actor auth.Actor) error {
	if actor.Is(auth.RoleGrantsManager) {
		return nil
	}
	return ErrProgrammeMissing
}

// CanRead says whether actor may see round r at now. Grants managers see every round.
// Anyone else, even without an account, sees a round once it has opened (open, closed,
// in assessment, decided or archived): a published round stays a public fact, and
// applicants and panel members need it after it closes. Draft rounds are invisible (404).
func CanRead(actor auth.Actor, r Round, now time.Time) error {
	if actor.Is(auth.RoleGrantsManager) || r.Status != StatusDraft {
		return nil
	}
	return ErrNotFound
}

// ListScope is how a caller's round listing is limited.
type ListScope struct {
	// PublicOnly limits the list to rounds that are open or closed (by effective status)…
	PublicOnly bool
	// PanelMemberID …and, when set, adds the rounds past draft on whose panel this user sits
	// (a panel member sees the rounds they assess, in assessment and after).
	PanelMemberID string
}

// ScopeFor returns the listing scope of actor: managers see all; panel members open and
// closed rounds and those whose panel they sit on; anyone else open and closed rounds.
func ScopeFor(actor auth.Actor) ListScope {
	switch {
	case actor.Is(auth.RoleGrantsManager):
		return ListScope{}
	case actor.Is(auth.RolePanelMember):
		return ListScope{PublicOnly: true, PanelMemberID: actor.UserID}
	}
	return ListScope{PublicOnly: true}
}
