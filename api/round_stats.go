package api

import (
	"context"

	"github.com/labstack/echo/v4"

	"constellate/internal/auth"
)

// roundStats godoc
//
//	@Summary		A round's figures (grants managers)
//	@Description	Exact counts by status (and total), requested and awarded totals, budget left, and reach by led_by and region for applications (submitted or later) and awards. In the reach figures only, any count from 1 to 4 is the string "<5" (small-number suppression, applied in the domain); 0 and 5 or more are integers; each breakdown has a not_stated bucket. Computed in the database.
//	@Tags			rounds
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id	path		string	true	"round id"
//	@Success		200	{object}	RoundStats
//	@Failure		400	{object}	Problem
//	@Failure		401	{object}	Problem
//	@Failure		403	{object}	Problem
//	@Failure		404	{object}	Problem
//	@Router			/v1/rounds/{id}/stats [get]
func (s *Server) roundStats(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		st, err := s.Applications.Stats(ctx, auth.ActorFrom(ctx), id)
		if err != nil {
			return reply{}, err
		}
		return ok(statsResponse(st)), nil
	})
}
