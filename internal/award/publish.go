package award

import (
	"context"

	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
)

// Publish releases a round's decisions. It subscribes to round.decisions_published, so it
// runs inside the publish-decisions transaction after the round moved to decided: it
// refuses (409 listing them, the whole publication rolled back) while any application
// under assessment has no decision; otherwise every decided application moves to awarded
// or declined with its feedback as the reason the group reads, every award becomes an
// offer with a default schedule of one instalment, and each application's
// decision.published event carries what a decision letter needs.
func (s *Service) Publish(ctx context.Context, e event.Event) error {
	roundID := e.Subject.ID
	r, err := s.round(ctx, roundID, false)
	if err != nil {
		return err
	}
	pending, err := s.store.UnderAssessment(ctx, roundID)
	if err != nil {
		return err
	}
	type decided struct {
		c Candidate
		d Decision
	}
	var todo []decided
	var missing errs.Fields
	for _, c := range pending {
		d, ok, err := s.store.Decision(ctx, c.ApplicationID)
		if err != nil {
			return err
		}
		if !ok {
			missing.Add("applications."+c.Reference, "has no decision yet (%s)", c.ApplicationID)
			continue
		}
		todo = append(todo, decided{c, d})
	}
	if len(missing) > 0 {
		return ErrUndecided.Withf("%d application(s) under assessment have no decision yet: decide them all, then publish", len(missing)).
			WithFields(missing)
	}
	now := s.now().UTC()
	for _, t := range todo {
		awarded := t.d.Outcome == OutcomeAward
		if err := s.applications.Conclude(ctx, e.Actor, t.c.ApplicationID, awarded, t.d.Feedback); err != nil {
			return err
		}
		release := event.DecisionRelease{ApplicationID: t.c.ApplicationID, RoundID: roundID, OrganisationID: t.c.OrganisationID,
			Reference: t.c.Reference, Outcome: string(t.d.Outcome)}
		if awarded {
			a := Award{ID: ids.New(), RoundID: roundID, ApplicationID: t.c.ApplicationID, OrganisationID: t.c.OrganisationID,
				Amount: t.d.Amount, Currency: r.Currency, Conditions: t.d.Conditions, Status: StatusOffered, OfferedAt: now,
				Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := s.store.CreateAward(ctx, a); err != nil {
				return err
			}
			p := Payment{ID: ids.New(), AwardID: a.ID, RoundID: roundID, OrganisationID: a.OrganisationID, Sequence: 1, Amount: a.Amount,
				DueDate: now.Add(PaymentDueAfter).Format(dateLayout), Status: PaymentScheduled, Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := s.store.CreatePayment(ctx, p); err != nil {
				return err
			}
			release.Amount, release.AwardID = a.Amount, a.ID
		}
		if err := s.events.Publish(ctx, e.Actor, release); err != nil {
			return err
		}
	}
	return s.store.MarkPublished(ctx, roundID, now)
}
