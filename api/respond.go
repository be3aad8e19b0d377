package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/idempotency"
	"constellate/internal/ids"
)

// reply is a successful response a handler wants to send.
type reply struct {
	status   int
	body     any
	location string // Location header for 201
	version  int64  // > 0: sent as the ETag
}

// ok is a 200 reply.
func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

// okVersioned is a 200 reply for a mutable resource with its ETag.
func okVersioned(body any, version int64) reply {
	return reply{status: http.StatusOK, body: body, version: version}
}

// created is a 201 reply with Location.
func created(location string, body any, version int64) reply {
	return reply{status: http.StatusCreated, body: body, location: location, version: version}
}

// respond runs a use case and writes its reply. A POST with an Idempotency-Key runs the use
// case and the record of its response in one transaction (internal/idempotency), and a
// retry replays the stored response. Nothing is written to the client before the commit.
func (s *Server) respond(c echo.Context, fn func(ctx context.Context) (reply, error)) error {
	req := c.Request()
	key := req.Header.Get("Idempotency-Key")
	if key == "" || req.Method != http.MethodPost || s.Keys == nil {
		r, err := fn(req.Context())
		if err != nil {
			return err
		}
		return writeReply(c, r)
	}
	if err := idempotency.CheckKey(key); err != nil {
		return err
	}
	body, err := requestBody(c)
	if err != nil {
		return err
	}
	actor := auth.ActorFrom(req.Context())
	scope := "user:" + actor.UserID
	if actor.Anonymous() {
		scope = "ip:" + c.RealIP()
	}
	fp := idempotency.Fingerprint(req.Method, req.URL.Path, body)
	resp, replayed, err := s.Keys.Do(req.Context(), scope, key, fp, func(ctx context.Context) (idempotency.Response, error) {
		r, err := fn(ctx)
		if err != nil {
			return idempotency.Response{}, err
		}
		b, err := json.Marshal(r.body)
		if err != nil {
			return idempotency.Response{}, errs.Wrap(err, "encode response")
		}
		return idempotency.Response{Status: r.status, ContentType: echo.MIMEApplicationJSON, Location: r.location, ETag: etag(r.version), Body: b}, nil
	})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	if resp.Location != "" {
		h.Set(echo.HeaderLocation, resp.Location)
	}
	if resp.ETag != "" {
		h.Set("ETag", resp.ETag)
	}
	if replayed {
		h.Set("Idempotent-Replayed", "true")
	}
	return c.Blob(resp.Status, resp.ContentType, resp.Body)
}

func writeReply(c echo.Context, r reply) error {
	h := c.Response().Header()
	if r.location != "" {
		h.Set(echo.HeaderLocation, r.location)
	}
	if r.version > 0 {
		h.Set("ETag", etag(r.version))
	}
	if r.body == nil {
		return c.NoContent(r.status)
	}
	return c.JSON(r.status, r.body)
}

// etag is the strong entity tag of a resource version.
func etag(version int64) string {
	if version <= 0 {
		return ""
	}
	return `"` + strconv.FormatInt(version, 10) + `"`
}

// ifMatch reads If-Match: nil when absent or "*", else the version the client last saw.
// A value that is not one of our strong tags can never match: 412.
func ifMatch(c echo.Context) (*int64, error) {
	v := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if v == "" || v == "*" {
		return nil, nil
	}
	// If-Match compares strongly (RFC 9110 §13.1.1): a weak tag never matches, and ours are
	// all strong, so W/"3" is stale by definition.
	n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
	if err != nil || n <= 0 || !strings.HasPrefix(v, `"`) || !strings.HasSuffix(v, `"`) {
		return nil, errs.E(errs.PreconditionFailed, "If-Match does not match the current version of this resource")
	}
	return &n, nil
}

// pathID reads a UUID path parameter, refusing anything else with 400 naming it.
func pathID(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if !ids.Valid(v) {
		return "", &errs.Error{Code: errs.Malformed, Message: name + " in the path must be a UUID",
			Fields: []errs.FieldError{{Field: name, Message: "must be a UUID"}}}
	}
	return strings.ToLower(v), nil
}
