package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"constellate/internal/auth"
	"constellate/internal/store"
)

func TestUsersCreate(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "CONSTELLATE_DATA_DIR" {
			return dir
		}
		return ""
	}
	ctx := context.Background()
	runUsers := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"users"}, args...), getenv, strings.NewReader(stdin), &out)
		return out.String(), err
	}
	const pw = "a very long staff passphrase"

	// The password from standard input: the first grants manager.
	out, err := runUsers(pw+"\n", "create", "--email", "Boss@Example.org", "--name", "Bo Ss", "--role", "grants_manager")
	if err != nil {
		t.Fatalf("create: %v (%s)", err, out)
	}
	if !strings.Contains(out, "created grants_manager boss@example.org") || strings.Contains(out, pw) {
		t.Fatalf("output %q", out)
	}
	// From --password, another role.
	if out, err := runUsers("", "create", "--email", "fin@example.org", "--name", "Fin", "--role", "finance", "--password", pw); err != nil {
		t.Fatalf("create finance: %v (%s)", err, out)
	}

	for name, tc := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"email taken":    {pw + "\n", []string{"create", "--email", "boss@example.org", "--name", "X", "--role", "grants_manager"}, "already exists"},
		"bad role":       {pw + "\n", []string{"create", "--email", "x@example.org", "--name", "X", "--role", "admin"}, "--role"},
		"short password": {"short\n", []string{"create", "--email", "x@example.org", "--name", "X"}, "--password must be at least 12"},
		"no password":    {"", []string{"create", "--email", "x@example.org", "--name", "X"}, "no password"},
		"no subcommand":  {"", nil, "usage"},
		"stray argument": {pw + "\n", []string{"create", "--email", "x@example.org", "--name", "X", "extra"}, "unexpected argument"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := runUsers(tc.stdin, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}

	// What was stored: the role, the lower-cased email, a hash that checks.
	db, err := store.Open(ctx, store.Config{SQLitePath: filepath.Join(dir, "constellate.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := store.NewIdentityStore(db).UserByEmail(ctx, "boss@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != auth.RoleGrantsManager || u.Name != "Bo Ss" {
		t.Fatalf("stored %+v", u)
	}
	if ok, _, err := auth.CheckPassword(ctx, pw, u.PasswordHash); err != nil || !ok {
		t.Fatalf("stored password does not check: %v %v", ok, err)
	}
	if _, err := store.NewIdentityStore(db).UserByEmail(ctx, "x@example.org"); err == nil {
		t.Fatal("a refused create stored a user")
	}
}
