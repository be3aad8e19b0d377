package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"constellate/api/apitest"
	"constellate/internal/store/storetest"
)

// orgInvite invites email to org as role, as owner, and returns the invitation.
func orgInvite(t *testing.T, env *apitest.Env, owner apitest.User, org, email, role string) map[string]any {
	t.Helper()
	body := map[string]any{"email": email}
	if role != "" {
		body["role"] = role
	}
	r := env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations/" + org + "/invitations", Token: owner.Token, Body: body})
	inv := r.Map(t)
	if r.Header.Get("Location") != "/v1/organisations/"+org+"/invitations/"+inv["id"].(string) {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	return inv
}

// myInvitations is what GET /v1/me/invitations shows token's holder.
func myInvitations(t *testing.T, env *apitest.Env, token string) []map[string]any {
	t.Helper()
	var l struct {
		Data []map[string]any `json:"data"`
	}
	env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/me/invitations", Token: token}).Decode(t, &l)
	return l.Data
}

// pendingEmails lists the emails of org's pending invitations, as its owner sees them.
func pendingEmails(t *testing.T, env *apitest.Env, owner apitest.User, org string) []string {
	t.Helper()
	var l struct {
		Data []map[string]any `json:"data"`
	}
	env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/organisations/" + org + "/invitations", Token: owner.Token}).Decode(t, &l)
	out := []string{}
	for _, i := range l.Data {
		out = append(out, i["email"].(string))
	}
	sort.Strings(out)
	return out
}

// registerAndLogin makes an applicant account through HTTP, as a newcomer would, and
// returns its access token.
func registerAndLogin(t *testing.T, env *apitest.Env, email, name string) string {
	t.Helper()
	const pw = "a newcomer's long passphrase"
	env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: "/v1/auth/register",
		Body: map[string]string{"email": email, "password": pw, "name": name}})
	return login(t, env, email, pw).AccessToken
}

// TestOrganisationInvitationJourney: an owner invites by email — someone with an account
// and someone without; each finds the invitation once signed in with that email (the
// newcomer after registering) and accepts it once, joining with the invited role.
func TestOrganisationInvitationJourney(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner, alex, stranger := env.Applicant(), env.Applicant(), env.Applicant()
		org := mustCreateOrg(t, env, owner, map[string]any{"name": "Hillside"})["id"].(string)
		sent := env.Clock.Now()

		forAlex := orgInvite(t, env, owner, org, strings.ToUpper(alex.Email), "")
		forNew := orgInvite(t, env, owner, org, "Newcomer@Example.org", "owner")
		if forAlex["email"] != alex.Email || forAlex["role"] != "member" || forAlex["status"] != "pending" || forAlex["invited_by"] != owner.ID ||
			forAlex["organisation_id"] != org {
			t.Fatalf("invitation: %v", forAlex)
		}
		expires, err := time.Parse(time.RFC3339Nano, forNew["expires_at"].(string))
		if err != nil || expires.Sub(sent.Add(14*24*time.Hour)).Abs() > time.Minute || forNew["role"] != "owner" || forNew["email"] != "newcomer@example.org" {
			t.Fatalf("invitation: %v (%v)", forNew, err)
		}
		if got := pendingEmails(t, env, owner, org); !reflect.DeepEqual(got, []string{alex.Email, "newcomer@example.org"}) {
			t.Fatalf("pending %v", got)
		}
		// The audit log has the seam for the invitation email, and no secret: there is none.
		events := string(env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/audit-events?entity_id=" + org, Token: env.Manager().Token}).Body)
		if strings.Count(events, `"organisation_invitation.created"`) != 2 || !strings.Contains(events, `"email":"newcomer@example.org"`) ||
			strings.Contains(events, "token") {
			t.Fatalf("audit events: %s", events)
		}

		// Alex, signed in, sees the invitation: which group, from whom, as what.
		mine := myInvitations(t, env, alex.Token)
		if len(mine) != 1 || mine[0]["id"] != forAlex["id"] || mine[0]["organisation_name"] != "Hillside" || mine[0]["invited_by_name"] != owner.Name ||
			mine[0]["role"] != "member" || mine[0]["status"] != "pending" {
			t.Fatalf("alex's invitations: %v", mine)
		}
		// Nobody else sees it, or can accept it.
		if got := myInvitations(t, env, stranger.Token); len(got) != 0 {
			t.Fatalf("a stranger sees %v", got)
		}
		accept := func(token string, want int, id any) *apitest.Response {
			t.Helper()
			return env.Expect(t, want, apitest.Req{Method: http.MethodPost, Path: fmt.Sprintf("/v1/me/invitations/%s/accept", id), Token: token})
		}
		accept(stranger.Token, http.StatusNotFound, forAlex["id"])
		accept(owner.Token, http.StatusNotFound, forAlex["id"])
		accept(alex.Token, http.StatusNotFound, "0190b0b0-0000-7000-8000-000000000000")
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: http.MethodGet, Path: "/v1/me/invitations", Token: env.Manager().Token})

		// Alex accepts: a member, once.
		a := accept(alex.Token, http.StatusOK, forAlex["id"]).Map(t)
		if a["status"] != "accepted" || a["accepted_at"] == nil || a["organisation_id"] != org {
			t.Fatalf("accepted: %v", a)
		}
		accept(alex.Token, http.StatusConflict, forAlex["id"])
		if got := myInvitations(t, env, alex.Token); len(got) != 0 {
			t.Fatalf("an accepted invitation still waits: %v", got)
		}

		// The newcomer registers with the invited email (in any case), signs in, and accepts.
		newcomer := registerAndLogin(t, env, "NEWCOMER@example.org", "Nia Newcomer")
		mine = myInvitations(t, env, newcomer)
		if len(mine) != 1 || mine[0]["id"] != forNew["id"] || mine[0]["role"] != "owner" {
			t.Fatalf("the newcomer's invitations: %v", mine)
		}
		accept(newcomer, http.StatusOK, forNew["id"])
		var me struct {
			ID            string           `json:"id"`
			Organisations []map[string]any `json:"organisations"`
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/me", Token: newcomer}).Decode(t, &me)
		if len(me.Organisations) != 1 || me.Organisations[0]["id"] != org || me.Organisations[0]["membership_role"] != "owner" {
			t.Fatalf("the newcomer's organisations: %v", me.Organisations)
		}
		if got := memberIDs(t, env, org, owner); !reflect.DeepEqual(got, map[string]string{owner.ID: "owner", alex.ID: "member", me.ID: "owner"}) {
			t.Fatalf("members %v", got)
		}
		if got := pendingEmails(t, env, owner, org); len(got) != 0 {
			t.Fatalf("pending after both accepted: %v", got)
		}

		// Inviting a member again, or an email already invited, is a conflict; the second
		// names the pending invitation.
		env.Expect(t, http.StatusConflict, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations/" + org + "/invitations", Token: owner.Token,
			Body: map[string]any{"email": alex.Email}})
		pending := orgInvite(t, env, owner, org, "pat@example.org", "member")
		dup := env.Expect(t, http.StatusConflict, apitest.Req{Method: http.MethodPost, Path: "/v1/organisations/" + org + "/invitations", Token: owner.Token,
			Body: map[string]any{"email": "PAT@example.org", "role": "owner"}}).Map(t)
		if dup["existing_id"] != pending["id"] {
			t.Fatalf("duplicate invitation: %v", dup)
		}

		// Revoking: done once, done again; the invitee then finds nothing to accept. An
		// accepted invitation cannot be revoked.
		revoke := func(id any, want int) {
			t.Helper()
			env.Expect(t, want, apitest.Req{Method: http.MethodDelete, Path: fmt.Sprintf("/v1/organisations/%s/invitations/%s", org, id), Token: owner.Token})
		}
		revoke(pending["id"], http.StatusNoContent)
		revoke(pending["id"], http.StatusNoContent)
		revoke(forAlex["id"], http.StatusConflict)
		revoke("0190b0b0-0000-7000-8000-000000000000", http.StatusNotFound)
		pat := registerAndLogin(t, env, "pat@example.org", "Pat")
		if got := myInvitations(t, env, pat); len(got) != 0 {
			t.Fatalf("a revoked invitation is offered: %v", got)
		}
		accept(pat, http.StatusNotFound, pending["id"])

		// Expiry: after 14 days an invitation is gone for the invitee and from the owner's
		// list, and the email may be invited again.
		late := orgInvite(t, env, owner, org, pat2Email, "member")
		env.Clock.Advance(14*24*time.Hour + time.Second)
		owner.Token = reissue(t, env, owner) // access tokens last 15 minutes
		patToken := registerAndLogin(t, env, pat2Email, "Pat Two")
		if got := myInvitations(t, env, patToken); len(got) != 0 {
			t.Fatalf("an expired invitation is offered: %v", got)
		}
		accept(patToken, http.StatusNotFound, late["id"])
		if got := pendingEmails(t, env, owner, org); len(got) != 0 {
			t.Fatalf("expired invitations listed: %v", got)
		}
		again := orgInvite(t, env, owner, org, pat2Email, "member")
		accept(patToken, http.StatusOK, again["id"])

		want := []string{"organisation.created", "organisation_invitation.created", "organisation_invitation.created",
			"organisation_invitation.accepted", "membership.added", "organisation_invitation.accepted", "membership.added",
			"organisation_invitation.created", "organisation_invitation.revoked", "organisation_invitation.created",
			"organisation_invitation.created", "organisation_invitation.accepted", "membership.added"}
		if got := auditActions(t, env, org); !reflect.DeepEqual(got, want) {
			t.Fatalf("audit:\n got %v\nwant %v", got, want)
		}
	})
}

const pat2Email = "pat.two@example.org"

// TestOrganisationInvitationRules: who may invite, list and revoke (owners), what an
// invitation must say, and that one group's owner cannot touch another group's invitations.
func TestOrganisationInvitationRules(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner, member, other := env.Applicant(), env.Applicant(), env.Applicant()
		org := mustCreateOrg(t, env, owner, map[string]any{"name": "Hillside"})["id"].(string)
		otherOrg := mustCreateOrg(t, env, other, map[string]any{"name": "Elsewhere"})["id"].(string)
		mustAddMember(t, env, owner, org, member, "member")
		path := "/v1/organisations/" + org + "/invitations"
		r := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: http.MethodPost, Path: path, Token: owner.Token,
			Body: map[string]any{"email": "not an email", "role": "admin"}})
		if got := fieldNames(t, r); !reflect.DeepEqual(got, []string{"email", "role"}) {
			t.Fatalf("fields %v", got)
		}
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: http.MethodPost, Path: path, Token: owner.Token, Body: `{"email":"a@example.org","status":"accepted"}`})
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: http.MethodPost, Path: path, Token: member.Token, Body: map[string]any{"email": "a@example.org"}})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: http.MethodPost, Path: path, Token: other.Token, Body: map[string]any{"email": "a@example.org"}})
		inv := orgInvite(t, env, owner, org, "a@example.org", "member")
		// Another group's owner: neither the invitation nor the group exists for them.
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: http.MethodDelete, Path: path + "/" + inv["id"].(string), Token: other.Token})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: http.MethodDelete,
			Path: "/v1/organisations/" + otherOrg + "/invitations/" + inv["id"].(string), Token: other.Token})
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: http.MethodDelete, Path: path + "/" + inv["id"].(string), Token: member.Token})
		if got := pendingEmails(t, env, owner, org); !reflect.DeepEqual(got, []string{"a@example.org"}) {
			t.Fatalf("pending %v", got)
		}
		// Paging the owner's list.
		for i := 0; i < 3; i++ {
			orgInvite(t, env, owner, org, fmt.Sprintf("p%d@example.org", i), "member")
		}
		var page struct {
			Data       []map[string]any `json:"data"`
			NextCursor *string          `json:"next_cursor"`
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: path + "?limit=3", Token: owner.Token}).Decode(t, &page)
		if len(page.Data) != 3 || page.NextCursor == nil {
			t.Fatalf("page 1: %d, next %v", len(page.Data), page.NextCursor)
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: path + "?limit=3&cursor=" + *page.NextCursor, Token: owner.Token}).Decode(t, &page)
		if len(page.Data) != 1 || page.NextCursor != nil {
			t.Fatalf("page 2: %d, next %v", len(page.Data), page.NextCursor)
		}
	})
}

// TestOrganisationInvitationRevealsNoAccount: inviting an email with an applicant account,
// one with a staff account and one with none answer alike — same status, same members, the
// same values but for the id, the email and the times — and so do the conflicts that follow.
func TestOrganisationInvitationRevealsNoAccount(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner := env.Applicant()
		org := mustCreateOrg(t, env, owner, map[string]any{"name": "Hillside"})["id"].(string)
		path := "/v1/organisations/" + org + "/invitations"
		shape := func(r *apitest.Response) string {
			t.Helper()
			m := r.Map(t)
			for _, k := range []string{"id", "email", "created_at", "expires_at", "request_id", "instance", "existing_id"} {
				if _, ok := m[k]; ok {
					m[k] = "…"
				}
			}
			b, _ := json.Marshal(m)
			return fmt.Sprintf("%d %s %s", r.Status, r.Header.Get("Content-Type"), b)
		}
		emails := []string{env.Applicant().Email, env.Manager().Email, "no-account@example.org"}
		var created, again []string
		for _, e := range emails {
			created = append(created, shape(env.Expect(t, http.StatusCreated, apitest.Req{Method: http.MethodPost, Path: path, Token: owner.Token,
				Body: map[string]any{"email": e, "role": "member"}})))
			again = append(again, shape(env.Expect(t, http.StatusConflict, apitest.Req{Method: http.MethodPost, Path: path, Token: owner.Token,
				Body: map[string]any{"email": e, "role": "member"}})))
		}
		for i := 1; i < len(emails); i++ {
			if created[i] != created[0] || again[i] != again[0] {
				t.Fatalf("answers differ by account:\n%s\n%s\n%s\n%s", created[0], created[i], again[0], again[i])
			}
		}
		// A staff account invited finds nothing to accept (only applicants join groups).
		mgr := env.Manager()
		orgInvite(t, env, owner, org, mgr.Email, "member")
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: http.MethodGet, Path: "/v1/me/invitations", Token: mgr.Token})
	})
}

// invitee is the invitations matrix's extra column: an applicant invited to the
// organisation, not yet a member.
const invitee apitest.Actor = "invitee"

// invitationMatrix drives the invitation routes as every actor and the invitee.
func invitationMatrix(t *testing.T, env *apitest.Env) apitest.Matrix {
	w := newAppWorld(t, env)
	cast := w.cast(t)
	guest := env.Applicant()
	cast[invitee] = guest.Token
	base := "/v1/organisations/" + w.orgID + "/invitations"
	forGuest := orgInvite(t, env, w.owner, w.orgID, guest.Email, "member")["id"].(string)
	// An email without an account: a canary only the owner may see.
	toRevoke := orgInvite(t, env, w.owner, w.orgID, "canary-pending-4471@example.org", "owner")["id"].(string)
	var n atomic.Int64
	fresh := func(r *apitest.Req) {
		r.Body = map[string]any{"email": fmt.Sprintf("fresh-%d@example.org", n.Add(1)), "role": "member"}
	}
	return apitest.Matrix{
		Actors: append(append([]apitest.Actor{}, apitest.StandardActors...), invitee),
		Cast:   cast,
		// Columns: anonymous, owner, member, other_applicant, panel_on_round, panel_off_round, grants_manager, finance, finance_client, invitee.
		Rows: []apitest.Row{
			{Route: "POST /v1/organisations/:id/invitations", Path: base, Vary: fresh, Want: []int{401, 201, 403, 404, 403, 403, 403, 403, 403, 404}},
			{Route: "GET /v1/organisations/:id/invitations", Path: base, Want: []int{401, 200, 403, 404, 403, 403, 403, 403, 403, 404}},
			{Route: "GET /v1/me/invitations", Path: "/v1/me/invitations", Want: []int{401, 200, 200, 200, 403, 403, 403, 403, 403, 200}},
			{Route: "DELETE /v1/organisations/:id/invitations/:invitation_id", Path: base + "/" + toRevoke,
				Want: []int{401, 204, 403, 404, 403, 403, 403, 403, 403, 404}},
			{Route: "POST /v1/me/invitations/:id/accept", Path: "/v1/me/invitations/" + forGuest + "/accept",
				Want: []int{401, 404, 404, 404, 403, 403, 403, 403, 403, 200}},
		},
		Canaries: []apitest.Canary{
			{Text: "canary-pending-4471", SeenBy: []apitest.Actor{apitest.Owner}},
			{Text: guest.Email, SeenBy: []apitest.Actor{apitest.Owner}},
			{Text: "Hillside", SeenBy: []apitest.Actor{apitest.Owner, invitee}},
			{Text: "CANARY-7731", SeenBy: []apitest.Actor{}},
		},
		Snapshot: func(t testing.TB) string {
			var b strings.Builder
			for _, p := range []string{base, "/v1/organisations/" + w.orgID + "/members"} {
				b.Write(env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: p, Token: w.owner.Token}).Body)
			}
			return b.String()
		},
	}
}

func TestOrganisationInvitationMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := invitationMatrix(t, env)
		m.Run(t, env)
		// The allowed writes happened: the invitee is a member; one invitation was revoked.
		body := string(env.Expect(t, http.StatusOK, apitest.Req{Method: http.MethodGet, Path: "/v1/me", Token: m.Cast[invitee]}).Body)
		if !strings.Contains(body, "Hillside") {
			t.Fatalf("the invitee did not join: %s", body)
		}
	})
}

// BenchmarkOrganisationInvitation compares creating an invitation for an email that has an
// account with one that has none (timing is measured here, not asserted: the two do the
// same queries). Each iteration invites both emails, in alternating order so neither gains
// from going first on a busy machine, times each request, and revokes both invitations
// (untimed) so the next iteration may invite them again. It reports each case's mean and
// median (with_account-ns/op, without_account-ns/op, …-p50-ns).
func BenchmarkOrganisationInvitation(b *testing.B) {
	for _, d := range storetest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			env := apitest.New(b, d)
			owner := env.Applicant()
			org := benchOrg(b, env, owner)
			emails := map[string]string{"with_account": env.Applicant().Email, "without_account": "nobody-here@example.org"}
			send := func(method, path string, body []byte) (*http.Response, []byte) {
				req, _ := http.NewRequest(method, env.HTTP.URL+path, bytes.NewReader(body))
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Authorization", "Bearer "+owner.Token)
				resp, err := env.HTTP.Client().Do(req)
				if err != nil {
					b.Fatal(err)
				}
				defer resp.Body.Close()
				out, _ := io.ReadAll(resp.Body)
				return resp, out
			}
			took := map[string][]time.Duration{}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				order := []string{"with_account", "without_account"}
				if i%2 == 1 {
					order[0], order[1] = order[1], order[0]
				}
				var ids []string
				for _, k := range order {
					body, _ := json.Marshal(map[string]string{"email": emails[k], "role": "member"})
					start := time.Now()
					resp, out := send(http.MethodPost, "/v1/organisations/"+org+"/invitations", body)
					took[k] = append(took[k], time.Since(start))
					var inv struct {
						ID string `json:"id"`
					}
					if err := json.Unmarshal(out, &inv); err != nil || resp.StatusCode != http.StatusCreated {
						b.Fatalf("%s: status %d: %v", k, resp.StatusCode, err)
					}
					ids = append(ids, inv.ID)
				}
				b.StopTimer()
				for _, id := range ids {
					if resp, _ := send(http.MethodDelete, "/v1/organisations/"+org+"/invitations/"+id, nil); resp.StatusCode != http.StatusNoContent {
						b.Fatalf("revoke: %d", resp.StatusCode)
					}
				}
				b.StartTimer()
			}
			for k, ts := range took {
				var sum time.Duration
				for _, t := range ts {
					sum += t
				}
				sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
				b.ReportMetric(float64(sum.Nanoseconds())/float64(len(ts)), k+"-ns/op")
				b.ReportMetric(float64(ts[len(ts)/2].Nanoseconds()), k+"-p50-ns")
			}
		})
	}
}

func benchOrg(b *testing.B, env *apitest.Env, owner apitest.User) string {
	b.Helper()
	r := env.Do(apitest.Req{Method: http.MethodPost, Path: "/v1/organisations", Token: owner.Token, Body: map[string]any{"name": "Bench group"}})
	if r.Status != http.StatusCreated {
		b.Fatalf("create: %d", r.Status)
	}
	var o struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(r.Body, &o); err != nil {
		b.Fatal(err)
	}
	return o.ID
}
