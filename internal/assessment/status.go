package assessment

// Status is an assessment's place in its lifecycle: draft → submitted. A submitted
// assessment never changes (the database refuses it too).
type Status string

// The assessment states.
const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
)

// Action is what can happen to an assessment.
type Action string

// The actions.
const (
	ActionSave   Action = "save"   // autosave a draft: draft → draft
	ActionSubmit Action = "submit" // draft → submitted
)

// transitions is the lifecycle as a table: action → from → to.
var transitions = map[Action]map[Status]Status{
	ActionSave:   {StatusDraft: StatusDraft},
	ActionSubmit: {StatusDraft: StatusSubmitted},
}

// Next returns the state action leads to from s, or ErrSubmitted.
func (s Status) Next(action Action) (Status, error) {
	if to, ok := transitions[action][s]; ok {
		return to, nil
	}
	return s, ErrSubmitted
}
