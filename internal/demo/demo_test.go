package demo_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"constellate/api"
	"constellate/internal/application"
	"constellate/internal/assessment"
	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/config"
	"constellate/internal/demo"
	"constellate/internal/page"
	"constellate/internal/round"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

var all = page.Params{Limit: 200}

// build wires the server's services on db with the demo clock, as the seed command does.
func build(t *testing.T, db *store.DB, clock *demo.Clock) *api.Server {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Load(func(k string) string {
		if k == "CONSTELLATE_DATA_DIR" {
			return dir
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.Build(context.Background(), api.BuildOptions{Config: cfg, DB: db, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func services(srv *api.Server) demo.Services {
	return demo.Services{Identity: srv.Identity, Organisations: srv.Organisations, Rounds: srv.Rounds, Applications: srv.Applications, Assessments: srv.Assessments}
}

// TestSeed seeds a fresh database of each dialect and checks what the demo promises
// through the services: every login signs in with its role, the counts, one open and one
// closed round with a varied form, unregistered and user-led groups, applications in
// each status with references and audit events; a second seed changes nothing.
func TestSeed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := demo.NewClock(nil)
		srv := build(t, db, clock)
		res, err := demo.Seed(ctx, db, services(srv), clock)
		if err != nil {
			t.Fatal(err)
		}
		// Small Sparks is in assessment: its five submitted applications moved under it.
		wantApps := map[application.Status]int{application.StatusDraft: 4, application.StatusSubmitted: 4,
			application.StatusUnderAssessment: 5, application.StatusMoreInfoRequested: 1, application.StatusIneligible: 1}
		if res.Existing || res.Programmes != 2 || res.Rounds != 2 || res.Organisations != 12 || len(res.Logins) != 10 {
			t.Fatalf("result %+v", res)
		}
		for _, s := range application.Statuses {
			if res.Applications[s] != wantApps[s] {
				t.Errorf("result says %d %s, want %d", res.Applications[s], s, wantApps[s])
			}
		}
		if now := clock.Now(); time.Since(now) > time.Second || time.Until(now) > time.Second {
			t.Fatalf("the clock was left at %v", now)
		}

		// Every login signs in with its role.
		actors := map[auth.Role]auth.Actor{}
		for _, l := range res.Logins {
			sess, err := srv.Identity.Login(ctx, l.Email, demo.Password)
			if err != nil {
				t.Fatalf("login %s: %v", l.Email, err)
			}
			a, err := srv.Identity.Authenticate(ctx, sess.AccessToken)
			if err != nil || a.Role != l.Role {
				t.Fatalf("login %s: actor %+v (%v), want role %s", l.Email, a, err, l.Role)
			}
			actors[l.Role] = a
		}
		if len(actors) != 4 {
			t.Fatalf("roles with a login: %v", actors)
		}
		manager := actors[auth.RoleGrantsManager]
		now := time.Now()

		// Organisations: a dozen, several unregistered, user-led ones saying who leads them,
		// spread over regions.
		orgs, _, err := srv.Organisations.List(ctx, manager, all)
		if err != nil || len(orgs) != 12 {
			t.Fatalf("organisations: %d (%v)", len(orgs), err)
		}
		unregistered, ledBy, regions := 0, 0, map[string]bool{}
		for _, o := range orgs {
			if o.CharityNumber == "" && o.CompanyNumber == "" {
				unregistered++
			}
			if o.UserLed && len(o.LedBy) > 0 {
				ledBy++
			}
			regions[string(o.Region)] = true
		}
		if unregistered < 6 || ledBy < 8 || len(regions) < 8 {
			t.Fatalf("unregistered %d, user-led with led_by %d, regions %d", unregistered, ledBy, len(regions))
		}

		// Rounds: one open (opened in the past, closing in the future), one closed.
		rounds, _, err := srv.Rounds.Rounds(ctx, manager, round.Filter{}, all)
		if err != nil || len(rounds) != 2 {
			t.Fatalf("rounds: %d (%v)", len(rounds), err)
		}
		byStatus := map[round.Status]round.Round{}
		for _, r := range rounds {
			byStatus[r.EffectiveStatus(now)] = r
		}
		open, closed := byStatus[round.StatusOpen], byStatus[round.StatusAssessment]
		if open.ID == "" || closed.ID == "" || !open.OpensAt.Before(now) || !now.Before(open.ClosesAt) || !closed.ClosesAt.Before(now) {
			t.Fatalf("want an open round and one closed and in assessment, got %+v", byStatus)
		}
		// The closed round's assessment shows in its ranking: scored applications first,
		// the moderated one on top, the unscored last; a conflict and a draft exist.
		rk, err := srv.Assessments.Ranking(ctx, manager, closed.ID, assessment.RankingPage{Limit: 50})
		if err != nil || len(rk.Rows) != 5 {
			t.Fatalf("ranking: %+v %v", rk.Rows, err)
		}
		moderated := 0
		for j, row := range rk.Rows {
			if row.ModeratedScore != nil && *row.ModeratedScore == 75 && *row.OrderScore == 75 {
				moderated++
			}
			if j > 0 && row.OrderScore != nil && *row.OrderScore > *rk.Rows[j-1].OrderScore {
				t.Errorf("ranking out of order at %d: %+v", j, rk.Rows)
			}
		}
		if moderated != 1 {
			t.Errorf("want one application ranked by its moderated score of 75: %+v", rk.Rows)
		}
		if last := rk.Rows[4]; last.WeightedScore != nil || last.Assigned != 2 {
			t.Errorf("the unscored application is not last with its two reviewers assigned: %+v", last)
		}
		conflicts, _, err := srv.Assessments.Candidates(ctx, manager, closed.ID, all)
		declared, drafts := 0, 0
		for _, c := range conflicts {
			declared += len(c.Declarations)
		}
		assigned, _, _ := srv.Assessments.Assignments(ctx, manager, assessment.AssignmentFilter{RoundID: closed.ID, Status: "draft"}, all)
		drafts = len(assigned)
		if err != nil || declared != 1 || drafts != 1 {
			t.Errorf("conflicts declared %d, drafts %d (%v), want 1 and 1", declared, drafts, err)
		}
		types := map[round.QuestionType]bool{}
		for _, q := range open.Questions() {
			types[q.Type] = true
			if q.Type == round.LongText && q.MaxWords == 0 {
				t.Errorf("long_text %s without max_words", q.ID)
			}
		}
		for _, want := range []round.QuestionType{round.LongText, round.Money, round.YesNo, round.SingleChoice, round.MultiChoice, round.Number, round.Date, round.MediaLink} {
			if !types[want] {
				t.Errorf("the open round's form has no %s question", want)
			}
		}
		for _, r := range rounds {
			if len(r.Eligibility.Rules) == 0 || len(r.Criteria) == 0 || len(r.ReportSchedule) == 0 || len(r.ReportForm.Questions) == 0 {
				t.Errorf("round %q lacks rules, criteria or reports: %+v", r.Name, r.Definition)
			}
		}
		// The eligibility check answers with a rule's message.
		if got, err := srv.Rounds.CheckEligibility(ctx, auth.Actor{}, open.ID, map[string]any{"user_led": false, "uk_based": true, "income_band": "Under £10,000"}); err != nil ||
			got.Eligible || len(got.Reasons) != 1 || !strings.Contains(got.Reasons[0], "user-led groups") {
			t.Fatalf("eligibility check: %+v %v", got, err)
		}

		// Applications in each status, as the result said; submitted ones have references.
		ref := regexp.MustCompile(`^(SBS|SPK)\d{2}-\d{4}$`)
		submittedOnce := 0
		for _, s := range application.Statuses {
			list, _, err := srv.Applications.List(ctx, manager, application.Filter{Status: s}, all)
			if err != nil || len(list) != wantApps[s] {
				t.Fatalf("%s applications: %d (%v), want %d", s, len(list), err, wantApps[s])
			}
			for _, a := range list {
				if (s == application.StatusDraft) != (a.Reference == "") || (a.Reference != "" && !ref.MatchString(a.Reference)) {
					t.Errorf("%s application %q has reference %q", s, a.Title, a.Reference)
				}
				if a.Reference != "" {
					submittedOnce++
				}
				// The history reads in time order, in the past, with the manager's reason.
				hist, _, err := srv.Applications.History(ctx, manager, a.ID, all)
				if err != nil || len(hist) == 0 || hist[len(hist)-1].To != s {
					t.Fatalf("history of %q: %+v %v", a.Title, hist, err)
				}
				for j := 1; j < len(hist); j++ {
					if hist[j].At.Before(hist[j-1].At) || !hist[j].At.Before(now) {
						t.Errorf("history of %q out of order: %+v", a.Title, hist)
					}
				}
				if last := hist[len(hist)-1]; (s == application.StatusIneligible || s == application.StatusMoreInfoRequested) && last.Reason == "" {
					t.Errorf("%s application %q has no reason for the group", s, a.Title)
				}
			}
		}
		// Every change went through the services: one audit event per submission.
		events, _, err := srv.Audit.List(ctx, audit.Filter{Action: "application.submitted"}, all)
		if err != nil || len(events) != submittedOnce {
			t.Fatalf("application.submitted events: %d (%v), want %d", len(events), err, submittedOnce)
		}
		// The seed happened in story order: the log (newest first) has its times descending.
		seeded, _, err := srv.Audit.List(ctx, audit.Filter{}, all)
		if err != nil || len(seeded) < 60 {
			t.Fatalf("audit events: %d %v", len(seeded), err)
		}
		for j := 1; j < len(seeded); j++ {
			if seeded[j].At.After(seeded[j-1].At) {
				t.Fatalf("audit event %s (%s) at %v comes after %s at %v", seeded[j].Action, seeded[j].EntityID, seeded[j].At, seeded[j-1].Action, seeded[j-1].At)
			}
		}
		stats, err := srv.Applications.Stats(ctx, manager, open.ID)
		if err != nil || stats.RequestedTotal <= 0 {
			t.Fatalf("stats of the open round: %+v %v", stats, err)
		}

		// A second seed finds the demo and changes nothing.
		again, err := demo.Seed(ctx, db, services(srv), clock)
		if err != nil || !again.Existing || len(again.Logins) != len(res.Logins) {
			t.Fatalf("second seed: %+v %v", again, err)
		}
		if orgs, _, _ := srv.Organisations.List(ctx, manager, all); len(orgs) != 12 {
			t.Fatalf("after a second seed: %d organisations", len(orgs))
		}
	})
}
