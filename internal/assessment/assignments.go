package assessment

import (
	"context"
	"strings"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
	"constellate/internal/page"
	"constellate/internal/round"
)

// inAssessment reads a round that must be in assessment (409 otherwise), locked when
// forUpdate.
func (s *Service) inAssessment(ctx context.Context, roundID string, forUpdate bool) (round.Round, error) {
	r, err := s.round(ctx, roundID, forUpdate)
	if err != nil {
		return r, err
	}
	if r.Status != round.StatusAssessment {
		return r, ErrNotInAssessment.Withf("the round is %s, not in assessment", r.Status)
	}
	return r, nil
}

// Assign asks a panel member to assess an application (grants managers): the round in
// assessment, the application under assessment, the user on its panel (422 user_id), not
// conflicted and not already assigned (409).
func (s *Service) Assign(ctx context.Context, actor auth.Actor, applicationID, userID string) (Assignment, error) {
	if err := CanManage(actor); err != nil {
		return Assignment{}, err
	}
	var out Assignment
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		t, err := s.target(ctx, applicationID, false)
		if errs.CodeOf(err) == errs.NotFound {
			return errs.Fields{{Field: "application_id", Message: "is not an application"}}.Err(errs.Invalid, "the assignment cannot be made")
		}
		if err != nil {
			return err
		}
		if _, err := s.inAssessment(ctx, t.RoundID, true); err != nil {
			return err
		}
		if t.Status != statusUnderAssessment {
			return ErrNotUnderAssessment
		}
		userID = strings.ToLower(userID)
		on := false
		if ids.Valid(userID) {
			if on, err = s.store.OnPanel(ctx, t.RoundID, userID); err != nil {
				return err
			}
		}
		if !on {
			return ErrNotOnPanel.WithFields(errs.Fields{{Field: "user_id", Message: "is not a member of the round's panel"}})
		}
		conflicted, err := s.store.Conflicted(ctx, t.ID, userID)
		if err != nil {
			return err
		}
		if conflicted {
			return ErrConflicted
		}
		out, err = s.create(ctx, actor, t, userID, false)
		return err
	})
	return out, err
}

// create inserts one assignment and publishes it.
func (s *Service) create(ctx context.Context, actor auth.Actor, t Target, userID string, auto bool) (Assignment, error) {
	now := s.now().UTC()
	a := Assignment{ID: ids.New(), RoundID: t.RoundID, ApplicationID: t.ID, UserID: userID, CreatedAt: now, UpdatedAt: now,
		Reference: t.Reference, Title: t.Title}
	if err := s.store.CreateAssignment(ctx, a); err != nil {
		return Assignment{}, err
	}
	return a, s.events.Publish(ctx, actor, event.AssignmentChange{Kind: event.AssignmentCreated, AssignmentID: a.ID,
		RoundID: a.RoundID, ApplicationID: a.ApplicationID, UserID: userID, Auto: auto})
}

// Unassign removes an assignment (grants managers) whose assessment is not submitted; a
// draft is discarded with it.
func (s *Service) Unassign(ctx context.Context, actor auth.Actor, id string) error {
	if err := CanManage(actor); err != nil {
		return err
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		if !ids.Valid(id) {
			return ErrAssignmentMissing
		}
		a, err := s.store.Assignment(ctx, strings.ToLower(id), true)
		if errs.CodeOf(err) == errs.NotFound {
			return ErrAssignmentMissing
		}
		if err != nil {
			return err
		}
		if _, err := s.inAssessment(ctx, a.RoundID, false); err != nil {
			return err
		}
		as, ok, err := s.store.Assessment(ctx, a.ApplicationID, a.UserID)
		if err != nil {
			return err
		}
		if ok && as.Status == StatusSubmitted {
			return ErrStarted
		}
		_, _, err = s.release(ctx, actor, a.ApplicationID, a.UserID, "manager")
		return err
	})
}

// AutoResult is what automatic assignment did.
type AutoResult struct {
	Created []Assignment
	// Short names the applications that still lack reviewers and how many.
	Short map[string]int
}

// AutoAssign gives every application under assessment in the round its
// reviewers_per_application panel members (grants managers; round in assessment), with
// Plan: balanced loads, never a conflicted reviewer, existing assignments kept. Re-running
// only fills gaps. The round row is locked, so two runs never interleave.
func (s *Service) AutoAssign(ctx context.Context, actor auth.Actor, roundID string) (AutoResult, error) {
	if err := CanManage(actor); err != nil {
		return AutoResult{}, err
	}
	var out AutoResult
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		r, err := s.inAssessment(ctx, roundID, true)
		if err != nil {
			return err
		}
		in := PlanInput{PerApplication: r.ReviewersPerApplication}
		if in.Applications, err = s.store.UnderAssessment(ctx, roundID); err != nil {
			return err
		}
		if in.Panel, err = s.store.Panel(ctx, roundID); err != nil {
			return err
		}
		if in.Existing, in.Started, err = s.store.RoundAssignments(ctx, roundID); err != nil {
			return err
		}
		if in.Conflicts, err = s.store.RoundConflicts(ctx, roundID); err != nil {
			return err
		}
		plan := Plan(in)
		out.Short, out.Created = plan.Short, make([]Assignment, 0, len(plan.Add))
		for _, p := range plan.Add {
			t, err := s.target(ctx, p.ApplicationID, false)
			if err != nil {
				return err
			}
			a, err := s.create(ctx, actor, t, p.UserID, true)
			if err != nil {
				return err
			}
			out.Created = append(out.Created, a)
		}
		return nil
	})
	return out, err
}

// Assignments lists a page of assignments: a panel member their own (f.UserID is theirs,
// whatever was asked), managers any, filtered by round, user, application and status.
func (s *Service) Assignments(ctx context.Context, actor auth.Actor, f AssignmentFilter, p page.Params) ([]Assignment, string, error) {
	switch {
	case actor.Is(auth.RolePanelMember):
		f.UserID = actor.UserID
	case CanManage(actor) != nil:
		return nil, "", ErrManagersOnly
	}
	var fe errs.Fields
	for field, v := range map[string]string{"round_id": f.RoundID, "user_id": f.UserID, "application_id": f.ApplicationID} {
		if v != "" && !ids.Valid(v) {
			fe.Add(field, "must be an id")
		}
	}
	switch f.Status {
	case "", "not_started", string(StatusDraft), string(StatusSubmitted):
	default:
		fe.Add("status", "must be one of not_started, draft, submitted")
	}
	if err := fe.Err(errs.Malformed, "the filters are not valid"); err != nil {
		return nil, "", err
	}
	list, err := s.store.Assignments(ctx, f, p)
	return page.Cut(p, list, err, func(a Assignment) string { return a.ID })
}

// LeftPanel removes the assignments of panel members who left a round's panel, discarding
// their drafts; assignments with a submitted assessment stay (the work counts). It
// subscribes to round.panel_changed, inside the panel change's transaction.
func (s *Service) LeftPanel(ctx context.Context, e event.Event) error {
	change, ok := e.Payload.(event.PanelChange)
	if !ok || len(change.Removed) == 0 {
		return nil
	}
	pairs, started, err := s.store.RoundAssignments(ctx, change.RoundID)
	if err != nil {
		return err
	}
	left := map[string]bool{}
	for _, u := range change.Removed {
		left[u] = true
	}
	for _, p := range pairs {
		if !left[p.UserID] || started[p] && s.submitted(ctx, p) {
			continue
		}
		if _, _, err := s.release(ctx, e.Actor, p.ApplicationID, p.UserID, "left_panel"); err != nil {
			return err
		}
	}
	return nil
}

// submitted reports whether the pair's assessment is submitted (errors count as
// submitted: the assignment is then kept, the safe side).
func (s *Service) submitted(ctx context.Context, p Pair) bool {
	a, ok, err := s.store.Assessment(ctx, p.ApplicationID, p.UserID)
	return err != nil || ok && a.Status == StatusSubmitted
}
