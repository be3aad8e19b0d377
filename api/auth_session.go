package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/identity"
)

// RefreshRequest spends a refresh token.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token" example:"rt_…"`
} // @name RefreshRequest

// LogoutRequest ends the session a refresh token belongs to.
type LogoutRequest struct {
	RefreshToken string `json:"refresh_token" example:"rt_…"`
} // @name LogoutRequest

// PasswordChangeRequest replaces the caller's password.
type PasswordChangeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
} // @name PasswordChangeRequest

// refresh godoc
//
//	@Summary		Exchange a refresh token for a new pair
//	@Description	Refresh tokens are single use: each call returns a new one and spends the old. Replaying a
//	@Description	spent token more than 10 seconds after it was spent revokes its whole session (someone else
//	@Description	holds a copy); within those 10 seconds it is refused without revoking, so two tabs refreshing at
//	@Description	once do not sign the user out. Tokens last 30 days from their issue, within a 90-day session.
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		RefreshRequest	true	"the refresh token"
//	@Success		200		{object}	TokenResponse
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Router			/v1/auth/refresh [post]
func (s *Server) refresh(c echo.Context) error {
	if err := s.rateLimit(c, identity.LimitRefresh); err != nil {
		return err
	}
	var req RefreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sess, err := s.Identity.Refresh(c.Request().Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenResponse(sess))
}

// logout godoc
//
//	@Summary		End a session
//	@Description	Revokes the session (refresh-token family) the token belongs to. The refresh token is its own
//	@Description	proof, so no access token is needed. An unknown or already revoked token also answers 204.
//	@Description	Access tokens already issued live out their few minutes; use /v1/auth/logout-all to end them too.
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body	body	LogoutRequest	true	"the session's refresh token"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		415	{object}	Problem
//	@Failure		429	{object}	Problem
//	@Router			/v1/auth/logout [post]
func (s *Server) logout(c echo.Context) error {
	if err := s.rateLimit(c, identity.LimitRefresh); err != nil {
		return err
	}
	var req LogoutRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.Identity.Logout(c.Request().Context(), req.RefreshToken); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// logoutAll godoc
//
//	@Summary		Sign out everywhere
//	@Description	Ends every session of the caller: all refresh tokens are revoked and every access token already
//	@Description	issued (this one included) stops working at once.
//	@Tags			auth
//	@Produce		json
//	@Security		BearerAuth
//	@Success		204
//	@Failure		400	{object}	Problem	"a body other than {}"
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem	"machine clients have no sessions"
//	@Router			/v1/auth/logout-all [post]
func (s *Server) logoutAll(c echo.Context) error {
	// It takes no body, but one sent is held to the decoder (only {}), so a field such as
	// "status" is refused rather than ignored while the sessions end anyway.
	if err := decodeOptional(c, &noBody{}); err != nil {
		return err
	}
	if err := s.Identity.LogoutAll(c.Request().Context(), auth.ActorFrom(c.Request().Context())); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// changePassword godoc
//
//	@Summary		Change your password
//	@Description	Checks the current password, then ends every session (refresh tokens revoked, access tokens
//	@Description	dead) and returns a new session for the caller. Wrong current passwords count as failed logins
//	@Description	to the account from this client IP (login_account: by default 5 per 15 minutes; 429 with Retry-After).
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			body	body		PasswordChangeRequest	true	"current and new password"
//	@Success		200		{object}	TokenResponse
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem	"machine clients have no password"
//	@Failure		409		{object}	Problem	"the password changed meanwhile"
//	@Failure		415		{object}	Problem
//	@Failure		422		{object}	Problem	"current_password is wrong, or new_password breaks the rules"
//	@Failure		429		{object}	Problem
//	@Router			/v1/auth/password [post]
func (s *Server) changePassword(c echo.Context) error {
	var req PasswordChangeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sess, err := s.Identity.ChangePassword(withClient(c), auth.ActorFrom(c.Request().Context()), req.CurrentPassword, req.NewPassword)
	if err != nil {
		return withRetryAfter(c, err)
	}
	return c.JSON(http.StatusOK, tokenResponse(sess))
}
