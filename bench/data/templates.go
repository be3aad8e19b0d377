package data

import (
	"math/rand/v2"
	"time"

	"constellate/internal/round"
)

func num(v float64) *float64 { return &v }

// Two round shapes like the demo funder's: a full form (ten questions, four weighted
// criteria) and a short one (five questions, two criteria). Rounds alternate between them.

var incomeBands = []string{"Under £10,000", "£10,000 to £50,000", "£50,000 to £100,000", "Over £100,000"}
var activityOptions = []string{"Peer support", "Self-advocacy or campaigning", "Arts and creativity", "Advice and information", "Social activities", "Something else"}
var contactOptions = []string{"Email", "Phone call", "Text message", "Video call", "Video call with a BSL interpreter"}
var nations = []string{"England", "Wales", "Scotland", "Northern Ireland", "Outside the UK"}

func fullTemplate() round.Definition {
	return round.Definition{
		Description: "This round funds peer support and user-led community action. We will tell every group " +
			"our decision and, if we cannot fund you, why.",
		Currency: "GBP", MinGrant: 100_000, MaxGrant: 1_000_000, GraceMinutes: 30,
		ReviewersPerApplication: 3, BlindAssessment: true,
		Eligibility: round.Eligibility{
			Questions: []round.Question{
				{ID: "user_led", Label: "Is your group run by people with lived experience of the issues it works on?", Type: round.YesNo, Required: true,
					Help: "Most of the people who make decisions in your group have that experience themselves."},
				{ID: "uk_based", Label: "Does your group work in the UK?", Type: round.YesNo, Required: true},
				{ID: "income_band", Label: "What was your group's income last year?", Type: round.SingleChoice, Required: true, Options: incomeBands},
			},
			Rules: []round.Rule{
				{QuestionID: "user_led", Op: round.OpEq, Value: true,
					Message: "This fund is for user-led groups: most of the people who run your group need lived experience of the issues it works on."},
				{QuestionID: "uk_based", Op: round.OpEq, Value: true, Message: "We can only fund work that happens in the UK."},
				{QuestionID: "income_band", Op: round.OpNeq, Value: "Over £100,000", Message: "This fund is for small groups with an income under £100,000 a year."},
			},
		},
		Form: round.Form{Questions: []round.Question{
			{ID: "about", Label: "Tell us about your group and who it is for", Type: round.LongText, Required: true, MaxWords: 250,
				Help: "Plain words are best. There are no right answers."},
			{ID: "activity", Label: "What would you do with the grant?", Type: round.LongText, Required: true, MaxWords: 300},
			{ID: "difference", Label: "What difference will it make, and how will you know?", Type: round.LongText, Required: true, MaxWords: 200},
			{ID: "budget_breakdown", Label: "Roughly how would you spend the money?", Type: round.LongText, Required: true, MaxWords: 150,
				Help: "A few lines is enough, for example: room hire £600, travel for members £400."},
			{ID: "activities", Label: "Which of these does your group do?", Type: round.MultiChoice, Options: activityOptions},
			{ID: "volunteers", Label: "How many volunteers help run your group?", Type: round.Number, Required: true, Min: num(0), Max: num(10000)},
			{ID: "other_funding", Label: "How much other funding do you expect this year (in pence)?", Type: round.Money, Min: num(0)},
			{ID: "contact_preference", Label: "How would you like us to contact you?", Type: round.SingleChoice, Required: true, Options: contactOptions},
			{ID: "start_date", Label: "When would you like to start?", Type: round.Date},
			{ID: "video", Label: "Prefer to talk? Link to a video or audio recording answering any of the questions", Type: round.MediaLink,
				Help: "A phone recording is fine. Unlisted links work: we never share them."},
		}},
		Criteria: []round.Criterion{
			{ID: "need", Title: "Need", Guidance: "Is there a clear need, described by the people who feel it?", Weight: 2, ScaleMin: 1, ScaleMax: 5},
			{ID: "lived_experience", Title: "Led by lived experience", Guidance: "Do people with lived experience shape and run the work?", Weight: 2, ScaleMin: 1, ScaleMax: 5},
			{ID: "difference", Title: "Difference", Guidance: "Will it make a real difference to the people involved?", Weight: 1.5, ScaleMin: 1, ScaleMax: 5},
			{ID: "doable", Title: "Doable", Guidance: "Is the plan realistic for a group of this size? Small is fine.", Weight: 1, ScaleMin: 1, ScaleMax: 5},
		},
		ReportSchedule: round.ReportSchedule{{Kind: round.ReportInterim, DueAfterDays: 180}, {Kind: round.ReportFinal, DueAfterDays: 365}},
		ReportForm: round.Form{Questions: []round.Question{
			{ID: "what_happened", Label: "What happened? Tell us in your own words", Type: round.LongText, Required: true, MaxWords: 300},
			{ID: "spent", Label: "How much of the grant have you spent (in pence)?", Type: round.Money, Required: true, Min: num(0)},
			{ID: "story", Label: "Or share a video, audio or photo story", Type: round.MediaLink},
		}},
	}
}

func shortTemplate() round.Definition {
	return round.Definition{
		Description: "Micro-grants for volunteer-run groups trying something new.",
		Currency:    "GBP", MinGrant: 25_000, MaxGrant: 200_000, GraceMinutes: 60,
		ReviewersPerApplication: 3, BlindAssessment: true,
		Eligibility: round.Eligibility{
			Questions: []round.Question{
				{ID: "volunteer_run", Label: "Is your group run by volunteers?", Type: round.YesNo, Required: true},
				{ID: "nation", Label: "Where does your group meet?", Type: round.SingleChoice, Required: true, Options: nations},
			},
			Rules: []round.Rule{
				{QuestionID: "volunteer_run", Op: round.OpEq, Value: true, Message: "Small Sparks is for groups run by volunteers."},
				{QuestionID: "nation", Op: round.OpIn, Value: []any{"England", "Wales", "Scotland", "Northern Ireland"},
					Message: "Small Sparks funds groups that meet in the UK."},
			},
		},
		Form: round.Form{Questions: []round.Question{
			{ID: "idea", Label: "What is your idea?", Type: round.LongText, Required: true, MaxWords: 150},
			{ID: "who", Label: "Who will take part?", Type: round.ShortText, Required: true, MaxLength: 200},
			{ID: "spend", Label: "What will you spend the money on?", Type: round.LongText, Required: true, MaxWords: 100},
			{ID: "first_grant", Label: "Is this your group's first grant?", Type: round.YesNo},
			{ID: "video", Label: "Or tell us in a video or voice note", Type: round.MediaLink},
		}},
		Criteria: []round.Criterion{
			{ID: "community", Title: "Community benefit", Weight: 1, ScaleMin: 1, ScaleMax: 3},
			{ID: "new", Title: "Something new", Weight: 1, ScaleMin: 1, ScaleMax: 3},
		},
		ReportSchedule: round.ReportSchedule{{Kind: round.ReportFinal, DueAfterDays: 180}},
		ReportForm: round.Form{Questions: []round.Question{
			{ID: "what_happened", Label: "What happened?", Type: round.LongText, Required: true, MaxWords: 200},
			{ID: "story", Label: "Or share a video, audio or photo story", Type: round.MediaLink},
		}},
	}
}

var templates = []round.Definition{fullTemplate(), shortTemplate()}

// answers are a complete, valid set of answers to template t (every required question,
// every eligibility rule passed), as a group would write them.
func answers(r *rand.Rand, t int, start time.Time) map[string]any {
	if t == 0 {
		a := map[string]any{
			"user_led": true, "uk_based": true, "income_band": incomeBands[r.IntN(3)],
			"about":              words(r, 80+r.IntN(150)),
			"activity":           words(r, 100+r.IntN(180)),
			"difference":         words(r, 60+r.IntN(120)),
			"budget_breakdown":   budgetLines(r, 2+r.IntN(5)),
			"volunteers":         1 + r.IntN(60),
			"contact_preference": contactOptions[r.IntN(len(contactOptions))],
		}
		if r.IntN(4) > 0 {
			var acts []string
			for _, o := range activityOptions {
				if r.IntN(3) == 0 {
					acts = append(acts, o)
				}
			}
			if len(acts) == 0 {
				acts = []string{activityOptions[0]}
			}
			a["activities"] = acts
		}
		if r.IntN(2) == 0 {
			a["other_funding"] = 100 * r.IntN(50_000)
		}
		if r.IntN(2) == 0 {
			a["start_date"] = start.AddDate(0, 3+r.IntN(6), 0).Format("2006-01-02")
		}
		if r.IntN(8) == 0 {
			a["video"] = "https://video.example.org/watch/" + itoa(r.IntN(1_000_000))
		}
		return a
	}
	a := map[string]any{
		"volunteer_run": true, "nation": nations[r.IntN(4)],
		"idea":  words(r, 40+r.IntN(100)),
		"who":   pick(r, subjects) + " " + pick(r, forWhom) + " " + pick(r, places) + ".",
		"spend": budgetLines(r, 1+r.IntN(4)),
	}
	if r.IntN(2) == 0 {
		a["first_grant"] = r.IntN(2) == 0
	}
	if r.IntN(8) == 0 {
		a["video"] = "https://audio.example.org/listen/" + itoa(r.IntN(1_000_000))
	}
	return a
}
