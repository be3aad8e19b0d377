package application_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"constellate/internal/application"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/ids"
	"constellate/internal/page"
	"constellate/internal/round"
)

func TestCreateApplication(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		createOK := []struct {
			name   string
			caller string // owner or member of the group
			first  application.Status
		}{
			{"by the group's owner", "owner", ""},
			{"by a plain member of the group", "member", ""},
			{"again once the group withdrew its first", "owner", application.StatusWithdrawn},
		}
		for _, tc := range createOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				r := f.openRound(t)
				owner, orgID := f.group(t)
				if tc.first != "" {
					first, err := f.apps.Create(f.ctx, owner, r.ID, orgID)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := f.apps.Withdraw(f.ctx, owner, first.ID, "", nil); err != nil {
						t.Fatal(err)
					}
				}
				actor := f.caller(t, tc.caller, owner, orgID)
				f.clock.Advance(time.Minute)
				got, err := f.apps.Create(f.ctx, actor, r.ID, strings.ToUpper(orgID))
				if err != nil {
					t.Fatal(err)
				}
				now := f.clock.Now()
				want := application.Application{ID: got.ID, RoundID: r.ID, OrganisationID: orgID, Answers: map[string]any{},
					Status: application.StatusDraft, StartedAt: now, CreatedBy: actor.UserID, Version: 1, CreatedAt: now, UpdatedAt: now,
					RoundStatus: round.StatusOpen, RoundName: r.Name,
					Organisation: application.OrganisationSummary{ID: orgID, Name: "Riverside Peer Support Circle"},
					Problems: []application.Problem{
						{Field: "title", Code: application.ProblemRequired, Message: "is required"},
						{Field: "requested_amount", Code: application.ProblemRequired, Message: "is required: from £500.00 to £5000.00"},
						{Field: "answers.user_led", Code: application.ProblemRequired, Message: "is required"},
						{Field: "answers.about", Code: application.ProblemRequired, Message: "is required"}}}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("returned application (-want +got):\n%s", d)
				}
				if d := cmp.Diff(want, f.stored(t, got.ID), equateEmpty); d != "" {
					t.Errorf("stored application (-want +got):\n%s", d)
				}
				events := []record{{Action: "application.created", ActorID: actor.UserID,
					Changes: map[string]any{"round_id": r.ID, "organisation_id": orgID}}}
				if d := cmp.Diff(events, f.records(t, got.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
				hist := []application.HistoryEntry{{To: application.StatusDraft, At: now, ActorID: actor.UserID, ActorRole: "applicant"}}
				if d := cmp.Diff(hist, f.trail(t, got.ID).History, ignoreIDs); d != "" {
					t.Errorf("history (-want +got):\n%s", d)
				}
			})
		}

		// Each case: a round (open unless edited), a group with a live draft in it, and a call.
		type createRefusal struct {
			name   string
			caller string
			round  string // "" the open round; "draft", "closed", "early", "unknown"
			orgID  string // "" the group's id
			is     error
			want   func(live application.Application) problem
		}
		fixed := func(p problem) func(application.Application) problem {
			return func(application.Application) problem { return p }
		}
		refused := []createRefusal{
			{name: "409 a live application exists, named", is: application.ErrLiveExists,
				want: func(live application.Application) problem {
					return problem{Code: errs.Conflict, Meta: map[string]string{"existing_id": live.ID}}
				}},
			{name: "409 the round has closed", round: "closed", is: application.ErrRoundNotAccepting, want: fixed(problem{Code: errs.Conflict})},
			{name: "409 the round is not yet taking applications", round: "early", is: application.ErrRoundNotYetOpen,
				want: fixed(problem{Code: errs.Conflict})},
			{name: "404 not a member of the group", caller: "stranger", is: application.ErrOrganisationNotFound,
				want: fixed(problem{Code: errs.NotFound})},
			{name: "404 a draft round", round: "draft", is: application.ErrRoundNotFound, want: fixed(problem{Code: errs.NotFound})},
			{name: "404 no such round", round: "unknown", is: application.ErrRoundNotFound, want: fixed(problem{Code: errs.NotFound})},
			{name: "403 a grants manager", caller: "manager", want: fixed(problem{Code: errs.Forbidden})},
			{name: "422 not an organisation id", orgID: "riverside", want: fixed(problem{Code: errs.Invalid, Fields: []string{"organisation_id"}})},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				f.clock.Set(start.Add(time.Hour))
				r := f.openRound(t)
				owner, live := f.applicationIn(t, r.ID, application.StatusDraft)
				roundID, orgID := r.ID, live.OrganisationID
				switch tc.round {
				case "closed":
					if _, err := f.rounds.Transition(f.ctx, f.manager, r.ID, round.ActionClose, nil); err != nil {
						t.Fatal(err)
					}
				case "early":
					roundID = f.openRound(t, func(d *round.Definition) { d.OpensAt = start.Add(48 * time.Hour) }).ID
				case "draft":
					d := r.Definition
					d.ReferencePrefix += "D"
					rd, err := f.rounds.CreateRound(f.ctx, f.manager, r.ProgrammeID, d)
					if err != nil {
						t.Fatal(err)
					}
					roundID = rd.ID
				case "unknown":
					roundID = ids.New()
				}
				if tc.orgID != "" {
					orgID = tc.orgID
				}
				actor := f.caller(t, tc.caller, owner, live.OrganisationID)
				before, list := f.records(t, ""), f.list(t)
				_, err := f.apps.Create(f.ctx, actor, roundID, orgID)
				if d := cmp.Diff(tc.want(live), problemOf(err), equateEmpty); d != "" {
					t.Errorf("error %v (-want +got):\n%s", err, d)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("error %v is not %v", err, tc.is)
				}
				if d := cmp.Diff(before, f.records(t, "")); d != "" {
					t.Errorf("a refused creation wrote audit events:\n%s", d)
				}
				if d := cmp.Diff(list, f.list(t)); d != "" {
					t.Errorf("a refused creation stored an application:\n%s", d)
				}
			})
		}
	})
}

// list is every application's id, as a manager lists them.
func (f *fixture) list(t *testing.T) []string {
	t.Helper()
	list, _, err := f.apps.List(f.ctx, f.manager, application.Filter{}, page.Params{Limit: page.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}

func TestUpdateApplication(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		updateOK := []struct {
			name     string
			status   application.Status
			caller   string
			patch    application.Patch
			ifMatch  bool
			want     func(a *application.Application)
			fields   []string
			problems []string // field:code of the problems after the change, when checked
		}{
			{"title (trimmed) and amount", application.StatusDraft, "owner",
				application.Patch{Title: ptr("  Our project  "), RequestedAmount: ptr(int64(75000))}, false,
				func(a *application.Application) { a.Title, a.RequestedAmount = "Our project", 75000 }, []string{"title", "requested_amount"},
				[]string{"answers.user_led:required"}},
			{"answers merge into those saved", application.StatusDraft, "member",
				application.Patch{Answers: map[string]any{"video": "https://example.org/v.mp4"}}, true,
				func(a *application.Application) {
					a.Answers = map[string]any{"about": "We meet.", "video": "https://example.org/v.mp4"}
				},
				[]string{"answers.video"}, nil},
			{"an emptied answer is cleared", application.StatusDraft, "owner",
				application.Patch{Answers: map[string]any{"about": "  ", "user_led": true}}, false,
				func(a *application.Application) { a.Answers = map[string]any{"user_led": true} }, []string{"answers.about", "answers.user_led"},
				[]string{"title:required", "requested_amount:required", "answers.about:required"}},
			{"more information was asked for", application.StatusMoreInfoRequested, "owner",
				application.Patch{Summary: ptr("Now with a budget.")}, true,
				func(a *application.Application) { a.Summary = "Now with a budget." }, []string{"summary"}, []string{}},
			// Autosave never loses words: over the limits, of the wrong shape, outside the
			// round's range — all stored, each a problem.
			{"over its limits and of the wrong shape: stored, with problems", application.StatusDraft, "owner",
				application.Patch{Title: ptr(strings.Repeat("t", application.MaxTitleLength+1)), RequestedAmount: ptr(int64(600000)),
					Answers: map[string]any{"user_led": "yes", "about": strings.Repeat("word ", 31)}}, false,
				func(a *application.Application) {
					a.Title, a.RequestedAmount = strings.Repeat("t", application.MaxTitleLength+1), 600000
					a.Answers = map[string]any{"user_led": "yes", "about": strings.Repeat("word ", 31)}
				},
				[]string{"title", "requested_amount", "answers.about", "answers.user_led"},
				[]string{"title:too_long", "requested_amount:out_of_range", "answers.user_led:wrong_type", "answers.about:too_long"}},
			{"within the grace period of a draft started before closes_at", application.StatusDraft, "owner",
				application.Patch{Title: ptr("Late, but in time")}, false,
				func(a *application.Application) { a.Title = "Late, but in time" }, []string{"title"}, nil},
		}
		for _, tc := range updateOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				f.clock.Set(start.Add(time.Hour))
				r := f.openRound(t)
				owner, a := f.applicationIn(t, r.ID, tc.status)
				if tc.status == application.StatusDraft {
					if _, err := f.apps.Update(f.ctx, owner, a.ID, application.Patch{Answers: map[string]any{"about": "We meet."}}, nil); err != nil {
						t.Fatal(err)
					}
				}
				actor := f.caller(t, tc.caller, owner, a.OrganisationID)
				before, events := f.stored(t, a.ID), f.records(t, a.ID)
				f.clock.Advance(time.Minute)
				if strings.Contains(tc.name, "grace") {
					f.clock.Set(closes.Add(29 * time.Minute))
				}
				var ifMatch *int64
				if tc.ifMatch {
					ifMatch = ptr(before.Version)
				}
				got, err := f.apps.Update(f.ctx, actor, a.ID, tc.patch, ifMatch)
				if err != nil {
					t.Fatal(err)
				}
				want := before
				tc.want(&want)
				want.Version, want.UpdatedAt = before.Version+1, f.clock.Now()
				if d := cmp.Diff(want, got, ignoreProblems); d != "" {
					t.Errorf("returned application (-want +got):\n%s", d)
				}
				if d := cmp.Diff(want, f.stored(t, a.ID), ignoreProblems); d != "" {
					t.Errorf("stored application (-want +got):\n%s", d)
				}
				if tc.problems != nil {
					if d := cmp.Diff(tc.problems, fieldsAndCodes(got.Problems)); d != "" {
						t.Errorf("problems (-want +got):\n%s", d)
					}
				}
				events = append(events, record{Action: "application.updated", ActorID: actor.UserID,
					Changes: map[string]any{"fields": anys(tc.fields...)}})
				if d := cmp.Diff(events, f.records(t, a.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
			})
		}

		unchanged := []struct {
			name  string
			patch application.Patch
		}{
			{"nothing sent", application.Patch{}},
			{"the title it has, padded", application.Patch{Title: ptr(" Peer support in Moss Side ")}},
			{"clearing an answer it does not have", application.Patch{Answers: map[string]any{"video": nil}}},
		}
		for _, tc := range unchanged {
			t.Run("unchanged/"+tc.name, func(t *testing.T) {
				f.clock.Set(start.Add(time.Hour))
				r := f.openRound(t)
				owner, a := f.applicationIn(t, r.ID, application.StatusDraft)
				if _, err := f.apps.Update(f.ctx, owner, a.ID, application.Patch{Title: complete.Title}, nil); err != nil {
					t.Fatal(err)
				}
				before, events := f.stored(t, a.ID), f.records(t, "")
				f.clock.Advance(time.Minute)
				got, err := f.apps.Update(f.ctx, owner, a.ID, tc.patch, ptr(before.Version))
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(before, got); d != "" {
					t.Errorf("returned application (-before +got):\n%s", d)
				}
				if d := cmp.Diff(before, f.stored(t, a.ID)); d != "" {
					t.Errorf("the application changed (-before +after):\n%s", d)
				}
				if d := cmp.Diff(events, f.records(t, "")); d != "" {
					t.Errorf("an unchanged patch wrote audit events:\n%s", d)
				}
			})
		}

		title := ptr("A new title")
		tooLong := ptr(strings.Repeat("x", application.MaxTitleLength+1))
		refused := []struct {
			group string
			cases []refusal
		}{
			{"update404", []refusal{
				{name: "an applicant of another group", actor: "stranger", patch: application.Patch{Title: title},
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "a panel member", actor: "panel", patch: application.Patch{Title: title},
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "no such application", unknown: true, patch: application.Patch{Title: title},
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
			}},
			{"update403", []refusal{
				{name: "a grants manager", actor: "manager", patch: application.Patch{Title: title},
					is: application.ErrNotYours, want: problem{Code: errs.Forbidden}},
			}},
			{"update409", []refusal{
				{name: "submitted", status: application.StatusSubmitted, patch: application.Patch{Title: title},
					is: application.ErrNotEditable, want: problem{Code: errs.Conflict}},
				{name: "a draft after its round closed and the grace period", at: closes.Add(30 * time.Minute), patch: application.Patch{Title: title},
					is: application.ErrDeadlinePassed, want: problem{Code: errs.Conflict}},
				{name: "a draft in a round closed by hand", setup: moveRound(round.ActionClose), patch: application.Patch{Title: title},
					is: application.ErrDeadlinePassed, want: problem{Code: errs.Conflict}},
				{name: "withdrawn", status: application.StatusWithdrawn, patch: application.Patch{Title: title},
					is: application.ErrNotEditable, want: problem{Code: errs.Conflict}},
			}},
			{"update422", []refusal{
				{name: "an answer to no question of the round", patch: application.Patch{Answers: map[string]any{"budget": 5}},
					want: problem{Code: errs.Invalid, Fields: []string{"answers.budget"}}},
				{name: "an amount that is no amount, with an unknown answer: nothing saved", patch: application.Patch{Title: tooLong,
					RequestedAmount: ptr(int64(-1)), Answers: map[string]any{"user_led": "yes", "budget": 5}},
					want: problem{Code: errs.Invalid, Fields: []string{"requested_amount", "answers.budget"}}},
			}},
			// Who may see the row comes first, then a stale If-Match, then the rule's own errors.
			{"update412", []refusal{
				{name: "stale If-Match", stale: true, patch: application.Patch{Title: title},
					is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before invalid", actor: "member", stale: true, patch: application.Patch{RequestedAmount: ptr(int64(-1))},
					is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before not editable", status: application.StatusSubmitted, stale: true, patch: application.Patch{Title: title},
					is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before unchanged", stale: true, patch: application.Patch{},
					is: application.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "not found before stale", actor: "stranger", stale: true, patch: application.Patch{Title: title},
					is: application.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "forbidden before stale", actor: "manager", stale: true, patch: application.Patch{Title: title},
					is: application.ErrNotYours, want: problem{Code: errs.Forbidden}},
			}},
		}
		for _, g := range refused {
			for _, tc := range g.cases {
				t.Run(g.group+"/"+tc.name, func(t *testing.T) {
					tc.run(t, f, func(actor auth.Actor, id string, ifMatch *int64) error {
						_, err := f.apps.Update(f.ctx, actor, id, tc.patch, ifMatch)
						return err
					})
				})
			}
		}
	})
}

// fieldsAndCodes writes problems as field:code.
func fieldsAndCodes(ps []application.Problem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Field+":"+p.Code)
	}
	return out
}
