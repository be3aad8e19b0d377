// Package round is the programmes and funding rounds capability: the round definition
// (questions, eligibility rules, criteria, report schedule, and the page a group reads:
// contact, accessibility, decision date, support offered) and its validation, the round's
// status machine, who may see and change what (policy.go), the proportionality figures
// (burden), the plain-text form, the eligibility check (Eligibility.Check) and the answer
// checks applications reuse (CheckAnswers, ValidateAnswer, Eligibility.Evaluate).
package round

import (
	"time"
)

// Defaults applied when a round is created without the field.
const (
	DefaultCurrency                = "GBP"
	DefaultReviewersPerApplication = 2
	DefaultBlindAssessment         = true
)

// Programme is a fund, such as "Side by Side Fund", under which rounds run.
type Programme struct {
	ID          string
	Name        string
	Description string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Definition is everything a grants manager defines about a round: what Validate checks
// as a whole, and what PATCH may change (within the limits of Editable).
type Definition struct {
	Name            string
	Description     string
	ReferencePrefix string // application references are PREFIX-0001
	Currency        string // ISO 4217
	Budget          int64  // minor units
	MinGrant        int64
	MaxGrant        int64
	OpensAt         time.Time
	ClosesAt        time.Time
	// GraceMinutes lets an application started before ClosesAt still be submitted this long
	// after it.
	GraceMinutes            int
	ReviewersPerApplication int
	BlindAssessment         bool
	Eligibility             Eligibility
	Form                    Form
	Criteria                []Criterion
	ReportSchedule          ReportSchedule
	ReportForm              Form
	// What the round's page tells a group beyond the form (page.go): how to reach the
	// funder, the support offered with access needs, when decisions are expected
	// (YYYY-MM-DD, "" when not said) and the support offered alongside the money.
	Contact            Contact
	Accessibility      Accessibility
	DecisionExpectedBy string
	SupportOffer       string
}

// ProgrammeRef is what anyone who may see a round sees of its programme: its name and
// description (the programme itself, and the programmes list, are the managers').
type ProgrammeRef struct {
	ID          string
	Name        string
	Description string
}

// Round is one funding round of a programme.
type Round struct {
	ID          string
	ProgrammeID string
	Definition
	// Status is the stored status; what callers see is EffectiveStatus(now).
	Status    Status
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Grace is the grace period after ClosesAt.
func (d Definition) Grace() time.Duration { return time.Duration(d.GraceMinutes) * time.Minute }

// EffectiveStatus is the status as of now: an open round whose ClosesAt has passed counts
// as closed, whether or not anything has recorded it (no background job is needed).
func (r Round) EffectiveStatus(now time.Time) Status {
	if r.Status == StatusOpen && !now.Before(r.ClosesAt) {
		return StatusClosed
	}
	return r.Status
}

// AcceptingNewApplications reports whether a new application may be started at now: the
// round is open, OpensAt has come and ClosesAt has not passed. A round opened before its
// OpensAt is published (listed, readable, its eligibility check answers) but takes
// applications only from OpensAt.
func (r Round) AcceptingNewApplications(now time.Time) bool {
	return r.EffectiveStatus(now) == StatusOpen && !now.Before(r.OpensAt)
}

// AcceptingSubmissions reports whether an application started at startedAt may be
// submitted at now: the round is open (as stored: an opened round not yet recorded as
// closed), OpensAt has come, now is before ClosesAt, or, for an application started before ClosesAt, within
// the grace period after it. Call it inside the submitting transaction, with the round
// read in it, so the deadline holds without any job.
func (r Round) AcceptingSubmissions(now, startedAt time.Time) bool {
	if r.Status != StatusOpen || now.Before(r.OpensAt) {
		return false
	}
	if now.Before(r.ClosesAt) {
		return true
	}
	return startedAt.Before(r.ClosesAt) && now.Before(r.ClosesAt.Add(r.Grace()))
}

// Questions returns the eligibility questions followed by the form questions: everything
// an application's answers hold, keyed by question id.
func (d Definition) Questions() []Question {
	out := make([]Question, 0, len(d.Eligibility.Questions)+len(d.Form.Questions))
	out = append(out, d.Eligibility.Questions...)
	return append(out, d.Form.Questions...)
}

// Question finds a question of the eligibility check or the form by id.
func (d Definition) Question(id string) (Question, bool) {
	for _, q := range d.Questions() {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

// Burden is what a round asks of a volunteer group, computed from its definition.
type Burden struct {
	Questions         int `json:"questions" validate:"required"`
	RequiredQuestions int `json:"required_questions" validate:"required"`
	// MaxWordsTotal is the sum of the word limits of the text questions.
	MaxWordsTotal int `json:"max_words_total" validate:"required"`
	// UnlimitedTextQuestions counts text questions with no word limit (so the total above is
	// not the whole story when it is not zero).
	UnlimitedTextQuestions int `json:"unlimited_text_questions" validate:"required"`
	// QuestionsAnswerableByRecording counts the questions a group may answer with an audio
	// or video recording: media_link questions, and text questions that accept a recording
	// instead of writing (their word limits are still in MaxWordsTotal).
	QuestionsAnswerableByRecording int `json:"questions_answerable_by_recording" validate:"required"`
} // @name Burden

// Burden counts the questions of the eligibility check and the form (the report form is
// asked later, of funded groups only).
func (d Definition) Burden() Burden {
	var b Burden
	for _, q := range d.Questions() {
		b.Questions++
		if q.Required {
			b.RequiredQuestions++
		}
		if q.TakesRecording() {
			b.QuestionsAnswerableByRecording++
		}
		if q.Type.IsText() {
			if q.MaxWords > 0 {
				b.MaxWordsTotal += q.MaxWords
			} else {
				b.UnlimitedTextQuestions++
			}
		}
	}
	return b
}
