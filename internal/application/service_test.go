package application_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"constellate/internal/application"
	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/identity"
	"constellate/internal/ids"
	"constellate/internal/organisation"
	"constellate/internal/page"
	"constellate/internal/round"
	"constellate/internal/secretbox"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

// Service tests: the application use cases on a real database of each dialect, without
// HTTP (the api tests keep the contract). Tables are grouped by outcome; every refused
// change is shown to have changed nothing and written no audit event.

// clock is the services' injected time: tests move it, nothing reads the wall clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }
func (c *clock) Set(t time.Time)         { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// start is when every test's clock starts and its rounds open; they close 30 days later.
var (
	start  = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	closes = start.Add(30 * 24 * time.Hour)
)

// fixture is the services wired as api.Build wires them, on one database.
type fixture struct {
	ctx     context.Context
	db      *store.DB
	clock   *clock
	log     *audit.Log
	rounds  *round.Service
	apps    *application.Service
	orgs    *organisation.Service
	manager auth.Actor
	seq     int
}

func newService(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	c := &clock{now: start}
	log := audit.NewLog(store.NewAuditStore(db), c.Now, ids.New)
	bus := event.NewBus(log)
	box, err := secretbox.New(bytes.Repeat([]byte{7}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	apps := store.NewApplicationStore(db)
	f := &fixture{ctx: context.Background(), db: db, clock: c, log: log,
		rounds: round.NewService(db, store.NewRoundStore(db), bus, c.Now, ids.New),
		apps:   application.NewService(db, apps, apps, store.NewRoundStore(db), bus, c.Now),
		orgs:   organisation.NewService(db, store.NewOrganisationStore(db), box, bus, c.Now, 72*time.Hour)}
	bus.Subscribe(event.RoundAssessmentStarted, "application.StartAssessment", f.apps.StartAssessment)
	f.manager = f.user(t, auth.RoleGrantsManager)
	return f
}

// eachDialect runs fn once per dialect, each on a fresh migrated database.
func eachDialect(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, newService(t, storetest.MustOpen(t, d)))
		})
	}
}

// user creates an account with role and returns it as a caller.
func (f *fixture) user(t *testing.T, role auth.Role) auth.Actor {
	t.Helper()
	f.seq++
	now := f.clock.Now()
	u := identity.User{ID: ids.New(), Email: fmt.Sprintf("user%d@example.org", f.seq), Name: fmt.Sprintf("User %d", f.seq),
		Role: role, PasswordHash: "unused", TokenVersion: 1, CreatedAt: now, UpdatedAt: now}
	if err := store.NewIdentityStore(f.db).CreateUser(f.ctx, u); err != nil {
		t.Fatal(err)
	}
	return auth.Actor{UserID: u.ID, Role: role}
}

// group makes an organisation owned by a new applicant.
func (f *fixture) group(t *testing.T) (auth.Actor, string) {
	t.Helper()
	owner := f.user(t, auth.RoleApplicant)
	o, err := f.orgs.Create(f.ctx, owner, organisation.Details{Name: "Riverside Peer Support Circle"})
	if err != nil {
		t.Fatal(err)
	}
	return owner, o.ID
}

// openRound creates a round (edited by edit, if given) and opens it.
func (f *fixture) openRound(t *testing.T, edit ...func(*round.Definition)) round.Round {
	t.Helper()
	name := "Side by Side Fund"
	p, err := f.rounds.CreateProgramme(f.ctx, f.manager, round.ProgrammeInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	f.seq++
	d := round.Definition{Name: "Side by Side 2025", ReferencePrefix: fmt.Sprintf("SBS%d", f.seq), Currency: "GBP",
		Budget: 1000000, MinGrant: 50000, MaxGrant: 500000, OpensAt: start, ClosesAt: closes, GraceMinutes: 30,
		ReviewersPerApplication: 2, BlindAssessment: true,
		Eligibility: round.Eligibility{
			Questions: []round.Question{{ID: "user_led", Label: "Is your group user-led?", Type: round.YesNo, Required: true}},
			Rules:     []round.Rule{{QuestionID: "user_led", Op: round.OpEq, Value: true, Message: "This fund is for user-led groups."}},
		},
		Form: round.Form{Questions: []round.Question{
			{ID: "about", Label: "Tell us about your group", Type: round.LongText, Required: true, MaxWords: 30},
			{ID: "video", Label: "Or send us a video", Type: round.MediaLink},
		}}}
	for _, e := range edit {
		e(&d)
	}
	r, err := f.rounds.CreateRound(f.ctx, f.manager, p.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	if r, err = f.rounds.Transition(f.ctx, f.manager, r.ID, round.ActionOpen, nil); err != nil {
		t.Fatal(err)
	}
	return r
}

// complete is a patch that makes a draft submittable.
var complete = application.Patch{Title: ptr("Peer support in Moss Side"), Summary: ptr("Weekly meetings."),
	RequestedAmount: ptr(int64(100000)), Answers: map[string]any{"user_led": true, "about": "We meet every week."}}

// applicationIn makes a group, its application to roundID and moves it to status; it returns
// the group's owner and the application as a manager reads it.
func (f *fixture) applicationIn(t *testing.T, roundID string, status application.Status) (auth.Actor, application.Application) {
	t.Helper()
	owner, orgID := f.group(t)
	a, err := f.apps.Create(f.ctx, owner, roundID, orgID)
	if err != nil {
		t.Fatal(err)
	}
	step := func(_ application.Application, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("moving the application to %s: %v", status, err)
		}
	}
	switch status {
	case application.StatusDraft:
	case application.StatusWithdrawn:
		step(f.apps.Withdraw(f.ctx, owner, a.ID, "", nil))
	default:
		step(f.apps.Update(f.ctx, owner, a.ID, complete, nil))
		step(f.apps.Submit(f.ctx, owner, a.ID, nil))
	}
	switch status {
	case application.StatusMoreInfoRequested:
		step(f.apps.RequestInfo(f.ctx, f.manager, a.ID, "Tell us more about your budget.", nil))
	case application.StatusUnderAssessment:
		for _, action := range []round.Action{round.ActionClose, round.ActionStartAssessment} {
			if _, err := f.rounds.Transition(f.ctx, f.manager, roundID, action, nil); err != nil {
				t.Fatal(err)
			}
		}
	case application.StatusIneligible:
		step(f.apps.MarkIneligible(f.ctx, f.manager, a.ID, "We fund user-led groups only.", nil))
	}
	return owner, f.stored(t, a.ID)
}

// caller is the actor of kind: the group's owner ("" too), a plain member of the group, an
// applicant stranger to it, or a staff account.
func (f *fixture) caller(t *testing.T, kind string, owner auth.Actor, orgID string) auth.Actor {
	t.Helper()
	switch kind {
	case "", "owner":
		return owner
	case "manager":
		return f.manager
	case "stranger":
		return f.user(t, auth.RoleApplicant)
	case "panel":
		return f.user(t, auth.RolePanelMember)
	case "finance":
		return f.user(t, auth.RoleFinance)
	case "member":
		m := f.user(t, auth.RoleApplicant)
		if _, err := f.orgs.DirectAdd(f.ctx, f.manager, orgID, organisation.NewMember{UserID: m.UserID}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Fatalf("no caller %q", kind)
	return auth.Actor{}
}

// stored reads an application as a manager sees it (its real status).
func (f *fixture) stored(t *testing.T, id string) application.Application {
	t.Helper()
	a, err := f.apps.Get(f.ctx, f.manager, id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// record is what a test compares of an audit event.
type record struct {
	Action  string
	ActorID string
	Changes map[string]any
}

// records lists the audit events about one application (every event when id is ""), oldest first.
func (f *fixture) records(t *testing.T, id string) []record {
	t.Helper()
	filter := audit.Filter{}
	if id != "" {
		filter = audit.Filter{EntityType: "application", EntityID: id}
	}
	list, _, err := f.log.List(f.ctx, filter, page.Params{Limit: page.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]record, 0, len(list))
	for _, e := range slices.Backward(list) {
		out = append(out, record{Action: e.Action, ActorID: e.ActorID, Changes: e.Changes})
	}
	return out
}

// problem is what a test compares of an error: its code, the fields it names and its meta.
type problem struct {
	Code   errs.Code
	Fields []string
	Meta   map[string]string
}

func problemOf(err error) problem {
	var e *errs.Error
	if !errors.As(err, &e) {
		return problem{Code: errs.CodeOf(err)}
	}
	p := problem{Code: e.Code, Meta: e.Meta}
	for _, fe := range e.Fields {
		p.Fields = append(p.Fields, fe.Field)
	}
	return p
}

var (
	equateEmpty = cmpopts.EquateEmpty()
	ignoreIDs   = cmpopts.IgnoreFields(application.HistoryEntry{}, "ID", "ApplicationID")
	// ignoreProblems leaves the computed problems to the tests about them.
	ignoreProblems = cmpopts.IgnoreFields(application.Application{}, "Problems")
)

func ptr[T any](v T) *T { return &v }

func anys(ss ...string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// refusal is a change to an application that must be refused and leave no trace.
type refusal struct {
	name    string
	status  application.Status // the application is moved here first ("": a draft)
	actor   string             // owner (default), stranger, member, manager, panel, finance
	unknown bool               // ask for an application that does not exist
	stale   bool               // send an If-Match older than the application's version
	at      time.Time          // when set, the call is made then
	text    string             // the reason or message of an action
	setup   func(t *testing.T, f *fixture, owner auth.Actor, a application.Application)
	patch   application.Patch
	is      error // the sentinel errors.Is must match
	want    problem
}

// run makes the application, calls do as the refusal's caller, and checks the error and
// that neither the application, its history and revisions nor the audit log changed.
func (tc refusal) run(t *testing.T, f *fixture, do func(actor auth.Actor, id string, ifMatch *int64) error) {
	t.Helper()
	f.clock.Set(start.Add(time.Hour))
	r := f.openRound(t)
	if tc.status == "" {
		tc.status = application.StatusDraft
	}
	owner, a := f.applicationIn(t, r.ID, tc.status)
	if tc.setup != nil {
		tc.setup(t, f, owner, a)
		a = f.stored(t, a.ID)
	}
	f.clock.Advance(time.Minute)
	if !tc.at.IsZero() {
		f.clock.Set(tc.at)
	}
	actor := f.caller(t, tc.actor, owner, a.OrganisationID)
	all, trail := f.records(t, ""), f.trail(t, a.ID)
	id := a.ID
	if tc.unknown {
		id = ids.New()
	}
	var ifMatch *int64
	if tc.stale {
		ifMatch = ptr(a.Version - 1)
	}
	err := do(actor, id, ifMatch)
	if d := cmp.Diff(tc.want, problemOf(err), equateEmpty); d != "" {
		t.Errorf("error %v (-want +got):\n%s", err, d)
	}
	if tc.is != nil && !errors.Is(err, tc.is) {
		t.Errorf("error %v is not %v", err, tc.is)
	}
	if d := cmp.Diff(a, f.stored(t, a.ID)); d != "" {
		t.Errorf("a refused change changed the application (-before +after):\n%s", d)
	}
	if d := cmp.Diff(trail, f.trail(t, a.ID)); d != "" {
		t.Errorf("a refused change wrote history or revisions (-before +after):\n%s", d)
	}
	if d := cmp.Diff(all, f.records(t, "")); d != "" {
		t.Errorf("a refused change wrote audit events:\n%s", d)
	}
}

// trail is an application's history and revisions as a manager reads them.
type trail struct {
	History   []application.HistoryEntry
	Revisions []application.Revision
}

func (f *fixture) trail(t *testing.T, id string) trail {
	t.Helper()
	h, _, err := f.apps.History(f.ctx, f.manager, id, page.Params{Limit: page.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := f.apps.Revisions(f.ctx, f.manager, id, page.Params{Limit: page.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return trail{h, r}
}
