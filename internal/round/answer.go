package round

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"constellate/internal/errs"
)

// Limits on any single answer, whatever the question says.
const (
	// MaxAnswerLength bounds every text answer (characters).
	MaxAnswerLength = 20000
	// MaxURLLength bounds url and media_link answers.
	MaxURLLength = 2048
	// MaxTranscriptLength bounds the transcript of a recording (characters).
	MaxTranscriptLength = 20000
)

// The keys of a recording given as an answer: {"media_link": "https://…", "transcript": "…"}.
const (
	RecordingLink       = "media_link"
	RecordingTranscript = "transcript"
)

// AnswerError says what is wrong with one answer, in words an applicant understands.
type AnswerError struct{ Message string }

// Error implements error.
func (e *AnswerError) Error() string { return e.Message }

func bad(format string, args ...any) error {
	return &AnswerError{Message: fmt.Sprintf(format, args...)}
}

// Missing reports whether v counts as no answer: absent, null, an empty or blank string, an
// empty list, or an object (a recording) whose every member is missing. A recording with a
// transcript but no link yet is not missing: autosave keeps its words.
func Missing(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case []string:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if !Missing(e) {
				return false
			}
		}
		return true
	}
	return false
}

// ValidateAnswer checks one answer against its question's type and limits. v is a value as
// decoded from JSON (string, float64 or json.Number, bool, []any, map[string]any). A
// question that takes a recording (TakesRecording) also accepts one as
// {"media_link": "https://…", "transcript": "…"}. Required-ness is not checked here (drafts
// may be partial); a missing answer is valid. The error, when not nil, is an *AnswerError
// with a message for the applicant. Money bounds are written as numbers of minor units; the
// round's checks (CheckAnswers) write them in its currency.
func ValidateAnswer(q Question, v any) error { return validateAnswer(q, v, "") }

func validateAnswer(q Question, v any, currency string) error {
	if Missing(v) {
		return nil
	}
	if rec, ok := v.(map[string]any); ok && q.TakesRecording() {
		return validateRecording(rec)
	}
	amount := func(f float64) string {
		if q.Type == Money && currency != "" {
			return sayMoney(int64(f), currency)
		}
		return formatNumber(f)
	}
	switch q.Type {
	case ShortText, LongText:
		s, ok := v.(string)
		if !ok && q.accepts(AnswerMediaLink) {
			return bad("must be written text, or a recording: a link to your audio or video (media_link) and, if you like, its transcript")
		}
		if !ok {
			return bad("must be text")
		}
		if n := utf8.RuneCountInString(s); n > MaxAnswerLength || (q.MaxLength > 0 && n > q.MaxLength) {
			limit := MaxAnswerLength
			if q.MaxLength > 0 && q.MaxLength < limit {
				limit = q.MaxLength
			}
			return bad("must be at most %d characters (it has %d)", limit, n)
		}
		if q.MaxWords > 0 {
			if n := CountWords(s); n > q.MaxWords {
				return bad("must be at most %d words (it has %d)", q.MaxWords, n)
			}
		}
	case Number, Money:
		f, ok := number(v)
		if !ok {
			return bad("must be a number")
		}
		if q.Type == Money && f != math.Trunc(f) {
			return bad("must be a whole number of minor units (pence)")
		}
		if q.Type == Money && math.Abs(f) > 1e15 {
			return bad("is too large")
		}
		if q.Min != nil && f < *q.Min {
			return bad("must be at least %s", amount(*q.Min))
		}
		if q.Max != nil && f > *q.Max {
			return bad("must be at most %s", amount(*q.Max))
		}
	case Date:
		s, ok := v.(string)
		if !ok {
			return bad("must be a date as YYYY-MM-DD")
		}
		if _, err := ParseDate(s); err != nil {
			return bad("must be a date as YYYY-MM-DD")
		}
	case Email:
		s, ok := v.(string)
		if !ok || !validEmail(s) {
			return bad("must be an email address")
		}
	case URL, MediaLink:
		s, ok := v.(string)
		if !ok || !validHTTPURL(s) {
			if q.Type == MediaLink {
				return bad("must be a link (http:// or https://) to your audio or video")
			}
			return bad("must be a web address starting with http:// or https://")
		}
	case SingleChoice:
		s, ok := v.(string)
		if !ok || !slices.Contains(q.Options, s) {
			return bad("must be one of: %s", strings.Join(q.Options, ", "))
		}
	case MultiChoice:
		list, ok := stringList(v)
		if !ok {
			return bad("must be a list of options")
		}
		seen := map[string]bool{}
		for _, s := range list {
			if !slices.Contains(q.Options, s) {
				return bad("%q is not one of: %s", s, strings.Join(q.Options, ", "))
			}
			if seen[s] {
				return bad("%q is chosen more than once", s)
			}
			seen[s] = true
		}
	case YesNo:
		if _, ok := v.(bool); !ok {
			return bad("must be true or false")
		}
	default:
		return bad("cannot be answered: the question has an unknown type")
	}
	return nil
}

// validateRecording checks a recording given as an answer: a link to the audio or video
// (http or https) and, if the group has one, its transcript.
func validateRecording(rec map[string]any) error {
	for k := range rec {
		if k != RecordingLink && k != RecordingTranscript {
			return bad("a recording has only %s and %s (not %q)", RecordingLink, RecordingTranscript, k)
		}
	}
	link, ok := rec[RecordingLink].(string)
	if !ok || !validHTTPURL(link) {
		return bad("needs %s: a link (http:// or https://) to your audio or video", RecordingLink)
	}
	switch t := rec[RecordingTranscript].(type) {
	case nil:
	case string:
		if n := utf8.RuneCountInString(t); n > MaxTranscriptLength {
			return bad("the transcript must be at most %d characters (it has %d)", MaxTranscriptLength, n)
		}
	default:
		return bad("the transcript must be text")
	}
	return nil
}

// CountWords counts whitespace-separated words, as a word processor would.
func CountWords(s string) int { return len(strings.Fields(s)) }

// ParseDate parses a YYYY-MM-DD date.
func ParseDate(s string) (time.Time, error) {
	if len(s) != len("2006-01-02") {
		return time.Time{}, errors.New("not YYYY-MM-DD")
	}
	return time.Parse("2006-01-02", s)
}

// CheckQuestions checks answers against questions: every answer against its question's type
// and limits, no answer to a question that does not exist, and with requireAll every
// required question answered. Problems are listed under prefix + question id (e.g.
// "answers.about"), in question order, then unknown keys sorted.
func CheckQuestions(questions []Question, answers map[string]any, requireAll bool, prefix string) errs.Fields {
	return checkQuestions(questions, answers, requireAll, prefix, "")
}

// checkQuestions is CheckQuestions writing money limits in currency ("": minor units).
func checkQuestions(questions []Question, answers map[string]any, requireAll bool, prefix, currency string) errs.Fields {
	var f errs.Fields
	known := make(map[string]bool, len(questions))
	for _, q := range questions {
		known[q.ID] = true
		v, present := answers[q.ID]
		if !present || Missing(v) {
			if requireAll && q.Required {
				f.Add(prefix+q.ID, "is required")
			}
			continue
		}
		if err := validateAnswer(q, v, currency); err != nil {
			f.Add(prefix+q.ID, "%s", err.Error())
		}
	}
	var unknown []string
	for k := range answers {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		f.Add(prefix+k, "is not a question of this round")
	}
	return f
}

// CheckAnswers checks an application's answers (eligibility and form questions together,
// keyed by question id) against the round, naming fields "answers.<id>". With requireAll
// (submission) every required question must be answered; without it (autosave) partial
// answers are fine. A recording answers a question that accepts one (and satisfies its
// Required); money limits are written in the round's currency.
func CheckAnswers(d Definition, answers map[string]any, requireAll bool) errs.Fields {
	return checkQuestions(d.Questions(), answers, requireAll, "answers.", d.Currency)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	}
	return 0, false
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func stringList(v any) ([]string, bool) {
	switch x := v.(type) {
	case []string:
		return x, true
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

func validHTTPURL(s string) bool {
	if len(s) > MaxURLLength || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	return u.Hostname() != ""
}
