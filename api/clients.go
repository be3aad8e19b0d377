package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/identity"
)

// ClientRequest creates a machine client.
type ClientRequest struct {
	Name string `json:"name" example:"Finance system"`
} // @name ClientRequest

// ClientResponse is a machine client as listed: never its secret.
type ClientResponse struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	ClientID  string    `json:"client_id"`
	CreatedAt time.Time `json:"created_at"`
} // @name Client

// ClientCreatedResponse is a new client with its secret, shown this once.
type ClientCreatedResponse struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	ClientID     string    `json:"client_id"`
	ClientSecret string    `json:"client_secret"`
	CreatedAt    time.Time `json:"created_at"`
} // @name ClientCreated

// ClientList is a page of machine clients.
type ClientList struct {
	Data       []ClientResponse `json:"data"`
	NextCursor *string          `json:"next_cursor" extensions:"x-nullable"`
} // @name ClientList

func clientResponse(c identity.Client) ClientResponse {
	return ClientResponse{ID: c.ID, Name: c.Name, ClientID: c.ClientID, CreatedAt: c.CreatedAt}
}

// createClient godoc
//
//	@Summary		Create a machine client (grants managers)
//	@Description	A finance tool signs in with client_id and client_secret at /v1/auth/token. The secret is in this
//	@Description	response only: it is stored hashed and cannot be shown again. (Idempotency-Key is not honoured
//	@Description	here, so that no copy of the secret is kept; a retried create makes a second client.)
//	@Tags			clients
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			body	body		ClientRequest	true	"the client"
//	@Success		201		{object}	ClientCreated
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		415		{object}	Problem
//	@Failure		422		{object}	Problem
//	@Router			/v1/clients [post]
func (s *Server) createClient(c echo.Context) error {
	var req ClientRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cl, secret, err := s.Identity.CreateClient(c.Request().Context(), auth.ActorFrom(c.Request().Context()), req.Name)
	if err != nil {
		return err
	}
	return writeReply(c, created("/v1/clients/"+cl.ID, ClientCreatedResponse{ID: cl.ID, Name: cl.Name, ClientID: cl.ClientID,
		ClientSecret: secret, CreatedAt: cl.CreatedAt}, 0))
}

// listClients godoc
//
//	@Summary	Machine clients (grants managers)
//	@Tags		clients
//	@Produce	json
//	@Security	BearerAuth
//	@Param		limit	query		int		false	"page size, 1–200"	default(50)
//	@Param		cursor	query		string	false	"next_cursor from the previous page"
//	@Success	200		{object}	ClientList
//	@Failure	400		{object}	Problem
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem
//	@Router		/v1/clients [get]
func (s *Server) listClients(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.Identity.ListClients(c.Request().Context(), auth.ActorFrom(c.Request().Context()), p)
	if err != nil {
		return err
	}
	out := ClientList{Data: make([]ClientResponse, len(list)), NextCursor: encodeCursor(next)}
	for i, cl := range list {
		out.Data[i] = clientResponse(cl)
	}
	return c.JSON(http.StatusOK, out)
}

// deleteClient godoc
//
//	@Summary		Delete a machine client (grants managers)
//	@Description	Its credentials stop working, and so does every access token it holds, at once.
//	@Tags			clients
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path	string	true	"the client's id"	format(uuid)
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Router			/v1/clients/{id} [delete]
func (s *Server) deleteClient(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Identity.RevokeClient(c.Request().Context(), auth.ActorFrom(c.Request().Context()), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
