package store

import (
	"context"

	"constellate/internal/audit"
	"constellate/internal/page"
)

type auditRow struct {
	ID         string `gorm:"primaryKey"`
	At         Timestamp
	ActorID    string
	ActorRole  string
	Action     string
	EntityType string
	EntityID   string
	RequestID  string
	Changes    map[string]any `gorm:"serializer:json"`
}

func (auditRow) TableName() string { return "audit_events" }

// AuditStore implements audit.Store.
type AuditStore struct{ db *DB }

// NewAuditStore returns the audit store on db.
func NewAuditStore(db *DB) *AuditStore { return &AuditStore{db: db} }

// Append inserts an event, joining the transaction in ctx.
func (s *AuditStore) Append(ctx context.Context, e audit.Event) error {
	if e.Changes == nil {
		e.Changes = map[string]any{}
	}
	row := auditRow{ID: e.ID, At: TS(e.At), ActorID: e.ActorID, ActorRole: e.ActorRole, Action: e.Action,
		EntityType: e.EntityType, EntityID: e.EntityID, RequestID: e.RequestID, Changes: e.Changes}
	return Translate(s.db.conn(ctx).Create(&row).Error, "audit event")
}

// List returns events newest first.
func (s *AuditStore) List(ctx context.Context, f audit.Filter, p page.Params) ([]audit.Event, error) {
	q := s.db.conn(ctx).Model(&auditRow{})
	if f.EntityType != "" {
		q = q.Where("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if p.After != "" {
		q = q.Where("id < ?", p.After)
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(p.Fetch()).Find(&rows).Error; err != nil {
		return nil, Translate(err, "audit events")
	}
	out := make([]audit.Event, len(rows))
	for i, r := range rows {
		out[i] = audit.Event{ID: r.ID, At: r.At.Time(), ActorID: r.ActorID, ActorRole: r.ActorRole, Action: r.Action,
			EntityType: r.EntityType, EntityID: r.EntityID, RequestID: r.RequestID, Changes: r.Changes}
	}
	return out, nil
}
