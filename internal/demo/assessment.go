package demo

import (
	"context"
	"fmt"
	"time"

	"constellate/internal/assessment"
	"constellate/internal/round"
)

// demoScores are the panel's scores for Small Sparks, by application title: community and
// newness (1–3 each) and a recommendation, per panel member (panel1, panel2). A missing
// entry is work not done; a draft entry is saved but not submitted.
var demoScores = map[string][2]demoScore{
	"Audio-described coastal walks": {{3, 2, assessment.Fund, false}, {3, 3, assessment.Fund, false}},
	"Queer zine nights":             {{2, 3, assessment.Fund, false}, {1, 2, assessment.Decline, false}},
	"Sewing circle and stories":     {{3, 3, assessment.Fund, false}, {}},
	"Tools for a repair café":       {{2, 2, assessment.Maybe, true}, {2, 1, assessment.Maybe, false}},
}

type demoScore struct {
	community, new int
	rec            assessment.Recommendation
	draft          bool
}

// assess runs Small Sparks' assessment after it closed: the panel set, the assessment
// started (its submitted applications move under assessment), a conflict of interest
// declared, reviewers assigned automatically, assessments scored — some submitted, one a
// draft — and one moderation, so the ranking shows something on a fresh install.
func (s *seeder) assess(ctx context.Context) error {
	r := s.rounds["spk"]
	p1, p2 := s.people["panel1@example.org"], s.people["panel2@example.org"]
	s.clock.at(27*day + 12*time.Hour)
	if _, err := s.svc.Rounds.SetPanel(ctx, s.manager, r.ID, []string{p1.UserID, p2.UserID}, nil); err != nil {
		return fmt.Errorf("demo panel: %w", err)
	}
	s.clock.at(27 * day)
	if _, err := s.svc.Rounds.Transition(ctx, s.manager, r.ID, round.ActionStartAssessment, nil); err != nil {
		return fmt.Errorf("demo: start assessment: %w", err)
	}
	byTitle, err := s.reread(ctx, "spk")
	if err != nil {
		return err
	}
	// Kwame used to volunteer with the Roma women's group: he says so before any scoring.
	s.clock.at(26 * day)
	if _, err := s.svc.Assessments.Declare(ctx, p2, r.ID, []string{byTitle["Sewing circle and stories"]},
		"I volunteered with this group until last year."); err != nil {
		return fmt.Errorf("demo conflict: %w", err)
	}
	s.clock.at(25 * day)
	if _, err := s.svc.Assessments.AutoAssign(ctx, s.manager, r.ID); err != nil {
		return fmt.Errorf("demo assignment: %w", err)
	}
	ago := 24 * day
	for _, title := range []string{"Audio-described coastal walks", "Queer zine nights", "Sewing circle and stories", "Tools for a repair café"} {
		for k, who := range []string{"panel1@example.org", "panel2@example.org"} {
			sc := demoScores[title][k]
			if sc.rec == "" || byTitle[title] == "" {
				continue
			}
			ago -= 3 * time.Hour
			s.clock.at(ago)
			d := assessment.Draft{Scores: map[string]int{"community": sc.community, "new": sc.new}, Recommendation: sc.rec,
				Comments: map[string]string{"community": "Clear about who takes part and why it matters to them."}}
			if _, _, err := s.svc.Assessments.Save(ctx, s.people[who], byTitle[title], d, nil); err != nil {
				return fmt.Errorf("demo assessment of %q: %w", title, err)
			}
			if sc.draft {
				continue
			}
			if _, err := s.svc.Assessments.Submit(ctx, s.people[who], byTitle[title], nil); err != nil {
				return fmt.Errorf("demo submission of the assessment of %q: %w", title, err)
			}
		}
	}
	s.clock.at(21 * day)
	if _, err := s.svc.Assessments.Moderate(ctx, s.manager, byTitle["Queer zine nights"], 75,
		"The panel split; the zine nights reach young people no one else funds here."); err != nil {
		return fmt.Errorf("demo moderation: %w", err)
	}
	return nil
}
