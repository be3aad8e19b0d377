package organisation

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/page"
)

// DefaultInvitationTTL is how long an invitation to join an organisation stays open.
const DefaultInvitationTTL = 14 * 24 * time.Hour

// InvitationStatus is where an invitation stands.
type InvitationStatus string

// The statuses of an invitation. Only a pending one can be accepted or revoked.
const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationRevoked  InvitationStatus = "revoked"
	InvitationExpired  InvitationStatus = "expired"
)

// Invitation invites an email to join an organisation as owner or member. It carries no
// token: the invitee signs in with that email (registering on the way if need be), finds
// it at GET /v1/me/invitations and accepts it there. Nothing in creating one looks up
// whether the email has an account, so no answer can reveal it.
type Invitation struct {
	ID             string
	OrganisationID string
	Email          string // lower-cased
	Role           MembershipRole
	InvitedBy      string // the owner's user id
	CreatedAt      time.Time
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	AcceptedBy     string // the user who accepted; "" until then
	RevokedAt      *time.Time

	// Read with the invitation for the invitee, who is not yet a member.
	OrganisationName string
	InvitedByName    string
}

// Status is the invitation's status at now.
func (i Invitation) Status(now time.Time) InvitationStatus {
	switch {
	case i.AcceptedAt != nil:
		return InvitationAccepted
	case i.RevokedAt != nil:
		return InvitationRevoked
	case !now.Before(i.ExpiresAt):
		return InvitationExpired
	}
	return InvitationPending
}

// InvitationScope names whose pending invitations to list: an organisation's (for its
// owners), an email's (for the invitee), or one email's to one organisation (both set).
type InvitationScope struct {
	OrganisationID string
	Email          string
}

// Invitation errors. To its invitee, an invitation that was revoked or has expired is as
// good as gone (404); one already accepted is a conflict (409).
var (
	ErrInvitationNotFound = errs.E(errs.NotFound, "this invitation does not exist, has expired or was withdrawn; ask the group to invite you again")
	ErrInvitationAccepted = errs.E(errs.Conflict, "this invitation has already been accepted")
	ErrInvitationClosed   = errs.E(errs.Conflict, "this invitation is no longer open")
	ErrInvitationPending  = errs.E(errs.Conflict, "this email already has an invitation waiting; revoke it first to send another")
	ErrApplicantInvitee   = errs.E(errs.Forbidden, "only applicant accounts join groups")
)

// Invite invites email to join organisation orgID as role (owners only; default member).
// The answer is the same whether or not the email has an account: nothing here looks one
// up (apart from whether the email is already a member, which the owner sees in the
// member list anyway). The event organisation_invitation.created is the seam for the
// invitation email; there is no token to put in it.
func (s *Service) Invite(ctx context.Context, actor auth.Actor, orgID, email string, role MembershipRole) (Invitation, error) {
	var out Invitation
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		_, rel, err := s.load(ctx, actor, orgID, true)
		if err != nil {
			return err
		}
		if err := CanManageMembers(actor, rel); err != nil {
			return err
		}
		var f errs.Fields
		email = strings.ToLower(strings.TrimSpace(email))
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			f.Add("email", "must be an email address such as name@example.org")
		}
		if role == "" {
			role = RoleMember
		}
		if !role.Valid() {
			f.Add("role", "must be owner or member")
		}
		if err := f.Err(errs.Invalid, "the invitation is not valid"); err != nil {
			return err
		}
		now := s.now().UTC()
		member, err := s.store.IsMemberByEmail(ctx, orgID, email)
		if err != nil {
			return err
		}
		if member {
			return ErrAlreadyMember
		}
		// The organisation's row is locked: two invitations of one email cannot race.
		open, err := s.store.PendingInvitations(ctx, InvitationScope{OrganisationID: orgID, Email: email}, now, page.Params{Limit: 1})
		if err != nil {
			return err
		}
		if len(open) > 0 {
			return ErrInvitationPending.WithMeta("existing_id", open[0].ID)
		}
		out = Invitation{ID: s.newID(), OrganisationID: orgID, Email: email, Role: role, InvitedBy: actor.UserID,
			CreatedAt: now, ExpiresAt: now.Add(s.invitationTTL)}
		if err := s.store.CreateInvitation(ctx, out); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.OrganisationInvitation{Kind: event.OrganisationInvitationCreated,
			OrganisationID: orgID, InvitationID: out.ID, Email: email, Role: string(role), InvitedBy: actor.UserID,
			ExpiresAt: out.ExpiresAt.Format(time.RFC3339)})
	})
	return out, err
}

// Invitations returns a page of an organisation's pending invitations (owners only).
func (s *Service) Invitations(ctx context.Context, actor auth.Actor, orgID string, p page.Params) ([]Invitation, string, error) {
	_, rel, err := s.load(ctx, actor, orgID, false)
	if err != nil {
		return nil, "", err
	}
	if err := CanManageMembers(actor, rel); err != nil {
		return nil, "", err
	}
	items, err := s.store.PendingInvitations(ctx, InvitationScope{OrganisationID: orgID}, s.now().UTC(), p)
	return page.Cut(p, items, err, func(i Invitation) string { return i.ID })
}

// RevokeInvitation withdraws an organisation's invitation (owners only). Revoking one
// already revoked, or expired, is done; one already accepted is a conflict (remove the
// member instead).
func (s *Service) RevokeInvitation(ctx context.Context, actor auth.Actor, orgID, invitationID string) error {
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		_, rel, err := s.load(ctx, actor, orgID, true)
		if err != nil {
			return err
		}
		if err := CanManageMembers(actor, rel); err != nil {
			return err
		}
		inv, err := s.store.Invitation(ctx, invitationID, true)
		if errs.CodeOf(err) == errs.NotFound || err == nil && inv.OrganisationID != orgID {
			return ErrInvitationNotFound
		}
		if err != nil {
			return err
		}
		switch inv.Status(s.now()) {
		case InvitationAccepted:
			return ErrInvitationAccepted.Withf("this invitation has already been accepted; remove the member instead")
		case InvitationRevoked:
			return nil
		}
		now := s.now().UTC()
		inv.RevokedAt = &now
		if err := s.store.CloseInvitation(ctx, inv); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.OrganisationInvitation{Kind: event.OrganisationInvitationRevoked,
			OrganisationID: orgID, InvitationID: inv.ID, Role: string(inv.Role)})
	})
}

// invitee returns the account of an applicant actor, whose email invitations are matched
// against; anyone else has no invitations.
func (s *Service) invitee(ctx context.Context, actor auth.Actor) (UserRef, error) {
	if !actor.Is(auth.RoleApplicant) || actor.Machine {
		return UserRef{}, ErrApplicantInvitee
	}
	u, err := s.store.FindUser(ctx, "", actor.UserID)
	if errs.CodeOf(err) == errs.NotFound {
		return UserRef{}, ErrApplicantInvitee
	}
	return u, err
}

// MyInvitations returns a page of the pending invitations to actor's email (applicants).
func (s *Service) MyInvitations(ctx context.Context, actor auth.Actor, p page.Params) ([]Invitation, string, error) {
	u, err := s.invitee(ctx, actor)
	if err != nil {
		return nil, "", err
	}
	items, err := s.store.PendingInvitations(ctx, InvitationScope{Email: strings.ToLower(u.Email)}, s.now().UTC(), p)
	return page.Cut(p, items, err, func(i Invitation) string { return i.ID })
}

// AcceptInvitation makes actor a member of the inviting organisation with the invited role.
// Only the account whose email was invited may accept, once, before it expires and unless
// it was revoked; to anyone else the invitation does not exist. The organisation's row is
// locked first (as revoking and removing members lock it), then the invitation's.
func (s *Service) AcceptInvitation(ctx context.Context, actor auth.Actor, invitationID string) (Invitation, error) {
	var out Invitation
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.invitee(ctx, actor)
		if err != nil {
			return err
		}
		first, err := s.store.Invitation(ctx, invitationID, false)
		if errs.CodeOf(err) == errs.NotFound || err == nil && first.Email != strings.ToLower(u.Email) {
			return ErrInvitationNotFound
		}
		if err != nil {
			return err
		}
		if _, err := s.store.Organisation(ctx, first.OrganisationID, true); err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return ErrInvitationNotFound
			}
			return err
		}
		inv, err := s.store.Invitation(ctx, invitationID, true)
		if err != nil {
			return err
		}
		switch inv.Status(s.now()) {
		case InvitationAccepted:
			return ErrInvitationAccepted
		case InvitationRevoked, InvitationExpired:
			return ErrInvitationNotFound
		}
		now := s.now().UTC()
		m := Membership{ID: s.newID(), OrganisationID: inv.OrganisationID, UserID: u.ID, Role: inv.Role, CreatedAt: now, UpdatedAt: now}
		if err := s.store.AddMembership(ctx, m); err != nil {
			if errs.CodeOf(err) == errs.Conflict {
				return ErrAlreadyMember.Withf("you are already a member of this organisation")
			}
			return err
		}
		inv.AcceptedAt, inv.AcceptedBy = &now, u.ID
		if err := s.store.CloseInvitation(ctx, inv); err != nil {
			return err
		}
		out = inv
		if err := s.events.Publish(ctx, actor, event.OrganisationInvitation{Kind: event.OrganisationInvitationAccepted,
			OrganisationID: inv.OrganisationID, InvitationID: inv.ID, Role: string(inv.Role), UserID: u.ID}); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.Membership{Kind: event.MembershipAdded, OrganisationID: inv.OrganisationID,
			UserID: u.ID, Role: string(inv.Role)})
	})
	return out, err
}
