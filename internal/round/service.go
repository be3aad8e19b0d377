package round

import (
	"context"
	"time"

	"constellate/internal/audit"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/page"
)

// Store keeps programmes and rounds. Implementations join the transaction carried in ctx;
// Get methods return ErrProgrammeMissing / ErrNotFound when there is no such row, and lock
// the row for the rest of the transaction when forUpdate is set.
type Store interface {
	CreateProgramme(ctx context.Context, p Programme) error
	Programme(ctx context.Context, id string, forUpdate bool) (Programme, error)
	// UpdateProgramme writes every field of p.
	UpdateProgramme(ctx context.Context, p Programme) error
	// Programmes lists programmes newest first.
	Programmes(ctx context.Context, p page.Params) ([]Programme, error)

	// CreateRound inserts r; a reference prefix already in use is ErrPrefixTaken.
	CreateRound(ctx context.Context, r Round) error
	Round(ctx context.Context, id string, forUpdate bool) (Round, error)
	// RoundIDByPrefix returns the id of the round using prefix, or "".
	RoundIDByPrefix(ctx context.Context, prefix string) (string, error)
	// UpdateRound writes every field of r (ErrPrefixTaken as for CreateRound).
	UpdateRound(ctx context.Context, r Round) error
	// Rounds lists rounds newest first, by effective status at f.Now.
	Rounds(ctx context.Context, f Filter, p page.Params) ([]Round, error)

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
// checks policy itself; every change runs in one transaction with its audit event.
type Service struct {
	tx    Transactor
	store Store
	audit *audit.Log
	now   func() time.Time
	newID func() string

	// OnPublishDecisions, when set, runs inside the publish-decisions transaction after the
	// round has moved to decided: the awards capability releases outcomes and creates offers
	// there. An error rolls the whole action back.
	OnPublishDecisions func(ctx context.Context, actor auth.Actor, r Round) error
	// OnStartAssessment, when set, runs inside the start-assessment transaction after the
	// round has moved to assessment: the applications capability moves the submitted
	// applications under assessment there. An error rolls the whole action back.
	OnStartAssessment func(ctx context.Context, actor auth.Actor, r Round) error
}

// NewService returns the service.
func NewService(tx Transactor, store Store, log *audit.Log, now func() time.Time, newID func() string) *Service {
	return &Service{tx: tx, store: store, audit: log, now: now, newID: newID}
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
		return s.audit.Record(ctx, actor, "programme.created", "programme", p.ID, map[string]any{"name": p.Name})
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
		var err error
		if p, err = s.store.Programme(ctx, id, true); err != nil {
			return err
		}
		if ifMatch != nil && *ifMatch != p.Version {
			return ErrStaleProg
		}
		changed := in.apply(&p)
		if err := p.validate(); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		p.Version++
		p.UpdatedAt = s.Now()
		if err := s.store.UpdateProgramme(ctx, p); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "programme.updated", "programme", p.ID, map[string]any{"changed": changed})
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

// Programmes lists programmes newest first (grants managers).
func (s *Service) Programmes(ctx context.Context, actor auth.Actor, p page.Params) ([]Programme, error) {
	if err := CanReadProgramme(actor); err != nil {
		return nil, err
	}
	return s.store.Programmes(ctx, p)
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
		return s.audit.Record(ctx, actor, "round.created", "round", r.ID,
			map[string]any{"programme_id": programmeID, "name": d.Name, "status": string(r.Status)})
	})
	return r, err
}

func (s *Service) prefixFree(ctx context.Context, prefix, self string) error {
	other, err := s.store.RoundIDByPrefix(ctx, prefix)
	if err != nil {
		return err
	}
	if other != "" && other != self {
		e := *ErrPrefixTaken
		e.Fields = []errs.FieldError{{Field: "reference_prefix", Message: "is already used by another round"}}
		return e.WithMeta("existing_id", other)
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

// Rounds lists rounds newest first: managers all, anyone else open and closed ones (and
// panel members the rounds whose panel they sit on).
func (s *Service) Rounds(ctx context.Context, actor auth.Actor, f Filter, p page.Params) ([]Round, error) {
	f.ListScope = ScopeFor(actor)
	f.Now = s.Now()
	if f.PublicOnly && f.PanelMemberID == "" && f.Status != "" && !f.Status.Public() {
		return []Round{}, nil
	}
	return s.store.Rounds(ctx, f, p)
}

// Transition applies a status action (grants managers). Opening re-validates the whole
// definition. ifMatch, when given, must be the round's current version.
//
// publish-decisions only moves the round to decided for now. SEAM: the awards capability
// hooks in here (inside this transaction) to release outcomes to applicants and create the
// award offers; see OnPublishDecisions.
func (s *Service) Transition(ctx context.Context, actor auth.Actor, id string, action Action, ifMatch *int64) (Round, error) {
	if err := CanManage(actor); err != nil {
		return Round{}, err
	}
	var r Round
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.store.Round(ctx, id, true); err != nil {
			return err
		}
		if ifMatch != nil && *ifMatch != r.Version {
			return ErrStale
		}
		now := s.Now()
		from := r.EffectiveStatus(now)
		if action == ActionOpen {
			if err := r.Validate(); err != nil {
				return err
			}
		}
		if err := r.Apply(action, now); err != nil {
			return err
		}
		r.Version++
		r.UpdatedAt = now
		if err := s.store.UpdateRound(ctx, r); err != nil {
			return err
		}
		if action == ActionStartAssessment && s.OnStartAssessment != nil {
			if err := s.OnStartAssessment(ctx, actor, r); err != nil {
				return err
			}
		}
		if action == ActionPublishDecisions && s.OnPublishDecisions != nil {
			if err := s.OnPublishDecisions(ctx, actor, r); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, actor, action.AuditAction(), "round", r.ID,
			map[string]any{"status": map[string]any{"from": string(from), "to": string(r.Status)}})
	})
	return r, err
}
