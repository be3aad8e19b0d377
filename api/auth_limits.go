package api

import (
	"context"
	"errors"
	"net/netip"

	"github.com/labstack/echo/v4"

	"constellate/internal/config"
	"constellate/internal/errs"
	"constellate/internal/identity"
)

// rateLimit counts one attempt at an identity endpoint by the caller's IP. c.RealIP() is the
// connection's address unless CONSTELLATE_TRUSTED_PROXIES names the proxy in front, so a
// client cannot pick its own key with X-Forwarded-For.
func (s *Server) rateLimit(c echo.Context, l identity.Limit) error {
	return withRetryAfter(c, s.Identity.Allow(c.Request().Context(), l, limitKey(c.RealIP())))
}

// withClient is the request's context carrying the client's rate-limit key, by which the
// identity service counts failed logins and wrong current passwords.
func withClient(c echo.Context) context.Context {
	return identity.WithClient(c.Request().Context(), limitKey(c.RealIP()))
}

// identityRates turns CONSTELLATE_RATE_LIMITS (by name) into the identity service's rates.
func identityRates(in map[string]config.RateLimit) map[identity.Limit]identity.Rate {
	out := make(map[identity.Limit]identity.Rate, len(in))
	for name, r := range in {
		out[identity.Limit(name)] = identity.Rate{Max: r.Max, Window: r.Window}
	}
	return out
}

// limitKey is the rate-limit key of a client address: an IPv4 address as is, an IPv6 address
// by its /64 (one subscriber usually holds a whole /64 and could otherwise use a new address
// for every request). IPv4-mapped IPv6 addresses count as IPv4.
func limitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// withRetryAfter sets Retry-After when err is a rate-limit refusal that says how long to wait.
func withRetryAfter(c echo.Context, err error) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Code == errs.RateLimited && e.Meta[identity.RetryAfterKey] != "" {
		c.Response().Header().Set("Retry-After", e.Meta[identity.RetryAfterKey])
	}
	return err
}
