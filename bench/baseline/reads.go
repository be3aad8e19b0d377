package baseline

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"constellate/internal/application"
	"constellate/internal/auth"
	"constellate/internal/ids"
	"constellate/internal/round"
)

// roundRow is a rounds row as SELECT * reads it.
type roundRow struct {
	ID, ProgrammeID, Name, Description, ReferencePrefix, Currency string
	Budget, MinGrant, MaxGrant                                    int64
	OpensAt, ClosesAt                                             time.Time
	GraceMinutes, ReviewersPerApplication                         int
	BlindAssessment                                               bool
	Eligibility, Form, Criteria, ReportSchedule, ReportForm       json.RawMessage
	Contact, Accessibility                                        json.RawMessage
	DecisionExpectedBy, SupportOffer                              string
	Status                                                        string
	Version                                                       int64
	CreatedAt, UpdatedAt                                          time.Time
}

func (r *roundRow) fields() map[string]any {
	return map[string]any{"id": &r.ID, "programme_id": &r.ProgrammeID, "name": &r.Name, "description": &r.Description,
		"reference_prefix": &r.ReferencePrefix, "currency": &r.Currency, "budget": &r.Budget, "min_grant": &r.MinGrant, "max_grant": &r.MaxGrant,
		"opens_at": &r.OpensAt, "closes_at": &r.ClosesAt, "grace_minutes": &r.GraceMinutes, "reviewers_per_application": &r.ReviewersPerApplication,
		"blind_assessment": &r.BlindAssessment, "eligibility": &r.Eligibility, "form": &r.Form, "criteria": &r.Criteria,
		"report_schedule": &r.ReportSchedule, "report_form": &r.ReportForm, "contact": &r.Contact, "accessibility": &r.Accessibility,
		"decision_expected_by": &r.DecisionExpectedBy, "support_offer": &r.SupportOffer, "status": &r.Status, "version": &r.Version,
		"created_at": &r.CreatedAt, "updated_at": &r.UpdatedAt}
}

// oneRound reads one round.
func oneRound(ctx context.Context, db querier, q string, args ...any) (roundRow, error) {
	var r roundRow
	err := one(ctx, db, r.fields(), q, args...)
	return r, err
}

type burden struct {
	Questions              int `json:"questions"`
	RequiredQuestions      int `json:"required_questions"`
	MaxWordsTotal          int `json:"max_words_total"`
	UnlimitedTextQuestions int `json:"unlimited_text_questions"`
	AnswerableByRecording  int `json:"questions_answerable_by_recording"`
}

// burdenOf counts the eligibility and form questions (round.Definition.Burden), decoding
// only the fields it needs.
func burdenOf(eligibility, form json.RawMessage) burden {
	var b burden
	for _, raw := range []json.RawMessage{eligibility, form} {
		var f struct {
			Questions []struct {
				Type     string   `json:"type"`
				Required bool     `json:"required"`
				MaxWords int      `json:"max_words"`
				Accepts  []string `json:"accepts"`
			} `json:"questions"`
		}
		_ = json.Unmarshal(raw, &f)
		for _, q := range f.Questions {
			b.Questions++
			if q.Required {
				b.RequiredQuestions++
			}
			text := q.Type == "short_text" || q.Type == "long_text"
			recording := q.Type == "media_link"
			for _, a := range q.Accepts {
				recording = recording || text && a == "media_link"
			}
			if recording {
				b.AnswerableByRecording++
			}
			if text {
				if q.MaxWords > 0 {
					b.MaxWordsTotal += q.MaxWords
				} else {
					b.UnlimitedTextQuestions++
				}
			}
		}
	}
	return b
}

type programmeRef struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

type roundResponse struct {
	ID                      string              `json:"id"`
	ProgrammeID             string              `json:"programme_id"`
	Programme               programmeRef        `json:"programme"`
	Contact                 round.Contact       `json:"contact"`
	Accessibility           round.Accessibility `json:"accessibility"`
	DecisionExpectedBy      *string             `json:"decision_expected_by"`
	SupportOffer            string              `json:"support_offer"`
	Name                    string              `json:"name"`
	Description             string              `json:"description"`
	ReferencePrefix         string              `json:"reference_prefix"`
	Currency                string              `json:"currency"`
	Budget                  int64               `json:"budget"`
	MinGrant                int64               `json:"min_grant"`
	MaxGrant                int64               `json:"max_grant"`
	OpensAt                 time.Time           `json:"opens_at"`
	ClosesAt                time.Time           `json:"closes_at"`
	GraceMinutes            int                 `json:"grace_minutes"`
	ReviewersPerApplication int                 `json:"reviewers_per_application"`
	BlindAssessment         bool                `json:"blind_assessment"`
	Eligibility             json.RawMessage     `json:"eligibility"`
	Form                    json.RawMessage     `json:"form"`
	Criteria                json.RawMessage     `json:"criteria"`
	ReportSchedule          json.RawMessage     `json:"report_schedule"`
	ReportForm              json.RawMessage     `json:"report_form"`
	Status                  string              `json:"status"`
	AcceptingApplications   bool                `json:"accepting_applications"`
	Burden                  burden              `json:"burden"`
	CreatedAt               time.Time           `json:"created_at"`
	UpdatedAt               time.Time           `json:"updated_at"`
}

func (r roundRow) response(now time.Time) roundResponse {
	status := r.Status
	if status == "open" && !now.Before(r.ClosesAt) {
		status = "closed"
	}
	var decision *string
	if r.DecisionExpectedBy != "" {
		d := r.DecisionExpectedBy
		decision = &d
	}
	// The page's contact and accessibility are stored as JSON and answered whole, every
	// field present, as the service's round.Contact and round.Accessibility are.
	var contact round.Contact
	var access round.Accessibility
	_ = json.Unmarshal(r.Contact, &contact)
	_ = json.Unmarshal(r.Accessibility, &access)
	if access.AlternativeFormats == nil {
		access.AlternativeFormats = []round.AccessibleFormat{}
	}
	return roundResponse{ID: r.ID, ProgrammeID: r.ProgrammeID, Programme: programmeRef{ID: r.ProgrammeID},
		Contact: contact, Accessibility: access, DecisionExpectedBy: decision, SupportOffer: r.SupportOffer, Name: r.Name, Description: r.Description, ReferencePrefix: r.ReferencePrefix,
		Currency: r.Currency, Budget: r.Budget, MinGrant: r.MinGrant, MaxGrant: r.MaxGrant, OpensAt: r.OpensAt.UTC(), ClosesAt: r.ClosesAt.UTC(),
		GraceMinutes: r.GraceMinutes, ReviewersPerApplication: r.ReviewersPerApplication, BlindAssessment: r.BlindAssessment,
		Eligibility: r.Eligibility, Form: r.Form, Criteria: r.Criteria, ReportSchedule: r.ReportSchedule, ReportForm: r.ReportForm,
		Status: status, AcceptingApplications: status == "open" && !now.Before(r.OpensAt), Burden: burdenOf(r.Eligibility, r.Form),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// withProgrammes fills in each round's programme name and description with the service's
// one statement for the page (SELECT * FROM programmes WHERE id IN (…)).
func (s *Server) withProgrammes(ctx context.Context, list []roundResponse) error {
	if len(list) == 0 {
		return nil
	}
	var ids []string
	var args []any
	seen := map[string]bool{}
	for _, r := range list {
		if !seen[r.ProgrammeID] {
			seen[r.ProgrammeID] = true
			args = append(args, r.ProgrammeID)
			ids = append(ids, "$"+strconv.Itoa(len(args)))
		}
	}
	var p struct{ ID, Name, Description string }
	found := map[string]programmeRef{}
	if err := each(ctx, s.db, map[string]any{"id": &p.ID, "name": &p.Name, "description": &p.Description}, func() error {
		found[p.ID] = programmeRef{ID: p.ID, Name: p.Name, Description: p.Description}
		return nil
	}, `SELECT * FROM "programmes" WHERE id IN (`+strings.Join(ids, ",")+`)`, args...); err != nil {
		return err
	}
	for i := range list {
		if ref, ok := found[list[i].ProgrammeID]; ok {
			list[i].Programme = ref
		}
	}
	return nil
}

// listRounds (E1): the public list, filtered by status, newest first.
func (s *Server) listRounds(w http.ResponseWriter, r *http.Request) {
	a, err := s.authenticate(r.Context(), r)
	if err != nil {
		writeError(w, err)
		return
	}
	limit, after, err := pageParams(r)
	if err != nil {
		writeError(w, err)
		return
	}
	now := s.cfg.Now().UTC()
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if a.Role != auth.RoleGrantsManager {
		where = append(where, "status IN ("+arg("open")+","+arg("closed")+")")
	}
	switch st := r.URL.Query().Get("status"); st {
	case "":
	case "open":
		where = append(where, "(status = "+arg("open")+" AND closes_at > "+arg(now)+")")
	case "closed":
		where = append(where, "(status = "+arg("closed")+" OR (status = "+arg("open")+" AND closes_at <= "+arg(now)+"))")
	default:
		where = append(where, "status = "+arg(st))
	}
	if after != "" {
		where = append(where, "id < "+arg(after))
	}
	q := `SELECT * FROM "rounds"`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + arg(limit+1)
	list := make([]roundResponse, 0, limit+1)
	var rr roundRow
	if err := each(r.Context(), s.db, rr.fields(), func() error { list = append(list, rr.response(now)); return nil }, q, args...); err != nil {
		writeError(w, err)
		return
	}
	var next *string
	if len(list) > limit {
		list = list[:limit]
		next = encodeCursor(list[limit-1].ID)
	}
	if err := s.withProgrammes(r.Context(), list); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data       []roundResponse `json:"data"`
		NextCursor *string         `json:"next_cursor"`
	}{list, next})
}

// appRow is an applications row with its round's status (the service's withRoundStatus).
type appRow struct {
	ID, RoundID, OrganisationID string
	Reference                   *string
	Title, Summary              string
	RequestedAmount             int64
	Answers                     json.RawMessage
	Status                      string
	Revision                    int
	SubmittedAt                 *time.Time
	StartedAt                   time.Time
	CreatedBy                   string
	Version                     int64
	CreatedAt, UpdatedAt        time.Time
	InfoRequestMessage          string
	InfoRequestedAt             *time.Time
	InfoRequestedByRole         string
	InfoAnsweredAt              *time.Time
	InfoResponse                string
	RoundStatus, RoundName      string
	OrgName, OrgLegalForm       string
	OrgUserLed                  bool
}

// appSelect is internal/store's ApplicationStore.joined: the application with its round's
// status and name and its organisation's summary.
const appSelect = `SELECT applications.*, r.status AS round_status, r.name AS round_name, o.name AS organisation_name, ` +
	`o.legal_form AS organisation_legal_form, o.user_led AS organisation_user_led FROM "applications" ` +
	`JOIN rounds r ON r.id = applications.round_id JOIN organisations o ON o.id = applications.organisation_id`

// appByID is internal/store's applicationByID: the statement of every application GET.
const appByID = `SELECT applications.*, r.status AS round_status, r.name AS round_name, o.name AS organisation_name, ` +
	`o.legal_form AS organisation_legal_form, o.user_led AS organisation_user_led FROM applications ` +
	`JOIN rounds r ON r.id = applications.round_id JOIN organisations o ON o.id = applications.organisation_id ` +
	`WHERE applications.id = $1 LIMIT 1`

func (a *appRow) fields() map[string]any {
	return map[string]any{"id": &a.ID, "round_id": &a.RoundID, "organisation_id": &a.OrganisationID, "reference": &a.Reference,
		"title": &a.Title, "summary": &a.Summary, "requested_amount": &a.RequestedAmount, "answers": &a.Answers, "status": &a.Status,
		"revision": &a.Revision, "submitted_at": &a.SubmittedAt, "started_at": &a.StartedAt, "created_by": &a.CreatedBy,
		"version": &a.Version, "created_at": &a.CreatedAt, "updated_at": &a.UpdatedAt,
		"info_request_message": &a.InfoRequestMessage, "info_requested_at": &a.InfoRequestedAt, "info_requested_by_role": &a.InfoRequestedByRole,
		"info_answered_at": &a.InfoAnsweredAt, "info_response": &a.InfoResponse,
		"round_status": &a.RoundStatus, "round_name": &a.RoundName, "organisation_name": &a.OrgName,
		"organisation_legal_form": &a.OrgLegalForm, "organisation_user_led": &a.OrgUserLed}
}

// oneApp reads one application with its round's status.
func oneApp(ctx context.Context, db querier, q string, args ...any) (appRow, error) {
	var a appRow
	err := one(ctx, db, a.fields(), q, args...)
	return a, err
}

type appOrganisation struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	LegalForm string `json:"legal_form"`
	UserLed   bool   `json:"user_led"`
}

type appRound struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type infoRequest struct {
	Message         string     `json:"message"`
	RequestedAt     time.Time  `json:"requested_at"`
	RequestedByRole string     `json:"requested_by_role"`
	AnsweredAt      *time.Time `json:"answered_at"`
	Response        *string    `json:"response,omitempty"`
}

type appProblem struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type appResponse struct {
	ID                 string          `json:"id"`
	RoundID            string          `json:"round_id"`
	OrganisationID     string          `json:"organisation_id"`
	Reference          *string         `json:"reference"`
	Title              string          `json:"title"`
	Summary            string          `json:"summary"`
	RequestedAmount    int64           `json:"requested_amount"`
	Answers            json.RawMessage `json:"answers"`
	Status             string          `json:"status"`
	Revision           int             `json:"revision"`
	SubmittedAt        *time.Time      `json:"submitted_at"`
	StartedAt          time.Time       `json:"started_at"`
	CreatedAt          time.Time       `json:"created_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
	Organisation       appOrganisation `json:"organisation"`
	Round              appRound        `json:"round"`
	InformationRequest *infoRequest    `json:"information_request"`
	Problems           []appProblem    `json:"problems"`
}

// editable is application.Status.Editable: the statuses whose problems are shown.
func editable(status string) bool { return status == "draft" || status == "more_info_requested" }

// response is the application as a sees it: before a round's decisions are published,
// anyone but a manager sees a decision as under_assessment (application.ViewFor). problems
// are the application's problems when it is editable and the viewer is shown them.
func (a appRow) response(viewer actor, problems []appProblem) appResponse {
	status := a.Status
	if viewer.Role != auth.RoleGrantsManager && (status == "awarded" || status == "declined") {
		if a.RoundStatus != "decided" && a.RoundStatus != "archived" {
			status = "under_assessment"
		}
	}
	if problems == nil {
		problems = []appProblem{}
	}
	out := appResponse{ID: a.ID, RoundID: a.RoundID, OrganisationID: a.OrganisationID, Reference: a.Reference, Title: a.Title,
		Summary: a.Summary, RequestedAmount: a.RequestedAmount, Answers: a.Answers, Status: status, Revision: a.Revision,
		SubmittedAt: utc(a.SubmittedAt), StartedAt: a.StartedAt.UTC(), CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		Organisation: appOrganisation{ID: a.OrganisationID, Name: a.OrgName, LegalForm: a.OrgLegalForm, UserLed: a.OrgUserLed},
		Round:        appRound{ID: a.RoundID, Name: a.RoundName}, Problems: problems}
	if a.InfoRequestedAt != nil {
		out.InformationRequest = &infoRequest{Message: a.InfoRequestMessage, RequestedAt: a.InfoRequestedAt.UTC(),
			RequestedByRole: a.InfoRequestedByRole, AnsweredAt: utc(a.InfoAnsweredAt)}
		if a.InfoAnsweredAt != nil {
			resp := a.InfoResponse
			out.InformationRequest.Response = &resp
		}
	}
	return out
}

// problemsOf is the service's withProblems for one application: for an applicant or a
// manager looking at an editable application, the round is read (the service's statement)
// and the domain's pure application.Problems computed on it, as the service does.
func (s *Server) problemsOf(ctx context.Context, viewer actor, a appRow, rounds map[string]round.Round) ([]appProblem, error) {
	if !editable(a.Status) || (viewer.Role != auth.RoleApplicant && viewer.Role != auth.RoleGrantsManager) {
		return nil, nil
	}
	r, ok := rounds[a.RoundID]
	if !ok {
		row, err := oneRound(ctx, s.db, `SELECT * FROM "rounds" WHERE id = $1 LIMIT $2`, a.RoundID, 1)
		if err != nil {
			return nil, err
		}
		if r, err = row.domain(); err != nil {
			return nil, err
		}
		rounds[a.RoundID] = r
	}
	var answers map[string]any
	if err := json.Unmarshal(a.Answers, &answers); err != nil {
		return nil, err
	}
	ps := application.Problems(r, application.Application{Title: a.Title, Summary: a.Summary, RequestedAmount: a.RequestedAmount,
		Answers: answers, Status: application.Status(a.Status)})
	out := make([]appProblem, len(ps))
	for i, p := range ps {
		out[i] = appProblem{Field: p.Field, Code: p.Code, Message: p.Message}
	}
	return out, nil
}

// domain decodes the parts of a round that application.Problems reads.
func (r roundRow) domain() (round.Round, error) {
	out := round.Round{ID: r.ID, ProgrammeID: r.ProgrammeID, Definition: round.Definition{Name: r.Name, Currency: r.Currency,
		Budget: r.Budget, MinGrant: r.MinGrant, MaxGrant: r.MaxGrant, OpensAt: r.OpensAt, ClosesAt: r.ClosesAt, GraceMinutes: r.GraceMinutes}}
	for _, part := range []struct {
		raw json.RawMessage
		dst any
	}{{r.Eligibility, &out.Eligibility}, {r.Form, &out.Form}, {r.Criteria, &out.Criteria}} {
		if len(part.raw) > 0 {
			if err := json.Unmarshal(part.raw, part.dst); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// getApplication (E2): the application, if the caller may see it (a manager; a member of
// the applying organisation; an assigned panel member without a conflict).
func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) {
	a, err := s.authorize(r, auth.RoleApplicant, auth.RolePanelMember, auth.RoleGrantsManager)
	if err != nil {
		writeError(w, err)
		return
	}
	id := strings.ToLower(r.PathValue("id"))
	if !ids.Valid(id) {
		writeError(w, errBadRequest)
		return
	}
	ctx := r.Context()
	app, err := oneApp(ctx, s.db, appByID, id)
	if err == pgx.ErrNoRows {
		writeError(w, errNotFound)
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	switch a.Role {
	case auth.RoleApplicant:
		var member bool
		if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND organisation_id = $2)`,
			a.UserID, app.OrganisationID).Scan(&member); err != nil {
			writeError(w, err)
			return
		}
		if !member {
			writeError(w, errNotFound)
			return
		}
	case auth.RolePanelMember:
		var n int64
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM assessment_assignments aa WHERE aa.user_id = $1 AND aa.application_id = $2 `+
			`AND NOT EXISTS (SELECT 1 FROM assessment_conflicts c WHERE c.user_id = aa.user_id AND c.application_id = aa.application_id)`,
			a.UserID, id).Scan(&n); err != nil {
			writeError(w, err)
			return
		}
		if n == 0 {
			writeError(w, errNotFound)
			return
		}
	}
	problems, err := s.problemsOf(ctx, a, app, map[string]round.Round{})
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("ETag", `"`+strconv.FormatInt(app.Version, 10)+`"`)
	writeJSON(w, http.StatusOK, app.response(a, problems))
}

// listApplications (E3): a manager's list, optionally of one round, newest first.
func (s *Server) listApplications(w http.ResponseWriter, r *http.Request) {
	a, err := s.authorize(r, auth.RoleGrantsManager)
	if err != nil {
		writeError(w, err)
		return
	}
	limit, after, err := pageParams(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if v := r.URL.Query().Get("round_id"); v != "" {
		if !ids.Valid(v) {
			writeError(w, errBadRequest)
			return
		}
		where = append(where, "applications.round_id = "+arg(strings.ToLower(v)))
	}
	if after != "" {
		where = append(where, "applications.id < "+arg(after))
	}
	q := appSelect
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY applications.id DESC LIMIT " + arg(limit+1)
	rows := make([]appRow, 0, limit+1)
	var app appRow
	if err := each(r.Context(), s.db, app.fields(), func() error { rows = append(rows, app); return nil }, q, args...); err != nil {
		writeError(w, err)
		return
	}
	list := make([]appResponse, len(rows))
	rounds := map[string]round.Round{}
	for i, row := range rows {
		problems, err := s.problemsOf(r.Context(), a, row, rounds)
		if err != nil {
			writeError(w, err)
			return
		}
		list[i] = row.response(a, problems)
	}
	var next *string
	if len(list) > limit {
		list = list[:limit]
		next = encodeCursor(list[limit-1].ID)
	}
	writeJSON(w, http.StatusOK, struct {
		Data       []appResponse `json:"data"`
		NextCursor *string       `json:"next_cursor"`
	}{list, next})
}

// rankingSQL is internal/store's rankingSQL with GORM's positional parameters: @round
// three times, then @after and @limit (TestRankingSQLMatchesTheService checks the text).
const rankingSQL = `
WITH valid AS (
    SELECT a.id, a.application_id, a.recommendation
    FROM assessments a
    WHERE a.round_id = $1 AND a.status = 'submitted'
      AND NOT EXISTS (SELECT 1 FROM assessment_conflicts c
                      WHERE c.application_id = a.application_id AND c.user_id = a.panel_member_id)
), per_assessment AS (
    SELECT v.application_id,
           SUM(sc.weight * (sc.score - sc.scale_min) * 1.0 / (sc.scale_max - sc.scale_min)) * 100.0 / SUM(sc.weight) AS norm,
           SUM(sc.score) AS raw_sum, COUNT(*) AS raw_n
    FROM valid v JOIN assessment_scores sc ON sc.assessment_id = v.id
    GROUP BY v.application_id, v.id
), per_application AS (
    SELECT application_id, AVG(norm) AS weighted, AVG(norm * norm) - AVG(norm) * AVG(norm) AS variance,
           SUM(raw_sum) * 1.0 / SUM(raw_n) AS mean, COUNT(*) AS n
    FROM per_assessment GROUP BY application_id
), tally AS (
    SELECT application_id,
           SUM(CASE WHEN recommendation = 'fund' THEN 1 ELSE 0 END) AS fund,
           SUM(CASE WHEN recommendation = 'maybe' THEN 1 ELSE 0 END) AS maybe,
           SUM(CASE WHEN recommendation = 'decline' THEN 1 ELSE 0 END) AS decline
    FROM valid GROUP BY application_id
), assigned AS (
    SELECT application_id, COUNT(*) AS n FROM assessment_assignments WHERE round_id = $2 GROUP BY application_id
), ranked AS (
    SELECT ap.id AS application_id, ap.reference, ap.title, ap.requested_amount,
           (SELECT o.name FROM organisations o WHERE o.id = ap.organisation_id) AS organisation_name,
           pa.weighted, pa.variance, pa.mean, COALESCE(pa.n, 0) AS assessments, COALESCE(asg.n, 0) AS assigned,
           COALESCE(t.fund, 0) AS fund, COALESCE(t.maybe, 0) AS maybe, COALESCE(t.decline, 0) AS decline,
           m.score AS moderated, COALESCE(m.score, pa.weighted) AS order_score
    FROM applications ap
    LEFT JOIN per_application pa ON pa.application_id = ap.id
    LEFT JOIN tally t ON t.application_id = ap.id
    LEFT JOIN assigned asg ON asg.application_id = ap.id
    LEFT JOIN assessment_moderations m ON m.application_id = ap.id
    WHERE ap.round_id = $3 AND ap.status IN ('under_assessment', 'awarded', 'declined')
), ordered AS (
    SELECT ranked.*,
           ROW_NUMBER() OVER (ORDER BY CASE WHEN order_score IS NULL THEN 1 ELSE 0 END, order_score DESC, reference) AS position,
           SUM(requested_amount) OVER (ORDER BY CASE WHEN order_score IS NULL THEN 1 ELSE 0 END, order_score DESC, reference
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative
    FROM ranked
)
SELECT * FROM ordered WHERE position > $4 ORDER BY position LIMIT $5`

// disagreementSpread is assessment.DisagreementSpread.
const disagreementSpread = 15.0

type rankingRow struct {
	Position            int      `json:"position"`
	ApplicationID       string   `json:"application_id"`
	Reference           string   `json:"reference"`
	Title               string   `json:"title"`
	OrganisationName    string   `json:"organisation_name"`
	WeightedScore       *float64 `json:"weighted_score"`
	Mean                *float64 `json:"mean"`
	StdDev              *float64 `json:"stddev"`
	Assessments         int      `json:"assessments"`
	Assigned            int      `json:"assigned"`
	Recommendations     tally    `json:"recommendations"`
	Disagreement        bool     `json:"disagreement"`
	ModeratedScore      *float64 `json:"moderated_score"`
	Score               *float64 `json:"score"`
	RequestedAmount     int64    `json:"requested_amount"`
	CumulativeRequested int64    `json:"cumulative_requested"`
	BudgetLeft          int64    `json:"budget_left"`
}

type tally struct {
	Fund    int `json:"fund"`
	Maybe   int `json:"maybe"`
	Decline int `json:"decline"`
}

func round2(f *float64) *float64 {
	if f == nil {
		return nil
	}
	v := math.Round(*f*100) / 100
	return &v
}

// ranking (E6): a page of a round's ranking, computed in one query.
func (s *Server) ranking(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, auth.RoleGrantsManager); err != nil {
		writeError(w, err)
		return
	}
	id := strings.ToLower(r.PathValue("id"))
	if !ids.Valid(id) {
		writeError(w, errBadRequest)
		return
	}
	limit, after := 50, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			writeError(w, errBadRequest)
			return
		}
		limit = n
	}
	if v := r.URL.Query().Get("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(b), "r1:"))
		if err != nil || perr != nil || n < 1 {
			writeError(w, errBadRequest)
			return
		}
		after = n
	}
	ctx := r.Context()
	rd, err := oneRound(ctx, s.db, `SELECT * FROM "rounds" WHERE id = $1 LIMIT $2`, id, 1)
	if err == pgx.ErrNoRows {
		writeError(w, errNotFound)
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	rows, err := s.db.Query(ctx, rankingSQL, id, id, id, after, limit+1)
	if err != nil {
		writeError(w, err)
		return
	}
	defer rows.Close()
	out := make([]rankingRow, 0, limit+1)
	for rows.Next() {
		var x rankingRow
		var ref *string
		var variance, orderScore *float64
		var assessments, assigned, fund, maybe, decline int64
		var position int64
		if err := rows.Scan(&x.ApplicationID, &ref, &x.Title, &x.RequestedAmount, &x.OrganisationName, &x.WeightedScore, &variance, &x.Mean,
			&assessments, &assigned, &fund, &maybe, &decline, &x.ModeratedScore, &orderScore, &position, &x.CumulativeRequested); err != nil {
			writeError(w, err)
			return
		}
		if ref != nil {
			x.Reference = *ref
		}
		x.Position, x.Assessments, x.Assigned = int(position), int(assessments), int(assigned)
		x.Recommendations = tally{int(fund), int(maybe), int(decline)}
		if variance != nil {
			sd := math.Sqrt(math.Max(0, *variance))
			x.StdDev = &sd
		}
		x.Score = orderScore
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		writeError(w, err)
		return
	}
	var next *string
	if len(out) > limit {
		out = out[:limit]
		c := base64.RawURLEncoding.EncodeToString([]byte("r1:" + strconv.Itoa(out[limit-1].Position)))
		next = &c
	}
	for i := range out {
		x := &out[i]
		x.BudgetLeft = rd.Budget - x.CumulativeRequested
		x.WeightedScore, x.Mean, x.StdDev, x.ModeratedScore, x.Score = round2(x.WeightedScore), round2(x.Mean), round2(x.StdDev), round2(x.ModeratedScore), round2(x.Score)
		x.Disagreement = x.Recommendations.Fund > 0 && x.Recommendations.Decline > 0 || x.StdDev != nil && *x.StdDev > disagreementSpread
	}
	writeJSON(w, http.StatusOK, struct {
		RoundID    string       `json:"round_id"`
		Budget     int64        `json:"budget"`
		Currency   string       `json:"currency"`
		Data       []rankingRow `json:"data"`
		NextCursor *string      `json:"next_cursor"`
	}{rd.ID, rd.Budget, rd.Currency, out, next})
}

func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// awardsCSV (E7): every award as CSV, streamed row by row in the sync order.
func (s *Server) awardsCSV(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, auth.RoleApplicant, auth.RoleGrantsManager, auth.RoleFinance); err != nil {
		writeError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="awards.csv"`)
	h.Set("Trailer", "Sync-Until")
	var (
		id, roundID, organisationID, currency, status, organisationName string
		amount                                                          int64
		offeredAt, updatedAt                                            time.Time
		acceptedAt                                                      *time.Time
		reference                                                       *string
		cw                                                              *csv.Writer
	)
	fields := map[string]any{"id": &id, "round_id": &roundID, "organisation_id": &organisationID, "amount": &amount, "currency": &currency,
		"status": &status, "offered_at": &offeredAt, "accepted_at": &acceptedAt, "updated_at": &updatedAt,
		"application_reference": &reference, "organisation_name": &organisationName}
	rec := make([]string, 11)
	started := false
	start := func() {
		started = true
		w.WriteHeader(http.StatusOK)
		cw = csv.NewWriter(w)
		_ = cw.Write([]string{"id", "application_reference", "organisation_id", "organisation_name", "round_id", "amount", "currency",
			"status", "offered_at", "accepted_at", "updated_at"})
	}
	err := each(r.Context(), s.db, fields, func() error {
		if !started {
			start()
		}
		ref := ""
		if reference != nil {
			ref = *reference
		}
		acc := ""
		if acceptedAt != nil {
			acc = acceptedAt.UTC().Format(time.RFC3339)
		}
		rec[0], rec[1], rec[2], rec[3], rec[4] = id, csvText(ref), organisationID, csvText(organisationName), roundID
		rec[5], rec[6], rec[7], rec[8] = strconv.FormatInt(amount, 10), currency, status, offeredAt.UTC().Format(time.RFC3339)
		rec[9], rec[10] = acc, updatedAt.UTC().Format(time.RFC3339Nano)
		return cw.Write(rec)
	}, `SELECT awards.*, applications.reference AS application_reference, organisations.name AS organisation_name `+
		`FROM "awards" JOIN applications ON applications.id = awards.application_id JOIN organisations ON organisations.id = awards.organisation_id `+
		`ORDER BY awards.updated_at,awards.id`)
	if !started && err == nil {
		start()
	}
	if err != nil {
		if !started {
			writeError(w, err)
			return
		}
		panic(http.ErrAbortHandler)
	}
	cw.Flush()
	if cw.Error() != nil {
		panic(http.ErrAbortHandler)
	}
}

type paymentResponse struct {
	ID                   string     `json:"id"`
	AwardID              string     `json:"award_id"`
	RoundID              string     `json:"round_id"`
	OrganisationID       string     `json:"organisation_id"`
	Sequence             int        `json:"sequence"`
	Amount               int64      `json:"amount"`
	Currency             string     `json:"currency"`
	DueDate              string     `json:"due_date"`
	Status               string     `json:"status"`
	ApprovedAt           *time.Time `json:"approved_at"`
	PaidOn               string     `json:"paid_on"`
	Reference            string     `json:"reference"`
	PayeeName            string     `json:"payee_name"`
	Account              string     `json:"account"`
	ApplicationReference string     `json:"application_reference"`
	CreatedAt            time.Time  `json:"created_at"`
	UpdatedAt            time.Time  `json:"updated_at"`
}

type syncCursor struct {
	Until     time.Time `json:"u,omitempty"`
	UpdatedAt time.Time `json:"t"`
	ID        string    `json:"i"`
}

// payments (E9): a page of the finance sync: payments changed after updated_since and at
// or before until (now less the sync lag), in (updated_at, id) order.
func (s *Server) payments(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, auth.RoleGrantsManager, auth.RoleFinance); err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			writeError(w, errBadRequest)
			return
		}
		limit = n
	}
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	var where []string
	var until time.Time
	if v := q.Get("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeError(w, errBadRequest)
			return
		}
		until = s.cfg.Now().UTC().Add(-s.cfg.SyncLag)
		where = append(where, "payments.updated_at > "+arg(t), "payments.updated_at <= "+arg(until))
	}
	sqlText := `SELECT payments.*, organisations.name AS payee_name, bank_accounts.last4 AS account_last4, applications.reference AS application_reference, awards.currency ` +
		`FROM "payments" JOIN awards ON awards.id = payments.award_id JOIN applications ON applications.id = awards.application_id ` +
		`JOIN organisations ON organisations.id = payments.organisation_id LEFT JOIN bank_accounts ON bank_accounts.organisation_id = payments.organisation_id`
	if len(where) > 0 {
		sqlText += " WHERE " + strings.Join(where, " AND ")
	}
	sqlText += " ORDER BY payments.updated_at,payments.id LIMIT " + arg(limit+1)
	out := make([]paymentResponse, 0, limit+1)
	var p paymentResponse
	var last4, ref *string
	fields := map[string]any{"id": &p.ID, "award_id": &p.AwardID, "round_id": &p.RoundID, "organisation_id": &p.OrganisationID,
		"sequence": &p.Sequence, "amount": &p.Amount, "due_date": &p.DueDate, "status": &p.Status, "approved_at": &p.ApprovedAt,
		"paid_on": &p.PaidOn, "reference": &p.Reference, "created_at": &p.CreatedAt, "updated_at": &p.UpdatedAt,
		"payee_name": &p.PayeeName, "account_last4": &last4, "application_reference": &ref, "currency": &p.Currency}
	err := each(r.Context(), s.db, fields, func() error {
		x := p
		x.Account, x.ApplicationReference = "", ""
		if last4 != nil && *last4 != "" {
			x.Account = "****" + *last4
		}
		if ref != nil {
			x.ApplicationReference = *ref
		}
		x.ApprovedAt, x.CreatedAt, x.UpdatedAt = utc(p.ApprovedAt), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		out = append(out, x)
		return nil
	}, sqlText, args...)
	if err != nil {
		writeError(w, err)
		return
	}
	var next *string
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		b, _ := json.Marshal(syncCursor{Until: until, UpdatedAt: last.UpdatedAt, ID: last.ID})
		c := base64.RawURLEncoding.EncodeToString(append([]byte("s1:"), b...))
		next = &c
	}
	var syncUntil *time.Time
	if !until.IsZero() {
		syncUntil = &until
	}
	writeJSON(w, http.StatusOK, struct {
		Data       []paymentResponse `json:"data"`
		NextCursor *string           `json:"next_cursor"`
		SyncUntil  *time.Time        `json:"sync_until"`
	}{out, next, syncUntil})
}
