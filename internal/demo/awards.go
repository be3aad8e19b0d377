package demo

import (
	"context"
	"fmt"
	"time"

	"constellate/internal/assessment"
	"constellate/internal/award"
	"constellate/internal/round"
)

// lastYearScores are the panel's scores for last year's Small Sparks, by application
// title, per panel member (panel1, panel2): every assessment submitted.
var lastYearScores = map[string][2]demoScore{
	"Taster walks for people losing their sight": {{3, 3, assessment.Fund, false}, {3, 2, assessment.Fund, false}},
	"Seed swap and growing days":                 {{2, 3, assessment.Fund, false}, {3, 2, assessment.Fund, false}},
	"Shed open days":                             {{2, 2, assessment.Maybe, false}, {3, 2, assessment.Fund, false}},
	"Soldering and electronics club":             {{2, 2, assessment.Maybe, false}, {1, 2, assessment.Decline, false}},
}

// lastYearDecisions are the manager's decisions on last year's Small Sparks, in the order
// they were made.
var lastYearDecisions = []struct {
	title string
	in    award.DecisionInput
}{
	{"Taster walks for people losing their sight", award.DecisionInput{Outcome: award.OutcomeAward, Amount: 150_000,
		Conditions: "Paid in two halves: the first when you accept, the second for the walks' second season.",
		Feedback:   "The panel loved that your members plan every route, and that people newly diagnosed will meet others who have been there."}},
	{"Seed swap and growing days", award.DecisionInput{Outcome: award.OutcomeAward, Amount: 60_000,
		Feedback: "A small grant that will go a long way: the panel especially liked the seedlings going home with neighbours."}},
	{"Shed open days", award.DecisionInput{Outcome: award.OutcomeAward, Amount: 100_000,
		Feedback: "We have funded everything except the marquee hire, which Small Sparks cannot pay for: the open days themselves are the heart of it."}},
	{"Soldering and electronics club", award.DecisionInput{Outcome: award.OutcomeDecline,
		Feedback: "Thank you: the panel enjoyed reading this and could see how welcoming the club would be. We had far more good " +
			"applications than money this time, and the panel found it hard to choose. What would have made it stronger: a little " +
			"more about how newcomers will hear about the club and what a first evening looks like. Please do apply again."}},
}

// withdrawReason is why the funder withdrew the shed's offer: the group asked.
const withdrawReason = "The shed told us it lost the lease on its workshop, so the open days cannot go ahead this year. " +
	"We have withdrawn the offer at the shed's request, with our best wishes: please apply again once the shed has a new home."

// lastYear runs last year's Small Sparks round, from which the demo's awards and payments
// come: created 500 days ago in a new Small Sparks programme, open from 490 to 400 days
// ago, assessed by the panel, decided within its budget (three awards, one decline with
// feedback) and published. Then the walking group accepts its offer (it has a bank
// account), the manager splits it in two instalments, approves the first and finance pays
// it (the award is active, the second instalment scheduled); the allotment friends' offer
// waits for a bank account (offered); the shed's is withdrawn at its request.
func (s *seeder) lastYear(ctx context.Context) error {
	s.clock.at(500 * day)
	r, err := s.programmeAndRound(ctx, smallSparksProgramme, smallSparksRound(s.base, 490*day, 400*day))
	if err != nil {
		return err
	}
	s.clock.at(490 * day)
	if r, err = s.svc.Rounds.Transition(ctx, s.manager, r.ID, round.ActionOpen, nil); err != nil {
		return fmt.Errorf("demo: open %q: %w", r.Name, err)
	}
	s.rounds["spk-last"] = r
	if err := s.applications(ctx, "spk-last", 399*day); err != nil {
		return err
	}
	byTitle, err := s.lastYearAssessment(ctx, r)
	if err != nil {
		return err
	}
	if err := s.decide(ctx, r, byTitle); err != nil {
		return err
	}
	return s.afterDecisions(ctx)
}

// lastYearAssessment sets the panel, starts the assessment, assigns both panel members to
// every application and has them score and submit.
func (s *seeder) lastYearAssessment(ctx context.Context, r round.Round) (map[string]string, error) {
	p1, p2 := s.people["panel1@example.org"], s.people["panel2@example.org"]
	s.clock.at(398*day + 12*time.Hour)
	if _, err := s.svc.Rounds.SetPanel(ctx, s.manager, r.ID, []string{p1.UserID, p2.UserID}, nil); err != nil {
		return nil, fmt.Errorf("demo panel of %q: %w", r.Name, err)
	}
	s.clock.at(398 * day)
	if _, err := s.svc.Rounds.Transition(ctx, s.manager, r.ID, round.ActionStartAssessment, nil); err != nil {
		return nil, fmt.Errorf("demo: start assessment of %q: %w", r.Name, err)
	}
	byTitle, err := s.reread(ctx, "spk-last")
	if err != nil {
		return nil, err
	}
	s.clock.at(397 * day)
	if _, err := s.svc.Assessments.AutoAssign(ctx, s.manager, r.ID); err != nil {
		return nil, fmt.Errorf("demo assignment of %q: %w", r.Name, err)
	}
	ago := 396 * day
	for _, d := range lastYearDecisions {
		for k, who := range []string{"panel1@example.org", "panel2@example.org"} {
			sc := lastYearScores[d.title][k]
			ago -= 3 * time.Hour
			s.clock.at(ago)
			draft := assessment.Draft{Scores: map[string]int{"community": sc.community, "new": sc.new}, Recommendation: sc.rec,
				Comments: map[string]string{"new": "Something the group has not tried before, and says why it matters."}}
			if _, _, err := s.svc.Assessments.Save(ctx, s.people[who], byTitle[d.title], draft, nil); err != nil {
				return nil, fmt.Errorf("demo assessment of %q: %w", d.title, err)
			}
			if _, err := s.svc.Assessments.Submit(ctx, s.people[who], byTitle[d.title], nil); err != nil {
				return nil, fmt.Errorf("demo submission of the assessment of %q: %w", d.title, err)
			}
		}
	}
	return byTitle, nil
}

// decide records the manager's decisions after the panel meeting and publishes them: the
// applications move to awarded or declined, the awards are offered.
func (s *seeder) decide(ctx context.Context, r round.Round, byTitle map[string]string) error {
	ago := 385 * day
	for _, d := range lastYearDecisions {
		ago -= time.Hour
		s.clock.at(ago)
		if _, err := s.svc.Awards.Decide(ctx, s.manager, byTitle[d.title], d.in, nil); err != nil {
			return fmt.Errorf("demo decision on %q: %w", d.title, err)
		}
	}
	s.clock.at(384 * day)
	if _, err := s.svc.Rounds.Transition(ctx, s.manager, r.ID, round.ActionPublishDecisions, nil); err != nil {
		return fmt.Errorf("demo: publish the decisions of %q: %w", r.Name, err)
	}
	_, err := s.reread(ctx, "spk-last")
	return err
}

// afterDecisions is what happened to last year's offers.
func (s *seeder) afterDecisions(ctx context.Context) error {
	awards, err := s.lastYearAwards(ctx)
	if err != nil {
		return err
	}
	walks, shed := awards["Cornwall Sight Loss Walking Group"], awards["Belfast Men's Shed"]
	if walks.ID == "" || shed.ID == "" || awards["Hillside Allotment Friends"].ID == "" {
		return fmt.Errorf("demo: last year's offers are not as decided: %v", awards)
	}
	// The walking group signs the agreement.
	s.clock.at(380 * day)
	rhys := s.people["rhys@example.org"]
	if _, err := s.svc.Awards.Accept(ctx, rhys, walks.ID, "Rhys Morgan", nil); err != nil {
		return fmt.Errorf("demo acceptance of %q: %w", walks.OrganisationName, err)
	}
	// Two halves, as the conditions said: the first straight away, the second for the
	// second season, next month.
	s.clock.at(379 * day)
	half := walks.Amount / 2
	payments, err := s.svc.Awards.Schedule(ctx, s.manager, walks.ID, []award.Instalment{
		{Amount: half, DueDate: s.base.Add(-376 * day).Format("2006-01-02")},
		{Amount: walks.Amount - half, DueDate: s.base.Add(21 * day).Format("2006-01-02")},
	}, nil)
	if err != nil {
		return fmt.Errorf("demo schedule of %q: %w", walks.OrganisationName, err)
	}
	var first award.Payment
	for _, p := range payments {
		if p.Status == award.PaymentScheduled && (first.ID == "" || p.Sequence < first.Sequence) {
			first = p
		}
	}
	s.clock.at(377 * day)
	if _, err := s.svc.Awards.Approve(ctx, s.manager, first.ID, nil); err != nil {
		return fmt.Errorf("demo approval of %q's first instalment: %w", walks.OrganisationName, err)
	}
	// Finance pays it and records the payment: the award becomes active.
	s.clock.at(376 * day)
	paidOn := s.clock.Now().UTC().Format("2006-01-02")
	if _, err := s.svc.Awards.MarkPaid(ctx, s.people["finance@example.org"], first.ID, paidOn, "BACS-"+paidOn+"-031"); err != nil {
		return fmt.Errorf("demo payment to %q: %w", walks.OrganisationName, err)
	}
	// The shed lost its workshop; the funder withdraws the offer at its request.
	s.clock.at(350 * day)
	if _, err := s.svc.Awards.Withdraw(ctx, s.manager, shed.ID, withdrawReason, nil); err != nil {
		return fmt.Errorf("demo withdrawal of %q's offer: %w", shed.OrganisationName, err)
	}
	return nil
}

// lastYearAwards reads last year's awards by organisation name.
func (s *seeder) lastYearAwards(ctx context.Context) (map[string]award.Award, error) {
	list, _, _, err := s.svc.Awards.Awards(ctx, s.manager, award.ListQuery{RoundID: s.rounds["spk-last"].ID, Limit: 50})
	if err != nil {
		return nil, fmt.Errorf("demo awards: %w", err)
	}
	out := map[string]award.Award{}
	for _, a := range list {
		out[a.OrganisationName] = a
	}
	return out, nil
}

// countAwards counts the demo's awards and payments by status, as stored.
func (s *seeder) countAwards(ctx context.Context) error {
	s.clock.at(0)
	q := award.ListQuery{Limit: 200}
	awards, next, _, err := s.svc.Awards.Awards(ctx, s.manager, q)
	if err == nil && next != nil {
		err = fmt.Errorf("more than %d", len(awards))
	}
	if err != nil {
		return fmt.Errorf("demo: count awards: %w", err)
	}
	for _, a := range awards {
		s.res.Awards[a.Status]++
	}
	payments, next, _, err := s.svc.Awards.Payments(ctx, s.manager, q)
	if err == nil && next != nil {
		err = fmt.Errorf("more than %d", len(payments))
	}
	if err != nil {
		return fmt.Errorf("demo: count payments: %w", err)
	}
	for _, p := range payments {
		s.res.Payments[p.Status]++
	}
	return nil
}
