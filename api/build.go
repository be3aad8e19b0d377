package api

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"constellate/internal/application"
	"constellate/internal/assessment"
	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/award"
	"constellate/internal/config"
	"constellate/internal/event"
	"constellate/internal/idempotency"
	"constellate/internal/identity"
	"constellate/internal/ids"
	"constellate/internal/organisation"
	"constellate/internal/round"
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
	events := event.NewBus(d.Audit)
	d.Keys = idempotency.New(o.DB, store.NewIdempotencyStore(o.DB), o.Now)
	// Capabilities wire their services here.
	keys, err := signingKeys(o.Config)
	if err != nil {
		return nil, err
	}
	tokens := auth.NewTokens(keys, o.Config.Issuer, o.Config.Audience, o.Config.AccessTokenTTL, o.Now, ids.New)
	d.Identity = identity.NewService(o.DB, store.NewIdentityStore(o.DB), tokens, events, o.Now)
	d.Auth = d.Identity
	box, err := encryptionKeyring(o.Config)
	if err != nil {
		return nil, err
	}
	d.Organisations = organisation.NewService(o.DB, store.NewOrganisationStore(o.DB), box, events, o.Now, o.Config.BankChangeCoolingOff)
	d.Rounds = round.NewService(o.DB, store.NewRoundStore(o.DB), events, o.Now, ids.New)
	applications := store.NewApplicationStore(o.DB)
	d.Applications = application.NewService(o.DB, applications, applications, store.NewRoundStore(o.DB), events, o.Now)
	d.Assessments = assessment.NewService(o.DB, store.NewAssessmentStore(o.DB), store.NewRoundStore(o.DB), events, o.Now)
	// A finance sync holds back changes younger than the longest a write may take (the
	// request timeout), so none commits behind a sync's reading (internal/award/sync.go).
	d.Awards = award.NewService(o.DB, store.NewAwardStore(o.DB), store.NewRoundStore(o.DB), d.Organisations, d.Applications, events, o.Now,
		o.Config.RequestTimeout+time.Second)
	subscribe(events, d.Services)
	srv := New(d)
	srv.e.Pre(srv.clientBasicAuth) // HTTP Basic client credentials on /v1/auth/token only
	return srv, nil
}

// signingKeys loads the Ed25519 signing key from CONSTELLATE_SIGNING_KEY_FILE, or keeps a
// generated one in the data directory when that is unset.
func signingKeys(cfg config.Config) (*auth.KeySet, error) {
	path, create := cfg.SigningKeyFile, false
	if path == "" {
		path, create = filepath.Join(cfg.DataDir, "signing-key.pem"), true
	}
	ks, err := auth.LoadKeySet(path, create) // first PEM block signs; later ones only verify (rotation)
	if err != nil {
		return nil, fmt.Errorf("CONSTELLATE_SIGNING_KEY_FILE: %w", err)
	}
	return ks, nil
}
