package identity

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
	"constellate/internal/page"
)

// Client is a machine client (a finance tool) that signs in with client credentials and
// acts with the finance role.
type Client struct {
	ID         string
	Name       string
	ClientID   string // public identifier
	SecretHash string // SHA-256 of the secret, which is shown once and never stored
	CreatedBy  string
	CreatedAt  time.Time
	RevokedAt  *time.Time
}

// ClientStore keeps machine clients.
type ClientStore interface {
	CreateClient(ctx context.Context, c Client) error
	ClientByClientID(ctx context.Context, clientID string) (Client, error)
	ClientByID(ctx context.Context, id string) (Client, error)
	// ListClients lists clients that are not revoked, by id.
	ListClients(ctx context.Context, p page.Params) ([]Client, error)
	// RevokeClient marks a client revoked; errs.NotFound when missing or already revoked.
	RevokeClient(ctx context.Context, id string, now time.Time) error
}

// ErrInvalidClient answers every failed client authentication alike (RFC 6749 invalid_client).
var ErrInvalidClient = errs.E(errs.Unauthenticated, "invalid_client: the client credentials are not valid")

// dummySecretHash is compared against when no client has the given id, so unknown and
// known clients take the same time.
var dummySecretHash = auth.HashSecret("no such client")

// CreateClient makes a machine client. The secret is returned this once.
func (s *Service) CreateClient(ctx context.Context, actor auth.Actor, name string) (Client, string, error) {
	if err := CanManageAccounts(actor); err != nil {
		return Client{}, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return Client{}, "", (errs.Fields{{Field: "name", Message: "is required (at most 100 characters)"}}).Err(errs.Invalid, "the client is not valid")
	}
	secret := auth.NewSecret("cs_")
	c := Client{ID: ids.New(), Name: name, ClientID: auth.NewClientID(), SecretHash: auth.HashSecret(secret),
		CreatedBy: actor.UserID, CreatedAt: s.now().UTC()}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateClient(ctx, c); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.ClientChange{Kind: event.ClientCreated, ID: c.ID, Name: c.Name, ClientID: c.ClientID})
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, secret, nil
}

// ListClients lists a page of the active machine clients (grants managers) and the key
// to continue after ("" on the last page).
func (s *Service) ListClients(ctx context.Context, actor auth.Actor, p page.Params) ([]Client, string, error) {
	if err := CanManageAccounts(actor); err != nil {
		return nil, "", err
	}
	list, err := s.store.ListClients(ctx, p)
	return page.Cut(p, list, err, func(c Client) string { return c.ID })
}

// RevokeClient deletes a machine client: its credentials and every token it holds stop
// working at once (Authenticate checks the client on every request).
func (s *Service) RevokeClient(ctx context.Context, actor auth.Actor, id string) error {
	if err := CanManageAccounts(actor); err != nil {
		return err
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.RevokeClient(ctx, id, s.now().UTC()); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.ClientChange{Kind: event.ClientRevoked, ID: id})
	})
}

// ClientToken is the client-credentials grant: a finance access token for a client whose
// secret matches. Unknown id, revoked client and wrong secret answer alike.
func (s *Service) ClientToken(ctx context.Context, clientID, secret string) (token string, expiresIn time.Duration, err error) {
	// Form bodies and HTTP Basic can carry any bytes; the id is looked up in a text column,
	// which must never see NUL or bytes that are not UTF-8 (Postgres refuses them: a 500).
	if clientID == "" || secret == "" || len(clientID) > 100 || len(secret) > 200 || !isText(clientID) || !isText(secret) {
		auth.SecretMatches(secret, dummySecretHash)
		return "", 0, ErrInvalidClient
	}
	c, err := s.store.ClientByClientID(ctx, clientID)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		auth.SecretMatches(secret, dummySecretHash)
		return "", 0, ErrInvalidClient
	case err != nil:
		return "", 0, err
	}
	if !auth.SecretMatches(secret, c.SecretHash) || c.RevokedAt != nil {
		return "", 0, ErrInvalidClient
	}
	tok, err := s.tokens.Issue(c.ID, auth.RoleFinance, 0, true, "")
	if err != nil {
		return "", 0, err
	}
	return tok, s.tokens.TTL(), nil
}

// isText reports whether s is UTF-8 without NUL.
func isText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
