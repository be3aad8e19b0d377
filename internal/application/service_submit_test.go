package application_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"constellate/internal/application"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/round"
)

// fill completes a draft (so only what a case is about stops its submission).
func fill(t *testing.T, f *fixture, owner auth.Actor, a application.Application) {
	t.Helper()
	if _, err := f.apps.Update(f.ctx, owner, a.ID, complete, nil); err != nil {
		t.Fatal(err)
	}
}

// moveRound takes a's round through actions.
func moveRound(actions ...round.Action) func(*testing.T, *fixture, auth.Actor, application.Application) {
	return func(t *testing.T, f *fixture, _ auth.Actor, a application.Application) {
		t.Helper()
		for _, action := range actions {
			if _, err := f.rounds.Transition(f.ctx, f.manager, a.RoundID, action, nil); err != nil {
				t.Fatalf("%s: %v", action, err)
			}
		}
	}
}

var ignoreRevisionIDs = cmpopts.IgnoreFields(application.Revision{}, "ID", "ApplicationID")

func TestSubmit(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		submitOK := []struct {
			name     string
			status   application.Status
			caller   string
			setup    func(*testing.T, *fixture, auth.Actor, application.Application)
			at       time.Time // when set, the submission is made then
			response string
			want     application.Status
			revision int
			versions int64 // how far the version moves
			events   []string
		}{
			{"a complete draft", application.StatusDraft, "owner", fill, time.Time{}, "",
				application.StatusSubmitted, 1, 1, []string{"application.submitted"}},
			{"by a plain member of the group, with a note", application.StatusDraft, "member", fill, time.Time{}, " Thank you. ",
				application.StatusSubmitted, 1, 1, []string{"application.submitted"}},
			{"in the grace period of a draft started before closes_at", application.StatusDraft, "owner", fill,
				closes.Add(29 * time.Minute), "", application.StatusSubmitted, 1, 1, []string{"application.submitted"}},
			{"a resubmission, after the deadline, keeps its reference", application.StatusMoreInfoRequested, "owner", nil,
				closes.Add(time.Hour), "Our budget is now in the summary.", application.StatusSubmitted, 2, 1, []string{"application.submitted"}},
			{"a resubmission to a round in assessment rejoins it", application.StatusMoreInfoRequested, "owner",
				moveRound(round.ActionClose, round.ActionStartAssessment), time.Time{}, "Budget added.",
				application.StatusUnderAssessment, 2, 2, []string{"application.submitted", "application.assessment_started"}},
		}
		for _, tc := range submitOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				f.clock.Set(start.Add(time.Hour))
				r := f.openRound(t)
				owner, a := f.applicationIn(t, r.ID, tc.status)
				if tc.setup != nil {
					tc.setup(t, f, owner, a)
				}
				actor := f.caller(t, tc.caller, owner, a.OrganisationID)
				before, events, tr := f.stored(t, a.ID), f.records(t, a.ID), f.trail(t, a.ID)
				f.clock.Advance(time.Minute)
				if !tc.at.IsZero() {
					f.clock.Set(tc.at)
				}
				got, err := f.apps.SubmitWithResponse(f.ctx, actor, a.ID, tc.response, ptr(before.Version))
				if err != nil {
					t.Fatal(err)
				}
				now := f.clock.Now()
				want := before
				want.Status, want.Reference, want.Revision, want.SubmittedAt = tc.want, r.ReferencePrefix+"-0001", tc.revision, &now
				want.Version, want.UpdatedAt = before.Version+tc.versions, now
				response := strings.TrimSpace(tc.response)
				rev := application.Revision{Number: tc.revision, Title: before.Title, Summary: before.Summary,
					RequestedAmount: before.RequestedAmount, Answers: before.Answers, SubmittedAt: now, SubmittedBy: actor.UserID,
					Response: response}
				if before.InfoRequest != nil {
					// The funder's request stays on the application, answered.
					answered := *before.InfoRequest
					answered.AnsweredAt, answered.Response = &now, response
					want.InfoRequest, rev.RequestMessage = &answered, answered.Message
				}
				if d := cmp.Diff(want, got, ignoreProblems); d != "" || got.Problems != nil {
					t.Errorf("returned application (-want +got):\n%s\nproblems %v", d, got.Problems)
				}
				if d := cmp.Diff(want, f.stored(t, a.ID), ignoreProblems); d != "" {
					t.Errorf("stored application (-want +got):\n%s", d)
				}
				if d := cmp.Diff(append(tr.Revisions, rev), f.trail(t, a.ID).Revisions, ignoreRevisionIDs); d != "" {
					t.Errorf("revisions (-want +got):\n%s", d)
				}
				move := map[string]any{"round_id": r.ID, "organisation_id": a.OrganisationID, "from": string(before.Status),
					"to": "submitted", "reference": want.Reference, "revision": float64(tc.revision)}
				if response != "" {
					move["reason"] = response
				}
				events = append(events, record{Action: "application.submitted", ActorID: actor.UserID, Changes: move})
				if len(tc.events) > 1 {
					events = append(events, record{Action: tc.events[1], ActorID: actor.UserID, Changes: map[string]any{
						"round_id": r.ID, "organisation_id": a.OrganisationID, "from": "submitted", "to": "under_assessment"}})
				}
				if d := cmp.Diff(events, f.records(t, a.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
			})
		}

		refused := []struct {
			group string
			cases []refusal
		}{
			{"submit422", []refusal{
				{name: "an empty draft: every problem at once",
					want: problem{Code: errs.Invalid, Fields: []string{"title", "requested_amount", "answers.user_led", "answers.about"}}},
				{name: "a resubmission without a response", status: application.StatusMoreInfoRequested, text: "  ",
					want: problem{Code: errs.Invalid, Fields: []string{"response"}}},
				{name: "a resubmission with problems and no response", status: application.StatusMoreInfoRequested,
					setup: func(t *testing.T, f *fixture, owner auth.Actor, a application.Application) {
						if _, err := f.apps.Update(f.ctx, owner, a.ID, application.Patch{Title: ptr("")}, nil); err != nil {
							t.Fatal(err)
						}
					}, want: problem{Code: errs.Invalid, Fields: []string{"title", "response"}}},
				{name: "a response too long", text: strings.Repeat("x", application.MaxReasonLength+1), setup: fill,
					want: problem{Code: errs.Invalid, Fields: []string{"response"}}},
				{name: "ineligible and asking too little", setup: func(t *testing.T, f *fixture, owner auth.Actor, a application.Application) {
					p := application.Patch{Title: ptr("Ours"), RequestedAmount: ptr(int64(100)), Answers: map[string]any{"user_led": false, "about": "Hi."}}
					if _, err := f.apps.Update(f.ctx, owner, a.ID, p, nil); err != nil {
						t.Fatal(err)
					}
				}, want: problem{Code: errs.Invalid, Fields: []string{"requested_amount", "eligibility"}}},
			}},
			{"submit409", []refusal{
				{name: "after the grace period", setup: fill, at: closes.Add(31 * time.Minute),
					is: application.ErrDeadlinePassed, want: problem{Code: errs.Conflict}},
				{name: "the round was closed by hand", setup: moveRound(round.ActionClose),
					is: application.ErrDeadlinePassed, want: problem{Code: errs.Conflict}},
				{name: "already submitted", status: application.StatusSubmitted,
					is: application.ErrIllegalTransition, want: problem{Code: errs.Conflict}},
				{name: "withdrawn", status: application.StatusWithdrawn,
					is: application.ErrIllegalTransition, want: problem{Code: errs.Conflict}},
				{name: "a resubmission once decisions are published", status: application.StatusMoreInfoRequested,
					setup: moveRound(round.ActionClose, round.ActionStartAssessment, round.ActionPublishDecisions),
					is:    application.ErrRoundMovedOn, want: problem{Code: errs.Conflict}},
			}},
			{"submit403and404", []refusal{
				{name: "403 a grants manager", actor: "manager", setup: fill, is: application.ErrNotYours, want: problem{Code: errs.Forbidden}},
				{name: "404 an applicant of another group", actor: "stranger", setup: fill,
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "404 no such application", unknown: true, is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
			}},
			{"submit412", []refusal{
				{name: "stale If-Match", setup: fill, stale: true, is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before the problems", stale: true, is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before the deadline", setup: fill, stale: true, at: closes.Add(time.Hour),
					is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "not found before stale", actor: "stranger", stale: true, is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
			}},
		}
		for _, g := range refused {
			for _, tc := range g.cases {
				t.Run(g.group+"/"+tc.name, func(t *testing.T) {
					tc.run(t, f, func(actor auth.Actor, id string, ifMatch *int64) error {
						_, err := f.apps.SubmitWithResponse(f.ctx, actor, id, tc.text, ifMatch)
						return err
					})
				})
			}
		}
	})
}

// References are given at first submission, in the order of submission, per round; a
// resubmission keeps its reference.
func TestSubmitNumbersReferences(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		r, other := f.openRound(t), f.openRound(t)
		var owners []auth.Actor
		var apps []application.Application
		for range 3 {
			owner, a := f.applicationIn(t, r.ID, application.StatusDraft)
			fill(t, f, owner, a)
			owners, apps = append(owners, owner), append(apps, a)
		}
		submit := func(i int) string {
			t.Helper()
			a, err := f.apps.SubmitWithResponse(f.ctx, owners[i], apps[i].ID, "Here it is.", nil)
			if err != nil {
				t.Fatal(err)
			}
			return a.Reference
		}
		var got []string
		got = append(got, submit(1), submit(0))
		if _, err := f.apps.RequestInfo(f.ctx, f.manager, apps[0].ID, "Which weeks?", nil); err != nil {
			t.Fatal(err)
		}
		got = append(got, submit(0), submit(2))
		_, elsewhere := f.applicationIn(t, other.ID, application.StatusSubmitted)
		got = append(got, elsewhere.Reference)
		p, o := r.ReferencePrefix, other.ReferencePrefix
		want := []string{p + "-0001", p + "-0002", p + "-0002", p + "-0003", o + "-0001"}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("references (-want +got):\n%s", d)
		}
		revs := f.trail(t, apps[0].ID).Revisions
		if len(revs) != 2 || revs[0].Number != 1 || revs[1].Number != 2 {
			t.Errorf("revisions of the resubmitted application: %+v, want numbers 1 and 2", revs)
		}
	})
}
