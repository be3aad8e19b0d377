package api

import (
	"context"

	"github.com/labstack/echo/v4"

	"constellate/internal/audit"
)

// AuditEventList is a page of audit events.
type AuditEventList struct {
	Data       []audit.Event `json:"data"`
	NextCursor *string       `json:"next_cursor" extensions:"x-nullable"`
} // @name AuditEventList

// listAuditEvents godoc
//
//	@Summary	The audit log, newest first (grants managers)
//	@Tags		audit
//	@Produce	json
//	@Security	BearerAuth
//	@Param		entity_type	query		string	false	"e.g. application"
//	@Param		entity_id	query		string	false	"the entity's id"
//	@Param		actor_id	query		string	false	"who acted"
//	@Param		action		query		string	false	"e.g. application.submitted"
//	@Param		limit		query		int		false	"page size, 1–200"	default(50)
//	@Param		cursor		query		string	false	"next_cursor from the previous page"
//	@Success	200			{object}	AuditEventList
//	@Failure	400			{object}	Problem
//	@Failure	401			{object}	Problem
//	@Failure	403			{object}	Problem
//	@Router		/v1/audit-events [get]
func (s *Server) listAuditEvents(c echo.Context) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	f := audit.Filter{EntityType: c.QueryParam("entity_type"), EntityID: c.QueryParam("entity_id"),
		ActorID: c.QueryParam("actor_id"), Action: c.QueryParam("action")}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		events, next, err := s.Audit.List(ctx, f, p)
		if err != nil {
			return reply{}, err
		}
		if events == nil {
			events = []audit.Event{}
		}
		return ok(AuditEventList{Data: events, NextCursor: encodeCursor(next)}), nil
	})
}
