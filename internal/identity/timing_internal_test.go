package identity

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"constellate/internal/auth"
	"constellate/internal/errs"
)

// TestDummyHashCostsWhatARealOneDoes: login checks an unknown email's password against
// dummyHashForTiming so that "no such account" takes as long as "wrong password". That
// only holds while the dummy is a well-formed hash with today's parameters: a malformed
// one fails fast, and one with other costs takes another time (account enumeration).
func TestDummyHashCostsWhatARealOneDoes(t *testing.T) {
	p, _, _, err := argon2id.DecodeHash(dummyHashForTiming)
	if err != nil {
		t.Fatalf("the dummy hash does not decode, so it is checked in no time: %v", err)
	}
	want := auth.PasswordParams
	if p.Memory != want.Memory || p.Iterations != want.Iterations || p.Parallelism != want.Parallelism || p.KeyLength != want.KeyLength {
		t.Fatalf("dummy hash parameters %+v differ from PasswordParams %+v: regenerate it", p, want)
	}
	match, _, err := auth.CheckPassword(context.Background(), "any password at all", dummyHashForTiming)
	if err != nil || match {
		t.Fatalf("CheckPassword(dummy) = %v, %v", match, err)
	}
}

// TestLoginDoesNotKeepHugeEmails: the per-account failure limiter keeps each email it
// counts (up to 100,000 of them); an email no account can have (over 254 bytes, up to the
// 1 MiB body limit) must not be kept, or a spray of them would hold gigabytes.
func TestLoginDoesNotKeepHugeEmails(t *testing.T) {
	s := NewService(nil, nil, nil, nil, time.Now)
	for i := 0; i < 3; i++ {
		_, err := s.Login(context.Background(), strings.Repeat("a", 100_000)+strconv.Itoa(i)+"@example.org", "any password at all")
		if errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("err = %v, want unauthenticated", err)
		}
	}
	if n := s.limits[limitAccountFailures].Len(); n != 0 {
		t.Fatalf("the limiter keeps %d huge emails", n)
	}
}
