// Package errs is Constellate's one error type. Domain code returns *Error values with a
// Code; the HTTP layer (api/errors.go) is the only place that turns a Code into a status.
// Anything that is not an *Error is treated as internal and never shown to a client.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error by what the caller can do about it.
type Code string

// The codes. Their HTTP statuses live in api/errors.go.
const (
	Malformed            Code = "malformed"              // 400: unreadable request (bad JSON, unknown field, bad id)
	Invalid              Code = "invalid"                // 422: well-formed values that break rules
	Unauthenticated      Code = "unauthenticated"        // 401
	Forbidden            Code = "forbidden"              // 403: visible, but the caller may not do this
	NotFound             Code = "not_found"              // 404: missing or invisible to the caller
	Conflict             Code = "conflict"               // 409: state conflict
	PreconditionFailed   Code = "precondition_failed"    // 412: stale If-Match
	TooLarge             Code = "too_large"              // 413
	UnsupportedMediaType Code = "unsupported_media_type" // 415
	RateLimited          Code = "rate_limited"           // 429
	Unavailable          Code = "unavailable"            // 503: a dependency is down; try again
	Internal             Code = "internal"               // 500: a bug or an unexpected failure
)

// FieldError names one field (a dotted path such as "answers.q3") and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
} // @name FieldError

// Error is the error type every layer understands.
type Error struct {
	Code    Code
	Message string            // safe to show to the client
	Fields  []FieldError      // for Malformed and Invalid: every problem at once
	Meta    map[string]string // extra members for the problem document, e.g. existing_id
	Err     error             // the cause, logged but never shown

	// sentinel is the package-level error this one was made from (Withf, WithFields,
	// WithMeta), nil when it is one itself: errors.Is matches on it, not on the message.
	sentinel *Error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes a sentinel match the errors made from it, by code and by the sentinel's
// identity: errors.Is(err, round.ErrClosed) holds for a copy with a specific message,
// fields or meta, and never for another package's sentinel that happens to share a message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.origin() == e.origin()
}

// origin is the sentinel e was made from, or e itself.
func (e *Error) origin() *Error {
	if e.sentinel != nil {
		return e.sentinel
	}
	return e
}

// derive returns a copy of e that still matches e with errors.Is.
func (e *Error) derive() *Error {
	c := *e
	c.sentinel = e.origin()
	return &c
}

// Withf returns a copy of the sentinel e with a specific message (saying when, or which),
// still matched by errors.Is(err, e).
func (e *Error) Withf(format string, args ...any) *Error {
	c := e.derive()
	c.Message = fmt.Sprintf(format, args...)
	return c
}

// WithFields returns a copy of the sentinel e listing field problems, still matched by
// errors.Is(err, e).
func (e *Error) WithFields(fields []FieldError) *Error {
	c := e.derive()
	c.Fields = append([]FieldError(nil), fields...)
	return c
}

// E builds an error with a code and a client-safe message.
func E(code Code, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg}
}

// Wrap marks an unexpected failure as internal, keeping the cause for the log.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Message: what, Err: err}
}

// CodeOf returns the code of err; anything foreign is Internal and nil is "".
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// WithMeta returns a copy of e with one extra problem member.
func (e *Error) WithMeta(key, value string) *Error {
	c := e.derive()
	c.Meta = make(map[string]string, len(e.Meta)+1)
	for k, v := range e.Meta {
		c.Meta[k] = v
	}
	c.Meta[key] = value
	return c
}

// Fields collects field problems so a validator can report every one at once.
type Fields []FieldError

// Add records a problem with field.
func (f *Fields) Add(field, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	*f = append(*f, FieldError{Field: field, Message: msg})
}

// Err returns nil when no problem was recorded, otherwise an error with code (Invalid or
// Malformed) listing them all.
func (f Fields) Err(code Code, message string) error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: code, Message: message, Fields: append([]FieldError(nil), f...)}
}
