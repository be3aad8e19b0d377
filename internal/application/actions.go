package application

import (
	"context"
	"fmt"
	"slices"
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

// Submit submits a draft, or resubmits an application the funder asked more of, with no
// response (SubmitWithResponse).
func (s *Service) Submit(ctx context.Context, actor auth.Actor, id string, ifMatch *int64) (Application, error) {
	return s.SubmitWithResponse(ctx, actor, id, "", ifMatch)
}

// SubmitWithResponse submits a draft, or resubmits an application the funder asked more of.
// A first submission needs the round open and before its closing time (or within its grace
// period for an application started before it); a resubmission needs only that the round's
// decisions are not yet made (the funder asked for it, whatever the date) and a response:
// what the group changed, or its answer to the funder's question. Nothing may remain of the
// application's Problems (errs.Invalid lists them all, and a missing response). The
// application gets its reference at its first submission and an immutable revision at
// every one, which keeps the response (optional on a first submission) and the request it
// answers; the request, shown on the application, is marked answered.
func (s *Service) SubmitWithResponse(ctx context.Context, actor auth.Actor, id, response string, ifMatch *int64) (Application, error) {
	response = strings.TrimSpace(response)
	var out Application
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		// Lock the round before the application (the order start-assessment takes them in),
		// so a submission and the start of the assessment never interleave.
		if err := s.lockRoundOf(ctx, id); err != nil {
			return err
		}
		var r round.Round
		var from Status
		a, err := s.change(ctx, actor, id, ifMatch, CanChange, func(a *Application) error {
			var err error
			if r, err = s.round(ctx, a.RoundID); err != nil {
				return err
			}
			now := s.now().UTC()
			if err := s.blocker(actor, *a, r, now); err != nil {
				return err
			}
			problems := SubmissionProblems(r, *a)
			switch {
			case a.Status == StatusMoreInfoRequested && response == "":
				problems.Add("response", "is required: tell the funder what you changed, or answer their question")
			case utf8.RuneCountInString(response) > MaxReasonLength:
				problems.Add("response", "must be at most %d characters", MaxReasonLength)
			}
			if err := problems.Err(errs.Invalid, "the application cannot be submitted yet: every problem is listed"); err != nil {
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
			rev := Revision{ID: ids.New(), ApplicationID: a.ID, Number: a.Revision, Title: a.Title, Summary: a.Summary,
				RequestedAmount: a.RequestedAmount, Answers: a.Answers, SubmittedAt: now, SubmittedBy: actor.UserID, Response: response}
			if a.Status == StatusMoreInfoRequested && a.InfoRequest != nil {
				answered := *a.InfoRequest
				answered.AnsweredAt, answered.Response = &now, response
				a.InfoRequest, rev.RequestMessage = &answered, answered.Message
			}
			if err := s.store.AddRevision(ctx, rev); err != nil {
				return err
			}
			a.SubmittedAt = &now
			from, err = a.apply(ActionSubmit)
			return err
		})
		if err != nil {
			return err
		}
		if out, err = a, s.moved(ctx, actor, a, from, ActionSubmit, response); err != nil || r.Status != round.StatusAssessment {
			return err
		}
		// A resubmission (after request-info) to a round already in assessment rejoins it.
		out, err = s.startAssessment(ctx, actor, a.ID)
		return err
	})
	return out.ViewFor(actor), err
}

// lockRoundOf locks application id's round row, if both exist (the rule reports a missing
// application as it should).
func (s *Service) lockRoundOf(ctx context.Context, id string) error {
	pre, err := s.store.Get(ctx, id, false)
	if err != nil {
		return nil
	}
	if _, err := s.rounds.Round(ctx, pre.RoundID, true); err != nil && errs.CodeOf(err) != errs.NotFound {
		return err
	}
	return nil
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

// act runs a status action with a reason for the actor allowed by check; effect, when
// given, makes the action's other changes to the application once it is allowed.
func (s *Service) act(ctx context.Context, actor auth.Actor, id string, action Action, check func(auth.Actor, Relation) error,
	field, reason string, required bool, ifMatch *int64, effect func(a *Application)) (Application, error) {
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
			if from, err = a.apply(action); err == nil && effect != nil {
				effect(a)
			}
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
	return s.act(ctx, actor, id, ActionWithdraw, CanChange, "reason", reason, false, ifMatch, nil)
}

// RequestInfo asks the applicant for more (a manager, from submitted, with a message the
// applicant reads); they may edit and resubmit. The request is shown on the application
// (InfoRequest) until another replaces it.
func (s *Service) RequestInfo(ctx context.Context, actor auth.Actor, id, message string, ifMatch *int64) (Application, error) {
	return s.act(ctx, actor, id, ActionRequestInfo, CanScreen, "message", message, true, ifMatch, func(a *Application) {
		a.InfoRequest = &InfoRequest{Message: strings.TrimSpace(message), RequestedAt: s.now().UTC(), RequestedByRole: string(actor.Role)}
	})
}

// MarkIneligible screens a submitted application out (a manager, with the reason the
// applicant is told).
func (s *Service) MarkIneligible(ctx context.Context, actor auth.Actor, id, reason string, ifMatch *int64) (Application, error) {
	return s.act(ctx, actor, id, ActionMarkIneligible, CanScreen, "reason", reason, true, ifMatch, nil)
}

// Reinstate reverses a screening: a grants manager moves an ineligible application back
// to submitted, with the reason its group reads in the history (required). A round already
// in assessment takes it on to under_assessment at once, as it does a resubmission; once
// the round's decisions are published it cannot be reinstated (ErrRoundMovedOn).
func (s *Service) Reinstate(ctx context.Context, actor auth.Actor, id, reason string, ifMatch *int64) (Application, error) {
	reason = strings.TrimSpace(reason)
	var out Application
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.lockRoundOf(ctx, id); err != nil {
			return err
		}
		var r round.Round
		var from Status
		a, err := s.change(ctx, actor, id, ifMatch, CanScreen, func(a *Application) error {
			if _, err := a.Status.Next(ActionReinstate); err != nil {
				return err
			}
			if err := checkReason("reason", reason, true); err != nil {
				return err
			}
			var err error
			if r, err = s.round(ctx, a.RoundID); err != nil {
				return err
			}
			if DecisionsPublished(r.Status) {
				return ErrRoundMovedOn.Withf("the round's decisions were published; this application can no longer be reinstated")
			}
			from, err = a.apply(ActionReinstate)
			return err
		})
		if err != nil {
			return err
		}
		if err := s.history(ctx, actor, a, from, reason); err != nil {
			return err
		}
		if err := s.events.Publish(ctx, actor, event.ApplicationReinstatement{ApplicationID: a.ID, RoundID: a.RoundID,
			OrganisationID: a.OrganisationID, From: string(from), To: string(a.Status), Reason: reason}); err != nil {
			return err
		}
		if out = a; r.Status != round.StatusAssessment {
			return nil
		}
		out, err = s.startAssessment(ctx, actor, a.ID)
		return err
	})
	return out.ViewFor(actor), err
}

// OrganisationRenamed keeps the search text of an organisation's applications in step
// with its name. It subscribes to organisation.updated (inside that transaction).
func (s *Service) OrganisationRenamed(ctx context.Context, e event.Event) error {
	if u, ok := e.Payload.(event.OrganisationUpdate); ok && !slices.Contains(u.Fields, "name") {
		return nil
	}
	return s.store.RefreshSearch(ctx, e.Subject.ID)
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
	_, err := s.act(ctx, actor, id, action, CanScreen, "feedback", feedback, false, nil, nil)
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
				if _, err := s.act(ctx, e.Actor, a.ID, ActionWithdraw, CanScreen, "reason", reasons[status], false, nil, nil); err != nil {
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
