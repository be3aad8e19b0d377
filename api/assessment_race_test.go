package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"constellate/api/apitest"
)

// The assessment race tests release n identical requests at once (a closed channel is the
// start barrier) and check what the database's locks and unique indexes leave behind. They
// run on SQLite and Postgres; run them under -race.

// stampede sends req(i) for i in 0..n-1 all at once and returns the responses in order.
func stampede(env *apitest.Env, n int, req func(i int) apitest.Req) []*apitest.Response {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		out   = make([]*apitest.Response, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = env.Do(req(i))
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// tallyStatuses counts the responses by status, failing t on a missing response or any
// 5xx.
func tallyStatuses(t *testing.T, resps []*apitest.Response) map[int]int {
	t.Helper()
	got := map[int]int{}
	for i, r := range resps {
		if r == nil {
			t.Fatalf("request %d got no response", i)
		}
		got[r.Status]++
		if r.Status >= 500 {
			t.Errorf("request %d: %d %s", i, r.Status, r.Body)
		}
	}
	return got
}

const racers = 10

// TestAssessmentRacingSubmit: ten submits of one complete draft by its panel member → one
// 200, nine 409; one assessment.submitted audit event; the scores counted once.
func TestAssessmentRacingSubmit(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		path := "/v1/applications/" + w.apps[0] + "/assessment"
		w.assign(t, w.apps[0], w.p1)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: path, Token: w.p1.Token,
			Body: map[string]any{"scores": map[string]any{"need": 4, "fit": 7}, "recommendation": "fund"}})

		got := tallyStatuses(t, stampede(env, racers, func(int) apitest.Req {
			return apitest.Req{Method: "POST", Path: path + "/submit", Token: w.p1.Token}
		}))
		events := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/audit-events?action=assessment.submitted",
			Token: w.manager.Token}).Map(t)["data"].([]any)
		recordConcurrency(t, env, figAssessmentSubmit, fmt.Sprintf("%d racing submits of one assessment", racers),
			fmt.Sprintf("%d × 200, %d × 409; %d assessment.submitted event", got[http.StatusOK], got[http.StatusConflict], len(events)),
			fmt.Sprintf("1 × 200, %d × 409, 1 event", racers-1))
		if got[http.StatusOK] != 1 || got[http.StatusConflict] != racers-1 {
			t.Fatalf("racing submits: %v, want one 200 and %d 409", got, racers-1)
		}

		if len(events) != 1 {
			t.Errorf("%d assessment.submitted events, want 1: %v", len(events), events)
		}
		// Counted once: one assessment, need 4 fit 7 → (2·3/4 + 7/10)/3 = 2.2/3 → 73.33,
		// raw mean (4+7)/2 = 5.5 (a second copy of the score rows would not change the
		// norm's mean but would double the count).
		rows := w.rankRows(t)
		w.checkRankRow(t, rows[0], rankWant{app: 0, position: 1, score: 73.33, weighted: 73.33, mean: 5.5, stddev: 0.0,
			assessments: 1, assigned: 1, fund: 1, cumulative: 250000, budgetLeft: 350000})
		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + w.apps[0] + "/assessments",
			Token: w.manager.Token}).Map(t)["data"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["status"] != "submitted" {
			t.Errorf("assessments after racing submits = %v", list)
		}
	})
}

// TestAssessmentRacingFirstSave: ten first saves of one panel member's assessment at once
// (no draft yet) → each 200 or 409, never a 5xx, and exactly one assessment (one per panel
// member per application, held by the database).
func TestAssessmentRacingFirstSave(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		path := "/v1/applications/" + w.apps[0] + "/assessment"
		w.assign(t, w.apps[0], w.p1)

		got := tallyStatuses(t, stampede(env, racers, func(i int) apitest.Req {
			return apitest.Req{Method: "PUT", Path: path, Token: w.p1.Token,
				Body: map[string]any{"scores": map[string]any{"need": 1 + i%5, "fit": i}, "recommendation": "maybe"}}
		}))
		t.Logf("racing first saves: %v", got)
		if got[http.StatusOK] < 1 || got[http.StatusOK]+got[http.StatusConflict] != racers {
			t.Fatalf("racing first saves: %v, want only 200s and 409s, at least one 200", got)
		}

		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + w.apps[0] + "/assessments",
			Token: w.manager.Token}).Map(t)["data"].([]any)
		if len(list) != 1 {
			t.Fatalf("%d assessments after racing first saves, want 1: %v", len(list), list)
		}
		if a := list[0].(map[string]any); a["status"] != "draft" || a["panel_member_id"] != w.p1.ID {
			t.Errorf("the assessment = %v", a)
		}
		// The surviving draft is the panel member's and works as one.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.p1.Token})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.p1.Token})
	})
}

// TestAssessmentRacingAssign: ten manual assignments of the same pair → one 201, nine 409,
// one assignment.
func TestAssessmentRacingAssign(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		got := tallyStatuses(t, stampede(env, racers, func(int) apitest.Req {
			return apitest.Req{Method: "POST", Path: "/v1/assignments", Token: w.manager.Token,
				Body: map[string]any{"application_id": w.apps[0], "user_id": w.p1.ID}}
		}))
		if got[http.StatusCreated] != 1 || got[http.StatusConflict] != racers-1 {
			t.Fatalf("racing assignments: %v, want one 201 and %d 409", got, racers-1)
		}
		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/assignments?round_id=" + w.roundID,
			Token: w.manager.Token}).Map(t)["data"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["user_id"] != w.p1.ID || list[0].(map[string]any)["application_id"] != w.apps[0] {
			t.Errorf("assignments after the race = %v", list)
		}
	})
}

// TestAssessmentRacingAutoAssign: ten automatic assignment runs at once → every run
// answers 200, together they create exactly reviewers_per_application (2) per application
// — six — and no pair twice.
func TestAssessmentRacingAutoAssign(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		resps := stampede(env, racers, func(int) apitest.Req {
			return apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/assignments/auto", Token: w.manager.Token}
		})
		got := tallyStatuses(t, resps)
		if got[http.StatusOK] != racers {
			t.Fatalf("racing auto-assign: %v, want %d 200", got, racers)
		}
		created := 0
		for _, r := range resps {
			created += len(r.Map(t)["created"].([]any))
		}
		if created != 6 {
			t.Errorf("the runs created %d assignments together, want 6 (3 applications × 2)", created)
		}

		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/assignments?round_id=" + w.roundID,
			Token: w.manager.Token}).Map(t)["data"].([]any)
		per := map[string]int{}
		seen := map[[2]string]bool{}
		for _, raw := range list {
			a := raw.(map[string]any)
			pair := [2]string{a["application_id"].(string), a["user_id"].(string)}
			if seen[pair] {
				t.Errorf("pair %v assigned twice", pair)
			}
			seen[pair] = true
			per[pair[0]]++
		}
		for _, app := range w.apps {
			if per[app] != 2 {
				t.Errorf("application %s has %d reviewers, want 2 (all: %v)", app, per[app], list)
			}
		}
		if len(list) != 6 {
			t.Errorf("%d assignments, want 6", len(list))
		}
	})
}
