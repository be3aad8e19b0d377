package application

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
	"constellate/internal/page"
	"constellate/internal/round"
)

// SubmissionProblems lists everything that stops a from being submitted to r, all at once:
// a title, every required answer, every answer valid, every eligibility rule passed (each
// failing rule's message, under "eligibility"), and min_grant ≤ requested_amount ≤
// max_grant.
func SubmissionProblems(r round.Round, a Application) errs.Fields {
	var f errs.Fields
	if strings.TrimSpace(a.Title) == "" {
		f.Add("title", "is required")
	}
	if a.RequestedAmount < r.MinGrant || a.RequestedAmount > r.MaxGrant {
		f.Add("requested_amount", "must be from %d to %d (%s, in minor units)", r.MinGrant, r.MaxGrant, r.Currency)
	}
	f = append(f, round.CheckAnswers(r.Definition, a.Answers, true)...)
	if ok, reasons := r.Eligibility.Evaluate(a.Answers); !ok {
		for _, m := range reasons {
			f.Add("eligibility", "%s", m)
		}
	}
	return f
}

// Submit submits a draft, or resubmits an application the funder asked more of. A first
// submission needs the round open and before its closing time (or within its grace period
// for an application started before it); a resubmission needs only that the round's
// decisions are not yet made (the funder asked for it, whatever the date). The application
// gets its reference at its first submission and an immutable revision at every one.
func (s *Service) Submit(ctx context.Context, actor auth.Actor, id string, ifMatch *int64) (Application, error) {
	var out Application
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		// Lock the round before the application (the order start-assessment takes them in),
		// so a submission and the start of the assessment never interleave.
		if pre, err := s.store.Get(ctx, id, false); err == nil {
			if _, err := s.rounds.Round(ctx, pre.RoundID, true); err != nil && errs.CodeOf(err) != errs.NotFound {
				return err
			}
		}
		var r round.Round
		var from Status
		a, err := s.change(ctx, actor, id, ifMatch, CanChange, func(a *Application) error {
			if _, err := a.Status.Next(ActionSubmit); err != nil {
				return s.refusal(actor, *a, ActionSubmit, err)
			}
			var err error
			if r, err = s.round(ctx, a.RoundID); err != nil {
				return err
			}
			now := s.now().UTC()
			switch {
			case a.Status == StatusDraft && !r.AcceptingSubmissions(now, a.StartedAt):
				return ErrDeadlinePassed
			case a.Status == StatusMoreInfoRequested && (DecisionsPublished(r.Status) || r.Status == round.StatusDraft):
				return ErrRoundMovedOn
			}
			if err := SubmissionProblems(r, *a).Err(errs.Invalid, "the application cannot be submitted yet: every problem is listed"); err != nil {
				return err
			}
			if a.Reference == "" {
				n, err := s.store.NextReference(ctx, r.ID)
				if err != nil {
					return err
				}
				a.Reference = fmt.Sprintf("%s-%04d", r.ReferencePrefix, n)
			}
			a.Revision++
			if err := s.store.AddRevision(ctx, Revision{ID: ids.New(), ApplicationID: a.ID, Number: a.Revision, Title: a.Title,
				Summary: a.Summary, RequestedAmount: a.RequestedAmount, Answers: a.Answers, SubmittedAt: now, SubmittedBy: actor.UserID}); err != nil {
				return err
			}
			a.SubmittedAt = &now
			from, err = a.apply(ActionSubmit)
			return err
		})
		if err != nil {
			return err
		}
		if out, err = a, s.moved(ctx, actor, a, from, ActionSubmit, ""); err != nil || r.Status != round.StatusAssessment {
			return err
		}
		// A resubmission (after request-info) to a round already in assessment rejoins it.
		out, err = s.startAssessment(ctx, actor, a.ID)
		return err
	})
	return out.ViewFor(actor), err
}

// change is the one update path (package change) for a use case on one application: the
// row is locked, check says whether actor may act on it (its refusals come before a stale
// If-Match, so nobody learns the version of what they may not see), then rule states the
// use case's guards and changes.
func (s *Service) change(ctx context.Context, actor auth.Actor, id string, ifMatch *int64, check func(auth.Actor, Relation) error,
	rule func(*Application) error) (Application, error) {
	return s.store.Update(ctx, id, change.Guard{IfMatch: ifMatch, At: s.now()}, func(a *Application) error {
		rel, err := s.relation(ctx, actor, *a)
		if err != nil {
			return err
		}
		if err := check(actor, rel); err != nil {
			return err
		}
		return rule(a)
	})
}

// refusal is err for an action the status does not allow, worded with the status the
// actor sees (an applicant is not told of a decision before it is published).
func (s *Service) refusal(actor auth.Actor, a Application, action Action, err error) error {
	if a.ViewFor(actor).Status == a.Status {
		return err
	}
	return ErrIllegalTransition.Withf("this application can no longer be %s", pastTense(action))
}

// moved records what follows a status change written by the update path: the history entry
// the group reads, and the action's event (its audit record and subscribers).
func (s *Service) moved(ctx context.Context, actor auth.Actor, a Application, from Status, action Action, reason string) error {
	if err := s.history(ctx, actor, a, from, reason); err != nil {
		return err
	}
	ev := event.ApplicationMove{Kind: action.Event(), ApplicationID: a.ID, RoundID: a.RoundID, OrganisationID: a.OrganisationID,
		From: string(from), To: string(a.Status), Reason: reason}
	if action == ActionSubmit {
		ev.Reference, ev.Revision = a.Reference, a.Revision
	}
	return s.events.Publish(ctx, actor, ev)
}

// checkReason lists problems with a reason or message (required when required).
func checkReason(field, v string, required bool) error {
	var f errs.Fields
	switch {
	case required && strings.TrimSpace(v) == "":
		f.Add(field, "is required: the applicant reads it")
	case utf8.RuneCountInString(v) > MaxReasonLength:
		f.Add(field, "must be at most %d characters", MaxReasonLength)
	}
	return f.Err(errs.Invalid, "the "+field+" is not valid")
}

// act runs a status action with a reason for the actor allowed by check.
func (s *Service) act(ctx context.Context, actor auth.Actor, id string, action Action, check func(auth.Actor, Relation) error,
	field, reason string, required bool, ifMatch *int64) (Application, error) {
	reason = strings.TrimSpace(reason)
	var out Application
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var from Status
		a, err := s.change(ctx, actor, id, ifMatch, check, func(a *Application) error {
			if _, err := a.Status.Next(action); err != nil {
				return s.refusal(actor, *a, action, err)
			}
			if err := checkReason(field, reason, required); err != nil {
				return err
			}
			var err error
			from, err = a.apply(action)
			return err
		})
		if err != nil {
			return err
		}
		out = a
		return s.moved(ctx, actor, a, from, action, reason)
	})
	return out.ViewFor(actor), err
}

// Withdraw withdraws an application before a decision, by a member of its organisation,
// with an optional reason. A withdrawn application frees the organisation's place in the
// round.
func (s *Service) Withdraw(ctx context.Context, actor auth.Actor, id, reason string, ifMatch *int64) (Application, error) {
	return s.act(ctx, actor, id, ActionWithdraw, CanChange, "reason", reason, false, ifMatch)
}

// RequestInfo asks the applicant for more (a manager, from submitted, with a message the
// applicant reads); they may edit and resubmit.
func (s *Service) RequestInfo(ctx context.Context, actor auth.Actor, id, message string, ifMatch *int64) (Application, error) {
	return s.act(ctx, actor, id, ActionRequestInfo, CanScreen, "message", message, true, ifMatch)
}

// MarkIneligible screens a submitted application out (a manager, with the reason the
// applicant is told).
func (s *Service) MarkIneligible(ctx context.Context, actor auth.Actor, id, reason string, ifMatch *int64) (Application, error) {
	return s.act(ctx, actor, id, ActionMarkIneligible, CanScreen, "reason", reason, true, ifMatch)
}

// History returns a page of an application's status changes, oldest first, as actor may
// see them.
func (s *Service) History(ctx context.Context, actor auth.Actor, id string, p page.Params) ([]HistoryEntry, string, error) {
	a, err := s.load(ctx, actor, id, false, CanReadHistory)
	if err != nil {
		return nil, "", err
	}
	list, err := s.store.History(ctx, a.ID, p)
	if err != nil {
		return nil, "", err
	}
	list, next := page.Trim(p, list, HistoryEntry.key)
	return HistoryFor(actor, a, list), next, nil
}

// Revisions returns a page of an application's submitted revisions, first first.
func (s *Service) Revisions(ctx context.Context, actor auth.Actor, id string, p page.Params) ([]Revision, string, error) {
	a, err := s.load(ctx, actor, id, false, CanRead)
	if err != nil {
		return nil, "", err
	}
	list, err := s.store.Revisions(ctx, a.ID, p)
	return page.Cut(p, list, err, Revision.key)
}

// StartAssessment moves every submitted application of the round under assessment. It
// subscribes to round.assessment_started, so it runs inside the round's start-assessment
// transaction with the round row locked (submissions lock it first too): none can slip in
// between.
func (s *Service) StartAssessment(ctx context.Context, e event.Event) error {
	p := page.Params{Limit: page.MaxLimit}
	for {
		batch, err := s.store.List(ctx, ListScope{All: true}, Filter{RoundID: e.Subject.ID, Status: StatusSubmitted}, p)
		if err != nil {
			return err
		}
		batch, next := page.Trim(p, batch, Application.key)
		for _, b := range batch {
			if _, err := s.startAssessment(ctx, e.Actor, b.ID); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		p.After = next
	}
}

// startAssessment moves one submitted application under assessment (nothing if it is no
// longer submitted).
func (s *Service) startAssessment(ctx context.Context, actor auth.Actor, id string) (Application, error) {
	var from Status
	a, err := s.store.Update(ctx, id, change.Guard{At: s.now()}, func(a *Application) error {
		if a.Status != StatusSubmitted {
			return change.Unchanged
		}
		var err error
		from, err = a.apply(ActionStartAssessment)
		return err
	})
	if err != nil || from == "" {
		return a, err
	}
	return a, s.moved(ctx, actor, a, from, ActionStartAssessment, "")
}

// Conclude moves an application under assessment to awarded or declined, with the
// decision's feedback as the reason its group reads in the history. The awards capability
// calls it inside the publication of the round's decisions (grants managers).
func (s *Service) Conclude(ctx context.Context, actor auth.Actor, id string, awarded bool, feedback string) error {
	action := ActionDecline
	if awarded {
		action = ActionAward
	}
	_, err := s.act(ctx, actor, id, action, CanScreen, "feedback", feedback, false, nil)
	return err
}

// CloseUnsubmitted closes what a round's publication leaves behind: drafts never submitted
// and requests for more information never answered are withdrawn, with a reason the group
// reads in the history. It subscribes to round.decisions_published.
func (s *Service) CloseUnsubmitted(ctx context.Context, e event.Event) error {
	on := s.now().UTC().Format("2 January 2006")
	reasons := map[Status]string{
		StatusDraft:             "The round's decisions were published on " + on + " before this application was submitted, so it was closed.",
		StatusMoreInfoRequested: "The round's decisions were published on " + on + " before the funder's request for more information was answered, so it was closed.",
	}
	for _, status := range []Status{StatusDraft, StatusMoreInfoRequested} {
		p := page.Params{Limit: page.MaxLimit}
		for {
			batch, err := s.store.List(ctx, ListScope{All: true}, Filter{RoundID: e.Subject.ID, Status: status}, p)
			batch, next, err := page.Cut(p, batch, err, Application.key)
			if err != nil {
				return err
			}
			for _, a := range batch {
				if _, err := s.act(ctx, e.Actor, a.ID, ActionWithdraw, CanScreen, "reason", reasons[status], false, nil); err != nil {
					return err
				}
			}
			if next == "" {
				break
			}
			p.After = next
		}
	}
	return nil
}
