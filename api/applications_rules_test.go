package api_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"constellate/api/apitest"
)

// fields lists the errors[].field of a problem body, sorted.
func problemFields(t *testing.T, r *apitest.Response) []string {
	t.Helper()
	var p struct {
		Errors []struct{ Field, Message string } `json:"errors"`
	}
	r.Decode(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	sort.Strings(out)
	return out
}

func TestApplicationCreateRules(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		first := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		create := func(u apitest.User, roundID string, body any) *apitest.Response {
			return env.Do(apitest.Req{Method: "POST", Path: "/v1/rounds/" + roundID + "/applications", Token: u.Token, Body: body})
		}
		// A second live application names the first.
		r := create(w.member, w.roundID, map[string]any{"organisation_id": w.orgID})
		if r.Status != http.StatusConflict || r.Map(t)["existing_id"] != first {
			t.Fatalf("second application: %d %s", r.Status, r.Body)
		}
		// Not a member of the organisation: it does not exist for them.
		if r := create(w.stranger, w.roundID, map[string]any{"organisation_id": w.orgID}); r.Status != http.StatusNotFound ||
			strings.Contains(string(r.Body), first) {
			t.Errorf("stranger: %d %s", r.Status, r.Body)
		}
		// A draft round is invisible; an unknown round too.
		draftRound := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.programmeID + "/rounds",
			Token: w.manager.Token, Body: roundBody("DRAFTY")}).Map(t)["id"].(string)
		for _, id := range []string{draftRound, "01900000-0000-7000-8000-000000000000"} {
			if r := create(w.stranger, id, map[string]any{"organisation_id": w.otherOrgID}); r.Status != http.StatusNotFound {
				t.Errorf("round %s: %d %s", id, r.Status, r.Body)
			}
		}
		// Bad input.
		for body, want := range map[string]int{
			`{"organisation_id": "nope"}`: http.StatusUnprocessableEntity,
			`{}`:                          http.StatusUnprocessableEntity,
			`{"organisation_id": 7}`:      http.StatusBadRequest,
			`{"organisation_id": "` + w.otherOrgID + `", "status": "submitted"}`:            http.StatusBadRequest,
			`{"organisation_id": "` + w.otherOrgID + `", "round_id": "` + draftRound + `"}`: http.StatusBadRequest,
		} {
			if r := create(w.stranger, w.roundID, body); r.Status != want {
				t.Errorf("%s: %d, want %d: %s", body, r.Status, want, r.Body)
			}
		}
		// Other roles.
		for _, u := range []apitest.User{w.manager, w.panel, w.finance} {
			if r := create(u, w.roundID, map[string]any{"organisation_id": w.orgID}); r.Status != http.StatusForbidden {
				t.Errorf("%s creates: %d", u.Role, r.Status)
			}
		}
		// Closed round: past closes_at, whether or not anything recorded it.
		w.travel(t, time.Date(2025, 3, 31, 17, 0, 0, 0, time.UTC))
		if r := create(w.stranger, w.roundID, map[string]any{"organisation_id": w.otherOrgID}); r.Status != http.StatusConflict {
			t.Errorf("after close: %d %s", r.Status, r.Body)
		}
	})
}

// TestApplicationMassAssignment: read-only fields in any casing or duplicated → 400, and
// nothing changes.
func TestApplicationMassAssignment(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		a := w.draft(t, w.owner, w.roundID, w.orgID)
		path := "/v1/applications/" + a["id"].(string)
		before := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.owner.Token})
		for _, body := range []string{
			`{"status": "submitted"}`,
			`{"Status": "submitted"}`,
			`{"title": "x", "status": "awarded"}`,
			`{"reference": "HACK-0001"}`,
			`{"organisation_id": "` + w.otherOrgID + `"}`,
			`{"round_id": "` + w.roundID + `"}`,
			`{"submitted_at": "2025-01-01T00:00:00Z"}`,
			`{"revision": 9}`,
			`{"version": 9}`,
			`{"id": "01900000-0000-7000-8000-000000000000"}`,
			`{"title": "a", "title": "b"}`,
			`{"Title": "a"}`,
			`{"answers": {"about": "x"}, "answers": {"about": "y"}}`,
			`{"requested_amount": 1.5}`,
			`{"requested_amount": "100"}`,
			`{"title": "a"} {"title": "b"}`,
			`[{"title": "a"}]`,
		} {
			if r := env.Do(apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: body}); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400: %s", body, r.Status, r.Body)
			}
		}
		if r := env.Do(apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: `{"title": "x"}`, ContentType: "text/plain"}); r.Status != http.StatusUnsupportedMediaType {
			t.Errorf("text/plain: %d", r.Status)
		}
		after := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.owner.Token})
		if string(before.Body) != string(after.Body) || before.Header.Get("ETag") != after.Header.Get("ETag") {
			t.Errorf("a refused request changed the application:\n%s\n%s", before.Body, after.Body)
		}
	})
}

func TestApplicationSubmitRules(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		path := "/v1/applications/" + w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: map[string]any{
			"requested_amount": 600000, "answers": map[string]any{"user_led": false}}})
		// Every problem at once: title, amount, the required answer, the failing rule.
		r := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token})
		if got := strings.Join(problemFields(t, r), " "); got != "answers.about eligibility requested_amount title" {
			t.Errorf("submit problems = %s", got)
		}
		if !strings.Contains(string(r.Body), "This fund is for user-led groups.") {
			t.Errorf("the failing rule's message is not shown: %s", r.Body)
		}
		// If-Match: a stale version is 412 and changes nothing; the current one works.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: complete()})
		cur := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.owner.Token}).Header.Get("ETag")
		env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"title": "lost"}})
		env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token,
			Header: map[string]string{"If-Match": `"1"`}})
		env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token,
			Header: map[string]string{"If-Match": `bogus`}})
		if r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.owner.Token}); r.Map(t)["title"] != "Peer support cafés" || r.Header.Get("ETag") != cur {
			t.Errorf("a 412 changed the application: %s", r.Body)
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token,
			Header: map[string]string{"If-Match": cur}, Body: map[string]any{"summary": "Weekly cafés, run by members."}})
		// After closes_at and its grace: 409 saying when, even though no job closed the round.
		w.travel(t, time.Date(2025, 3, 31, 17, 31, 0, 0, time.UTC))
		r = env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token})
		if d := r.Map(t)["detail"]; !strings.Contains(fmt.Sprint(d), "this round closed on 31 March 2025 at 17:00 UTC") {
			t.Errorf("after the grace period: %v", d)
		}
	})
}

// TestApplicationGraceAndClose: an application started before closes_at may be submitted
// within grace_minutes after it; one started after, or past the grace, may not.
func TestApplicationGraceAndClose(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		path := "/v1/applications/" + w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: complete()})
		other := "/v1/applications/" + w.draft(t, w.stranger, w.roundID, w.otherOrgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: other, Token: w.stranger.Token, Body: complete()})

		w.travel(t, time.Date(2025, 3, 31, 17, 29, 0, 0, time.UTC)) // within 30 minutes' grace
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token})
		w.travel(t, time.Date(2025, 3, 31, 17, 30, 0, 0, time.UTC)) // grace over
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: other + "/submit", Token: w.stranger.Token})
		// A round closed by hand takes no submissions, grace or not.
		w.travel(t, time.Date(2025, 3, 20, 12, 0, 0, 0, time.UTC))
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/close", Token: w.manager.Token})
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: other + "/submit", Token: w.stranger.Token})
	})
}

// TestApplicationScreening: request-info and mark-ineligible by managers, from submitted
// only, with the reason shown to the applicant.
func TestApplicationScreening(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		draft := "/v1/applications/" + w.draft(t, w.stranger, w.roundID, w.otherOrgID)["id"].(string)
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: draft + "/mark-ineligible", Token: w.manager.Token, Body: map[string]any{"reason": "x"}})
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: draft + "/request-info", Token: w.manager.Token, Body: map[string]any{"message": "x"}})

		path := "/v1/applications/" + w.submitted(t, w.roundID)["id"].(string)
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path + "/mark-ineligible", Token: w.manager.Token, Body: map[string]any{"reason": ""}})
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path + "/mark-ineligible", Token: w.manager.Token})
		a := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/mark-ineligible", Token: w.manager.Token,
			Body: map[string]any{"reason": "Your annual income is above this fund's limit."}}).Map(t)
		if a["status"] != "ineligible" {
			t.Fatalf("status = %v", a["status"])
		}
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: path + "/withdraw", Token: w.owner.Token})
		hist := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path + "/history", Token: w.owner.Token}).Map(t)["data"].([]any)
		last := hist[len(hist)-1].(map[string]any)
		if last["to_status"] != "ineligible" || last["reason"] != "Your annual income is above this fund's limit." {
			t.Errorf("last history entry = %v", last)
		}
		// An ineligible application still holds the organisation's place.
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/applications", Token: w.owner.Token,
			Body: map[string]any{"organisation_id": w.orgID}})
	})
}
