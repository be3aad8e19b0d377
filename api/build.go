package api

import (
	"context"
	"log/slog"
	"time"

	"constellate/internal/audit"
	"constellate/internal/config"
	"constellate/internal/idempotency"
	"constellate/internal/ids"
	"constellate/internal/store"
)

// BuildOptions are what Build needs from its caller (the binary or a test).
type BuildOptions struct {
	Config config.Config
	DB     *store.DB // open and migrated
	Log    *slog.Logger
	Now    func() time.Time
	// Version is reported by the binary.
	Version string
}

// Build wires stores, services and the HTTP server together. The binary and the tests both
// call it, so tests exercise exactly what runs in production.
func Build(ctx context.Context, o BuildOptions) (*Server, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	d := Deps{Config: o.Config, DB: o.DB, Log: o.Log, Now: o.Now, Version: o.Version}
	d.Audit = audit.NewLog(store.NewAuditStore(o.DB), o.Now, ids.New)
	d.Keys = idempotency.New(o.DB, store.NewIdempotencyStore(o.DB), o.Now)
	// Capabilities wire their services here.
	return New(d), nil
}
