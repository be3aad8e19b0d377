package api

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/errs"
	"constellate/internal/identity"
)

// ClientTokenRequest is the OAuth 2.0 client-credentials grant (RFC 6749 §4.4), sent as
// application/x-www-form-urlencoded or application/json. The credentials may come in the
// body or as HTTP Basic authentication, not both.
type ClientTokenRequest struct {
	GrantType    string `json:"grant_type" form:"grant_type" enums:"client_credentials"`
	ClientID     string `json:"client_id,omitempty" form:"client_id"`
	ClientSecret string `json:"client_secret,omitempty" form:"client_secret"`
} // @name ClientTokenRequest

// ClientTokenResponse is a machine client's access token (RFC 6749 §5.1). There is no
// refresh token: clients ask again with their credentials.
type ClientTokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type" example:"Bearer"`
	ExpiresIn   int    `json:"expires_in" example:"900"`
} // @name ClientTokenResponse

const (
	tokenPath     = "/v1/auth/token"
	basicCredsKey = "client_basic_credentials"
)

// clientBasicAuth runs before the bearer-token middleware: on the token endpoint only, it
// takes HTTP Basic client credentials out of the Authorization header (which otherwise must
// hold a bearer token) and keeps them for the handler.
func (s *Server) clientBasicAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		h := req.Header.Get(echo.HeaderAuthorization)
		if req.URL.Path != tokenPath || len(h) < 6 || !strings.EqualFold(h[:6], "Basic ") {
			return next(c)
		}
		req.Header.Del(echo.HeaderAuthorization)
		creds := [2]string{}
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h[6:])); err == nil {
			if id, secret, ok := strings.Cut(string(b), ":"); ok {
				// RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
				uid, e1 := url.QueryUnescape(id)
				usecret, e2 := url.QueryUnescape(secret)
				if e1 == nil && e2 == nil {
					creds = [2]string{uid, usecret}
				}
			}
		}
		c.Set(basicCredsKey, creds)
		return next(c)
	}
}

// clientToken godoc
//
//	@Summary		Client-credentials token for machine clients (OAuth 2.0)
//	@Description	grant_type=client_credentials with client_id and client_secret, in the body (form or JSON) or
//	@Description	as HTTP Basic. Answers a finance access token (audience: the API's audience + "#machine").
//	@Description	Errors are problem documents whose detail starts with the RFC 6749 error code: invalid_request
//	@Description	and unsupported_grant_type (400), invalid_client (401). Limited to 30 per minute per client IP.
//	@Tags			auth
//	@Accept			x-www-form-urlencoded,json
//	@Produce		json
//	@Param			body	body		ClientTokenRequest	true	"the grant"
//	@Success		200		{object}	ClientTokenResponse
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		413		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		429		{object}	Problem
//	@Router			/v1/auth/token [post]
func (s *Server) clientToken(c echo.Context) error {
	if err := s.rateLimit(c, identity.LimitClientToken); err != nil {
		return err
	}
	req, err := readClientTokenRequest(c)
	if err != nil {
		return err
	}
	if basic, ok := c.Get(basicCredsKey).([2]string); ok {
		if req.ClientID != "" || req.ClientSecret != "" {
			return oauthError("invalid_request", "send the client credentials either in the body or as HTTP Basic, not both")
		}
		req.ClientID, req.ClientSecret = basic[0], basic[1]
	}
	switch {
	case req.GrantType == "":
		return oauthError("invalid_request", "grant_type is required")
	case req.GrantType != "client_credentials":
		return oauthError("unsupported_grant_type", "only grant_type=client_credentials is supported")
	}
	tok, ttl, err := s.Identity.ClientToken(c.Request().Context(), req.ClientID, req.ClientSecret)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Pragma", "no-cache")
	return c.JSON(http.StatusOK, ClientTokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(ttl / time.Second)})
}

// oauthError is an RFC 6749 §5.2 error as a 400 problem document.
func oauthError(code, msg string) error {
	return errs.E(errs.Malformed, "%s: %s", code, msg)
}

// readClientTokenRequest decodes the grant from a form or JSON body, strictly: no unknown or
// repeated parameters.
func readClientTokenRequest(c echo.Context) (ClientTokenRequest, error) {
	var req ClientTokenRequest
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEApplicationJSON:
		return req, decodeJSON(c, &req)
	case echo.MIMEApplicationForm:
	default:
		return req, errs.E(errs.UnsupportedMediaType, "send the grant as application/x-www-form-urlencoded or application/json")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, errs.E(errs.TooLarge, "the request body is larger than 1 MiB")
		}
		return req, errs.E(errs.Malformed, "the request body could not be read")
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return req, oauthError("invalid_request", "the form body is not valid")
	}
	fields := map[string]*string{"grant_type": &req.GrantType, "client_id": &req.ClientID, "client_secret": &req.ClientSecret}
	for k, v := range values {
		dst, ok := fields[k]
		if !ok {
			return req, oauthError("invalid_request", "unknown parameter "+truncateParam(k))
		}
		if len(v) != 1 {
			return req, oauthError("invalid_request", k+" appears more than once")
		}
		*dst = v[0]
	}
	return req, nil
}

func truncateParam(k string) string {
	if len(k) > 40 {
		k = k[:40] + "…"
	}
	return strings.ToValidUTF8(k, "?")
}
