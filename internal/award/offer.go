package award

import (
	"context"
	"strings"
	"unicode/utf8"

	"constellate/internal/auth"
	"constellate/internal/change"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/ids"
)

// dateLayout is how due and paid dates are written.
const dateLayout = "2006-01-02"

// MaxSignedName bounds the name typed to accept an agreement.
const MaxSignedName = 200

// award reads an award the actor may see: grants managers and finance all, applicants
// their organisations' (ErrAwardMissing otherwise, panel members included). It returns
// whether the actor owns the awarded organisation.
func (s *Service) award(ctx context.Context, actor auth.Actor, id string) (Award, bool, error) {
	if !ids.Valid(id) {
		return Award{}, false, ErrAwardMissing
	}
	a, err := s.store.Award(ctx, strings.ToLower(id))
	if errs.CodeOf(err) == errs.NotFound {
		return Award{}, false, ErrAwardMissing
	}
	if err != nil {
		return Award{}, false, err
	}
	switch {
	case actor.Is(auth.RoleGrantsManager), actor.Is(auth.RoleFinance):
		return a, false, nil
	case actor.Is(auth.RoleApplicant):
		owner, member, err := s.store.Relation(ctx, actor.UserID, a.OrganisationID)
		if err != nil {
			return Award{}, false, err
		}
		if member {
			return a, owner, nil
		}
	}
	return Award{}, false, ErrAwardMissing
}

// Award returns one award the actor may see.
func (s *Service) Award(ctx context.Context, actor auth.Actor, id string) (Award, error) {
	a, _, err := s.award(ctx, actor, id)
	return a, err
}

// move applies a status action to an award the actor may see, checked by allow, and
// publishes it.
func (s *Service) move(ctx context.Context, actor auth.Actor, id string, action Action, ifMatch *int64, reason string,
	allow func(a Award, owner bool) error, rule func(*Award) error) (Award, error) {
	var out Award
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		seen, owner, err := s.award(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := allow(seen, owner); err != nil {
			return err
		}
		var from Status
		out, err = s.store.UpdateAward(ctx, seen.ID, change.Guard{IfMatch: ifMatch, At: s.now()}, func(a *Award) error {
			to, err := a.Status.Next(action)
			if err != nil {
				return err
			}
			if rule != nil {
				if err := rule(a); err != nil {
					return err
				}
			}
			from, a.Status = a.Status, to
			return nil
		})
		if err != nil {
			return err
		}
		out.ApplicationReference, out.OrganisationName = seen.ApplicationReference, seen.OrganisationName
		return s.events.Publish(ctx, actor, event.AwardMove{Kind: awardEvent(action), AwardID: out.ID, RoundID: out.RoundID,
			ApplicationID: out.ApplicationID, OrganisationID: out.OrganisationID, From: string(from), To: string(out.Status),
			Reason: reason, AgreementVersion: out.AgreementVersion})
	})
	return out, err
}

func awardEvent(a Action) event.Name {
	switch a {
	case ActionAccept:
		return event.AwardAccepted
	case ActionDecline:
		return event.AwardDeclined
	case ActionWithdraw:
		return event.AwardWithdrawn
	case ActionActivate:
		return event.AwardActivated
	case ActionComplete:
		return event.AwardCompleted
	}
	return ""
}

func ownersOnly(_ Award, owner bool) error {
	if !owner {
		return ErrOwnersOnly
	}
	return nil
}

func managersOnly(actor auth.Actor) func(Award, bool) error {
	return func(Award, bool) error {
		if !actor.Is(auth.RoleGrantsManager) {
			return ErrManagersOnly
		}
		return nil
	}
}

// Accept accepts an offer on the group's behalf (an owner of the organisation), signing
// the grant agreement with a typed name: the name, the time and the agreement's version
// are recorded. The organisation must have a bank account on file (409). The acceptance
// event is where the monitoring capability will schedule the round's reports.
func (s *Service) Accept(ctx context.Context, actor auth.Actor, id, signedName string, ifMatch *int64) (Award, error) {
	signedName = strings.TrimSpace(signedName)
	return s.move(ctx, actor, id, ActionAccept, ifMatch, "", ownersOnly, func(a *Award) error {
		var f errs.Fields
		if signedName == "" || utf8.RuneCountInString(signedName) > MaxSignedName {
			f.Add("signed_name", "is required: type your name to sign the agreement (at most %d characters)", MaxSignedName)
		}
		if err := f.Err(errs.Invalid, "the offer cannot be accepted"); err != nil {
			return err
		}
		if _, ok, err := s.store.Bank(ctx, a.OrganisationID); err != nil {
			return err
		} else if !ok {
			return ErrNoBankAccount
		}
		now := s.now().UTC()
		a.AcceptedAt, a.AcceptedBy, a.SignedName, a.AgreementVersion = &now, actor.UserID, signedName, AgreementVersion
		return nil
	})
}

// Decline declines an offer on the group's behalf (an owner), with an optional reason; its
// instalments are cancelled, so finance never sees them as due.
func (s *Service) Decline(ctx context.Context, actor auth.Actor, id, reason string, ifMatch *int64) (Award, error) {
	reason = strings.TrimSpace(reason)
	var out Award
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.move(ctx, actor, id, ActionDecline, ifMatch, reason, ownersOnly, func(a *Award) error {
			if utf8.RuneCountInString(reason) > MaxTextLength {
				return errs.Fields{{Field: "reason", Message: "must be at most 5000 characters"}}.Err(errs.Invalid, "the offer cannot be declined")
			}
			a.StatusReason = reason
			return nil
		})
		if err != nil {
			return err
		}
		return s.cancelUnpaid(ctx, actor, out.ID)
	})
	return out, err
}

// Withdraw withdraws an award (grants managers) with the reason the group reads; its
// unpaid instalments are cancelled.
func (s *Service) Withdraw(ctx context.Context, actor auth.Actor, id, reason string, ifMatch *int64) (Award, error) {
	reason = strings.TrimSpace(reason)
	var out Award
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.move(ctx, actor, id, ActionWithdraw, ifMatch, reason, managersOnly(actor), func(a *Award) error {
			if reason == "" || utf8.RuneCountInString(reason) > MaxTextLength {
				return errs.Fields{{Field: "reason", Message: "is required (the group reads it), at most 5000 characters"}}.
					Err(errs.Invalid, "the award cannot be withdrawn")
			}
			a.StatusReason = reason
			return nil
		})
		if err != nil {
			return err
		}
		return s.cancelUnpaid(ctx, actor, out.ID)
	})
	return out, err
}

// Agreement returns the grant agreement of an award the actor may see (grants managers,
// finance, the group's members), with its current payment schedule and the round's
// reporting.
func (s *Service) Agreement(ctx context.Context, actor auth.Actor, id string) (Agreement, error) {
	a, _, err := s.award(ctx, actor, id)
	if err != nil {
		return Agreement{}, err
	}
	r, err := s.round(ctx, a.RoundID, false)
	if err != nil {
		return Agreement{}, err
	}
	payments, err := s.store.AwardPayments(ctx, a.ID)
	if err != nil {
		return Agreement{}, err
	}
	c, err := s.store.Candidate(ctx, a.ApplicationID)
	if err != nil {
		return Agreement{}, err
	}
	title, programme, err := s.store.Names(ctx, a.ApplicationID, r.ProgrammeID)
	if err != nil {
		return Agreement{}, err
	}
	ag := Agreement{ProgrammeName: programme, RoundName: r.Name, OrganisationName: a.OrganisationName,
		ApplicationReference: c.Reference, ApplicationTitle: title, Amount: a.Amount, Currency: a.Currency,
		Conditions: a.Conditions, OfferedAt: a.OfferedAt, SignedName: a.SignedName, AcceptedAt: a.AcceptedAt, Version: AgreementVersion}
	if a.AgreementVersion != "" {
		ag.Version = a.AgreementVersion
	}
	for _, p := range payments {
		if p.Status != PaymentCancelled {
			ag.Instalments = append(ag.Instalments, AgreementInstalment{Amount: p.Amount, DueDate: p.DueDate, Status: string(p.Status)})
		}
	}
	for _, rep := range r.ReportSchedule {
		ag.Reports = append(ag.Reports, AgreementReport{Kind: string(rep.Kind), DueAfterDays: rep.DueAfterDays})
	}
	return ag, nil
}
