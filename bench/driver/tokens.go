package driver

import (
	"os"
	"path/filepath"
	"time"

	"constellate/internal/auth"
	"constellate/internal/ids"
)

// Minter signs access tokens with the benchmark's key, as the service would issue them.
type Minter struct{ tokens *auth.Tokens }

// The issuer and audience the service and the baseline are configured with.
const (
	Issuer   = "constellate"
	Audience = "constellate-api"
)

// NewMinter signs with key; tokens live a day.
func NewMinter(key *auth.Key) *Minter {
	return &Minter{tokens: auth.NewTokens(auth.NewKeySet(key), Issuer, Audience, 24*time.Hour, time.Now, ids.New)}
}

// Token is a user's access token (token_version 1, as generated).
func (m *Minter) Token(userID, role string) (string, error) {
	return m.tokens.Issue(userID, auth.Role(role), 1, false, "")
}

// WriteKeyFile writes key as the PEM file CONSTELLATE_SIGNING_KEY_FILE names.
func WriteKeyFile(path string, key *auth.Key) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, auth.EncodePrivateKeyPEM(key), 0o600)
}
