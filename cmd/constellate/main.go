// Command constellate is the Constellate server and its operations tools: serve (default),
// migrate, users create, seed --demo, version.
package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "constellate:", err)
		os.Exit(1)
	}
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, env environment) error
}

// environment is what a command may touch of the outside world, injected so tests can run
// every command's real code path.
type environment struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
}

// commands lists the subcommands; capability files add theirs in init.
var commands = map[string]command{
	"serve":   {"run migrations, then serve the API (the default)", serveCmd},
	"migrate": {"apply pending database migrations and exit", migrateCmd},
	"version": {"print the version", func(_ context.Context, _ []string, env environment) error {
		_, err := fmt.Fprintln(env.stdout, "constellate", version)
		return err
	}},
	"users":       {"users create --email E --name N --role R [--password P]: make an account (the first grants manager)", usersCmd},
	"seed":        {"seed --demo [--force]: create the demo funder, groups and applications and print the demo logins", seedCmd},
	"healthcheck": {"exit 0 when the server at CONSTELLATE_ADDR answers /healthz (for container health checks)", healthcheckCmd},
}

// run is main without the process: it parses the subcommand and runs it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	env := environment{getenv: getenv, stdin: stdin, stdout: stdout}
	name := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		return usage(stdout)
	}
	cmd, ok := commands[name]
	if !ok {
		_ = usage(stdout)
		return fmt.Errorf("unknown command %q", name)
	}
	return cmd.run(ctx, args, env)
}

func usage(w io.Writer) error {
	fmt.Fprintln(w, "usage: constellate [command] [flags]\n\ncommands:")
	for _, n := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	return nil
}
