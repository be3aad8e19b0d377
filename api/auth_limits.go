package api

import (
	"errors"

	"github.com/labstack/echo/v4"

	"constellate/internal/errs"
	"constellate/internal/identity"
)

// rateLimit counts one attempt at an identity endpoint by the caller's IP. c.RealIP() is the
// connection's address unless CONSTELLATE_TRUSTED_PROXIES names the proxy in front, so a
// client cannot pick its own key with X-Forwarded-For.
func (s *Server) rateLimit(c echo.Context, l identity.Limit) error {
	return withRetryAfter(c, s.Identity.Allow(l, c.RealIP()))
}

// withRetryAfter sets Retry-After when err is a rate-limit refusal that says how long to wait.
func withRetryAfter(c echo.Context, err error) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Code == errs.RateLimited && e.Meta[identity.RetryAfterKey] != "" {
		c.Response().Header().Set("Retry-After", e.Meta[identity.RetryAfterKey])
	}
	return err
}
