// Package secretbox seals small secrets (bank details) for storage with AES-256-GCM. Every
// sealed value is stored beside the id of the key that sealed it, so keys can rotate: a
// Keyring seals with its primary key and opens with any key it still holds. Nonces are
// random (96 bits) per seal; the caller's associated data (e.g. the owning record's id)
// binds a ciphertext to its row, so one row's ciphertext cannot be moved to another.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// KeySize is the size of a key: 32 bytes (AES-256).
const KeySize = 32

// Errors Open returns. Neither says anything about the plaintext.
var (
	ErrUnknownKey = errors.New("secretbox: sealed with a key this keyring does not hold")
	ErrOpen       = errors.New("secretbox: the sealed value is damaged or belongs elsewhere")
)

// Keyring seals with one primary key and opens with any key it holds.
type Keyring struct {
	primary string
	aeads   map[string]cipher.AEAD
}

// KeyID names a key without revealing it: the first 8 bytes, hex, of SHA-256 over a
// domain-separation label and the key. Deterministic, so the same configured key always has
// the same id across restarts and replicas.
func KeyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("constellate secretbox key id v1\x00"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// New returns a keyring that seals with primary and opens with primary or any of older
// (keys being rotated out). Every key must be KeySize bytes.
func New(primary []byte, older ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, key := range append([][]byte{primary}, older...) {
		if len(key) != KeySize {
			return nil, fmt.Errorf("secretbox: key %d is %d bytes, want %d", i, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(key)
		if i == 0 {
			k.primary = id
		}
		k.aeads[id] = aead
	}
	return k, nil
}

// PrimaryID is the id of the key new seals use.
func (k *Keyring) PrimaryID() string { return k.primary }

// Seal encrypts plaintext bound to aad and returns the key id to store beside the sealed
// bytes (nonce followed by ciphertext and tag).
func (k *Keyring) Seal(plaintext, aad []byte) (keyID string, sealed []byte, err error) {
	aead := k.aeads[k.primary]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("secretbox: nonce: %w", err)
	}
	return k.primary, aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts what Seal returned, with the same aad.
func (k *Keyring) Open(keyID string, sealed, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, ErrUnknownKey
	}
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, ErrOpen
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
