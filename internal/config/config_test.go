package config

import (
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

var key32 = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "" || c.DataDir != "./data" || c.Issuer != "constellate" || c.Audience != "constellate-api" ||
		c.LogLevel != "info" || c.BankChangeCoolingOff != 72*time.Hour || c.AccessTokenTTL != 15*time.Minute ||
		c.ShutdownTimeout != 20*time.Second || c.RequestTimeout != 30*time.Second || c.EncryptionKey != nil ||
		len(c.TrustedProxies) != 0 || len(c.CORSOrigins) != 0 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestEveryVariable(t *testing.T) {
	c, err := Load(env(map[string]string{
		"CONSTELLATE_ADDR":                    "127.0.0.1:9000",
		"DATABASE_URL":                        " postgres://app:s3cret@db:5432/constellate?sslmode=disable ",
		"CONSTELLATE_DATA_DIR":                "/var/lib/constellate",
		"CONSTELLATE_ISSUER":                  "https://grants.example.org",
		"CONSTELLATE_AUDIENCE":                "grants-api",
		"CONSTELLATE_SIGNING_KEY_FILE":        "/run/secrets/signing.pem",
		"CONSTELLATE_ENCRYPTION_KEY":          key32,
		"CONSTELLATE_ENCRYPTION_KEY_PREVIOUS": key32 + "," + key32,
		"CONSTELLATE_SMTP_URL":                "smtps://mail:pw@smtp.example.org:465",
		"CONSTELLATE_FUNDER_PREFIX":           "360G-example",
		"CONSTELLATE_TRUSTED_PROXIES":         "10.0.0.0/8, 192.0.2.1 ,2001:db8::1",
		"CONSTELLATE_CORS_ORIGINS":            "https://apply.example.org,http://localhost:5173",
		"CONSTELLATE_BANK_CHANGE_COOLING_OFF": "48h",
		"CONSTELLATE_ACCESS_TOKEN_TTL":        "5m",
		"CONSTELLATE_SHUTDOWN_TIMEOUT":        "0s",
		"CONSTELLATE_REQUEST_TIMEOUT":         "10s",
		"CONSTELLATE_LOG_LEVEL":               "debug",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || !strings.HasPrefix(c.DatabaseURL, "postgres://app") || c.DataDir != "/var/lib/constellate" ||
		c.Issuer != "https://grants.example.org" || c.Audience != "grants-api" || c.SigningKeyFile != "/run/secrets/signing.pem" ||
		len(c.EncryptionKey) != 32 || len(c.PreviousKeys) != 2 || c.SMTPURL == "" || c.FunderPrefix != "360G-example" || c.BankChangeCoolingOff != 48*time.Hour ||
		c.AccessTokenTTL != 5*time.Minute || c.ShutdownTimeout != 0 || c.RequestTimeout != 10*time.Second || c.LogLevel != "debug" {
		t.Errorf("parsed: %+v", c)
	}
	var nets []string
	for _, n := range c.TrustedProxies {
		nets = append(nets, n.String())
	}
	if got := strings.Join(nets, " "); got != "10.0.0.0/8 192.0.2.1/32 2001:db8::1/128" {
		t.Errorf("trusted proxies = %s", got)
	}
	if strings.Join(c.CORSOrigins, " ") != "https://apply.example.org http://localhost:5173" {
		t.Errorf("CORS origins = %v", c.CORSOrigins)
	}
	// The start-up log line never carries secrets.
	s := c.String()
	for _, secret := range []string{"s3cret", key32, "pw@"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() leaks %q: %s", secret, s)
		}
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	cases := map[string]string{
		"CONSTELLATE_ADDR":                    "nonsense",
		"DATABASE_URL":                        "mysql://x",
		"CONSTELLATE_ENCRYPTION_KEY":          "short",
		"CONSTELLATE_ENCRYPTION_KEY_PREVIOUS": key32 + ",short",
		"CONSTELLATE_SMTP_URL":                "http://mail.example.org",
		"CONSTELLATE_FUNDER_PREFIX":           "GB-CHC-1",
		"CONSTELLATE_TRUSTED_PROXIES":         "not-an-ip",
		"CONSTELLATE_CORS_ORIGINS":            "https://apply.example.org/path",
		"CONSTELLATE_BANK_CHANGE_COOLING_OFF": "-1h",
		"CONSTELLATE_ACCESS_TOKEN_TTL":        "10s",
		"CONSTELLATE_SHUTDOWN_TIMEOUT":        "later",
		"CONSTELLATE_REQUEST_TIMEOUT":         "0s",
		"CONSTELLATE_LOG_LEVEL":               "verbose",
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(env(map[string]string{name: value}))
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("%s=%q: %v, want an error naming %s", name, value, err, name)
			}
		})
	}
	// Every problem at once, so an operator fixes them in one go.
	_, err := Load(env(map[string]string{"CONSTELLATE_ADDR": "x", "CONSTELLATE_LOG_LEVEL": "loud"}))
	if err == nil || !strings.Contains(err.Error(), "CONSTELLATE_ADDR") || !strings.Contains(err.Error(), "CONSTELLATE_LOG_LEVEL") {
		t.Errorf("two problems: %v", err)
	}
	// Postgres needs an encryption key; SQLite keeps a generated one in the data directory.
	_, err = Load(env(map[string]string{"DATABASE_URL": "postgres://db/constellate"}))
	if err == nil || !strings.Contains(err.Error(), "CONSTELLATE_ENCRYPTION_KEY") {
		t.Errorf("Postgres without an encryption key: %v", err)
	}
	// A secret in a bad value is not echoed back.
	_, err = Load(env(map[string]string{"DATABASE_URL": "mysql://root:hunter2@db/x"}))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the password: %v", err)
	}
}

// TestRateLimits: CONSTELLATE_RATE_LIMITS overrides the limits it names; a bad entry stops
// start-up with a message naming the variable.
func TestRateLimits(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || len(c.RateLimits) != 0 {
		t.Fatalf("default: %v %v", c.RateLimits, err)
	}
	c, err = Load(env(map[string]string{"CONSTELLATE_RATE_LIMITS": " login=300/15m, register = 200/1h,login_account=3/5m "}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]RateLimit{"login": {300, 15 * time.Minute}, "register": {200, time.Hour}, "login_account": {3, 5 * time.Minute}}
	if len(c.RateLimits) != len(want) {
		t.Fatalf("rate limits %v", c.RateLimits)
	}
	for k, v := range want {
		if c.RateLimits[k] != v {
			t.Errorf("%s = %v, want %v", k, c.RateLimits[k], v)
		}
	}
	for _, bad := range []string{"logins=1/1m", "login=0/1m", "login=ten/1m", "login=10", "login=10/forever", "login=10/0s",
		"login=10/48h", "login=1/1m,login=2/1m", "=5/1m"} {
		if _, err := Load(env(map[string]string{"CONSTELLATE_RATE_LIMITS": bad})); err == nil || !strings.Contains(err.Error(), "CONSTELLATE_RATE_LIMITS") {
			t.Errorf("%q: %v, want an error naming CONSTELLATE_RATE_LIMITS", bad, err)
		}
	}
}

// TestVariablesAreDocumented: Variables (what constellate --help lists) names exactly the
// variables Load reads, and the README's configuration table has a row for each.
func TestVariablesAreDocumented(t *testing.T) {
	read := map[string]bool{}
	if _, err := Load(func(k string) string { read[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, v := range Variables {
		listed[v.Name] = true
		if !read[v.Name] {
			t.Errorf("Variables lists %s, which Load does not read", v.Name)
		}
	}
	for k := range read {
		if !listed[k] {
			t.Errorf("Load reads %s, which Variables does not list", k)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Variables {
		if !strings.Contains(string(readme), "| `"+v.Name+"` |") {
			t.Errorf("README.md's configuration table has no row for %s", v.Name)
		}
	}
}
