package award

import "constellate/internal/errs"

// Status is an award's place in its lifecycle:
//
//	offered → accepted → active → completed
//	offered → declined (by the group); offered | accepted | active → withdrawn (by the funder)
type Status string

// The award states.
const (
	StatusOffered   Status = "offered"
	StatusAccepted  Status = "accepted"
	StatusActive    Status = "active"
	StatusCompleted Status = "completed"
	StatusDeclined  Status = "declined"
	StatusWithdrawn Status = "withdrawn"
)

// Statuses are the award states in lifecycle order.
var Statuses = []Status{StatusOffered, StatusAccepted, StatusActive, StatusCompleted, StatusDeclined, StatusWithdrawn}

// Valid reports whether s is an award state.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Action is what can happen to an award.
type Action string

// The award actions.
const (
	ActionAccept   Action = "accept"   // the group, offered → accepted
	ActionDecline  Action = "decline"  // the group, offered → declined
	ActionWithdraw Action = "withdraw" // the funder
	ActionActivate Action = "activate" // the first payment paid: accepted → active
	ActionComplete Action = "complete" // every payment paid and the final report accepted
)

var transitions = map[Action]map[Status]Status{
	ActionAccept:   {StatusOffered: StatusAccepted},
	ActionDecline:  {StatusOffered: StatusDeclined},
	ActionWithdraw: {StatusOffered: StatusWithdrawn, StatusAccepted: StatusWithdrawn, StatusActive: StatusWithdrawn},
	ActionActivate: {StatusAccepted: StatusActive},
	ActionComplete: {StatusActive: StatusCompleted},
}

// ErrIllegalTransition is returned (naming the states) when an action does not apply.
var ErrIllegalTransition = errs.E(errs.Conflict, "the award's status does not allow this action")

// Next returns the state action leads to from s.
func (s Status) Next(a Action) (Status, error) {
	if to, ok := transitions[a][s]; ok {
		return to, nil
	}
	return s, ErrIllegalTransition.Withf("an award that is %s cannot %s", s, a)
}

// PaymentStatus is a payment's place in its lifecycle: scheduled → approved → paid, or
// cancelled (replaced in a new schedule, or its award withdrawn). A bank change sends an
// approved payment back to scheduled.
type PaymentStatus string

// The payment states.
const (
	PaymentScheduled PaymentStatus = "scheduled"
	PaymentApproved  PaymentStatus = "approved"
	PaymentPaid      PaymentStatus = "paid"
	PaymentCancelled PaymentStatus = "cancelled"
)

// PaymentStatuses are the payment states.
var PaymentStatuses = []PaymentStatus{PaymentScheduled, PaymentApproved, PaymentPaid, PaymentCancelled}

// Valid reports whether s is a payment state.
func (s PaymentStatus) Valid() bool {
	for _, v := range PaymentStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// PaymentAction is what can happen to a payment.
type PaymentAction string

// The payment actions.
const (
	PaymentApprove   PaymentAction = "approve"
	PaymentMarkPaid  PaymentAction = "mark_paid"
	PaymentCancel    PaymentAction = "cancel"
	PaymentUnapprove PaymentAction = "unapprove" // the bank account changed after approval
)

var paymentTransitions = map[PaymentAction]map[PaymentStatus]PaymentStatus{
	PaymentApprove:   {PaymentScheduled: PaymentApproved},
	PaymentMarkPaid:  {PaymentApproved: PaymentPaid},
	PaymentCancel:    {PaymentScheduled: PaymentCancelled, PaymentApproved: PaymentCancelled},
	PaymentUnapprove: {PaymentApproved: PaymentScheduled},
}

// ErrIllegalPaymentTransition is returned when a payment action does not apply.
var ErrIllegalPaymentTransition = errs.E(errs.Conflict, "the payment's status does not allow this action")

// Next returns the state action leads to from s.
func (s PaymentStatus) Next(a PaymentAction) (PaymentStatus, error) {
	if to, ok := paymentTransitions[a][s]; ok {
		return to, nil
	}
	return s, ErrIllegalPaymentTransition.Withf("a payment that is %s cannot be %s", s, a)
}
