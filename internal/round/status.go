package round

import (
	"time"

	"constellate/internal/errs"
	"constellate/internal/event"
)

// Status is a round's place in its lifecycle:
// draft → open → closed → assessment → decided → archived.
type Status string

// The round states.
const (
	StatusDraft      Status = "draft"
	StatusOpen       Status = "open"
	StatusClosed     Status = "closed"
	StatusAssessment Status = "assessment"
	StatusDecided    Status = "decided"
	StatusArchived   Status = "archived"
)

// Statuses lists every state in lifecycle order.
var Statuses = []Status{StatusDraft, StatusOpen, StatusClosed, StatusAssessment, StatusDecided, StatusArchived}

// Valid reports whether s is a known state.
func (s Status) Valid() bool { return s.rank() >= 0 }

// rank is the state's position in the lifecycle (-1 when unknown).
func (s Status) rank() int {
	for i, k := range Statuses {
		if s == k {
			return i
		}
	}
	return -1
}

// Public reports whether anyone, even without an account, sees rounds in this state in the
// public list: open and closed rounds.
func (s Status) Public() bool { return s == StatusOpen || s == StatusClosed }

// Action is a transition a grants manager asks for (POST /v1/rounds/{id}/<action>).
type Action string

// The actions.
const (
	ActionOpen             Action = "open"
	ActionClose            Action = "close"
	ActionStartAssessment  Action = "start-assessment"
	ActionPublishDecisions Action = "publish-decisions"
	ActionArchive          Action = "archive"
)

// Actions lists every action.
var Actions = []Action{ActionOpen, ActionClose, ActionStartAssessment, ActionPublishDecisions, ActionArchive}

// transitions is the table of legal moves: action → (from → to). From is the effective
// status (an open round past its closing time is closed). Nothing else assigns a status.
var transitions = map[Action]map[Status]Status{
	ActionOpen:             {StatusDraft: StatusOpen},
	ActionClose:            {StatusOpen: StatusClosed},
	ActionStartAssessment:  {StatusClosed: StatusAssessment},
	ActionPublishDecisions: {StatusAssessment: StatusDecided},
	// A draft that will never open may be archived, as may a decided round.
	ActionArchive: {StatusDraft: StatusArchived, StatusDecided: StatusArchived},
}

// Event is the event an action publishes (round.opened …).
func (a Action) Event() event.Name {
	switch a {
	case ActionOpen:
		return event.RoundOpened
	case ActionClose:
		return event.RoundClosed
	case ActionStartAssessment:
		return event.RoundAssessmentStarted
	case ActionPublishDecisions:
		return event.RoundDecisionsPublished
	case ActionArchive:
		return event.RoundArchived
	}
	return ""
}

// Errors of the status machine.
var (
	ErrIllegalTransition = errs.E(errs.Conflict, "the round's status does not allow this action")
	ErrClosesAtPassed    = errs.E(errs.Conflict, "the round cannot open: its closes_at has passed; move closes_at first")
	ErrUnknownAction     = errs.E(errs.NotFound, "no such round action")
	ErrGraceRunning      = errs.E(errs.Conflict, "assessment cannot start yet: applications started before closes_at may still be submitted until its grace period ends")
)

// Apply moves the round by action at now, or says why it cannot. It checks the move against
// the effective status and then the action's guards:
//   - open needs closes_at in the future (opening a round nobody can apply to is a mistake);
//   - close is also allowed on a round already past closes_at but not yet recorded closed, so
//     a manager can make it explicit.
//
// The round's definition is checked by the service before opening (Validate).
func (r *Round) Apply(action Action, now time.Time) error {
	moves, ok := transitions[action]
	if !ok {
		return ErrUnknownAction
	}
	from := r.EffectiveStatus(now)
	to, ok := moves[from]
	if action == ActionClose && r.Status == StatusOpen {
		to, ok = StatusClosed, true
	}
	if !ok {
		return ErrIllegalTransition.Withf("a round that is %s cannot %s", from, action)
	}
	if action == ActionOpen && !now.Before(r.ClosesAt) {
		return ErrClosesAtPassed
	}
	// A round still open as stored accepts late submissions within its grace period; the
	// assessment starts only once none can arrive.
	if action == ActionStartAssessment && r.Status == StatusOpen && now.Before(r.ClosesAt.Add(r.Grace())) {
		return ErrGraceRunning
	}
	r.Status = to
	return nil
}

// Frozen reports whether the form, eligibility and criteria can no longer change: from the
// moment the round opens, applicants answer them and panels score against them.
func (s Status) Frozen() bool { return s != StatusDraft }
