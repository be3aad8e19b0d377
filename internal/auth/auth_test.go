package auth_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"constellate/internal/auth"
)

func key(t testing.TB) *auth.Key {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return auth.NewKey(priv)
}

func TestLimiterSlidingWindow(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	l := auth.NewLimiter(3, time.Minute, clock)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("attempt %d refused", i)
		}
		advance(10 * time.Second)
	}
	ok, wait := l.Allow("k")
	if ok || wait != 30*time.Second {
		t.Fatalf("4th: ok=%v wait=%v, want refused, 30s (the first attempt ages out at 60s)", ok, wait)
	}
	if ok, _ := l.Allow("other"); !ok {
		t.Fatal("keys are independent")
	}
	advance(31 * time.Second)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("the window slid; one attempt should be free")
	}
	if ok, _ := l.Check("k"); ok {
		t.Fatal("Check: the window is full again")
	}
	l.Reset("k")
	if ok, _ := l.Check("k"); !ok {
		t.Fatal("Reset did not clear")
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := auth.NewLimiter(5, time.Minute, func() time.Time { return now })
	l.MaxKeys = 100
	for i := 0; i < 1000; i++ {
		l.Allow(strings.Repeat("k", i%7) + string(rune(i)))
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("%d keys tracked, bound is 100", n)
	}
}

func TestSecrets(t *testing.T) {
	a, b := auth.NewSecret("rt_"), auth.NewSecret("rt_")
	if a == b || !strings.HasPrefix(a, "rt_") || len(a) != 3+43 {
		t.Fatalf("secrets %q %q", a, b)
	}
	h := auth.HashSecret(a)
	if h == a || len(h) != 64 || !auth.SecretMatches(a, h) || auth.SecretMatches(b, h) {
		t.Fatal("hash/compare")
	}
}

func TestLoadKeySet(t *testing.T) {
	dir := t.TempDir()
	// Missing file with create: one key, generated and kept (0600).
	p := filepath.Join(dir, "gen.pem")
	ks, err := auth.LoadKeySet(p, true)
	if err != nil || len(ks.Keys()) != 1 {
		t.Fatalf("generate: %v", err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	again, _ := auth.LoadKeySet(p, true)
	if again.Signer().ID != ks.Signer().ID {
		t.Fatal("the generated key was not kept")
	}
	if _, err := auth.LoadKeySet(filepath.Join(dir, "missing.pem"), false); err == nil {
		t.Fatal("a missing file without create must fail")
	}
	// Signer, a verify-only private key, a verify-only public key.
	k1, k2, k3 := key(t), key(t), key(t)
	der, _ := x509.MarshalPKIXPublicKey(k3.Public)
	file := append(append(auth.EncodePrivateKeyPEM(k1), auth.EncodePrivateKeyPEM(k2)...), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})...)
	p = filepath.Join(dir, "rot.pem")
	_ = os.WriteFile(p, file, 0o600)
	ks, err = auth.LoadKeySet(p, false)
	if err != nil {
		t.Fatal(err)
	}
	keys := ks.Keys()
	if len(keys) != 3 || keys[0].ID != k1.ID || keys[1].ID != k2.ID || keys[2].ID != k3.ID || ks.Signer().ID != k1.ID || len(ks.JWKS()) != 3 {
		t.Fatalf("keys %+v", keys)
	}
	// A public key cannot sign.
	pub := filepath.Join(dir, "pub.pem")
	_ = os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600)
	if _, err := auth.LoadKeySet(pub, false); err == nil {
		t.Fatal("a public key as signer must fail")
	}
	_ = os.WriteFile(pub, []byte("not pem"), 0o600)
	if _, err := auth.LoadKeySet(pub, false); err == nil {
		t.Fatal("garbage must fail")
	}
}

func TestVerifyPinsAudiencePerKind(t *testing.T) {
	now := time.Now()
	tk := auth.NewTokens(auth.NewKeySet(key(t)), "iss", "api", 15*time.Minute, func() time.Time { return now }, func() string { return "jti" })
	user, _ := tk.Issue("u1", auth.RoleApplicant, 3, false, "")
	machine, _ := tk.Issue("c1", auth.RoleFinance, 0, true, "")
	if c, err := tk.Verify(user); err != nil || c.Client || c.TokenVersion != 3 {
		t.Fatalf("user: %+v %v", c, err)
	}
	if c, err := tk.Verify(machine); err != nil || !c.Client || c.Audience[0] != "api#machine" {
		t.Fatalf("machine: %+v %v", c, err)
	}
	forged, _ := tk.Issue("c1", auth.RoleFinance, 0, true, "api") // a client claim in the users' audience
	if _, err := tk.Verify(forged); err == nil {
		t.Fatal("a client token with the users' audience verified")
	}
	// Header-of-dots tokens (CVE-2025-30204) are refused; how fast is measured by
	// BenchmarkVerifyDots, not asserted here.
	if _, err := tk.Verify("Bearer " + strings.Repeat(".", 100_000)); err == nil {
		t.Fatal("100k dots verified")
	}
	if _, err := tk.Verify(strings.Repeat(".", auth.MaxTokenLength)); err == nil {
		t.Fatalf("%d dots verified", auth.MaxTokenLength)
	}
}

// BenchmarkVerifyDots is the cost of refusing a header-of-dots token (CVE-2025-30204): one
// over the length limit (refused before parsing) and one at the limit.
func BenchmarkVerifyDots(b *testing.B) {
	tk := auth.NewTokens(auth.NewKeySet(key(b)), "iss", "api", 15*time.Minute, time.Now, func() string { return "jti" })
	for _, n := range []int{100_000, auth.MaxTokenLength} {
		token := strings.Repeat(".", n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := tk.Verify(token); err == nil {
					b.Fatal("verified")
				}
			}
		})
	}
}

// BenchmarkCheckPassword is the cost of one login's argon2id check (m=19 MiB, t=2, p=1).
func BenchmarkCheckPassword(b *testing.B) {
	ctx := context.Background()
	h, err := auth.HashPassword(ctx, "a benchmark passphrase")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, _ := auth.CheckPassword(ctx, "a benchmark passphrase", h); !ok {
			b.Fatal("no match")
		}
	}
}
