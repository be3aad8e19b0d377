package api_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"constellate/api/apitest"
)

// Written or recorded, the group's choice: a question that accepts [text, media_link] is
// answered in writing or with a link to a recording (and, if the group has one, its
// transcript); either satisfies required, in the eligibility check and at submission.

// alternativesRound makes body's questions accept a recording: an eligibility question no
// rule reads and the form's required long answer.
func alternativesRound(body map[string]any) {
	either := []any{"text", "media_link"}
	elig := body["eligibility"].(map[string]any)
	elig["questions"] = append(elig["questions"].([]any),
		map[string]any{"id": "story", "label": "How did your group start?", "type": "short_text", "required": true, "max_length": 200, "accepts": either})
	about := body["form"].(map[string]any)["questions"].([]any)[0].(map[string]any)
	about["accepts"] = either
}

func recording(link, transcript string) map[string]any {
	r := map[string]any{"media_link": link}
	if transcript != "" {
		r["transcript"] = transcript
	}
	return r
}

func TestAlternativesInTheEligibilityCheck(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newRoundWorld(t, env)
		r := w.create(t, alternativesRound)
		id := r["id"].(string)
		story := r["eligibility"].(map[string]any)["questions"].([]any)[2].(map[string]any)
		if !reflect.DeepEqual(story["accepts"], []any{"text", "media_link"}) {
			t.Fatalf("accepts did not round-trip: %v", story)
		}
		// user_led, income, story; about and video: three may be answered by recording.
		if b := r["burden"].(map[string]any); b["questions_answerable_by_recording"] != 3.0 || b["max_words_total"] != 300.0 {
			t.Fatalf("burden = %v", b)
		}
		w.act(t, id, "open", http.StatusOK)
		check := func(want int, answers map[string]any) (eligibilityResult, map[string]any) {
			t.Helper()
			resp := env.Expect(t, want, apitest.Req{Method: "POST", Path: "/v1/rounds/" + id + "/eligibility-check", Body: map[string]any{"answers": answers}})
			var res eligibilityResult
			if want == http.StatusOK {
				resp.Decode(t, &res)
				return res, nil
			}
			return res, resp.Map(t)
		}
		base := map[string]any{"user_led": true, "income": 1200000}
		with := func(v any) map[string]any {
			m := map[string]any{"story": v}
			for k, x := range base {
				m[k] = x
			}
			return m
		}
		// A required question no rule reads still needs its answer before the verdict.
		if res, _ := check(http.StatusOK, base); res.verdict() != "null" || !reflect.DeepEqual(res.Unanswered, []string{"story"}) ||
			!reflect.DeepEqual(res.reasons(), []string{"story unanswered Please answer: How did your group start?"}) {
			t.Fatalf("story unanswered: %s %q %q", res.verdict(), res.reasons(), res.Unanswered)
		}
		for name, answer := range map[string]any{
			"in writing":                 "Four of us met at a hospital support group.",
			"by recording":               recording("https://example.org/our-story.mp3", ""),
			"by recording, a transcript": recording("https://example.org/our-story.mp3", "Four of us met at a hospital support group."),
		} {
			if res, _ := check(http.StatusOK, with(answer)); res.verdict() != "true" || len(res.Reasons) != 0 || len(res.Unanswered) != 0 {
				t.Errorf("answered %s: %s %q %q", name, res.verdict(), res.reasons(), res.Unanswered)
			}
		}
		for name, answer := range map[string]any{
			"a link that is no web address": recording("javascript:alert(1)", ""),
			"a transcript without its link": map[string]any{"transcript": "Four of us met."},
			"something else in the object":  map[string]any{"media_link": "https://example.org/a.mp3", "length": 3},
			"writing over its limit":        strings.Repeat("a", 201),
		} {
			if _, p := check(http.StatusUnprocessableEntity, with(answer)); roundProblemFields(p)["answers.story"] == "" {
				t.Errorf("%s: 422 does not name answers.story: %v", name, p)
			}
		}
		// A question that takes only writing refuses a recording.
		if _, p := check(http.StatusUnprocessableEntity, map[string]any{"user_led": recording("https://example.org/a.mp3", "")}); roundProblemFields(p)["answers.user_led"] == "" {
			t.Errorf("a recording for a yes/no question: %v", p)
		}
	})
}

// TestAlternativesAtSubmission: an application answered with a recording for a required
// question that accepts one is submitted; unanswered, it is refused naming the question.
func TestAlternativesAtSubmission(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		w := newAppWorld(t, env)
		roundID := w.openRound(t, alternativesRound)
		about := recording("https://example.org/about-us.mp4", "We are a peer-led group in Leeds.")
		answers := map[string]any{"user_led": true, "story": recording("https://example.org/story.mp3", ""), "about": about}
		id := w.draft(t, w.owner, roundID, w.orgID)["id"].(string)
		saved := env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + id, Token: w.owner.Token,
			Body: map[string]any{"title": "Peer support cafés", "requested_amount": 250000, "answers": answers}}).Map(t)
		if got := saved["answers"].(map[string]any); !reflect.DeepEqual(got["about"], about) || !reflect.DeepEqual(got["story"], answers["story"]) {
			t.Fatalf("recordings not stored as sent: %s", jsonOf(got))
		}
		sub := env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + id + "/submit", Token: w.owner.Token}).Map(t)
		if sub["status"] != "submitted" {
			t.Fatalf("submit: %v", sub)
		}

		// Another group leaves the recorded question unanswered: refused, naming it.
		other := w.draft(t, w.stranger, roundID, w.otherOrgID)["id"].(string)
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + other, Token: w.stranger.Token,
			Body: map[string]any{"title": "Canary", "requested_amount": 250000, "answers": map[string]any{"user_led": true, "story": "We began in 2019."}}})
		p := env.Expect(t, http.StatusUnprocessableEntity, apitest.Req{Method: "POST", Path: "/v1/applications/" + other + "/submit", Token: w.stranger.Token}).Map(t)
		if roundProblemFields(p)["answers.about"] == "" {
			t.Fatalf("submit without the recorded answer: %v", p)
		}
		// Written instead, it is submitted too.
		env.Expect(t, http.StatusOK, apitest.Req{Method: "PATCH", Path: "/v1/applications/" + other, Token: w.stranger.Token,
			Body: map[string]any{"answers": map[string]any{"about": "We are a collective of canaries."}}})
		env.Expect(t, http.StatusOK, apitest.Req{Method: "POST", Path: "/v1/applications/" + other + "/submit", Token: w.stranger.Token})
	})
}
