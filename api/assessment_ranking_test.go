package api_test

import (
	"encoding/base64"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// The ranking tests check SPEC §7's ranking against figures worked out by hand. Every world
// is newAssessWorld's: criteria need (weight 2, scale 1–5) and fit (weight 1, scale 0–10),
// so one assessment's normalised score is
//
//	norm = (2·(need−1)/4 + 1·fit/10) / 3 · 100
//
// and the three applications ask for 250000, 200000 and 300000 (references -0001, -0002,
// -0003) against a budget of 600000. The expected numbers below are literals: nothing in
// these tests recomputes the formula.

// rankWant is one application's expected ranking row. Figures are float64 literals, or nil
// where the ranking must show none (null).
type rankWant struct {
	app                    int // index into w.apps
	position               int
	score, weighted        any
	mean, stddev           any
	moderated              any
	assessments, assigned  int
	fund, maybe, decline   int
	disagreement           bool
	cumulative, budgetLeft float64
	requested              float64 // 0: the application's own (requestedOf)
}

var requestedOf = []float64{250000, 200000, 300000}

// rankingOf reads the ranking (one page, query appended to the path) as the manager.
func (w *assessWorld) rankingOf(t *testing.T, query string) map[string]any {
	t.Helper()
	return w.env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + w.roundID + "/ranking" + query,
		Token: w.manager.Token}).Map(t)
}

// rankRows is the ranking's rows.
func (w *assessWorld) rankRows(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range w.rankingOf(t, "")["data"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// checkRank compares the rows with want, row by row, reporting every difference.
func (w *assessWorld) checkRank(t *testing.T, rows []map[string]any, want []rankWant) {
	t.Helper()
	if len(rows) != len(want) {
		t.Fatalf("the ranking has %d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i, wnt := range want {
		w.checkRankRow(t, rows[i], wnt)
	}
}

func (w *assessWorld) checkRankRow(t *testing.T, row map[string]any, wnt rankWant) {
	t.Helper()
	recs, _ := row["recommendations"].(map[string]any)
	requested := wnt.requested
	if requested == 0 {
		requested = requestedOf[wnt.app]
	}
	checks := []struct {
		field     string
		got, want any
	}{
		{"application_id", row["application_id"], w.apps[wnt.app]},
		{"position", row["position"], float64(wnt.position)},
		{"score", row["score"], wnt.score},
		{"weighted_score", row["weighted_score"], wnt.weighted},
		{"mean", row["mean"], wnt.mean},
		{"stddev", row["stddev"], wnt.stddev},
		{"moderated_score", row["moderated_score"], wnt.moderated},
		{"assessments", row["assessments"], float64(wnt.assessments)},
		{"assigned", row["assigned"], float64(wnt.assigned)},
		{"recommendations.fund", recs["fund"], float64(wnt.fund)},
		{"recommendations.maybe", recs["maybe"], float64(wnt.maybe)},
		{"recommendations.decline", recs["decline"], float64(wnt.decline)},
		{"disagreement", row["disagreement"], wnt.disagreement},
		{"requested_amount", row["requested_amount"], requested},
		{"cumulative_requested", row["cumulative_requested"], wnt.cumulative},
		{"budget_left", row["budget_left"], wnt.budgetLeft},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("app %d (row %v): %s = %v, want %v", wnt.app, row["position"], c.field, c.got, c.want)
		}
	}
}

// scoreFigures gives newAssessWorld the panel's scores used by the figures, pagination and
// CSV tests (who scores what, and each assessment's normalised score):
//
//	app 0: p1 need 4 fit 7 fund    → (2·3/4 + 7/10)/3 = 2.2/3 → 73.33
//	       p2 need 5 fit 4 fund    → (2·4/4 + 4/10)/3 = 2.4/3 → 80
//	       p3 need 3 fit 9 maybe   → (2·2/4 + 9/10)/3 = 1.9/3 → 63.33
//	app 1: p1 need 2 fit 6 fund    → (2·1/4 + 6/10)/3 = 1.1/3 → 36.67
//	       p2 need 2 fit 4 decline → (2·1/4 + 4/10)/3 = 0.9/3 → 30
//	app 2: p2 need 5 fit 10 maybe  → (2 + 1)/3             → 100
//	       p3 need 2 fit 0 maybe   → (2·1/4 + 0)/3 = 0.5/3 → 16.67
func scoreFigures(t *testing.T, w *assessWorld) {
	t.Helper()
	w.assign(t, w.apps[0], w.p1)
	w.assign(t, w.apps[0], w.p2)
	w.assign(t, w.apps[0], w.p3)
	w.assign(t, w.apps[1], w.p1)
	w.assign(t, w.apps[1], w.p2)
	w.assign(t, w.apps[2], w.p2)
	w.assign(t, w.apps[2], w.p3)
	w.score(t, w.apps[0], w.p1, 4, 7, "fund")
	w.score(t, w.apps[0], w.p2, 5, 4, "fund")
	w.score(t, w.apps[0], w.p3, 3, 9, "maybe")
	w.score(t, w.apps[1], w.p1, 2, 6, "fund")
	w.score(t, w.apps[1], w.p2, 2, 4, "decline")
	w.score(t, w.apps[2], w.p2, 5, 10, "maybe")
	w.score(t, w.apps[2], w.p3, 2, 0, "maybe")
}

// figuresWant is the ranking scoreFigures leads to.
//
// app 0: weighted (2.2 + 2.4 + 1.9)/9 · 100 = 650/9 = 72.22; the norms' deviations from
// 650/9 are 10/9, 70/9, −80/9, so the population variance is (100 + 4900 + 6400)/81/3 =
// 3800/81 = 46.91 and sd 6.85 (under 15, no decline: no disagreement); raw mean
// (4+7+5+4+3+9)/6 = 32/6 = 5.33. Ranked first: cumulative 250000, 600000 − 250000 = 350000.
//
// app 2: weighted (100 + 16.67)/2 = 3.5/6 · 100 = 58.33; sd half the gap (100 − 16.67)/2 =
// 125/3 = 41.67 (over 15: disagreement though both said maybe); raw mean (5+10+2+0)/4 =
// 4.25. Second: cumulative 250000 + 300000 = 550000, left 50000.
//
// app 1: weighted (36.67 + 30)/2 = 2.0/6 · 100 = 33.33; sd (36.67 − 30)/2 = 10/3 = 3.33
// (low, but fund and decline: disagreement); raw mean (2+6+2+4)/4 = 3.5. Third: cumulative
// 550000 + 200000 = 750000, left −150000 (past the budget).
var figuresWant = []rankWant{
	{app: 0, position: 1, score: 72.22, weighted: 72.22, mean: 5.33, stddev: 6.85, assessments: 3, assigned: 3,
		fund: 2, maybe: 1, disagreement: false, cumulative: 250000, budgetLeft: 350000},
	{app: 2, position: 2, score: 58.33, weighted: 58.33, mean: 4.25, stddev: 41.67, assessments: 2, assigned: 2,
		maybe: 2, disagreement: true, cumulative: 550000, budgetLeft: 50000},
	{app: 1, position: 3, score: 33.33, weighted: 33.33, mean: 3.5, stddev: 3.33, assessments: 2, assigned: 2,
		fund: 1, decline: 1, disagreement: true, cumulative: 750000, budgetLeft: -150000},
}

// TestRankingFigures: weights and scales not starting at 0, three assessments on one
// application with the population standard deviation, disagreement by spread and by
// fund-plus-decline, and the running requested total against the budget going negative.
func TestRankingFigures(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		scoreFigures(t, w)
		rk := w.rankingOf(t, "")
		if rk["round_id"] != w.roundID || rk["budget"] != float64(600000) || rk["currency"] != "GBP" || rk["next_cursor"] != nil {
			t.Errorf("ranking header = %v", rk)
		}
		w.checkRank(t, w.rankRows(t), figuresWant)
	})
}

// TestRankingDisagreementThreshold: disagreement is a standard deviation ABOVE 15 points,
// or both fund and decline; the boundary itself is not disagreement.
func TestRankingDisagreementThreshold(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		cases := []struct {
			name string
			app  int
			a, b [2]int // need, fit of p1's and p2's assessments
			recs [2]string
			want rankWant
		}{
			// need 5 fit 10 → 100; need 4 fit 6 → (2·3/4 + 6/10)/3 = 2.1/3 → 70. Mean 85, sd
			// exactly (100 − 70)/2 = 15: not above 15, and fund with maybe. Raw mean
			// (5+10+4+6)/4 = 6.25.
			{"sd exactly 15", 0, [2]int{5, 10}, [2]int{4, 6}, [2]string{"fund", "maybe"},
				rankWant{app: 0, position: 1, score: 85.0, weighted: 85.0, mean: 6.25, stddev: 15.0, assessments: 2, assigned: 2,
					fund: 1, maybe: 1, disagreement: false, cumulative: 250000, budgetLeft: 350000}},
			// need 5 fit 10 → 100; need 5 fit 0 → 2/3 → 66.67. Mean 83.33, sd 16.67 > 15.
			// Raw mean (5+10+5+0)/4 = 5.
			{"sd 16.67", 1, [2]int{5, 10}, [2]int{5, 0}, [2]string{"maybe", "maybe"},
				rankWant{app: 1, position: 2, score: 83.33, weighted: 83.33, mean: 5.0, stddev: 16.67, assessments: 2, assigned: 2,
					maybe: 2, disagreement: true, cumulative: 450000, budgetLeft: 150000}},
			// need 3 fit 5 → (2·2/4 + 5/10)/3 = 1.5/3 → 50, twice: sd 0, but fund and decline.
			// Raw mean (3+5+3+5)/4 = 4.
			{"fund and decline agree on score", 2, [2]int{3, 5}, [2]int{3, 5}, [2]string{"fund", "decline"},
				rankWant{app: 2, position: 3, score: 50.0, weighted: 50.0, mean: 4.0, stddev: 0.0, assessments: 2, assigned: 2,
					fund: 1, decline: 1, disagreement: true, cumulative: 750000, budgetLeft: -150000}},
		}
		for _, c := range cases {
			w.assign(t, w.apps[c.app], w.p1)
			w.assign(t, w.apps[c.app], w.p2)
			w.score(t, w.apps[c.app], w.p1, c.a[0], c.a[1], c.recs[0])
			w.score(t, w.apps[c.app], w.p2, c.b[0], c.b[1], c.recs[1])
		}
		rows := w.rankRows(t)
		if len(rows) != len(cases) {
			t.Fatalf("ranking rows = %v", rows)
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) { w.checkRankRow(t, rows[i], c.want) })
		}
	})
}

// TestRankingTiesByReference: equal scores are ordered by reference, not by title (the
// second application's "=cmd…" sorts before the first's), not by which was scored first.
func TestRankingTiesByReference(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		w.assign(t, w.apps[0], w.p1)
		w.assign(t, w.apps[1], w.p2)
		w.assign(t, w.apps[2], w.p3)
		// Scored last application first.
		w.score(t, w.apps[2], w.p3, 3, 5, "maybe") // (2·2/4 + 5/10)/3 = 1.5/3 → 50
		w.score(t, w.apps[1], w.p2, 5, 0, "fund")  // (2·4/4 + 0)/3 = 2/3 → 66.67
		w.score(t, w.apps[0], w.p1, 4, 5, "fund")  // (2·3/4 + 5/10)/3 = 2/3 → 66.67: a tie
		rows := w.rankRows(t)
		w.checkRank(t, rows, []rankWant{
			// Raw means: (4+5)/2 = 4.5, (5+0)/2 = 2.5, (3+5)/2 = 4.
			{app: 0, position: 1, score: 66.67, weighted: 66.67, mean: 4.5, stddev: 0.0, assessments: 1, assigned: 1,
				fund: 1, cumulative: 250000, budgetLeft: 350000},
			{app: 1, position: 2, score: 66.67, weighted: 66.67, mean: 2.5, stddev: 0.0, assessments: 1, assigned: 1,
				fund: 1, cumulative: 450000, budgetLeft: 150000},
			{app: 2, position: 3, score: 50.0, weighted: 50.0, mean: 4.0, stddev: 0.0, assessments: 1, assigned: 1,
				maybe: 1, cumulative: 750000, budgetLeft: -150000},
		})
		if len(rows) == 3 && !(rows[0]["reference"].(string) < rows[1]["reference"].(string)) {
			t.Errorf("tied rows not in reference order: %v, %v", rows[0]["reference"], rows[1]["reference"])
		}
	})
}

// TestRankingMissingAssessments: applications with no submitted assessment come last (a
// score of 0 is still a score), in reference order among themselves; assigned counts
// assignments with no submission; drafts — complete or not — count for nothing.
func TestRankingMissingAssessments(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		// The third application: p1 submits the lowest possible score, need 1 fit 0 → 0;
		// p2 leaves a complete draft (need 5 fit 10 → 100, fund) unsubmitted. Counted, the
		// draft would make it 50 with fund and decline.
		w.assign(t, w.apps[2], w.p1)
		w.assign(t, w.apps[2], w.p2)
		w.score(t, w.apps[2], w.p1, 1, 0, "decline")
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/applications/" + w.apps[2] + "/assessment", Token: w.p2.Token,
			Body: map[string]any{"scores": map[string]any{"need": 5, "fit": 10}, "recommendation": "fund"}})
		// The first: two assigned, one half-done draft, nothing submitted. The second: nobody.
		w.assign(t, w.apps[0], w.p1)
		w.assign(t, w.apps[0], w.p3)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/applications/" + w.apps[0] + "/assessment", Token: w.p3.Token,
			Body: map[string]any{"scores": map[string]any{"need": 5}}})

		w.checkRank(t, w.rankRows(t), []rankWant{
			// Raw mean (1+0)/2 = 0.5. Cumulative 300000, left 300000.
			{app: 2, position: 1, score: 0.0, weighted: 0.0, mean: 0.5, stddev: 0.0, assessments: 1, assigned: 2,
				decline: 1, disagreement: false, cumulative: 300000, budgetLeft: 300000},
			// No figures at all; 300000 + 250000 = 550000, left 50000.
			{app: 0, position: 2, score: nil, weighted: nil, mean: nil, stddev: nil, assessments: 0, assigned: 2,
				cumulative: 550000, budgetLeft: 50000},
			// 550000 + 200000 = 750000, left −150000.
			{app: 1, position: 3, score: nil, weighted: nil, mean: nil, stddev: nil, assessments: 0, assigned: 0,
				cumulative: 750000, budgetLeft: -150000},
		})
	})
}

// TestRankingModeration: a moderated score orders the ranking and is shown beside the
// panel's own figures (which it does not change); a second moderation replaces the first;
// an application nobody scored can be moderated into place; recorded decisions do not close
// it, publishing them does (409) and the last moderation stands.
func TestRankingModeration(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		w.assign(t, w.apps[0], w.p1)
		w.assign(t, w.apps[1], w.p2)
		w.score(t, w.apps[0], w.p1, 3, 5, "maybe") // (2·2/4 + 5/10)/3 = 1.5/3 → 50; raw mean 4
		w.score(t, w.apps[1], w.p2, 4, 7, "fund")  // (2·3/4 + 7/10)/3 = 2.2/3 → 73.33; raw mean 5.5
		moderate := func(app int, score float64, note string) map[string]any {
			t.Helper()
			return env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[app] + "/moderation",
				Token: w.manager.Token, Body: map[string]any{"score": score, "note": note}}).Map(t)
		}
		panel0 := rankWant{app: 0, weighted: 50.0, mean: 4.0, stddev: 0.0, assessments: 1, assigned: 1, maybe: 1}
		panel1 := rankWant{app: 1, weighted: 73.33, mean: 5.5, stddev: 0.0, assessments: 1, assigned: 1, fund: 1}
		panel2 := rankWant{app: 2}
		at := func(r rankWant, pos int, score, moderated any, cum, left float64) rankWant {
			r.position, r.score, r.moderated, r.cumulative, r.budgetLeft = pos, score, moderated, cum, left
			return r
		}

		// The panel's order: 73.33, 50, none.
		w.checkRank(t, w.rankRows(t), []rankWant{
			at(panel1, 1, 73.33, nil, 200000, 400000),
			at(panel0, 2, 50.0, nil, 450000, 150000),
			at(panel2, 3, nil, nil, 750000, -150000),
		})

		// 90 lifts the first application over 73.33; its panel figures stay beside it.
		m := moderate(0, 90, "Reach into two estates the panel missed.")
		if m["score"] != float64(90) || m["note"] != "Reach into two estates the panel missed." || m["set_by"] != w.manager.ID ||
			m["application_id"] != w.apps[0] || m["round_id"] != w.roundID {
			t.Errorf("moderation = %v", m)
		}
		w.checkRank(t, w.rankRows(t), []rankWant{
			at(panel0, 1, 90.0, 90.0, 250000, 350000),
			at(panel1, 2, 73.33, nil, 450000, 150000),
			at(panel2, 3, nil, nil, 750000, -150000),
		})

		// A second moderation replaces it: 40 sinks it below 73.33.
		moderate(0, 40, "Revised after the panel meeting.")
		// The unscored third gets 45.5: above 40, below 73.33, without any panel figures.
		moderate(2, 45.5, "Scored by the chair.")
		w.checkRank(t, w.rankRows(t), []rankWant{
			at(panel1, 1, 73.33, nil, 200000, 400000),
			at(panel2, 2, 45.5, 45.5, 500000, 100000),
			at(panel0, 3, 40.0, 40.0, 750000, -150000),
		})

		// Every application decided (publication needs that): moderation stays open until the
		// decisions are published — the same score again is accepted.
		decide := func(app int, body map[string]any) {
			t.Helper()
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[app] + "/decision",
				Token: w.manager.Token, Body: body})
		}
		decide(1, map[string]any{"outcome": "award", "amount": 200000, "feedback": "A clear plan."})
		decide(0, map[string]any{"outcome": "decline", "feedback": "Others reached more people this time."})
		decide(2, map[string]any{"outcome": "decline", "feedback": "Please apply again with costings."})
		moderate(0, 40, "Confirmed at the panel meeting.")

		// Decisions published: moderation is closed, and the last one stands.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/publish-decisions", Token: w.manager.Token})
		refused := env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[0] + "/moderation",
			Token: w.manager.Token, Body: map[string]any{"score": 99, "note": "Too late."}})
		if !strings.Contains(string(refused.Body), "published") {
			t.Errorf("the refusal does not say the decisions are published: %s", refused.Body)
		}
		w.checkRank(t, w.rankRows(t), []rankWant{
			at(panel1, 1, 73.33, nil, 200000, 400000),
			at(panel2, 2, 45.5, 45.5, 500000, 100000),
			at(panel0, 3, 40.0, 40.0, 750000, -150000),
		})
	})
}

// TestRankingConflictAfterSubmit: a panel member who declares a conflict after submitting
// loses their assignment and their assessment stops counting, though it still exists for
// the managers to read.
func TestRankingConflictAfterSubmit(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		first := w.apps[0]
		w.assign(t, first, w.p1)
		w.assign(t, first, w.p2)
		w.score(t, first, w.p1, 5, 10, "fund") // → 100
		w.score(t, first, w.p2, 3, 5, "maybe") // (2·2/4 + 5/10)/3 = 1.5/3 → 50

		// Both count: weighted (100+50)/2 = 75, sd 25 (over 15: disagreement), raw mean
		// (5+10+3+5)/4 = 23/4 = 5.75.
		rows := w.rankRows(t)
		w.checkRankRow(t, rows[0], rankWant{app: 0, position: 1, score: 75.0, weighted: 75.0, mean: 5.75, stddev: 25.0,
			assessments: 2, assigned: 2, fund: 1, maybe: 1, disagreement: true, cumulative: 250000, budgetLeft: 350000})

		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/rounds/" + w.roundID + "/conflicts", Token: w.p1.Token,
			Body: map[string]any{"application_ids": []string{first}, "note": "My sister chairs this group."}})

		// Only p2's counts: weighted 50, sd 0, raw mean (3+5)/2 = 4, one assigned (p1's
		// assignment went with the declaration), no fund.
		rows = w.rankRows(t)
		w.checkRankRow(t, rows[0], rankWant{app: 0, position: 1, score: 50.0, weighted: 50.0, mean: 4.0, stddev: 0.0,
			assessments: 1, assigned: 1, maybe: 1, disagreement: false, cumulative: 250000, budgetLeft: 350000})

		// The managers still see both assessments, p1's submitted one intact.
		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + first + "/assessments",
			Token: w.manager.Token}).Map(t)["data"].([]any)
		if len(list) != 2 {
			t.Fatalf("the manager sees %d assessments, want 2: %v", len(list), list)
		}
		var found bool
		for _, raw := range list {
			a := raw.(map[string]any)
			if a["panel_member_id"] != w.p1.ID {
				continue
			}
			found = true
			sc := a["scores"].(map[string]any)
			if a["status"] != "submitted" || sc["need"] != float64(5) || sc["fit"] != float64(10) || a["recommendation"] != "fund" {
				t.Errorf("the conflicted member's assessment changed: %v", a)
			}
		}
		if !found {
			t.Errorf("the conflicted member's assessment is gone: %v", list)
		}
	})
}

// TestRankingPagination: limit=1 walks the ranking with next_cursor, one row a page, with
// positions 1, 2, 3 and the running totals of the whole ranking (not of the page); a
// cursor the list did not give is 400.
func TestRankingPagination(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		scoreFigures(t, w)
		query := "?limit=1"
		for i, want := range figuresWant {
			page := w.rankingOf(t, query)
			data := page["data"].([]any)
			if len(data) != 1 {
				t.Fatalf("page %d has %d rows: %v", i+1, len(data), page)
			}
			w.checkRankRow(t, data[0].(map[string]any), want)
			next, _ := page["next_cursor"].(string)
			if i < len(figuresWant)-1 {
				if next == "" {
					t.Fatalf("page %d has no next_cursor", i+1)
				}
				query = "?limit=1&cursor=" + next
			} else if page["next_cursor"] != nil {
				t.Errorf("the last page has a next_cursor: %v", page["next_cursor"])
			}
		}
		// Two a page: the second page continues at position 3 with the full running total.
		page := w.rankingOf(t, "?limit=2")
		if len(page["data"].([]any)) != 2 || page["next_cursor"] == nil {
			t.Fatalf("limit=2 = %v", page)
		}
		rest := w.rankingOf(t, "?limit=2&cursor="+page["next_cursor"].(string))
		if d := rest["data"].([]any); len(d) != 1 || rest["next_cursor"] != nil {
			t.Fatalf("second page of two = %v", rest)
		} else {
			w.checkRankRow(t, d[0].(map[string]any), figuresWant[2])
		}

		cursor := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		for _, q := range []string{
			"?cursor=not-a-cursor!",     // not base64
			"?cursor=" + cursor("r1:0"), // position 0 is not after anything
			"?cursor=" + cursor("r1:-2"),
			"?cursor=" + cursor("r1:two"),
			"?cursor=" + cursor("2"), // not a ranking cursor
			"?limit=0",
			"?limit=201",
			"?limit=many",
		} {
			env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/rounds/" + w.roundID + "/ranking" + q, Token: w.manager.Token})
		}
	})
}

// TestRankingCSV: Accept: text/csv gives the same rows as CSV for the panel meeting: the
// header, figures to two places, money in minor units, and a title that a spreadsheet
// would run as a formula (the second application's "=cmd|…") defused with a leading '.
func TestRankingCSV(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		scoreFigures(t, w)
		path := "/v1/rounds/" + w.roundID + "/ranking"
		resp := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.manager.Token, Header: map[string]string{"Accept": "text/csv"}})
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("Content-Type = %q", ct)
		}
		records, err := csv.NewReader(strings.NewReader(string(resp.Body))).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, resp.Body)
		}
		header := []string{"position", "reference", "title", "organisation_name", "score", "weighted_score", "mean", "stddev",
			"assessments", "assigned", "fund", "maybe", "decline", "disagreement", "moderated_score", "requested_amount",
			"cumulative_requested", "budget_left", "application_id"}
		if len(records) != 4 || strings.Join(records[0], ",") != strings.Join(header, ",") {
			t.Fatalf("csv = %q", records)
		}
		refs := map[string]string{}
		for _, r := range w.rankRows(t) {
			refs[r["application_id"].(string)] = r["reference"].(string)
		}
		want := [][]string{
			{"1", refs[w.apps[0]], "Peer support cafés", "Hillside Peer Support", "72.22", "72.22", "5.33", "6.85",
				"3", "3", "2", "1", "0", "false", "", "250000", "250000", "350000", w.apps[0]},
			{"2", refs[w.apps[2]], "Walking group", "Riverside Voices", "58.33", "58.33", "4.25", "41.67",
				"2", "2", "0", "2", "0", "true", "", "300000", "550000", "50000", w.apps[2]},
			{"3", refs[w.apps[1]], "'=cmd|' /C calc'!A0", "Canary Collective CANARY-7731", "33.33", "33.33", "3.50", "3.33",
				"2", "2", "1", "0", "1", "true", "", "200000", "750000", "-150000", w.apps[1]},
		}
		for i, row := range want {
			got := records[i+1]
			if len(got) != len(row) {
				t.Errorf("csv row %d = %q", i+1, got)
				continue
			}
			for j := range row {
				if got[j] != row[j] {
					t.Errorf("csv row %d %s = %q, want %q", i+1, header[j], got[j], row[j])
				}
			}
		}
		for _, rec := range records[1:] {
			for j, cell := range rec {
				if cell != "" && strings.ContainsRune("=+@", rune(cell[0])) {
					t.Errorf("csv cell %s = %q would run as a formula", header[j], cell)
				}
			}
		}

		// Paged as CSV: one row and a Link to the next page.
		one := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "?limit=1", Token: w.manager.Token, Header: map[string]string{"Accept": "text/csv"}})
		if lines := strings.Split(strings.TrimSpace(string(one.Body)), "\n"); len(lines) != 2 || !strings.Contains(one.Header.Get("Link"), `rel="next"`) {
			t.Errorf("paged csv: %d lines, Link %q", len(lines), one.Header.Get("Link"))
		}
	})
}
