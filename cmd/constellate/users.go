package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/identity"
	"constellate/internal/ids"
	"constellate/internal/store"
)

// usersCmd is `constellate users create --email E --name N --role R [--password P]`: it makes
// an account of any role, typically the first grants manager. Without --password the
// password is read from the first line of standard input (so it stays out of shell history
// and the process list: `printf '%s\n' "$PW" | constellate users create …`).
func usersCmd(ctx context.Context, args []string, env environment) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: constellate users create --email E --name N --role R [--password P]")
	}
	fs := flag.NewFlagSet("users create", flag.ContinueOnError)
	fs.SetOutput(env.stdout)
	email := fs.String("email", "", "the account's email")
	name := fs.String("name", "", "the person's name")
	role := fs.String("role", string(auth.RoleGrantsManager), "applicant, panel_member, grants_manager or finance")
	password := fs.String("password", "", "the password (default: read a line from standard input)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *password == "" {
		line, err := bufio.NewReader(env.stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password: give --password or write it on standard input")
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	_, db, _, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := identity.NewService(db, store.NewIdentityStore(db), nil, event.NewBus(audit.NewLog(store.NewAuditStore(db), time.Now, ids.New)), time.Now)
	actor := auth.Actor{UserID: "cli", Role: auth.RoleGrantsManager}
	u, err := svc.Create(ctx, actor, identity.NewUser{Email: *email, Name: *name, Password: *password, Role: auth.Role(*role)})
	var e *errs.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		var b strings.Builder
		for _, f := range e.Fields {
			fmt.Fprintf(&b, "; --%s %s", f.Field, f.Message)
		}
		return fmt.Errorf("%s%s", e.Message, b.String())
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.stdout, "created %s %s (%s)\n", u.Role, u.Email, u.ID)
	return err
}
