package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"constellate/api"
	"constellate/internal/auth"
	"constellate/internal/config"
	"constellate/internal/demo"
	"constellate/internal/page"
	"constellate/internal/store"
)

// TestSeedDemo runs `constellate seed --demo` twice on an embedded SQLite data directory:
// the first run seeds and prints what it made and the logins, which then sign in; the second
// changes nothing and prints the logins again. (internal/demo's test seeds Postgres too.)
func TestSeedDemo(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "CONSTELLATE_DATA_DIR" {
			return dir
		}
		return ""
	}
	ctx := context.Background()
	seed := func() string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, []string{"seed", "--demo"}, getenv, strings.NewReader(""), &out); err != nil {
			t.Fatalf("seed --demo: %v\n%s", err, out.String())
		}
		return out.String()
	}

	first := seed()
	for _, want := range []string{
		"Seeded the demo funder: 10 users, 2 programmes, 3 rounds (one open, one closed and in assessment, one decided last year), " +
			"12 organisations, 19 applications (4 draft, 4 submitted, 1 more_info_requested, 5 under_assessment, 3 awarded, 1 declined, " +
			"1 ineligible), 3 awards (1 offered, 1 active, 1 withdrawn), 5 payments (2 scheduled, 1 paid, 2 cancelled).",
		`every password is "` + demo.Password + `"`,
		"http://localhost:8080/docs",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("first run's output lacks %q:\n%s", want, first)
		}
	}
	logins := demo.Logins()
	for _, l := range logins {
		if !strings.Contains(first, string(l.Role)) || !strings.Contains(first, l.Email) {
			t.Errorf("output lacks the login %s %s", l.Role, l.Email)
		}
	}

	second := seed()
	if !strings.Contains(second, "already in this database; nothing was changed") || !strings.Contains(second, demo.ManagerEmail) {
		t.Fatalf("second run's output:\n%s", second)
	}

	// The printed logins sign in, with their roles, on the seeded database; the counts hold
	// after the second run.
	db, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(dir, "constellate.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.Build(ctx, api.BuildOptions{Config: cfg, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	var manager auth.Actor
	for _, l := range logins {
		sess, err := srv.Identity.Login(ctx, l.Email, demo.Password)
		if err != nil {
			t.Fatalf("login %s: %v", l.Email, err)
		}
		a, err := srv.Identity.Authenticate(ctx, sess.AccessToken)
		if err != nil || a.Role != l.Role {
			t.Fatalf("login %s: %+v %v", l.Email, a, err)
		}
		if l.Role == auth.RoleGrantsManager {
			manager = a
		}
	}
	orgs, _, err := srv.Organisations.List(ctx, manager, page.Params{Limit: 100})
	if err != nil || len(orgs) != 12 {
		t.Fatalf("organisations after two runs: %d %v", len(orgs), err)
	}
}

func TestSeedRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"no --demo":         {[]string{"seed"}, nil, "usage: constellate seed --demo"},
		"stray argument":    {[]string{"seed", "--demo", "more"}, nil, "usage"},
		"postgres no force": {[]string{"seed", "--demo"}, map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1:1/x"}, "add --force"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			getenv := func(k string) string {
				if k == "CONSTELLATE_DATA_DIR" {
					return dir
				}
				return tc.env[k]
			}
			var out bytes.Buffer
			err := run(context.Background(), tc.args, getenv, strings.NewReader(""), &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
