package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/config"
	"constellate/internal/idempotency"
	"constellate/internal/store"
)

// MaxBodyBytes is the largest request body accepted (SPEC §2).
const MaxBodyBytes = 1 << 20

// Authenticator turns a bearer token into an Actor. The identity capability provides it.
type Authenticator interface {
	Authenticate(ctx context.Context, bearerToken string) (auth.Actor, error)
}

// Deps is everything the HTTP layer needs. Services are added here as capabilities land.
type Deps struct {
	Config  config.Config
	DB      *store.DB
	Log     *slog.Logger
	Now     func() time.Time
	Version string

	Auth  Authenticator // nil: every bearer token is refused
	Audit *audit.Log
	Keys  *idempotency.Keys
	// Services holds the capabilities' services (identity, rounds, applications …).
	Services
}

// Server is the HTTP API.
type Server struct {
	Deps
	e        *echo.Echo
	log      *slog.Logger
	metrics  *metrics
	draining atomic.Bool
	// skipDrain cuts the drain delay short (nil: never).
	skipDrain <-chan struct{}
	table     []route
}

// New builds the server: middleware, the route table, the error handler.
func New(d Deps) *Server {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{Deps: d, log: d.Log, e: echo.New()}
	e := s.e
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = ipExtractor(d.Config.TrustedProxies)
	s.metrics = newMetrics(d.DB)

	if d.Identity != nil {
		d.Identity.SetRates(identityRates(d.Config.RateLimits)) // CONSTELLATE_RATE_LIMITS
	}

	e.Pre(headAsGet) // first: it changes the method Echo routes on
	e.Pre(s.requestIDMiddleware)
	e.Use(s.observeMiddleware)
	e.Use(s.recoverMiddleware)
	e.Use(secureHeaders)
	if len(d.Config.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  d.Config.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, "If-Match", "Idempotency-Key", echo.HeaderXRequestID},
			ExposeHeaders: []string{"ETag", "Location", echo.HeaderXRequestID, "Retry-After"},
			MaxAge:        600,
		}))
	}
	e.Use(limitBody)
	e.Use(checkQuery)
	timeout := d.Config.RequestTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: timeout}))
	e.Use(s.authenticate)

	s.table = s.routes()
	for _, r := range s.table {
		e.Add(r.Method, r.Path, r.Handler, s.guard(r.Access))
	}
	return s
}

// Handler is the server as an http.Handler (tests drive it through httptest).
func (s *Server) Handler() http.Handler { return s.e }

// Routes lists the route table (for the default-deny and contract tests).
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.table))
	for i, r := range s.table {
		out[i] = RouteInfo{Method: r.Method, Path: r.Path, Access: r.Access.String(), InContract: !r.NotInContract}
	}
	return out
}

// EchoRoutes lists what Echo actually registered.
func (s *Server) EchoRoutes() []RouteInfo {
	var out []RouteInfo
	for _, r := range s.e.Routes() {
		out = append(out, RouteInfo{Method: r.Method, Path: r.Path})
	}
	return out
}

// StartDraining turns readiness to 503 so load balancers stop sending new requests. Serve
// calls it when its context ends; it is exported for tests and for an orderly hand-over.
func (s *Server) StartDraining() { s.draining.Store(true) }

// RouteInfo describes one route.
type RouteInfo struct {
	Method, Path, Access string
	InContract           bool
}

// SkipDrain, when closed, cuts the drain delay short (a second Ctrl-C at a terminal).
func (s *Server) SkipDrain(c <-chan struct{}) { s.skipDrain = c }

// Serve listens on addr until ctx is cancelled, then shuts down gracefully: readiness turns
// 503 while the server keeps accepting and serving for the drain delay (so a load balancer
// polling /readyz sees the 503 and stops sending before anything is refused), then the
// listener closes and in-flight requests finish (up to the shutdown timeout); the caller
// closes the pool afterwards.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.e,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.StartDraining()
	if d := s.Config.DrainDelay; d > 0 {
		s.log.Info("draining: readiness answers 503, still serving", slog.Duration("drain_delay", d))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-s.skipDrain:
			t.Stop()
		case err := <-errc:
			return err
		}
	}
	grace := s.Config.ShutdownTimeout
	if grace == 0 {
		grace = 20 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	s.log.Info("shutting down: finishing in-flight requests", slog.Duration("grace", grace))
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ipExtractor trusts X-Forwarded-For only from the configured proxy ranges; with none it
// uses the connection's address, so a client cannot choose its own IP for rate limits.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
