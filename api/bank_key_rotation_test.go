package api_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"constellate/api"
	"constellate/api/apitest"
	"constellate/internal/config"
)

// Rotating CONSTELLATE_ENCRYPTION_KEY keeps bank details readable: the old key moves to
// CONSTELLATE_ENCRYPTION_KEY_PREVIOUS (decrypt only) and every change seals with the new one.
func TestEncryptionKeyRotation(t *testing.T) {
	oldKey, newKey := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(oldKey)
	_, _ = rand.Read(newKey)
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		owner, fin := env.Applicant(), env.Finance()
		org := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/organisations", Token: owner.Token,
			Body: map[string]any{"name": "Hillside Peer Support"}}).Map(t)["id"].(string)
		path := "/v1/organisations/" + org + "/bank-account"
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: path, Token: owner.Token,
			Body: map[string]any{"account_name": "Hillside", "sort_code": "12-34-56", "account_number": "12345678", "held_by": "organisation"}})
		before := keyID(t, env, org)

		// The rotated server: the new key signs nothing old, the old one still opens.
		cfg := env.Config
		cfg.EncryptionKey, cfg.PreviousKeys = newKey, [][]byte{oldKey}
		srv, err := api.Build(context.Background(), api.BuildOptions{Config: cfg, DB: env.DB, Now: env.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv.Handler())
		defer hs.Close()
		call := func(method, token, body string) (int, map[string]any) {
			req, _ := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := hs.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			return resp.StatusCode, m
		}
		if st, m := call("GET", fin.Token, ""); st != http.StatusOK || m["account_number"] != "12345678" {
			t.Fatalf("after rotation finance reads %d %v, want the sealed-with-the-old-key details", st, m)
		}
		if st, _ := call("PUT", owner.Token, `{"account_name":"Hillside","sort_code":"65-43-21","account_number":"87654321","held_by":"organisation"}`); st != http.StatusOK {
			t.Fatalf("replace after rotation: %d", st)
		}
		if after := keyID(t, env, org); after == before || after == "" {
			t.Fatalf("key id after a change = %q (before %q): want the new key's", after, before)
		}
		if st, m := call("GET", fin.Token, ""); st != http.StatusOK || m["account_number"] != "87654321" {
			t.Fatalf("finance reads %d %v after the re-seal", st, m)
		}
	}, func(c *config.Config) { c.EncryptionKey = oldKey })
}

func keyID(t *testing.T, env *apitest.Env, org string) string {
	t.Helper()
	var id string
	if err := env.DB.Conn(context.Background()).Raw("SELECT key_id FROM bank_accounts WHERE organisation_id = ?", org).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}
