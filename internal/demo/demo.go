// Package demo is the data `constellate seed --demo` creates: a small funder with its staff,
// two programmes (an open round, a closed one in assessment, and last year's round decided,
// with its awards and payments), a dozen applicant groups and their applications.
// Everything goes through the capabilities' services, exactly as requests would, so every
// rule is checked and every change writes its audit event; nothing here writes SQL. The
// whole seed runs in one transaction: it lands completely or not at all.
//
// The demo tells a story over time (a round decided and paid last year, a round that ran
// months ago, applications submitted over the past fortnight), so Seed moves a Clock that
// the services were built with: the history, revisions and audit events of the demo carry
// those past times. Time only moves forward through the seed.
package demo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"constellate/internal/application"
	"constellate/internal/assessment"
	"constellate/internal/auth"
	"constellate/internal/award"
	"constellate/internal/identity"
	"constellate/internal/organisation"
	"constellate/internal/round"
)

// Password is every demo account's password. It is printed and published in the README:
// demo data belongs on a laptop, never on a database real people use.
const Password = "side-by-side-demo"

// ManagerEmail is the demo grants manager's login; its presence marks a seeded database.
const ManagerEmail = "manager@example.org"

// Services are the capabilities the seed uses (api.Build wires them: pass its Services).
type Services struct {
	Identity      *identity.Service
	Organisations *organisation.Service
	Rounds        *round.Service
	Applications  *application.Service
	Assessments   *assessment.Service
	Awards        *award.Service
}

// Transactor runs fn in one transaction carried in ctx; the services' own transactions
// join it (*store.DB).
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Clock is the time the services see while seeding: the real time moved back by an offset
// Seed sets, so past events happen at past times. Outside a seed it is the real time.
type Clock struct {
	mu     sync.Mutex
	real   func() time.Time
	offset time.Duration
}

// NewClock returns a clock at real time (time.Now when real is nil).
func NewClock(real func() time.Time) *Clock {
	if real == nil {
		real = time.Now
	}
	return &Clock{real: real}
}

// Now is the real time moved back by the current offset.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.real().Add(-c.offset)
}

// at sets the clock to ago before the real time (0: the real time).
func (c *Clock) at(ago time.Duration) {
	c.mu.Lock()
	c.offset = ago
	c.mu.Unlock()
}

// Login is one demo account.
type Login struct {
	Role  auth.Role
	Name  string
	Email string
	// Note says what the account shows in the demo.
	Note string
}

// Result is what a seed created (or, when Existing, found already there).
type Result struct {
	// Existing is set when the database already held the demo: nothing was changed.
	Existing      bool
	Logins        []Login
	Programmes    int
	Rounds        int
	Organisations int
	// Applications counts the demo's applications by status, as stored.
	Applications map[application.Status]int
	// Awards and Payments count the demo's awards and payments by status, as stored.
	Awards   map[award.Status]int
	Payments map[award.PaymentStatus]int
}

// Logins lists every demo account, staff first.
func Logins() []Login {
	out := make([]Login, 0, len(staff)+len(applicants))
	for _, p := range staff {
		out = append(out, Login{Role: p.role, Name: p.name, Email: p.email, Note: p.note})
	}
	for _, p := range applicants {
		out = append(out, Login{Role: auth.RoleApplicant, Name: p.name, Email: p.email, Note: p.note})
	}
	return out
}

const day = 24 * time.Hour

// seeder carries the state of one seed run.
type seeder struct {
	svc     Services
	clock   *Clock
	base    time.Time // the real time when the seed started, to the hour
	manager auth.Actor
	people  map[string]auth.Actor // by email
	orgs    []organisation.Organisation
	// programmes are the programmes' ids by name.
	programmes map[string]string
	rounds     map[string]round.Round          // by key ("sbs", "spk", "spk-last")
	apps       map[int]application.Application // by index in demoApplications
	res        Result
}

// Seed creates the demo through svc, whose services must have been built with clock.Now.
// If the demo manager's account already exists, Seed changes nothing and returns the
// logins with Existing set.
func Seed(ctx context.Context, tx Transactor, svc Services, clock *Clock) (Result, error) {
	s := &seeder{svc: svc, clock: clock, base: clock.real().UTC().Truncate(time.Hour),
		people: map[string]auth.Actor{}, programmes: map[string]string{}, rounds: map[string]round.Round{}, apps: map[int]application.Application{},
		res: Result{Logins: Logins(), Applications: map[application.Status]int{}, Awards: map[award.Status]int{}, Payments: map[award.PaymentStatus]int{}}}
	defer clock.at(0)
	err := tx.InTx(ctx, func(ctx context.Context) error {
		// In story order: time only moves forward, so the audit log reads as it happened.
		steps := []func(context.Context) error{s.users, s.organisations, s.lastYear, s.smallSparks, s.sideBySide, s.countAwards}
		for _, step := range steps {
			if err := step(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, identity.ErrEmailTaken) && s.manager.UserID == "" {
		return Result{Existing: true, Logins: Logins()}, nil
	}
	if err != nil {
		return Result{}, err
	}
	return s.res, nil
}

// users creates the staff and the applicants, 600 days ago, before last year's round (the
// manager first: an existing manager means the demo is already there).
func (s *seeder) users(ctx context.Context) error {
	s.clock.at(600 * day)
	cli := auth.Actor{UserID: "seed", Role: auth.RoleGrantsManager}
	for _, p := range staff {
		u, err := s.svc.Identity.Create(ctx, cli, identity.NewUser{Email: p.email, Name: p.name, Password: Password, Role: p.role})
		if err != nil {
			if p.email == ManagerEmail {
				return err
			}
			return fmt.Errorf("demo user %s: %w", p.email, err)
		}
		a := auth.Actor{UserID: u.ID, Role: u.Role}
		if p.email == ManagerEmail {
			s.manager, cli = a, a
		}
		s.people[p.email] = a
	}
	for _, p := range applicants {
		u, err := s.svc.Identity.Register(ctx, p.email, Password, p.name)
		if err != nil {
			return fmt.Errorf("demo applicant %s: %w", p.email, err)
		}
		s.people[p.email] = auth.Actor{UserID: u.ID, Role: u.Role}
	}
	return nil
}

// organisations creates the groups, each by its owner, with its extra members (invited and
// accepted) and (for a few) a bank account.
func (s *seeder) organisations(ctx context.Context) error {
	for i, g := range groups {
		s.clock.at(time.Duration(598-i) * day)
		owner := s.people[g.owner]
		o, err := s.svc.Organisations.Create(ctx, owner, g.details)
		if err != nil {
			return fmt.Errorf("demo organisation %q: %w", g.details.Name, err)
		}
		// Members join as any group's do: the owner invites their email, they accept.
		for _, m := range g.members {
			inv, err := s.svc.Organisations.Invite(ctx, owner, o.ID, m, organisation.RoleMember)
			if err == nil {
				_, err = s.svc.Organisations.AcceptInvitation(ctx, s.people[m], inv.ID)
			}
			if err != nil {
				return fmt.Errorf("demo member %s of %q: %w", m, o.Name, err)
			}
		}
		if g.bank != nil {
			if _, err := s.svc.Organisations.SetBankAccount(ctx, owner, o.ID, nil, *g.bank); err != nil {
				return fmt.Errorf("demo bank account of %q: %w", o.Name, err)
			}
		}
		s.orgs = append(s.orgs, o)
	}
	s.res.Organisations = len(s.orgs)
	return nil
}

// smallSparks runs the closed round, in the programme last year's round began: created and
// opened four months ago, applications drafted and submitted while it was open, one
// screened out after it closed, the closure recorded by the manager, and then its
// assessment (assessment.go).
func (s *seeder) smallSparks(ctx context.Context) error {
	s.clock.at(130 * day)
	r, err := s.programmeAndRound(ctx, smallSparksProgramme, smallSparksRound(s.base, 120*day, 30*day))
	if err != nil {
		return err
	}
	s.clock.at(120 * day)
	if r, err = s.svc.Rounds.Transition(ctx, s.manager, r.ID, round.ActionOpen, nil); err != nil {
		return fmt.Errorf("demo: open %q: %w", r.Name, err)
	}
	s.rounds["spk"] = r
	// The manager records the closure the day after closes_at (the round counted as closed
	// from closes_at anyway).
	if err := s.applications(ctx, "spk", 29*day); err != nil {
		return err
	}
	return s.assess(ctx)
}

// sideBySide runs the open round: opened a fortnight ago and closing in a month, with
// drafts in progress and submissions, one of which the manager asked more of.
func (s *seeder) sideBySide(ctx context.Context) error {
	s.clock.at(20 * day)
	r, err := s.programmeAndRound(ctx, sideBySideProgramme, sideBySideRound(s.base))
	if err != nil {
		return err
	}
	s.clock.at(14 * day)
	if r, err = s.svc.Rounds.Transition(ctx, s.manager, r.ID, round.ActionOpen, nil); err != nil {
		return fmt.Errorf("demo: open %q: %w", r.Name, err)
	}
	s.rounds["sbs"] = r
	return s.applications(ctx, "sbs", 0)
}

// programmeAndRound creates a round in programme p, creating p first unless an earlier
// round did.
func (s *seeder) programmeAndRound(ctx context.Context, p round.Programme, d round.Definition) (round.Round, error) {
	progID, ok := s.programmes[p.Name]
	if !ok {
		prog, err := s.svc.Rounds.CreateProgramme(ctx, s.manager, round.ProgrammeInput{Name: &p.Name, Description: &p.Description})
		if err != nil {
			return round.Round{}, fmt.Errorf("demo programme %q: %w", p.Name, err)
		}
		progID, s.programmes[p.Name] = prog.ID, prog.ID
		s.res.Programmes++
	}
	r, err := s.svc.Rounds.CreateRound(ctx, s.manager, progID, d)
	if err != nil {
		return round.Round{}, fmt.Errorf("demo round %q: %w", d.Name, err)
	}
	s.res.Rounds++
	return r, nil
}

// applications plays the round's applications in time order: each started (and its
// answers saved), submitted and screened by the manager at its own time, so the history
// and the audit log read in the order things happened. When closeAgo is set, the manager
// records the round's closure then.
func (s *seeder) applications(ctx context.Context, key string, closeAgo time.Duration) error {
	type event struct {
		ago  time.Duration
		kind int // start, submit, screen, closeRound
		i    int // index in demoApplications
	}
	const (
		start = iota
		submit
		screen
		closeRound
	)
	var events []event
	if closeAgo > 0 {
		events = append(events, event{closeAgo, closeRound, -1})
	}
	for i, a := range demoApplications {
		if a.round != key {
			continue
		}
		events = append(events, event{a.started, start, i})
		if a.submitted > 0 {
			events = append(events, event{a.submitted, submit, i})
		}
		if a.screen != "" {
			events = append(events, event{a.screenedAgo, screen, i})
		}
	}
	sort.SliceStable(events, func(x, y int) bool { return events[x].ago > events[y].ago })
	for _, e := range events {
		s.clock.at(e.ago)
		var err error
		switch e.kind {
		case start:
			err = s.start(ctx, key, e.i)
		case submit:
			err = s.submit(ctx, e.i)
		case screen:
			err = s.screen(ctx, e.i)
		case closeRound:
			r := s.rounds[key]
			if _, err = s.svc.Rounds.Transition(ctx, s.manager, r.ID, round.ActionClose, nil); err != nil {
				err = fmt.Errorf("demo: close %q: %w", r.Name, err)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// start creates a draft and saves its title, summary, amount and answers.
func (s *seeder) start(ctx context.Context, key string, i int) error {
	a := demoApplications[i]
	org := s.orgs[a.org]
	owner := s.people[groups[a.org].owner]
	app, err := s.svc.Applications.Create(ctx, owner, s.rounds[key].ID, org.ID)
	if err != nil {
		return fmt.Errorf("demo application of %q: %w", org.Name, err)
	}
	title, summary, amount := a.title, a.summary, a.amount
	answers := make(map[string]any, len(a.answers)+1)
	for k, v := range a.answers {
		answers[k] = v
	}
	if a.startsIn > 0 {
		answers["start_date"] = s.base.Add(a.startsIn).Format("2006-01-02")
	}
	if app, err = s.svc.Applications.Update(ctx, owner, app.ID, application.Patch{
		Title: &title, Summary: &summary, RequestedAmount: &amount, Answers: answers}, nil); err != nil {
		return fmt.Errorf("demo answers of %q: %w", org.Name, err)
	}
	s.moved(i, app)
	return nil
}

func (s *seeder) submit(ctx context.Context, i int) error {
	a := demoApplications[i]
	app, err := s.svc.Applications.Submit(ctx, s.people[groups[a.org].owner], s.apps[i].ID, nil)
	if err != nil {
		return fmt.Errorf("demo submission of %q: %w", s.orgs[a.org].Name, err)
	}
	s.moved(i, app)
	return nil
}

// screen is the manager's work on a submitted application: asking the group for more, or
// screening it out, with the message the group reads.
func (s *seeder) screen(ctx context.Context, i int) error {
	a := demoApplications[i]
	var app application.Application
	var err error
	switch a.screen {
	case application.StatusMoreInfoRequested:
		app, err = s.svc.Applications.RequestInfo(ctx, s.manager, s.apps[i].ID, a.screenMessage, nil)
	case application.StatusIneligible:
		app, err = s.svc.Applications.MarkIneligible(ctx, s.manager, s.apps[i].ID, a.screenMessage, nil)
	default:
		err = fmt.Errorf("no screening to %s", a.screen)
	}
	if err != nil {
		return fmt.Errorf("demo screening of %q: %w", s.orgs[a.org].Name, err)
	}
	s.moved(i, app)
	return nil
}

// moved records application i's new state and keeps the counts by status.
func (s *seeder) moved(i int, app application.Application) {
	if before, ok := s.apps[i]; ok {
		s.res.Applications[before.Status]--
	}
	s.res.Applications[app.Status]++
	s.apps[i] = app
}

// reread reads the round's applications again after a round's move changed their status
// (the start of assessment, the publication of decisions), keeping the counts, and returns
// their ids by title.
func (s *seeder) reread(ctx context.Context, key string) (map[string]string, error) {
	byTitle := map[string]string{}
	for i, a := range demoApplications {
		if a.round != key {
			continue
		}
		app, err := s.svc.Applications.Get(ctx, s.manager, s.apps[i].ID)
		if err != nil {
			return nil, err
		}
		s.moved(i, app)
		byTitle[a.title] = app.ID
	}
	return byTitle, nil
}
