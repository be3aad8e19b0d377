package api

import (
	"constellate/internal/identity"
	"constellate/internal/round"
)

// Services are the capabilities' services the handlers call. Each capability adds its field
// here as it lands; handlers never reach the store directly.
type Services struct {
	Identity *identity.Service
	// Rounds is programmes and funding rounds (SPEC §5).
	Rounds *round.Service
}
