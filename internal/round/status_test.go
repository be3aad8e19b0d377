package round

import (
	"errors"
	"testing"
	"time"

	"constellate/internal/errs"
)

var (
	t0     = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	opens  = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	closes = time.Date(2025, 3, 31, 17, 0, 0, 0, time.UTC)
)

// TestTransitionsEveryStateAndAction walks every (state, action) pair before closes_at and
// checks the move against the specification's lifecycle.
func TestTransitionsEveryStateAndAction(t *testing.T) {
	want := map[Status]map[Action]Status{
		StatusDraft:      {ActionOpen: StatusOpen, ActionArchive: StatusArchived},
		StatusOpen:       {ActionClose: StatusClosed},
		StatusClosed:     {ActionStartAssessment: StatusAssessment},
		StatusAssessment: {ActionPublishDecisions: StatusDecided},
		StatusDecided:    {ActionArchive: StatusArchived},
		StatusArchived:   {},
	}
	for _, from := range Statuses {
		for _, a := range Actions {
			r := Round{Status: from, Definition: Definition{OpensAt: opens, ClosesAt: closes}}
			err := r.Apply(a, t0)
			to, legal := want[from][a]
			switch {
			case legal && err != nil:
				t.Errorf("%s --%s--> error %v, want %s", from, a, err, to)
			case legal && r.Status != to:
				t.Errorf("%s --%s--> %s, want %s", from, a, r.Status, to)
			case !legal && !errors.Is(err, ErrIllegalTransition):
				t.Errorf("%s --%s--> %v (status %s), want ErrIllegalTransition", from, a, err, r.Status)
			case !legal && r.Status != from:
				t.Errorf("%s --%s--> refused but status changed to %s", from, a, r.Status)
			case !legal && errs.CodeOf(err) != errs.Conflict:
				t.Errorf("%s --%s--> code %s, want conflict", from, a, errs.CodeOf(err))
			}
		}
	}
}

func TestTransitionsAfterClosesAt(t *testing.T) {
	after := closes.Add(time.Minute)
	// An open round past closes_at is effectively closed: assessment may start, and an
	// explicit close is still allowed.
	r := Round{Status: StatusOpen, Definition: Definition{ClosesAt: closes}}
	if got := r.EffectiveStatus(after); got != StatusClosed {
		t.Fatalf("EffectiveStatus = %s, want closed", got)
	}
	if got := r.EffectiveStatus(closes.Add(-time.Nanosecond)); got != StatusOpen {
		t.Fatalf("EffectiveStatus just before closes_at = %s, want open", got)
	}
	if err := r.Apply(ActionStartAssessment, after); err != nil || r.Status != StatusAssessment {
		t.Fatalf("start-assessment after closes_at: %v, %s", err, r.Status)
	}
	r = Round{Status: StatusOpen, Definition: Definition{ClosesAt: closes}}
	if err := r.Apply(ActionClose, after); err != nil || r.Status != StatusClosed {
		t.Fatalf("close after closes_at: %v, %s", err, r.Status)
	}
	// A draft whose closes_at has passed cannot open.
	r = Round{Status: StatusDraft, Definition: Definition{ClosesAt: closes}}
	if err := r.Apply(ActionOpen, after); !errors.Is(err, ErrClosesAtPassed) || r.Status != StatusDraft {
		t.Fatalf("open after closes_at: %v, %s", err, r.Status)
	}
	if err := r.Apply(Action("explode"), t0); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("unknown action: %v", err)
	}
}

func TestAcceptingSubmissionsHonoursClosesAtAndGrace(t *testing.T) {
	r := Round{Status: StatusOpen, Definition: Definition{OpensAt: opens, ClosesAt: closes, GraceMinutes: 30}}
	started := closes.Add(-time.Hour)
	cases := []struct {
		name           string
		now, startedAt time.Time
		want           bool
	}{
		{"before closes_at", closes.Add(-time.Second), started, true},
		{"at closes_at, started before, in grace", closes, started, true},
		{"in grace, started before", closes.Add(29 * time.Minute), started, true},
		{"grace over", closes.Add(30 * time.Minute), started, false},
		{"in grace, started after closes_at", closes.Add(time.Minute), closes.Add(time.Second), false},
	}
	for _, c := range cases {
		if got := r.AcceptingSubmissions(c.now, c.startedAt); got != c.want {
			t.Errorf("%s: AcceptingSubmissions = %v, want %v", c.name, got, c.want)
		}
	}
	if r.AcceptingNewApplications(closes) {
		t.Error("a new application may not start at closes_at")
	}
	for _, s := range []Status{StatusDraft, StatusClosed, StatusAssessment, StatusDecided, StatusArchived} {
		r.Status = s
		if r.AcceptingSubmissions(closes.Add(-time.Hour), started) {
			t.Errorf("%s round accepts submissions", s)
		}
	}
}

func TestNothingIsAcceptedBeforeOpensAt(t *testing.T) {
	r := Round{Status: StatusOpen, Definition: Definition{OpensAt: opens, ClosesAt: closes}}
	if r.AcceptingNewApplications(opens.Add(-time.Second)) || r.AcceptingSubmissions(opens.Add(-time.Second), opens.Add(-time.Hour)) {
		t.Error("an opened round accepts applications before opens_at")
	}
	if r.EffectiveStatus(opens.Add(-time.Second)) != StatusOpen {
		t.Error("an opened round is not open (published) before opens_at")
	}
	if !r.AcceptingNewApplications(opens) || !r.AcceptingSubmissions(opens, opens) {
		t.Error("the round does not accept applications at opens_at")
	}
}

func TestEditableTable(t *testing.T) {
	cases := []struct {
		field string
		s     Status
		want  bool
	}{
		{"form", StatusDraft, true}, {"form", StatusOpen, false},
		{"eligibility", StatusOpen, false}, {"criteria", StatusClosed, false},
		{"closes_at", StatusOpen, true}, {"closes_at", StatusClosed, false},
		{"description", StatusDecided, true}, {"description", StatusArchived, false},
		{"budget", StatusAssessment, true}, {"budget", StatusDecided, false},
		{"blind_assessment", StatusClosed, true}, {"blind_assessment", StatusAssessment, false},
		{"max_grant", StatusOpen, false}, {"no_such_field", StatusDraft, false},
		{"contact", StatusDecided, true}, {"contact", StatusArchived, false},
		{"accessibility", StatusOpen, true}, {"accessibility", StatusArchived, false},
		{"support_offer", StatusDecided, true}, {"support_offer", StatusArchived, false},
		{"decision_expected_by", StatusAssessment, true}, {"decision_expected_by", StatusDecided, false},
	}
	for _, c := range cases {
		if got := Editable(c.field, c.s); got != c.want {
			t.Errorf("Editable(%s, %s) = %v, want %v", c.field, c.s, got, c.want)
		}
	}
}
