package round

import "regexp"

// QuestionType is what kind of answer a question takes.
type QuestionType string // @name QuestionType

// The question types of SPEC §5.
const (
	ShortText    QuestionType = "short_text"
	LongText     QuestionType = "long_text"
	Number       QuestionType = "number"
	Money        QuestionType = "money" // minor units, a whole number
	Date         QuestionType = "date"  // YYYY-MM-DD
	Email        QuestionType = "email"
	URL          QuestionType = "url" // http or https only
	SingleChoice QuestionType = "single_choice"
	MultiChoice  QuestionType = "multi_choice"
	YesNo        QuestionType = "yes_no"
	// MediaLink is a link to audio or video: an accessible alternative to writing.
	MediaLink QuestionType = "media_link"
)

// QuestionTypes lists every type, in the order of the specification.
var QuestionTypes = []QuestionType{ShortText, LongText, Number, Money, Date, Email, URL, SingleChoice, MultiChoice, YesNo, MediaLink}

// Valid reports whether t is a known type.
func (t QuestionType) Valid() bool {
	for _, k := range QuestionTypes {
		if t == k {
			return true
		}
	}
	return false
}

// IsText reports whether answers are free text (word and length limits apply).
func (t QuestionType) IsText() bool { return t == ShortText || t == LongText }

// IsNumeric reports whether answers are numbers (min and max apply).
func (t QuestionType) IsNumeric() bool { return t == Number || t == Money }

// IsChoice reports whether answers pick from options.
func (t QuestionType) IsChoice() bool { return t == SingleChoice || t == MultiChoice }

// AnswerKind is a form an answer may take on a question that accepts alternatives.
type AnswerKind string // @name AnswerKind

// The alternatives a text question may accept.
const (
	// AnswerText is the question's own, written form: a string, within its limits.
	AnswerText AnswerKind = "text"
	// AnswerMediaLink is a recording instead of writing: {"media_link": "https://…",
	// "transcript": "…"} (the transcript optional).
	AnswerMediaLink AnswerKind = "media_link"
)

// AnswerKinds lists every alternative.
var AnswerKinds = []AnswerKind{AnswerText, AnswerMediaLink}

// Question is one question of an eligibility check, an application form or a report form.
// Limits apply by type: MaxWords and MaxLength to text, Min and Max to number and money
// (money bounds are whole minor units), Options to choices. A text question may accept
// alternatives (Accepts: text and media_link): the group answers in writing or with a
// recording, and either satisfies Required; the limits apply to the written form.
type Question struct {
	ID        string       `json:"id" validate:"required"`
	Label     string       `json:"label" validate:"required"`
	Help      string       `json:"help,omitempty"`
	Type      QuestionType `json:"type" validate:"required"`
	Required  bool         `json:"required"`
	MaxWords  int          `json:"max_words,omitempty"`
	MaxLength int          `json:"max_length,omitempty"`
	Options   []string     `json:"options,omitempty"`
	Min       *float64     `json:"min,omitempty"`
	Max       *float64     `json:"max,omitempty"`
	// Accepts lists the forms an answer may take, for a short_text or long_text question
	// that also takes a recording: [text, media_link]. Omitted: the question's own type only.
	Accepts []AnswerKind `json:"accepts,omitempty"`
} // @name Question

// TakesRecording reports whether q may be answered with a recording: a media_link question,
// or a text question accepting media_link as an alternative to writing.
func (q Question) TakesRecording() bool {
	return q.Type == MediaLink || q.accepts(AnswerMediaLink)
}

// accepts reports whether q, a text question, accepts answers of kind k (alternatives
// are for text questions only: Validate refuses them elsewhere).
func (q Question) accepts(k AnswerKind) bool {
	if !q.Type.IsText() {
		return false
	}
	for _, a := range q.Accepts {
		if a == k {
			return true
		}
	}
	return false
}

// QuestionIDPattern is what a question (and criterion) id must match: answers are keyed by it.
var QuestionIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Form is a list of questions (the application form, the report form).
type Form struct {
	Questions []Question `json:"questions"`
} // @name Form

// Op is an eligibility rule's comparison.
type Op string // @name RuleOp

// The rule operators.
const (
	OpEq  Op = "eq"  // equal; for multi_choice: the value is among those chosen
	OpNeq Op = "neq" // not eq
	OpLte Op = "lte" // ≤, for number, money and date questions
	OpGte Op = "gte" // ≥, for number, money and date questions
	OpIn  Op = "in"  // value is a list; the answer is one of it (multi_choice: any chosen is)
)

// Ops lists every operator.
var Ops = []Op{OpEq, OpNeq, OpLte, OpGte, OpIn}

// Rule is one eligibility rule. An applicant whose answer to QuestionID breaks it is told
// Message.
type Rule struct {
	QuestionID string `json:"question_id" validate:"required"`
	Op         Op     `json:"op" validate:"required"`
	Value      any    `json:"value" validate:"required"`
	Message    string `json:"message" validate:"required"`
} // @name EligibilityRule

// Eligibility is the short quiz a group can answer before writing an application, and the
// rules its answers must pass.
type Eligibility struct {
	Questions []Question `json:"questions"`
	Rules     []Rule     `json:"rules"`
} // @name Eligibility

// Criterion is one line of the assessment rubric: scores run from ScaleMin to ScaleMax and
// count Weight times.
type Criterion struct {
	ID       string  `json:"id" validate:"required"`
	Title    string  `json:"title" validate:"required"`
	Guidance string  `json:"guidance,omitempty"`
	Weight   float64 `json:"weight" validate:"required"`
	ScaleMin int     `json:"scale_min"`
	ScaleMax int     `json:"scale_max"`
} // @name Criterion

// ReportKind is the kind of a monitoring report.
type ReportKind string // @name ReportKind

// The report kinds.
const (
	ReportInterim ReportKind = "interim"
	ReportFinal   ReportKind = "final"
)

// ReportDue is one monitoring report an award will owe: its kind, due so many days after
// the award is accepted.
type ReportDue struct {
	Kind         ReportKind `json:"kind" validate:"required"`
	DueAfterDays int        `json:"due_after_days" validate:"required"`
} // @name ReportDue

// ReportSchedule is the reports an award from the round will owe.
type ReportSchedule []ReportDue
