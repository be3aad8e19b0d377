package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"constellate/internal/errs"
)

// Problem is an RFC 9457 problem document, the body of every error response.
type Problem struct {
	Type      string            `json:"type" example:"https://constellate.dev/problems/invalid"`
	Title     string            `json:"title" example:"Unprocessable Content"`
	Status    int               `json:"status" example:"422"`
	Detail    string            `json:"detail" example:"the application cannot be submitted"`
	Instance  string            `json:"instance,omitempty" example:"/v1/applications/0190…/submit"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
	// ExistingID names the resource a 409 conflicts with, when there is one.
	ExistingID string `json:"existing_id,omitempty"`
	// BudgetLeft is what a round's budget has left, on a 409 for an award that would
	// overspend it (minor units).
	BudgetLeft *int64 `json:"budget_left,omitempty"`
} // @name Problem

const problemBase = "https://constellate.dev/problems/"

// statusOf is the one mapping from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Malformed:            http.StatusBadRequest,
	errs.Invalid:              http.StatusUnprocessableEntity,
	errs.Unauthenticated:      http.StatusUnauthorized,
	errs.Forbidden:            http.StatusForbidden,
	errs.NotFound:             http.StatusNotFound,
	errs.Conflict:             http.StatusConflict,
	errs.PreconditionFailed:   http.StatusPreconditionFailed,
	errs.TooLarge:             http.StatusRequestEntityTooLarge,
	errs.UnsupportedMediaType: http.StatusUnsupportedMediaType,
	errs.RateLimited:          http.StatusTooManyRequests,
	errs.Unavailable:          http.StatusServiceUnavailable,
	errs.Internal:             http.StatusInternalServerError,
}

// codeOfStatus maps Echo's own errors (unknown route, wrong method …) back to codes.
var codeOfStatus = map[int]errs.Code{
	http.StatusBadRequest:            errs.Malformed,
	http.StatusUnauthorized:          errs.Unauthenticated,
	http.StatusForbidden:             errs.Forbidden,
	http.StatusNotFound:              errs.NotFound,
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              errs.Conflict,
	http.StatusRequestEntityTooLarge: errs.TooLarge,
	http.StatusUnsupportedMediaType:  errs.UnsupportedMediaType,
	http.StatusTooManyRequests:       errs.RateLimited,
	http.StatusServiceUnavailable:    errs.Unavailable,
}

// problemFor turns any error into a status and a problem document. Internal errors say
// nothing about their cause.
func problemFor(err error) (int, Problem) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, ok := codeOfStatus[he.Code]
		if !ok {
			if he.Code < 500 {
				code = errs.Malformed
			} else {
				code = errs.Internal
			}
		}
		detail := http.StatusText(he.Code)
		if he.Code == http.StatusNotFound {
			detail = "no such resource"
		}
		if he.Code == http.StatusMethodNotAllowed {
			detail = "this resource does not support that method"
		}
		if he.Code == http.StatusRequestEntityTooLarge {
			detail = "the request body is larger than 1 MiB"
		}
		return he.Code, Problem{Type: problemBase + string(code), Title: http.StatusText(he.Code), Status: he.Code, Detail: detail}
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		e = &errs.Error{Code: errs.Internal}
	}
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	p := Problem{Type: problemBase + string(e.Code), Title: http.StatusText(status), Status: status, Detail: e.Message, Errors: e.Fields}
	if status >= 500 && e.Code != errs.Unavailable {
		p.Detail = "an unexpected error occurred; it has been logged"
		p.Errors = nil
	}
	if p.Detail == "" {
		p.Detail = http.StatusText(status)
	}
	p.ExistingID = e.Meta["existing_id"]
	if v, err := strconv.ParseInt(e.Meta["budget_left"], 10, 64); err == nil {
		p.BudgetLeft = &v
	}
	return status, p
}

// errorHandler is Echo's HTTPErrorHandler: every error leaves as problem+json.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, p := problemFor(err)
	p.Instance = c.Request().URL.Path
	p.RequestID = requestID(c)
	if status >= 500 && clientGone(c) {
		// The client hung up mid-request, so the database call under it was cancelled: not a
		// server failure, and nobody is left to read a problem. Counted and logged as 499, as
		// nginx does, with the error kept at info level in case the cancel hid something else.
		s.log.InfoContext(c.Request().Context(), "request cancelled by the client", slog.String("request_id", p.RequestID),
			slog.String("route", c.Path()), slog.String("error", err.Error()))
		c.Response().WriteHeader(StatusClientClosedRequest)
		return
	}
	if status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", slog.String("request_id", p.RequestID),
			slog.String("route", c.Path()), slog.String("error", err.Error()))
	}
	h := c.Response().Header()
	switch status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="constellate"`)
	case http.StatusServiceUnavailable:
		if h.Get("Retry-After") == "" {
			h.Set("Retry-After", "5")
		}
	}
	writeProblem(c, status, p)
}

// StatusClientClosedRequest is the status logged and counted for a request whose client went
// away before the answer (nginx's 499); it never reaches a client.
const StatusClientClosedRequest = 499

// clientContextKey holds the request's context as net/http made it, before middleware wrapped
// it: the timeout middleware cancels its own context when it returns, which is before the
// error handler runs, so only the outer one says whether the client went away.
const clientContextKey = "client_context"

// clientGone reports whether the client went away: net/http cancels the request's context when
// the client closes the connection (or resets the stream). A deadline is not the client's doing.
func clientGone(c echo.Context) bool {
	ctx, ok := c.Get(clientContextKey).(context.Context)
	return ok && errors.Is(ctx.Err(), context.Canceled)
}

func writeProblem(c echo.Context, status int, p Problem) {
	body, _ := json.Marshal(p)
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(status)
	if c.Request().Method != http.MethodHead {
		_, _ = c.Response().Write(body)
	}
}
