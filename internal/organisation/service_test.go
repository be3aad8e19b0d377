package organisation_test

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

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/identity"
	"constellate/internal/ids"
	"constellate/internal/organisation"
	"constellate/internal/page"
	"constellate/internal/secretbox"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

// Service tests: the organisation use cases on a real database of each dialect, without
// HTTP (the api tests keep the contract). Tables are grouped by outcome; every refused
// change is shown to have changed nothing and written no audit event.

// clock is the service's injected time: tests move it, nothing reads the wall clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

var start = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// coolingOff is how long payments stay blocked after a bank account is replaced.
const coolingOff = 72 * time.Hour

// fixture is the service wired as api.Build wires it, on one database.
type fixture struct {
	ctx     context.Context
	db      *store.DB
	clock   *clock
	log     *audit.Log
	orgs    *organisation.Service
	manager auth.Actor
	seq     int
}

func newService(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	c := &clock{now: start}
	log := audit.NewLog(store.NewAuditStore(db), c.Now, ids.New)
	box, err := secretbox.New(bytes.Repeat([]byte{7}, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ctx: context.Background(), db: db, clock: c, log: log,
		orgs: organisation.NewService(db, store.NewOrganisationStore(db), box, event.NewBus(log), c.Now, coolingOff)}
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

// account is a user as the member list shows them.
type account struct {
	auth.Actor
	Name, Email string
}

// account creates an account with role.
func (f *fixture) account(t *testing.T, role auth.Role) account {
	t.Helper()
	f.seq++
	now := f.clock.Now()
	u := identity.User{ID: ids.New(), Email: fmt.Sprintf("user%d@example.org", f.seq), Name: fmt.Sprintf("User %d", f.seq),
		Role: role, PasswordHash: "unused", TokenVersion: 1, CreatedAt: now, UpdatedAt: now}
	if err := store.NewIdentityStore(f.db).CreateUser(f.ctx, u); err != nil {
		t.Fatal(err)
	}
	return account{auth.Actor{UserID: u.ID, Role: role}, u.Name, u.Email}
}

// user creates an account with role and returns it as a caller.
func (f *fixture) user(t *testing.T, role auth.Role) auth.Actor { return f.account(t, role).Actor }

// group is an organisation with its owner, a plain member and a second owner. It gives a
// led_by term: see TestUpdateOrganisationWithoutLedBy for why.
type group struct {
	organisation.Organisation
	owner, member, owner2 auth.Actor
}

func (f *fixture) group(t *testing.T) group {
	t.Helper()
	g := group{owner: f.user(t, auth.RoleApplicant), member: f.user(t, auth.RoleApplicant), owner2: f.user(t, auth.RoleApplicant)}
	var err error
	details := organisation.Details{Name: "Riverside Peer Support Circle", LedBy: []organisation.LedBy{"disabled_people"}}
	if g.Organisation, err = f.orgs.Create(f.ctx, g.owner, details); err != nil {
		t.Fatal(err)
	}
	// Added by a grants manager, directly: the invitation journey has its own tests.
	for _, m := range []organisation.NewMember{{UserID: g.member.UserID}, {UserID: g.owner2.UserID, Role: organisation.RoleOwner}} {
		if _, err := f.orgs.DirectAdd(f.ctx, f.manager, g.ID, m); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// caller is the actor of kind in g: owner, member, owner2, stranger (an applicant of no
// group), manager, finance, panel, or machine (a client-credentials caller).
func (f *fixture) caller(t *testing.T, kind string, g group) auth.Actor {
	t.Helper()
	switch kind {
	case "", "owner":
		return g.owner
	case "member":
		return g.member
	case "owner2":
		return g.owner2
	case "manager":
		return f.manager
	case "stranger":
		return f.user(t, auth.RoleApplicant)
	case "finance":
		return f.user(t, auth.RoleFinance)
	case "panel":
		return f.user(t, auth.RolePanelMember)
	case "machine":
		return auth.Actor{UserID: ids.New(), Role: auth.RoleApplicant, Machine: true}
	}
	t.Fatalf("no caller %q", kind)
	return auth.Actor{}
}

func (f *fixture) stored(t *testing.T, id string) organisation.Organisation {
	t.Helper()
	o, err := f.orgs.Get(f.ctx, f.manager, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (f *fixture) members(t *testing.T, id string) []organisation.Member {
	t.Helper()
	list, _, err := f.orgs.Members(f.ctx, f.manager, id, page.Params{Limit: page.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// record is what a test compares of an audit event.
type record struct {
	Action  string
	ActorID string
	Changes map[string]any
}

// records lists the audit events of entityType about id (every event when id is ""), oldest first.
func (f *fixture) records(t *testing.T, entityType, id string) []record {
	t.Helper()
	list, _, err := f.log.List(f.ctx, audit.Filter{EntityType: entityType, EntityID: id}, page.Params{Limit: page.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]record, 0, len(list))
	for _, e := range slices.Backward(list) {
		out = append(out, record{Action: e.Action, ActorID: e.ActorID, Changes: e.Changes})
	}
	return out
}

// problem is what a test compares of an error: its code and the fields it names.
type problem struct {
	Code   errs.Code
	Fields []string
}

func problemOf(err error) problem {
	var e *errs.Error
	if !errors.As(err, &e) {
		return problem{Code: errs.CodeOf(err)}
	}
	p := problem{Code: e.Code}
	for _, fe := range e.Fields {
		p.Fields = append(p.Fields, fe.Field)
	}
	return p
}

var equateEmpty = cmpopts.EquateEmpty()

func ptr[T any](v T) *T { return &v }

func anys(ss ...string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// refusal is a change to an organisation that must be refused and leave no trace.
type refusal struct {
	name    string
	actor   string // see fixture.caller
	unknown bool   // ask for an organisation that does not exist
	stale   bool   // send an If-Match older than the current version
	apply   func(*organisation.Details)
	member  organisation.NewMember
	userID  string // who to remove: owner, member, owner2, stranger
	bank    organisation.BankDetails
	setup   func(t *testing.T, f *fixture, g group) *int64 // returns the version If-Match is compared with, if not the organisation's
	is      error
	want    problem
}

// run makes a group, calls do as the refusal's caller, and checks the error and that the
// organisation, its members, its bank account and the audit log did not change.
func (tc refusal) run(t *testing.T, f *fixture, do func(actor auth.Actor, g group, id string, ifMatch *int64) error) {
	t.Helper()
	g := f.group(t)
	version := ptr(f.stored(t, g.ID).Version)
	if tc.setup != nil {
		if v := tc.setup(t, f, g); v != nil {
			version = v
		}
	}
	actor := f.caller(t, tc.actor, g)
	before, members, all := f.stored(t, g.ID), f.members(t, g.ID), f.records(t, "", "")
	bank, bankErr := f.orgs.BankAccount(f.ctx, g.owner, g.ID)
	f.clock.Advance(time.Minute)
	id := g.ID
	if tc.unknown {
		id = ids.New()
	}
	var ifMatch *int64
	if tc.stale {
		ifMatch = ptr(*version - 1)
	}
	err := do(actor, g, id, ifMatch)
	if d := cmp.Diff(tc.want, problemOf(err), equateEmpty); d != "" {
		t.Errorf("error %v (-want +got):\n%s", err, d)
	}
	if tc.is != nil && !errors.Is(err, tc.is) {
		t.Errorf("error %v is not %v", err, tc.is)
	}
	if d := cmp.Diff(before, f.stored(t, g.ID)); d != "" {
		t.Errorf("a refused change changed the organisation (-before +after):\n%s", d)
	}
	if d := cmp.Diff(members, f.members(t, g.ID)); d != "" {
		t.Errorf("a refused change changed the members (-before +after):\n%s", d)
	}
	bankAfter, bankErrAfter := f.orgs.BankAccount(f.ctx, g.owner, g.ID)
	if d := cmp.Diff(bank, bankAfter); d != "" || errs.CodeOf(bankErr) != errs.CodeOf(bankErrAfter) {
		t.Errorf("a refused change changed the bank account (-before +after):\n%s", d)
	}
	if d := cmp.Diff(all, f.records(t, "", "")); d != "" {
		t.Errorf("a refused change wrote audit events:\n%s", d)
	}
}
