package identity

import (
	"context"
	"time"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
)

// Invitation invites someone to a staff, panel or finance account.
type Invitation struct {
	ID         string
	Email      string
	Role       auth.Role
	Hash       string // SHA-256 of the token, which is shown once
	InvitedBy  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	UserID     string // the account created on acceptance
}

// InvitationStore keeps invitations.
type InvitationStore interface {
	CreateInvitation(ctx context.Context, inv Invitation) error
	// InvitationByHash reads an invitation by its token's hash, locked for update.
	InvitationByHash(ctx context.Context, hash string) (Invitation, error)
	AcceptInvitation(ctx context.Context, id, userID string, now time.Time) error
}

// Invitation errors. Unknown and expired tokens are 404 (nothing to act on); a used one is
// 409 (the state conflicts: it has done its work already).
var (
	ErrInvitationNotFound = errs.E(errs.NotFound, "this invitation does not exist or has expired; ask for a new one")
	ErrInvitationUsed     = errs.E(errs.Conflict, "this invitation has already been used; sign in instead")
)

// invitable are the roles an invitation may give (applicants register themselves).
var invitable = map[auth.Role]bool{auth.RolePanelMember: true, auth.RoleGrantsManager: true, auth.RoleFinance: true}

// Invite creates an invitation (grants managers). The token is returned this once.
func (s *Service) Invite(ctx context.Context, actor auth.Actor, email string, role auth.Role) (Invitation, string, error) {
	if err := CanManageAccounts(actor); err != nil {
		return Invitation{}, "", err
	}
	var f errs.Fields
	email, ok := normaliseEmail(email)
	if !ok {
		f.Add("email", "must be an email address such as name@example.org")
	}
	if !invitable[role] {
		f.Add("role", "must be one of panel_member, grants_manager, finance")
	}
	if err := f.Err(errs.Invalid, "the invitation is not valid"); err != nil {
		return Invitation{}, "", err
	}
	token := auth.NewSecret("inv_")
	now := s.now().UTC()
	inv := Invitation{ID: ids.New(), Email: email, Role: role, Hash: auth.HashSecret(token), InvitedBy: actor.UserID,
		CreatedAt: now, ExpiresAt: now.Add(s.Policy.InvitationTTL)}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.UserByEmail(ctx, inv.Email); err == nil {
			return ErrEmailTaken
		} else if errs.CodeOf(err) != errs.NotFound {
			return err
		}
		if err := s.store.CreateInvitation(ctx, inv); err != nil {
			return err
		}
		// Seam for the notifications issue: enqueue the invitation email (with the token, to
		// inv.Email) in the outbox here, inside this transaction, so it leaves after commit.
		return s.events.Publish(ctx, actor, event.Invitation{Kind: event.InvitationCreated, ID: inv.ID, Email: inv.Email, Role: string(role)})
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return inv, token, nil
}

// AcceptInvitation creates the invited account with the invitation's email and role. The
// invitation is single use and expires after Policy.InvitationTTL.
func (s *Service) AcceptInvitation(ctx context.Context, token, name, password string) (User, error) {
	if token == "" || len(token) > 256 {
		return User{}, ErrInvitationNotFound
	}
	hash := auth.HashSecret(token)
	inv, err := s.usableInvitation(ctx, hash)
	if err != nil {
		return User{}, err
	}
	u, err := s.prepare(ctx, NewUser{Email: inv.Email, Name: name, Password: password, Role: inv.Role})
	if err != nil {
		return User{}, err
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		inv, err := s.usableInvitation(ctx, hash) // again, locked: single use under concurrency
		if err != nil {
			return err
		}
		actor := auth.Actor{UserID: u.ID, Role: u.Role}
		if err := s.insert(ctx, actor, u); err != nil {
			return err
		}
		if err := s.store.AcceptInvitation(ctx, inv.ID, u.ID, s.now().UTC()); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.Invitation{Kind: event.InvitationAccepted, ID: inv.ID, UserID: u.ID})
	})
	return u, err
}

func (s *Service) usableInvitation(ctx context.Context, hash string) (Invitation, error) {
	inv, err := s.store.InvitationByHash(ctx, hash)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		return Invitation{}, ErrInvitationNotFound
	case err != nil:
		return Invitation{}, err
	case inv.AcceptedAt != nil:
		return Invitation{}, ErrInvitationUsed
	case !s.now().Before(inv.ExpiresAt):
		return Invitation{}, ErrInvitationNotFound
	}
	return inv, nil
}
