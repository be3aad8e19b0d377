package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"constellate/api"
	"constellate/api/apitest"
	"constellate/internal/config"
	"constellate/internal/identity"
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

// loginFrom is a login request from ip (the tests trust loopback as a proxy).
func loginFrom(ip, email, password string) apitest.Req {
	return apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": password},
		Header: map[string]string{"X-Forwarded-For": ip}}
}

// TestLoginLimitsCountFailuresOnly (default limits): a workshop of 30 groups signing in
// from one venue's address all get in, typos included; five failures at one account from
// one address refuse that address (right password too) but never the account's holder
// elsewhere; the right password clears the account's count; X-Forwarded-For from an
// untrusted client changes nothing.
func TestLoginLimitsCountFailuresOnly(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		const venue, attacker = "203.0.113.7", "198.51.100.66"
		// The workshop: 30 accounts, a third of them mistyping first.
		for i := 0; i < 30; i++ {
			u := env.Applicant()
			if i%3 == 0 {
				env.Expect(t, http.StatusUnauthorized, loginFrom(venue, u.Email, "a typo of a password"))
			}
			env.Expect(t, http.StatusOK, loginFrom(venue, u.Email, apitest.TestPassword))
		}

		// Someone elsewhere guesses at the victim's password: five failures, then that address
		// is refused, even with the right password…
		victim := env.Applicant()
		for i := 0; i < 5; i++ {
			env.Expect(t, http.StatusUnauthorized, loginFrom(attacker, victim.Email, "guess number "+strconv.Itoa(i)))
		}
		secs := expect429(t, env, loginFrom(attacker, victim.Email, apitest.TestPassword))
		if secs > 18*60 {
			t.Fatalf("Retry-After %d", secs)
		}
		// …while the victim, from the venue, signs in as ever (and may mistype).
		env.Expect(t, http.StatusUnauthorized, loginFrom(venue, victim.Email, "victim typo"))
		env.Expect(t, http.StatusOK, loginFrom(venue, victim.Email, apitest.TestPassword))
		// The attacker may try again once Retry-After has passed.
		env.Clock.Advance(time.Duration(secs) * time.Second)
		env.Expect(t, http.StatusUnauthorized, loginFrom(attacker, victim.Email, "guess again"))

		// The right password clears an account's failures from that address.
		u := env.Applicant()
		for round := 0; round < 3; round++ {
			for i := 0; i < 4; i++ {
				env.Expect(t, http.StatusUnauthorized, loginFrom(venue, u.Email, "not quite right"))
			}
			env.Expect(t, http.StatusOK, loginFrom(venue, u.Email, apitest.TestPassword))
		}
	}, trustLoopbackProxy)
}

// TestLoginLimitsUntrustedForwardedFor: without a trusted proxy, X-Forwarded-For does not
// move a client to another address.
func TestLoginLimitsUntrustedForwardedFor(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		for i := 0; i < 5; i++ {
			env.Expect(t, http.StatusUnauthorized, loginFrom(fmt.Sprintf("203.0.113.%d", i), u.Email, "wrong "+strconv.Itoa(i)))
		}
		expect429(t, env, loginFrom("203.0.113.99", u.Email, apitest.TestPassword))
	})
}

// withRateLimits configures the server as CONSTELLATE_RATE_LIMITS=v would.
func withRateLimits(t *testing.T, v string) apitest.Option {
	t.Helper()
	c, err := config.Load(func(k string) string {
		if k == "CONSTELLATE_RATE_LIMITS" {
			return v
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return func(cfg *config.Config) { cfg.RateLimits = c.RateLimits }
}

// TestLoginLimitsConfigurable: CONSTELLATE_RATE_LIMITS sets the per-IP and per-account
// failure limits; successes never count towards either.
func TestLoginLimitsConfigurable(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		const ip, other = "192.0.2.10", "192.0.2.20"
		u := env.Applicant()
		// Successes do not count: ten of them, then the three failures the limit allows.
		for i := 0; i < 10; i++ {
			env.Expect(t, http.StatusOK, loginFrom(ip, u.Email, apitest.TestPassword))
		}
		for i := 0; i < 3; i++ {
			env.Expect(t, http.StatusUnauthorized, loginFrom(ip, fmt.Sprintf("nobody-%d@example.org", i), "whatever it is"))
		}
		// login=3/10m: the address is refused, whatever the account and password…
		// (A sliding window estimated from two fixed ones: three failures at the start of a
		// window have faded below the limit a third of the way into the next.)
		if secs := expect429(t, env, loginFrom(ip, u.Email, apitest.TestPassword)); secs > 14*60 {
			t.Fatalf("Retry-After %d", secs)
		}
		// …another is not.
		env.Expect(t, http.StatusOK, loginFrom(other, u.Email, apitest.TestPassword))
		// login_account=2/1m: two failures at u from a third address, then that address is
		// refused for u only: another account signs in from it.
		const third = "192.0.2.30"
		v := env.Applicant()
		for i := 0; i < 2; i++ {
			env.Expect(t, http.StatusUnauthorized, loginFrom(third, u.Email, "wrong again"))
		}
		secs := expect429(t, env, loginFrom(third, u.Email, apitest.TestPassword))
		if secs > 90 { // two at a window's start fade to one halfway through the next
			t.Fatalf("Retry-After %d, want at most 1.5 minutes", secs)
		}
		env.Expect(t, http.StatusOK, loginFrom(third, v.Email, apitest.TestPassword))
		env.Clock.Advance(time.Duration(secs) * time.Second)
		env.Expect(t, http.StatusOK, loginFrom(third, u.Email, apitest.TestPassword))
	}, trustLoopbackProxy, withRateLimits(t, "login=3/10m,login_account=2/1m"))
}

// TestLoginLimitsUnderConcurrency: a burst of simultaneous guesses at one account from one
// address gets no more tries than the limit: each is counted before its password is checked.
func TestLoginLimitsUnderConcurrency(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		const n = 20
		statuses := make(chan int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				statuses <- env.Do(loginFrom("198.51.100.9", u.Email, "burst guess "+strconv.Itoa(i))).Status
			}(i)
		}
		close(start)
		wg.Wait()
		close(statuses)
		got := map[int]int{}
		for s := range statuses {
			got[s]++
		}
		if got[http.StatusUnauthorized] != 5 || got[http.StatusTooManyRequests] != n-5 {
			t.Fatalf("statuses %v, want 5 × 401 and %d × 429", got, n-5)
		}
	}, trustLoopbackProxy)
}

// TestLoginLimitsSharedByReplicas: two servers on one database (two replicas) count
// together: failures at one are refused at the other.
func TestLoginLimitsSharedByReplicas(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		second, err := api.Build(context.Background(), api.BuildOptions{Config: env.Config, DB: env.DB, Now: env.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		replica := httptest.NewServer(second.Handler())
		defer replica.Close()
		u := env.Applicant()
		for i := 0; i < 3; i++ {
			env.Expect(t, http.StatusUnauthorized, loginFrom("192.0.2.30", u.Email, "wrong at the first"))
		}
		for i, want := range []int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests} {
			body := strings.NewReader(`{"email":"` + u.Email + `","password":"wrong at the second"}`)
			req, _ := http.NewRequest("POST", replica.URL+"/v1/auth/login", body)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", "192.0.2.30")
			resp, err := replica.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Fatalf("attempt %d at the second replica: %d, want %d", i+4, resp.StatusCode, want)
			}
		}
	}, trustLoopbackProxy)
}

// TestOtherAuthRateLimits: registration, refresh, client tokens and invitation acceptance
// are limited per IP too.
func TestOtherAuthRateLimits(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		xff := map[string]string{"X-Forwarded-For": "192.0.2.1"}
		for i := 0; i < 60; i++ { // register=60/1h by default: a workshop of groups registering at one venue
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
		secs := expect429(t, env, apitest.Req{Method: "POST", Path: "/v1/invitations/accept", Body: acc})
		env.Clock.Advance(time.Duration(secs) * time.Second)
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "POST", Path: "/v1/invitations/accept", Body: acc})
	})
}

// TestRateLimitNamesMatch: the names CONSTELLATE_RATE_LIMITS accepts are the identity
// service's limits, each with a default.
func TestRateLimitNamesMatch(t *testing.T) {
	if len(config.RateLimitNames) != len(identity.DefaultRates) {
		t.Fatalf("config names %v, identity limits %v", config.RateLimitNames, identity.DefaultRates)
	}
	for _, n := range config.RateLimitNames {
		if _, ok := identity.DefaultRates[identity.Limit(n)]; !ok {
			t.Errorf("CONSTELLATE_RATE_LIMITS accepts %s, which has no default", n)
		}
	}
}
