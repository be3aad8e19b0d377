package assessment

import "constellate/internal/auth"

// Relation is what the service learned about a panel member and one application.
type Relation struct {
	OnPanel    bool // sits on the application's round's panel
	Assigned   bool // assigned to the application
	Conflicted bool // declared a conflict with it
	Submitted  bool // has submitted their own assessment of it
}

// CanManage says whether actor runs assessment (assignments, moderation, ranking,
// everyone's conflicts): grants managers.
func CanManage(actor auth.Actor) error {
	if actor.Is(auth.RoleGrantsManager) {
		return nil
	}
	return ErrManagersOnly
}

// CanDeclare says whether actor may list a round's applications and declare conflicts:
// panel members on its panel. Anyone else with a role that may call the route is told the
// round has nothing for them (404), so a panel does not reveal its rounds.
func CanDeclare(actor auth.Actor, onPanel bool) error {
	if actor.Is(auth.RolePanelMember) && onPanel {
		return nil
	}
	return ErrRoundMissing
}

// CanScore says whether actor may read and score an application: a panel member assigned to
// it and not conflicted. Everyone else — other panel members, conflicted ones, applicants,
// finance, and managers (who cannot change a panel member's scores) — is told there is no
// such assessment for them.
func CanScore(actor auth.Actor, rel Relation) error {
	if actor.Is(auth.RolePanelMember) && rel.Assigned && !rel.Conflicted {
		return nil
	}
	return ErrApplicationMissing
}

// AssessmentsVisible says which assessments of an application actor may read: managers all
// (drafts included); an assigned, unconflicted panel member their own and the others'
// submitted ones — with blind review only after submitting their own (403 before);
// everyone else none (404: applicants and finance never see assessments or scores).
func AssessmentsVisible(actor auth.Actor, rel Relation, blind bool) (all bool, err error) {
	switch {
	case actor.Is(auth.RoleGrantsManager):
		return true, nil
	case !actor.Is(auth.RolePanelMember) || !rel.Assigned || rel.Conflicted:
		return false, ErrApplicationMissing
	case blind && !rel.Submitted:
		return false, ErrBlind
	}
	return false, nil
}
