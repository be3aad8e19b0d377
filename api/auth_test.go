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
	env.Expect(http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": password}}).Decode(t, &tr)
	if tr.AccessToken == "" || tr.RefreshToken == "" || tr.TokenType != "Bearer" || tr.ExpiresIn != 900 {
		t.Fatalf("login answered %+v", tr)
	}
	return tr
}

func refresh(env *apitest.Env, want int, token string) api.TokenResponse {
	var tr api.TokenResponse
	r := env.Expect(want, apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": token}})
	if want == http.StatusOK {
		r.Decode(env.T, &tr)
	}
	return tr
}

func me(env *apitest.Env, want int, token string) *apitest.Response {
	env.T.Helper()
	r := env.Expect(want, apitest.Req{Method: "GET", Path: "/v1/me", Token: token})
	if want == http.StatusUnauthorized && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		env.T.Fatalf("401 without WWW-Authenticate: %v", r.Header)
	}
	return r
}

// TestRegisterLoginMeRefresh is the whole session life cycle through HTTP.
func TestRegisterLoginMeRefresh(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		const pw = "a long passphrase of words"
		r := env.Expect(http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/auth/register",
			Body: map[string]string{"email": "Sam@Example.org", "password": pw, "name": "Sam"}})
		if r.Header.Get("Location") != "/v1/me" || r.Map(t)["role"] != "applicant" || r.Map(t)["email"] != "sam@example.org" {
			t.Fatalf("register: %s %v", r.Body, r.Header)
		}
		env.Expect(http.StatusConflict, apitest.Req{Method: "POST", Path: "/v1/auth/register",
			Body: map[string]string{"email": "sam@example.org", "password": pw, "name": "Sam"}})
		env.Expect(http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/login",
			Body: map[string]string{"email": "sam@example.org", "password": "not the password at all"}})

		s1 := login(t, env, "SAM@example.org", pw)
		if m := me(env, http.StatusOK, s1.AccessToken).Map(t); m["email"] != "sam@example.org" || m["role"] != "applicant" {
			t.Fatalf("me: %v", m)
		}

		// Rotation: a new pair, both usable; the old refresh token is spent.
		s2 := refresh(env, http.StatusOK, s1.RefreshToken)
		if s2.RefreshToken == s1.RefreshToken || s2.AccessToken == s1.AccessToken {
			t.Fatal("refresh did not rotate")
		}
		me(env, http.StatusOK, s2.AccessToken)
		s3 := refresh(env, http.StatusOK, s2.RefreshToken)

		// Within the grace a replay of the just-spent token is refused without revoking…
		refresh(env, http.StatusUnauthorized, s2.RefreshToken)
		s4 := refresh(env, http.StatusOK, s3.RefreshToken)
		// …after it, a replay revokes the whole family: the newest token dies too.
		env.Clock.Advance(11 * time.Second)
		refresh(env, http.StatusUnauthorized, s1.RefreshToken)
		refresh(env, http.StatusUnauthorized, s4.RefreshToken)

		// Another session is untouched by that family's revocation.
		other := login(t, env, "sam@example.org", pw)
		refresh(env, http.StatusOK, other.RefreshToken)

		// Garbage and access tokens are not refresh tokens.
		refresh(env, http.StatusUnauthorized, "rt_nonsense")
		refresh(env, http.StatusUnauthorized, other.AccessToken)
		env.Expect(http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: `{"refresh_token": 1}`})
		env.Expect(http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: `{"Refresh_token": "x"}`})

		// The audit log saw the sign-ins and the replay.
		mgr := env.Manager()
		ev := env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?action=session.replay_detected", Token: mgr.Token}).Map(t)
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
		refresh(env, http.StatusUnauthorized, s.RefreshToken)

		s = login(t, env, u.Email, apitest.TestPassword)
		for i := 0; i < 3; i++ { // 3 × 29 days = 87 days: each rotation renews the 30 days
			env.Clock.Advance(29 * 24 * time.Hour)
			s = refresh(env, http.StatusOK, s.RefreshToken)
		}
		env.Clock.Advance(4 * 24 * time.Hour) // day 91: past the session's absolute lifetime
		refresh(env, http.StatusUnauthorized, s.RefreshToken)
	})
}

// TestLogout: the refresh token ends its own session; logout-all ends every one and kills
// access tokens already issued.
func TestLogout(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		a := login(t, env, u.Email, apitest.TestPassword)
		b := login(t, env, u.Email, apitest.TestPassword)
		env.Expect(http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": a.RefreshToken}})
		refresh(env, http.StatusUnauthorized, a.RefreshToken)
		// Idempotent, and no oracle for unknown tokens.
		env.Expect(http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": a.RefreshToken}})
		env.Expect(http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": "rt_unknown"}})
		env.Expect(http.StatusBadRequest, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]any{"all": true}})
		// b still works; its access token still verifies (logout ends the session, not tokens).
		b = refresh(env, http.StatusOK, b.RefreshToken)
		me(env, http.StatusOK, b.AccessToken)

		c := login(t, env, u.Email, apitest.TestPassword)
		env.Expect(http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/logout-all"})
		env.Expect(http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout-all", Token: b.AccessToken})
		for _, tok := range []string{b.AccessToken, c.AccessToken, u.Token} {
			me(env, http.StatusUnauthorized, tok)
		}
		refresh(env, http.StatusUnauthorized, b.RefreshToken)
		refresh(env, http.StatusUnauthorized, c.RefreshToken)
		d := login(t, env, u.Email, apitest.TestPassword)
		me(env, http.StatusOK, d.AccessToken)
	})
}

// TestChangePassword: checks the current password, ends every session, returns a new one.
func TestChangePassword(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Panel()
		other := login(t, env, u.Email, apitest.TestPassword)
		const next = "an entirely new passphrase"
		req := func(want int, cur, nw string) *apitest.Response {
			return env.Expect(want, apitest.Req{Method: "POST", Path: "/v1/auth/password", Token: u.Token,
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
		env.Expect(http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/password",
			Body: map[string]string{"current_password": apitest.TestPassword, "new_password": next}})

		var tr api.TokenResponse
		req(http.StatusOK, apitest.TestPassword, next).Decode(t, &tr)
		me(env, http.StatusOK, tr.AccessToken)
		me(env, http.StatusUnauthorized, u.Token)
		me(env, http.StatusUnauthorized, other.AccessToken)
		refresh(env, http.StatusUnauthorized, other.RefreshToken)
		refresh(env, http.StatusOK, tr.RefreshToken)
		env.Expect(http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": u.Email, "password": apitest.TestPassword}})
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
