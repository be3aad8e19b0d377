package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestIDMiddleware takes a sane X-Request-ID from the client or makes one, echoes it,
// and puts it in the context so logs and audit events name the request.
func (s *Server) requestIDMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !validRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set("request_id", id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		ctx := audit.WithRequestID(c.Request().Context(), id)
		c.Set(clientContextKey, ctx) // before any timeout middleware wraps it: see clientGone
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

func requestID(c echo.Context) string {
	id, _ := c.Get("request_id").(string)
	return id
}

// headAsGet answers HEAD wherever GET is answered (RFC 9110 §9.3.2), so the route table
// stays the one list of routes. It must be the first Pre middleware: Echo routes on the
// request the server handed it, so that request becomes a GET, and everything after —
// routing, handlers, the error handler — answers a GET. The response writer discards the
// body and sends the GET's status and headers, with the Content-Length the GET's body has
// (unless the handler flushed early), as RFC 9110 allows; before it writes them the
// server's request is a HEAD again, so net/http sends no body either. The logs and
// metrics say HEAD.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodHead {
			return next(c)
		}
		req.Method = http.MethodGet
		c.Set(headRequestKey, true)
		w := &headWriter{ResponseWriter: c.Response().Writer, req: req}
		c.Response().Writer = w
		err := next(c)
		if err != nil {
			c.Error(err) // through the headWriter too
		}
		w.finish()
		return nil
	}
}

const headRequestKey = "head_request"

// method is the request's method as the client sent it (HEAD answered as a GET included).
func method(c echo.Context) string {
	if head, _ := c.Get(headRequestKey).(bool); head {
		return http.MethodHead
	}
	return c.Request().Method
}

// headWriter holds back the status line until the handler has finished, counting the body
// it discards, so it can send the Content-Length a GET would have had.
type headWriter struct {
	http.ResponseWriter
	req     *http.Request // the server's own request, made a HEAD again before the headers go
	status  int
	n       int64
	flushed bool
}

func (w *headWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *headWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += int64(len(p))
	return len(p), nil
}

// Flush sends the headers now (without Content-Length): a streaming handler flushes.
func (w *headWriter) Flush() {
	if !w.flushed {
		w.flushed = true
		w.req.Method = http.MethodHead
		w.ResponseWriter.WriteHeader(w.statusOr200())
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *headWriter) statusOr200() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

func (w *headWriter) finish() {
	w.req.Method = http.MethodHead
	if w.flushed {
		return
	}
	h := w.ResponseWriter.Header()
	if h.Get("Content-Length") == "" && h.Get("Transfer-Encoding") == "" && w.n > 0 {
		h.Set("Content-Length", strconv.FormatInt(w.n, 10))
	}
	w.ResponseWriter.WriteHeader(w.statusOr200())
}

// recoverMiddleware turns a panic into a logged bare 500 problem.
func (s *Server) recoverMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", slog.String("request_id", requestID(c)), slog.String("panic", fmt.Sprint(r)),
					slog.String("stack", string(debug.Stack())))
				err = errs.E(errs.Internal, "panic")
			}
		}()
		return next(c)
	}
}

// observeMiddleware counts and times requests by route template and writes the access log:
// method, route, status, duration, request id — never bodies, tokens or query strings.
func (s *Server) observeMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || c.Response().Status == http.StatusNotFound && route == "/*" {
			route = "unmatched"
		}
		status := c.Response().Status
		d := time.Since(start)
		s.metrics.observe(route, method(c), status, d)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("request_id", requestID(c)),
			slog.String("method", method(c)),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int64("bytes", c.Response().Size),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			slog.String("ip", c.RealIP()),
			slog.String("actor", auth.ActorFrom(c.Request().Context()).UserID),
		)
		return nil
	}
}

// secureHeaders sets the headers every response carries. API responses are never cached:
// they may hold personal data.
func secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		if strings.HasPrefix(c.Request().URL.Path, "/docs") {
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'")
		} else {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// limitBody refuses bodies over MaxBodyBytes: at once when Content-Length says so, and when
// reading a chunked body crosses the limit (http.MaxBytesReader, whatever reads it).
// Oversized headers are refused the same way, below the server's hard limit.
func limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if headerBytes(req) > 16<<10 {
			return echo.NewHTTPError(http.StatusRequestHeaderFieldsTooLarge)
		}
		if req.ContentLength > MaxBodyBytes {
			return errs.E(errs.TooLarge, "the request body is larger than 1 MiB")
		}
		if req.Body != nil {
			req.Body = http.MaxBytesReader(c.Response(), req.Body, MaxBodyBytes)
		}
		return next(c)
	}
}

func headerBytes(r *http.Request) int {
	n := 0
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// authenticate reads a bearer token when one is sent and puts the Actor in the context. No
// header leaves the caller anonymous (the route guard decides); a bad one is refused.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			return next(c)
		}
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return errs.E(errs.Unauthenticated, "send an access token as: Authorization: Bearer <token>")
		}
		if s.Auth == nil {
			return errs.E(errs.Unauthenticated, "the access token is not valid")
		}
		actor, err := s.Auth.Authenticate(c.Request().Context(), token)
		if err != nil {
			if errs.CodeOf(err) == errs.Unavailable || errs.CodeOf(err) == errs.Internal {
				return err
			}
			return errs.E(errs.Unauthenticated, "the access token is not valid")
		}
		c.SetRequest(c.Request().WithContext(auth.WithActor(c.Request().Context(), actor)))
		return next(c)
	}
}

// guard enforces a route's access policy (the role check only: object-level rules are the
// services' job), then the media type of any body the request carries.
func (s *Server) guard(a access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := a.allow(auth.ActorFrom(c.Request().Context())); err != nil {
				return err
			}
			if err := checkBodyType(c); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// formRoutes may take application/x-www-form-urlencoded bodies as well as JSON (the OAuth
// client-credentials grant).
var formRoutes = map[string]bool{tokenPath: true}

// checkBodyType refuses (415) a write that carries a body in any media type but
// application/json — on every route, including actions and deletes that read no body, so
// nothing a route ignores can arrive in another format. An empty body needs no type.
// A body of unknown length (chunked) is peeked at to see whether there is one.
func checkBodyType(c echo.Context) error {
	req := c.Request()
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return nil
	}
	if !hasBody(req) {
		return nil
	}
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err == nil && (mt == echo.MIMEApplicationJSON || mt == echo.MIMEApplicationForm && formRoutes[c.Path()]) {
		return nil
	}
	return errs.E(errs.UnsupportedMediaType, "send the body as application/json")
}

// hasBody reports whether req carries at least one byte of body. With an unknown length it
// reads one byte and puts it back.
func hasBody(req *http.Request) bool {
	switch {
	case req.Body == nil || req.Body == http.NoBody || req.ContentLength == 0:
		return false
	case req.ContentLength > 0:
		return true
	}
	var b [1]byte
	n, err := io.ReadFull(req.Body, b[:])
	if n == 0 && err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			req.ContentLength = 0
			return false
		}
		return true // a read error: let the handler's read report it
	}
	req.Body = readCloser{io.MultiReader(bytes.NewReader(b[:n]), req.Body), req.Body}
	return true
}

type readCloser struct {
	io.Reader
	io.Closer
}

// checkQuery refuses (400, naming the parameter) a query string holding NUL or bytes that
// are not UTF-8: no parameter we read means either, and Postgres refuses both in text. It
// also refuses any query parameter on a write (POST, PUT, PATCH, DELETE): a write takes its
// fields from the path and the JSON body only, so ?status=approved on a PATCH is refused,
// naming it, rather than ignored while the rest of the request goes through (issue 13).
func checkQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().URL.RawQuery == "" {
			return next(c)
		}
		switch c.Request().Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			names := make([]string, 0, len(c.QueryParams()))
			for k := range c.QueryParams() {
				names = append(names, strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?"))
			}
			sort.Strings(names)
			if len(names) > 0 {
				name := names[0]
				if len(name) > 40 {
					name = name[:40]
				}
				return &errs.Error{Code: errs.Malformed, Message: "a write takes no query parameters: send its fields in the JSON body",
					Fields: []errs.FieldError{{Field: name, Message: "is not a parameter of this request (server-set fields cannot be set)"}}}
			}
		}
		for k, vs := range c.QueryParams() {
			bad := !isText(k)
			for _, v := range vs {
				bad = bad || !isText(v)
			}
			if bad {
				name := strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "?")
				if len(name) > 40 {
					name = name[:40]
				}
				return &errs.Error{Code: errs.Malformed, Message: "the query string is not valid",
					Fields: []errs.FieldError{{Field: name, Message: "must be UTF-8 text without NUL characters"}}}
			}
		}
		return next(c)
	}
}

// isText reports whether s is UTF-8 without NUL.
func isText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// retryAfter sets Retry-After in whole seconds (at least 1).
func retryAfter(c echo.Context, d time.Duration) {
	secs := int(d.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
}
