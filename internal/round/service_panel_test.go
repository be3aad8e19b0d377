package round_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/ids"
	"constellate/internal/round"
	"constellate/internal/store"
)

// member is a panel member as the panel lists them, added at at.
func (f *fixture) member(t *testing.T, a auth.Actor, at time.Time) round.PanelMember {
	t.Helper()
	u, err := store.NewIdentityStore(f.db).UserByID(f.ctx, a.UserID)
	if err != nil {
		t.Fatal(err)
	}
	return round.PanelMember{UserID: u.ID, Name: u.Name, Email: u.Email, AddedAt: at}
}

func TestSetPanel(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		p := []auth.Actor{f.user(t, auth.RolePanelMember), f.user(t, auth.RolePanelMember), f.user(t, auth.RolePanelMember)}
		idsOf := func(ix ...int) []string {
			out := []string{}
			for _, i := range ix {
				out = append(out, p[i].UserID)
			}
			return out
		}
		panelOK := []struct {
			name           string
			status         round.Status
			initial, set   []int
			added, removed []int
		}{
			{"a first panel", round.StatusDraft, nil, []int{1, 0}, []int{0, 1}, nil},
			{"one leaves and one joins", round.StatusOpen, []int{0, 1}, []int{1, 2}, []int{2}, []int{0}},
			{"during the assessment everyone leaves", round.StatusAssessment, []int{0, 1}, []int{}, nil, []int{0, 1}},
		}
		for _, tc := range panelOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				r := f.roundIn(t, tc.status)
				if tc.initial != nil {
					if _, err := f.rounds.SetPanel(f.ctx, f.manager, r.ID, idsOf(tc.initial...), nil); err != nil {
						t.Fatal(err)
					}
				}
				initialAt := f.clock.Now()
				before, events := f.stored(t, r.ID), f.records(t, "round", r.ID)
				f.clock.Advance(time.Minute)
				got, err := f.rounds.SetPanel(f.ctx, f.manager, r.ID, idsOf(tc.set...), ptr(before.Version))
				if err != nil {
					t.Fatal(err)
				}
				want := round.Panel{RoundID: r.ID, Members: []round.PanelMember{}, Version: before.Version + 1, UpdatedAt: f.clock.Now()}
				for i := range p { // the panel lists its members by user id, as the ids were made
					switch {
					case slices.Contains(tc.set, i) && slices.Contains(tc.initial, i):
						want.Members = append(want.Members, f.member(t, p[i], initialAt))
					case slices.Contains(tc.set, i):
						want.Members = append(want.Members, f.member(t, p[i], f.clock.Now()))
					}
				}
				if d := cmp.Diff(want, got, equateEmpty); d != "" {
					t.Errorf("returned panel (-want +got):\n%s", d)
				}
				read, err := f.rounds.Panel(f.ctx, f.manager, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, read, equateEmpty); d != "" {
					t.Errorf("stored panel (-want +got):\n%s", d)
				}
				events = append(events, record{Action: "round.panel_changed", ActorID: f.manager.UserID,
					Changes: map[string]any{"added": anys(idsOf(tc.added...)...), "removed": anys(idsOf(tc.removed...)...)}})
				if d := cmp.Diff(events, f.records(t, "round", r.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
			})
		}

		t.Run("unchanged/the same panel in another order and case", func(t *testing.T) {
			r := f.roundIn(t, round.StatusOpen)
			if _, err := f.rounds.SetPanel(f.ctx, f.manager, r.ID, idsOf(0, 1), nil); err != nil {
				t.Fatal(err)
			}
			before, events := f.stored(t, r.ID), f.records(t, "round", r.ID)
			panel, err := f.rounds.Panel(f.ctx, f.manager, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
			got, err := f.rounds.SetPanel(f.ctx, f.manager, r.ID, []string{p[1].UserID, strings.ToUpper(p[0].UserID)}, ptr(before.Version))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(panel, got); d != "" {
				t.Errorf("returned panel (-before +got):\n%s", d)
			}
			if d := cmp.Diff(before, f.stored(t, r.ID)); d != "" {
				t.Errorf("the round changed (-before +after):\n%s", d)
			}
			if d := cmp.Diff(events, f.records(t, "round", r.ID)); d != "" {
				t.Errorf("an unchanged panel wrote audit events:\n%s", d)
			}
		})

		applicant := f.user(t, auth.RoleApplicant)
		invalid := func(fields ...string) problem { return problem{Code: errs.Invalid, Fields: fields} }
		refused := []struct {
			group string
			cases []refusal
		}{
			{"panel422", []refusal{
				{name: "an applicant", status: round.StatusDraft, userIDs: []string{applicant.UserID}, want: invalid("user_ids[0]")},
				{name: "no such user", status: round.StatusDraft, userIDs: []string{ids.New()}, want: invalid("user_ids[0]")},
				{name: "not an id", status: round.StatusDraft, userIDs: []string{"panel-1"}, want: invalid("user_ids[0]")},
				{name: "listed twice", status: round.StatusDraft, userIDs: idsOf(0, 0), want: invalid("user_ids[1]")},
				{name: "every problem at once", status: round.StatusOpen,
					userIDs: []string{p[0].UserID, f.manager.UserID, "x", strings.ToUpper(p[0].UserID)},
					want:    invalid("user_ids[1]", "user_ids[2]", "user_ids[3]")},
				{name: "no list", status: round.StatusDraft, userIDs: nil, want: invalid("user_ids")},
			}},
			{"panel409", []refusal{
				{name: "decided", status: round.StatusDecided, userIDs: idsOf(0), is: round.ErrFrozen,
					want: problem{Code: errs.Conflict, Fields: []string{"user_ids"}}},
				{name: "archived", status: round.StatusArchived, userIDs: []string{}, is: round.ErrFrozen,
					want: problem{Code: errs.Conflict, Fields: []string{"user_ids"}}},
			}},
			{"panel403and404", []refusal{
				{name: "403 for a panel member", status: round.StatusDraft, actor: &p[0], userIDs: idsOf(0),
					is: round.ErrManagersOnly, want: problem{Code: errs.Forbidden}},
				{name: "404 for an unknown round", status: round.StatusDraft, unknown: true, userIDs: idsOf(0),
					is: round.ErrNotFound, want: problem{Code: errs.NotFound}},
			}},
			{"panel412", []refusal{
				{name: "stale If-Match", status: round.StatusDraft, stale: true, userIDs: idsOf(0),
					is: round.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before a non-panel user", status: round.StatusDraft, stale: true, userIDs: []string{applicant.UserID},
					is: round.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before frozen", status: round.StatusDecided, stale: true, userIDs: idsOf(0),
					is: round.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "not found before stale", status: round.StatusDraft, stale: true, unknown: true, userIDs: idsOf(0),
					is: round.ErrNotFound, want: problem{Code: errs.NotFound}},
			}},
		}
		for _, g := range refused {
			for _, tc := range g.cases {
				t.Run(g.group+"/"+tc.name, func(t *testing.T) {
					tc.run(t, f, func(actor auth.Actor, id string, ifMatch *int64) error {
						_, err := f.rounds.SetPanel(f.ctx, actor, id, tc.userIDs, ifMatch)
						return err
					})
				})
			}
		}
	})
}
