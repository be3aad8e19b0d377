// Package event is the one in-transaction event point. Every state change publishes a typed
// event (events.go lists them all) from inside the transaction that makes the change;
// Publish records its audit event and then runs the subscribers registered for it, in the
// order they were registered (api/events.go wires them on one screen). A subscriber's error
// rolls the whole transaction back, so a change, its audit event and whatever its
// subscribers did (moving other rows now; queueing notifications and webhook deliveries
// later) commit together or not at all.
package event

import (
	"context"
	"encoding/json"
	"fmt"

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
)

// Name is an event's name, which is also its audit action (application.submitted …).
type Name string

// Payload is what one kind of event carries: a struct per event, in events.go. Payloads
// carry what a notification or a webhook needs (ids, statuses, names, amounts) and never a
// secret, a token, a password, bank details or an applicant's answers: they are written to
// the audit log as they are and, later, handed to notifications and webhooks.
type Payload interface {
	// Event names the event the payload belongs to.
	Event() Name
	// Subject is the entity the event is about (its audit entity type and id).
	Subject() Subject
}

// Subject names an entity: its type (application, round …) and id.
type Subject struct {
	Type string
	ID   string
}

// Event is one published event as subscribers receive it.
type Event struct {
	Name    Name
	Subject Subject
	Actor   auth.Actor
	Payload Payload
}

// Handler reacts to an event inside the publishing transaction (ctx carries it). An error
// rolls the transaction back.
type Handler func(ctx context.Context, e Event) error

type subscriber struct {
	name   string
	handle Handler
}

// Bus records events and runs their subscribers. Subscribe everything before serving:
// the bus is not safe for Subscribe concurrently with Publish.
type Bus struct {
	audit *audit.Log
	subs  map[Name][]subscriber
}

// NewBus returns a bus that records every event in log.
func NewBus(log *audit.Log) *Bus {
	return &Bus{audit: log, subs: map[Name][]subscriber{}}
}

// Subscribe registers handle, under a name for the architecture docs and errors, to run
// on every event called name. Subscribers of one event run in the order they subscribed.
func (b *Bus) Subscribe(name Name, by string, handle Handler) {
	b.subs[name] = append(b.subs[name], subscriber{name: by, handle: handle})
}

// Subscribers lists the subscribers of name in the order they run (for tests and docs).
func (b *Bus) Subscribers(name Name) []string {
	out := make([]string, 0, len(b.subs[name]))
	for _, s := range b.subs[name] {
		out = append(out, s.name)
	}
	return out
}

// Publish records p's audit event, as actor, and runs p's subscribers. Call it inside the
// transaction that made the change, after the change is written (subscribers read it).
func (b *Bus) Publish(ctx context.Context, actor auth.Actor, p Payload) error {
	if p.Event() == "" {
		return errs.Wrap(fmt.Errorf("%T has no event name", p), "publish event")
	}
	changes, err := fields(p)
	if err != nil {
		return err
	}
	subject := p.Subject()
	if err := b.audit.Record(ctx, actor, string(p.Event()), subject.Type, subject.ID, changes); err != nil {
		return err
	}
	e := Event{Name: p.Event(), Subject: subject, Actor: actor, Payload: p}
	for _, s := range b.subs[e.Name] {
		if err := s.handle(ctx, e); err != nil {
			return fmt.Errorf("event %s, subscriber %s: %w", e.Name, s.name, err)
		}
	}
	return nil
}

// fields turns a payload into the audit event's changes: its JSON object.
func fields(p Payload) (map[string]any, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, errs.Wrap(err, "encode event "+string(p.Event()))
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, errs.Wrap(err, "encode event "+string(p.Event()))
	}
	return out, nil
}
