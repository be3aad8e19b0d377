package application

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
	"constellate/internal/page"
	"constellate/internal/round"
)

// Limits on the application's own fields.
const (
	MaxTitleLength   = 200
	MaxSummaryLength = 5000
	MaxReasonLength  = 5000
	// MaxAmount bounds requested_amount (minor units) far above any real grant.
	MaxAmount = 1_000_000_000_000_000
)

// Service is the applications use cases.
type Service struct {
	tx      Transactor
	store   Store
	members Memberships
	rounds  Rounds
	events  *event.Bus
	now     func() time.Time
}

// NewService returns the applications service.
func NewService(tx Transactor, store Store, members Memberships, rounds Rounds, events *event.Bus, now func() time.Time) *Service {
	return &Service{tx: tx, store: store, members: members, rounds: rounds, events: events, now: now}
}

// relation finds what actor is to a (membership is read in SQL, at the time of the request).
func (s *Service) relation(ctx context.Context, actor auth.Actor, a Application) (Relation, error) {
	var rel Relation
	if actor.Is(auth.RoleApplicant) {
		m, err := s.members.MemberOf(ctx, actor.UserID, a.OrganisationID)
		if err != nil {
			return rel, err
		}
		rel.Member = m
	}
	if actor.Is(auth.RolePanelMember) {
		assigned, err := s.members.AssignedTo(ctx, actor.UserID, a.ID)
		if err != nil {
			return rel, err
		}
		rel.Assigned = assigned
	}
	return rel, nil
}

// load reads an application (locked when forUpdate) and checks actor may see it, and then
// whatever more check demands.
func (s *Service) load(ctx context.Context, actor auth.Actor, id string, forUpdate bool, check func(auth.Actor, Relation) error) (Application, error) {
	a, err := s.store.Get(ctx, id, forUpdate)
	if errs.CodeOf(err) == errs.NotFound {
		return Application{}, ErrNotFound
	}
	if err != nil {
		return Application{}, err
	}
	rel, err := s.relation(ctx, actor, a)
	if err != nil {
		return Application{}, err
	}
	return a, check(actor, rel)
}

// round reads the application's round in the transaction.
func (s *Service) round(ctx context.Context, id string) (round.Round, error) {
	r, err := s.rounds.Round(ctx, id, false)
	if errs.CodeOf(err) == errs.NotFound {
		return round.Round{}, ErrRoundNotFound
	}
	return r, err
}

// Create starts a draft application of organisationID to roundID. The caller must belong
// to the organisation; the round must be open and before its closing time; the
// organisation must not already have a live application to the round (errs.Conflict with
// existing_id naming it).
func (s *Service) Create(ctx context.Context, actor auth.Actor, roundID, organisationID string) (Application, error) {
	if !actor.Is(auth.RoleApplicant) {
		return Application{}, errs.E(errs.Forbidden, "only applicants start applications")
	}
	if !ids.Valid(organisationID) {
		return Application{}, errs.Fields{{Field: "organisation_id", Message: "must be the id of an organisation you belong to"}}.
			Err(errs.Invalid, "the application cannot be started")
	}
	organisationID = strings.ToLower(organisationID)
	var out Application
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		r, err := s.round(ctx, roundID)
		if err != nil {
			return err
		}
		if !r.Status.Public() {
			return ErrRoundNotFound
		}
		member, err := s.members.MemberOf(ctx, actor.UserID, organisationID)
		if err != nil {
			return err
		}
		if !member {
			return ErrOrganisationNotFound
		}
		now := s.now().UTC()
		if !r.AcceptingNewApplications(now) {
			if r.EffectiveStatus(now) == round.StatusOpen && now.Before(r.OpensAt) {
				return ErrRoundNotYetOpen.Withf("the round does not take applications yet: it opens at %s", r.OpensAt.UTC().Format(time.RFC3339))
			}
			return ErrRoundNotAccepting
		}
		if err := s.store.LockOrganisationRound(ctx, roundID, organisationID); err != nil {
			return err
		}
		existing, err := s.store.LiveID(ctx, roundID, organisationID)
		if err != nil {
			return err
		}
		if existing != "" {
			return ErrLiveExists.WithMeta("existing_id", existing)
		}
		a := Application{ID: ids.New(), RoundID: roundID, OrganisationID: organisationID, Answers: map[string]any{},
			Status: StatusDraft, StartedAt: now, CreatedBy: actor.UserID, Version: 1, CreatedAt: now, UpdatedAt: now,
			RoundStatus: r.Status}
		if err := s.store.Create(ctx, a); err != nil {
			return err
		}
		if err := s.history(ctx, actor, a, "", ""); err != nil {
			return err
		}
		// Read back with what the store joins (the organisation, the round's name).
		if out, err = s.store.Get(ctx, a.ID, false); err != nil {
			return err
		}
		out.Problems = Problems(r, out)
		return s.events.Publish(ctx, actor, event.ApplicationCreation{ApplicationID: a.ID, RoundID: roundID, OrganisationID: organisationID})
	})
	return out.ViewFor(actor), err
}

// history records a status change.
func (s *Service) history(ctx context.Context, actor auth.Actor, a Application, from Status, reason string) error {
	return s.store.AddHistory(ctx, HistoryEntry{ID: ids.New(), ApplicationID: a.ID, From: from, To: a.Status,
		At: a.UpdatedAt, ActorID: actor.UserID, ActorRole: string(actor.Role), Reason: reason})
}

// Get returns an application the actor may see (errs.NotFound otherwise), with its
// problems for its group and managers while it can change.
func (s *Service) Get(ctx context.Context, actor auth.Actor, id string) (Application, error) {
	a, err := s.load(ctx, actor, id, false, CanRead)
	if err != nil {
		return Application{}, err
	}
	one := []Application{a}
	if err := s.withProblems(ctx, actor, one); err != nil {
		return Application{}, err
	}
	return one[0].ViewFor(actor), nil
}

// withProblems fills in the problems (Problems) of those of list that actor is shown them
// for (ShowsProblems), reading each of their rounds once.
func (s *Service) withProblems(ctx context.Context, actor auth.Actor, list []Application) error {
	rounds := map[string]round.Round{}
	for i := range list {
		if !ShowsProblems(actor, list[i]) {
			continue
		}
		r, ok := rounds[list[i].RoundID]
		if !ok {
			var err error
			if r, err = s.round(ctx, list[i].RoundID); err != nil {
				return err
			}
			rounds[r.ID] = r
		}
		list[i].Problems = Problems(r, list[i])
	}
	return nil
}

// GetText returns an application the actor may see as plain text (Text).
func (s *Service) GetText(ctx context.Context, actor auth.Actor, id string) (string, error) {
	a, err := s.Get(ctx, actor, id)
	if err != nil {
		return "", err
	}
	r, err := s.round(ctx, a.RoundID)
	if err != nil {
		return "", err
	}
	return Text(r, a), nil
}

// List returns a page of the applications actor may see, filtered, by id, and the key to
// continue after ("" on the last page).
func (s *Service) List(ctx context.Context, actor auth.Actor, f Filter, p page.Params) ([]Application, string, error) {
	scope, err := ScopeFor(actor)
	if err != nil {
		return nil, "", err
	}
	var bad errs.Fields
	if f.Status != "" && !f.Status.Valid() {
		bad.Add("status", "is not an application status")
	}
	if utf8.RuneCountInString(f.Query) > MaxQueryLength {
		bad.Add("q", "must be at most %d characters", MaxQueryLength)
	}
	if err := bad.Err(errs.Malformed, "the filters are not valid"); err != nil {
		return nil, "", err
	}
	scope.MaskDecisions = !actor.Is(auth.RoleGrantsManager)
	list, err := s.store.List(ctx, scope, f, p)
	if err != nil {
		return nil, "", err
	}
	list, next := page.Trim(p, list, Application.key)
	if err := s.withProblems(ctx, actor, list); err != nil {
		return nil, "", err
	}
	for i := range list {
		list[i] = list[i].ViewFor(actor)
	}
	return list, next, nil
}

// Patch is a change to a draft: nil fields are left as they are; in Answers, a key whose
// value is empty (round.Missing: "", [] or null) deletes that answer, as a cleared form field
// does, and every other key replaces its answer (autosave of a partial form).
type Patch struct {
	Title           *string
	Summary         *string
	RequestedAmount *int64
	Answers         map[string]any
}

// Update applies a patch to a draft (or an application the funder has asked for more
// information) by a member of its organisation. Autosave never loses words: what is sent is
// stored even when an answer is over its limit or of the wrong shape, or the amount is
// outside the round's range, and the application returned lists its Problems; only an
// answer to a question the round does not ask and an amount that is no amount (refusals)
// are refused (errs.Invalid). A draft whose round has closed cannot change
// (ErrDeadlinePassed, saying when). ifMatch, when given, must be the current version
// (errs.PreconditionFailed); the row is locked either way, so no update is lost.
func (s *Service) Update(ctx context.Context, actor auth.Actor, id string, p Patch, ifMatch *int64) (Application, error) {
	var out Application
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var changed []string
		var r round.Round
		var err error
		out, err = s.change(ctx, actor, id, ifMatch, CanChange, func(a *Application) error {
			if !a.Status.Editable() {
				return ErrNotEditable
			}
			if r, err = s.round(ctx, a.RoundID); err != nil {
				return err
			}
			if a.Status == StatusDraft && !r.AcceptingSubmissions(s.now().UTC(), a.StartedAt) {
				return closed(r, s.now())
			}
			if err := p.refusals(r.Definition).Err(errs.Invalid, "some of the changes cannot be saved"); err != nil {
				return err
			}
			if changed = p.apply(a); len(changed) == 0 {
				return change.Unchanged
			}
			return nil
		})
		if err != nil {
			return err
		}
		out.Problems = Problems(r, out)
		if len(changed) == 0 {
			return nil
		}
		return s.events.Publish(ctx, actor, event.ApplicationUpdate{ApplicationID: out.ID, Fields: changed})
	})
	return out.ViewFor(actor), err
}

// closed is ErrDeadlinePassed for a draft in round r at now, saying when the round closed
// (or that the funder closed it before its closing time).
func closed(r round.Round, now time.Time) error {
	if now.Before(r.ClosesAt) {
		return ErrDeadlinePassed.Withf("this round has closed: the funder closed it before its closing time (%s), so drafts can no longer be changed or submitted",
			longTime(r.ClosesAt))
	}
	return ErrDeadlinePassed.Withf("this round closed on %s, so drafts can no longer be changed or submitted", longTime(r.ClosesAt))
}

// longTime writes a time as people read it: "31 March 2025 at 17:00 UTC".
func longTime(t time.Time) string { return t.UTC().Format("2 January 2006 at 15:04 UTC") }

// apply merges the patch into a and names what changed (answers as answers.<id>; values
// are not copied into the audit log).
func (p Patch) apply(a *Application) []string {
	changed := []string{}
	if p.Title != nil && strings.TrimSpace(*p.Title) != a.Title {
		a.Title = strings.TrimSpace(*p.Title)
		changed = append(changed, "title")
	}
	if p.Summary != nil && *p.Summary != a.Summary {
		a.Summary = *p.Summary
		changed = append(changed, "summary")
	}
	if p.RequestedAmount != nil && *p.RequestedAmount != a.RequestedAmount {
		a.RequestedAmount = *p.RequestedAmount
		changed = append(changed, "requested_amount")
	}
	if len(p.Answers) > 0 {
		merged := make(map[string]any, len(a.Answers)+len(p.Answers))
		for k, v := range a.Answers {
			merged[k] = v
		}
		for _, k := range slices.Sorted(maps.Keys(p.Answers)) {
			v := p.Answers[k]
			if round.Missing(v) {
				if _, had := merged[k]; had {
					delete(merged, k)
					changed = append(changed, "answers."+k)
				}
				continue
			}
			merged[k] = v
			changed = append(changed, "answers."+k)
		}
		a.Answers = merged
	}
	return changed
}
