package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"constellate/api"
	"constellate/api/apitest"
)

func invite(t *testing.T, env *apitest.Env, token, email, role string) api.InvitationResponse {
	t.Helper()
	var inv api.InvitationResponse
	env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/invitations", Token: token,
		Body: map[string]string{"email": email, "role": role}}).Decode(t, &inv)
	if inv.ID == "" || !strings.HasPrefix(inv.Token, "inv_") || inv.Role != role || inv.Email != strings.ToLower(email) {
		t.Fatalf("invitation: %+v", inv)
	}
	return inv
}

func accept(t testing.TB, env *apitest.Env, want int, token, name, password string) *apitest.Response {
	t.Helper()
	return env.Expect(t, want, apitest.Req{Method: "POST", Path: "/v1/invitations/accept",
		Body: map[string]string{"token": token, "name": name, "password": password}})
}

// TestInvitations: a grants manager invites; the invitee accepts once, within 7 days, and
// gets the invited role and email.
func TestInvitations(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		mgr := env.Manager()
		const pw = "panel passphrase of mine"
		inv := invite(t, env, mgr.Token, "Pat@Example.org", "panel_member")
		if want := env.Clock.Now().Add(7 * 24 * time.Hour); inv.ExpiresAt.Sub(want).Abs() > time.Second {
			t.Fatalf("expires_at %v, want about %v", inv.ExpiresAt, want)
		}

		// Bad passwords and names are refused before anything is used up.
		p := accept(t, env, http.StatusUnprocessableEntity, inv.Token, "", "short").Map(t)
		if s := string(mustJSON(t, p["errors"])); !strings.Contains(s, "password") || !strings.Contains(s, "name") {
			t.Fatalf("errors: %v", p)
		}
		r := accept(t, env, http.StatusCreated, inv.Token, "Pat", pw)
		if m := r.Map(t); m["role"] != "panel_member" || m["email"] != "pat@example.org" || r.Header.Get("Location") != "/v1/me" {
			t.Fatalf("accepted: %s", r.Body)
		}
		s := login(t, env, "pat@example.org", pw)
		if me(t, env, http.StatusOK, s.AccessToken).Map(t)["role"] != "panel_member" {
			t.Fatal("the account does not have the invited role")
		}
		// Single use.
		accept(t, env, http.StatusConflict, inv.Token, "Pat again", pw)
		// Unknown token.
		accept(t, env, http.StatusNotFound, "inv_nonsense", "X", pw)
		// An email that has an account cannot be invited, nor can an invitation be accepted
		// once someone registered that email meanwhile.
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: "/v1/invitations", Token: mgr.Token,
			Body: map[string]string{"email": "pat@example.org", "role": "finance"}})
		late := invite(t, env, mgr.Token, "late@example.org", "finance")
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/auth/register",
			Body: map[string]string{"email": "late@example.org", "password": pw, "name": "Late"}})
		accept(t, env, http.StatusConflict, late.Token, "Late", pw)

		// Validation: applicants register themselves; every field problem at once.
		p = env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/invitations", Token: mgr.Token,
			Body: map[string]string{"email": "not an email", "role": "applicant"}}).Map(t)
		if s := string(mustJSON(t, p["errors"])); !strings.Contains(s, "email") || !strings.Contains(s, "role") {
			t.Fatalf("errors: %v", p)
		}

		// Expiry: 7 days.
		exp := invite(t, env, mgr.Token, "fin@example.org", "finance")
		env.Clock.Advance(7*24*time.Hour + time.Second)
		accept(t, env, http.StatusNotFound, exp.Token, "Fin", pw)
		mgr = env.Manager() // the first manager's access token has long expired

		ev := string(env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?entity_type=invitation", Token: mgr.Token}).Body)
		if strings.Count(ev, `"invitation.created"`) != 3 || strings.Count(ev, `"invitation.accepted"`) != 1 || strings.Contains(ev, inv.Token) {
			t.Fatalf("invitation audit events: %s", ev)
		}
	})
}
