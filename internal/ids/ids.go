// Package ids makes and checks Constellate's identifiers: UUIDv7 strings, which sort by
// creation time and so serve as the keyset for pagination.
package ids

import (
	"github.com/google/uuid"
)

// New returns a fresh UUIDv7 string.
func New() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Valid reports whether s is a canonical UUID string (any version), as ids in paths must be.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}
