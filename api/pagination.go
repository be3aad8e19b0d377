package api

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"constellate/internal/errs"
	"constellate/internal/ids"
	"constellate/internal/page"
)

// pageParams reads ?limit= (1–200, default 50) and the opaque ?cursor=.
func pageParams(c echo.Context) (page.Params, error) {
	var p page.Params
	var f errs.Fields
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > page.MaxLimit {
			f.Add("limit", "must be a whole number from 1 to %d", page.MaxLimit)
		}
		p.Limit = n
	}
	if v := c.QueryParam("cursor"); v != "" {
		after, ok := decodeCursor(v)
		if !ok {
			f.Add("cursor", "is not a cursor this API gave out; start again without it")
		}
		p.After = after
	}
	return p, f.Err(errs.Malformed, "the list parameters are not valid")
}

// Cursors are opaque to clients: a version tag and the key to continue after.
const cursorPrefix = "c1:"

func encodeCursor(after string) *string {
	if after == "" {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + after))
	return &s
}

func decodeCursor(s string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return "", false
	}
	after := strings.TrimPrefix(string(b), cursorPrefix)
	return after, ids.Valid(after)
}
