package api

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/config"
	"constellate/internal/errs"
	"constellate/internal/page"
)

func TestIPExtractor(t *testing.T) {
	_, tenNet, _ := net.ParseCIDR("10.0.0.0/8")
	cases := []struct {
		name    string
		trusted []*net.IPNet
		remote  string
		xff     string
		want    string
	}{
		{"no proxies: XFF ignored", nil, "198.51.100.7:5000", "203.0.113.9", "198.51.100.7"},
		{"no proxies: loopback XFF ignored", nil, "127.0.0.1:5000", "203.0.113.9", "127.0.0.1"},
		{"trusted proxy: client from XFF", []*net.IPNet{tenNet}, "10.1.2.3:5000", "203.0.113.9", "203.0.113.9"},
		{"trusted chain: rightmost untrusted", []*net.IPNet{tenNet}, "10.1.2.3:5000", "192.0.2.1, 203.0.113.9, 10.9.9.9", "203.0.113.9"},
		{"untrusted peer: XFF ignored", []*net.IPNet{tenNet}, "198.51.100.7:5000", "203.0.113.9", "198.51.100.7"},
		{"private but untrusted peer: XFF ignored", []*net.IPNet{tenNet}, "192.168.1.5:5000", "203.0.113.9", "192.168.1.5"},
		{"loopback not trusted by default", []*net.IPNet{tenNet}, "127.0.0.1:5000", "203.0.113.9", "127.0.0.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = c.remote
			req.Header.Set("X-Forwarded-For", c.xff)
			req.Header.Set("X-Real-IP", "192.0.2.99")
			if got := ipExtractor(c.trusted)(req); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestTrustedProxiesFromConfig(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		if k == "CONSTELLATE_TRUSTED_PROXIES" {
			return "10.0.0.0/8, 192.0.2.10"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "192.0.2.10:443"
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := ipExtractor(cfg.TrustedProxies)(req); got != "203.0.113.9" {
		t.Errorf("single trusted proxy address: %s", got)
	}
}

// TestPanicIsBare500 drives a panicking handler through the real middleware chain (a route
// added to a test server only, never to the production table).
func TestPanicIsBare500(t *testing.T) {
	s := New(Deps{})
	s.e.GET("/boom", func(c echo.Context) error {
		panic("pq: password authentication failed for user secret_admin at /srv/app/store.go:42")
	})
	s.e.GET("/fail", func(c echo.Context) error {
		return errs.Wrap(errors.New(`SQLSTATE 23505 duplicate key value violates "users_email_key"`), "save user")
	})
	for _, path := range []string{"/boom", "/fail"} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusInternalServerError {
			t.Fatalf("%s: %d", path, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		body := rec.Body.String()
		for _, leak := range []string{"secret", "pq:", "store.go", "SQLSTATE", "users_email", "save user", "panic", "goroutine"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: body leaks %q: %s", path, leak, body)
			}
		}
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != 500 || p.Detail == "" || p.RequestID == "" {
			t.Errorf("%s: problem %s", path, body)
		}
	}
	// The server keeps serving after a panic.
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("after a panic /healthz answered %d", rec.Code)
	}
}

func TestProblemForEveryCode(t *testing.T) {
	for code, status := range statusOf {
		got, p := problemFor(errs.E(code, "the detail"))
		if got != status || p.Status != status || !strings.HasSuffix(p.Type, "/"+string(code)) || p.Title == "" || p.Detail == "" {
			t.Errorf("%s: %d %+v", code, got, p)
		}
		if status >= 500 && code != errs.Unavailable && p.Detail == "the detail" {
			t.Errorf("%s: 5xx detail shown to the client", code)
		}
	}
	if got, p := problemFor(errors.New("foreign")); got != 500 || strings.Contains(p.Detail, "foreign") {
		t.Errorf("foreign error: %d %+v", got, p)
	}
	got, p := problemFor(errs.E(errs.Conflict, "taken").WithMeta("existing_id", "0190d0aa-0000-7000-8000-000000000000"))
	if got != 409 || p.ExistingID == "" {
		t.Errorf("conflict with existing_id: %d %+v", got, p)
	}
}

func TestZeroAccessDeniesEveryone(t *testing.T) {
	for _, a := range []auth.Actor{{}, {UserID: "u", Role: auth.RoleGrantsManager}} {
		if err := (access{}).allow(a); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("zero access allowed %+v: %v", a, err)
		}
	}
	if err := roles(auth.RoleFinance).allow(auth.Actor{}); errs.CodeOf(err) != errs.Unauthenticated {
		t.Errorf("anonymous on a role route: %v", err)
	}
	if err := roles(auth.RoleFinance).allow(auth.Actor{UserID: "u", Role: auth.RoleApplicant}); errs.CodeOf(err) != errs.Forbidden {
		t.Errorf("wrong role: %v", err)
	}
	if err := authenticated.allow(auth.Actor{UserID: "u", Role: auth.RoleApplicant}); err != nil {
		t.Errorf("authenticated: %v", err)
	}
}

func echoCtx(target string, header map[string]string) echo.Context {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return echo.New().NewContext(req, httptest.NewRecorder())
}

func TestPageParams(t *testing.T) {
	id := "0190d0aa-0000-7000-8000-000000000000"
	cur := *encodeCursor(id)
	p, err := pageParams(echoCtx("/?limit=200&cursor="+cur, nil))
	if err != nil || p.Limit != 200 || p.After != id {
		t.Fatalf("valid params: %+v %v", p, err)
	}
	if p, err := pageParams(echoCtx("/", nil)); err != nil || p.After != "" {
		t.Fatalf("defaults: %+v %v", p, err)
	}
	if encodeCursor("") != nil {
		t.Error("an empty key must give a null next_cursor")
	}
	for _, q := range []string{"limit=0", "limit=201", "limit=1e3", "limit=", "cursor=" + id, "cursor=YzE6", "cursor=!!", "limit=-5&cursor=x"} {
		if q == "limit=" {
			continue // empty means default
		}
		_, err := pageParams(echoCtx("/?"+q, nil))
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Malformed || len(e.Fields) == 0 {
			t.Errorf("?%s: %v", q, err)
		}
	}
	if page.MaxLimit != 200 {
		t.Errorf("MaxLimit = %d, SPEC §2 says 200", page.MaxLimit)
	}
}

func TestPathID(t *testing.T) {
	newCtx := func(v string) echo.Context {
		c := echoCtx("/", nil)
		c.SetParamNames("id")
		c.SetParamValues(v)
		return c
	}
	if got, err := pathID(newCtx("0190D0AA-0000-7000-8000-00000000000A"), "id"); err != nil || got != "0190d0aa-0000-7000-8000-00000000000a" {
		t.Errorf("valid id: %q %v", got, err)
	}
	for _, bad := range []string{"", "x", "0190d0aa", "0190d0aa-0000-7000-8000-00000000000g", "0190d0aa-0000-7000-8000-000000000000 ", "../etc"} {
		_, err := pathID(newCtx(bad), "id")
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Malformed || len(e.Fields) != 1 || e.Fields[0].Field != "id" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestIfMatch(t *testing.T) {
	for h, want := range map[string]int64{`"3"`: 3, "": 0, "*": 0} {
		v, err := ifMatch(echoCtx("/", map[string]string{"If-Match": h}))
		if err != nil || (want == 0) != (v == nil) || (v != nil && *v != want) {
			t.Errorf("If-Match %q: %v %v", h, v, err)
		}
	}
	for _, h := range []string{`3`, `"x"`, `"0"`, `"-1"`, `"3`, `W/"4"`} {
		if _, err := ifMatch(echoCtx("/", map[string]string{"If-Match": h})); errs.CodeOf(err) != errs.PreconditionFailed {
			t.Errorf("If-Match %q: %v", h, err)
		}
	}
	if etag(7) != `"7"` || etag(0) != "" {
		t.Error("etag format")
	}
}
