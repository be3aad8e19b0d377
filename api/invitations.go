package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/identity"
)

// InvitationRequest invites someone to a staff, panel or finance account.
type InvitationRequest struct {
	Email string `json:"email" example:"alex@example.org"`
	Role  string `json:"role" enums:"panel_member,grants_manager,finance"`
} // @name InvitationRequest

// InvitationResponse is a new invitation with its token, shown this once.
type InvitationResponse struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role" enums:"panel_member,grants_manager,finance"`
	ExpiresAt time.Time `json:"expires_at"`
	Token     string    `json:"token"`
} // @name Invitation

// AcceptInvitationRequest creates the invited account.
type AcceptInvitationRequest struct {
	Token    string `json:"token"`
	Name     string `json:"name" example:"Alex Smith"`
	Password string `json:"password" example:"a long passphrase of words"`
} // @name AcceptInvitationRequest

// createInvitation godoc
//
//	@Summary		Invite someone to a staff, panel or finance account (grants managers)
//	@Description	The token is in this response only (it is stored hashed); it is single use and expires after
//	@Description	7 days. An email that already has an account answers 409.
//	@Tags			invitations
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			body	body		InvitationRequest	true	"who and which role"
//	@Success		201		{object}	Invitation
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		409		{object}	Problem	"the email already has an account"
//	@Failure		415		{object}	Problem
//	@Failure		422		{object}	Problem
//	@Router			/v1/invitations [post]
func (s *Server) createInvitation(c echo.Context) error {
	var req InvitationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	inv, token, err := s.Identity.Invite(c.Request().Context(), auth.ActorFrom(c.Request().Context()), req.Email, auth.Role(req.Role))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, InvitationResponse{ID: inv.ID, Email: inv.Email, Role: string(inv.Role), ExpiresAt: inv.ExpiresAt, Token: token})
}

// acceptInvitation godoc
//
//	@Summary		Accept an invitation: create the invited account
//	@Description	The account gets the invitation's email and role. An unknown or expired token answers 404; a
//	@Description	token already used answers 409, as does an email that already has an account.
//	@Tags			invitations
//	@Accept			json
//	@Produce		json
//	@Param			body	body		AcceptInvitationRequest	true	"the token, your name and a password"
//	@Success		201		{object}	User
//	@Failure		400		{object}	Problem
//	@Failure		404		{object}	Problem	"unknown or expired invitation"
//	@Failure		409		{object}	Problem	"invitation already used, or the email has an account"
//	@Failure		415		{object}	Problem
//	@Failure		422		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Router			/v1/invitations/accept [post]
func (s *Server) acceptInvitation(c echo.Context) error {
	if err := s.rateLimit(c, identity.LimitAcceptInvite); err != nil {
		return err
	}
	var req AcceptInvitationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.Identity.AcceptInvitation(c.Request().Context(), req.Token, req.Name, req.Password)
	if err != nil {
		return err
	}
	return writeReply(c, created("/v1/me", userResponse(u), 0))
}
