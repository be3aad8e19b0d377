// Package audit is the append-only record of every state change and every read of bank
// details. Events are written by the service that makes the change, inside its transaction,
// so a change and its audit event commit together or not at all.
package audit

import (
	"context"
	"time"

	"constellate/internal/auth"
	"constellate/internal/page"
)

// Event is one audit record.
type Event struct {
	ID         string         `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    string         `json:"actor_id"`
	ActorRole  string         `json:"actor_role"`
	Action     string         `json:"action"` // e.g. application.submitted
	EntityType string         `json:"entity_type"`
	EntityID   string         `json:"entity_id"`
	RequestID  string         `json:"request_id"`
	Changes    map[string]any `json:"changes"`
} // @name AuditEvent

// Store appends events. The implementation joins the transaction carried in ctx.
type Store interface {
	Append(ctx context.Context, e Event) error
	List(ctx context.Context, f Filter, p page.Params) ([]Event, error)
}

// Filter narrows a listing of events.
type Filter struct {
	EntityType string
	EntityID   string
	ActorID    string
	Action     string
}

// Log writes events for services. It fills the id, time, actor and request id.
type Log struct {
	store Store
	now   func() time.Time
	newID func() string
}

// NewLog returns a Log writing to store.
func NewLog(store Store, now func() time.Time, newID func() string) *Log {
	return &Log{store: store, now: now, newID: newID}
}

// Record appends an event for a change made by actor. Call it inside the transaction that
// makes the change (the store joins the transaction in ctx).
func (l *Log) Record(ctx context.Context, actor auth.Actor, action, entityType, entityID string, changes map[string]any) error {
	if changes == nil {
		changes = map[string]any{}
	}
	return l.store.Append(ctx, Event{
		ID:         l.newID(),
		At:         l.now().UTC(),
		ActorID:    actor.UserID,
		ActorRole:  string(actor.Role),
		Action:     action,
		EntityType: entityType,
		EntityID:   entityID,
		RequestID:  RequestID(ctx),
		Changes:    changes,
	})
}

// List returns a page of events, newest first, for managers, and the key to continue
// after ("" on the last page).
func (l *Log) List(ctx context.Context, f Filter, p page.Params) ([]Event, string, error) {
	events, err := l.store.List(ctx, f, p)
	return page.Cut(p, events, err, func(e Event) string { return e.ID })
}

type requestIDKey struct{}

// WithRequestID returns a context carrying the HTTP request id, so events name the request
// that caused them.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}
