package api_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// TestJourneyAutosaveRefusesOnlyWhatItCannotKeep (issue 12, item 2): a draft's PATCH is
// refused only for malformed JSON, an unknown question or a server-owned field — and then
// nothing of it is kept, not even its good answers. Everything else is kept exactly as sent,
// whatever its question's type, with the problems listed; submit refuses naming each until
// they are fixed, and then submits.
func TestJourneyAutosaveRefusesOnlyWhatItCannotKeep(t *testing.T) {
	t.Parallel()
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		id := w.draft(t, w.owner, w.roundID, w.orgID)["id"].(string)
		path := "/v1/applications/" + id
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token,
			Body: map[string]any{"title": "Peer support cafés", "answers": map[string]any{"about": "We meet weekly."}}})
		before := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.owner.Token})

		// An unknown question: 422 naming it (and only it), the good answer beside it unsaved.
		r := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token,
			Body: map[string]any{"answers": map[string]any{"about": "Words that must not be half-saved.", "shoe_size": 9}}})
		if got := problemFields(t, r); !reflect.DeepEqual(got, []string{"answers.shoe_size"}) {
			t.Errorf("an unknown question: fields %v, want [answers.shoe_size]", got)
		}
		// Malformed JSON and server-owned fields: 400.
		for _, body := range []string{
			`{"answers": {"about": "cut off`,
			`{"answers": {"about": "Words."}, "status": "submitted"}`,
			`{"answers": {"about": "Words."}, "problems": []}`,
		} {
			if got := env.Do(apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token, Body: body}); got.Status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400: %s", body, got.Status, got.Body)
			}
		}
		after := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: path, Token: w.owner.Token})
		if string(before.Body) != string(after.Body) || before.Header.Get("ETag") != after.Header.Get("ETag") {
			t.Fatalf("a refused autosave changed the draft:\n%s\n%s", before.Body, after.Body)
		}

		// Everything else is kept as sent, each question type's wrong answer with it.
		sent := map[string]any{
			"about":    "one two three four five six seven eight nine ten eleven", // max_words 10
			"user_led": "yes",                                                     // yes_no
			"video":    "file:///etc/passwd",                                      // media_link
			"contact":  "not an email",                                            // email
			"people":   "twelve",                                                  // number
			"areas":    "leeds",                                                   // multi_choice
		}
		r = env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.owner.Token,
			Body: map[string]any{"requested_amount": 10, "answers": sent}})
		if got := r.Map(t)["answers"]; !reflect.DeepEqual(got, sent) {
			t.Fatalf("not kept as sent: %s, sent %s", jsonOf(got), jsonOf(sent))
		}
		problems := appProblems(t, r)
		var fields []string
		for _, p := range problems {
			fields = append(fields, strings.SplitN(p, ":", 2)[0])
		}
		want := []string{"answers.about", "answers.areas", "answers.contact", "answers.people", "answers.user_led", "answers.video", "requested_amount"}
		if !reflect.DeepEqual(fields, want) {
			t.Errorf("problems %v, want one for each of %v", problems, want)
		}
		for _, p := range []string{"answers.about:too_long", "answers.people:wrong_type", "answers.user_led:wrong_type", "requested_amount:out_of_range"} {
			if !hasString(problems, p) {
				t.Errorf("problems %v lack %s", problems, p)
			}
		}
		// Read back later, the words are all there.
		if got := w.get(t, w.member, id)["answers"]; !reflect.DeepEqual(got, sent) {
			t.Errorf("read back: %s", jsonOf(got))
		}

		// Submit refuses, naming each; the draft stays a draft.
		sub := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token})
		if got := problemFields(t, sub); !reflect.DeepEqual(got, want) {
			t.Errorf("submit refused naming %v, want %v", got, want)
		}
		if s := w.get(t, w.owner, id)["status"]; s != "draft" {
			t.Fatalf("a refused submit left status %v", s)
		}

		// Fixed, answer by answer (an optional answer may be cleared): submitted.
		r = env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: path, Token: w.member.Token, Body: map[string]any{
			"requested_amount": 250000,
			"answers": map[string]any{"about": "We meet weekly in Leeds.", "user_led": true, "video": "https://video.example.org/v/1",
				"contact": "", "people": 12, "areas": []any{"leeds"}}}})
		if got := appProblems(t, r); len(got) != 0 {
			t.Fatalf("problems once fixed: %v", got)
		}
		if a := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: path + "/submit", Token: w.owner.Token}).Map(t); a["status"] != "submitted" {
			t.Fatalf("submitted: %v", a["status"])
		}
	})
}
