package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
	"time"

	"constellate/internal/errs"
)

// Limit names a rate limit on an identity endpoint.
type Limit string

// The limits. Login counts failures only, so a workshop of groups signing in from one
// venue's network is never refused for succeeding; the other endpoints count every attempt.
const (
	// LimitLogin: failed logins per client IP (any accounts). Past it, that IP's logins are
	// refused whatever the password, so guessing from one address stops.
	LimitLogin Limit = "login"
	// LimitLoginAccount: failed logins (and wrong current passwords) per account per client
	// IP. Past it, that IP may not try that account until the window passes; the account's
	// holder elsewhere is never refused for failures others caused, and the right password
	// from the same IP clears the count.
	LimitLoginAccount Limit = "login_account"
	LimitRegister     Limit = "register"      // registrations per client IP
	LimitRefresh      Limit = "refresh"       // refreshes and logouts per client IP
	LimitClientToken  Limit = "client_token"  // client-credentials grants per client IP
	LimitAcceptInvite Limit = "accept_invite" // staff invitation acceptances per client IP
)

// Rate is at most Max events per sliding Window.
type Rate struct {
	Max    int
	Window time.Duration
}

func (r Rate) String() string { return strconv.Itoa(r.Max) + "/" + shortDuration(r.Window) }

func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// DefaultRates are the limits unless configured otherwise (CONSTELLATE_RATE_LIMITS).
var DefaultRates = map[Limit]Rate{
	LimitLogin:        {Max: 100, Window: 15 * time.Minute},
	LimitLoginAccount: {Max: 5, Window: 15 * time.Minute},
	LimitRegister:     {Max: 60, Window: time.Hour},
	LimitRefresh:      {Max: 60, Window: time.Minute},
	LimitClientToken:  {Max: 30, Window: time.Minute},
	LimitAcceptInvite: {Max: 10, Window: time.Minute},
}

// RateStore keeps rate-limit counts per key in fixed windows, in the database, so every
// replica counts together. Keys are opaque hashes.
type RateStore interface {
	// AddRate adds delta (1, or -1 to give a reserved event back) to key's count in the
	// window starting at start, kept until expires, and returns the window's count after
	// the change and the count of the window before it (starting at prevStart).
	AddRate(ctx context.Context, key string, start, prevStart, expires time.Time, delta int) (cur, prev int64, err error)
	// DeleteRate forgets key's counts.
	DeleteRate(ctx context.Context, key string) error
}

// SetRates overrides some limits (the rest keep their defaults).
func (s *Service) SetRates(rates map[Limit]Rate) {
	for l, r := range rates {
		s.Policy.Rates[l] = r
	}
}

// RetryAfterKey is the errs.Error Meta key carrying the seconds to wait after a 429.
const RetryAfterKey = "retry_after"

func rateLimited(wait time.Duration) error {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	e := errs.E(errs.RateLimited, "too many attempts; try again in %d seconds", secs)
	return e.WithMeta(RetryAfterKey, strconv.Itoa(secs))
}

// clientKey is the context key of the client's rate-limit key (its IP address, or an IPv6
// address's /64).
type clientKey struct{}

// WithClient records the client's rate-limit key (the HTTP layer's: the client IP) in ctx.
// Login and ChangePassword count failures by it; without one (in-process callers: the CLI,
// the demo) nothing is counted.
func WithClient(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, clientKey{}, key)
}

func clientFrom(ctx context.Context) string {
	k, _ := ctx.Value(clientKey{}).(string)
	return k
}

// reservation is one event counted under a limit, which can be given back.
type reservation struct {
	l     Limit
	key   string
	start time.Time
	prev  time.Time
	exp   time.Time
}

// take counts one event for key under limit l, refusing (errs.RateLimited, Meta
// retry_after) when that would exceed the limit; a refused event is not counted. The count
// is added before it is compared, so concurrent attempts can never all slip under.
func (s *Service) take(ctx context.Context, l Limit, key string) (*reservation, error) {
	r, ok := s.Policy.Rates[l]
	if !ok || r.Max < 1 || r.Window <= 0 {
		return nil, errs.E(errs.Internal, "unknown rate limit %q", l)
	}
	now := s.now()
	res := &reservation{l: l, key: hashKey(l, key)}
	res.start = now.UTC().Truncate(r.Window)
	res.prev = res.start.Add(-r.Window)
	res.exp = res.start.Add(2 * r.Window)
	cur, prev, err := s.store.AddRate(ctx, res.key, res.start, res.prev, res.exp, 1)
	if err != nil {
		return nil, err
	}
	elapsed := now.Sub(res.start)
	if estimate(prev, cur, elapsed, r.Window) <= float64(r.Max) {
		return res, nil
	}
	if _, _, err := s.store.AddRate(ctx, res.key, res.start, res.prev, res.exp, -1); err != nil {
		return nil, err
	}
	return nil, rateLimited(retryAfter(prev, cur-1, elapsed, r))
}

// giveBack uncounts a reserved event (a login that succeeded is no failure). It runs on a
// context that is not cancelled with the request: a count must not stay by accident.
func (s *Service) giveBack(ctx context.Context, res *reservation) {
	if res == nil {
		return
	}
	_, _, _ = s.store.AddRate(context.WithoutCancel(ctx), res.key, res.start, res.prev, res.exp, -1)
}

// forget clears key's counts under l.
func (s *Service) forget(ctx context.Context, l Limit, key string) {
	_ = s.store.DeleteRate(context.WithoutCancel(ctx), hashKey(l, key))
}

// Allow counts one attempt at an endpoint by key (the client's IP) and refuses with
// errs.RateLimited (Meta retry_after) past the limit.
func (s *Service) Allow(ctx context.Context, l Limit, key string) error {
	_, err := s.take(ctx, l, key)
	return err
}

// hashKey is the stored key: a SHA-256, so emails and addresses are not kept in the clear
// and every key has the same small size.
func hashKey(l Limit, key string) string {
	sum := sha256.Sum256([]byte(string(l) + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// estimate is the sliding-window count: the previous fixed window's count weighted by how
// much of it the sliding window still covers, plus the current window's.
func estimate(prev, cur int64, elapsed, window time.Duration) float64 {
	f := float64(elapsed) / float64(window)
	if f > 1 {
		f = 1
	}
	return float64(prev)*(1-f) + float64(cur)
}

// retryAfter is how long until one more event fits under r, given the counts (without the
// refused event) at elapsed into the current window.
func retryAfter(prev, cur int64, elapsed time.Duration, r Rate) time.Duration {
	room := float64(r.Max - 1) // what the estimate may be before one more event is added
	w := float64(r.Window)
	if float64(cur) <= room {
		// Within this window, as the previous one's weight fades.
		if prev == 0 {
			return time.Second
		}
		f := 1 - (room-float64(cur))/float64(prev)
		if t := f*w - float64(elapsed); f < 1 {
			return time.Duration(math.Max(t, float64(time.Second)))
		}
	}
	// In the next window, as this one's weight fades.
	g := 0.0
	if cur > 0 && float64(cur) > room {
		g = 1 - room/float64(cur)
	}
	return time.Duration(w - float64(elapsed) + g*w)
}
