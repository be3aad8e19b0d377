package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// NewSecret returns an opaque secret of 256 random bits, URL-safe base64 after prefix (the
// prefix tells a leaked string's kind to secret scanners: "rt_" refresh token, "cs_" client
// secret, "inv_" invitation). Secrets are never stored: only HashSecret of them.
func NewSecret(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: no randomness: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// NewClientID returns a public client identifier (not a secret).
func NewClientID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return "cl_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret is the stored form of a high-entropy secret: SHA-256, hex. A slow hash is not
// needed for 256 random bits, and a fast one lets the secret be looked up by its hash.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SecretMatches compares a presented secret with a stored hash in constant time.
func SecretMatches(secret, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(hash)) == 1
}
