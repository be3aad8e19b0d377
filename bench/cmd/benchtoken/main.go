// Command benchtoken prints an access token for a generated user (by email) of a bench
// database, signed with the bench's key for the seed, and writes that key's PEM file: for
// trying requests by hand against a server started with CONSTELLATE_SIGNING_KEY_FILE.
//
//	go run ./bench/cmd/benchtoken -db postgres://postgres@127.0.0.1:5432/constellate_bench_full -email manager000@bench.example.org
package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"constellate/bench/data"
	"constellate/bench/driver"
)

func main() {
	db := flag.String("db", "postgres://postgres@127.0.0.1:5432/constellate_bench_full", "bench database")
	email := flag.String("email", "manager000@bench.example.org", "user")
	seed := flag.Uint64("seed", 1, "generator seed")
	keyFile := flag.String("key-file", "", "write the signing key here too")
	encKey := flag.Bool("encryption-key", false, "print CONSTELLATE_ENCRYPTION_KEY for the seed instead of a token")
	flag.Parse()
	keys := data.DeriveKeys(*seed)
	if *encKey {
		fmt.Println(base64.StdEncoding.EncodeToString(keys.EncryptionKey))
		return
	}
	if *keyFile != "" {
		if err := driver.WriteKeyFile(*keyFile, keys.Signing); err != nil {
			fail(err)
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, *db)
	if err != nil {
		fail(err)
	}
	defer conn.Close(ctx)
	var id, role string
	if err := conn.QueryRow(ctx, "SELECT id::text, role FROM users WHERE email = $1", *email).Scan(&id, &role); err != nil {
		fail(err)
	}
	tok, err := driver.NewMinter(keys.Signing).Token(id, role)
	if err != nil {
		fail(err)
	}
	fmt.Println(tok)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
