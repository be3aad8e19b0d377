// Package apitest drives the real HTTP stack on a real database, as a frontend would. Every
// request and response passes through kin-openapi's openapi3filter built from openapi.yaml,
// so the contract cannot drift from the behaviour:
//
//   - a response that does not match its operation's documented response fails the test;
//   - a request the contract forbids that the server accepts (2xx) fails the test;
//   - a request to a route missing from the contract fails the test;
//   - an error status the operation does not document fails the test (only 413, 415, 429,
//     431, 500 and 503 may come from the `default` response).
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"constellate"
	"constellate/api"
	"constellate/internal/config"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

// Env is one server on one fresh database.
type Env struct {
	T       testing.TB
	Dialect store.Dialect
	DB      *store.DB
	Server  *api.Server
	HTTP    *httptest.Server
	Clock   *Clock
	Config  config.Config
	// Logs is everything the server logged.
	Logs *LogBuffer
}

// Option adjusts the configuration before the server is built.
type Option func(*config.Config)

// ForEach runs fn as a subtest on each dialect with a fresh Env. The test and its subtests
// run in parallel with the other parallel tests (t.Parallel; go test -parallel bounds how
// many at once): each Env has its own database, server, clock, keys and log, so tests share
// nothing but the package's atomic counters. Hence fn must not write variables it shares
// with the other dialect's run, and code after ForEach in the test runs before fn does.
// A test that cannot run beside others (it calls t.Setenv, say) uses ForEachSerial.
func ForEach(t *testing.T, fn func(t *testing.T, env *Env), opts ...Option) {
	t.Helper()
	parallel(t)
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, d, opts...))
		})
	}
}

// ForEachSerial is ForEach for a test that must run alone: neither it nor its dialects'
// subtests run in parallel with anything. Say why at the call.
func ForEachSerial(t *testing.T, fn func(t *testing.T, env *Env), opts ...Option) {
	t.Helper()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, New(t, d, opts...)) })
	}
}

// parallel marks t parallel unless it already is: a test may call t.Parallel itself before
// ForEach, or call ForEach twice, and t.Parallel panics the second time. Any other panic
// (t.Parallel after t.Setenv) stands: such a test belongs in ForEachSerial.
func parallel(t *testing.T) {
	defer func() {
		if r := recover(); r != nil && !strings.Contains(fmt.Sprint(r), "called multiple times") {
			panic(r)
		}
	}()
	t.Parallel()
}

// New builds the whole server (api.Build, as the binary does) on a fresh database.
func New(t testing.TB, d store.Dialect, opts ...Option) *Env {
	t.Helper()
	db := storetest.MustOpen(t, d)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	for _, o := range opts {
		o(&cfg)
	}
	clock := NewClock(time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC))
	logs := &LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := api.Build(context.Background(), api.BuildOptions{Config: cfg, DB: db, Log: log, Now: clock.Now})
	if err != nil {
		t.Fatalf("apitest: build server: %v", err)
	}
	srv.Identity.SetNewAccountHasher(fixtureHasher)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &Env{T: t, Dialect: d, DB: db, Server: srv, HTTP: hs, Clock: clock, Config: cfg, Logs: logs}
}

// Req is one request.
type Req struct {
	Method string
	Path   string // may include a query string
	// Body is marshalled as JSON unless it is []byte or string (sent as is).
	Body        any
	Token       string
	ContentType string // default application/json when there is a body
	Header      map[string]string
}

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the body into v, failing the test on error.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("apitest: decode %d body %q: %v", r.Status, truncate(r.Body), err)
	}
}

// Map returns the body as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.Decode(t, &m)
	return m
}

// Do sends the request through the contract filter and the real server, reporting any
// failure against e.T. In a subtest use Expect (or a matrix), which report against the
// subtest's own t: FailNow on a parent test from a subtest's goroutine is a testing error.
func (e *Env) Do(r Req) *Response {
	e.T.Helper()
	return e.do(e.T, r)
}

// Expect sends the request and fails t — the (sub)test making the request — unless the
// status is want.
func (e *Env) Expect(t testing.TB, want int, r Req) *Response {
	t.Helper()
	resp := e.do(t, r)
	if resp.Status != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", r.Method, r.Path, resp.Status, want, truncate(resp.Body))
	}
	return resp
}

// do sends r, failing t when it cannot be sent or when the exchange breaks the contract.
func (e *Env) do(t testing.TB, r Req) *Response {
	t.Helper()
	var body []byte
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = b
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatalf("apitest: marshal body: %v", err)
		}
	}
	req, err := http.NewRequest(r.Method, e.HTTP.URL+r.Path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("apitest: %v", err)
	}
	if body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	resp, err := e.HTTP.Client().Do(req)
	if err != nil {
		t.Fatalf("apitest: %s %s: %v", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: rb}
	validate(t, r, req, body, out)
	return out
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func router() (routers.Router, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(constellate.OpenAPI)
		if err != nil {
			specErr = err
			return
		}
		if err = doc.Validate(context.Background()); err != nil {
			specErr = err
			return
		}
		// Match paths whatever host the test server has.
		doc.Servers = openapi3.Servers{{URL: "/"}}
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	return specRouter, specErr
}

// notInContract are served but deliberately undocumented (the docs UI's assets).
func notInContract(path string) bool { return path == "/docs" || strings.HasPrefix(path, "/docs/") }

func validate(t testing.TB, r Req, sent *http.Request, body []byte, resp *Response) {
	t.Helper()
	if notInContract(sent.URL.Path) {
		return
	}
	rt, err := router()
	if err != nil {
		t.Fatalf("apitest: openapi.yaml: %v", err)
	}
	// A fresh request for the filter: it reads the body again.
	u, _ := url.Parse(sent.URL.String())
	u.Scheme, u.Host = "", ""
	vreq, _ := http.NewRequest(sent.Method, u.String(), bytes.NewReader(body))
	vreq.Header = sent.Header.Clone()
	route, params, err := rt.FindRoute(vreq)
	if err != nil {
		// Unknown routes must 404/405 as problem+json; known-but-undocumented ones fail.
		if resp.Status == http.StatusNotFound || resp.Status == http.StatusMethodNotAllowed {
			expectProblem(t, r, resp)
			return
		}
		t.Fatalf("apitest: %s %s answered %d but is not in openapi.yaml: %v", r.Method, r.Path, resp.Status, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if reqErr != nil && resp.Status < 400 {
		t.Fatalf("apitest: %s %s: the server answered %d to a request openapi.yaml forbids: %v", r.Method, r.Path, resp.Status, reqErr)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Body:    io.NopCloser(bytes.NewReader(resp.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("apitest: %s %s: response %d does not match openapi.yaml: %v\nbody: %s", r.Method, r.Path, resp.Status, err, truncate(resp.Body))
	}
	if resp.Status >= 400 {
		expectProblem(t, r, resp)
		// The `default` response covers what any route may answer; every other error
		// status a handler returns must be annotated on it (@Failure N {object} Problem).
		if !anywhere[resp.Status] && route.Operation.Responses.Status(resp.Status) == nil {
			t.Fatalf("apitest: %s %s answered %d, which its annotations do not document: add @Failure %d {object} Problem to the handler and run make openapi",
				r.Method, r.Path, resp.Status, resp.Status)
		}
	}
}

// anywhere are the error statuses any route may answer, documented once by each operation's
// `default` response: body too large, wrong media type, rate limited, internal, unavailable.
var anywhere = map[int]bool{413: true, 415: true, 429: true, 431: true, 500: true, 503: true}

// expectProblem checks an error response is an RFC 9457 problem document.
func expectProblem(t testing.TB, r Req, resp *Response) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("apitest: %s %s: %d with Content-Type %q, want application/problem+json", r.Method, r.Path, resp.Status, ct)
	}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(resp.Body, &p); err != nil || p.Type == "" || p.Title == "" || p.Status != resp.Status || p.Detail == "" {
		t.Fatalf("apitest: %s %s: %d body is not a complete problem document: %s", r.Method, r.Path, resp.Status, truncate(resp.Body))
	}
	for _, leak := range []string{"SQLSTATE", "sql:", "gorm", "panic", "goroutine", ".go:", "runtime error"} {
		if strings.Contains(string(resp.Body), leak) {
			t.Fatalf("apitest: %s %s: error body leaks internals (%q): %s", r.Method, r.Path, leak, truncate(resp.Body))
		}
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// Clock is a settable clock the server reads time from.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the current test time (it ticks a microsecond per call so ordering holds).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Microsecond)
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
