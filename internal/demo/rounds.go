package demo

import (
	"fmt"
	"time"

	"constellate/internal/round"
)

func num(v float64) *float64 { return &v }

var sideBySideProgramme = round.Programme{
	Name: "Side by Side Fund",
	Description: "Grants of £1,000 to £10,000 for user-led groups: peer support, self-advocacy and community " +
		"action run by the people who live with the issues they work on. Unregistered groups are welcome; " +
		"you can send a video or audio recording instead of writing.",
}

var smallSparksProgramme = round.Programme{
	Name: "Small Sparks",
	Description: "Quick micro-grants of £250 to £2,000 for volunteer-run groups trying something new. " +
		"Five short questions, an answer within six weeks.",
}

// sideBySideRound is the open round: it opened two weeks before base and closes a month
// after it.
func sideBySideRound(base time.Time) round.Definition {
	opens := base.Add(-14 * day).Truncate(day).Add(9 * time.Hour)
	closes := base.Add(30 * day).Truncate(day).Add(17 * time.Hour)
	return round.Definition{
		Name: fmt.Sprintf("Side by Side %d", opens.Year()),
		Description: "This round funds peer support and user-led community action. We will tell every group " +
			"our decision and, if we cannot fund you, why.",
		ReferencePrefix: fmt.Sprintf("SBS%02d", opens.Year()%100), Currency: "GBP",
		Budget: 10_000_000, MinGrant: 100_000, MaxGrant: 1_000_000,
		OpensAt: opens, ClosesAt: closes, GraceMinutes: 30,
		ReviewersPerApplication: 2, BlindAssessment: true,
		Eligibility: round.Eligibility{
			Questions: []round.Question{
				{ID: "user_led", Label: "Is your group run by people with lived experience of the issues it works on?", Type: round.YesNo, Required: true,
					Help: "Most of the people who make decisions in your group have that experience themselves."},
				{ID: "uk_based", Label: "Does your group work in the UK?", Type: round.YesNo, Required: true},
				{ID: "income_band", Label: "What was your group's income last year?", Type: round.SingleChoice, Required: true,
					Options: []string{"Under £10,000", "£10,000 to £50,000", "£50,000 to £100,000", "Over £100,000"}},
			},
			Rules: []round.Rule{
				{QuestionID: "user_led", Op: round.OpEq, Value: true,
					Message: "Side by Side funds user-led groups: most of the people who run your group need lived experience of the issues it works on. Small Sparks may suit you instead."},
				{QuestionID: "uk_based", Op: round.OpEq, Value: true, Message: "We can only fund work that happens in the UK."},
				{QuestionID: "income_band", Op: round.OpNeq, Value: "Over £100,000",
					Message: "This fund is for small groups with an income under £100,000 a year."},
			},
		},
		Form: round.Form{Questions: []round.Question{
			{ID: "about", Label: "Tell us about your group and who it is for", Type: round.LongText, Required: true, MaxWords: 250, Accepts: []round.AnswerKind{round.AnswerText, round.AnswerMediaLink},
				Help: "Plain words are best. There are no right answers."},
			{ID: "activity", Label: "What would you do with the grant?", Type: round.LongText, Required: true, MaxWords: 300},
			{ID: "difference", Label: "What difference will it make, and how will you know?", Type: round.LongText, Required: true, MaxWords: 200},
			{ID: "budget_breakdown", Label: "Roughly how would you spend the money?", Type: round.LongText, Required: true, MaxWords: 150,
				Help: "A few lines is enough, for example: room hire £600, travel for members £400."},
			{ID: "activities", Label: "Which of these does your group do?", Type: round.MultiChoice,
				Options: []string{"Peer support", "Self-advocacy or campaigning", "Arts and creativity", "Advice and information", "Social activities", "Something else"}},
			{ID: "volunteers", Label: "How many volunteers help run your group?", Type: round.Number, Required: true, Min: num(0), Max: num(10000)},
			{ID: "other_funding", Label: "How much other funding do you expect this year?", Type: round.Money, Min: num(0)},
			{ID: "contact_preference", Label: "How would you like us to contact you?", Type: round.SingleChoice, Required: true,
				Options: []string{"Email", "Phone call", "Text message", "Video call", "Video call with a BSL interpreter"}},
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
			{ID: "spent", Label: "How much of the grant have you spent?", Type: round.Money, Required: true, Min: num(0)},
			{ID: "story", Label: "Or share a video, audio or photo story", Type: round.MediaLink},
		}},
	}
}

// smallSparksRound is a Small Sparks round that opened opensAgo before base and closed
// closesAgo before it: this year's (four months ago to a month ago) or last year's. It is
// named and its references prefixed by the year it opened: rounds opened more than 366
// days apart never share them.
func smallSparksRound(base time.Time, opensAgo, closesAgo time.Duration) round.Definition {
	opens := base.Add(-opensAgo).Truncate(day).Add(9 * time.Hour)
	closes := base.Add(-closesAgo).Truncate(day).Add(17 * time.Hour)
	return round.Definition{
		Name:            fmt.Sprintf("Small Sparks %d", opens.Year()),
		Description:     "Micro-grants for volunteer-run groups trying something new.",
		ReferencePrefix: fmt.Sprintf("SPK%02d", opens.Year()%100), Currency: "GBP",
		Budget: 2_000_000, MinGrant: 25_000, MaxGrant: 200_000,
		OpensAt: opens, ClosesAt: closes, GraceMinutes: 60,
		ReviewersPerApplication: 2, BlindAssessment: true,
		Eligibility: round.Eligibility{
			Questions: []round.Question{
				{ID: "volunteer_run", Label: "Is your group run by volunteers?", Type: round.YesNo, Required: true},
				{ID: "nation", Label: "Where does your group meet?", Type: round.SingleChoice, Required: true,
					Options: []string{"England", "Wales", "Scotland", "Northern Ireland", "Outside the UK"}},
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
