package api_test

import (
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"constellate/api"
	"constellate/api/apitest"
	"constellate/internal/config"
)

// identityMatrix drives the identity routes (sessions, machine clients, invitations, the
// key set, the audit log) as every actor. Relations to organisations and rounds do not
// matter here, so every applicant and every panel member answers alike.
func identityMatrix(t *testing.T, env *apitest.Env) apitest.Matrix {
	w := newAppWorld(t, env)
	cast := w.cast(t)
	// The manager's own logout-all would end the session the setup and the snapshot use.
	cast[apitest.GrantsManager] = env.Manager().Token
	target := createClient(t, env, w.manager.Token, "target") // refused deletes and bad secrets aim at it
	victim := createClient(t, env, w.manager.Token, "victim") // the manager's allowed delete
	uniq := 0
	next := func() string { uniq++; return strconv.Itoa(uniq) }
	// Each cell of a rate-limited route comes from its own address (the test server trusts
	// loopback as a proxy), so a column added later never meets the per-IP limits: those are
	// tested in auth_limits_test.go.
	fromNewIP := func(r *apitest.Req) { r.Header["X-Forwarded-For"] = "198.51.100." + next() }
	fresh := func(body func() any) func(r *apitest.Req) {
		return func(r *apitest.Req) { fromNewIP(r); r.Body = body() }
	}
	return apitest.Matrix{
		Cast: cast,
		// Columns: anonymous, owner, member, other_applicant, panel_on_round, panel_off_round, grants_manager, finance, finance_client.
		Rows: []apitest.Row{
			{Route: "GET /.well-known/jwks.json", Path: "/.well-known/jwks.json", Want: []int{200, 200, 200, 200, 200, 200, 200, 200, 200}},
			{Route: "POST /v1/auth/register", Path: "/v1/auth/register", Vary: fresh(func() any {
				return map[string]string{"email": "m-" + next() + "@example.org", "password": "matrix password 1234", "name": "M"}
			}), Want: []int{201, 201, 201, 201, 201, 201, 201, 201, 201}},
			{Route: "POST /v1/auth/login", Name: "wrong password", Path: "/v1/auth/login", Vary: fresh(func() any {
				return map[string]string{"email": "m-" + next() + "@example.org", "password": "nope nope nope"}
			}), Want: []int{401, 401, 401, 401, 401, 401, 401, 401, 401}},
			{Route: "POST /v1/auth/refresh", Name: "unknown", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": "rt_unknown"},
				Vary: fromNewIP, Want: []int{401, 401, 401, 401, 401, 401, 401, 401, 401}},
			{Route: "POST /v1/auth/logout", Name: "unknown", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": "rt_unknown"},
				Vary: fromNewIP, Want: []int{204, 204, 204, 204, 204, 204, 204, 204, 204}},
			{Route: "POST /v1/auth/token", Name: "bad secret", Path: "/v1/auth/token", Vary: fromNewIP,
				Body: map[string]string{"grant_type": "client_credentials", "client_id": target.ClientID, "client_secret": "cs_wrong"},
				Want: []int{401, 401, 401, 401, 401, 401, 401, 401, 401}},
			// Allowed cells run after every refused one: the target still works.
			{Route: "POST /v1/auth/token", Name: "good secret", Path: "/v1/auth/token", Vary: fromNewIP,
				Body: map[string]string{"grant_type": "client_credentials", "client_id": target.ClientID, "client_secret": target.ClientSecret},
				Want: []int{200, 200, 200, 200, 200, 200, 200, 200, 200}},
			{Route: "POST /v1/invitations/accept", Name: "unknown", Path: "/v1/invitations/accept", Vary: fromNewIP,
				Body: map[string]string{"token": "inv_unknown", "name": "N", "password": "matrix password 1234"},
				Want: []int{404, 404, 404, 404, 404, 404, 404, 404, 404}},
			{Route: "GET /v1/me", Path: "/v1/me", Want: []int{401, 200, 200, 200, 200, 200, 200, 200, 404}},
			{Route: "POST /v1/auth/password", Name: "wrong current", Path: "/v1/auth/password",
				Body: map[string]string{"current_password": "not it at all", "new_password": "another good password"},
				Want: []int{401, 422, 422, 422, 422, 422, 422, 422, 403}},
			{Route: "GET /v1/clients", Path: "/v1/clients", Want: []int{401, 403, 403, 403, 403, 403, 200, 403, 403}},
			{Route: "POST /v1/clients", Path: "/v1/clients", Vary: func(r *apitest.Req) { r.Body = map[string]string{"name": "c " + next()} },
				Want: []int{401, 403, 403, 403, 403, 403, 201, 403, 403}},
			{Route: "POST /v1/invitations", Path: "/v1/invitations", Vary: func(r *apitest.Req) {
				r.Body = map[string]string{"email": "i-" + next() + "@example.org", "role": "finance"}
			}, Want: []int{401, 403, 403, 403, 403, 403, 201, 403, 403}},
			{Route: "GET /v1/audit-events", Path: "/v1/audit-events?limit=200", Want: []int{401, 403, 403, 403, 403, 403, 200, 403, 403}},
			{Route: "DELETE /v1/clients/:id", Path: "/v1/clients/" + victim.ID, Want: []int{401, 403, 403, 403, 403, 403, 204, 403, 403}},
			// Last: an allowed logout-all ends that actor's session.
			{Route: "POST /v1/auth/logout-all", Path: "/v1/auth/logout-all", Want: []int{401, 204, 204, 204, 204, 204, 204, 204, 403}},
		},
		Canaries: []apitest.Canary{
			{Text: target.ClientSecret}, {Text: victim.ClientSecret}, // shown once, at creation
			// The other applicant's organisation: in their own /v1/me and the audit log.
			{Text: "CANARY-7731", SeenBy: []apitest.Actor{apitest.OtherApplicant, apitest.GrantsManager}},
		},
		Snapshot: func(t testing.TB) string {
			clients := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/clients", Token: w.manager.Token}).Body
			events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?limit=200", Token: w.manager.Token}).Body
			return string(clients) + string(events)
		},
	}
}

// TestIdentityAuthorizationMatrix runs the identity matrix; afterwards exactly the allowed
// writes are there.
func TestIdentityAuthorizationMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := identityMatrix(t, env)
		m.Run(t, env)
		mgr := env.Manager()
		var list api.ClientList
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/clients", Token: mgr.Token}).Decode(t, &list)
		// The cast's machine client, the target and the manager's new one; the victim is gone.
		var names []string
		for _, c := range list.Data {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, ","); !regexp.MustCompile(`^matrix finance system,target,c \d+$`).MatchString(got) {
			t.Fatalf("clients after the matrix: %s", got)
		}
		ev := string(env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?limit=200", Token: mgr.Token}).Body)
		for action, n := range map[string]int{"invitation.created": 1, "client.revoked": 1, "user.password_changed": 0} {
			if got := strings.Count(ev, `"`+action+`"`); got != n {
				t.Errorf("%d %s events, want %d", got, action, n)
			}
		}
	}, trustLoopbackProxy)
}

// trustLoopbackProxy makes the server take the client's address from X-Forwarded-For.
func trustLoopbackProxy(c *config.Config) {
	_, n, _ := net.ParseCIDR("127.0.0.1/32")
	c.TrustedProxies = []*net.IPNet{n}
}

// TestNoSecretsInLogs runs every identity flow and then searches everything the server
// logged for the passwords, tokens and secrets it handled.
func TestNoSecretsInLogs(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		const pw, pw2 = "log test passphrase one", "log test passphrase two"
		secrets := []string{pw, pw2, apitest.TestPassword}
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/auth/register", Body: map[string]string{"email": "log@example.org", "password": pw, "name": "Log"}})
		env.Expect(t, http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "log@example.org", "password": pw2}})
		s := login(t, env, "log@example.org", pw)
		s2 := refresh(t, env, http.StatusOK, s.RefreshToken)
		refresh(t, env, http.StatusUnauthorized, s.RefreshToken)
		var s3 api.TokenResponse
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/auth/password", Token: s2.AccessToken,
			Body: map[string]string{"current_password": pw, "new_password": pw2}}).Decode(t, &s3)
		secrets = append(secrets, s.AccessToken, s.RefreshToken, s2.AccessToken, s2.RefreshToken, s3.AccessToken, s3.RefreshToken)

		mgr := env.Manager()
		c := createClient(t, env, mgr.Token, "log client")
		tr := clientToken(t, env, http.StatusOK, apitest.Req{Body: form(map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret}), ContentType: formCT})
		clientToken(t, env, http.StatusUnauthorized, apitest.Req{Body: map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret + "x"}})
		inv := invite(t, env, mgr.Token, "invitee@example.org", "grants_manager")
		accept(t, env, http.StatusCreated, inv.Token, "Invitee", pw)
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": s3.RefreshToken}})
		secrets = append(secrets, mgr.Token, c.ClientSecret, tr.AccessToken, inv.Token)

		logs := env.Logs.String()
		if !strings.Contains(logs, "/v1/auth/login") {
			t.Fatalf("the server logged no requests; the test would prove nothing: %q", logs)
		}
		for _, s := range secrets {
			if strings.Contains(logs, s) {
				t.Errorf("a secret reached the log: %.12s…", s)
			}
		}
	})
}
