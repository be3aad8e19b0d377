package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"constellate/api/apitest"
	"constellate/internal/application"
)

// race sends n copies of a request at once (a start barrier) and counts the statuses.
func race(env *apitest.Env, n int, req func(i int) apitest.Req) map[int]int {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		got   = map[int]int{}
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			r := env.Do(req(i))
			mu.Lock()
			got[r.Status]++
			mu.Unlock()
		}(i)
	}
	close(start)
	wg.Wait()
	return got
}

func TestApplicationRacingSubmits(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		id := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + id, Token: w.owner.Token, Body: complete()})
		const n = 50
		got := race(env, n, func(i int) apitest.Req {
			u := w.owner
			if i%2 == 1 {
				u = w.member
			}
			return apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/submit", Token: u.Token}
		})
		revs := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications/" + id + "/revisions", Token: w.owner.Token}).Map(t)["data"].([]any)
		events := auditCount(t, env, w.manager.Token, "action=application.submitted&entity_id="+id)
		recordConcurrency(t, env, figUnkeyedSubmit, fmt.Sprintf("%d submits of one application without a key", n),
			fmt.Sprintf("%d × 200, %d × 409; %d revision, %d application.submitted event", got[http.StatusOK], got[http.StatusConflict], len(revs), events),
			"1 × 200, 49 × 409, 1 revision")
		if got[http.StatusOK] != 1 || got[http.StatusConflict] != n-1 {
			t.Fatalf("racing submits: %v, want one 200 and %d 409", got, n-1)
		}
		if len(revs) != 1 || events != 1 {
			t.Errorf("%d revisions and %d application.submitted events after racing submits, want 1 and 1", len(revs), events)
		}
	})
}

func TestApplicationRacingCreates(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		got := race(env, 8, func(i int) apitest.Req {
			u := w.owner
			if i%2 == 1 {
				u = w.member
			}
			return apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/applications", Token: u.Token,
				Body: map[string]any{"organisation_id": w.orgID}}
		})
		if got[http.StatusCreated] != 1 || got[http.StatusConflict] != 7 {
			t.Fatalf("racing creates: %v, want one 201 and seven 409", got)
		}
		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications?round_id=" + w.roundID, Token: w.owner.Token}).Map(t)["data"].([]any)
		if len(list) != 1 {
			t.Errorf("%d applications after racing creates", len(list))
		}
	})
}

// TestApplicationReferencesUnique: submissions racing across organisations get distinct
// references from the per-round counter.
func TestApplicationReferencesUnique(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		const n = 5
		paths := make([]string, n)
		owners := make([]apitest.User, n)
		for i := range paths {
			owners[i] = env.Applicant()
			org := w.createOrg(t, owners[i], "Group", nil, "wales")
			paths[i] = "/v1/applications/" + w.draft(t, owners[i], w.roundID, org)["id"].(string)
			env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: paths[i], Token: owners[i].Token, Body: complete()})
		}
		got := race(env, n, func(i int) apitest.Req {
			return apitest.Req{Method: "POST", Path: paths[i] + "/submit", Token: owners[i].Token}
		})
		if got[http.StatusOK] != n {
			t.Fatalf("submissions: %v", got)
		}
		seen := map[string]bool{}
		for i, p := range paths {
			ref := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: p, Token: owners[i].Token}).Map(t)["reference"].(string)
			if seen[ref] {
				t.Errorf("reference %s given twice", ref)
			}
			seen[ref] = true
		}
	})
}

func TestApplicationIdempotentSubmit(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		id := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + id, Token: w.owner.Token, Body: complete()})
		req := apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/submit", Token: w.owner.Token,
			Header: map[string]string{"Idempotency-Key": "submit-once-1"}}
		first := env.Expect(t, http.StatusOK, req)
		again := env.Expect(t, http.StatusOK, req)
		if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("ETag") != first.Header.Get("ETag") {
			t.Errorf("replay differs:\n%s\n%s (%v)", first.Body, again.Body, again.Header)
		}
		// The same key with another body is refused.
		req.Body = map[string]any{}
		req.Path = "/v1/applications/" + id + "/withdraw"
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: req.Path, Token: w.owner.Token, Header: map[string]string{"Idempotency-Key": "w-1"}, Body: map[string]any{"reason": "a"}})
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: req.Path, Token: w.owner.Token, Header: map[string]string{"Idempotency-Key": "w-1"}, Body: map[string]any{"reason": "b"}})
	})
}

// TestApplicantSeesUnderAssessment: a decision is masked from the applicant until the
// round's decisions are published; managers see it at once. The decision and the round's
// status are written directly, standing in for the award capability.
func TestApplicantSeesUnderAssessment(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		id := w.submitted(t, w.roundID)["id"].(string)
		path := "/v1/applications/" + id
		setStatus(t, env, "applications", id, string(application.StatusAwarded))
		setStatus(t, env, "rounds", w.roundID, "assessment")
		status := func(u apitest.User) any {
			return env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: u.Token}).Map(t)["status"]
		}
		listed := func(u apitest.User, q string) int {
			return len(env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/applications" + q, Token: u.Token}).Map(t)["data"].([]any))
		}
		if s := status(w.owner); s != "under_assessment" {
			t.Errorf("applicant sees %v before publication", s)
		}
		if s := status(w.manager); s != "awarded" {
			t.Errorf("manager sees %v", s)
		}
		if listed(w.owner, "?status=awarded") != 0 || listed(w.owner, "?status=under_assessment") != 1 {
			t.Error("the status filter reveals the decision before publication")
		}
		if r := env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: path + "/withdraw", Token: w.owner.Token}); !contains(r.Body, "no longer") || contains(r.Body, "awarded") {
			t.Errorf("the refusal reveals the decision: %s", r.Body)
		}
		for _, h := range env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/history", Token: w.owner.Token}).Map(t)["data"].([]any) {
			if h.(map[string]any)["to_status"] == "awarded" {
				t.Error("history reveals the decision")
			}
		}
		setStatus(t, env, "rounds", w.roundID, "decided")
		if s := status(w.owner); s != "awarded" {
			t.Errorf("applicant sees %v after publication", s)
		}
		if listed(w.owner, "?status=awarded") != 1 {
			t.Error("published decision not listed")
		}
	})
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }
