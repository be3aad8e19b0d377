package api

import "constellate/internal/identity"

// Services are the capabilities' services the handlers call. Each capability adds its field
// here as it lands; handlers never reach the store directly.
type Services struct {
	Identity *identity.Service
}
