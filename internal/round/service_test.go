package round_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// Service tests: the round use cases on a real database of each dialect, without HTTP (the
// api tests keep the contract). Tables are grouped by outcome; every refused change is
// shown to have changed nothing and written no audit event.

// clock is the services' injected time: tests move it, nothing reads the wall clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// start is when every test's clock starts: the SPEC §5 round opens then.
var start = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// fixture is the services wired as api.Build wires them, on one database.
type fixture struct {
	ctx     context.Context
	db      *store.DB
	clock   *clock
	bus     *event.Bus
	log     *audit.Log
	store   *store.RoundStore
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
	f := &fixture{ctx: context.Background(), db: db, clock: c, bus: bus, log: log, store: store.NewRoundStore(db),
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

func (f *fixture) programme(t *testing.T) string {
	t.Helper()
	name := "Side by Side Fund"
	p, err := f.rounds.CreateProgramme(f.ctx, f.manager, round.ProgrammeInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func f64(v float64) *float64 { return &v }

// definition is a valid round (the SPEC §5 example, abridged) with a prefix of its own.
func (f *fixture) definition() round.Definition {
	f.seq++
	return round.Definition{
		Name: "Side by Side 2025", Description: "For user-led groups.", ReferencePrefix: fmt.Sprintf("SBS%d", f.seq),
		Currency: "GBP", Budget: 1000000, MinGrant: 50000, MaxGrant: 500000,
		OpensAt: start, ClosesAt: start.Add(30 * 24 * time.Hour), GraceMinutes: 30, ReviewersPerApplication: 2, BlindAssessment: true,
		Eligibility: round.Eligibility{
			Questions: []round.Question{{ID: "user_led", Label: "Is your group user-led?", Type: round.YesNo, Required: true}},
			Rules:     []round.Rule{{QuestionID: "user_led", Op: round.OpEq, Value: true, Message: "This fund is for user-led groups."}},
		},
		Form: round.Form{Questions: []round.Question{
			{ID: "about", Label: "Tell us about your group", Type: round.LongText, Required: true, MaxWords: 300},
			{ID: "video", Label: "Or send us a video", Type: round.MediaLink},
		}},
		Criteria:       []round.Criterion{{ID: "need", Title: "Need", Weight: 2, ScaleMin: 1, ScaleMax: 5}},
		ReportSchedule: round.ReportSchedule{{Kind: round.ReportFinal, DueAfterDays: 365}},
		ReportForm:     round.Form{Questions: []round.Question{{ID: "what", Label: "What happened?", Type: round.LongText, Required: true}}},
	}
}

// roundIn creates a round and moves it, through the service, to status.
func (f *fixture) roundIn(t *testing.T, status round.Status) round.Round {
	t.Helper()
	r, err := f.rounds.CreateRound(f.ctx, f.manager, f.programme(t), f.definition())
	if err != nil {
		t.Fatal(err)
	}
	path := map[round.Status][]round.Action{
		round.StatusOpen:       {round.ActionOpen},
		round.StatusClosed:     {round.ActionOpen, round.ActionClose},
		round.StatusAssessment: {round.ActionOpen, round.ActionClose, round.ActionStartAssessment},
		round.StatusDecided:    {round.ActionOpen, round.ActionClose, round.ActionStartAssessment, round.ActionPublishDecisions},
		round.StatusArchived: {round.ActionOpen, round.ActionClose, round.ActionStartAssessment, round.ActionPublishDecisions,
			round.ActionArchive},
	}
	for _, a := range path[status] {
		if r, err = f.rounds.Transition(f.ctx, f.manager, r.ID, a, nil); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	return r
}

// stored reads a round as the database holds it.
func (f *fixture) stored(t *testing.T, id string) round.Round {
	t.Helper()
	r, err := f.store.Round(f.ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// record is what a test compares of an audit event.
type record struct {
	Action  string
	ActorID string
	Changes map[string]any
}

// records lists the audit events about one entity (every entity when id is ""), oldest first.
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

var equateEmpty = cmpopts.EquateEmpty()

func ptr[T any](v T) *T { return &v }

func TestCreateProgramme(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		name, desc := "Side by Side Fund", "For user-led groups."
		p, err := f.rounds.CreateProgramme(f.ctx, f.manager, round.ProgrammeInput{Name: &name, Description: &desc})
		if err != nil {
			t.Fatal(err)
		}
		want := round.Programme{ID: p.ID, Name: name, Description: desc, Version: 1, CreatedAt: start, UpdatedAt: start}
		got, err := f.store.Programme(f.ctx, p.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("stored programme (-want +got):\n%s", d)
		}
		wantEv := []record{{Action: "programme.created", ActorID: f.manager.UserID, Changes: map[string]any{"name": name}}}
		if d := cmp.Diff(wantEv, f.records(t, "programme", p.ID)); d != "" {
			t.Errorf("audit (-want +got):\n%s", d)
		}

		refused := []struct {
			name  string
			actor auth.Actor
			in    round.ProgrammeInput
			want  problem
		}{
			{"422 names every field", f.manager, round.ProgrammeInput{Name: ptr(" "), Description: ptr(strings.Repeat("x", round.MaxTextLength+1))},
				problem{Code: errs.Invalid, Fields: []string{"name", "description"}}},
			{"403 for a panel member", f.user(t, auth.RolePanelMember), round.ProgrammeInput{Name: &name}, problem{Code: errs.Forbidden}},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				before := f.records(t, "", "")
				_, err := f.rounds.CreateProgramme(f.ctx, tc.actor, tc.in)
				if d := cmp.Diff(tc.want, problemOf(err), equateEmpty); d != "" {
					t.Errorf("error %v (-want +got):\n%s", err, d)
				}
				if d := cmp.Diff(before, f.records(t, "", "")); d != "" {
					t.Errorf("a refused creation wrote audit events:\n%s", d)
				}
			})
		}
	})
}

func TestCreateRound(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		prog := f.programme(t)
		f.clock.Advance(time.Hour)
		createOK := []struct {
			name string
			edit func(*round.Definition)
		}{
			{"the SPEC example", func(*round.Definition) {}},
			{"a form with no eligibility check", func(d *round.Definition) { d.Eligibility = round.Eligibility{} }},
			{"no grace and one reviewer", func(d *round.Definition) { d.GraceMinutes, d.ReviewersPerApplication = 0, 1 }},
		}
		for _, tc := range createOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				d := f.definition()
				tc.edit(&d)
				got, err := f.rounds.CreateRound(f.ctx, f.manager, prog, d)
				if err != nil {
					t.Fatal(err)
				}
				now := f.clock.Now()
				want := round.Round{ID: got.ID, ProgrammeID: prog, Definition: d, Status: round.StatusDraft, Version: 1, CreatedAt: now, UpdatedAt: now}
				if diff := cmp.Diff(want, got, equateEmpty); diff != "" {
					t.Errorf("returned round (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(want, f.stored(t, got.ID), equateEmpty); diff != "" {
					t.Errorf("stored round (-want +got):\n%s", diff)
				}
				wantEv := []record{{Action: "round.created", ActorID: f.manager.UserID,
					Changes: map[string]any{"programme_id": prog, "name": d.Name, "status": "draft"}}}
				if diff := cmp.Diff(wantEv, f.records(t, "round", got.ID)); diff != "" {
					t.Errorf("audit (-want +got):\n%s", diff)
				}
			})
		}

		taken := f.roundIn(t, round.StatusDraft)
		create422 := []struct {
			name string
			edit func(*round.Definition)
			want []string
		}{
			{"name missing", func(d *round.Definition) { d.Name = "  " }, []string{"name"}},
			{"amounts out of order", func(d *round.Definition) { d.Budget, d.MinGrant, d.MaxGrant = 100000, 300000, 200000 },
				[]string{"min_grant", "max_grant"}},
			{"closes before it opens", func(d *round.Definition) { d.ClosesAt = d.OpensAt.Add(-time.Hour) }, []string{"closes_at"}},
			{"a rule on no eligibility question", func(d *round.Definition) { d.Eligibility.Rules[0].QuestionID = "about" },
				[]string{"eligibility.rules[0].question_id"}},
			{"every problem at once", func(d *round.Definition) {
				d.Name, d.ReferencePrefix, d.Currency, d.ReviewersPerApplication = "", "x", "pounds", 0
				d.Form.Questions[1].ID = "about"
			}, []string{"name", "reference_prefix", "currency", "reviewers_per_application", "form.questions[1].id"}},
		}
		for _, tc := range create422 {
			t.Run("422/"+tc.name, func(t *testing.T) {
				d := f.definition()
				tc.edit(&d)
				before := f.records(t, "", "")
				_, err := f.rounds.CreateRound(f.ctx, f.manager, prog, d)
				if diff := cmp.Diff(problem{Code: errs.Invalid, Fields: tc.want}, problemOf(err), equateEmpty); diff != "" {
					t.Errorf("error %v (-want +got):\n%s", err, diff)
				}
				if diff := cmp.Diff(before, f.records(t, "", "")); diff != "" {
					t.Errorf("a refused creation wrote audit events:\n%s", diff)
				}
			})
		}

		refused := []struct {
			name      string
			actor     auth.Actor
			programme string
			edit      func(*round.Definition)
			want      problem
		}{
			{"403 for an applicant", f.user(t, auth.RoleApplicant), prog, func(*round.Definition) {}, problem{Code: errs.Forbidden}},
			{"404 for an unknown programme", f.manager, ids.New(), func(*round.Definition) {}, problem{Code: errs.NotFound}},
			{"409 for a prefix in use", f.manager, prog, func(d *round.Definition) { d.ReferencePrefix = taken.ReferencePrefix },
				problem{Code: errs.Conflict, Fields: []string{"reference_prefix"}, Meta: map[string]string{"existing_id": taken.ID}}},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				d := f.definition()
				tc.edit(&d)
				before := f.records(t, "", "")
				_, err := f.rounds.CreateRound(f.ctx, tc.actor, tc.programme, d)
				if diff := cmp.Diff(tc.want, problemOf(err), equateEmpty); diff != "" {
					t.Errorf("error %v (-want +got):\n%s", err, diff)
				}
				if diff := cmp.Diff(before, f.records(t, "", "")); diff != "" {
					t.Errorf("a refused creation wrote audit events:\n%s", diff)
				}
			})
		}
		list, _, err := f.rounds.Rounds(f.ctx, f.manager, round.Filter{ProgrammeID: prog}, page.Params{Limit: page.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(createOK) {
			t.Errorf("programme has %d rounds, want %d: a refused creation was stored", len(list), len(createOK))
		}
	})
}
