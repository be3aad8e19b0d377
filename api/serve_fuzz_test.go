package api_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"constellate/api"
	"constellate/internal/config"
	"constellate/internal/store/storetest"
)

var fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "BREW"}

// FuzzServeHTTP sends arbitrary requests through the whole server (api.Build, as the binary
// runs it) on each database: no panic, no 5xx, and every 4xx is a problem document (its
// status, a title and a type). FuzzWriteRoutes, FuzzAuthorizationHeader and FuzzListQueries
// (routes_fuzz_test.go) aim at the routes, the JWT middleware and the query strings, with a
// world to act on and a database that must not change on a 4xx.
// Seeds: f.Add below and testdata/fuzz/FuzzServeHTTP.
func FuzzServeHTTP(f *testing.F) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		f.Fatal(err)
	}
	cfg.DataDir = f.TempDir()
	cfg.CORSOrigins = []string{"https://apply.example.org"}
	var handlers []http.Handler
	for _, d := range storetest.Dialects(f) {
		srv, err := api.Build(context.Background(), api.BuildOptions{Config: cfg, DB: storetest.MustOpen(f, d)})
		if err != nil {
			f.Fatal(err)
		}
		handlers = append(handlers, srv.Handler())
	}
	seeds := []struct {
		method      uint8
		path        string
		contentType string
		header      string
		body        string
	}{
		{0, "/healthz", "", "", ""},
		{0, "/v1/audit-events?limit=500&cursor=zz", "", "Authorization: Bearer x", ""},
		{1, "/v1/auth/register", "application/json", "", `{"email":"a@example.org","password":"a long passphrase of words 7","name":"A"}`},
		{1, "/v1/auth/register", "application/json", "", `{"email":"b@example.org","password":"a long passphrase of words 7","name":"\u0000"}`},
		{1, "/v1/auth/register", "application/json", "Idempotency-Key: k", `{"email":"c@example.org","password":"x","name":"C","name":"D"}`},
		{1, "/v1/auth/login", "text/plain", "", `{}`},
		{1, "/v1/auth/login", "application/json", "", `{"email":"a@example.org","password":"wrong"}`},
		{6, "/v1/auth/login", "", "Origin: https://apply.example.org", ""},
		{4, "/healthz", "", "", ""},
		{0, "/v1/me", "", "Authorization: Bearer eyJhbGciOiJub25lIn0.e30.", ""},
		{0, "/docs/../../etc/passwd", "", "", ""},
		{0, "/v1/rounds/not-a-uuid", "", "", ""},
		{8, "/%2e%2e/", "", "X-Forwarded-For: 1.2.3.4", ""},
		{3, "/v1/me", "application/json", "If-Match: W/\"x\"", `[`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.contentType, s.header, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, m uint8, path, contentType, header string, body []byte) {
		u, err := url.ParseRequestURI(path)
		if err != nil || !strings.HasPrefix(path, "/") {
			return // net/http answers 400 itself before any handler runs
		}
		for _, h := range handlers {
			req := &http.Request{Method: fuzzMethods[int(m)%len(fuzzMethods)], URL: u, RequestURI: path, Proto: "HTTP/1.1",
				ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Host: "example.org", RemoteAddr: "192.0.2.1:1234"}
			req.Body = http.NoBody
			if len(body) > 0 {
				req.Body = httpBody(body)
				req.ContentLength = int64(len(body))
			}
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			if k, v, ok := strings.Cut(header, ":"); ok && validHeader(k, v) {
				req.Header.Set(k, strings.TrimSpace(v))
			}
			req = req.WithContext(context.Background())
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s (%q, %q, body %q) answered %d: %s", req.Method, path, contentType, header, body, rec.Code, rec.Body)
			}
			if rec.Code >= 400 {
				checkProblem(t, req.Method+" "+path, req.Method, rec) // routes_fuzz_test.go
			}
		}
	})
}

type bodyReader struct{ *bytes.Reader }

func (bodyReader) Close() error { return nil }

func httpBody(b []byte) bodyReader { return bodyReader{bytes.NewReader(b)} }

// validHeader is what net/http would let through to a handler.
func validHeader(k, v string) bool {
	if k == "" || strings.ContainsAny(k, " \t\r\n:()<>@,;\\\"/[]?={}") {
		return false
	}
	for _, r := range k {
		if r < '!' || r > '~' {
			return false
		}
	}
	return !strings.ContainsAny(v, "\r\n\x00")
}
