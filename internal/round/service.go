package round

import (
	"context"
	"time"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/page"
)

// Store keeps programmes and rounds. Implementations join the transaction carried in ctx;
// Get methods return ErrProgrammeMissing / ErrNotFound when there is no such row, and lock
// the row for the rest of the transaction when forUpdate is set.
type Store interface {
	CreateProgramme(ctx context.Context, p Programme) error
	Programme(ctx context.Context, id string, forUpdate bool) (Programme, error)
	// UpdateProgramme is the one update path (package change) for programme id: its stale
	// If-Match is ErrStaleProg.
	UpdateProgramme(ctx context.Context, id string, g change.Guard, rule func(*Programme) error) (Programme, error)
	// Programmes lists programmes newest first.
	Programmes(ctx context.Context, p page.Params) ([]Programme, error)

	// CreateRound inserts r; a reference prefix already in use is ErrPrefixTaken.
	CreateRound(ctx context.Context, r Round) error
	Round(ctx context.Context, id string, forUpdate bool) (Round, error)
	// RoundIDByPrefix returns the id of the round using prefix, or "".
	RoundIDByPrefix(ctx context.Context, prefix string) (string, error)
	// UpdateRound is the one update path (package change) for round id: its stale
	// If-Match is ErrStale; a reference prefix already in use is ErrPrefixTaken.
	UpdateRound(ctx context.Context, id string, g change.Guard, rule func(*Round) error) (Round, error)
	// Rounds lists rounds newest first, by effective status at f.Now.
	Rounds(ctx context.Context, f Filter, p page.Params) ([]Round, error)
	// ProgrammesIn returns the programmes with these ids that exist, in any order.
	ProgrammesIn(ctx context.Context, ids []string) ([]Programme, error)

	PanelStore
}

// Filter narrows a listing of rounds.
type Filter struct {
	ProgrammeID string
	// Status filters by effective status at Now (an open round past closes_at is closed).
	Status Status
	ListScope
	Now time.Time
}

// Transactor runs fn in one transaction carried in ctx (*store.DB).
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Errors of the service.
var (
	ErrStale       = errs.E(errs.PreconditionFailed, "the round has changed since you read it (If-Match does not match); read it again")
	ErrStaleProg   = errs.E(errs.PreconditionFailed, "the programme has changed since you read it (If-Match does not match); read it again")
	ErrPrefixTaken = errs.E(errs.Conflict, "reference_prefix is already used by another round")
)

// Service is the programmes and rounds use cases. Every method takes the calling actor and
// checks policy itself; every change runs in one transaction with its event.
type Service struct {
	tx     Transactor
	store  Store
	events *event.Bus
	now    func() time.Time
	newID  func() string
}

// NewService returns the service.
func NewService(tx Transactor, store Store, events *event.Bus, now func() time.Time, newID func() string) *Service {
	return &Service{tx: tx, store: store, events: events, now: now, newID: newID}
}

// guard is a change made now with the caller's If-Match.
func (s *Service) guard(ifMatch *int64) change.Guard {
	return change.Guard{IfMatch: ifMatch, At: s.Now()}
}

// Now is the service's clock (handlers use it to compute effective statuses).
func (s *Service) Now() time.Time { return s.now().UTC() }

// ProgrammeInput is a new programme, or a programme's new values in a patch (nil: keep).
type ProgrammeInput struct {
	Name        *string
	Description *string
}

func (in ProgrammeInput) apply(p *Programme) []string {
	var changed []string
	if in.Name != nil && *in.Name != p.Name {
		p.Name, changed = *in.Name, append(changed, "name")
	}
	if in.Description != nil && *in.Description != p.Description {
		p.Description, changed = *in.Description, append(changed, "description")
	}
	return changed
}

func (p Programme) validate() error {
	var f errs.Fields
	text(&f, "name", p.Name, MaxNameLength, true)
	text(&f, "description", p.Description, MaxTextLength, false)
	return f.Err(errs.Invalid, "the programme has problems")
}

// CreateProgramme creates a programme (grants managers).
func (s *Service) CreateProgramme(ctx context.Context, actor auth.Actor, in ProgrammeInput) (Programme, error) {
	if err := CanManage(actor); err != nil {
		return Programme{}, err
	}
	now := s.Now()
	p := Programme{ID: s.newID(), Version: 1, CreatedAt: now, UpdatedAt: now}
	in.apply(&p)
	if err := p.validate(); err != nil {
		return Programme{}, err
	}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateProgramme(ctx, p); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.ProgrammeChange{Kind: event.ProgrammeCreated, ProgrammeID: p.ID, Name: p.Name})
	})
	return p, err
}

// UpdateProgramme changes a programme's name or description (grants managers); ifMatch,
// when given, must be its current version.
func (s *Service) UpdateProgramme(ctx context.Context, actor auth.Actor, id string, in ProgrammeInput, ifMatch *int64) (Programme, error) {
	if err := CanManage(actor); err != nil {
		return Programme{}, err
	}
	var p Programme
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var changed []string
		var err error
		p, err = s.store.UpdateProgramme(ctx, id, s.guard(ifMatch), func(p *Programme) error {
			if changed = in.apply(p); len(changed) == 0 {
				return change.Unchanged
			}
			return p.validate()
		})
		if err != nil || len(changed) == 0 {
			return err
		}
		return s.events.Publish(ctx, actor, event.ProgrammeChange{Kind: event.ProgrammeUpdated, ProgrammeID: p.ID, Changed: changed})
	})
	return p, err
}

// Programme returns one programme (grants managers; anyone else: not found).
func (s *Service) Programme(ctx context.Context, actor auth.Actor, id string) (Programme, error) {
	if err := CanReadProgramme(actor); err != nil {
		return Programme{}, err
	}
	return s.store.Programme(ctx, id, false)
}

// Programmes lists a page of programmes newest first (grants managers) and the key to
// continue after ("" on the last page).
func (s *Service) Programmes(ctx context.Context, actor auth.Actor, p page.Params) ([]Programme, string, error) {
	if err := CanReadProgramme(actor); err != nil {
		return nil, "", err
	}
	list, err := s.store.Programmes(ctx, p)
	return page.Cut(p, list, err, func(x Programme) string { return x.ID })
}

// CreateRound creates a draft round in a programme (grants managers). The definition is
// validated as a whole (422 listing every problem).
func (s *Service) CreateRound(ctx context.Context, actor auth.Actor, programmeID string, d Definition) (Round, error) {
	if err := CanManage(actor); err != nil {
		return Round{}, err
	}
	if err := d.Validate(); err != nil {
		return Round{}, err
	}
	now := s.Now()
	r := Round{ID: s.newID(), ProgrammeID: programmeID, Definition: d, Status: StatusDraft, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Programme(ctx, programmeID, true); err != nil {
			return err
		}
		if err := s.prefixFree(ctx, d.ReferencePrefix, r.ID); err != nil {
			return err
		}
		if err := s.store.CreateRound(ctx, r); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.RoundCreation{RoundID: r.ID, ProgrammeID: programmeID, Name: d.Name, Status: string(r.Status)})
	})
	return r, err
}

func (s *Service) prefixFree(ctx context.Context, prefix, self string) error {
	other, err := s.store.RoundIDByPrefix(ctx, prefix)
	if err != nil {
		return err
	}
	if other != "" && other != self {
		return ErrPrefixTaken.WithFields(errs.Fields{{Field: "reference_prefix", Message: "is already used by another round"}}).
			WithMeta("existing_id", other)
	}
	return nil
}

// Round returns a round the actor may see (a draft is not found except for managers).
func (s *Service) Round(ctx context.Context, actor auth.Actor, id string) (Round, error) {
	r, err := s.store.Round(ctx, id, false)
	if err != nil {
		return Round{}, err
	}
	if err := CanRead(actor, r, s.Now()); err != nil {
		return Round{}, err
	}
	return r, nil
}

// ProgrammesOf returns, by programme id, what the actor may see of the programme of each of
// rounds: its name and description. Anyone who may see a round may see that much of its
// programme (the programme itself stays the managers'), so pass only rounds the actor was
// allowed to read — those this service returned to it.
func (s *Service) ProgrammesOf(ctx context.Context, rounds ...Round) (map[string]ProgrammeRef, error) {
	out := make(map[string]ProgrammeRef, len(rounds))
	var ids []string
	for _, r := range rounds {
		if _, dup := out[r.ProgrammeID]; !dup {
			out[r.ProgrammeID] = ProgrammeRef{ID: r.ProgrammeID}
			ids = append(ids, r.ProgrammeID)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := s.store.ProgrammesIn(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, p := range list {
		out[p.ID] = ProgrammeRef{ID: p.ID, Name: p.Name, Description: p.Description}
	}
	return out, nil
}

// Rounds lists rounds newest first: managers all, anyone else open and closed ones (and
// panel members the rounds whose panel they sit on).
func (s *Service) Rounds(ctx context.Context, actor auth.Actor, f Filter, p page.Params) ([]Round, string, error) {
	f.ListScope = ScopeFor(actor)
	f.Now = s.Now()
	if f.PublicOnly && f.PanelMemberID == "" && f.Status != "" && !f.Status.Public() {
		return []Round{}, "", nil
	}
	list, err := s.store.Rounds(ctx, f, p)
	return page.Cut(p, list, err, func(r Round) string { return r.ID })
}

// Transition applies a status action (grants managers). Opening re-validates the whole
// definition. ifMatch, when given, must be the round's current version. Each action
// publishes its event (Action.Event): subscribers act on it in the same transaction —
// start-assessment moves the submitted applications under assessment; publish-decisions is
// where the awards capability releases outcomes and creates offers.
func (s *Service) Transition(ctx context.Context, actor auth.Actor, id string, action Action, ifMatch *int64) (Round, error) {
	if err := CanManage(actor); err != nil {
		return Round{}, err
	}
	var r Round
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var from Status
		var err error
		r, err = s.store.UpdateRound(ctx, id, s.guard(ifMatch), func(r *Round) error {
			now := s.Now()
			from = r.EffectiveStatus(now)
			if action == ActionOpen {
				if err := r.Validate(); err != nil {
					return err
				}
			}
			return r.Apply(action, now)
		})
		if err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.RoundMove{Kind: action.Event(), RoundID: r.ID,
			Status: event.StatusMove{From: string(from), To: string(r.Status)}})
	})
	return r, err
}
