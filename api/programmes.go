package api

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
	"constellate/internal/round"
)

// ProgrammeRequest creates a programme.
type ProgrammeRequest struct {
	Name        string `json:"name" validate:"required" example:"Side by Side Fund"`
	Description string `json:"description" example:"Small grants for user-led groups"`
} // @name ProgrammeRequest

// ProgrammePatchRequest changes a programme; omitted fields are kept.
type ProgrammePatchRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
} // @name ProgrammePatchRequest

// ProgrammeResponse is a programme (a fund under which rounds run).
type ProgrammeResponse struct {
	ID          string    `json:"id" validate:"required"`
	Name        string    `json:"name" validate:"required"`
	Description string    `json:"description" validate:"required"`
	CreatedAt   time.Time `json:"created_at" validate:"required"`
	UpdatedAt   time.Time `json:"updated_at" validate:"required"`
} // @name Programme

// ProgrammeList is a page of programmes.
type ProgrammeList struct {
	Data       []ProgrammeResponse `json:"data" validate:"required"`
	NextCursor *string             `json:"next_cursor" validate:"required" extensions:"x-nullable"`
} // @name ProgrammeList

func programmeResponse(p round.Programme) ProgrammeResponse {
	return ProgrammeResponse{ID: p.ID, Name: p.Name, Description: p.Description, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// createProgramme godoc
//
//	@Summary	Create a programme (grants managers)
//	@Tags		programmes
//	@Accept		json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		Idempotency-Key	header		string				false	"makes a retry safe"
//	@Param		body			body		ProgrammeRequest	true	"the programme"
//	@Success	201				{object}	Programme
//	@Failure	400				{object}	Problem
//	@Failure	401				{object}	Problem
//	@Failure	403				{object}	Problem
//	@Failure	409				{object}	Problem	"an identical request with this Idempotency-Key is still in progress"
//	@Failure	415				{object}	Problem
//	@Failure	422				{object}	Problem
//	@Router		/v1/programmes [post]
func (s *Server) createProgramme(c echo.Context) error {
	var req ProgrammeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		p, err := s.Rounds.CreateProgramme(ctx, auth.ActorFrom(ctx), round.ProgrammeInput{Name: &req.Name, Description: &req.Description})
		if err != nil {
			return reply{}, err
		}
		return created("/v1/programmes/"+p.ID, programmeResponse(p), p.Version), nil
	})
}

// listProgrammes godoc
//
//	@Summary	List programmes, newest first (grants managers)
//	@Tags		programmes
//	@Produce	json
//	@Security	BearerAuth
//	@Param		limit	query		int		false	"page size, 1–200"	default(50)
//	@Param		cursor	query		string	false	"next_cursor from the previous page"
//	@Success	200		{object}	ProgrammeList
//	@Failure	400		{object}	Problem
//	@Failure	401		{object}	Problem
//	@Failure	403		{object}	Problem
//	@Router		/v1/programmes [get]
func (s *Server) listProgrammes(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		list, next, err := s.Rounds.Programmes(ctx, auth.ActorFrom(ctx), p)
		if err != nil {
			return reply{}, err
		}
		out := ProgrammeList{Data: make([]ProgrammeResponse, len(list)), NextCursor: encodeCursor(next)}
		for i, x := range list {
			out.Data[i] = programmeResponse(x)
		}
		return ok(out), nil
	})
}

// getProgramme godoc
//
//	@Summary	Get a programme (grants managers)
//	@Tags		programmes
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id	path		string	true	"programme id"
//	@Success	200	{object}	Programme
//	@Header		200	{string}	ETag	"the programme's version, for If-Match"
//	@Failure	400	{object}	Problem
//	@Failure	401	{object}	Problem
//	@Failure	403	{object}	Problem
//	@Failure	404	{object}	Problem
//	@Router		/v1/programmes/{id} [get]
func (s *Server) getProgramme(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		p, err := s.Rounds.Programme(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(programmeResponse(p), p.Version), nil
	})
}

// patchProgramme godoc
//
//	@Summary	Change a programme's name or description (grants managers)
//	@Tags		programmes
//	@Accept		json
//	@Produce	json
//	@Security	BearerAuth
//	@Param		id			path		string					true	"programme id"
//	@Param		If-Match	header		string					false	"the ETag last read"
//	@Param		body		body		ProgrammePatchRequest	true	"the fields to change"
//	@Success	200			{object}	Programme
//	@Header		200			{string}	ETag	"the programme's new version"
//	@Failure	400			{object}	Problem
//	@Failure	401			{object}	Problem
//	@Failure	403			{object}	Problem
//	@Failure	404			{object}	Problem
//	@Failure	412			{object}	Problem
//	@Failure	415			{object}	Problem
//	@Failure	422			{object}	Problem
//	@Router		/v1/programmes/{id} [patch]
func (s *Server) patchProgramme(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req ProgrammePatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		p, err := s.Rounds.UpdateProgramme(ctx, auth.ActorFrom(ctx), id, round.ProgrammeInput{Name: req.Name, Description: req.Description}, match)
		if err != nil {
			return reply{}, err
		}
		return okVersioned(programmeResponse(p), p.Version), nil
	})
}
