package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"constellate/api/apitest"
)

// TestRoundStats: exact counts by status and totals for managers, and reach by led_by and
// region with every count from 1 to 4 shown as "<5" and a not_stated bucket in each.
func TestRoundStats(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		submit := func(org string) string {
			t.Helper()
			id := w.draft(t, w.owner, w.roundID, org)["id"].(string)
			env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + id, Token: w.owner.Token, Body: complete()})
			env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/submit", Token: w.owner.Token})
			return id
		}
		for i := 0; i < 6; i++ {
			submit(w.createOrg(t, w.owner, "London group", []string{"disabled_people"}, "london"))
		}
		multi := submit(w.createOrg(t, w.owner, "Unplaced group", []string{"disabled_people", "women_and_girls"}, ""))
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + multi + "/request-info", Token: w.manager.Token,
			Body: map[string]any{"message": "More, please."}})
		w.draft(t, w.stranger, w.roundID, w.otherOrgID)
		mine := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + mine + "/withdraw", Token: w.owner.Token})

		r := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + w.roundID + "/stats", Token: w.manager.Token})
		var got, want map[string]any
		r.Decode(t, &got)
		_ = json.Unmarshal([]byte(`{
			"round_id": "`+w.roundID+`", "currency": "GBP", "budget": 1000000,
			"counts": {"draft": 1, "submitted": 6, "more_info_requested": 1, "under_assessment": 0,
			           "awarded": 0, "declined": 0, "withdrawn": 1, "ineligible": 0},
			"total": 9, "requested_total": 1750000, "awarded_total": 0, "budget_left": 1000000,
			"reach": {"applications": {"led_by": {"disabled_people": 7, "women_and_girls": "<5", "not_stated": 0},
			                           "region": {"london": 6, "not_stated": "<5"}},
			          "awards": {"led_by": {"not_stated": 0}, "region": {"not_stated": 0}}}}`), &want)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if string(gb) != string(wb) {
			t.Errorf("stats:\n got %s\nwant %s", gb, wb)
		}
		env.Expect(t, http.StatusNotFound, apitest.Req{Method: "GET", Path: "/v1/rounds/01900000-0000-7000-8000-000000000000/stats", Token: w.manager.Token})
		env.Expect(t, http.StatusBadRequest, apitest.Req{Method: "GET", Path: "/v1/rounds/nope/stats", Token: w.manager.Token})
	})
}
