package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/organisation"
)

// MemberRequest adds an existing applicant account to an organisation, named by email or
// by user_id (exactly one): grants managers only (groups invite).
type MemberRequest struct {
	Email          string `json:"email" example:"alex@example.org"`
	UserID         string `json:"user_id"`
	MembershipRole string `json:"membership_role" enums:"owner,member" default:"member"`
} // @name MemberRequest

// MemberResponse is one member of an organisation.
type MemberResponse struct {
	ID             string    `json:"id"`
	OrganisationID string    `json:"organisation_id"`
	UserID         string    `json:"user_id"`
	Name           string    `json:"name"`
	Email          string    `json:"email"`
	MembershipRole string    `json:"membership_role" enums:"owner,member"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
} // @name Member

// MemberList is a page of members.
type MemberList struct {
	Data       []MemberResponse `json:"data"`
	NextCursor *string          `json:"next_cursor" extensions:"x-nullable"`
} // @name MemberList

func memberResponse(m organisation.Member) MemberResponse {
	return MemberResponse{ID: m.ID, OrganisationID: m.OrganisationID, UserID: m.UserID, Name: m.Name, Email: m.Email,
		MembershipRole: string(m.Role), CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

// listMembers godoc
//
//	@Summary		List an organisation's members
//	@Description	Its members and grants managers may see them.
//	@Tags			organisations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path		string	true	"organisation id"
//	@Param			limit	query		int		false	"page size, 1–200"	default(50)
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	MemberList
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Router			/v1/organisations/{id}/members [get]
func (s *Server) listMembers(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Organisations.Members(ctx, auth.ActorFrom(ctx), id, p)
		if err != nil {
			return reply{}, err
		}
		out := MemberList{Data: make([]MemberResponse, len(list)), NextCursor: encodeCursor(next)}
		for i, m := range list {
			out.Data[i] = memberResponse(m)
		}
		return ok(out), nil
	})
}

// addMember godoc
//
//	@Summary		Add a member directly (grants managers only)
//	@Description	A grants manager adds an existing applicant account as owner or member (default member), named by email or user_id, without an invitation: the support path, say for a group whose only owner lost their account. Groups themselves add people by invitation (POST /v1/organisations/{id}/invitations), which never reveals whether an email has an account: anyone else calling this is answered 403 before any lookup. An account that is not found (or is not an applicant's) answers 422 naming the field; someone already a member answers 409.
//	@Tags			organisations
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string			true	"organisation id"
//	@Param			Idempotency-Key	header		string			false	"makes a retry safe"
//	@Param			body			body		MemberRequest	true	"who to add"
//	@Success		201				{object}	Member
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/organisations/{id}/members [post]
func (s *Server) addMember(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req MemberRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		m, err := s.Organisations.DirectAdd(ctx, auth.ActorFrom(ctx), id, organisation.NewMember{
			Email: req.Email, UserID: req.UserID, Role: organisation.MembershipRole(req.MembershipRole)})
		if err != nil {
			return reply{}, err
		}
		return created("/v1/organisations/"+id+"/members/"+m.UserID, memberResponse(m), 0), nil
	})
}

// removeMember godoc
//
//	@Summary		Remove a member
//	@Description	Owners remove anyone; a member may remove themself. The last owner cannot leave (409).
//	@Tags			organisations
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id		path	string	true	"organisation id"
//	@Param			user_id	path	string	true	"the member's user id"
//	@Success		204
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Failure		409	{object}	Problem
//	@Router			/v1/organisations/{id}/members/{user_id} [delete]
func (s *Server) removeMember(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	userID, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		if err := s.Organisations.RemoveMember(ctx, auth.ActorFrom(ctx), id, userID); err != nil {
			return reply{}, err
		}
		return reply{status: http.StatusNoContent}, nil
	})
}
