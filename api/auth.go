package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/identity"
)

// RegisterRequest creates an applicant account.
type RegisterRequest struct {
	Email    string `json:"email" example:"sam@example.org"`
	Password string `json:"password" example:"a long passphrase of words"`
	Name     string `json:"name" example:"Sam Jones"`
} // @name RegisterRequest

// LoginRequest signs in with email and password.
type LoginRequest struct {
	Email    string `json:"email" example:"sam@example.org"`
	Password string `json:"password" example:"a long passphrase of words"`
} // @name LoginRequest

// TokenResponse is a session: a short-lived access token and a single-use refresh token.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type" example:"Bearer"`
	ExpiresIn    int    `json:"expires_in" example:"900"`
	RefreshToken string `json:"refresh_token,omitempty"`
} // @name TokenResponse

// UserResponse is an account as its owner sees it.
type UserResponse struct {
	ID            string               `json:"id"`
	Email         string               `json:"email"`
	Name          string               `json:"name"`
	Role          string               `json:"role" enums:"applicant,panel_member,grants_manager,finance"`
	Organisations []MembershipResponse `json:"organisations"`
	CreatedAt     time.Time            `json:"created_at"`
	UpdatedAt     time.Time            `json:"updated_at"`
} // @name User

// MembershipResponse is one organisation the user belongs to.
type MembershipResponse struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	MembershipRole string `json:"membership_role" enums:"owner,member"`
} // @name UserOrganisation

// JWKSResponse is the public key set.
type JWKSResponse struct {
	Keys []auth.JWK `json:"keys"`
} // @name JWKS

func userResponse(u identity.User) UserResponse {
	return UserResponse{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Organisations: []MembershipResponse{},
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func tokenResponse(s identity.Session) TokenResponse {
	return TokenResponse{AccessToken: s.AccessToken, TokenType: "Bearer", ExpiresIn: int(s.ExpiresIn / time.Second), RefreshToken: s.RefreshToken}
}

// register godoc
//
//	@Summary		Create an applicant account
//	@Description	Anyone may register as an applicant. Staff, panel and finance accounts come from invitations.
//	@Description	Limited per client IP (by default 60 registrations per hour; CONSTELLATE_RATE_LIMITS; 429 with Retry-After).
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		RegisterRequest	true	"the new account"
//	@Success		201		{object}	User
//	@Failure		400		{object}	Problem
//	@Failure		409		{object}	Problem	"an account with this email already exists"
//	@Failure		415		{object}	Problem
//	@Failure		422		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Router			/v1/auth/register [post]
func (s *Server) register(c echo.Context) error {
	if err := s.rateLimit(c, identity.LimitRegister); err != nil {
		return err
	}
	var req RegisterRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	// Not through s.respond: an idempotency record would keep a fast hash of a body holding
	// the password. A retried registration answers 409, which is safe.
	u, err := s.Identity.Register(c.Request().Context(), req.Email, req.Password, req.Name)
	if err != nil {
		return err
	}
	return writeReply(c, created("/v1/me", userResponse(u), 0))
}

// login godoc
//
//	@Summary		Sign in with email and password
//	@Description	Only failures are counted, so successful sign-ins are never refused (a workshop of groups on one
//	@Description	venue's network signs in freely). By default 100 failed logins per 15 minutes per client IP, and 5
//	@Description	per account per client IP: past either, that IP's attempts (at that account) answer 429 with
//	@Description	Retry-After whatever the password, while the account's holder elsewhere is unaffected; the right
//	@Description	password clears the account's count. CONSTELLATE_RATE_LIMITS changes the limits. The refresh token
//	@Description	is single use: spend it at /v1/auth/refresh.
//	@Tags			auth
//	@Accept		json
//	@Produce	json
//	@Param		body	body		LoginRequest	true	"credentials"
//	@Success	200		{object}	TokenResponse
//	@Failure	400		{object}	Problem
//	@Failure	401		{object}	Problem
//	@Failure	415		{object}	Problem
//	@Failure	429		{object}	Problem
//	@Router		/v1/auth/login [post]
func (s *Server) login(c echo.Context) error {
	var req LoginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sess, err := s.Identity.Login(withClient(c), req.Email, req.Password)
	if err != nil {
		return withRetryAfter(c, err)
	}
	return c.JSON(http.StatusOK, tokenResponse(sess))
}

// me godoc
//
//	@Summary	The signed-in user, their role and organisations
//	@Tags		auth
//	@Produce	json
//	@Security	BearerAuth
//	@Success	200	{object}	User
//	@Failure	401	{object}	Problem
//	@Failure	404	{object}	Problem	"machine clients have no user"
//	@Router		/v1/me [get]
func (s *Server) me(c echo.Context) error {
	actor := auth.ActorFrom(c.Request().Context())
	u, err := s.Identity.User(c.Request().Context(), actor)
	if err != nil {
		return err
	}
	resp := userResponse(u)
	orgs, err := s.Organisations.Memberships(c.Request().Context(), actor)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		resp.Organisations = append(resp.Organisations, MembershipResponse{ID: o.ID, Name: o.Name, MembershipRole: string(o.Role)})
	}
	return c.JSON(http.StatusOK, resp)
}

// jwks godoc
//
//	@Summary	Public keys that verify access tokens (JWKS)
//	@Tags		auth
//	@Produce	json
//	@Success	200	{object}	JWKS
//	@Router		/.well-known/jwks.json [get]
func (s *Server) jwks(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, JWKSResponse{Keys: s.Identity.Tokens().Keys().JWKS()})
}
