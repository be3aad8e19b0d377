// Package config reads Constellate's configuration from the environment (SPEC §11). Every
// value is validated at start-up; a bad one stops the process with a message naming the
// variable. Secrets are never printed: String masks them.
package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the validated configuration.
type Config struct {
	Addr                 string        // CONSTELLATE_ADDR, default :8080
	DatabaseURL          string        // DATABASE_URL; empty → embedded SQLite
	DataDir              string        // CONSTELLATE_DATA_DIR, default ./data
	Issuer               string        // CONSTELLATE_ISSUER, default "constellate"
	Audience             string        // CONSTELLATE_AUDIENCE, default "constellate-api"
	SigningKeyFile       string        // CONSTELLATE_SIGNING_KEY_FILE; empty → generated in DataDir
	EncryptionKey        []byte        // CONSTELLATE_ENCRYPTION_KEY (32 bytes); required with Postgres
	PreviousKeys         [][]byte      // CONSTELLATE_ENCRYPTION_KEY_PREVIOUS: older keys that still decrypt (rotation)
	SMTPURL              string        // CONSTELLATE_SMTP_URL
	FunderPrefix         string        // CONSTELLATE_FUNDER_PREFIX, e.g. 360G-example
	TrustedProxies       []*net.IPNet  // CONSTELLATE_TRUSTED_PROXIES (CIDRs, comma separated)
	CORSOrigins          []string      // CONSTELLATE_CORS_ORIGINS (comma separated)
	BankChangeCoolingOff time.Duration // CONSTELLATE_BANK_CHANGE_COOLING_OFF, default 72h
	AccessTokenTTL       time.Duration // CONSTELLATE_ACCESS_TOKEN_TTL, default 15m
	ShutdownTimeout      time.Duration // CONSTELLATE_SHUTDOWN_TIMEOUT, default 20s
	DrainDelay           time.Duration // CONSTELLATE_DRAIN_DELAY, default 5s: readiness 503 while still serving, before shutdown
	RequestTimeout       time.Duration // CONSTELLATE_REQUEST_TIMEOUT, default 30s
	DBMaxConns           int           // CONSTELLATE_DB_MAX_CONNS: the Postgres pool's size; 0 → max(4, CPUs)
	LogLevel             string        // CONSTELLATE_LOG_LEVEL: debug|info|warn|error, default info
	// RateLimits overrides rate limits by name (CONSTELLATE_RATE_LIMITS, e.g.
	// "login=300/15m,register=200/1h"); the limits not named keep their defaults
	// (identity.DefaultRates).
	RateLimits map[string]RateLimit
}

// RateLimit is at most Max events per sliding Window.
type RateLimit struct {
	Max    int
	Window time.Duration
}

// RateLimitNames are the limits CONSTELLATE_RATE_LIMITS may set (identity.DefaultRates has
// their defaults; a test keeps the two in step).
var RateLimitNames = []string{"login", "login_account", "register", "refresh", "client_token", "accept_invite"}

// Variable documents one environment variable (constellate --help lists them; the README's
// configuration table has a row for each).
type Variable struct {
	Name, Default, Help string
}

// Variables are every variable Load reads, in the README's order.
var Variables = []Variable{
	{"CONSTELLATE_ADDR", ":8080", "listen address, host:port"},
	{"DATABASE_URL", "", "postgres://user:password@host:5432/db; empty: embedded SQLite in the data directory"},
	{"CONSTELLATE_DATA_DIR", "./data", "the SQLite file, and generated keys when none are configured"},
	{"CONSTELLATE_ISSUER", "constellate", "the iss of access tokens"},
	{"CONSTELLATE_AUDIENCE", "constellate-api", "the aud of access tokens"},
	{"CONSTELLATE_SIGNING_KEY_FILE", "", "Ed25519 private key (PEM) signing access tokens; empty: generated in the data directory"},
	{"CONSTELLATE_ENCRYPTION_KEY", "", "32 random bytes, base64, encrypting bank details; required with Postgres"},
	{"CONSTELLATE_ENCRYPTION_KEY_PREVIOUS", "", "older keys that still decrypt (rotation), comma separated"},
	{"CONSTELLATE_SMTP_URL", "", "smtp://user:password@host:587 or smtps://…, for notification email"},
	{"CONSTELLATE_FUNDER_PREFIX", "", "the funder's 360Giving prefix (360G-…)"},
	{"CONSTELLATE_TRUSTED_PROXIES", "", "IPs/CIDRs of reverse proxies whose X-Forwarded-For is believed"},
	{"CONSTELLATE_CORS_ORIGINS", "", "origins allowed by CORS, comma separated"},
	{"CONSTELLATE_BANK_CHANGE_COOLING_OFF", "72h", "how long payments wait after a bank account changes"},
	{"CONSTELLATE_ACCESS_TOKEN_TTL", "15m", "access token lifetime (at least 1m)"},
	{"CONSTELLATE_DB_MAX_CONNS", "max(4, CPUs)", "the Postgres pool's size"},
	{"CONSTELLATE_DRAIN_DELAY", "5s", "after SIGTERM, how long readiness answers 503 while still serving"},
	{"CONSTELLATE_SHUTDOWN_TIMEOUT", "20s", "how long in-flight requests may take to finish"},
	{"CONSTELLATE_REQUEST_TIMEOUT", "30s", "each request's deadline (at least 1s)"},
	{"CONSTELLATE_RATE_LIMITS", "", "rate limits to change, name=N/window, comma separated, e.g. login=300/15m,register=200/1h " +
		"(names: login, login_account, register, refresh, client_token, accept_invite)"},
	{"CONSTELLATE_LOG_LEVEL", "info", "debug, info, warn or error"},
}

// Load reads and validates the configuration. getenv is os.Getenv in production.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:           or(getenv("CONSTELLATE_ADDR"), ":8080"),
		DatabaseURL:    strings.TrimSpace(getenv("DATABASE_URL")),
		DataDir:        or(getenv("CONSTELLATE_DATA_DIR"), "./data"),
		Issuer:         or(getenv("CONSTELLATE_ISSUER"), "constellate"),
		Audience:       or(getenv("CONSTELLATE_AUDIENCE"), "constellate-api"),
		SigningKeyFile: getenv("CONSTELLATE_SIGNING_KEY_FILE"),
		SMTPURL:        getenv("CONSTELLATE_SMTP_URL"),
		FunderPrefix:   getenv("CONSTELLATE_FUNDER_PREFIX"),
		LogLevel:       or(getenv("CONSTELLATE_LOG_LEVEL"), "info"),
	}
	var problems []string
	bad := func(name, format string, args ...any) {
		problems = append(problems, name+": "+fmt.Sprintf(format, args...))
	}

	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("CONSTELLATE_ADDR", "want host:port such as :8080, got %q", c.Addr)
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			bad("DATABASE_URL", "want postgres://user@host:port/database")
		}
	}
	if k := strings.TrimSpace(getenv("CONSTELLATE_ENCRYPTION_KEY")); k != "" {
		b, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(b) != 32 {
			bad("CONSTELLATE_ENCRYPTION_KEY", "want 32 random bytes in standard base64 (openssl rand -base64 32)")
		} else {
			c.EncryptionKey = b
		}
	} else if c.DatabaseURL != "" {
		bad("CONSTELLATE_ENCRYPTION_KEY", "required with Postgres: 32 random bytes in standard base64 (openssl rand -base64 32)")
	}
	for i, k := range splitList(getenv("CONSTELLATE_ENCRYPTION_KEY_PREVIOUS")) {
		b, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(b) != 32 {
			bad("CONSTELLATE_ENCRYPTION_KEY_PREVIOUS", "key %d: want 32 random bytes in standard base64, comma separated", i+1)
			continue
		}
		c.PreviousKeys = append(c.PreviousKeys, b)
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			bad("CONSTELLATE_SMTP_URL", "want smtp://user:password@host:port or smtps://…")
		}
	}
	if c.FunderPrefix != "" && !strings.HasPrefix(c.FunderPrefix, "360G-") {
		bad("CONSTELLATE_FUNDER_PREFIX", "want a 360Giving prefix starting 360G-, got %q", c.FunderPrefix)
	}
	for _, s := range splitList(getenv("CONSTELLATE_TRUSTED_PROXIES")) {
		if !strings.Contains(s, "/") {
			if ip := net.ParseIP(s); ip != nil && ip.To4() != nil {
				s += "/32"
			} else {
				s += "/128"
			}
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			bad("CONSTELLATE_TRUSTED_PROXIES", "%q is not an IP address or CIDR range", s)
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	for _, o := range splitList(getenv("CONSTELLATE_CORS_ORIGINS")) {
		u, err := url.Parse(o)
		if o != "*" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "") {
			bad("CONSTELLATE_CORS_ORIGINS", "%q is not an origin such as https://apply.example.org", o)
			continue
		}
		c.CORSOrigins = append(c.CORSOrigins, o)
	}
	durations := []struct {
		name string
		dst  *time.Duration
		def  time.Duration
		min  time.Duration
	}{
		{"CONSTELLATE_BANK_CHANGE_COOLING_OFF", &c.BankChangeCoolingOff, 72 * time.Hour, 0},
		{"CONSTELLATE_ACCESS_TOKEN_TTL", &c.AccessTokenTTL, 15 * time.Minute, time.Minute},
		{"CONSTELLATE_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout, 20 * time.Second, 0},
		{"CONSTELLATE_DRAIN_DELAY", &c.DrainDelay, 5 * time.Second, 0},
		{"CONSTELLATE_REQUEST_TIMEOUT", &c.RequestTimeout, 30 * time.Second, time.Second},
	}
	for _, d := range durations {
		*d.dst = d.def
		if v := getenv(d.name); v != "" {
			p, err := time.ParseDuration(v)
			if err != nil || p < d.min {
				bad(d.name, "want a duration of at least %s such as 72h or 15m, got %q", d.min, v)
				continue
			}
			*d.dst = p
		}
	}
	if v := getenv("CONSTELLATE_DB_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			bad("CONSTELLATE_DB_MAX_CONNS", "want a whole number from 1 to 1000, got %q", v)
		}
		c.DBMaxConns = n
	}
	if v := strings.TrimSpace(getenv("CONSTELLATE_RATE_LIMITS")); v != "" {
		limits, err := parseRateLimits(v)
		if err != nil {
			bad("CONSTELLATE_RATE_LIMITS", "%s", err)
		}
		c.RateLimits = limits
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("CONSTELLATE_LOG_LEVEL", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// parseRateLimits reads "name=N/window,…": N a whole number from 1 to 1,000,000, window a
// duration from 1s to 24h.
func parseRateLimits(v string) (map[string]RateLimit, error) {
	out := map[string]RateLimit{}
	for _, item := range splitList(v) {
		name, rate, ok := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		known := false
		for _, n := range RateLimitNames {
			known = known || n == name
		}
		if !ok || !known {
			return nil, fmt.Errorf("%q: want name=N/window with a name among %s", item, strings.Join(RateLimitNames, ", "))
		}
		n, w, ok := strings.Cut(strings.TrimSpace(rate), "/")
		max, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil || max < 1 || max > 1_000_000 {
			return nil, fmt.Errorf("%s: want N/window such as 100/15m, N from 1 to 1000000, got %q", name, rate)
		}
		window, err := time.ParseDuration(strings.TrimSpace(w))
		if err != nil || window < time.Second || window > 24*time.Hour {
			return nil, fmt.Errorf("%s: want a window from 1s to 24h such as 15m or 1h, got %q", name, w)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s is given twice", name)
		}
		out[name] = RateLimit{Max: max, Window: window}
	}
	return out, nil
}

// String describes the configuration with secrets masked, for the start-up log.
func (c Config) String() string {
	db := "embedded SQLite in " + c.DataDir
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err == nil {
			db = "postgres " + u.Redacted()
		}
	}
	return fmt.Sprintf("addr=%s database=%q issuer=%s encryption_key=%s smtp=%t cors=%v trusted_proxies=%d",
		c.Addr, db, c.Issuer, mask(c.EncryptionKey), c.SMTPURL != "", c.CORSOrigins, len(c.TrustedProxies))
}

func mask(b []byte) string {
	if len(b) == 0 {
		return "(generated)"
	}
	return "(set)"
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
