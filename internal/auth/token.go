package auth

import (
	"time"

	"github.com/golang-jwt/jwt/v5"

	"constellate/internal/errs"
)

// AccessTokenType is the JWT `typ` header of access tokens (RFC 9068), checked on verify so
// no other JWT can pass as one.
const AccessTokenType = "at+jwt"

// Claims are an access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	Role         Role `json:"role"`
	TokenVersion int  `json:"tv"`               // the user's token_version when issued
	Client       bool `json:"client,omitempty"` // a machine client (client credentials)
}

// Tokens issues and verifies access tokens.
type Tokens struct {
	keys     *KeySet
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	newID    func() string
}

// NewTokens returns the token issuer/verifier.
func NewTokens(keys *KeySet, issuer, audience string, ttl time.Duration, now func() time.Time, newID func() string) *Tokens {
	return &Tokens{keys: keys, issuer: issuer, audience: audience, ttl: ttl, now: now, newID: newID}
}

// MachineAudience is the audience of machine clients' tokens: the API's audience with
// "#machine" appended. User and machine tokens are each pinned to their own audience, so a
// user token can never claim to be a client's and the reverse.
func (t *Tokens) MachineAudience() string { return t.audience + "#machine" }

// Audience is the audience of users' access tokens.
func (t *Tokens) Audience() string { return t.audience }

// Keys returns the key set (for the JWKS endpoint).
func (t *Tokens) Keys() *KeySet { return t.keys }

// TTL is the access-token lifetime.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs an access token for subject with role. An empty audience is the users'
// audience, or MachineAudience for a client.
func (t *Tokens) Issue(subject string, role Role, tokenVersion int, client bool, audience string) (string, error) {
	now := t.now().UTC()
	if audience == "" {
		audience = t.audience
		if client {
			audience = t.MachineAudience()
		}
	}
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: t.issuer, Subject: subject, Audience: jwt.ClaimStrings{audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)), ID: t.newID(),
		},
		Role: role, TokenVersion: tokenVersion, Client: client,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	signer := t.keys.Signer()
	tok.Header["kid"] = signer.ID
	tok.Header["typ"] = AccessTokenType
	s, err := tok.SignedString(signer.Private)
	if err != nil {
		return "", errs.Wrap(err, "sign token")
	}
	return s, nil
}

// errBadToken is the one answer to every invalid token: no detail helps an attacker.
var errBadToken = errs.E(errs.Unauthenticated, "the access token is not valid")

// MaxTokenLength bounds what Verify parses: our tokens are a few hundred bytes, and nothing
// longer reaches the JWT parser (header-of-dots and similar allocation attacks).
const MaxTokenLength = 4096

// Verify checks a token's signature (EdDSA only, by a kid in our set), typ, issuer,
// audience, exp (required), nbf and iat. A user token must carry the users' audience and a
// client token (claim client: true) the machine audience. Any error rejects the token.
func (t *Tokens) Verify(raw string) (*Claims, error) {
	if len(raw) > MaxTokenLength {
		return nil, errBadToken
	}
	for _, aud := range []string{t.audience, t.MachineAudience()} {
		c := &Claims{}
		p := jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(t.issuer),
			jwt.WithAudience(aud),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(30*time.Second),
			jwt.WithTimeFunc(t.now),
		)
		tok, err := p.ParseWithClaims(raw, c, t.key)
		if err != nil || tok == nil || !tok.Valid {
			continue
		}
		if c.Subject == "" || c.ID == "" || !c.Role.Valid() || c.Client != (aud == t.MachineAudience()) {
			return nil, errBadToken
		}
		return c, nil
	}
	return nil, errBadToken
}

// key is the parser's key function: typ must be at+jwt and kid one of our keys.
func (t *Tokens) key(tok *jwt.Token) (any, error) {
	if typ, _ := tok.Header["typ"].(string); typ != AccessTokenType {
		return nil, errBadToken
	}
	kid, _ := tok.Header["kid"].(string)
	k, ok := t.keys.Lookup(kid)
	if !ok {
		return nil, errBadToken
	}
	return k.Public, nil
}
