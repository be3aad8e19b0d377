package round_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"constellate/internal/application"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/organisation"
	"constellate/internal/page"
	"constellate/internal/round"
)

const day = 24 * time.Hour

func TestTransition(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		transitionOK := []struct {
			name     string
			from     round.Status
			at       time.Duration // when set, the action is taken this long after start
			action   round.Action
			want     round.Status
			event    string
			fromSeen round.Status // the status the event says the round left
		}{
			{"open a draft", round.StatusDraft, 0, round.ActionOpen, round.StatusOpen, "round.opened", round.StatusDraft},
			{"close an open round", round.StatusOpen, 0, round.ActionClose, round.StatusClosed, "round.closed", round.StatusOpen},
			{"start the assessment of a closed round", round.StatusClosed, 0, round.ActionStartAssessment, round.StatusAssessment,
				"round.assessment_started", round.StatusClosed},
			{"start the assessment once the grace period is over", round.StatusOpen, 30*day + 31*time.Minute,
				round.ActionStartAssessment, round.StatusAssessment, "round.assessment_started", round.StatusClosed},
			{"publish decisions", round.StatusAssessment, 0, round.ActionPublishDecisions, round.StatusDecided,
				"round.decisions_published", round.StatusAssessment},
			{"archive a decided round", round.StatusDecided, 0, round.ActionArchive, round.StatusArchived, "round.archived", round.StatusDecided},
			{"archive a draft that will never open", round.StatusDraft, 0, round.ActionArchive, round.StatusArchived,
				"round.archived", round.StatusDraft},
		}
		for _, tc := range transitionOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				f.clock.Set(start.Add(time.Hour))
				before := f.roundIn(t, tc.from)
				events := f.records(t, "round", before.ID)
				f.clock.Advance(time.Minute)
				if tc.at != 0 {
					f.clock.Set(start.Add(tc.at))
				}
				got, err := f.rounds.Transition(f.ctx, f.manager, before.ID, tc.action, ptr(before.Version))
				if err != nil {
					t.Fatal(err)
				}
				want := before
				want.Status, want.Version, want.UpdatedAt = tc.want, before.Version+1, f.clock.Now()
				if d := cmp.Diff(want, got, equateEmpty); d != "" {
					t.Errorf("returned round (-want +got):\n%s", d)
				}
				if d := cmp.Diff(want, f.stored(t, before.ID), equateEmpty); d != "" {
					t.Errorf("stored round (-want +got):\n%s", d)
				}
				events = append(events, record{Action: tc.event, ActorID: f.manager.UserID,
					Changes: map[string]any{"status": map[string]any{"from": string(tc.fromSeen), "to": string(tc.want)}}})
				if d := cmp.Diff(events, f.records(t, "round", before.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
			})
		}

		applicant := f.user(t, auth.RoleApplicant)
		illegal := func(from round.Status, a round.Action) refusal {
			return refusal{name: string(a) + " from " + string(from), status: from, action: a, is: round.ErrIllegalTransition,
				want: problem{Code: errs.Conflict}}
		}
		refused := []struct {
			group string
			cases []refusal
		}{
			{"transition409", []refusal{
				illegal(round.StatusDraft, round.ActionClose),
				illegal(round.StatusDraft, round.ActionStartAssessment),
				illegal(round.StatusOpen, round.ActionOpen),
				illegal(round.StatusOpen, round.ActionStartAssessment),
				illegal(round.StatusOpen, round.ActionArchive),
				illegal(round.StatusClosed, round.ActionPublishDecisions),
				illegal(round.StatusAssessment, round.ActionClose),
				illegal(round.StatusDecided, round.ActionOpen),
				illegal(round.StatusArchived, round.ActionOpen),
				illegal(round.StatusArchived, round.ActionArchive),
				{name: "open a draft past its closes_at", status: round.StatusDraft, at: 31 * day, action: round.ActionOpen,
					is: round.ErrClosesAtPassed, want: problem{Code: errs.Conflict}},
				{name: "start the assessment within the grace period", status: round.StatusOpen, at: 30*day + 10*time.Minute,
					action: round.ActionStartAssessment, is: round.ErrGraceRunning, want: problem{Code: errs.Conflict}},
			}},
			{"transition403and404", []refusal{
				{name: "403 for an applicant", status: round.StatusDraft, actor: &applicant, action: round.ActionOpen,
					is: round.ErrManagersOnly, want: problem{Code: errs.Forbidden}},
				{name: "404 for an unknown round", status: round.StatusDraft, unknown: true, action: round.ActionOpen,
					is: round.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "404 for an unknown action", status: round.StatusDraft, action: "reopen",
					is: round.ErrUnknownAction, want: problem{Code: errs.NotFound}},
			}},
			{"transition412", []refusal{
				{name: "stale If-Match", status: round.StatusDraft, stale: true, action: round.ActionOpen,
					is: round.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before illegal", status: round.StatusDraft, stale: true, action: round.ActionClose,
					is: round.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "not found before stale", status: round.StatusDraft, stale: true, unknown: true, action: round.ActionOpen,
					is: round.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "forbidden before stale", status: round.StatusDraft, stale: true, actor: &applicant, action: round.ActionOpen,
					is: round.ErrManagersOnly, want: problem{Code: errs.Forbidden}},
			}},
		}
		for _, g := range refused {
			for _, tc := range g.cases {
				t.Run(g.group+"/"+tc.name, func(t *testing.T) {
					tc.run(t, f, func(actor auth.Actor, id string, ifMatch *int64) error {
						_, err := f.rounds.Transition(f.ctx, actor, id, tc.action, ifMatch)
						return err
					})
				})
			}
		}
	})
}

// draftApplication makes a group owned by a new applicant and its draft to round roundID.
func (f *fixture) draftApplication(t *testing.T, roundID string) (auth.Actor, application.Application) {
	t.Helper()
	owner := f.user(t, auth.RoleApplicant)
	o, err := f.orgs.Create(f.ctx, owner, organisation.Details{Name: "Riverside Peer Support Circle"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.apps.Create(f.ctx, owner, roundID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return owner, a
}

// submittedApplication is a draftApplication completed and submitted.
func (f *fixture) submittedApplication(t *testing.T, roundID string) application.Application {
	t.Helper()
	owner, a := f.draftApplication(t, roundID)
	patch := application.Patch{Title: ptr("Peer support in Moss Side"), RequestedAmount: ptr(int64(100000)),
		Answers: map[string]any{"user_led": true, "about": "We meet every week."}}
	if _, err := f.apps.Update(f.ctx, owner, a.ID, patch, nil); err != nil {
		t.Fatal(err)
	}
	a, err := f.apps.Submit(f.ctx, owner, a.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) application(ctx context.Context, t *testing.T, id string) application.Application {
	t.Helper()
	a, err := f.apps.Get(ctx, f.manager, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Starting the assessment moves the round's submitted applications under assessment, in the
// same transaction, through the application.StartAssessment subscriber; drafts and requests
// for more information stay as they are.
func TestStartAssessmentMovesSubmittedApplications(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		r := f.roundIn(t, round.StatusOpen)
		submitted := f.submittedApplication(t, r.ID)
		_, draft := f.draftApplication(t, r.ID)
		asked := f.submittedApplication(t, r.ID)
		if _, err := f.apps.RequestInfo(f.ctx, f.manager, asked.ID, "Tell us more about your budget.", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.rounds.Transition(f.ctx, f.manager, r.ID, round.ActionClose, nil); err != nil {
			t.Fatal(err)
		}
		before := map[string]application.Application{}
		events := map[string][]record{}
		for _, id := range []string{submitted.ID, draft.ID, asked.ID} {
			before[id], events[id] = f.application(f.ctx, t, id), f.records(t, "application", id)
		}
		f.clock.Advance(time.Minute)
		if _, err := f.rounds.Transition(f.ctx, f.manager, r.ID, round.ActionStartAssessment, nil); err != nil {
			t.Fatal(err)
		}

		want := before[submitted.ID]
		want.Status, want.Version, want.UpdatedAt = application.StatusUnderAssessment, want.Version+1, f.clock.Now()
		ignoreRound := cmpopts.IgnoreFields(application.Application{}, "RoundStatus")
		if d := cmp.Diff(want, f.application(f.ctx, t, submitted.ID), ignoreRound); d != "" {
			t.Errorf("submitted application (-want +got):\n%s", d)
		}
		events[submitted.ID] = append(events[submitted.ID], record{Action: "application.assessment_started", ActorID: f.manager.UserID,
			Changes: map[string]any{"round_id": r.ID, "organisation_id": submitted.OrganisationID, "from": "submitted", "to": "under_assessment"}})
		for _, id := range []string{draft.ID, asked.ID} {
			if d := cmp.Diff(before[id], f.application(f.ctx, t, id), ignoreRound); d != "" {
				t.Errorf("application %s moved (-before +after):\n%s", before[id].Status, d)
			}
		}
		for id, want := range events {
			if d := cmp.Diff(want, f.records(t, "application", id)); d != "" {
				t.Errorf("audit of the %s application (-want +got):\n%s", before[id].Status, d)
			}
		}
		hist, _, err := f.apps.History(f.ctx, f.manager, submitted.ID, page.Params{})
		if err != nil {
			t.Fatal(err)
		}
		last := hist[len(hist)-1]
		gotMove := application.HistoryEntry{From: last.From, To: last.To, At: last.At, ActorID: last.ActorID}
		wantMove := application.HistoryEntry{From: application.StatusSubmitted, To: application.StatusUnderAssessment,
			At: f.clock.Now(), ActorID: f.manager.UserID}
		if d := cmp.Diff(wantMove, gotMove); d != "" {
			t.Errorf("last history entry (-want +got):\n%s", d)
		}
	})
}

// A subscriber's error rolls the whole start of the assessment back: the round's move, its
// audit event and what the earlier subscriber did to the applications.
func TestStartAssessmentSubscriberErrorRollsBack(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		r := f.roundIn(t, round.StatusOpen)
		sub := f.submittedApplication(t, r.ID)
		if _, err := f.rounds.Transition(f.ctx, f.manager, r.ID, round.ActionClose, nil); err != nil {
			t.Fatal(err)
		}
		errBoom := errors.New("the notifications outbox is full")
		var seen application.Status // what the failing subscriber saw, inside the transaction
		f.bus.Subscribe(event.RoundAssessmentStarted, "test.Fail", func(ctx context.Context, e event.Event) error {
			seen = f.application(ctx, t, sub.ID).Status
			return errBoom
		})
		if d := cmp.Diff([]string{"application.StartAssessment", "test.Fail"}, f.bus.Subscribers(event.RoundAssessmentStarted)); d != "" {
			t.Fatalf("subscribers (-want +got):\n%s", d)
		}
		roundBefore, appBefore := f.stored(t, r.ID), f.application(f.ctx, t, sub.ID)
		all := f.records(t, "", "")
		histBefore, _, err := f.apps.History(f.ctx, f.manager, sub.ID, page.Params{})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)

		_, err = f.rounds.Transition(f.ctx, f.manager, r.ID, round.ActionStartAssessment, ptr(roundBefore.Version))
		if !errors.Is(err, errBoom) {
			t.Fatalf("error %v, want the subscriber's", err)
		}
		if seen != application.StatusUnderAssessment {
			t.Fatalf("inside the transaction the application was %q, want under_assessment (the earlier subscriber ran)", seen)
		}
		if d := cmp.Diff(roundBefore, f.stored(t, r.ID)); d != "" {
			t.Errorf("the round's move was not rolled back (-before +after):\n%s", d)
		}
		if d := cmp.Diff(appBefore, f.application(f.ctx, t, sub.ID)); d != "" {
			t.Errorf("the application's move was not rolled back (-before +after):\n%s", d)
		}
		if d := cmp.Diff(all, f.records(t, "", "")); d != "" {
			t.Errorf("audit events of a rolled-back change remain:\n%s", d)
		}
		histAfter, _, err := f.apps.History(f.ctx, f.manager, sub.ID, page.Params{})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(histBefore, histAfter); d != "" {
			t.Errorf("history of a rolled-back change remains:\n%s", d)
		}
	})
}
