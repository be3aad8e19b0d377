package application

import (
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/round"
)

// Status is an application's place in its lifecycle:
//
//	draft → submitted → under_assessment → awarded | declined
//	submitted ↔ more_info_requested
//	withdrawn from draft, submitted, more_info_requested or under_assessment
//	ineligible from submitted (a manager's screening)
//	ineligible → submitted (a manager reinstates it, with a reason; a round already in
//	assessment takes it straight on to under_assessment)
type Status string

// The application states.
const (
	StatusDraft             Status = "draft"
	StatusSubmitted         Status = "submitted"
	StatusMoreInfoRequested Status = "more_info_requested"
	StatusUnderAssessment   Status = "under_assessment"
	StatusAwarded           Status = "awarded"
	StatusDeclined          Status = "declined"
	StatusWithdrawn         Status = "withdrawn"
	StatusIneligible        Status = "ineligible"
)

// Statuses lists every state, in lifecycle order.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusMoreInfoRequested, StatusUnderAssessment,
	StatusAwarded, StatusDeclined, StatusWithdrawn, StatusIneligible}

// Valid reports whether s is a known state.
func (s Status) Valid() bool {
	for _, k := range Statuses {
		if s == k {
			return true
		}
	}
	return false
}

// Editable reports whether the applicant may change title, summary, amount and answers:
// a draft, or a submitted application the funder has asked more of.
func (s Status) Editable() bool { return s == StatusDraft || s == StatusMoreInfoRequested }

// Live reports whether the application still counts as the organisation's one application
// to its round. Only a withdrawn application frees the place (the database's partial unique
// index says the same).
func (s Status) Live() bool { return s != StatusWithdrawn }

// Submitted reports whether the application has been submitted and is still in the round's
// figures (the requested total and reach of the stats): submitted or any later state except
// withdrawn and ineligible.
func (s Status) Submitted() bool {
	switch s {
	case StatusSubmitted, StatusMoreInfoRequested, StatusUnderAssessment, StatusAwarded, StatusDeclined:
		return true
	}
	return false
}

// SubmittedStatuses are the states Submitted accepts (for SQL filters).
var SubmittedStatuses = []Status{StatusSubmitted, StatusMoreInfoRequested, StatusUnderAssessment, StatusAwarded, StatusDeclined}

// Decided reports whether the funder's decision has been made (awarded or declined).
func (s Status) Decided() bool { return s == StatusAwarded || s == StatusDeclined }

// DecisionsPublished reports whether a round in status rs has released its decisions to
// applicants. This is the seam the award capability's publish-decisions moves: it sets the
// round to decided, and from then on applicants see awarded and declined.
func DecisionsPublished(rs round.Status) bool {
	return rs == round.StatusDecided || rs == round.StatusArchived
}

// SeenByApplicant is the status an applicant is shown: a decision stays under_assessment
// until the round's decisions are published.
func (s Status) SeenByApplicant(published bool) Status {
	if s.Decided() && !published {
		return StatusUnderAssessment
	}
	return s
}

// Action is a transition.
type Action string

// The actions.
const (
	ActionSubmit          Action = "submit"           // applicant: draft or more_info_requested → submitted
	ActionRequestInfo     Action = "request_info"     // manager: submitted → more_info_requested
	ActionStartAssessment Action = "start_assessment" // the round's assessment starts: submitted → under_assessment
	ActionAward           Action = "award"            // decision: under_assessment → awarded
	ActionDecline         Action = "decline"          // decision: under_assessment → declined
	ActionWithdraw        Action = "withdraw"         // applicant, before a decision
	ActionMarkIneligible  Action = "mark_ineligible"  // manager screening: submitted → ineligible
	ActionReinstate       Action = "reinstate"        // manager: ineligible → submitted (screening reversed)
)

// Actions lists every action.
var Actions = []Action{ActionSubmit, ActionRequestInfo, ActionStartAssessment, ActionAward, ActionDecline,
	ActionWithdraw, ActionMarkIneligible, ActionReinstate}

// transitions is the table of legal moves: action → (from → to). Nothing else assigns a
// status.
var transitions = map[Action]map[Status]Status{
	ActionSubmit:          {StatusDraft: StatusSubmitted, StatusMoreInfoRequested: StatusSubmitted},
	ActionRequestInfo:     {StatusSubmitted: StatusMoreInfoRequested},
	ActionStartAssessment: {StatusSubmitted: StatusUnderAssessment},
	ActionAward:           {StatusUnderAssessment: StatusAwarded},
	ActionDecline:         {StatusUnderAssessment: StatusDeclined},
	ActionWithdraw: {StatusDraft: StatusWithdrawn, StatusSubmitted: StatusWithdrawn,
		StatusMoreInfoRequested: StatusWithdrawn, StatusUnderAssessment: StatusWithdrawn},
	ActionMarkIneligible: {StatusSubmitted: StatusIneligible},
	ActionReinstate:      {StatusIneligible: StatusSubmitted},
}

// Event is the event an action publishes.
func (a Action) Event() event.Name {
	switch a {
	case ActionSubmit:
		return event.ApplicationSubmitted
	case ActionRequestInfo:
		return event.ApplicationInfoRequested
	case ActionStartAssessment:
		return event.ApplicationAssessmentStarted
	case ActionAward:
		return event.ApplicationAwarded
	case ActionDecline:
		return event.ApplicationDeclined
	case ActionWithdraw:
		return event.ApplicationWithdrawn
	case ActionMarkIneligible:
		return event.ApplicationMarkedIneligible
	case ActionReinstate:
		return event.ApplicationReinstated
	}
	return ""
}

// ErrIllegalTransition is returned (as a copy naming the states) when an action does not
// apply to the application's status.
var ErrIllegalTransition = errs.E(errs.Conflict, "the application's status does not allow this action")

// Next returns the state action leads to from s, or ErrIllegalTransition.
func (s Status) Next(action Action) (Status, error) {
	to, ok := transitions[action][s]
	if !ok {
		return s, ErrIllegalTransition.Withf("an application that is %s cannot be %s", s, pastTense(action))
	}
	return to, nil
}

func pastTense(a Action) string {
	switch a {
	case ActionSubmit:
		return "submitted"
	case ActionRequestInfo:
		return "asked for more information"
	case ActionStartAssessment:
		return "moved to assessment"
	case ActionAward:
		return "awarded"
	case ActionDecline:
		return "declined"
	case ActionWithdraw:
		return "withdrawn"
	case ActionMarkIneligible:
		return "marked ineligible"
	case ActionReinstate:
		return "reinstated"
	}
	return string(a)
}

// apply moves a by action, or says why it cannot. Callers check guards beyond the status
// (the round's deadline, the content) before calling.
func (a *Application) apply(action Action) (from Status, err error) {
	from = a.Status
	to, err := from.Next(action)
	if err != nil {
		return from, err
	}
	a.Status = to
	return from, nil
}
