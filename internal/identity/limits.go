package identity

import (
	"strconv"
	"time"

	"constellate/internal/auth"
	"constellate/internal/errs"
)

// Limit names a rate limit on an identity endpoint.
type Limit string

// The limits. Per-IP limits count every attempt; the account limit counts failed passwords.
const (
	LimitLogin           Limit = "login"            // 10 per minute per IP
	LimitRegister        Limit = "register"         // 20 per hour per IP
	LimitRefresh         Limit = "refresh"          // 60 per minute per IP
	LimitClientToken     Limit = "client_token"     // 30 per minute per IP
	LimitAcceptInvite    Limit = "accept_invite"    // 10 per minute per IP
	limitAccountFailures Limit = "account_failures" // 5 failed passwords per 15 minutes per email
)

// limits are in-process sliding windows (auth.Limiter): right for one replica. Several
// replicas each count on their own, so a larger deployment needs a shared store.
type limits map[Limit]*auth.Limiter

func newLimits(now func() time.Time) limits {
	return limits{
		LimitLogin:           auth.NewLimiter(10, time.Minute, now),
		LimitRegister:        auth.NewLimiter(20, time.Hour, now),
		LimitRefresh:         auth.NewLimiter(60, time.Minute, now),
		LimitClientToken:     auth.NewLimiter(30, time.Minute, now),
		LimitAcceptInvite:    auth.NewLimiter(10, time.Minute, now),
		limitAccountFailures: auth.NewLimiter(5, 15*time.Minute, now),
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

// Allow counts one attempt at an endpoint by key (the client's IP) and refuses with
// errs.RateLimited (Meta retry_after) past the limit.
func (s *Service) Allow(l Limit, key string) error {
	lim, ok := s.limits[l]
	if !ok {
		return errs.E(errs.Internal, "unknown rate limit")
	}
	if ok, wait := lim.Allow(key); !ok {
		return rateLimited(wait)
	}
	return nil
}

func (ls limits) check(l Limit, key string) error {
	if ok, wait := ls[l].Check(key); !ok {
		return rateLimited(wait)
	}
	return nil
}

func (ls limits) record(l Limit, key string) { ls[l].Allow(key) }

func (ls limits) reset(l Limit, key string) { ls[l].Reset(key) }
