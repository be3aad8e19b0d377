package application_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"constellate/internal/application"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/organisation"
	"constellate/internal/page"
	"constellate/internal/round"
)

// act runs one of the status actions that take a reason.
func (f *fixture) act(action string, actor auth.Actor, id, text string, ifMatch *int64) (application.Application, error) {
	switch action {
	case "withdraw":
		return f.apps.Withdraw(f.ctx, actor, id, text, ifMatch)
	case "request-info":
		return f.apps.RequestInfo(f.ctx, actor, id, text, ifMatch)
	case "mark-ineligible":
		return f.apps.MarkIneligible(f.ctx, actor, id, text, ifMatch)
	case "reinstate":
		return f.apps.Reinstate(f.ctx, actor, id, text, ifMatch)
	}
	panic("no action " + action)
}

func TestActions(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		actionOK := []struct {
			name, action, caller string
			status, want         application.Status
			text, reason         string // the reason sent, and as recorded
			event                string
		}{
			{"withdraw a draft with a reason", "withdraw", "owner", application.StatusDraft, application.StatusWithdrawn,
				"We merged with another group.", "We merged with another group.", "application.withdrawn"},
			{"withdraw a submitted application, no reason given", "withdraw", "member", application.StatusSubmitted,
				application.StatusWithdrawn, "", "", "application.withdrawn"},
			{"withdraw while more information is asked for", "withdraw", "owner", application.StatusMoreInfoRequested,
				application.StatusWithdrawn, "  Too busy.  ", "Too busy.", "application.withdrawn"},
			{"withdraw under assessment", "withdraw", "owner", application.StatusUnderAssessment,
				application.StatusWithdrawn, "", "", "application.withdrawn"},
			{"ask a submitted application for more", "request-info", "manager", application.StatusSubmitted,
				application.StatusMoreInfoRequested, " Tell us about your budget. ", "Tell us about your budget.", "application.info_requested"},
			{"screen a submitted application out", "mark-ineligible", "manager", application.StatusSubmitted,
				application.StatusIneligible, "We fund user-led groups only.", "We fund user-led groups only.", "application.marked_ineligible"},
			{"reinstate an application screened out", "reinstate", "manager", application.StatusIneligible,
				application.StatusSubmitted, " We misread your answers. ", "We misread your answers.", "application.reinstated"},
		}
		for _, tc := range actionOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				f.clock.Set(start.Add(time.Hour))
				r := f.openRound(t)
				owner, before := f.applicationIn(t, r.ID, tc.status)
				actor := f.caller(t, tc.caller, owner, before.OrganisationID)
				events, tr := f.records(t, before.ID), f.trail(t, before.ID)
				f.clock.Advance(time.Minute)
				got, err := f.act(tc.action, actor, before.ID, tc.text, ptr(before.Version))
				if err != nil {
					t.Fatal(err)
				}
				want := before
				want.Status, want.Version, want.UpdatedAt = tc.want, before.Version+1, f.clock.Now()
				if tc.action == "request-info" {
					want.InfoRequest = &application.InfoRequest{Message: tc.reason, RequestedAt: f.clock.Now(), RequestedByRole: "grants_manager"}
				}
				if d := cmp.Diff(want, got, ignoreProblems); d != "" {
					t.Errorf("returned application (-want +got):\n%s", d)
				}
				if d := cmp.Diff(want, f.stored(t, before.ID), ignoreProblems); d != "" {
					t.Errorf("stored application (-want +got):\n%s", d)
				}
				move := map[string]any{"round_id": r.ID, "organisation_id": before.OrganisationID, "from": string(tc.status), "to": string(tc.want)}
				if tc.reason != "" || tc.action == "reinstate" {
					move["reason"] = tc.reason
				}
				events = append(events, record{Action: tc.event, ActorID: actor.UserID, Changes: move})
				if d := cmp.Diff(events, f.records(t, before.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
				tr.History = append(tr.History, application.HistoryEntry{From: tc.status, To: tc.want, At: f.clock.Now(),
					ActorID: actor.UserID, ActorRole: string(actor.Role), Reason: tc.reason})
				if d := cmp.Diff(tr, f.trail(t, before.ID), ignoreIDs, ignoreRevisionIDs); d != "" {
					t.Errorf("history and revisions (-want +got):\n%s", d)
				}
			})
		}

		long := strings.Repeat("x", application.MaxReasonLength+1)
		illegal := problem{Code: errs.Conflict}
		refused := []struct {
			group, action string
			cases         []refusal
		}{
			{"withdraw", "withdraw", []refusal{
				{name: "403 a grants manager", actor: "manager", status: application.StatusSubmitted, is: application.ErrNotYours,
					want: problem{Code: errs.Forbidden}},
				{name: "404 an applicant of another group", actor: "stranger", is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "409 already withdrawn", status: application.StatusWithdrawn, is: application.ErrIllegalTransition, want: illegal},
				{name: "409 screened out", status: application.StatusIneligible, is: application.ErrIllegalTransition, want: illegal},
				{name: "422 a reason too long", text: long, want: problem{Code: errs.Invalid, Fields: []string{"reason"}}},
				{name: "412 stale If-Match", stale: true, is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
			}},
			{"request-info", "request-info", []refusal{
				{name: "422 no message", actor: "manager", status: application.StatusSubmitted, text: "  ",
					want: problem{Code: errs.Invalid, Fields: []string{"message"}}},
				{name: "403 the group's owner", status: application.StatusSubmitted, text: "More?",
					is: application.ErrManagersOnly, want: problem{Code: errs.Forbidden}},
				{name: "404 an applicant of another group", actor: "stranger", status: application.StatusSubmitted, text: "More?",
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "404 a panel member", actor: "panel", status: application.StatusSubmitted, text: "More?",
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "409 a draft, before the missing message", actor: "manager", text: "",
					is: application.ErrIllegalTransition, want: illegal},
				{name: "412 stale If-Match", actor: "manager", status: application.StatusSubmitted, text: "More?", stale: true,
					is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "412 stale before the missing message", actor: "manager", status: application.StatusSubmitted, stale: true,
					is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "404 not found before stale", actor: "stranger", status: application.StatusSubmitted, text: "More?", stale: true,
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
			}},
			{"mark-ineligible", "mark-ineligible", []refusal{
				{name: "422 no reason", actor: "manager", status: application.StatusSubmitted,
					want: problem{Code: errs.Invalid, Fields: []string{"reason"}}},
				{name: "422 a reason too long", actor: "manager", status: application.StatusSubmitted, text: long,
					want: problem{Code: errs.Invalid, Fields: []string{"reason"}}},
				{name: "409 under assessment", actor: "manager", status: application.StatusUnderAssessment, text: "Not user-led.",
					is: application.ErrIllegalTransition, want: illegal},
				{name: "404 finance", actor: "finance", status: application.StatusSubmitted, text: "Not user-led.",
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "403 a member of the group", actor: "member", status: application.StatusSubmitted, text: "Not user-led.",
					is: application.ErrManagersOnly, want: problem{Code: errs.Forbidden}},
			}},
			{"reinstate", "reinstate", []refusal{
				{name: "422 no reason", actor: "manager", status: application.StatusIneligible, text: " ",
					want: problem{Code: errs.Invalid, Fields: []string{"reason"}}},
				{name: "409 not ineligible, before the missing reason", actor: "manager", status: application.StatusSubmitted,
					is: application.ErrIllegalTransition, want: illegal},
				{name: "409 once the round's decisions are published", actor: "manager", status: application.StatusIneligible,
					text: "We misread.", setup: moveRound(round.ActionClose, round.ActionStartAssessment, round.ActionPublishDecisions),
					is: application.ErrRoundMovedOn, want: problem{Code: errs.Conflict}},
				{name: "403 the group's owner", status: application.StatusIneligible, text: "Please.",
					is: application.ErrManagersOnly, want: problem{Code: errs.Forbidden}},
				{name: "404 a panel member", actor: "panel", status: application.StatusIneligible, text: "x",
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "412 stale If-Match", actor: "manager", status: application.StatusIneligible, text: "x", stale: true,
					is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
			}},
		}
		for _, g := range refused {
			for _, tc := range g.cases {
				t.Run(g.group+"/"+tc.name, func(t *testing.T) {
					tc.run(t, f, func(actor auth.Actor, id string, ifMatch *int64) error {
						_, err := f.act(g.action, actor, id, tc.text, ifMatch)
						return err
					})
				})
			}
		}
	})
}

// List shows each caller what policy lets them see, filtered in SQL, newest first, by pages.
func TestListApplications(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		r1, r2 := f.openRound(t), f.openRound(t)
		ownerA, a1 := f.applicationIn(t, r1.ID, application.StatusDraft)
		a2org := f.orgFor(t, ownerA)
		a2, err := f.apps.Create(f.ctx, ownerA, r1.ID, a2org)
		if err != nil {
			t.Fatal(err)
		}
		fill(t, f, ownerA, a2)
		if _, err := f.apps.Submit(f.ctx, ownerA, a2.ID, nil); err != nil {
			t.Fatal(err)
		}
		ownerB, a3 := f.applicationIn(t, r1.ID, application.StatusDraft)
		a4, err := f.apps.Create(f.ctx, ownerA, r2.ID, a1.OrganisationID)
		if err != nil {
			t.Fatal(err)
		}
		memberB := f.caller(t, "member", ownerB, a3.OrganisationID)
		id := func(as ...application.Application) []string {
			out := []string{}
			for _, a := range as {
				out = append(out, a.ID)
			}
			return out
		}

		scopes := []struct {
			name   string
			actor  auth.Actor
			filter application.Filter
			want   []string
		}{
			{"a manager sees all, newest first", f.manager, application.Filter{}, id(a4, a3, a2, a1)},
			{"a manager, one round", f.manager, application.Filter{RoundID: r1.ID}, id(a3, a2, a1)},
			{"a manager, submitted only", f.manager, application.Filter{Status: application.StatusSubmitted}, id(a2)},
			{"an applicant sees their groups'", ownerA, application.Filter{}, id(a4, a2, a1)},
			{"an applicant, one group and round", ownerA, application.Filter{OrganisationID: a1.OrganisationID, RoundID: r1.ID}, id(a1)},
			{"an applicant asking for another group's", ownerA, application.Filter{OrganisationID: a3.OrganisationID}, id()},
			{"another group's owner", ownerB, application.Filter{}, id(a3)},
			{"a plain member of a group", memberB, application.Filter{}, id(a3)},
			{"a panel member, assigned nothing yet", f.user(t, auth.RolePanelMember), application.Filter{}, id()},
		}
		for _, tc := range scopes {
			t.Run("scope/"+tc.name, func(t *testing.T) {
				list, next, err := f.apps.List(f.ctx, tc.actor, tc.filter, page.Params{})
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tc.want, id(list...)); d != "" || next != "" {
					t.Errorf("listed (-want +got):\n%s\nnext %q", d, next)
				}
			})
		}

		t.Run("pages", func(t *testing.T) {
			type pageOf struct {
				IDs  []string
				Next string
			}
			var got []pageOf
			p := page.Params{Limit: 3}
			for {
				list, next, err := f.apps.List(f.ctx, f.manager, application.Filter{}, p)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, pageOf{id(list...), next})
				if next == "" || len(got) > 3 {
					break
				}
				p.After = next
			}
			want := []pageOf{{id(a4, a3, a2), a2.ID}, {id(a1), ""}}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("pages (-want +got):\n%s", d)
			}
		})

		listRefused := []struct {
			name   string
			actor  auth.Actor
			filter application.Filter
			want   problem
		}{
			{"finance sees no applications", f.user(t, auth.RoleFinance), application.Filter{}, problem{Code: errs.Forbidden}},
			{"no such status", f.manager, application.Filter{Status: "approved"}, problem{Code: errs.Malformed, Fields: []string{"status"}}},
		}
		for _, tc := range listRefused {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := f.apps.List(f.ctx, tc.actor, tc.filter, page.Params{})
				if d := cmp.Diff(tc.want, problemOf(err), equateEmpty); d != "" {
					t.Errorf("error %v (-want +got):\n%s", err, d)
				}
			})
		}
	})
}

// orgFor makes another organisation owned by owner.
func (f *fixture) orgFor(t *testing.T, owner auth.Actor) string {
	t.Helper()
	o, err := f.orgs.Create(f.ctx, owner, organisation.Details{Name: "Northern Lights Queer Youth"})
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// A reinstated application rejoins a round already in assessment, with both moves in its
// history (the reason on the first) and audit log.
func TestReinstateRejoinsAssessment(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		f.clock.Set(start.Add(time.Hour))
		r := f.openRound(t)
		_, a := f.applicationIn(t, r.ID, application.StatusIneligible)
		moveRound(round.ActionClose, round.ActionStartAssessment)(t, f, auth.Actor{}, a)
		f.clock.Advance(time.Minute)
		got, err := f.apps.Reinstate(f.ctx, f.manager, a.ID, "We misread your income.", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != application.StatusUnderAssessment || got.Version != a.Version+2 {
			t.Errorf("reinstated into assessment: %s, version %d (was %d)", got.Status, got.Version, a.Version)
		}
		h := f.trail(t, a.ID).History
		var moves []string
		for _, e := range h[len(h)-2:] {
			moves = append(moves, string(e.From)+"→"+string(e.To)+":"+e.Reason)
		}
		if d := cmp.Diff([]string{"ineligible→submitted:We misread your income.", "submitted→under_assessment:"}, moves); d != "" {
			t.Errorf("history (-want +got):\n%s", d)
		}
		var actions []string
		for _, e := range f.records(t, a.ID) {
			actions = append(actions, e.Action)
		}
		if d := cmp.Diff([]string{"application.reinstated", "application.assessment_started"}, actions[len(actions)-2:]); d != "" {
			t.Errorf("audit (-want +got):\n%s", d)
		}
	})
}
