package assessment

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/event"
	"constellate/internal/round"
)

// DisagreementSpread is the population standard deviation of an application's normalised
// scores (0–100 scale) above which the panel is said to disagree: 15 points is about the
// gap between "good" and "very good" on a five-point scale, wide enough that the panel
// meeting should talk about it.
const DisagreementSpread = 15.0

// RankingPage asks for one page of a ranking: at most Limit rows after position After (0:
// from the top). Positions are 1, 2, … in ranking order.
type RankingPage struct {
	Limit int
	After int
}

// RankingRow is one application in a round's ranking, computed by the database.
//
// Each submitted assessment's normalised score is Σ wᵢ·(sᵢ−minᵢ)/(maxᵢ−minᵢ) / Σ wᵢ · 100
// over the round's criteria. WeightedScore is the mean of those over the application's
// submitted assessments, StdDev their population standard deviation, and Mean the plain
// mean of every raw criterion score given (on the rubric's own scales). Assessments by a
// panel member who later declared a conflict do not count. OrderScore is the moderated
// score when a manager set one, else WeightedScore; applications with neither come last.
type RankingRow struct {
	Position         int
	ApplicationID    string
	Reference        string
	Title            string
	OrganisationName string
	RequestedAmount  int64
	WeightedScore    *float64
	Mean             *float64
	StdDev           *float64
	Assessments      int
	Assigned         int
	Fund             int
	Maybe            int
	Decline          int
	ModeratedScore   *float64
	OrderScore       *float64
	// CumulativeRequested is the requested total of this application and every one ranked
	// above it; BudgetLeft is the round's budget less that (negative past the budget).
	CumulativeRequested int64
	BudgetLeft          int64
	Disagreement        bool
}

// Ranking is a page of a round's ranking and the round's figures it is measured against.
type Ranking struct {
	Round round.Round
	Rows  []RankingRow
	// Next is the position to continue after, 0 on the last page.
	Next int
}

// Ranking returns a page of the round's ranking (grants managers), computed in one query.
// Order: OrderScore descending, applications without one last, ties by reference.
func (s *Service) Ranking(ctx context.Context, actor auth.Actor, roundID string, p RankingPage) (Ranking, error) {
	if err := CanManage(actor); err != nil {
		return Ranking{}, err
	}
	r, err := s.round(ctx, roundID, false)
	if err != nil {
		return Ranking{}, err
	}
	if p.Limit <= 0 {
		p.Limit = 50
	}
	rows, err := s.store.Ranking(ctx, roundID, RankingPage{Limit: p.Limit + 1, After: p.After})
	if err != nil {
		return Ranking{}, err
	}
	out := Ranking{Round: r, Rows: rows}
	if len(rows) > p.Limit {
		out.Rows = rows[:p.Limit]
		out.Next = out.Rows[p.Limit-1].Position
	}
	for i := range out.Rows {
		row := &out.Rows[i]
		row.BudgetLeft = r.Budget - row.CumulativeRequested
		for _, f := range []**float64{&row.WeightedScore, &row.Mean, &row.StdDev, &row.ModeratedScore, &row.OrderScore} {
			if *f != nil {
				v := math.Round(**f*100) / 100 // two places: both databases' arithmetic agrees there
				*f = &v
			}
		}
		// Judged on the figure shown, so float error never flags a spread that reads 15.00.
		row.Disagreement = row.Fund > 0 && row.Decline > 0 || row.StdDev != nil && *row.StdDev > DisagreementSpread
	}
	return out, nil
}

// Moderate sets a manager's score (0–100) for an application under assessment, with a
// note: shown beside the panel's figures and used for ordering. It can be replaced until
// the round's decisions are published.
func (s *Service) Moderate(ctx context.Context, actor auth.Actor, applicationID string, score float64, note string) (Moderation, error) {
	if err := CanManage(actor); err != nil {
		return Moderation{}, err
	}
	var out Moderation
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		t, err := s.target(ctx, applicationID, true)
		if err != nil {
			return err
		}
		r, err := s.round(ctx, t.RoundID, false)
		if err != nil {
			return err
		}
		switch {
		case r.Status == round.StatusDecided || r.Status == round.StatusArchived:
			return ErrDecisionsPublished
		case r.Status != round.StatusAssessment:
			return ErrNotInAssessment.Withf("the round is %s, not in assessment", r.Status)
		case t.Status != statusUnderAssessment:
			return ErrNotUnderAssessment
		}
		var f errs.Fields
		if math.IsNaN(score) || score < 0 || score > 100 {
			f.Add("score", "must be from 0 to 100 (the ranking's scale)")
		}
		if utf8.RuneCountInString(note) > MaxNoteLength {
			f.Add("note", "must be at most %d characters", MaxNoteLength)
		}
		if err := f.Err(errs.Invalid, "the moderation cannot be recorded"); err != nil {
			return err
		}
		prev, had, err := s.store.Moderation(ctx, t.ID)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		out = Moderation{ApplicationID: t.ID, RoundID: t.RoundID, Score: score, Note: strings.TrimSpace(note), SetBy: actor.UserID,
			Version: 1, CreatedAt: now, UpdatedAt: now}
		ev := event.ModerationChange{ApplicationID: t.ID, RoundID: t.RoundID, Score: score}
		if had {
			out.Version, out.CreatedAt = prev.Version+1, prev.CreatedAt
			ev.Previous = &prev.Score
		}
		if err := s.store.SaveModeration(ctx, out); err != nil {
			return err
		}
		return s.events.Publish(ctx, actor, ev)
	})
	return out, err
}
