package demo_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"constellate/api"
	"constellate/internal/application"
	"constellate/internal/assessment"
	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/award"
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
	return demo.Services{Identity: srv.Identity, Organisations: srv.Organisations, Rounds: srv.Rounds, Applications: srv.Applications,
		Assessments: srv.Assessments, Awards: srv.Awards}
}

// TestSeed seeds a fresh database of each dialect and checks what the demo promises
// through the services: every login signs in with its role, the counts, one open round with
// a varied form, one closed and in assessment, and last year's decided within its budget
// with awards offered, active and withdrawn and a payment made, unregistered and user-led
// groups, applications in each status with references and audit events; a second seed
// changes nothing.
func TestSeed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := demo.NewClock(nil)
		srv := build(t, db, clock)
		res, err := demo.Seed(ctx, db, services(srv), clock)
		if err != nil {
			t.Fatal(err)
		}
		// Small Sparks is in assessment: its five submitted applications moved under it. Last
		// year's is decided: three awarded, one declined.
		wantApps := map[application.Status]int{application.StatusDraft: 4, application.StatusSubmitted: 4,
			application.StatusUnderAssessment: 5, application.StatusMoreInfoRequested: 1, application.StatusIneligible: 1,
			application.StatusAwarded: 3, application.StatusDeclined: 1}
		// Last year's awards: the walking group's accepted and active (its first instalment
		// paid, the second scheduled, the default one replaced), the allotment's offered (its
		// default instalment scheduled), the shed's withdrawn (its instalment cancelled).
		wantAwards := map[award.Status]int{award.StatusOffered: 1, award.StatusActive: 1, award.StatusWithdrawn: 1}
		wantPayments := map[award.PaymentStatus]int{award.PaymentScheduled: 2, award.PaymentPaid: 1, award.PaymentCancelled: 2}
		if res.Existing || res.Programmes != 2 || res.Rounds != 3 || res.Organisations != 12 || len(res.Logins) != 10 {
			t.Fatalf("result %+v", res)
		}
		for _, s := range application.Statuses {
			if res.Applications[s] != wantApps[s] {
				t.Errorf("result says %d %s, want %d", res.Applications[s], s, wantApps[s])
			}
		}
		for _, s := range award.Statuses {
			if res.Awards[s] != wantAwards[s] {
				t.Errorf("result says %d %s awards, want %d", res.Awards[s], s, wantAwards[s])
			}
		}
		for _, s := range award.PaymentStatuses {
			if res.Payments[s] != wantPayments[s] {
				t.Errorf("result says %d %s payments, want %d", res.Payments[s], s, wantPayments[s])
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

		// Rounds: one open (opened in the past, closing in the future), one closed and in
		// assessment, and last year's decided.
		rounds, _, err := srv.Rounds.Rounds(ctx, manager, round.Filter{}, all)
		if err != nil || len(rounds) != 3 {
			t.Fatalf("rounds: %d (%v)", len(rounds), err)
		}
		byStatus := map[round.Status]round.Round{}
		for _, r := range rounds {
			byStatus[r.EffectiveStatus(now)] = r
		}
		open, closed, decided := byStatus[round.StatusOpen], byStatus[round.StatusAssessment], byStatus[round.StatusDecided]
		if open.ID == "" || closed.ID == "" || !open.OpensAt.Before(now) || !now.Before(open.ClosesAt) || !closed.ClosesAt.Before(now) {
			t.Fatalf("want an open round and one closed and in assessment, got %+v", byStatus)
		}
		if decided.ID == "" || decided.ProgrammeID != closed.ProgrammeID || !decided.ClosesAt.Before(closed.OpensAt) ||
			decided.ReferencePrefix == closed.ReferencePrefix || decided.Name == closed.Name || now.Sub(decided.OpensAt) < 366*24*time.Hour {
			t.Fatalf("want last year's round of the closed round's programme decided, got %+v", byStatus)
		}
		// The open round lets a group answer in writing or by recording (issue 12, item 3).
		recorded := 0
		for _, q := range open.Form.Questions {
			if slices.Contains(q.Accepts, round.AnswerMediaLink) && slices.Contains(q.Accepts, round.AnswerText) {
				recorded++
			}
		}
		if recorded == 0 {
			t.Errorf("no question of the open round may be answered by recording")
		}
		// The groups' extra members (all but each group's one owner) joined by invitation, each
		// accepted: none was added directly.
		extra := 0
		for _, o := range orgs {
			ms, _, err := srv.Organisations.Members(ctx, manager, o.ID, all)
			if err != nil {
				t.Fatal(err)
			}
			extra += len(ms) - 1
		}
		if extra == 0 {
			t.Errorf("no group has a member besides its owner")
		}
		for action, want := range map[string]int{"organisation_invitation.created": extra, "organisation_invitation.accepted": extra} {
			if events, _, err := srv.Audit.List(ctx, audit.Filter{Action: action}, all); err != nil || len(events) != want {
				t.Errorf("%s events: %d (%v), want %d", action, len(events), err, want)
			}
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

		// Last year's decisions: all published, within the budget, the decline with feedback.
		ds, err := srv.Awards.Decisions(ctx, manager, decided.ID, all)
		if err != nil || len(ds.Items) != 4 || ds.Undecided != 0 || ds.AwardedTotal <= 0 || ds.AwardedTotal > decided.Budget {
			t.Fatalf("last year's decisions: %d, %d undecided, %d awarded of %d (%v)", len(ds.Items), ds.Undecided, ds.AwardedTotal, decided.Budget, err)
		}
		declines, awarded := 0, int64(0)
		for _, d := range ds.Items {
			if d.PublishedAt == nil || !d.PublishedAt.Before(decided.ClosesAt.Add(60*24*time.Hour)) {
				t.Errorf("decision on %q not published within weeks of the close: %v", d.Title, d.PublishedAt)
			}
			switch d.Outcome {
			case award.OutcomeDecline:
				declines++
				if len(d.Feedback) < 100 {
					t.Errorf("the decline of %q has little feedback: %q", d.Title, d.Feedback)
				}
			case award.OutcomeAward:
				awarded += d.Amount
			}
		}
		if declines != 1 || awarded != ds.AwardedTotal {
			t.Errorf("declines %d, awards adding up to %d of %d", declines, awarded, ds.AwardedTotal)
		}
		// Its awards, by status: the active one accepted and signed, half paid with a
		// reference and half due next month; the offered one waiting for its group's bank
		// account; the withdrawn one with the reason its group reads.
		today := now.UTC().Format("2006-01-02")
		var offered award.Award
		for _, s := range award.Statuses {
			list, _, _, err := srv.Awards.Awards(ctx, manager, award.ListQuery{Status: string(s), Limit: 50})
			if err != nil || len(list) != wantAwards[s] {
				t.Fatalf("%s awards: %d (%v), want %d", s, len(list), err, wantAwards[s])
			}
			for _, a := range list {
				if a.RoundID != decided.ID || a.Amount <= 0 || a.Currency != "GBP" {
					t.Errorf("award %+v", a)
				}
				live := 0
				var total int64
				ps, err := srv.Awards.AwardPayments(ctx, manager, a.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range ps {
					if p.Status != award.PaymentCancelled {
						live++
						total += p.Amount
					}
				}
				switch s {
				case award.StatusActive:
					if a.AcceptedAt == nil || a.SignedName == "" || a.AgreementVersion == "" || live != 2 || total != a.Amount {
						t.Errorf("active award %+v: %d live instalments adding up to %d", a, live, total)
					}
					for _, p := range ps {
						switch p.Status {
						case award.PaymentPaid:
							if p.PaidOn == "" || p.PaidOn >= today || p.Reference == "" || p.ApprovedAt == nil || p.BankAccountVersion == 0 {
								t.Errorf("paid instalment %+v", p)
							}
						case award.PaymentScheduled:
							if p.DueDate <= today {
								t.Errorf("the instalment still to pay was due on %s", p.DueDate)
							}
						}
					}
				case award.StatusOffered:
					offered = a
					if a.AcceptedAt != nil || live != 1 || total != a.Amount {
						t.Errorf("offered award %+v: %d live instalments adding up to %d", a, live, total)
					}
				case award.StatusWithdrawn:
					if a.StatusReason == "" || live != 0 {
						t.Errorf("withdrawn award %+v: %d live instalments", a, live)
					}
				}
			}
		}
		for _, s := range award.PaymentStatuses {
			list, _, _, err := srv.Awards.Payments(ctx, manager, award.ListQuery{Status: string(s), Limit: 50})
			if err != nil || len(list) != wantPayments[s] {
				t.Fatalf("%s payments: %d (%v), want %d", s, len(list), err, wantPayments[s])
			}
		}
		// The offer waits for a bank account: its group's owner (lucia, as the README's tour
		// says) cannot accept it yet.
		lucia, err := srv.Identity.Login(ctx, "lucia@example.org", demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		owner, err := srv.Identity.Authenticate(ctx, lucia.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Awards.Accept(ctx, owner, offered.ID, "Lucia Ionescu", nil); !errors.Is(err, award.ErrNoBankAccount) {
			t.Errorf("accepting the offer without a bank account: %v", err)
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
			got.Eligible == nil || *got.Eligible || len(got.Reasons) != 1 || !strings.Contains(got.Reasons[0].Message, "user-led groups") {
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
				if last := hist[len(hist)-1]; (s == application.StatusIneligible || s == application.StatusMoreInfoRequested || s == application.StatusDeclined) && last.Reason == "" {
					t.Errorf("%s application %q has no reason for the group", s, a.Title)
				}
			}
		}
		// Every change went through the services: one audit event per submission.
		events, _, err := srv.Audit.List(ctx, audit.Filter{Action: "application.submitted"}, all)
		if err != nil || len(events) != submittedOnce {
			t.Fatalf("application.submitted events: %d (%v), want %d", len(events), err, submittedOnce)
		}
		for action, want := range map[string]int{"decision.published": 4, "award.accepted": 1, "payment.paid": 1, "award.withdrawn": 1} {
			if events, _, err := srv.Audit.List(ctx, audit.Filter{Action: action}, all); err != nil || len(events) != want {
				t.Errorf("%s events: %d (%v), want %d", action, len(events), err, want)
			}
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
