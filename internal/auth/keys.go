package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Key is one Ed25519 key, named by its kid.
type Key struct {
	ID      string
	Private ed25519.PrivateKey // nil for verify-only keys
	Public  ed25519.PublicKey
}

// KeySet holds the keys that verify tokens; exactly one of them signs. Rotation: add the new
// key as signer and keep the old one for verification for at least one access-token lifetime.
type KeySet struct {
	signer *Key
	byID   map[string]*Key
	order  []*Key // signer first, then verify-only keys as given
}

// NewKeySet returns a set whose signer is signer; verifyOnly keys also verify.
func NewKeySet(signer *Key, verifyOnly ...*Key) *KeySet {
	ks := &KeySet{signer: signer, byID: map[string]*Key{signer.ID: signer}, order: []*Key{signer}}
	for _, k := range verifyOnly {
		if _, dup := ks.byID[k.ID]; dup {
			continue
		}
		ks.byID[k.ID] = k
		ks.order = append(ks.order, k)
	}
	return ks
}

// Signer is the signing key.
func (ks *KeySet) Signer() *Key { return ks.signer }

// Lookup finds a verification key by kid.
func (ks *KeySet) Lookup(kid string) (*Key, bool) {
	k, ok := ks.byID[kid]
	return k, ok
}

// Keys lists every verification key (for the JWKS), signer first.
func (ks *KeySet) Keys() []*Key { return append([]*Key(nil), ks.order...) }

// NewKey makes a key from a private key; its kid is a thumbprint of the public key.
func NewKey(priv ed25519.PrivateKey) *Key {
	pub := priv.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	return &Key{ID: base64.RawURLEncoding.EncodeToString(sum[:12]), Private: priv, Public: pub}
}

// LoadOrCreateSigningKey reads an Ed25519 private key (PKCS#8 PEM) from path. With
// create, a missing file is generated (mode 0600): the embedded default keeps its key in the
// data directory so tokens survive restarts.
func LoadOrCreateSigningKey(path string, create bool) (*Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, gerr
		}
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, err
		}
		return NewKey(priv), nil
	}
	if err != nil {
		return nil, err
	}
	return ParsePrivateKeyPEM(b)
}

// LoadKeySet reads the key file: its first PEM block is the signing key (PKCS#8 Ed25519
// private key); any further blocks (private or PKIX public keys) only verify. To rotate, put
// the new key first and keep the old one after it for at least one access-token lifetime.
// With create, a missing file is generated with one key.
func LoadKeySet(path string, create bool) (*KeySet, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		k, err := LoadOrCreateSigningKey(path, true)
		if err != nil {
			return nil, err
		}
		return NewKeySet(k), nil
	}
	if err != nil {
		return nil, err
	}
	var keys []*Key
	for len(keys) < 100 {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		k, err := parseBlock(block, len(keys) == 0)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", len(keys)+1, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no PEM key in the file")
	}
	return NewKeySet(keys[0], keys[1:]...), nil
}

func parseBlock(block *pem.Block, signer bool) (*Key, error) {
	if block.Type == "PUBLIC KEY" && !signer {
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("the key is not Ed25519")
		}
		sum := sha256.Sum256(pub)
		return &Key{ID: base64.RawURLEncoding.EncodeToString(sum[:12]), Public: pub}, nil
	}
	return ParsePrivateKeyPEM(pem.EncodeToMemory(block))
}

// EncodePrivateKeyPEM is the PKCS#8 PEM form of k's private key (for key files and tests).
func EncodePrivateKeyPEM(k *Key) []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(k.Private)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// ParsePrivateKeyPEM parses a PKCS#8 Ed25519 private key.
func ParsePrivateKeyPEM(b []byte) (*Key, error) {
	block, _ := pem.Decode(b)
	if block == nil || !strings.Contains(block.Type, "PRIVATE KEY") {
		return nil, fmt.Errorf("not a PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is not Ed25519")
	}
	return NewKey(priv), nil
}

// JWK is one public key as published at /.well-known/jwks.json.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
} // @name JWK

// JWKS returns the public keys.
func (ks *KeySet) JWKS() []JWK {
	var out []JWK
	for _, k := range ks.Keys() {
		out = append(out, JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.Public), Kid: k.ID, Use: "sig", Alg: "EdDSA"})
	}
	return out
}
