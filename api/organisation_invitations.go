package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/organisation"
)

// OrganisationInvitationRequest invites someone, by email, to join an organisation.
type OrganisationInvitationRequest struct {
	Email string `json:"email" validate:"required" example:"alex@example.org"`
	Role  string `json:"role" enums:"owner,member" default:"member"`
} // @name OrganisationInvitationRequest

// OrganisationInvitationResponse is an invitation to join an organisation, as its owners
// see it. It is the same whether or not the email has an account.
type OrganisationInvitationResponse struct {
	ID             string    `json:"id"`
	OrganisationID string    `json:"organisation_id"`
	Email          string    `json:"email"`
	Role           string    `json:"role" enums:"owner,member"`
	Status         string    `json:"status" enums:"pending,accepted,revoked,expired"`
	InvitedBy      string    `json:"invited_by"`
	CreatedAt      time.Time `json:"created_at"`
	ExpiresAt      time.Time `json:"expires_at"`
} // @name OrganisationInvitation

// OrganisationInvitationList is a page of an organisation's pending invitations.
type OrganisationInvitationList struct {
	Data       []OrganisationInvitationResponse `json:"data"`
	NextCursor *string                          `json:"next_cursor" extensions:"x-nullable"`
} // @name OrganisationInvitationList

// MyInvitationResponse is an invitation to join an organisation, as its invitee sees it:
// which group, from whom, as what, until when.
type MyInvitationResponse struct {
	ID               string     `json:"id"`
	OrganisationID   string     `json:"organisation_id"`
	OrganisationName string     `json:"organisation_name"`
	Role             string     `json:"role" enums:"owner,member"`
	Status           string     `json:"status" enums:"pending,accepted,revoked,expired"`
	InvitedByName    string     `json:"invited_by_name"`
	CreatedAt        time.Time  `json:"created_at"`
	ExpiresAt        time.Time  `json:"expires_at"`
	AcceptedAt       *time.Time `json:"accepted_at" extensions:"x-nullable"`
} // @name MyInvitation

// MyInvitationList is a page of the invitations waiting for the signed-in user.
type MyInvitationList struct {
	Data       []MyInvitationResponse `json:"data"`
	NextCursor *string                `json:"next_cursor" extensions:"x-nullable"`
} // @name MyInvitationList

func (s *Server) orgInvitationResponse(i organisation.Invitation) OrganisationInvitationResponse {
	return OrganisationInvitationResponse{ID: i.ID, OrganisationID: i.OrganisationID, Email: i.Email, Role: string(i.Role),
		Status: string(i.Status(s.Now())), InvitedBy: i.InvitedBy, CreatedAt: i.CreatedAt, ExpiresAt: i.ExpiresAt}
}

func (s *Server) myInvitationResponse(i organisation.Invitation) MyInvitationResponse {
	return MyInvitationResponse{ID: i.ID, OrganisationID: i.OrganisationID, OrganisationName: i.OrganisationName, Role: string(i.Role),
		Status: string(i.Status(s.Now())), InvitedByName: i.InvitedByName, CreatedAt: i.CreatedAt, ExpiresAt: i.ExpiresAt, AcceptedAt: i.AcceptedAt}
}

// createOrganisationInvitation godoc
//
//	@Summary		Invite someone to join the organisation (owners)
//	@Description	Invites an email to join as owner or member (default member) for 14 days. The answer is the same whether or not the email has an account: nothing here looks one up, so no response reveals it. The invitee signs in with that email — registering first if they have no account — finds the invitation at GET /v1/me/invitations and accepts it there; there is no token to pass on. When mail is configured the invitee is emailed a link (the event organisation_invitation.created is the seam). An email already a member answers 409; one with an invitation still pending answers 409 with existing_id.
//	@Tags			organisations
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string							true	"organisation id"
//	@Param			Idempotency-Key	header		string							false	"makes a retry safe"
//	@Param			body			body		OrganisationInvitationRequest	true	"who and as what"
//	@Success		201				{object}	OrganisationInvitation
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem	"already a member, or an invitation is pending (existing_id)"
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/organisations/{id}/invitations [post]
func (s *Server) createOrganisationInvitation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req OrganisationInvitationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		inv, err := s.Organisations.Invite(ctx, auth.ActorFrom(ctx), id, req.Email, organisation.MembershipRole(req.Role))
		if err != nil {
			return reply{}, err
		}
		return created("/v1/organisations/"+id+"/invitations/"+inv.ID, s.orgInvitationResponse(inv), 0), nil
	})
}

// listOrganisationInvitations godoc
//
//	@Summary		List the organisation's pending invitations (owners)
//	@Description	Invitations neither accepted, revoked nor expired, oldest first. Who joined is in the member list.
//	@Tags			organisations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"organisation id"
//	@Param			limit	query		int		false	"page size, 1–200"	default(50)
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	OrganisationInvitationList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Router			/v1/organisations/{id}/invitations [get]
func (s *Server) listOrganisationInvitations(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Organisations.Invitations(ctx, auth.ActorFrom(ctx), id, p)
		if err != nil {
			return reply{}, err
		}
		out := OrganisationInvitationList{Data: make([]OrganisationInvitationResponse, len(list)), NextCursor: encodeCursor(next)}
		for i, inv := range list {
			out.Data[i] = s.orgInvitationResponse(inv)
		}
		return ok(out), nil
	})
}

// revokeOrganisationInvitation godoc
//
//	@Summary		Revoke an invitation (owners)
//	@Description	The invitation can no longer be accepted. Revoking one already revoked or expired is done (204); one already accepted answers 409 (remove the member instead).
//	@Tags			organisations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path	string	true	"organisation id"
//	@Param			invitation_id	path	string	true	"invitation id"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem	"already accepted"
//	@Router			/v1/organisations/{id}/invitations/{invitation_id} [delete]
func (s *Server) revokeOrganisationInvitation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	invitationID, err := pathID(c, "invitation_id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		if err := s.Organisations.RevokeInvitation(ctx, auth.ActorFrom(ctx), id, invitationID); err != nil {
			return reply{}, err
		}
		return reply{status: http.StatusNoContent}, nil
	})
}

// listMyInvitations godoc
//
//	@Summary		Invitations waiting for you (applicants)
//	@Description	The pending invitations to join a group sent to your account's email, oldest first: which group, who invited you, as what and until when. Accept one with POST /v1/me/invitations/{id}/accept.
//	@Tags			organisations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			limit	query		int		false	"page size, 1–200"	default(50)
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	MyInvitationList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Router			/v1/me/invitations [get]
func (s *Server) listMyInvitations(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Organisations.MyInvitations(ctx, auth.ActorFrom(ctx), p)
		if err != nil {
			return reply{}, err
		}
		out := MyInvitationList{Data: make([]MyInvitationResponse, len(list)), NextCursor: encodeCursor(next)}
		for i, inv := range list {
			out.Data[i] = s.myInvitationResponse(inv)
		}
		return ok(out), nil
	})
}

// acceptMyInvitation godoc
//
//	@Summary		Accept an invitation: join the group (applicants)
//	@Description	You join the organisation with the invited role; GET /v1/me then lists it. Only the account whose email was invited may accept, once: to anyone else, and once revoked or expired, the invitation does not exist (404). Accepting again answers 409, as does being a member already.
//	@Tags			organisations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string	true	"invitation id"
//	@Param			Idempotency-Key	header		string	false	"makes a retry safe"
//	@Success		200				{object}	MyInvitation
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem	"already accepted, or already a member"
//	@Failure		422				{object}	Problem	"this Idempotency-Key was used with a different request"
//	@Router			/v1/me/invitations/{id}/accept [post]
func (s *Server) acceptMyInvitation(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		// No body, but one sent must be {}: a field such as "status" is refused, not ignored.
		if err := decodeOptional(c, &noBody{}); err != nil {
			return reply{}, err
		}
		inv, err := s.Organisations.AcceptInvitation(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return ok(s.myInvitationResponse(inv)), nil
	})
}
