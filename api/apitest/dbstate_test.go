package apitest

import (
	"net/http"
	"testing"

	"constellate/internal/store/storetest"
)

// TestStateSeesEveryWrite: the fingerprint is stable while nothing happens, and names the
// tables a write touched — a row added (an organisation and its owner's membership) and a
// row changed in place (its name), which a row count alone would miss.
func TestStateSeesEveryWrite(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			env := New(t, d)
			owner := env.Applicant()
			s0 := env.State(t)
			if again := env.State(t); len(s0.Diff(again)) != 0 || len(s0) < 20 {
				t.Fatalf("%d tables; unchanged database differs: %v", len(s0), s0.Diff(again))
			}
			org := env.Expect(t, http.StatusCreated, Req{Method: "POST", Path: "/v1/organisations", Token: owner.Token, Body: map[string]any{"name": "Before"}}).Map(t)
			s1 := env.State(t)
			if got := s0.Diff(s1); !contains(got, "organisations") || !contains(got, "memberships") {
				t.Fatalf("after a create: %v", got)
			}
			env.Expect(t, http.StatusOK, Req{Method: "PATCH", Path: "/v1/organisations/" + org["id"].(string), Token: owner.Token, Body: map[string]any{"name": "After"}})
			if got := s1.Diff(env.State(t)); !contains(got, "organisations") || contains(got, "memberships") {
				t.Fatalf("after an update in place: %v", got)
			}
			if _, ok := s0["rate_limits"]; ok {
				t.Fatal("rate_limits is fingerprinted")
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
