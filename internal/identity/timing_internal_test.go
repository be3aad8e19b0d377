package identity

import (
	"context"
	"math"
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

// TestLoginDoesNotKeepHugeEmails: an email no account can have (over 254 bytes, up to the
// 1 MiB body limit) is refused at once: it is neither looked up nor counted (the service
// here has no store at all, so touching one would panic).
func TestLoginDoesNotKeepHugeEmails(t *testing.T) {
	s := NewService(nil, nil, nil, nil, time.Now)
	ctx := WithClient(context.Background(), "192.0.2.1")
	for i := 0; i < 3; i++ {
		_, err := s.Login(ctx, strings.Repeat("a", 100_000)+strconv.Itoa(i)+"@example.org", "any password at all")
		if errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("err = %v, want unauthenticated", err)
		}
	}
}

// TestSlidingWindowEstimate: the estimate weights the previous window by how much of it the
// sliding window still covers, and Retry-After is when one more event fits.
func TestSlidingWindowEstimate(t *testing.T) {
	w := 10 * time.Minute
	r := Rate{Max: 5, Window: w}
	cases := []struct {
		prev, cur int64
		elapsed   time.Duration
		est       float64
		retry     time.Duration
	}{
		// Five this window, at its start: the next fits when this one's weight has faded
		// to four, a fifth into the next window.
		{prev: 0, cur: 5, elapsed: 0, est: 5, retry: w + w/5},
		// Five last window, none yet this one, halfway: 2.5 — there is room.
		{prev: 5, cur: 0, elapsed: w / 2, est: 2.5},
		// Five last window, two this one, a tenth in: 4.5 + 2 = 6.5; one more fits when
		// 5·(1−f) + 2 ≤ 4, at f = 0.6.
		{prev: 5, cur: 2, elapsed: w / 10, est: 6.5, retry: w*6/10 - w/10},
		// Four this window, none before, near its end: one more fits at once.
		{prev: 0, cur: 4, elapsed: 9 * time.Minute, est: 4, retry: time.Second},
	}
	for _, c := range cases {
		if got := estimate(c.prev, c.cur, c.elapsed, w); math.Abs(got-c.est) > 1e-9 {
			t.Errorf("estimate(%d, %d, %s) = %v, want %v", c.prev, c.cur, c.elapsed, got, c.est)
		}
		if c.retry == 0 {
			continue
		}
		if got := retryAfter(c.prev, c.cur, c.elapsed, r); got < c.retry-time.Millisecond || got > c.retry+time.Millisecond {
			t.Errorf("retryAfter(%d, %d, %s) = %s, want %s", c.prev, c.cur, c.elapsed, got, c.retry)
		}
		// After waiting that long, one more event fits.
		at := c.elapsed + retryAfter(c.prev, c.cur, c.elapsed, r)
		prev, cur := c.prev, c.cur
		if at >= w {
			prev, cur, at = cur, 0, at-w
		}
		if e := estimate(prev, cur+1, at, w); e > float64(r.Max)+1e-9 {
			t.Errorf("after retryAfter the estimate is %v > %d", e, r.Max)
		}
	}
}
