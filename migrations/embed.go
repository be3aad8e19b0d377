// Package migrations holds the goose SQL migrations, one folder per dialect with the same
// tables and columns, embedded into the binary.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
