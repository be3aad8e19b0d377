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
)

// Limits on schedules and payment references.
const (
	MaxInstalments     = 24
	MaxReferenceLength = 100
)

// Instalment is one line of a payment schedule a manager sets.
type Instalment struct {
	Amount  int64
	DueDate string // YYYY-MM-DD
}

// AwardPayments lists an award's instalments (cancelled ones included) for an actor who may
// see the award; the group sees each one's amount, due date and status only.
func (s *Service) AwardPayments(ctx context.Context, actor auth.Actor, awardID string) ([]Payment, error) {
	a, _, err := s.award(ctx, actor, awardID)
	if err != nil {
		return nil, err
	}
	list, err := s.store.AwardPayments(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	if actor.Is(auth.RoleApplicant) {
		for i := range list {
			list[i].Reference, list[i].ApprovedBy, list[i].PaidBy, list[i].AccountLast4 = "", "", "", ""
		}
	}
	return list, nil
}

// Schedule replaces an award's unpaid instalments (grants managers): paid ones stay, the
// rest are cancelled, and the new ones (scheduled) must bring the total to the award's
// amount exactly. Not for a declined, withdrawn or completed award (409).
func (s *Service) Schedule(ctx context.Context, actor auth.Actor, awardID string, instalments []Instalment, ifMatch *int64) ([]Payment, error) {
	if !actor.Is(auth.RoleGrantsManager) {
		return nil, ErrManagersOnly
	}
	var out []Payment
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		seen, _, err := s.award(ctx, actor, awardID)
		if err != nil {
			return err
		}
		// The award's version guards its schedule: a change bumps it.
		a, err := s.store.UpdateAward(ctx, seen.ID, change.Guard{IfMatch: ifMatch, At: s.now()}, func(a *Award) error {
			switch a.Status {
			case StatusDeclined, StatusWithdrawn, StatusCompleted:
				return ErrIllegalTransition.Withf("an award that is %s has no schedule to change", a.Status)
			}
			return nil
		})
		if err != nil {
			return err
		}
		current, err := s.store.AwardPayments(ctx, a.ID)
		if err != nil {
			return err
		}
		var paid int64
		seq := 0
		for _, p := range current {
			seq = max(seq, p.Sequence)
			if p.Status == PaymentPaid {
				paid += p.Amount
			}
		}
		if err := checkSchedule(instalments, a.Amount-paid); err != nil {
			return err
		}
		if err := s.cancelUnpaid(ctx, actor, a.ID); err != nil {
			return err
		}
		now := s.now().UTC()
		for _, in := range instalments {
			seq++
			p := Payment{ID: ids.New(), AwardID: a.ID, RoundID: a.RoundID, OrganisationID: a.OrganisationID, Sequence: seq,
				Amount: in.Amount, DueDate: in.DueDate, Status: PaymentScheduled, Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := s.store.CreatePayment(ctx, p); err != nil {
				return err
			}
		}
		if out, err = s.store.AwardPayments(ctx, a.ID); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, event.Schedule{AwardID: a.ID, OrganisationID: a.OrganisationID, Instalments: len(instalments), Total: a.Amount})
	})
	return out, err
}

// checkSchedule lists every problem with new instalments that must add up to want.
func checkSchedule(instalments []Instalment, want int64) error {
	var f errs.Fields
	if len(instalments) == 0 || len(instalments) > MaxInstalments {
		f.Add("instalments", "must list from 1 to %d instalments", MaxInstalments)
	}
	var sum int64
	for i, in := range instalments {
		field := "instalments[" + itoa(int64(i)) + "]"
		if in.Amount <= 0 {
			f.Add(field+".amount", "must be a positive amount in minor units")
		}
		if _, err := time.Parse(dateLayout, in.DueDate); err != nil {
			f.Add(field+".due_date", "must be a date, YYYY-MM-DD")
		}
		sum += in.Amount
	}
	if len(f) == 0 && sum != want {
		f.Add("instalments", "must add up to %d exactly (the award less what is already paid); they add up to %d", want, sum)
	}
	return f.Err(errs.Invalid, "the payment schedule is not valid")
}

// cancelUnpaid cancels an award's scheduled and approved instalments.
func (s *Service) cancelUnpaid(ctx context.Context, actor auth.Actor, awardID string) error {
	current, err := s.store.AwardPayments(ctx, awardID)
	if err != nil {
		return err
	}
	for _, p := range current {
		if p.Status == PaymentScheduled || p.Status == PaymentApproved {
			if _, err := s.movePayment(ctx, actor, p.ID, PaymentCancel, nil, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// movePayment applies a payment action through the one update path, with rule for its
// guards, and publishes it.
func (s *Service) movePayment(ctx context.Context, actor auth.Actor, id string, action PaymentAction, ifMatch *int64,
	rule func(*Payment) error) (Payment, error) {
	var from PaymentStatus
	p, err := s.store.UpdatePayment(ctx, id, change.Guard{IfMatch: ifMatch, At: s.now()}, func(p *Payment) error {
		to, err := p.Status.Next(action)
		if err != nil {
			return err
		}
		if rule != nil {
			if err := rule(p); err != nil {
				return err
			}
		}
		from, p.Status = p.Status, to
		return nil
	})
	if err != nil || from == "" {
		return p, err
	}
	if p, err = s.store.Payment(ctx, p.ID); err != nil { // with the payee and account
		return p, err
	}
	return p, s.events.Publish(ctx, actor, event.PaymentMove{Kind: paymentEvent(action), PaymentID: p.ID, AwardID: p.AwardID,
		OrganisationID: p.OrganisationID, Amount: p.Amount, From: string(from), To: string(p.Status), PaidOn: p.PaidOn, Reference: p.Reference})
}

func paymentEvent(a PaymentAction) event.Name {
	switch a {
	case PaymentApprove:
		return event.PaymentApproved
	case PaymentMarkPaid:
		return event.PaymentPaid
	case PaymentUnapprove:
		return event.PaymentUnapproved
	case PaymentCancel:
		return event.PaymentCancelled
	}
	return ""
}

// payment reads a payment for staff (ErrPaymentMissing for anyone else).
func (s *Service) payment(ctx context.Context, actor auth.Actor, id string) (Payment, error) {
	if !actor.Is(auth.RoleGrantsManager) && !actor.Is(auth.RoleFinance) || !ids.Valid(id) {
		return Payment{}, ErrPaymentMissing
	}
	p, err := s.store.Payment(ctx, strings.ToLower(id))
	if errs.CodeOf(err) == errs.NotFound {
		return p, ErrPaymentMissing
	}
	return p, err
}

// Approve approves a scheduled payment (grants managers) of an accepted or active award,
// against the organisation's bank account as it is now (its version is recorded). Refused
// during the bank-change cooling-off period (payment-diversion fraud) and to anyone who
// belongs to the organisation.
func (s *Service) Approve(ctx context.Context, actor auth.Actor, id string, ifMatch *int64) (Payment, error) {
	if !actor.Is(auth.RoleGrantsManager) {
		return Payment{}, ErrManagersOnly
	}
	var out Payment
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		seen, err := s.payment(ctx, actor, id)
		if err != nil {
			return err
		}
		if _, member, err := s.store.Relation(ctx, actor.UserID, seen.OrganisationID); err != nil {
			return err
		} else if member {
			return ErrOwnOrganisation
		}
		a, err := s.store.Award(ctx, seen.AwardID)
		if err != nil {
			return err
		}
		out, err = s.movePayment(ctx, actor, seen.ID, PaymentApprove, ifMatch, func(p *Payment) error {
			if a.Status != StatusAccepted && a.Status != StatusActive {
				return ErrAwardNotPayable
			}
			if until, blocked := s.banks.PaymentsBlockedUntil(ctx, p.OrganisationID); blocked {
				if until.IsZero() {
					return ErrCoolingOff.Withf("the organisation's bank account cannot be checked: payments cannot be approved now")
				}
				return ErrCoolingOff.Withf("the organisation's bank account changed recently: payments can be approved from %s",
					until.UTC().Format(time.RFC3339))
			}
			b, ok, err := s.store.Bank(ctx, p.OrganisationID)
			if err != nil {
				return err
			}
			if !ok {
				return ErrNoBankAccount.Withf("the organisation has no bank account on file")
			}
			now := s.now().UTC()
			p.ApprovedAt, p.ApprovedBy, p.BankAccountVersion = &now, actor.UserID, b.Version
			return nil
		})
		return err
	})
	return out, err
}

// MarkPaid records that finance paid an approved payment (a finance user or machine
// client), with the date and the finance system's reference. It is idempotent: the same
// payment marked paid again with the same date and reference answers as the first time;
// with a different one it is a conflict. The award's first paid instalment makes it
// active; once all are paid it completes when its final report is accepted (the
// monitoring capability calls Complete then).
func (s *Service) MarkPaid(ctx context.Context, actor auth.Actor, id, paidOn, reference string) (Payment, error) {
	if !actor.Is(auth.RoleFinance) {
		return Payment{}, ErrFinanceOnly
	}
	reference = strings.TrimSpace(reference)
	var f errs.Fields
	if d, err := time.Parse(dateLayout, paidOn); err != nil || d.After(s.now().UTC()) {
		f.Add("paid_on", "must be a date, YYYY-MM-DD, not in the future")
	}
	if reference == "" || utf8.RuneCountInString(reference) > MaxReferenceLength {
		f.Add("reference", "is required: the finance system's payment reference (at most %d characters)", MaxReferenceLength)
	}
	if err := f.Err(errs.Invalid, "the payment cannot be marked paid"); err != nil {
		return Payment{}, err
	}
	var out Payment
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		seen, err := s.payment(ctx, actor, id)
		if err != nil {
			return err
		}
		// The award's lock first, the order Schedule and Withdraw take (award, then its
		// payments): an award's instalments are marked paid one at a time, so only the first
		// activates it; a payment never lands between a new schedule's sums and its
		// cancellations (paying the award twice over); and no two of them deadlock.
		if _, err := s.store.UpdateAward(ctx, seen.AwardID, change.Guard{At: s.now()}, func(*Award) error { return change.Unchanged }); err != nil {
			return err
		}
		out, err = s.movePayment(ctx, actor, seen.ID, PaymentMarkPaid, nil, func(p *Payment) error {
			p.PaidOn, p.Reference, p.PaidBy = paidOn, reference, actor.UserID
			return nil
		})
		if errs.CodeOf(err) == errs.Conflict {
			// Already paid: the same answer again (idempotent), or a conflict naming why.
			current, rerr := s.store.Payment(ctx, seen.ID)
			if rerr != nil {
				return rerr
			}
			if current.Status == PaymentPaid && current.PaidOn == paidOn && current.Reference == reference {
				out = current
				return nil
			}
			if current.Status == PaymentPaid {
				return ErrPaidDifferently.Withf("the payment was already marked paid on %s with reference %q", current.PaidOn, current.Reference)
			}
			return err
		}
		if err != nil {
			return err
		}
		return s.afterPaid(ctx, actor, out.AwardID)
	})
	return out, err
}

// afterPaid activates an accepted award at its first paid instalment.
func (s *Service) afterPaid(ctx context.Context, actor auth.Actor, awardID string) error {
	a, err := s.store.Award(ctx, awardID)
	if err != nil || a.Status != StatusAccepted {
		return err
	}
	_, err = s.move(ctx, actor, a.ID, ActionActivate, nil, "", func(Award, bool) error { return nil }, nil)
	return err
}

// Complete completes an active award once every instalment is paid. SEAM: the monitoring
// capability calls it when an award's final report is accepted (SPEC §9: the final report
// accepted and every payment paid completes the award); nothing calls it before then.
func (s *Service) Complete(ctx context.Context, actor auth.Actor, awardID string) (Award, error) {
	return s.move(ctx, actor, awardID, ActionComplete, nil, "", func(Award, bool) error { return nil }, func(a *Award) error {
		payments, err := s.store.AwardPayments(ctx, a.ID)
		if err != nil {
			return err
		}
		for _, p := range payments {
			if p.Status != PaymentPaid && p.Status != PaymentCancelled {
				return ErrIllegalTransition.Withf("the award has instalments not yet paid")
			}
		}
		return nil
	})
}

// BankChanged sends an organisation's approved payments back to scheduled when its bank
// account is replaced: they were approved against the old account, and must be approved
// again (after the cooling-off period) against the new one. It subscribes to
// bank_account.replaced.
func (s *Service) BankChanged(ctx context.Context, e event.Event) error {
	approved, err := s.store.ApprovedPayments(ctx, e.Subject.ID)
	if err != nil {
		return err
	}
	for _, p := range approved {
		if _, err := s.movePayment(ctx, e.Actor, p.ID, PaymentUnapprove, nil, func(p *Payment) error {
			p.ApprovedAt, p.ApprovedBy, p.BankAccountVersion = nil, "", 0
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
