package secretbox

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestSealOpenRoundTrip(t *testing.T) {
	k, err := New(key(1))
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"account_number":"12345678"}`)
	id, sealed, err := k.Seal(plain, []byte("org-1"))
	if err != nil {
		t.Fatal(err)
	}
	if id != k.PrimaryID() || id != KeyID(key(1)) {
		t.Fatalf("key id %q, want the primary %q", id, k.PrimaryID())
	}
	if bytes.Contains(sealed, []byte("12345678")) {
		t.Fatal("the sealed bytes contain the plaintext")
	}
	got, err := k.Open(id, sealed, []byte("org-1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestNonceIsFreshPerSeal(t *testing.T) {
	k, _ := New(key(1))
	_, a, _ := k.Seal([]byte("same"), nil)
	_, b, _ := k.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) || bytes.Equal(a[:12], b[:12]) {
		t.Fatal("two seals of the same plaintext share a nonce")
	}
}

func TestOpenRefusesTamperingAndMoves(t *testing.T) {
	k, _ := New(key(1))
	id, sealed, _ := k.Seal([]byte("secret"), []byte("org-1"))
	if _, err := k.Open(id, sealed, []byte("org-2")); !errors.Is(err, ErrOpen) {
		t.Fatalf("other aad: %v, want ErrOpen", err)
	}
	bad := append([]byte(nil), sealed...)
	bad[len(bad)-1] ^= 1
	if _, err := k.Open(id, bad, []byte("org-1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("tampered: %v, want ErrOpen", err)
	}
	if _, err := k.Open(id, sealed[:5], []byte("org-1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("truncated: %v, want ErrOpen", err)
	}
	if _, err := k.Open("nope", sealed, []byte("org-1")); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key: %v, want ErrUnknownKey", err)
	}
}

func TestRotation(t *testing.T) {
	old, _ := New(key(1))
	id, sealed, _ := old.Seal([]byte("secret"), nil)
	rotated, err := New(key(2), key(1))
	if err != nil {
		t.Fatal(err)
	}
	if rotated.PrimaryID() == id {
		t.Fatal("the new primary key has the old key's id")
	}
	got, err := rotated.Open(id, sealed, nil)
	if err != nil || string(got) != "secret" {
		t.Fatalf("old ciphertext after rotation: %q, %v", got, err)
	}
	newID, _, _ := rotated.Seal([]byte("x"), nil)
	if newID != KeyID(key(2)) {
		t.Fatal("seals after rotation do not use the new key")
	}
	if _, err := New(key(1)[:16]); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "encryption-key")
	a, err := LoadOrCreateKeyFile(path)
	if err != nil || len(a) != KeySize {
		t.Fatalf("create: %d bytes, %v", len(a), err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	b, err := LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatal("a second load returned a different key")
	}
	_ = os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString([]byte("short"))), 0o600)
	if _, err := LoadOrCreateKeyFile(path); err == nil {
		t.Fatal("a short key file was accepted")
	}
}
