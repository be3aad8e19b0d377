package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"constellate/api/apitest"
)

// expect429 checks a rate-limit refusal: problem+json (apitest) with a sane Retry-After.
func expect429(t *testing.T, env *apitest.Env, req apitest.Req) int {
	t.Helper()
	r := env.Expect(t, http.StatusTooManyRequests, req)
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	return secs
}

// TestLoginRateLimits: 10 attempts per minute per IP — X-Forwarded-For does not change the
// IP — and 5 failed passwords per 15 minutes per account, which then refuses even the right
// password until the window passes.
func TestLoginRateLimits(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		attempt := func(email, pw string, i int) apitest.Req {
			return apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": pw},
				Header: map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i), "X-Real-IP": fmt.Sprintf("198.51.100.%d", i)}}
		}
		// Account: 5 failures, then 429 even with the right password.
		for i := 0; i < 5; i++ {
			env.Expect(t, http.StatusUnauthorized, attempt(u.Email, "wrong password number "+strconv.Itoa(i), i))
		}
		if secs := expect429(t, env, attempt(u.Email, apitest.TestPassword, 5)); secs > 15*60 {
			t.Fatalf("Retry-After %d", secs)
		}
		// Per IP: attempts 7..10 for other accounts are still allowed, the 11th is not, whatever
		// X-Forwarded-For says.
		for i := 6; i < 10; i++ {
			env.Expect(t, http.StatusUnauthorized, attempt(fmt.Sprintf("nobody%d@example.org", i), "whatever password", i))
		}
		if secs := expect429(t, env, attempt("other@example.org", "whatever password", 10)); secs > 60 {
			t.Fatalf("Retry-After %d", secs)
		}
		// A minute on, the IP may try again, but the account is still locked…
		env.Clock.Advance(61 * time.Second)
		expect429(t, env, attempt(u.Email, apitest.TestPassword, 11))
		// …until 15 minutes after the failures; then the right password works and clears them.
		env.Clock.Advance(15 * time.Minute)
		login(t, env, u.Email, apitest.TestPassword)
		for i := 0; i < 4; i++ {
			env.Expect(t, http.StatusUnauthorized, attempt(u.Email, "wrong again", i))
		}
		login(t, env, u.Email, apitest.TestPassword)
	})
}

// TestOtherAuthRateLimits: registration, refresh, client tokens and invitation acceptance
// are limited per IP too.
func TestOtherAuthRateLimits(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		xff := map[string]string{"X-Forwarded-For": "192.0.2.1"}
		for i := 0; i < 20; i++ {
			env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/auth/register", Header: xff,
				Body: map[string]string{"email": "bad", "password": "x", "name": "n"}})
		}
		expect429(t, env, apitest.Req{Method: "POST", Path: "/v1/auth/register", Header: xff,
			Body: map[string]string{"email": "ok@example.org", "password": "a fine long password", "name": "n"}})

		for i := 0; i < 60; i++ {
			env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": "rt_x"}})
		}
		expect429(t, env, apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": "rt_x"}})

		grant := map[string]string{"grant_type": "client_credentials", "client_id": "cl_x", "client_secret": "cs_x"}
		for i := 0; i < 30; i++ {
			env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/token", Body: grant})
		}
		expect429(t, env, apitest.Req{Method: "POST", Path: "/v1/auth/token", Body: grant})

		acc := map[string]string{"token": "inv_x", "name": "n", "password": "a fine long password"}
		for i := 0; i < 10; i++ {
			env.Expect(t, http.StatusNotFound, apitest.Req{Method: "POST", Path: "/v1/invitations/accept", Body: acc})
		}
		expect429(t, env, apitest.Req{Method: "POST", Path: "/v1/invitations/accept", Body: acc})
		env.Clock.Advance(time.Minute + time.Second)
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "POST", Path: "/v1/invitations/accept", Body: acc})
	})
}
