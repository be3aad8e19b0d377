package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"constellate/api"
	"constellate/api/apitest"
)

// tableText returns every value of every row of every table, as text, keyed by table.
func tableText(t *testing.T, env *apitest.Env) map[string]string {
	t.Helper()
	tables, err := env.DB.Conn(context.Background()).Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		rows, err := env.DB.SQL().QueryContext(context.Background(), `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var b strings.Builder
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					b.Write(bs)
				} else {
					fmt.Fprint(&b, v)
				}
				b.WriteByte('\n')
			}
		}
		rows.Close()
		out[table] = b.String()
	}
	return out
}

// TestNoSecretsAtRest runs every route that takes or returns a password, token or secret —
// each with an Idempotency-Key, which must not make the server keep a copy of its response —
// and then reads every row of every table: none may hold any of them in the clear.
func TestNoSecretsAtRest(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		idem := func(k string) map[string]string { return map[string]string{"Idempotency-Key": "secret-test-" + k} }
		const pw, pw2, pw3 = "rest test passphrase one", "rest test passphrase two", "rest test passphrase three"
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/auth/register", Header: idem("register"),
			Body: map[string]string{"email": "rest@example.org", "password": pw, "name": "Rest"}})
		var s1, s2, s3 api.TokenResponse
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/auth/login", Header: idem("login"),
			Body: map[string]string{"email": "rest@example.org", "password": pw}}).Decode(t, &s1)
		// The same key again is not a replay: a second, different session.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/auth/login", Header: idem("login"),
			Body: map[string]string{"email": "rest@example.org", "password": pw}}).Decode(t, &s2)
		if s1.RefreshToken == s2.RefreshToken {
			t.Fatal("a login was replayed from a stored response")
		}
		var r1 api.TokenResponse
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/auth/refresh", Header: idem("refresh"),
			Body: map[string]string{"refresh_token": s1.RefreshToken}}).Decode(t, &r1)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/auth/password", Token: r1.AccessToken, Header: idem("password"),
			Body: map[string]string{"current_password": pw, "new_password": pw2}}).Decode(t, &s3)

		mgr := env.Manager()
		var c api.ClientCreatedResponse
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/clients", Token: mgr.Token, Header: idem("client"),
			Body: map[string]string{"name": "Finance system"}}).Decode(t, &c)
		tr := clientToken(t, env, http.StatusOK, apitest.Req{Header: idem("token"), Body: map[string]string{
			"grant_type": "client_credentials", "client_id": c.ClientID, "client_secret": c.ClientSecret}})
		var inv api.InvitationResponse
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/invitations", Token: mgr.Token, Header: idem("invite"),
			Body: map[string]string{"email": "staff@example.org", "role": "finance"}}).Decode(t, &inv)
		env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/invitations/accept", Header: idem("accept"),
			Body: map[string]string{"token": inv.Token, "name": "Staff", "password": pw3}})
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout", Header: idem("logout"),
			Body: map[string]string{"refresh_token": s3.RefreshToken}})

		secrets := map[string]string{
			"password": pw, "new password": pw2, "invited password": pw3, "fixture password": apitest.TestPassword,
			"access token 1": s1.AccessToken, "refresh token 1": s1.RefreshToken, "refresh token 2": s2.RefreshToken,
			"rotated refresh token": r1.RefreshToken, "rotated access token": r1.AccessToken,
			"post-change refresh token": s3.RefreshToken, "client secret": c.ClientSecret, "client access token": tr.AccessToken,
			"invitation token": inv.Token, "manager token": mgr.Token,
		}
		tables := tableText(t, env)
		if !strings.Contains(tables["users"], "rest@example.org") || !strings.Contains(tables["refresh_tokens"], "\n") {
			t.Fatalf("the scan read nothing; it would prove nothing: %v", tables)
		}
		for table, text := range tables {
			for name, s := range secrets {
				if s != "" && strings.Contains(text, s) {
					t.Errorf("table %s holds the %s in the clear", table, name)
				}
			}
		}
	})
}
