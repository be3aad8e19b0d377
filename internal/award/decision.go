package award

import (
	"context"
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

// Limits on what managers write.
const (
	MaxTextLength = 5000
	// PaymentDueAfter is when the default single instalment falls due after the offer.
	PaymentDueAfter = 30 * 24 * time.Hour
)

// statusUnderAssessment is the application status decisions are made on.
const statusUnderAssessment = "under_assessment"

// Service is the decisions, awards and payments use cases.
type Service struct {
	tx           Transactor
	store        Store
	rounds       Rounds
	banks        Banks
	applications Applications
	events       *event.Bus
	now          func() time.Time
	// syncLag holds back the newest rows of a finance sync (see Sync).
	syncLag time.Duration
}

// Applications moves applications when decisions are published (the application
// capability's service).
type Applications interface {
	Conclude(ctx context.Context, actor auth.Actor, id string, awarded bool, feedback string) error
}

// NewService returns the service. syncLag must exceed the longest a write transaction can
// take (the request timeout): see Sync.
func NewService(tx Transactor, store Store, rounds Rounds, banks Banks, applications Applications, events *event.Bus, now func() time.Time, syncLag time.Duration) *Service {
	return &Service{tx: tx, store: store, rounds: rounds, banks: banks, applications: applications, events: events, now: now, syncLag: syncLag}
}

func (s *Service) round(ctx context.Context, id string, forUpdate bool) (round.Round, error) {
	r, err := s.rounds.Round(ctx, id, forUpdate)
	if errs.CodeOf(err) == errs.NotFound {
		return r, ErrRoundMissing
	}
	return r, err
}

func (s *Service) candidate(ctx context.Context, id string) (Candidate, error) {
	if !ids.Valid(id) {
		return Candidate{}, ErrApplicationMissing
	}
	c, err := s.store.Candidate(ctx, strings.ToLower(id))
	if errs.CodeOf(err) == errs.NotFound {
		return c, ErrApplicationMissing
	}
	return c, err
}

// DecisionInput is what a manager decides.
type DecisionInput struct {
	Outcome      Outcome
	Amount       int64
	Conditions   string
	Feedback     string
	AmountReason string
}

// check lists every problem with a decision on an application to round r.
func (in DecisionInput) check(r round.Round, c Candidate) errs.Fields {
	var f errs.Fields
	switch in.Outcome {
	case OutcomeAward:
		if in.Amount < r.MinGrant || in.Amount > r.MaxGrant {
			f.Add("amount", "must be from %d to %d (the round's grants, in minor units)", r.MinGrant, r.MaxGrant)
		} else if in.Amount > c.RequestedAmount && strings.TrimSpace(in.AmountReason) == "" {
			f.Add("amount_reason", "is required to award more than the %d requested", c.RequestedAmount)
		}
	case OutcomeDecline:
		if in.Amount != 0 {
			f.Add("amount", "must be 0 (or left out) for a decline")
		}
		if strings.TrimSpace(in.Feedback) == "" {
			f.Add("feedback", "is required for a decline: groups deserve to know why")
		}
		if strings.TrimSpace(in.Conditions) != "" {
			f.Add("conditions", "must be empty for a decline")
		}
	default:
		f.Add("outcome", "must be award or decline")
	}
	for field, v := range map[string]string{"conditions": in.Conditions, "feedback": in.Feedback, "amount_reason": in.AmountReason} {
		if utf8.RuneCountInString(v) > MaxTextLength {
			f.Add(field, "must be at most %d characters", MaxTextLength)
		}
	}
	return f
}

// Decide records or changes the decision on an application under assessment (grants
// managers; round in assessment) and returns it with the round's budget left. An award is
// between the round's minimum and maximum grant and at most the amount requested unless a
// reason is given; a decline needs feedback. The round row is locked while the awards are
// added up, so racing decisions can never take the round over its budget: the one that
// would is refused (409 naming the budget left).
func (s *Service) Decide(ctx context.Context, actor auth.Actor, applicationID string, in DecisionInput, ifMatch *int64) (Decision, error) {
	if !actor.Is(auth.RoleGrantsManager) {
		return Decision{}, ErrManagersOnly
	}
	in.Conditions, in.Feedback, in.AmountReason = strings.TrimSpace(in.Conditions), strings.TrimSpace(in.Feedback), strings.TrimSpace(in.AmountReason)
	var out Decision
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.candidate(ctx, applicationID)
		if err != nil {
			return err
		}
		r, err := s.round(ctx, c.RoundID, true) // the budget lock
		if err != nil {
			return err
		}
		existing, had, err := s.store.Decision(ctx, c.ApplicationID)
		if err != nil {
			return err
		}
		if had && ifMatch != nil && *ifMatch != existing.Version || !had && ifMatch != nil {
			return ErrStaleDecision
		}
		switch {
		case r.Status != round.StatusAssessment:
			return ErrNotInAssessment.Withf("the round is %s: decisions are made while it is in assessment", r.Status)
		case c.Status != statusUnderAssessment:
			return ErrNotUnderAssessment
		}
		if err := in.check(r, c).Err(errs.Invalid, "the decision cannot be recorded"); err != nil {
			return err
		}
		if in.Outcome == OutcomeAward {
			others, err := s.store.AwardedTotal(ctx, r.ID, c.ApplicationID)
			if err != nil {
				return err
			}
			if left := r.Budget - others; in.Amount > left {
				return ErrOverBudget.Withf("this award of %d would take the round over its budget: %d is left", in.Amount, max(left, 0)).
					WithMeta("budget_left", itoa(max(left, 0)))
			}
		}
		now := s.now().UTC()
		if !had {
			out = Decision{ID: ids.New(), RoundID: r.ID, ApplicationID: c.ApplicationID, Version: 1, CreatedAt: now, UpdatedAt: now}
			in.apply(&out, actor)
			if err := s.store.CreateDecision(ctx, out); err != nil {
				return err
			}
		} else if out, err = s.store.UpdateDecision(ctx, existing.ID, change.Guard{At: now}, func(d *Decision) error {
			if !in.apply(d, actor) {
				return change.Unchanged
			}
			return nil
		}); err != nil {
			return err
		} else if out.Version == existing.Version {
			return nil // the same decision again: nothing changed, nothing to record
		}
		return s.events.Publish(ctx, actor, event.DecisionChange{Kind: event.DecisionRecorded, ApplicationID: c.ApplicationID,
			RoundID: r.ID, Outcome: string(out.Outcome), Amount: out.Amount})
	})
	return out, err
}

// apply sets the decision's fields and reports whether anything changed.
func (in DecisionInput) apply(d *Decision, actor auth.Actor) bool {
	next := *d
	next.Outcome, next.Amount, next.Conditions, next.Feedback, next.AmountReason, next.DecidedBy =
		in.Outcome, in.Amount, in.Conditions, in.Feedback, in.AmountReason, actor.UserID
	if next.Outcome == d.Outcome && next.Amount == d.Amount && next.Conditions == d.Conditions && next.Feedback == d.Feedback &&
		next.AmountReason == d.AmountReason && d.DecidedBy != "" {
		return false
	}
	*d = next
	return true
}

// DecisionOf returns an application's decision: to grants managers at any time, to the
// applying group once published (ErrDecisionMissing before, and to anyone else).
func (s *Service) DecisionOf(ctx context.Context, actor auth.Actor, applicationID string) (Decision, error) {
	c, err := s.candidate(ctx, applicationID)
	if err != nil {
		return Decision{}, err
	}
	d, ok, err := s.store.Decision(ctx, c.ApplicationID)
	if err != nil {
		return Decision{}, err
	}
	switch {
	case actor.Is(auth.RoleGrantsManager):
		if !ok {
			return Decision{}, ErrDecisionMissing.Withf("no decision has been made on this application yet")
		}
		return d, nil
	case actor.Is(auth.RoleApplicant):
		_, member, err := s.store.Relation(ctx, actor.UserID, c.OrganisationID)
		if err != nil {
			return Decision{}, err
		}
		if !member {
			return Decision{}, ErrApplicationMissing
		}
		if !ok || d.PublishedAt == nil {
			return Decision{}, ErrDecisionMissing
		}
		d.DecidedBy, d.AmountReason = "", "" // staff and internal notes stay with the funder
		return d, nil
	}
	return Decision{}, ErrApplicationMissing
}

// Decisions is a page of a round's decisions with its figures.
type Decisions struct {
	Round        round.Round
	Items        []Decision
	Next         string
	AwardedTotal int64
	// Undecided counts the applications under assessment without a decision.
	Undecided int
}

// Decisions lists a page of the round's decisions with the awarded total against the
// budget (grants managers).
func (s *Service) Decisions(ctx context.Context, actor auth.Actor, roundID string, p page.Params) (Decisions, error) {
	if !actor.Is(auth.RoleGrantsManager) {
		return Decisions{}, ErrManagersOnly
	}
	r, err := s.round(ctx, roundID, false)
	if err != nil {
		return Decisions{}, err
	}
	out := Decisions{Round: r}
	if out.AwardedTotal, err = s.store.AwardedTotal(ctx, r.ID, ""); err != nil {
		return out, err
	}
	pending, err := s.store.UnderAssessment(ctx, r.ID)
	if err != nil {
		return out, err
	}
	for _, c := range pending {
		if _, ok, err := s.store.Decision(ctx, c.ApplicationID); err != nil {
			return out, err
		} else if !ok {
			out.Undecided++
		}
	}
	list, err := s.store.Decisions(ctx, r.ID, p)
	out.Items, out.Next, err = page.Cut(p, list, err, func(d Decision) string { return d.ID })
	return out, err
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}
