package api

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/round"
)

// PanelRequest sets a round's whole panel: the ids of panel_member users ([] for none).
type PanelRequest struct {
	UserIDs []string `json:"user_ids" validate:"required"`
} // @name PanelRequest

// PanelMemberResponse is one member of a round's panel.
type PanelMemberResponse struct {
	ID      string    `json:"id" validate:"required"`
	Name    string    `json:"name" validate:"required"`
	Email   string    `json:"email" validate:"required"`
	AddedAt time.Time `json:"added_at" validate:"required"`
} // @name PanelMember

// PanelResponse is a round's assessment panel. Its ETag is the round's version.
type PanelResponse struct {
	RoundID   string                `json:"round_id" validate:"required"`
	UserIDs   []string              `json:"user_ids" validate:"required"`
	Members   []PanelMemberResponse `json:"members" validate:"required"`
	UpdatedAt time.Time             `json:"updated_at" validate:"required"`
} // @name RoundPanel

func panelResponse(p round.Panel) PanelResponse {
	out := PanelResponse{RoundID: p.RoundID, UserIDs: make([]string, len(p.Members)),
		Members: make([]PanelMemberResponse, len(p.Members)), UpdatedAt: p.UpdatedAt}
	for i, m := range p.Members {
		out.UserIDs[i] = m.UserID
		out.Members[i] = PanelMemberResponse{ID: m.UserID, Name: m.Name, Email: m.Email, AddedAt: m.AddedAt}
	}
	return out
}

// getPanel godoc
//
//	@Summary	A round's assessment panel (grants managers)
//	@Tags		rounds
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"round id"
//	@Success	200	{object}	RoundPanel
//	@Header		200	{string}	ETag	"the round's version, for If-Match"
//	@Failure	400	{object}	Problem
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Router		/v1/rounds/{id}/panel [get]
func (s *Server) getPanel(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		p, err := s.Rounds.Panel(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(panelResponse(p), p.Version), nil
	})
}

// putPanel godoc
//
//	@Summary		Set a round's assessment panel (grants managers)
//	@Description	Replaces the whole panel with the users listed; each must be a panel_member user (422 naming user_ids[i]). The panel may change until the round's decisions are published (409 after). A change moves the round's ETag and is audited (round.panel_changed, with who joined and who left).
//	@Tags			rounds
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id			path		string			true	"round id"
//	@Param			If-Match	header		string			false	"the round's ETag last read"
//	@Param			body		body		PanelRequest	true	"the panel"
//	@Success		200			{object}	RoundPanel
//	@Header			200			{string}	ETag	"the round's new version"
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem	"the round's decisions are published"
//	@Failure		412			{object}	Problem
//	@Failure		415			{object}	Problem
//	@Failure		422			{object}	Problem
//	@Router			/v1/rounds/{id}/panel [put]
func (s *Server) putPanel(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req PanelRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		p, err := s.Rounds.SetPanel(ctx, auth.ActorFrom(ctx), id, req.UserIDs, match)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(panelResponse(p), p.Version), nil
	})
}
