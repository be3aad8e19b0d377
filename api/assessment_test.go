package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"constellate/api/apitest"
	"constellate/internal/auth"
)

// assessWorld is a round in assessment with two criteria of different weights and scales
// (need: weight 2, 1–5; fit: weight 1, 0–10), two reviewers per application, a panel of
// three, and three submitted applications from three organisations.
type assessWorld struct {
	*appWorld
	p1, p2, p3 apitest.User
	apps       []string // application ids, in submission order (references T…-0001, -0002, -0003)
	owners     []apitest.User
}

func newAssessWorld(t *testing.T, env *apitest.Env) *assessWorld {
	t.Helper()
	w := &assessWorld{appWorld: newAppWorld(t, env)}
	w.roundID = w.openRound(t, func(b map[string]any) {
		b["criteria"] = []any{
			map[string]any{"id": "need", "title": "Need", "weight": 2, "scale_min": 1, "scale_max": 5},
			map[string]any{"id": "fit", "title": "Fit", "weight": 1, "scale_min": 0, "scale_max": 10},
		}
		b["reviewers_per_application"] = 2
		b["budget"] = 600000
	})
	w.p1, w.p2, w.p3 = env.Panel(), env.Panel(), env.Panel()
	env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: "/v1/rounds/" + w.roundID + "/panel", Token: w.manager.Token,
		Body: map[string]any{"user_ids": []string{w.p1.ID, w.p2.ID, w.p3.ID}}})
	orgs := []string{w.orgID, w.otherOrgID}
	w.owners = []apitest.User{w.owner, w.stranger}
	third := env.Applicant()
	orgs = append(orgs, w.createOrg(t, third, "Riverside Voices", nil, "london"))
	w.owners = append(w.owners, third)
	for i, org := range orgs {
		id := w.draft(t, w.owners[i], w.roundID, org)["id"].(string)
		body := complete()
		body["requested_amount"] = []int{250000, 200000, 300000}[i]
		body["title"] = []string{"Peer support cafés", "=cmd|' /C calc'!A0", "Walking group"}[i]
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + id, Token: w.owners[i].Token, Body: body})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/submit", Token: w.owners[i].Token})
		w.apps = append(w.apps, id)
	}
	w.travel(t, time.Date(2025, 3, 31, 18, 0, 0, 0, time.UTC))
	w.refresh(t)
	env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + w.roundID + "/start-assessment", Token: w.manager.Token})
	return w
}

// refresh signs new tokens for the panel after the clock jumped.
func (w *assessWorld) refresh(t *testing.T) {
	t.Helper()
	for _, u := range []*apitest.User{&w.p1, &w.p2, &w.p3, &w.owners[2]} {
		u.Token = reissue(t, w.env, *u)
	}
	w.owners[0], w.owners[1] = w.owner, w.stranger
}

// reissue signs a fresh access token for u (after the clock jumped past its expiry).
func reissue(t *testing.T, env *apitest.Env, u apitest.User) string {
	t.Helper()
	var version int
	if err := env.DB.Conn(context.Background()).Raw("SELECT token_version FROM users WHERE id = ?", u.ID).Scan(&version).Error; err != nil {
		t.Fatal(err)
	}
	tok, err := env.Server.Identity.Tokens().Issue(u.ID, auth.Role(u.Role), version, false, "")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (w *assessWorld) assign(t *testing.T, app string, u apitest.User) string {
	t.Helper()
	return w.env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/assignments", Token: w.manager.Token,
		Body: map[string]any{"application_id": app, "user_id": u.ID}}).Map(t)["id"].(string)
}

func (w *assessWorld) score(t *testing.T, app string, u apitest.User, need, fit int, rec string) {
	t.Helper()
	path := "/v1/applications/" + app + "/assessment"
	w.env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: path, Token: u.Token,
		Body: map[string]any{"scores": map[string]any{"need": need, "fit": fit}, "recommendation": rec}})
	w.env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: u.Token})
}

// TestAssessmentJourney walks SPEC §7 as a panel meets it: conflicts declared, automatic
// assignment that avoids them, a draft saved half done with its problems listed, submission
// refused until complete, blind review, the ranking and moderation.
func TestAssessmentJourney(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAssessWorld(t, env)
		base := "/v1/rounds/" + w.roundID

		// p3 sees names only, declares a conflict with the first application.
		list := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: base + "/conflicts", Token: w.p3.Token}).Map(t)["data"].([]any)
		if len(list) != 3 || list[0].(map[string]any)["organisation_name"] == "" || list[0].(map[string]any)["declarations"] != nil {
			t.Fatalf("conflict candidates = %v", list)
		}
		for _, raw := range list {
			for _, k := range []string{"answers", "summary", "requested_amount"} {
				if _, ok := raw.(map[string]any)[k]; ok {
					t.Fatalf("a panel member's conflict list shows %s", k)
				}
			}
		}
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: base + "/conflicts", Token: w.p3.Token,
			Body: map[string]any{"application_ids": []string{w.apps[0]}, "note": "I volunteer with this group."}})
		mgr := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: base + "/conflicts", Token: w.manager.Token}).Map(t)["data"].([]any)
		decl := mgr[0].(map[string]any)["declarations"].([]any)
		if mgr[0].(map[string]any)["application_id"] == w.apps[0] && (len(decl) != 1 || decl[0].(map[string]any)["note"] != "I volunteer with this group.") {
			t.Fatalf("the manager does not see the declaration with its note: %v", mgr[0])
		}

		// Automatic assignment: 3 applications × 2 reviewers over 3 people, never p3 on the first.
		auto := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: base + "/assignments/auto", Token: w.manager.Token}).Map(t)
		created := auto["created"].([]any)
		if len(created) != 6 || len(auto["short"].([]any)) != 0 {
			t.Fatalf("auto assignment = %v", auto)
		}
		load := map[string]int{}
		for _, c := range created {
			a := c.(map[string]any)
			load[a["user_id"].(string)]++
			if a["user_id"] == w.p3.ID && a["application_id"] == w.apps[0] {
				t.Fatal("a conflicted panel member was assigned")
			}
		}
		if load[w.p1.ID] != 2 || load[w.p2.ID] != 2 || load[w.p3.ID] != 2 {
			t.Fatalf("loads %v, want 2 each", load)
		}
		again := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: base + "/assignments/auto", Token: w.manager.Token}).Map(t)
		if len(again["created"].([]any)) != 0 {
			t.Fatalf("a re-run assigned again: %v", again)
		}

		// p1 and p2 both review the first application (p3 cannot): p1 reads it, as text too.
		mine := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/assignments", Token: w.p1.Token}).Map(t)["data"].([]any)
		if len(mine) != 2 || mine[0].(map[string]any)["assessment_status"] != "not_started" || mine[0].(map[string]any)["reference"] == "" {
			t.Fatalf("p1's assignments = %v", mine)
		}
		first := "/v1/applications/" + w.apps[0]
		env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: first, Token: w.p1.Token})
		text := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: first, Token: w.p1.Token, Header: map[string]string{"Accept": "text/plain"}})
		if !strings.Contains(string(text.Body), "Peer support cafés") || !strings.Contains(string(text.Body), "We are a peer-led group in Leeds.") {
			t.Fatalf("plain text = %s", text.Body)
		}
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: first, Token: w.p3.Token})
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: first + "/assessment", Token: w.p1.Token})

		// A half-done draft is kept with its problems; submission lists every one.
		d := env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: first + "/assessment", Token: w.p1.Token,
			Body: map[string]any{"scores": map[string]any{"need": 9}, "comments": map[string]any{"need": "Strong need, clear evidence."}}})
		draft := d.Map(t)
		if draft["status"] != "draft" || draft["scores"].(map[string]any)["need"] != float64(9) || len(draft["problems"].([]any)) != 3 {
			t.Fatalf("draft = %v", draft)
		}
		sub := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: first + "/assessment/submit", Token: w.p1.Token}).Map(t)
		if n := len(sub["errors"].([]any)); n != 3 {
			t.Fatalf("submit problems = %v, want need out of scale, fit and recommendation missing", sub["errors"])
		}
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "PUT", Path: first + "/assessment", Token: w.p1.Token,
			Body: map[string]any{"scores": map[string]any{"nonsense": 1}}})
		env.Expect(t, http.StatusPreconditionFailed, apitest.Req{Method: "PUT", Path: first + "/assessment", Token: w.p1.Token,
			Header: map[string]string{"If-Match": `"99"`}, Body: map[string]any{}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PUT", Path: first + "/assessment", Token: w.p1.Token,
			Header: map[string]string{"If-Match": d.Header.Get("ETag")},
			Body:   map[string]any{"scores": map[string]any{"need": 5, "fit": 10}, "recommendation": "fund"}})
		done := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: first + "/assessment/submit", Token: w.p1.Token}).Map(t)
		if done["status"] != "submitted" || done["revision_scored"] != float64(1) || done["submitted_at"] == nil {
			t.Fatalf("submitted = %v", done)
		}
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "POST", Path: first + "/assessment/submit", Token: w.p1.Token})
		env.Expect(t, http.StatusConflict, apitest.Req{Method: "PUT", Path: first + "/assessment", Token: w.p1.Token, Body: map[string]any{}})

		// Blind review: p2 sees others' only after submitting their own; applicants and finance never.
		env.Expect(t, http.StatusForbidden, apitest.Req{Method: "GET", Path: first + "/assessments", Token: w.p2.Token})
		for _, u := range []apitest.User{w.owner, w.finance, w.p3} {
			env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: first + "/assessments", Token: u.Token})
		}
		w.score(t, w.apps[0], w.p2, 3, 4, "decline")
		seen := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: first + "/assessments", Token: w.p2.Token}).Map(t)["data"].([]any)
		if len(seen) != 2 {
			t.Fatalf("p2 sees %d assessments, want 2", len(seen))
		}
		for _, a := range seen {
			if id := a.(map[string]any)["panel_member_id"]; id != "" && id != w.p2.ID {
				t.Fatalf("another assessor's id reached a panel member: %v", id)
			}
		}

		// Ranking: need 5/fit 10 → 100; need 3/fit 4 → (2·0.5 + 0.4)/3·100 = 46.67; mean 73.33,
		// population sd 26.67 (disagreement, and fund + decline), raw mean (5+10+3+4)/4 = 5.5.
		rk := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: base + "/ranking", Token: w.manager.Token}).Map(t)
		rows := rk["data"].([]any)
		top := rows[0].(map[string]any)
		if top["application_id"] != w.apps[0] || top["weighted_score"] != 73.33 || top["stddev"] != 26.67 || top["mean"] != 5.5 ||
			top["assessments"] != float64(2) || top["assigned"] != float64(2) || top["disagreement"] != true ||
			top["recommendations"].(map[string]any)["fund"] != float64(1) || top["cumulative_requested"] != float64(250000) || top["budget_left"] != float64(350000) {
			t.Fatalf("top of the ranking = %v", top)
		}
		if len(rows) != 3 || rows[1].(map[string]any)["score"] != nil || rows[2].(map[string]any)["cumulative_requested"] != float64(750000) {
			t.Fatalf("unscored applications do not come last with the running total: %v", rows)
		}

		// Moderation puts the third application (by reference order, unscored) on top.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[2] + "/moderation", Token: w.manager.Token,
			Body: map[string]any{"score": 80, "note": "Strongest local reach."}})
		env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/applications/" + w.apps[2] + "/moderation", Token: w.manager.Token,
			Body: map[string]any{"score": 101}})
		rk = env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: base + "/ranking", Token: w.manager.Token}).Map(t)
		top = rk["data"].([]any)[0].(map[string]any)
		if top["application_id"] != w.apps[2] || top["moderated_score"] != float64(80) || top["score"] != float64(80) || top["weighted_score"] != nil {
			t.Fatalf("after moderation the top is %v", top)
		}
		csv := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: base + "/ranking", Token: w.manager.Token, Header: map[string]string{"Accept": "text/csv"}})
		lines := strings.Split(strings.TrimSpace(string(csv.Body)), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "position,reference,title") || !strings.Contains(string(csv.Body), "'=cmd") {
			t.Fatalf("csv = %s", csv.Body)
		}
	})
}
