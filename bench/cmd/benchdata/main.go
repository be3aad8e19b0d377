// Command benchdata loads the benchmark's seeded data into Postgres or SQLite (bench/data),
// reusing a database that already holds the same seed and size.
//
//	go run ./bench/cmd/benchdata -dialect postgres -size full
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"constellate/bench/data"
	"constellate/internal/store"
)

func main() {
	dialect := flag.String("dialect", "postgres", "postgres or sqlite")
	size := flag.String("size", "full", "full, small, or export:N (N awards for the CSV export)")
	seed := flag.Uint64("seed", 1, "generator seed")
	admin := flag.String("admin-url", "postgres://postgres@127.0.0.1:5432/postgres", "Postgres maintenance database")
	name := flag.String("db", "", "Postgres database name (default constellate_bench_<size>)")
	dir := flag.String("dir", defaultDir(), "SQLite directory")
	force := flag.Bool("force", false, "load afresh even when the data is there")
	flag.Parse()
	sz, err := data.ParseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	keys := data.DeriveKeys(*seed)
	o := data.Options{Dialect: store.Dialect(*dialect), AdminURL: *admin, Database: *name, Size: sz, Seed: *seed,
		EncryptionKey: keys.EncryptionKey, Force: *force, Log: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }}
	if o.Database == "" {
		o.Database = data.DatabaseName(sz)
	}
	o.SQLitePath = filepath.Join(*dir, data.DatabaseName(sz)+".db")
	res, err := data.Load(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("reused=%t took=%s url=%s sqlite=%s\n%v\n", res.Reused, res.Took, res.URL, res.SQLitePath, res.Counts)
}

func defaultDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "constellate-bench")
}
