package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"constellate/api"
	"constellate/api/apitest"
	"constellate/internal/auth"
)

// caller is one column of the authorization matrix.
type caller struct {
	name  string
	token string
}

// callers makes one caller of each kind: anonymous, every role, and a machine client.
func callers(t *testing.T, env *apitest.Env, mgrToken string) []caller {
	t.Helper()
	out := []caller{{name: "anonymous"}}
	for _, r := range auth.Roles {
		out = append(out, caller{name: string(r), token: env.NewUser(r).Token})
	}
	c := createClient(t, env, mgrToken, "matrix machine")
	tr := clientToken(t, env, http.StatusOK, apitest.Req{Body: map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret}})
	return append(out, caller{name: "machine", token: tr.AccessToken})
}

// TestIdentityAuthorizationMatrix drives every identity route as every kind of caller and
// asserts the exact status; refused writes change nothing; no secret reaches a log line.
func TestIdentityAuthorizationMatrix(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		mgr := env.Manager()
		target := createClient(t, env, mgr.Token, "target") // what refused deletes aim at
		cs := callers(t, env, mgr.Token)
		// Columns: anonymous, applicant, panel_member, grants_manager, finance, machine client.
		uniq := 0
		next := func() string { uniq++; return strconv.Itoa(uniq) }
		rows := []struct {
			name string
			req  func() apitest.Req
			want [6]int
		}{
			{"GET jwks", func() apitest.Req { return apitest.Req{Method: "GET", Path: "/.well-known/jwks.json"} },
				[6]int{200, 200, 200, 200, 200, 200}},
			{"POST register", func() apitest.Req {
				return apitest.Req{Method: "POST", Path: "/v1/auth/register", Body: map[string]string{"email": "m-" + next() + "@example.org", "password": "matrix password 1234", "name": "M"}}
			}, [6]int{201, 201, 201, 201, 201, 201}},
			{"POST login (wrong password)", func() apitest.Req {
				return apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "m-" + next() + "@example.org", "password": "nope nope nope"}}
			}, [6]int{401, 401, 401, 401, 401, 401}},
			{"POST refresh (unknown)", func() apitest.Req {
				return apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": "rt_unknown"}}
			}, [6]int{401, 401, 401, 401, 401, 401}},
			{"POST logout (unknown)", func() apitest.Req {
				return apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": "rt_unknown"}}
			}, [6]int{204, 204, 204, 204, 204, 204}},
			{"POST token (bad secret)", func() apitest.Req {
				return apitest.Req{Method: "POST", Path: "/v1/auth/token", Body: map[string]string{"grant_type": "client_credentials", "client_id": target.ClientID, "client_secret": "cs_wrong"}}
			}, [6]int{401, 401, 401, 401, 401, 401}},
			{"POST accept (unknown)", func() apitest.Req {
				return apitest.Req{Method: "POST", Path: "/v1/invitations/accept", Body: map[string]string{"token": "inv_unknown", "name": "N", "password": "matrix password 1234"}}
			}, [6]int{404, 404, 404, 404, 404, 404}},
			{"GET me", func() apitest.Req { return apitest.Req{Method: "GET", Path: "/v1/me"} },
				[6]int{401, 200, 200, 200, 200, 404}},
			{"POST password (wrong current)", func() apitest.Req {
				return apitest.Req{Method: "POST", Path: "/v1/auth/password", Body: map[string]string{"current_password": "not it at all", "new_password": "another good password"}}
			}, [6]int{401, 422, 422, 422, 422, 403}},
			{"GET clients", func() apitest.Req { return apitest.Req{Method: "GET", Path: "/v1/clients"} },
				[6]int{401, 403, 403, 200, 403, 403}},
			{"POST clients", func() apitest.Req {
				return apitest.Req{Method: "POST", Path: "/v1/clients", Body: map[string]string{"name": "c " + next()}}
			},
				[6]int{401, 403, 403, 201, 403, 403}},
			{"POST invitations", func() apitest.Req {
				return apitest.Req{Method: "POST", Path: "/v1/invitations", Body: map[string]string{"email": "i-" + next() + "@example.org", "role": "finance"}}
			}, [6]int{401, 403, 403, 201, 403, 403}},
			{"DELETE client (refused)", func() apitest.Req { return apitest.Req{Method: "DELETE", Path: "/v1/clients/" + target.ID} },
				[6]int{401, 403, 403, -1, 403, 403}},
			{"POST logout-all", func() apitest.Req { return apitest.Req{Method: "POST", Path: "/v1/auth/logout-all"} },
				[6]int{401, 204, 204, -1, 204, 403}},
		}
		for _, row := range rows {
			for i, c := range cs {
				want := row.want[i]
				if want < 0 {
					continue // the manager's own success is tested elsewhere; here it would end the test's session
				}
				req := row.req()
				req.Token = c.token
				if r := env.Do(req); r.Status != want {
					t.Errorf("%s as %s: %d, want %d: %s", row.name, c.name, r.Status, want, r.Body)
				}
			}
		}

		// Refused writes changed nothing: the clients are the target, the machine's and the
		// manager's one; one invitation (the manager's); the target still works.
		var list api.ClientList
		env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/clients", Token: mgr.Token}).Decode(t, &list)
		if len(list.Data) != 3 || list.Data[0].ID != target.ID {
			t.Fatalf("clients after the matrix: %+v", list.Data)
		}
		ev := string(env.Expect(http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?limit=200", Token: mgr.Token}).Body)
		if n := strings.Count(ev, `"invitation.created"`); n != 1 {
			t.Fatalf("%d invitations created", n)
		}
		if strings.Contains(ev, `"client.revoked"`) || strings.Contains(ev, `"user.password_changed"`) {
			t.Fatalf("a refused write left an audit event: %s", ev)
		}
		clientToken(t, env, http.StatusOK, apitest.Req{Body: map[string]string{"grant_type": "client_credentials", "client_id": target.ClientID, "client_secret": target.ClientSecret}})
	})
}

// TestNoSecretsInLogs runs every identity flow and then searches everything the server
// logged for the passwords, tokens and secrets it handled.
func TestNoSecretsInLogs(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		const pw, pw2 = "log test passphrase one", "log test passphrase two"
		secrets := []string{pw, pw2, apitest.TestPassword}
		env.Expect(http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/auth/register", Body: map[string]string{"email": "log@example.org", "password": pw, "name": "Log"}})
		env.Expect(http.StatusUnauthorized, apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "log@example.org", "password": pw2}})
		s := login(t, env, "log@example.org", pw)
		s2 := refresh(env, http.StatusOK, s.RefreshToken)
		refresh(env, http.StatusUnauthorized, s.RefreshToken)
		var s3 api.TokenResponse
		env.Expect(http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/auth/password", Token: s2.AccessToken,
			Body: map[string]string{"current_password": pw, "new_password": pw2}}).Decode(t, &s3)
		secrets = append(secrets, s.AccessToken, s.RefreshToken, s2.AccessToken, s2.RefreshToken, s3.AccessToken, s3.RefreshToken)

		mgr := env.Manager()
		c := createClient(t, env, mgr.Token, "log client")
		tr := clientToken(t, env, http.StatusOK, apitest.Req{Body: form(map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret}), ContentType: formCT})
		clientToken(t, env, http.StatusUnauthorized, apitest.Req{Body: map[string]string{"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret + "x"}})
		inv := invite(t, env, mgr.Token, "invitee@example.org", "grants_manager")
		accept(env, http.StatusCreated, inv.Token, "Invitee", pw)
		env.Expect(http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": s3.RefreshToken}})
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
