package round

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
)

// MaxPanel bounds a round's panel.
const MaxPanel = 200

// PanelMember is a panel_member user sitting on a round's assessment panel.
type PanelMember struct {
	UserID  string
	Name    string
	Email   string
	AddedAt time.Time
}

// Panel is a round's assessment panel. Its version is the round's: changing the panel
// moves the round's ETag, so If-Match on PUT …/panel guards against lost updates.
type Panel struct {
	RoundID   string
	Members   []PanelMember // by user id
	Version   int64
	UpdatedAt time.Time
}

// PanelStore keeps rounds' panels (part of Store). Methods join the transaction in ctx.
type PanelStore interface {
	// PanelMembers lists a round's panel, by user id.
	PanelMembers(ctx context.Context, roundID string) ([]PanelMember, error)
	AddPanelMember(ctx context.Context, roundID, userID string, at time.Time) error
	RemovePanelMember(ctx context.Context, roundID, userID string) error
	// UserRoles returns the role of each of the users that exist, by id.
	UserRoles(ctx context.Context, userIDs []string) (map[string]auth.Role, error)
}

// panelEditableUntil is the last status in which the panel may change: until the decisions
// are made (a panel member may still be added during assessment, when one drops out).
const panelEditableUntil = StatusAssessment

// Panel returns a round's panel (grants managers).
func (s *Service) Panel(ctx context.Context, actor auth.Actor, id string) (Panel, error) {
	if err := CanManage(actor); err != nil {
		return Panel{}, err
	}
	r, err := s.store.Round(ctx, id, false)
	if err != nil {
		return Panel{}, err
	}
	members, err := s.store.PanelMembers(ctx, id)
	if err != nil {
		return Panel{}, err
	}
	return Panel{RoundID: r.ID, Members: members, Version: r.Version, UpdatedAt: r.UpdatedAt}, nil
}

// checkPanelList refuses a missing or oversized list.
func checkPanelList(userIDs []string) error {
	var f errs.Fields
	switch {
	case userIDs == nil:
		f.Add("user_ids", "is required: the list of the panel's users ([] for none)")
	case len(userIDs) > MaxPanel:
		f.Add("user_ids", "must list at most %d users", MaxPanel)
	}
	return f.Err(errs.Invalid, "the panel has problems")
}

// checkPanelIDs lists every problem with a panel's user ids at once: each must be a UUID,
// listed once, of an existing panel_member user (roles, read from the database). It returns
// the ids in lower case.
func checkPanelIDs(userIDs []string, roles map[string]auth.Role) ([]string, error) {
	var f errs.Fields
	out := make([]string, len(userIDs))
	seen := map[string]bool{}
	for i, u := range userIDs {
		u = strings.ToLower(u)
		out[i] = u
		field := fmt.Sprintf("user_ids[%d]", i)
		switch role, exists := roles[u]; {
		case !ids.Valid(u):
			f.Add(field, "must be a user id (UUID)")
		case seen[u]:
			f.Add(field, "repeats another user")
		case !exists:
			f.Add(field, "is not a user")
		case role != auth.RolePanelMember:
			f.Add(field, "is not a panel member (invite them as panel_member)")
		}
		seen[u] = true
	}
	return out, f.Err(errs.Invalid, "the panel has problems")
}

// validIDs returns the ids that are UUIDs, in lower case.
func validIDs(userIDs []string) []string {
	var out []string
	for _, u := range userIDs {
		if u = strings.ToLower(u); ids.Valid(u) {
			out = append(out, u)
		}
	}
	return out
}

// SetPanel replaces a round's panel with the users listed (grants managers): each must be
// a panel_member user (422 naming user_ids[i] otherwise). The panel may change until the
// round's decisions are made (409 after). ifMatch, when given, must be the round's current
// version (412). Adding or removing anyone bumps the round's version and writes one audit
// event naming who joined and who left.
//
// SEAM: the assessment capability decides what happens to a removed member's assignments.
func (s *Service) SetPanel(ctx context.Context, actor auth.Actor, id string, userIDs []string, ifMatch *int64) (Panel, error) {
	if err := CanManage(actor); err != nil {
		return Panel{}, err
	}
	if err := checkPanelList(userIDs); err != nil {
		return Panel{}, err
	}
	var out Panel
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var added, removed []string
		r, err := s.store.UpdateRound(ctx, id, s.guard(ifMatch), func(r *Round) error {
			if r.Status.rank() > panelEditableUntil.rank() {
				return ErrFrozen.WithFields(errs.Fields{{Field: "user_ids", Message: "the panel can no longer change: the round is " + string(r.Status)}})
			}
			var err error
			if added, removed, err = s.replacePanel(ctx, r.ID, userIDs); err != nil {
				return err
			}
			if len(added)+len(removed) == 0 {
				return change.Unchanged
			}
			return nil // the round's version counts panel changes too (its ETag guards PUT /panel)
		})
		if err != nil {
			return err
		}
		if len(added)+len(removed) > 0 {
			if err := s.events.Publish(ctx, actor, event.PanelChange{RoundID: r.ID, Added: added, Removed: removed}); err != nil {
				return err
			}
		}
		members, err := s.store.PanelMembers(ctx, id)
		if err != nil {
			return err
		}
		out = Panel{RoundID: r.ID, Members: members, Version: r.Version, UpdatedAt: r.UpdatedAt}
		return nil
	})
	return out, err
}

// replacePanel makes the round's panel exactly userIDs (each a panel_member user: 422
// naming user_ids[i] otherwise) and says who joined and who left.
func (s *Service) replacePanel(ctx context.Context, roundID string, userIDs []string) (added, removed []string, err error) {
	roles, err := s.store.UserRoles(ctx, validIDs(userIDs))
	if err != nil {
		return nil, nil, err
	}
	wanted, err := checkPanelIDs(userIDs, roles)
	if err != nil {
		return nil, nil, err
	}
	current, err := s.store.PanelMembers(ctx, roundID)
	if err != nil {
		return nil, nil, err
	}
	added, removed = panelDiff(current, wanted)
	for _, u := range removed {
		if err := s.store.RemovePanelMember(ctx, roundID, u); err != nil {
			return nil, nil, err
		}
	}
	now := s.Now()
	for _, u := range added {
		if err := s.store.AddPanelMember(ctx, roundID, u, now); err != nil {
			return nil, nil, err
		}
	}
	return added, removed, nil
}

// panelDiff says who joins and who leaves, each sorted.
func panelDiff(current []PanelMember, wanted []string) (added, removed []string) {
	added, removed = []string{}, []string{}
	had := map[string]bool{}
	for _, m := range current {
		had[m.UserID] = true
	}
	want := map[string]bool{}
	for _, u := range wanted {
		want[u] = true
		if !had[u] {
			added = append(added, u)
		}
	}
	for _, m := range current {
		if !want[m.UserID] {
			removed = append(removed, m.UserID)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}
