package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"text/tabwriter"

	"constellate/api"
	"constellate/internal/application"
	"constellate/internal/award"
	"constellate/internal/demo"
)

// seedCmd is `constellate seed --demo [--force]`: it fills the configured database with the
// demo funder (internal/demo) through the same services the server uses, then prints the
// demo logins. Run twice, it changes nothing and prints the logins again.
//
// The demo accounts' password is public (it is printed and in the README), so seeding a
// Postgres database — usually shared, often production — needs --force as well.
func seedCmd(ctx context.Context, args []string, env environment) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(env.stdout)
	demoData := fs.Bool("demo", false, "create the demo funder, groups and applications")
	force := fs.Bool("force", false, "seed a Postgres database too (the demo logins' password is public)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*demoData || fs.NArg() > 0 {
		return errors.New("usage: constellate seed --demo [--force]")
	}
	if strings.TrimSpace(env.getenv("DATABASE_URL")) != "" && !*force {
		return errors.New("seed --demo creates accounts with a public password, including a grants manager; " +
			"to seed the Postgres database in DATABASE_URL anyway, add --force")
	}
	cfg, db, _, err := setup(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	clock := demo.NewClock(nil)
	// The server's own wiring, with the demo's clock; the log goes nowhere (the seed prints
	// its own summary).
	srv, err := api.Build(ctx, api.BuildOptions{Config: cfg, DB: db, Log: newLogger(environment{stdout: io.Discard}, "error"),
		Now: clock.Now, Version: version})
	if err != nil {
		return err
	}
	res, err := demo.Seed(ctx, db, demo.Services{Identity: srv.Identity, Organisations: srv.Organisations,
		Rounds: srv.Rounds, Applications: srv.Applications, Assessments: srv.Assessments, Awards: srv.Awards}, clock)
	if err != nil {
		return err
	}
	return printSeed(env.stdout, res, cfg.Addr)
}

// counted says "n things (a status1, b status2)", listing the statuses with any, in order.
func counted[S ~string](things string, statuses []S, n map[S]int) string {
	var parts []string
	total := 0
	for _, s := range statuses {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
			total += n[s]
		}
	}
	return fmt.Sprintf("%d %s (%s)", total, things, strings.Join(parts, ", "))
}

// printSeed tells what the seed did, the logins, and how to go on.
func printSeed(w io.Writer, res demo.Result, addr string) error {
	var b strings.Builder
	if res.Existing {
		b.WriteString("The demo data is already in this database; nothing was changed.\n")
	} else {
		fmt.Fprintf(&b, "Seeded the demo funder: %d users, %d programmes, %d rounds (one open, one closed and in assessment, "+
			"one decided last year), %d organisations, %s, %s, %s.\n", len(res.Logins), res.Programmes, res.Rounds, res.Organisations,
			counted("applications", application.Statuses, res.Applications), counted("awards", award.Statuses, res.Awards),
			counted("payments", award.PaymentStatuses, res.Payments))
	}
	fmt.Fprintf(&b, "\nDemo logins (every password is %q):\n\n", demo.Password)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, l := range res.Logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.Role, l.Email, l.Note)
	}
	tw.Flush()
	_, port, _ := net.SplitHostPort(addr)
	url := "http://localhost:" + port
	fmt.Fprintf(&b, "\nStart the server with `constellate serve` (or `go run ./cmd/constellate`), then open\n"+
		"  %s/docs  for the interactive API docs,\n"+
		"and sign in with POST %s/v1/auth/login {\"email\": …, \"password\": …}.\n", url, url)
	_, err := io.WriteString(w, b.String())
	return err
}
