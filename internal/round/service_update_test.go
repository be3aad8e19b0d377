package round_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/ids"
	"constellate/internal/round"
)

// anys is a list as an audit event's changes hold it (decoded JSON).
func anys(ss ...string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func TestUpdateRound(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		f.clock.Advance(time.Hour)
		newForm := round.Form{Questions: []round.Question{{ID: "plan", Label: "What will you do?", Type: round.LongText, Required: true}}}
		schedule := round.ReportSchedule{{Kind: round.ReportInterim, DueAfterDays: 180}, {Kind: round.ReportFinal, DueAfterDays: 365}}
		later := start.Add(40 * 24 * time.Hour)

		updateOK := []struct {
			name    string
			status  round.Status
			patch   round.Patch
			ifMatch bool // send the current version
			want    func(d *round.Definition)
			changed []string
		}{
			{"draft: name and form", round.StatusDraft, round.Patch{Name: ptr("Side by Side 2026"), Form: &newForm}, false,
				func(d *round.Definition) { d.Name, d.Form = "Side by Side 2026", newForm }, []string{"name", "form"}},
			{"draft with the current If-Match", round.StatusDraft, round.Patch{Budget: ptr(int64(2000000))}, true,
				func(d *round.Definition) { d.Budget = 2000000 }, []string{"budget"}},
			{"open: a later deadline and grace", round.StatusOpen, round.Patch{ClosesAt: &later, GraceMinutes: ptr(60)}, false,
				func(d *round.Definition) { d.ClosesAt, d.GraceMinutes = later, 60 }, []string{"closes_at", "grace_minutes"}},
			{"closed: reviewers per application", round.StatusClosed, round.Patch{ReviewersPerApplication: ptr(3)}, true,
				func(d *round.Definition) { d.ReviewersPerApplication = 3 }, []string{"reviewers_per_application"}},
			{"assessment: budget and report schedule", round.StatusAssessment,
				round.Patch{Budget: ptr(int64(900000)), ReportSchedule: &schedule}, false,
				func(d *round.Definition) { d.Budget, d.ReportSchedule = 900000, schedule }, []string{"budget", "report_schedule"}},
			{"decided: description", round.StatusDecided, round.Patch{Description: ptr("Decisions are out.")}, false,
				func(d *round.Definition) { d.Description = "Decisions are out." }, []string{"description"}},
		}
		for _, tc := range updateOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				before := f.roundIn(t, tc.status)
				events := f.records(t, "round", before.ID)
				f.clock.Advance(time.Minute)
				var ifMatch *int64
				if tc.ifMatch {
					ifMatch = ptr(before.Version)
				}
				got, err := f.rounds.UpdateRound(f.ctx, f.manager, before.ID, tc.patch, ifMatch)
				if err != nil {
					t.Fatal(err)
				}
				want := f.stored(t, before.ID)
				want.Definition = before.Definition
				tc.want(&want.Definition)
				want.Version, want.UpdatedAt = before.Version+1, f.clock.Now()
				if d := cmp.Diff(want, got, equateEmpty); d != "" {
					t.Errorf("returned round (-want +got):\n%s", d)
				}
				if d := cmp.Diff(want, f.stored(t, before.ID), equateEmpty); d != "" {
					t.Errorf("stored round (-want +got):\n%s", d)
				}
				events = append(events, record{Action: "round.updated", ActorID: f.manager.UserID,
					Changes: map[string]any{"changed": anys(tc.changed...)}})
				if d := cmp.Diff(events, f.records(t, "round", before.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
			})
		}

		// A patch that changes nothing writes nothing: the version and the time stay, no event.
		unchanged := []struct {
			name   string
			status round.Status
			patch  func(r round.Round) round.Patch
		}{
			{"nothing sent", round.StatusDraft, func(round.Round) round.Patch { return round.Patch{} }},
			{"the name it has", round.StatusDraft, func(r round.Round) round.Patch { return round.Patch{Name: &r.Name} }},
			{"an open round's frozen form, as it is", round.StatusOpen, func(r round.Round) round.Patch {
				return round.Patch{Form: &r.Form, Currency: &r.Currency, OpensAt: ptr(r.OpensAt.In(time.FixedZone("CET", 3600)))}
			}},
		}
		for _, tc := range unchanged {
			t.Run("unchanged/"+tc.name, func(t *testing.T) {
				before := f.stored(t, f.roundIn(t, tc.status).ID)
				events := f.records(t, "round", before.ID)
				f.clock.Advance(time.Minute)
				got, err := f.rounds.UpdateRound(f.ctx, f.manager, before.ID, tc.patch(before), ptr(before.Version))
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(before, got, equateEmpty); d != "" {
					t.Errorf("returned round (-before +got):\n%s", d)
				}
				if d := cmp.Diff(before, f.stored(t, before.ID)); d != "" {
					t.Errorf("stored round changed (-before +after):\n%s", d)
				}
				if d := cmp.Diff(events, f.records(t, "round", before.ID)); d != "" {
					t.Errorf("an unchanged patch wrote audit events:\n%s", d)
				}
			})
		}

		other := f.roundIn(t, round.StatusDraft)
		applicant := f.user(t, auth.RoleApplicant)
		refused := []struct {
			group string
			cases []refusal
		}{
			{"update409", []refusal{
				{name: "open: terms and form are frozen", status: round.StatusOpen, is: round.ErrFrozen,
					patch: round.Patch{Currency: ptr("EUR"), MinGrant: ptr(int64(1)), Form: &newForm},
					want:  problem{Code: errs.Conflict, Fields: []string{"currency", "min_grant", "form"}}},
				{name: "closed: the deadline is frozen", status: round.StatusClosed, is: round.ErrFrozen,
					patch: round.Patch{ClosesAt: &later, GraceMinutes: ptr(10)},
					want:  problem{Code: errs.Conflict, Fields: []string{"closes_at", "grace_minutes"}}},
				{name: "assessment: panel settings are frozen", status: round.StatusAssessment, is: round.ErrFrozen,
					patch: round.Patch{ReviewersPerApplication: ptr(5), BlindAssessment: ptr(false)},
					want:  problem{Code: errs.Conflict, Fields: []string{"reviewers_per_application", "blind_assessment"}}},
				{name: "decided: budget and report form are frozen", status: round.StatusDecided, is: round.ErrFrozen,
					patch: round.Patch{Budget: ptr(int64(5)), ReportForm: &newForm},
					want:  problem{Code: errs.Conflict, Fields: []string{"budget", "report_form"}}},
				{name: "archived: even the name", status: round.StatusArchived, is: round.ErrFrozen,
					patch: round.Patch{Name: ptr("Renamed")}, want: problem{Code: errs.Conflict, Fields: []string{"name"}}},
				{name: "a prefix in use", status: round.StatusDraft, is: round.ErrPrefixTaken,
					patch: round.Patch{ReferencePrefix: &other.ReferencePrefix},
					want:  problem{Code: errs.Conflict, Fields: []string{"reference_prefix"}, Meta: map[string]string{"existing_id": other.ID}}},
			}},
			{"update422", []refusal{
				{name: "max_grant above the budget", status: round.StatusDraft, is: round.ErrInvalid,
					patch: round.Patch{MaxGrant: ptr(int64(2000000))}, want: problem{Code: errs.Invalid, Fields: []string{"max_grant"}}},
				{name: "an empty name", status: round.StatusDraft, is: round.ErrInvalid,
					patch: round.Patch{Name: ptr("")}, want: problem{Code: errs.Invalid, Fields: []string{"name"}}},
				{name: "open: a deadline already past", status: round.StatusOpen, is: round.ErrInvalid,
					patch: round.Patch{ClosesAt: ptr(start.Add(30 * time.Minute))}, want: problem{Code: errs.Invalid, Fields: []string{"closes_at"}}},
			}},
			{"update403and404", []refusal{
				{name: "403 for an applicant", status: round.StatusDraft, actor: &applicant, is: round.ErrManagersOnly,
					patch: round.Patch{Name: ptr("Mine now")}, want: problem{Code: errs.Forbidden}},
				{name: "404 for an unknown round", status: round.StatusDraft, unknown: true, is: round.ErrNotFound,
					patch: round.Patch{Name: ptr("Nobody's")}, want: problem{Code: errs.NotFound}},
			}},
			// Who may see the row comes first, then a stale If-Match, then the rule's own errors.
			{"update412", []refusal{
				{name: "stale If-Match", status: round.StatusDraft, stale: true, is: round.ErrStale,
					patch: round.Patch{Name: ptr("Lost update")}, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale and unchanged", status: round.StatusDraft, stale: true, is: round.ErrStale,
					patch: round.Patch{}, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before frozen", status: round.StatusOpen, stale: true, is: round.ErrStale,
					patch: round.Patch{Currency: ptr("EUR")}, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before invalid", status: round.StatusDraft, stale: true, is: round.ErrStale,
					patch: round.Patch{Name: ptr("")}, want: problem{Code: errs.PreconditionFailed}},
				{name: "not found before stale", status: round.StatusDraft, stale: true, unknown: true, is: round.ErrNotFound,
					patch: round.Patch{Name: ptr("x")}, want: problem{Code: errs.NotFound}},
				{name: "forbidden before stale", status: round.StatusDraft, stale: true, actor: &applicant, is: round.ErrManagersOnly,
					patch: round.Patch{Name: ptr("x")}, want: problem{Code: errs.Forbidden}},
			}},
		}
		for _, g := range refused {
			for _, tc := range g.cases {
				t.Run(g.group+"/"+tc.name, func(t *testing.T) {
					tc.run(t, f, func(actor auth.Actor, id string, ifMatch *int64) error {
						_, err := f.rounds.UpdateRound(f.ctx, actor, id, tc.patch, ifMatch)
						return err
					})
				})
			}
		}
	})
}

// refusal is a change to a round that must be refused and leave no trace.
type refusal struct {
	name    string
	status  round.Status  // the round is moved here first
	actor   *auth.Actor   // nil: the grants manager
	unknown bool          // ask for a round that does not exist
	stale   bool          // send an If-Match older than the round's version
	at      time.Duration // when set, the call is made this long after start (else a minute after the round is made)
	patch   round.Patch
	action  round.Action
	userIDs []string
	is      error // the sentinel errors.Is must match
	want    problem
}

// run makes the round, calls do with the refusal's caller, id and If-Match, and checks the
// error and that neither the round nor the audit log changed.
func (tc refusal) run(t *testing.T, f *fixture, do func(actor auth.Actor, id string, ifMatch *int64) error) {
	t.Helper()
	f.clock.Set(start.Add(time.Hour))
	r := f.roundIn(t, tc.status)
	before, events, all := f.stored(t, r.ID), f.records(t, "round", r.ID), f.records(t, "", "")
	panel, err := f.rounds.Panel(f.ctx, f.manager, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if tc.at != 0 {
		f.clock.Set(start.Add(tc.at))
	}
	actor, id := f.manager, r.ID
	if tc.actor != nil {
		actor = *tc.actor
	}
	if tc.unknown {
		id = ids.New()
	}
	var ifMatch *int64
	if tc.stale {
		ifMatch = ptr(before.Version - 1)
	}
	err = do(actor, id, ifMatch)
	if d := cmp.Diff(tc.want, problemOf(err), equateEmpty); d != "" {
		t.Errorf("error %v (-want +got):\n%s", err, d)
	}
	if tc.is != nil && !errors.Is(err, tc.is) {
		t.Errorf("error %v is not %v", err, tc.is)
	}
	if d := cmp.Diff(before, f.stored(t, r.ID)); d != "" {
		t.Errorf("a refused change changed the round (-before +after):\n%s", d)
	}
	if d := cmp.Diff(events, f.records(t, "round", r.ID)); d != "" {
		t.Errorf("a refused change wrote audit events about the round:\n%s", d)
	}
	if d := cmp.Diff(all, f.records(t, "", "")); d != "" {
		t.Errorf("a refused change wrote audit events:\n%s", d)
	}
	after, err := f.rounds.Panel(f.ctx, f.manager, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(panel, after, equateEmpty); d != "" {
		t.Errorf("a refused change changed the panel (-before +after):\n%s", d)
	}
}
