package api_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"constellate/api/apitest"
	"constellate/internal/auth"
	"constellate/internal/config"
	"constellate/internal/ids"
)

func newKey(t *testing.T) *auth.Key {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return auth.NewKey(priv)
}

// forge signs claims with method and key, with the given header fields.
func forge(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBadAccessTokens: every way a token can be wrong is a 401 problem with WWW-Authenticate
// on GET /v1/me, and a correctly forged control token passes (so each case fails for the
// reason it names, not for another).
func TestBadAccessTokens(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		signer := env.Server.Identity.Tokens().Keys().Signer()
		now := env.Clock.Now()
		claims := func(change func(jwt.MapClaims)) jwt.MapClaims {
			c := jwt.MapClaims{"iss": env.Config.Issuer, "aud": []string{env.Config.Audience}, "sub": u.ID, "role": "applicant", "tv": 1,
				"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": ids.New()}
			if change != nil {
				change(c)
			}
			return c
		}
		hdr := func(change func(map[string]any)) map[string]any {
			h := map[string]any{"kid": signer.ID, "typ": "at+jwt"}
			if change != nil {
				change(h)
			}
			return h
		}
		good := forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(nil))
		me(t, env, http.StatusOK, good)

		other := newKey(t)
		parts := strings.Split(good, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var pm map[string]any
		_ = json.Unmarshal(payload, &pm)
		pm["role"] = "grants_manager"
		tampered, _ := json.Marshal(pm)
		s := login(t, env, u.Email, apitest.TestPassword)

		cases := map[string]string{
			"alg none":                  forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, hdr(nil), claims(nil)),
			"HS256 with the public key": forge(t, jwt.SigningMethodHS256, []byte(signer.Public), hdr(nil), claims(nil)),
			"unknown kid":               forge(t, jwt.SigningMethodEdDSA, other.Private, hdr(func(h map[string]any) { h["kid"] = other.ID }), claims(nil)),
			"our kid, another key":      forge(t, jwt.SigningMethodEdDSA, other.Private, hdr(nil), claims(nil)),
			"no kid":                    forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(func(h map[string]any) { h["kid"] = nil }), claims(nil)),
			"tampered payload":          parts[0] + "." + base64.RawURLEncoding.EncodeToString(tampered) + "." + parts[2],
			"signature stripped":        parts[0] + "." + parts[1] + ".",
			"expired":                   forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })),
			"missing exp":               forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { delete(c, "exp") })),
			"future nbf":                forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(5 * time.Minute).Unix() })),
			"future iat":                forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["iat"] = now.Add(5 * time.Minute).Unix() })),
			"wrong iss":                 forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["iss"] = "someone-else" })),
			"wrong aud":                 forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["aud"] = []string{"another-api"} })),
			"no aud":                    forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { delete(c, "aud") })),
			"user token, machine aud":   forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["aud"] = []string{env.Config.Audience + "#machine"} })),
			"client claim, user aud":    forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["client"] = true })),
			"wrong typ":                 forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(func(h map[string]any) { h["typ"] = "JWT" }), claims(nil)),
			"no typ":                    forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(func(h map[string]any) { h["typ"] = nil }), claims(nil)),
			"no jti":                    forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { delete(c, "jti") })),
			"unknown subject":           forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["sub"] = ids.New() })),
			"role the user lacks":       forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["role"] = "grants_manager" })),
			"unknown role":              forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["role"] = "admin" })),
			"stale token_version":       forge(t, jwt.SigningMethodEdDSA, signer.Private, hdr(nil), claims(func(c jwt.MapClaims) { c["tv"] = 0 })),
			"refresh token as bearer":   s.RefreshToken,
			"not a JWT":                 "hello",
			"4000 dots":                 strings.Repeat(".", 4000),
			"15000 dots":                strings.Repeat(".", 15000),
		}
		for name, tok := range cases {
			t.Run(name, func(t *testing.T) {
				p := me(t, env, http.StatusUnauthorized, tok).Map(t)
				if p["detail"] == "" || strings.Contains(p["detail"].(string), "signature") {
					t.Errorf("detail %q", p["detail"])
				}
			})
		}

		// A header of 100k dots is refused before any parsing (431: over the 16 KiB header
		// budget). How fast is for the benchmarks to measure, not a wall-clock assertion here.
		resp, body := raw(t, env, "GET", "/v1/me", nil, map[string]string{"Authorization": "Bearer " + strings.Repeat(".", 100_000)})
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("100k dots: %d", resp.StatusCode)
		}
		mustProblem(t, http.StatusRequestHeaderFieldsTooLarge, resp.Header, body)
		// Schemes other than Bearer on a protected route.
		for _, h := range []string{"Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token " + good} {
			resp, body := raw(t, env, "GET", "/v1/me", nil, map[string]string{"Authorization": h})
			mustProblem(t, http.StatusUnauthorized, resp.Header, body)
		}

		// Stale after logout-all.
		me(t, env, http.StatusOK, s.AccessToken)
		env.Expect(t, http.StatusNoContent, apitest.Req{Method: "POST", Path: "/v1/auth/logout-all", Token: s.AccessToken})
		me(t, env, http.StatusUnauthorized, s.AccessToken)
		me(t, env, http.StatusUnauthorized, good)
		// Expired by the clock: a real token 16 minutes on.
		s = login(t, env, u.Email, apitest.TestPassword)
		env.Clock.Advance(16 * time.Minute)
		me(t, env, http.StatusUnauthorized, s.AccessToken)
	})
}

// TestKeyRotation: the key file's first key signs, the next only verifies; a token signed
// by the old key still works, and the JWKS lists both.
func TestKeyRotation(t *testing.T) {
	oldKey, newK := newKey(t), newKey(t)
	path := filepath.Join(t.TempDir(), "keys.pem")
	if err := os.WriteFile(path, append(auth.EncodePrivateKeyPEM(newK), auth.EncodePrivateKeyPEM(oldKey)...), 0o600); err != nil {
		t.Fatal(err)
	}
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		u := env.Applicant()
		old := auth.NewTokens(auth.NewKeySet(oldKey), env.Config.Issuer, env.Config.Audience, 15*time.Minute, env.Clock.Now, ids.New)
		tok, err := old.Issue(u.ID, u.Role, 1, false, "")
		if err != nil {
			t.Fatal(err)
		}
		me(t, env, http.StatusOK, tok)
		// New tokens are signed by the new key.
		s := login(t, env, u.Email, apitest.TestPassword)
		h, _ := base64.RawURLEncoding.DecodeString(strings.Split(s.AccessToken, ".")[0])
		if !strings.Contains(string(h), newK.ID) {
			t.Fatalf("header %s, want kid %s", h, newK.ID)
		}
		var jwks struct {
			Keys []auth.JWK `json:"keys"`
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/.well-known/jwks.json"}).Decode(t, &jwks)
		if len(jwks.Keys) != 2 || jwks.Keys[0].Kid != newK.ID || jwks.Keys[1].Kid != oldKey.ID {
			t.Fatalf("jwks: %+v", jwks)
		}
		for _, k := range jwks.Keys {
			x, _ := base64.RawURLEncoding.DecodeString(k.X)
			if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || len(x) != ed25519.PublicKeySize {
				t.Fatalf("jwk %+v", k)
			}
		}
		// A key that was removed from the file no longer verifies.
		gone := auth.NewTokens(auth.NewKeySet(newKey(t)), env.Config.Issuer, env.Config.Audience, 15*time.Minute, env.Clock.Now, ids.New)
		tok, _ = gone.Issue(u.ID, u.Role, 1, false, "")
		me(t, env, http.StatusUnauthorized, tok)
	}, func(c *config.Config) { c.SigningKeyFile = path })
}
