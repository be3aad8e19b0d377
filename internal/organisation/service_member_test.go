package organisation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/ids"
	"constellate/internal/organisation"
)

// who is the user id of kind in g: owner, member, owner2, manager, a new applicant, or an
// id nobody has.
func (f *fixture) who(t *testing.T, kind string, g group) string {
	t.Helper()
	switch kind {
	case "new":
		return f.user(t, auth.RoleApplicant).UserID
	case "unknown":
		return ids.New()
	}
	return f.caller(t, kind, g).UserID
}

// TestDirectAdd: only a grants manager adds an account without an invitation; owners are
// pointed at invitations and nobody else may, whoever the named account is — checked before
// any lookup, so a refusal never depends on whether the account exists.
func TestDirectAdd(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		addOK := []struct {
			name string
			add  func(a account) organisation.NewMember
			role organisation.MembershipRole
		}{
			{"by email in any case, as a member",
				func(a account) organisation.NewMember {
					return organisation.NewMember{Email: " " + strings.ToUpper(a.Email)}
				},
				organisation.RoleMember},
			{"by user id, as an owner",
				func(a account) organisation.NewMember {
					return organisation.NewMember{UserID: a.UserID, Role: organisation.RoleOwner}
				}, organisation.RoleOwner},
		}
		for _, tc := range addOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				g := f.group(t)
				newcomer := f.account(t, auth.RoleApplicant)
				members, events := f.members(t, g.ID), f.records(t, "organisation", g.ID)
				f.clock.Advance(time.Minute)
				got, err := f.orgs.DirectAdd(f.ctx, f.manager, g.ID, tc.add(newcomer))
				if err != nil {
					t.Fatal(err)
				}
				now := f.clock.Now()
				want := organisation.Member{Membership: organisation.Membership{ID: got.ID, OrganisationID: g.ID, UserID: newcomer.UserID,
					Role: tc.role, CreatedAt: now, UpdatedAt: now}, Name: newcomer.Name, Email: newcomer.Email}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("returned member (-want +got):\n%s", d)
				}
				if d := cmp.Diff(append(members, want), f.members(t, g.ID)); d != "" {
					t.Errorf("members (-want +got):\n%s", d)
				}
				events = append(events, record{Action: "membership.added", ActorID: f.manager.UserID,
					Changes: map[string]any{"user_id": newcomer.UserID, "membership_role": string(tc.role)}})
				if d := cmp.Diff(events, f.records(t, "organisation", g.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
			})
		}

		refused := []refusal{
			// Owners grow their group by invitation, whether they name an account by id or by
			// an email that has one or not: the same refusal, before any lookup.
			{name: "403 an owner, by user id", actor: "owner", userID: "new", is: organisation.ErrInviteInstead, want: problem{Code: errs.Forbidden}},
			{name: "403 the second owner, by user id", actor: "owner2", userID: "new", is: organisation.ErrInviteInstead, want: problem{Code: errs.Forbidden}},
			{name: "403 an owner, by an email with an account", actor: "owner", userID: "new-email", is: organisation.ErrInviteInstead,
				want: problem{Code: errs.Forbidden}},
			{name: "403 an owner, by an email without one", actor: "owner", member: organisation.NewMember{Email: "nobody@example.org"},
				is: organisation.ErrInviteInstead, want: problem{Code: errs.Forbidden}},
			{name: "403 a plain member", actor: "member", userID: "new", is: organisation.ErrDirectAddManagersOnly, want: problem{Code: errs.Forbidden}},
			{name: "403 finance", actor: "finance", userID: "new", is: organisation.ErrDirectAddManagersOnly, want: problem{Code: errs.Forbidden}},
			{name: "404 an applicant of another group", actor: "stranger", userID: "new", is: organisation.ErrNotFound,
				want: problem{Code: errs.NotFound}},
			{name: "404 a panel member", actor: "panel", userID: "new", is: organisation.ErrNotFound, want: problem{Code: errs.NotFound}},
			{name: "404 no such organisation", actor: "manager", unknown: true, userID: "new", is: organisation.ErrNotFound, want: problem{Code: errs.NotFound}},
			{name: "409 already a member", actor: "manager", userID: "member", is: organisation.ErrAlreadyMember, want: problem{Code: errs.Conflict}},
			{name: "422 no account with that email", actor: "manager", member: organisation.NewMember{Email: "nobody@example.org"},
				want: problem{Code: errs.Invalid, Fields: []string{"email"}}},
			{name: "422 a staff account, alike", actor: "manager", userID: "manager", want: problem{Code: errs.Invalid, Fields: []string{"user_id"}}},
			{name: "422 no such user id", actor: "manager", userID: "unknown", want: problem{Code: errs.Invalid, Fields: []string{"user_id"}}},
			{name: "422 both email and id, and an unknown role", actor: "manager",
				member: organisation.NewMember{Email: "a@example.org", UserID: ids.New(), Role: "admin"},
				want:   problem{Code: errs.Invalid, Fields: []string{"user_id", "membership_role"}}},
			{name: "422 nobody named", actor: "manager", want: problem{Code: errs.Invalid, Fields: []string{"email"}}},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				tc.run(t, f, func(actor auth.Actor, g group, id string, _ *int64) error {
					m := tc.member
					switch tc.userID {
					case "":
					case "new-email":
						m = organisation.NewMember{Email: f.account(t, auth.RoleApplicant).Email}
					default:
						m = organisation.NewMember{UserID: f.who(t, tc.userID, g)}
					}
					_, err := f.orgs.DirectAdd(f.ctx, actor, id, m)
					return err
				})
			})
		}
	})
}

func TestRemoveMember(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, f *fixture) {
		removeOK := []struct {
			name, actor, userID string
			role                organisation.MembershipRole
		}{
			{"an owner removes a member", "owner", "member", organisation.RoleMember},
			{"a member leaves", "member", "member", organisation.RoleMember},
			{"one of two owners leaves", "owner2", "owner2", organisation.RoleOwner},
			{"an owner removes the other owner", "owner", "owner2", organisation.RoleOwner},
		}
		for _, tc := range removeOK {
			t.Run("ok/"+tc.name, func(t *testing.T) {
				g := f.group(t)
				actor, gone := f.caller(t, tc.actor, g), f.who(t, tc.userID, g)
				members, events := f.members(t, g.ID), f.records(t, "organisation", g.ID)
				f.clock.Advance(time.Minute)
				if err := f.orgs.RemoveMember(f.ctx, actor, g.ID, gone); err != nil {
					t.Fatal(err)
				}
				var want []organisation.Member
				for _, m := range members {
					if m.UserID != gone {
						want = append(want, m)
					}
				}
				if d := cmp.Diff(want, f.members(t, g.ID)); d != "" || len(want) != len(members)-1 {
					t.Errorf("members (-want +got):\n%s", d)
				}
				events = append(events, record{Action: "membership.removed", ActorID: actor.UserID,
					Changes: map[string]any{"user_id": gone, "membership_role": string(tc.role)}})
				if d := cmp.Diff(events, f.records(t, "organisation", g.ID)); d != "" {
					t.Errorf("audit (-want +got):\n%s", d)
				}
				if _, err := f.orgs.Get(f.ctx, auth.Actor{UserID: gone, Role: auth.RoleApplicant}, g.ID); errs.CodeOf(err) != errs.NotFound {
					t.Errorf("the removed user still sees the organisation: %v", err)
				}
			})
		}

		refused := []refusal{
			{name: "409 the last owner cannot leave", userID: "owner", is: organisation.ErrLastOwner, want: problem{Code: errs.Conflict},
				setup: func(t *testing.T, f *fixture, g group) *int64 {
					if err := f.orgs.RemoveMember(f.ctx, g.owner, g.ID, g.owner2.UserID); err != nil {
						t.Fatal(err)
					}
					return nil
				}},
			{name: "403 a member removes an owner", actor: "member", userID: "owner", is: organisation.ErrRemoveOthers,
				want: problem{Code: errs.Forbidden}},
			{name: "403 a grants manager", actor: "manager", userID: "member", is: organisation.ErrRemoveOthers,
				want: problem{Code: errs.Forbidden}},
			{name: "404 someone not in the group", userID: "new", is: organisation.ErrMemberNotFound, want: problem{Code: errs.NotFound}},
			{name: "404 an applicant of another group", actor: "stranger", userID: "member", is: organisation.ErrNotFound,
				want: problem{Code: errs.NotFound}},
			{name: "404 no such organisation", unknown: true, userID: "member", is: organisation.ErrNotFound, want: problem{Code: errs.NotFound}},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				tc.run(t, f, func(actor auth.Actor, g group, id string, _ *int64) error {
					return f.orgs.RemoveMember(f.ctx, actor, id, f.who(t, tc.userID, g))
				})
			})
		}
	})
}
