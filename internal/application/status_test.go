package application

import (
	"errors"
	"reflect"
	"testing"

	"constellate/internal/auth"
	"constellate/internal/round"
)

// TestTransitions walks every (state, action) pair against the table of SPEC §6.
func TestTransitions(t *testing.T) {
	want := map[Status]map[Action]Status{
		StatusDraft:             {ActionSubmit: StatusSubmitted, ActionWithdraw: StatusWithdrawn},
		StatusSubmitted:         {ActionRequestInfo: StatusMoreInfoRequested, ActionStartAssessment: StatusUnderAssessment, ActionWithdraw: StatusWithdrawn, ActionMarkIneligible: StatusIneligible},
		StatusMoreInfoRequested: {ActionSubmit: StatusSubmitted, ActionWithdraw: StatusWithdrawn},
		StatusUnderAssessment:   {ActionAward: StatusAwarded, ActionDecline: StatusDeclined, ActionWithdraw: StatusWithdrawn},
		StatusAwarded:           {},
		StatusDeclined:          {},
		StatusWithdrawn:         {},
		StatusIneligible:        {ActionReinstate: StatusSubmitted},
	}
	if len(want) != len(Statuses) {
		t.Fatalf("the test covers %d states, the machine has %d", len(want), len(Statuses))
	}
	for _, from := range Statuses {
		for _, action := range Actions {
			a := Application{Status: from}
			_, err := a.apply(action)
			to, legal := want[from][action]
			switch {
			case legal && err != nil:
				t.Errorf("%s --%s--> want %s, got error %v", from, action, to, err)
			case legal && a.Status != to:
				t.Errorf("%s --%s--> %s, want %s", from, action, a.Status, to)
			case !legal && err == nil:
				t.Errorf("%s --%s--> %s, want refused", from, action, a.Status)
			case !legal && !errors.Is(err, ErrIllegalTransition):
				t.Errorf("%s --%s--> error %v, want ErrIllegalTransition", from, action, err)
			case !legal && a.Status != from:
				t.Errorf("%s --%s--> refused but moved to %s", from, action, a.Status)
			}
		}
	}
}

func TestStatusPredicates(t *testing.T) {
	for _, s := range Statuses {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
		if got, want := s.Editable(), s == StatusDraft || s == StatusMoreInfoRequested; got != want {
			t.Errorf("%s.Editable() = %v", s, got)
		}
		if got, want := s.Live(), s != StatusWithdrawn; got != want {
			t.Errorf("%s.Live() = %v", s, got)
		}
	}
	if Status("Draft").Valid() || Status("").Valid() {
		t.Error("unknown statuses must not be valid")
	}
}

// TestApplicantSeesDecisionOnlyWhenPublished: awarded and declined read as under_assessment
// until the round is decided (or archived); managers always see the truth.
func TestApplicantSeesDecisionOnlyWhenPublished(t *testing.T) {
	applicant := auth.Actor{UserID: "u", Role: auth.RoleApplicant}
	manager := auth.Actor{UserID: "m", Role: auth.RoleGrantsManager}
	for _, rs := range round.Statuses {
		published := rs == round.StatusDecided || rs == round.StatusArchived
		if DecisionsPublished(rs) != published {
			t.Errorf("DecisionsPublished(%s) = %v", rs, !published)
		}
		for _, s := range Statuses {
			a := Application{Status: s, RoundStatus: rs}
			want := s
			if s.Decided() && !published {
				want = StatusUnderAssessment
			}
			if got := a.ViewFor(applicant).Status; got != want {
				t.Errorf("round %s, application %s: applicant sees %s, want %s", rs, s, got, want)
			}
			if got := a.ViewFor(manager).Status; got != s {
				t.Errorf("round %s, application %s: manager sees %s", rs, s, got)
			}
		}
	}
	entries := []HistoryEntry{{To: StatusDraft, ActorRole: "applicant", ActorID: "u"}, {To: StatusSubmitted, ActorRole: "applicant", ActorID: "u"},
		{To: StatusUnderAssessment, ActorRole: "grants_manager", ActorID: "m"}, {To: StatusAwarded, ActorRole: "grants_manager", ActorID: "m"}}
	if got := HistoryFor(applicant, Application{RoundStatus: round.StatusAssessment}, entries); len(got) != 3 || got[2].ActorID != "" {
		t.Errorf("unpublished history for applicant = %+v", got)
	}
	if got := HistoryFor(applicant, Application{RoundStatus: round.StatusDecided}, entries); len(got) != 4 {
		t.Errorf("published history for applicant = %+v", got)
	}
	if got := HistoryFor(manager, Application{RoundStatus: round.StatusAssessment}, entries); len(got) != 4 || got[3].ActorID != "m" {
		t.Errorf("history for manager = %+v", got)
	}
}

func TestSuppress(t *testing.T) {
	for n, want := range map[int64]any{0: int64(0), 1: "<5", 4: "<5", 5: int64(5), 120: int64(120)} {
		f := Suppress(n)
		if got := f.Value(); got != want {
			t.Errorf("Suppress(%d).Value() = %v, want %v", n, got, want)
		}
		if f.Suppressed && f.Exact != 0 {
			t.Errorf("Suppress(%d) keeps the number: %+v", n, f)
		}
	}
	r := reach(map[string]int64{"disabled_people": 7, "women_and_girls": 2}, map[string]int64{"london": 3})
	want := Reach{LedBy: map[string]Figure{"disabled_people": {Exact: 7}, "women_and_girls": {Suppressed: true}, NotStated: {}},
		Region: map[string]Figure{"london": {Suppressed: true}, NotStated: {}}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("reach = %+v, want %+v", r, want)
	}
}
