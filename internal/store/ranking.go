package store

import (
	"context"
	"database/sql"
	"math"

	"constellate/internal/assessment"
)

// rankingSQL is a round's ranking in one query, the same text on Postgres and SQLite
// (window functions and CTEs are in both). See assessment.RankingRow for the figures.
//
//   - valid: the round's submitted assessments, less those whose author later declared a
//     conflict with the application;
//   - per_assessment: each one's normalised score Σ wᵢ·(sᵢ−minᵢ)/(maxᵢ−minᵢ) / Σ wᵢ · 100
//     from assessment_scores (weight and scale copied there at submission), and its raw sum;
//   - per_application: the mean and population variance of those, the raw mean, the count;
//   - ordered: every application in assessment or decided, with moderation, tallies and the
//     assigned count, numbered in ranking order (order score descending, none last, ties by
//     reference) with the running requested total.
const rankingSQL = `
WITH valid AS (
    SELECT a.id, a.application_id, a.recommendation
    FROM assessments a
    WHERE a.round_id = @round AND a.status = 'submitted'
      AND NOT EXISTS (SELECT 1 FROM assessment_conflicts c
                      WHERE c.application_id = a.application_id AND c.user_id = a.panel_member_id)
), per_assessment AS (
    SELECT v.application_id,
           SUM(sc.weight * (sc.score - sc.scale_min) * 1.0 / (sc.scale_max - sc.scale_min)) * 100.0 / SUM(sc.weight) AS norm,
           SUM(sc.score) AS raw_sum, COUNT(*) AS raw_n
    FROM valid v JOIN assessment_scores sc ON sc.assessment_id = v.id
    GROUP BY v.application_id, v.id
), per_application AS (
    SELECT application_id, AVG(norm) AS weighted, AVG(norm * norm) - AVG(norm) * AVG(norm) AS variance,
           SUM(raw_sum) * 1.0 / SUM(raw_n) AS mean, COUNT(*) AS n
    FROM per_assessment GROUP BY application_id
), tally AS (
    SELECT application_id,
           SUM(CASE WHEN recommendation = 'fund' THEN 1 ELSE 0 END) AS fund,
           SUM(CASE WHEN recommendation = 'maybe' THEN 1 ELSE 0 END) AS maybe,
           SUM(CASE WHEN recommendation = 'decline' THEN 1 ELSE 0 END) AS decline
    FROM valid GROUP BY application_id
), assigned AS (
    SELECT application_id, COUNT(*) AS n FROM assessment_assignments WHERE round_id = @round GROUP BY application_id
), ranked AS (
    SELECT ap.id AS application_id, ap.reference, ap.title, ap.requested_amount,
           (SELECT o.name FROM organisations o WHERE o.id = ap.organisation_id) AS organisation_name,
           pa.weighted, pa.variance, pa.mean, COALESCE(pa.n, 0) AS assessments, COALESCE(asg.n, 0) AS assigned,
           COALESCE(t.fund, 0) AS fund, COALESCE(t.maybe, 0) AS maybe, COALESCE(t.decline, 0) AS decline,
           m.score AS moderated, COALESCE(m.score, pa.weighted) AS order_score
    FROM applications ap
    LEFT JOIN per_application pa ON pa.application_id = ap.id
    LEFT JOIN tally t ON t.application_id = ap.id
    LEFT JOIN assigned asg ON asg.application_id = ap.id
    LEFT JOIN assessment_moderations m ON m.application_id = ap.id
    WHERE ap.round_id = @round AND ap.status IN ('under_assessment', 'awarded', 'declined')
), ordered AS (
    SELECT ranked.*,
           ROW_NUMBER() OVER (ORDER BY CASE WHEN order_score IS NULL THEN 1 ELSE 0 END, order_score DESC, reference) AS position,
           SUM(requested_amount) OVER (ORDER BY CASE WHEN order_score IS NULL THEN 1 ELSE 0 END, order_score DESC, reference
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative
    FROM ranked
)
SELECT * FROM ordered WHERE position > @after ORDER BY position LIMIT @limit`

// Ranking computes a page of the round's ranking in one query.
func (s *AssessmentStore) Ranking(ctx context.Context, roundID string, p assessment.RankingPage) ([]assessment.RankingRow, error) {
	var rows []struct {
		ApplicationID, Title, OrganisationName string
		Reference                              *string
		RequestedAmount                        int64
		Weighted, Variance, Mean, Moderated    *float64
		OrderScore                             *float64
		Assessments, Assigned                  int
		Fund, Maybe, Decline                   int
		Position                               int
		Cumulative                             int64
	}
	err := s.db.conn(ctx).Raw(rankingSQL, sql.Named("round", roundID), sql.Named("after", p.After), sql.Named("limit", p.Limit)).
		Scan(&rows).Error
	if err != nil {
		return nil, Translate(err, "ranking")
	}
	out := make([]assessment.RankingRow, len(rows))
	for i, r := range rows {
		row := assessment.RankingRow{Position: r.Position, ApplicationID: r.ApplicationID, Title: r.Title, OrganisationName: r.OrganisationName,
			RequestedAmount: r.RequestedAmount, WeightedScore: r.Weighted, Mean: r.Mean, Assessments: r.Assessments, Assigned: r.Assigned,
			Fund: r.Fund, Maybe: r.Maybe, Decline: r.Decline, ModeratedScore: r.Moderated, OrderScore: r.OrderScore,
			CumulativeRequested: r.Cumulative}
		if r.Reference != nil {
			row.Reference = *r.Reference
		}
		if r.Variance != nil {
			sd := math.Sqrt(math.Max(0, *r.Variance)) // float error can make a zero variance a hair negative
			row.StdDev = &sd
		}
		out[i] = row
	}
	return out, nil
}
