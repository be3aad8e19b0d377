package assessment

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
	"constellate/internal/page"
	"constellate/internal/round"
)

// Limits on what people write.
const (
	MaxNoteLength    = 2000
	MaxCommentLength = 5000
	// MaxDeclaration is how many applications one conflict declaration may name.
	MaxDeclaration = 200
)

// statusUnderAssessment is the application status assessment works on (the application
// capability's; repeated as a string so the store can compare it in SQL).
const statusUnderAssessment = "under_assessment"

// Service is the assessment use cases. Every method takes the caller and checks policy
// (policy.go) against what the database says now; every change runs in one transaction
// with its events.
type Service struct {
	tx     Transactor
	store  Store
	rounds Rounds
	events *event.Bus
	now    func() time.Time
}

// NewService returns the assessment service.
func NewService(tx Transactor, store Store, rounds Rounds, events *event.Bus, now func() time.Time) *Service {
	return &Service{tx: tx, store: store, rounds: rounds, events: events, now: now}
}

// round reads a round (ErrRoundMissing when absent).
func (s *Service) round(ctx context.Context, id string, forUpdate bool) (round.Round, error) {
	r, err := s.rounds.Round(ctx, id, forUpdate)
	if errs.CodeOf(err) == errs.NotFound {
		return round.Round{}, ErrRoundMissing
	}
	return r, err
}

// target reads an application (ErrApplicationMissing when absent).
func (s *Service) target(ctx context.Context, id string, forUpdate bool) (Target, error) {
	if !ids.Valid(id) {
		return Target{}, ErrApplicationMissing
	}
	t, err := s.store.Target(ctx, strings.ToLower(id), forUpdate)
	if errs.CodeOf(err) == errs.NotFound {
		return Target{}, ErrApplicationMissing
	}
	return t, err
}

// Conflicts.

// ConflictView is one application of a round under assessment as the caller sees it when
// declaring conflicts; managers also see every declaration with its note.
type ConflictView struct {
	Candidate
	Declarations []Conflict // managers only
}

// Candidates lists a page of the round's applications under assessment: a panel member on
// its panel sees names only and which they declared; a manager also sees every panel
// member's declarations with their notes. Anyone else: the round is not found.
func (s *Service) Candidates(ctx context.Context, actor auth.Actor, roundID string, p page.Params) ([]ConflictView, string, error) {
	if _, err := s.round(ctx, roundID, false); err != nil {
		return nil, "", err
	}
	manager := CanManage(actor) == nil
	if !manager {
		on, err := s.store.OnPanel(ctx, roundID, actor.UserID)
		if err != nil {
			return nil, "", err
		}
		if err := CanDeclare(actor, on); err != nil {
			return nil, "", err
		}
	}
	list, err := s.store.Candidates(ctx, roundID, actor.UserID, p)
	list, next, err := page.Cut(p, list, err, func(c Candidate) string { return c.ApplicationID })
	if err != nil {
		return nil, "", err
	}
	out := make([]ConflictView, len(list))
	for i, c := range list {
		out[i] = ConflictView{Candidate: c}
	}
	if manager && len(list) > 0 {
		appIDs := make([]string, len(list))
		for i, c := range list {
			appIDs[i] = c.ApplicationID
		}
		all, err := s.store.Conflicts(ctx, appIDs)
		if err != nil {
			return nil, "", err
		}
		byApp := map[string][]Conflict{}
		for _, c := range all {
			byApp[c.ApplicationID] = append(byApp[c.ApplicationID], c)
		}
		for i := range out {
			out[i].Declarations = byApp[out[i].ApplicationID]
			if out[i].Declarations == nil {
				out[i].Declarations = []Conflict{}
			}
		}
	}
	return out, next, nil
}

// Declare records the caller's conflicts of interest with applications of a round under
// assessment (panel members on its panel). Declarations add up and are never withdrawn
// here; sending an application again replaces its note. A conflict with an application the
// caller is assigned to removes the assignment and discards their draft; an assessment they
// already submitted stays (it is immutable) but no longer counts in the ranking.
func (s *Service) Declare(ctx context.Context, actor auth.Actor, roundID string, applicationIDs []string, note string) ([]Conflict, error) {
	var out []Conflict
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.round(ctx, roundID, true); err != nil {
			return err
		}
		on, err := s.store.OnPanel(ctx, roundID, actor.UserID)
		if err != nil {
			return err
		}
		if err := CanDeclare(actor, on); err != nil {
			return err
		}
		targets, err := s.declarable(ctx, roundID, applicationIDs, note)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		for _, t := range targets {
			c := Conflict{ID: ids.New(), RoundID: roundID, ApplicationID: t.ID, UserID: actor.UserID, Note: strings.TrimSpace(note), CreatedAt: now, UpdatedAt: now}
			if _, err := s.store.AddConflict(ctx, c); err != nil {
				return err
			}
			ev := event.ConflictDeclaration{ApplicationID: t.ID, RoundID: roundID, UserID: actor.UserID}
			if ev.RemovedAssignment, ev.DiscardedDraft, err = s.release(ctx, actor, t.ID, actor.UserID, "conflict"); err != nil {
				return err
			}
			if err := s.events.Publish(ctx, actor, ev); err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// declarable checks a declaration: 1 to MaxDeclaration applications of the round, each
// under assessment, and a note within its limit — every problem named at once.
func (s *Service) declarable(ctx context.Context, roundID string, applicationIDs []string, note string) ([]Target, error) {
	var f errs.Fields
	if len(applicationIDs) == 0 || len(applicationIDs) > MaxDeclaration {
		f.Add("application_ids", "must name from 1 to %d applications", MaxDeclaration)
	}
	if utf8.RuneCountInString(note) > MaxNoteLength {
		f.Add("note", "must be at most %d characters", MaxNoteLength)
	}
	var out []Target
	seen := map[string]bool{}
	for i, id := range applicationIDs {
		t, err := s.target(ctx, id, false)
		if err != nil && errs.CodeOf(err) != errs.NotFound {
			return nil, err
		}
		if err != nil || t.RoundID != roundID || t.Status != statusUnderAssessment {
			f.Add(fieldIndex("application_ids", i), "is not an application of this round under assessment")
			continue
		}
		if !seen[t.ID] {
			seen[t.ID] = true
			out = append(out, t)
		}
	}
	return out, f.Err(errs.Invalid, "the declaration cannot be recorded")
}

// release removes userID's assignment to an application and discards their draft (a
// conflict declared, or the manager unassigning them), publishing what it removed.
func (s *Service) release(ctx context.Context, actor auth.Actor, applicationID, userID, reason string) (assignmentID string, discarded bool, err error) {
	a, ok, err := s.store.AssignmentOf(ctx, applicationID, userID)
	if err != nil || !ok {
		return "", false, err
	}
	if err := s.store.DeleteAssignment(ctx, a.ID); err != nil {
		return "", false, err
	}
	if err := s.events.Publish(ctx, actor, event.AssignmentChange{Kind: event.AssignmentRemoved, AssignmentID: a.ID, RoundID: a.RoundID,
		ApplicationID: applicationID, UserID: userID, Reason: reason}); err != nil {
		return "", false, err
	}
	draft, ok, err := s.store.Assessment(ctx, applicationID, userID)
	if err != nil || !ok || draft.Status != StatusDraft {
		return a.ID, false, err
	}
	if _, err := s.store.DeleteDraft(ctx, applicationID, userID); err != nil {
		return "", false, err
	}
	return a.ID, true, s.events.Publish(ctx, actor, event.AssessmentChange{Kind: event.AssessmentDraftDiscarded, AssessmentID: draft.ID,
		RoundID: draft.RoundID, ApplicationID: applicationID, PanelMemberID: userID})
}

func fieldIndex(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
