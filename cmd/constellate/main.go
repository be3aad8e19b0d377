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

	"constellate/internal/config"
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
	if name == "help" || len(args) > 0 && name == "serve" && isHelp(args[0]) {
		return usage(stdout)
	}
	cmd, ok := commands[name]
	if !ok {
		_ = usage(stdout)
		return fmt.Errorf("unknown command %q", name)
	}
	return cmd.run(ctx, args, env)
}

// isHelp reports whether arg asks for help (-h, -help, --help).
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// usage lists the commands and the environment variables that configure them
// (config.Variables, which the README's configuration table mirrors).
func usage(w io.Writer) error {
	fmt.Fprintln(w, "usage: constellate [command] [flags]\n\ncommands:")
	for _, n := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nconfiguration, from the environment (a bad value stops start-up, naming the variable):")
	for _, v := range config.Variables {
		def := v.Default
		if def == "" {
			def = "empty"
		}
		fmt.Fprintf(w, "  %s (default %s)\n      %s\n", v.Name, def, v.Help)
	}
	_, err := fmt.Fprintln(w, "\nMore in README.md (Configuration) and docs/operations.md. The API documents itself at /docs.")
	return err
}
