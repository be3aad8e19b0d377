package api_test

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// updateForm rewrites the golden plain-text form: go test ./api/ -run TestRoundFormGolden -update-form
var updateForm = flag.Bool("update-form", false, "rewrite testdata/round_form.golden from the server's answer")

// formGoldenRound is a round with every part the plain-text form shows: a programme, the
// page (contact, accessibility, decision date, support offer), eligibility rules of each
// kind and a form whose questions take money, numbers, choices, dates and recordings.
func formGoldenRound(prefix string) map[string]any {
	body := map[string]any{
		"name": "Side by Side 2025", "description": "This round funds peer support and user-led community action.",
		"reference_prefix": prefix, "currency": "GBP", "budget": 10000000, "min_grant": 50000, "max_grant": 500000,
		"opens_at": "2025-03-01T09:00:00Z", "closes_at": "2025-03-31T17:00:00Z", "grace_minutes": 90,
		"eligibility": map[string]any{
			"questions": []any{
				map[string]any{"id": "user_led", "label": "Is your group led by people with lived experience?", "type": "yes_no", "required": true,
					"help": "Most of the people who make decisions in your group have that experience themselves."},
				map[string]any{"id": "income", "label": "What was your group's income last year?", "type": "money", "required": true, "min": 0},
				map[string]any{"id": "areas", "label": "Where does your group work?", "type": "multi_choice", "required": true,
					"options": []any{"Leeds", "Bradford", "Wakefield"}},
				map[string]any{"id": "founded", "label": "When did your group start?", "type": "date", "required": false},
				map[string]any{"id": "legal", "label": "What kind of group are you?", "type": "single_choice", "required": true,
					"options": []any{"Informal group", "Charity", "Company"}},
			},
			"rules": []any{
				map[string]any{"question_id": "user_led", "op": "eq", "value": true, "message": "This fund is for user-led groups."},
				map[string]any{"question_id": "income", "op": "lte", "value": 10000000, "message": "This fund is for groups with an income under £100,000."},
				map[string]any{"question_id": "areas", "op": "in", "value": []any{"Leeds", "Bradford"}, "message": "We fund work in Leeds and Bradford."},
				map[string]any{"question_id": "founded", "op": "gte", "value": "2015-01-01", "message": "We fund groups started since 2015."},
				map[string]any{"question_id": "legal", "op": "neq", "value": "Company", "message": "We cannot fund companies."},
			},
		},
		"form": map[string]any{"questions": []any{
			map[string]any{"id": "about", "label": "Tell us about your group", "type": "long_text", "required": true, "max_words": 250,
				"help": "Plain words are best.\nThere are no right answers.", "accepts": []any{"text", "media_link"}},
			map[string]any{"id": "costs", "label": "What will the money pay for, and how much?", "type": "money", "required": true, "min": 50000, "max": 500000},
			map[string]any{"id": "volunteers", "label": "How many volunteers help run your group?", "type": "number", "required": false, "min": 1},
			map[string]any{"id": "contact_by", "label": "How would you like us to contact you?", "type": "single_choice", "required": true,
				"options": []any{"Email", "Phone call", "Text message"}},
			map[string]any{"id": "start", "label": "When would you like to start?", "type": "date", "required": false},
			map[string]any{"id": "name", "label": "Your group's name", "type": "short_text", "required": true, "max_length": 100},
			map[string]any{"id": "video", "label": "Anything else you would like to show us?", "type": "media_link", "required": false},
		}},
		"criteria": []any{map[string]any{"id": "need", "title": "Need", "weight": 2, "scale_min": 1, "scale_max": 5}},
	}
	for k, v := range pageFields() {
		body[k] = v
	}
	return body
}

// TestRoundFormGolden: the plain-text form of a full round, as anyone gets it, is the
// document in testdata/round_form.golden — on both databases, word for word.
func TestRoundFormGolden(t *testing.T) {
	golden := filepath.Join("testdata", "round_form.golden")
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := env.Manager()
		p := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token,
			Body: map[string]any{"name": "Side by Side Fund", "description": "Small grants for groups run by the people they serve."}}).Map(t)
		r := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes/" + p["id"].(string) + "/rounds", Token: m.Token,
			Body: formGoldenRound("GOLD")}).Map(t)
		id := r["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/open", Token: m.Token})
		resp := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/rounds/" + id + "/form", Header: map[string]string{"Accept": "text/plain"}})
		got := string(resp.Body)
		if *updateForm {
			if err := os.WriteFile(golden, resp.Body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update-form to write it)", err)
		}
		if got != string(want) {
			t.Errorf("the plain-text form differs from %s (run with -update-form after checking the change):\n%s", golden, lineDiff(string(want), got))
		}
		for _, never := range []string{"pence", "minor units", "500000", "10000000"} {
			if strings.Contains(got, never) {
				t.Errorf("the plain-text form says %q", never)
			}
		}
	})
}

// lineDiff lists the lines of want and got that differ, by line number.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want " + wl + "\n   got " + gl + "\n")
		}
	}
	return b.String()
}
