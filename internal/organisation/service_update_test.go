package organisation_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/organisation"
)

func TestCreateOrganisation(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		createOK := []struct {
			name    string
			details organisation.Details
			want    organisation.Details
		}{
			{"a name is all an unregistered group needs", organisation.Details{Name: "Hillside Allotment Friends"},
				organisation.Details{Name: "Hillside Allotment Friends", LedBy: []organisation.LedBy{}}},
			{"every field, normalised", organisation.Details{Name: "  Access All Areas ", LegalForm: organisation.LegalFormCIO,
				CharityNumber: "1190 001", CompanyNumber: "sc123456", UserLed: true, UserLedDescription: " Run by disabled people. ",
				LedBy: []organisation.LedBy{"disabled_people", "deaf_people", "disabled_people"}, PublishLedBy: true,
				AnnualIncome: ptr(int64(4800000)), Postcode: "ls98ab", Region: "yorkshire_and_the_humber",
				Website: "https://example.org/aaa", ContactEmail: " hello.aaa@example.org "},
				organisation.Details{Name: "Access All Areas", LegalForm: organisation.LegalFormCIO, CharityNumber: "1190001",
					CompanyNumber: "SC123456", UserLed: true, UserLedDescription: "Run by disabled people.",
					LedBy: []organisation.LedBy{"disabled_people", "deaf_people"}, PublishLedBy: true, AnnualIncome: ptr(int64(4800000)),
					Postcode: "LS9 8AB", Region: "yorkshire_and_the_humber", Website: "https://example.org/aaa",
					ContactEmail: "hello.aaa@example.org"}},
		}
		for _, tc := range createOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				creator := f.account(t, auth.RoleApplicant)
				f.clock.Advance(time.Minute)
				got, err := f.orgs.Create(f.ctx, creator.Actor, tc.details)
				if err != nil {
					t.Fatal(err)
				}
				now := f.clock.Now()
				want := organisation.Organisation{ID: got.ID, Details: tc.want, Version: 1, CreatedAt: now, UpdatedAt: now}
				if d := cmp.Diff(want, got, equateEmpty); d != "" {
					t.Errorf("returned organisation (-want +got):\n%s", d)
				}
				if d := cmp.Diff(want, f.stored(t, got.ID), equateEmpty); d != "" {
					t.Errorf("stored organisation (-want +got):\n%s", d)
				}
				// The creator is its first and only owner.
				mine, err := f.orgs.Memberships(f.ctx, creator.Actor)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff([]organisation.UserOrganisation{{ID: got.ID, Name: tc.want.Name, Role: organisation.RoleOwner}}, mine); d != "" {
					t.Errorf("creator's memberships (-want +got):\n%s", d)
				}
				members := f.members(t, got.ID)
				wantMembers := []organisation.Member{{Membership: organisation.Membership{OrganisationID: got.ID, UserID: creator.UserID,
					Role: organisation.RoleOwner, CreatedAt: now, UpdatedAt: now}, Name: creator.Name, Email: creator.Email}}
				if len(members) == 1 {
					wantMembers[0].ID = members[0].ID
				}
				if d := cmp.Diff(wantMembers, members); d != "" {
					t.Errorf("members (-want +got):\n%s", d)
				}
				events := []record{{Action: "organisation.created", ActorID: creator.UserID,
					Changes: map[string]any{"name": tc.want.Name, "owner_id": creator.UserID}}}
				if d := cmp.Diff(events, f.records(t, "organisation", got.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
			})
		}

		refused := []struct {
			name    string
			actor   string
			details organisation.Details
			is      error
			want    problem
		}{
			{"422 every problem at once", "stranger", organisation.Details{Name: " ", LegalForm: "club", CharityNumber: "12",
				LedBy: []organisation.LedBy{"aliens"}, AnnualIncome: ptr(int64(-1)), Postcode: "nowhere", Region: "atlantis",
				Website: "ftp://example.org", ContactEmail: "not an email"}, nil,
				problem{Code: errs.Invalid, Fields: []string{"name", "legal_form", "charity_number", "led_by[0]", "annual_income",
					"postcode", "region", "website", "contact_email"}}},
			{"403 a grants manager", "manager", organisation.Details{Name: "Staff club"}, organisation.ErrApplicantsOnly,
				problem{Code: errs.Forbidden}},
			{"403 a machine client", "machine", organisation.Details{Name: "Robots"}, organisation.ErrApplicantsOnly,
				problem{Code: errs.Forbidden}},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				actor := f.caller(t, tc.actor, group{})
				before := f.records(t, "", "")
				_, err := f.orgs.Create(f.ctx, actor, tc.details)
				if d := cmp.Diff(tc.want, problemOf(err), equateEmpty); d != "" {
					t.Errorf("error %v (-want +got):\n%s", err, d)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("error %v is not %v", err, tc.is)
				}
				if d := cmp.Diff(before, f.records(t, "", "")); d != "" {
					t.Errorf("a refused creation wrote audit events:\n%s", d)
				}
				if mine, err := f.orgs.Memberships(f.ctx, actor); err != nil || len(mine) != 0 {
					t.Errorf("after a refused creation the caller belongs to %v (%v)", mine, err)
				}
			})
		}
	})
}

func TestUpdateOrganisation(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		updateOK := []struct {
			name    string
			actor   string
			ifMatch bool
			apply   func(*organisation.Details)
			fields  []string
		}{
			{"the owner renames it", "owner", false, func(d *organisation.Details) { d.Name = "Riverside Circle" }, []string{"name"}},
			{"the second owner, with the current If-Match", "owner2", true,
				func(d *organisation.Details) { d.Region, d.LedBy = "north_west", []organisation.LedBy{"older_people"} },
				[]string{"led_by", "region"}},
			{"a postcode, normalised", "owner", true, func(d *organisation.Details) { d.Postcode = "m14 5rg" }, []string{"postcode"}},
		}
		for _, tc := range updateOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				g := f.group(t)
				before := f.stored(t, g.ID)
				events := f.records(t, "organisation", g.ID)
				f.clock.Advance(time.Minute)
				var ifMatch *int64
				if tc.ifMatch {
					ifMatch = ptr(before.Version)
				}
				got, err := f.orgs.Update(f.ctx, f.caller(t, tc.actor, g), g.ID, ifMatch, tc.apply)
				if err != nil {
					t.Fatal(err)
				}
				want := before
				want.LedBy = append([]organisation.LedBy(nil), before.LedBy...)
				tc.apply(&want.Details)
				if err := want.Details.Validate(); err != nil {
					t.Fatal(err)
				}
				want.Version, want.UpdatedAt = before.Version+1, f.clock.Now()
				if d := cmp.Diff(want, got, equateEmpty); d != "" {
					t.Errorf("returned organisation (-want +got):\n%s", d)
				}
				if d := cmp.Diff(want, f.stored(t, g.ID), equateEmpty); d != "" {
					t.Errorf("stored organisation (-want +got):\n%s", d)
				}
				events = append(events, record{Action: "organisation.updated", ActorID: f.caller(t, tc.actor, g).UserID,
					Changes: map[string]any{"fields": anys(tc.fields...)}})
				if d := cmp.Diff(events, f.records(t, "organisation", g.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
			})
		}

		unchanged := []struct {
			name  string
			apply func(*organisation.Details)
		}{
			{"nothing changed", func(*organisation.Details) {}},
			{"the name it has, padded", func(d *organisation.Details) { d.Name = "  " + d.Name + " " }},
			{"led_by repeated", func(d *organisation.Details) { d.LedBy = append(d.LedBy, d.LedBy...) }},
		}
		for _, tc := range unchanged {
			t.Run("unchanged/"+tc.name, func(t *testing.T) {
				g := f.group(t)
				before, events := f.stored(t, g.ID), f.records(t, "", "")
				f.clock.Advance(time.Minute)
				got, err := f.orgs.Update(f.ctx, g.owner, g.ID, ptr(before.Version), tc.apply)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(before, got, equateEmpty); d != "" {
					t.Errorf("returned organisation (-before +got):\n%s", d)
				}
				if d := cmp.Diff(before, f.stored(t, g.ID)); d != "" {
					t.Errorf("the organisation changed (-before +after):\n%s", d)
				}
				if d := cmp.Diff(events, f.records(t, "", "")); d != "" {
					t.Errorf("an unchanged update wrote audit events:\n%s", d)
				}
			})
		}

		rename := func(d *organisation.Details) { d.Name = "Taken over" }
		blank := func(d *organisation.Details) { d.Name = "" }
		refused := []struct {
			group string
			cases []refusal
		}{
			{"update403", []refusal{
				{name: "a plain member", actor: "member", apply: rename, is: organisation.ErrOwnersOnly, want: problem{Code: errs.Forbidden}},
				{name: "a grants manager", actor: "manager", apply: rename, is: organisation.ErrOwnersOnly, want: problem{Code: errs.Forbidden}},
				{name: "finance", actor: "finance", apply: rename, is: organisation.ErrOwnersOnly, want: problem{Code: errs.Forbidden}},
			}},
			{"update404", []refusal{
				{name: "an applicant of another group", actor: "stranger", apply: rename, is: organisation.ErrNotFound,
					want: problem{Code: errs.NotFound}},
				{name: "a panel member", actor: "panel", apply: rename, is: organisation.ErrNotFound, want: problem{Code: errs.NotFound}},
				{name: "no such organisation", unknown: true, apply: rename, want: problem{Code: errs.NotFound}},
			}},
			{"update422", []refusal{
				{name: "a blank name and a bad website", apply: func(d *organisation.Details) { d.Name, d.Website = "", "example.org" },
					want: problem{Code: errs.Invalid, Fields: []string{"name", "website"}}},
			}},
			// Who may see or change the row comes first, then a stale If-Match, then the rule's.
			{"update412", []refusal{
				{name: "stale If-Match", stale: true, apply: rename, is: organisation.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before invalid", stale: true, apply: blank, is: organisation.ErrStale, want: problem{Code: errs.PreconditionFailed}},
				{name: "stale before unchanged", stale: true, apply: func(*organisation.Details) {}, is: organisation.ErrStale,
					want: problem{Code: errs.PreconditionFailed}},
				{name: "not found before stale", actor: "stranger", stale: true, apply: rename, is: organisation.ErrNotFound,
					want: problem{Code: errs.NotFound}},
				{name: "forbidden before stale", actor: "member", stale: true, apply: blank, is: organisation.ErrOwnersOnly,
					want: problem{Code: errs.Forbidden}},
			}},
		}
		for _, g := range refused {
			for _, tc := range g.cases {
				t.Run(g.group+"/"+tc.name, func(t *testing.T) {
					tc.run(t, f, func(actor auth.Actor, _ group, id string, ifMatch *int64) error {
						_, err := f.orgs.Update(f.ctx, actor, id, ifMatch, tc.apply)
						return err
					})
				})
			}
		}
	})
}

// An organisation that gives no led_by term (most do not: it is optional) is read with an
// empty list and validated back to one; an update must not mistake nil for empty and name
// led_by among the changed fields (a no-op would then bump the version and write
// organisation.updated). Regression test: changedFields compared with reflect.DeepEqual.
func TestUpdateOrganisationWithoutLedBy(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		owner := f.user(t, auth.RoleApplicant)
		o, err := f.orgs.Create(f.ctx, owner, organisation.Details{Name: "Hillside Allotment Friends"})
		if err != nil {
			t.Fatal(err)
		}
		events := f.records(t, "organisation", o.ID)
		f.clock.Advance(time.Minute)
		got, err := f.orgs.Update(f.ctx, owner, o.ID, ptr(o.Version), func(*organisation.Details) {})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(o, got, equateEmpty); d != "" {
			t.Errorf("an unchanged update changed the organisation (-before +after):\n%s", d)
		}
		if d := cmp.Diff(events, f.records(t, "organisation", o.ID)); d != "" {
			t.Errorf("an unchanged update wrote audit events:\n%s", d)
		}
		if _, err := f.orgs.Update(f.ctx, owner, o.ID, nil, func(d *organisation.Details) { d.Name = "Hillside Friends" }); err != nil {
			t.Fatal(err)
		}
		events = append(events, record{Action: "organisation.updated", ActorID: owner.UserID, Changes: map[string]any{"fields": anys("name")}})
		if d := cmp.Diff(events, f.records(t, "organisation", o.ID)); d != "" {
			t.Errorf("a rename named other fields (-want +got):\n%s", d)
		}
	})
}
