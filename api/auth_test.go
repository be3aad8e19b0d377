package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"constellate/api"
	"constellate/api/apitest"
)

// login signs in through HTTP.
func login(t *testing.T, env *apitest.Env, email, password string) api.TokenResponse {
	t.Helper()
	var tr api.TokenResponse
	env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": password}}).Decode(t, &tr)
	if tr.AccessToken == "" || tr.RefreshToken == "" || tr.TokenType != "Bearer" || tr.ExpiresIn != 900 {
		t.Fatalf("login answered %+v", tr)
	}
	return tr
}

func refresh(t testing.TB, env *apitest.Env, want int, token string) api.TokenResponse {
	t.Helper()
	var tr api.TokenResponse
	r := env.Expect(t, want, apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": token}})
	if want == http.StatusOK {
		r.Decode(t, &tr)
	}
	return tr
}

func me(t testing.TB, env *apitest.Env, want int, token string) *apitest.Response {
	t.Helper()
	r := env.Expect(t, want, apitest.Req{Method: "GET", Path: "/v1/me", Token: token})
	if want == http.StatusUnauthorized && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("401 without WWW-Authenticate: %v", r.Header)
	}
	return r
}

// TestRegisterLoginMeRefresh is the whole session life cycle through HTTP.
func TestRegisterLoginMeRefresh(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		const pw = "a long passphrase of words"
		r := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/auth/register",
			Body: map[string]string{"email": "Sam@Example.org", "password": pw, "name": "Sam"}})
		if r.Header.Get("Location") != "/v1/me" || r.Map(t)["role"] != "applicant" || r.Map(t)["email"] != "sam@example.org" {
			t.Fatalf("register: %s %v", r.Body, r.Header)
		}
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: "/v1/auth/register",
			Body: map[string]string{"email": "sam@example.org", "password": pw, "name": "Sam"}})
		env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/login",
			Body: map[string]string{"email": "sam@example.org", "password": "not the password at all"}})

		s1 := login(t, env, "SAM@example.org", pw)
		if m := me(t, env, http.StatusOK, s1.AccessToken).Map(t); m["email"] != "sam@example.org" || m["role"] != "applicant" {
			t.Fatalf("me: %v", m)
		}

		// Rotation: a new pair, both usable; the old refresh token is spent.
		s2 := refresh(t, env, http.StatusOK, s1.RefreshToken)
		if s2.RefreshToken == s1.RefreshToken || s2.AccessToken == s1.AccessToken {
			t.Fatal("refresh did not rotate")
		}
		me(t, env, http.StatusOK, s2.AccessToken)
		s3 := refresh(t, env, http.StatusOK, s2.RefreshToken)

		// Within the grace a replay of the just-spent token is refused without revoking…
		refresh(t, env, http.StatusUnauthorized, s2.RefreshToken)
		s4 := refresh(t, env, http.StatusOK, s3.RefreshToken)
		// …after it, a replay revokes the whole family: the newest token dies too.
		env.Clock.Advance(11 * time.Second)
		refresh(t, env, http.StatusUnauthorized, s1.RefreshToken)
		refresh(t, env, http.StatusUnauthorized, s4.RefreshToken)

		// Another session is untouched by that family's revocation.
		other := login(t, env, "sam@example.org", pw)
		refresh(t, env, http.StatusOK, other.RefreshToken)

		// Garbage and access tokens are not refresh tokens.
		refresh(t, env, http.StatusUnauthorized, "rt_nonsense")
		refresh(t, env, http.StatusUnauthorized, other.AccessToken)
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: `{"refresh_token": 1}`})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: `{"Refresh_token": "x"}`})

		// The audit log saw the sign-ins and the replay.
		mgr := env.Manager()
		ev := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?action=session.replay_detected", Token: mgr.Token}).Map(t)
		if n := len(ev["data"].([]any)); n != 1 {
			t.Fatalf("replay events: %d", n)
		}
	})
}

// TestRefreshExpiry: 30 days sliding, within a 90-day session.
func TestRefreshExpiry(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		s := login(t, env, u.Email, apitest.TestPassword)
		env.Clock.Advance(31 * 24 * time.Hour)
		refresh(t, env, http.StatusUnauthorized, s.RefreshToken)

		s = login(t, env, u.Email, apitest.TestPassword)
		for i := 0; i < 3; i++ { // 3 × 29 days = 87 days: each rotation renews the 30 days
			env.Clock.Advance(29 * 24 * time.Hour)
			s = refresh(t, env, http.StatusOK, s.RefreshToken)
		}
		env.Clock.Advance(4 * 24 * time.Hour) // day 91: past the session's absolute lifetime
		refresh(t, env, http.StatusUnauthorized, s.RefreshToken)
	})
}

// TestLogout: the refresh token ends its own session; logout-all ends every one and kills
// access tokens already issued.
func TestLogout(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		a := login(t, env, u.Email, apitest.TestPassword)
		b := login(t, env, u.Email, apitest.TestPassword)
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": a.RefreshToken}})
		refresh(t, env, http.StatusUnauthorized, a.RefreshToken)
		// Idempotent, and no oracle for unknown tokens.
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": a.RefreshToken}})
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": "rt_unknown"}})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]any{"all": true}})
		// b still works; its access token still verifies (logout ends the session, not tokens).
		b = refresh(t, env, http.StatusOK, b.RefreshToken)
		me(t, env, http.StatusOK, b.AccessToken)

		c := login(t, env, u.Email, apitest.TestPassword)
		env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/logout-all"})
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout-all", Token: b.AccessToken})
		for _, tok := range []string{b.AccessToken, c.AccessToken, u.Token} {
			me(t, env, http.StatusUnauthorized, tok)
		}
		refresh(t, env, http.StatusUnauthorized, b.RefreshToken)
		refresh(t, env, http.StatusUnauthorized, c.RefreshToken)
		d := login(t, env, u.Email, apitest.TestPassword)
		me(t, env, http.StatusOK, d.AccessToken)
	})
}

// TestChangePassword: checks the current password, ends every session, returns a new one.
func TestChangePassword(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Panel()
		other := login(t, env, u.Email, apitest.TestPassword)
		const next = "an entirely new passphrase"
		req := func(want int, cur, nw string) *apitest.Response {
			return env.Expect(t, want, apitest.Req{Method: "POST", Path: "/v1/auth/password", Token: u.Token,
				Body: map[string]string{"current_password": cur, "new_password": nw}})
		}
		p := req(http.StatusUnprocessableEntity, "wrong wrong wrong", next).Map(t)
		if !strings.Contains(string(mustJSON(t, p["errors"])), "current_password") {
			t.Fatalf("errors: %v", p)
		}
		p = req(http.StatusUnprocessableEntity, apitest.TestPassword, "short").Map(t)
		if !strings.Contains(string(mustJSON(t, p["errors"])), "new_password") {
			t.Fatalf("errors: %v", p)
		}
		req(http.StatusUnprocessableEntity, apitest.TestPassword, apitest.TestPassword)
		env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/password",
			Body: map[string]string{"current_password": apitest.TestPassword, "new_password": next}})

		var tr api.TokenResponse
		req(http.StatusOK, apitest.TestPassword, next).Decode(t, &tr)
		me(t, env, http.StatusOK, tr.AccessToken)
		me(t, env, http.StatusUnauthorized, u.Token)
		me(t, env, http.StatusUnauthorized, other.AccessToken)
		refresh(t, env, http.StatusUnauthorized, other.RefreshToken)
		refresh(t, env, http.StatusOK, tr.RefreshToken)
		env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": u.Email, "password": apitest.TestPassword}})
		login(t, env, u.Email, next)
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
