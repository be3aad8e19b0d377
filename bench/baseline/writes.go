package baseline

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"constellate/internal/application"
	"constellate/internal/assessment"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/idempotency"
	"constellate/internal/ids"
	"constellate/internal/round"
)

var (
	errConflict = &problem{http.StatusConflict, "conflict", "the change is not allowed now"}
	errStale    = &problem{http.StatusPreconditionFailed, "precondition_failed", "If-Match does not match the current version"}
	errInFlight = &problem{http.StatusConflict, "conflict", "a request with this Idempotency-Key is still in progress"}
)

func requestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func ifMatch(r *http.Request) (*int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return nil, nil
	}
	n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
	if err != nil || n <= 0 || !strings.HasPrefix(v, `"`) || !strings.HasSuffix(v, `"`) {
		return nil, errStale
	}
	return &n, nil
}

const insertAudit = `INSERT INTO "audit_events" ("id","at","actor_id","actor_role","action","entity_type","entity_id","request_id","changes") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`

// decodeRound reads the parts of a round definition the checks need.
func decodeRound(rr roundRow) (round.Round, error) {
	r := round.Round{ID: rr.ID, ProgrammeID: rr.ProgrammeID, Status: round.Status(rr.Status), Version: rr.Version,
		Definition: round.Definition{Name: rr.Name, ReferencePrefix: rr.ReferencePrefix, Currency: rr.Currency, Budget: rr.Budget,
			MinGrant: rr.MinGrant, MaxGrant: rr.MaxGrant, OpensAt: rr.OpensAt, ClosesAt: rr.ClosesAt, GraceMinutes: rr.GraceMinutes}}
	if err := json.Unmarshal(rr.Eligibility, &r.Eligibility); err != nil {
		return r, err
	}
	if err := json.Unmarshal(rr.Form, &r.Form); err != nil {
		return r, err
	}
	return r, json.Unmarshal(rr.Criteria, &r.Criteria)
}

// submit (E4): an applicant submits a draft, with an Idempotency-Key: the statements the
// service runs, in one transaction — the key's advisory lock and lookup, the application
// read, the round locked before the application, membership, the round read, the next
// reference, the revision, the application written with a version compare, the status
// history, the audit event and the stored response.
func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	a, err := s.authorize(r, auth.RoleApplicant)
	if err != nil {
		writeError(w, err)
		return
	}
	id := strings.ToLower(r.PathValue("id"))
	if !ids.Valid(id) {
		writeError(w, errBadRequest)
		return
	}
	match, err := ifMatch(r)
	if err != nil {
		writeError(w, err)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || len(bytes.TrimSpace(body)) > 0 && string(bytes.TrimSpace(body)) != "{}" {
		writeError(w, errBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" {
		if err := idempotency.CheckKey(key); err != nil {
			writeError(w, errBadRequest)
			return
		}
	}
	reqID := requestID()
	ctx := r.Context()
	var resp []byte
	var etag string
	var replayed bool
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		scope := "user:" + a.UserID
		if key != "" {
			h := fnv.New64a()
			h.Write([]byte(scope + "\x00" + key))
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(h.Sum64())).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return errInFlight
			}
			var status int
			var ct, loc, tag, fp, sc, k string
			var stored []byte
			var created time.Time
			err := one(ctx, tx, map[string]any{"scope": &sc, "key": &k, "fingerprint": &fp, "status_code": &status, "content_type": &ct,
				"location": &loc, "etag": &tag, "body": &stored, "created_at": &created},
				`SELECT * FROM "idempotency_keys" WHERE scope = $1 AND key = $2 LIMIT $3`, scope, key, 1)
			if err == nil {
				resp, etag, replayed = stored, tag, true
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		now := s.cfg.Now().UTC()
		pre, err := oneApp(ctx, tx, appByID, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		if _, err := oneRound(ctx, tx, `SELECT * FROM "rounds" WHERE id = $1 LIMIT $2 FOR UPDATE`, pre.RoundID, 1); err != nil {
			return err
		}
		app, err := oneApp(ctx, tx, appSelect+` WHERE applications.id = $1 LIMIT $2 FOR UPDATE OF "applications"`, id, 1)
		if err != nil {
			return err
		}
		var member bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND organisation_id = $2)`,
			a.UserID, app.OrganisationID).Scan(&member); err != nil {
			return err
		}
		if !member {
			return errNotFound
		}
		if app.Status != "draft" && app.Status != "more_info_requested" {
			return errConflict
		}
		rr, err := oneRound(ctx, tx, `SELECT * FROM "rounds" WHERE id = $1 LIMIT $2`, app.RoundID, 1)
		if err != nil {
			return err
		}
		rd, err := decodeRound(rr)
		if err != nil {
			return err
		}
		if app.Status == "draft" && !rd.AcceptingSubmissions(now, app.StartedAt) {
			return errConflict
		}
		dom := application.Application{Title: app.Title, RequestedAmount: app.RequestedAmount}
		if err := json.Unmarshal(app.Answers, &dom.Answers); err != nil {
			return err
		}
		if p := application.SubmissionProblems(rd, dom); len(p) > 0 {
			return &problem{http.StatusUnprocessableEntity, "invalid", "the application cannot be submitted yet"}
		}
		ref := ""
		if app.Reference != nil {
			ref = *app.Reference
		} else {
			var n int
			if err := tx.QueryRow(ctx, `INSERT INTO application_reference_counters (round_id, last) VALUES ($1, 1)
		ON CONFLICT (round_id) DO UPDATE SET last = application_reference_counters.last + 1
		RETURNING last`, rd.ID).Scan(&n); err != nil {
				return err
			}
			ref = fmt.Sprintf("%s-%04d", rd.ReferencePrefix, n)
		}
		app.Revision++
		if _, err := tx.Exec(ctx, `INSERT INTO "application_revisions" ("id","application_id","number","title","summary","requested_amount","answers","submitted_at","submitted_by") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			ids.New(), app.ID, app.Revision, app.Title, app.Summary, app.RequestedAmount, string(app.Answers), now, a.UserID); err != nil {
			return err
		}
		from := app.Status
		if match != nil && *match != app.Version {
			return errStale
		}
		prev := app.Version
		app.Version++
		app.Status, app.Reference, app.SubmittedAt, app.UpdatedAt = "submitted", &ref, &now, now
		tag, err := tx.Exec(ctx, `UPDATE "applications" SET "answers"=$1,"reference"=$2,"requested_amount"=$3,"revision"=$4,"status"=$5,"submitted_at"=$6,"summary"=$7,"title"=$8,"updated_at"=$9,"version"=$10 WHERE id = $11 AND version = $12`,
			string(app.Answers), ref, app.RequestedAmount, app.Revision, app.Status, now, app.Summary, app.Title, now, app.Version, app.ID, prev)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errStale
		}
		if _, err := tx.Exec(ctx, `INSERT INTO "application_status_history" ("id","application_id","from_status","to_status","at","actor_id","actor_role","reason") VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			ids.New(), app.ID, from, app.Status, now, a.UserID, string(a.Role), ""); err != nil {
			return err
		}
		changes, _ := json.Marshal(map[string]any{"from": from, "to": app.Status, "round_id": app.RoundID, "organisation_id": app.OrganisationID,
			"reference": ref, "revision": app.Revision})
		if _, err := tx.Exec(ctx, insertAudit, ids.New(), now, a.UserID, string(a.Role), "application.submitted", "application", app.ID, reqID, string(changes)); err != nil {
			return err
		}
		resp, err = json.Marshal(app.response(a, nil)) // submitted: not editable, so no problems
		if err != nil {
			return err
		}
		etag = `"` + strconv.FormatInt(app.Version, 10) + `"`
		if key != "" {
			fp := idempotency.Fingerprint(r.Method, r.URL.Path, body)
			if _, err := tx.Exec(ctx, `INSERT INTO "idempotency_keys" ("scope","key","fingerprint","status_code","content_type","location","etag","body","created_at") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
				scope, key, fp, http.StatusOK, "application/json", "", etag, resp, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("ETag", etag)
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp)
}

type assessmentRequest struct {
	Scores         map[string]int    `json:"scores"`
	Comments       map[string]string `json:"comments"`
	Recommendation string            `json:"recommendation"`
	OverallComment string            `json:"overall_comment"`
}

type assessmentRow struct {
	ID, RoundID, ApplicationID, PanelMemberID string
	Scores, Comments                          []byte
	Recommendation, OverallComment, Status    string
	RevisionScored                            int
	SubmittedAt                               *time.Time
	Version                                   int64
	CreatedAt, UpdatedAt                      time.Time
}

func oneAssessment(ctx context.Context, db querier, q string, args ...any) (assessmentRow, error) {
	var a assessmentRow
	err := one(ctx, db, map[string]any{"id": &a.ID, "round_id": &a.RoundID, "application_id": &a.ApplicationID,
		"panel_member_id": &a.PanelMemberID, "scores": &a.Scores, "comments": &a.Comments, "recommendation": &a.Recommendation,
		"overall_comment": &a.OverallComment, "status": &a.Status, "revision_scored": &a.RevisionScored, "submitted_at": &a.SubmittedAt,
		"version": &a.Version, "created_at": &a.CreatedAt, "updated_at": &a.UpdatedAt}, q, args...)
	return a, err
}

type assessmentResponse struct {
	ID             string            `json:"id"`
	ApplicationID  string            `json:"application_id"`
	RoundID        string            `json:"round_id"`
	PanelMemberID  string            `json:"panel_member_id"`
	Scores         map[string]int    `json:"scores"`
	Comments       map[string]string `json:"comments"`
	Recommendation string            `json:"recommendation"`
	OverallComment string            `json:"overall_comment"`
	Status         string            `json:"status"`
	RevisionScored int               `json:"revision_scored"`
	SubmittedAt    *time.Time        `json:"submitted_at"`
	Problems       []errs.FieldError `json:"problems"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// saveAssessment (E5): a panel member saves their draft with If-Match: the statements the
// service runs, in one transaction — the application, panel, assignment and conflict
// checks, the assessment and round reads, the assessment locked, written with a version
// compare, and the audit event.
func (s *Server) saveAssessment(w http.ResponseWriter, r *http.Request) {
	a, err := s.authorize(r, auth.Roles...)
	if err != nil {
		writeError(w, err)
		return
	}
	id := strings.ToLower(r.PathValue("id"))
	if !ids.Valid(id) {
		writeError(w, errBadRequest)
		return
	}
	match, err := ifMatch(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req assessmentRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, errBadRequest)
		return
	}
	if req.Scores == nil {
		req.Scores = map[string]int{}
	}
	if req.Comments == nil {
		req.Comments = map[string]string{}
	}
	reqID := requestID()
	ctx := r.Context()
	var out assessmentResponse
	var version int64
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var appID, roundID, status, title, orgName string
		var reference *string
		var revision int
		var requested int64
		err := tx.QueryRow(ctx, `SELECT applications.id, applications.round_id, applications.status, applications.reference, applications.title, applications.revision, applications.requested_amount, (SELECT organisations.name FROM organisations WHERE organisations.id = applications.organisation_id) AS organisation_name FROM "applications" WHERE applications.id = $1 LIMIT $2`,
			id, 1).Scan(&appID, &roundID, &status, &reference, &title, &revision, &requested, &orgName)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		var onPanel, conflicts int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM "round_panel_members" WHERE round_id = $1 AND user_id = $2`, roundID, a.UserID).Scan(&onPanel); err != nil {
			return err
		}
		var asg struct {
			ID, RoundID, ApplicationID, UserID string
			CreatedAt, UpdatedAt               time.Time
		}
		assigned := true
		err = one(ctx, tx, map[string]any{"id": &asg.ID, "round_id": &asg.RoundID, "application_id": &asg.ApplicationID, "user_id": &asg.UserID,
			"created_at": &asg.CreatedAt, "updated_at": &asg.UpdatedAt},
			`SELECT assessment_assignments.* FROM "assessment_assignments" WHERE application_id = $1 AND user_id = $2 LIMIT $3`, id, a.UserID, 1)
		if errors.Is(err, pgx.ErrNoRows) {
			assigned = false
		} else if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM "assessment_conflicts" WHERE application_id = $1 AND user_id = $2`, id, a.UserID).Scan(&conflicts); err != nil {
			return err
		}
		mine, err := oneAssessment(ctx, tx, `SELECT * FROM "assessments" WHERE application_id = $1 AND panel_member_id = $2 LIMIT $3`, id, a.UserID, 1)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if a.Role != auth.RolePanelMember || onPanel == 0 || !assigned || conflicts > 0 {
			return errNotFound
		}
		rr, err := oneRound(ctx, tx, `SELECT * FROM "rounds" WHERE id = $1 LIMIT $2`, roundID, 1)
		if err != nil {
			return err
		}
		rd, err := decodeRound(rr)
		if err != nil {
			return err
		}
		existing, err := oneAssessment(ctx, tx, `SELECT * FROM "assessments" WHERE application_id = $1 AND panel_member_id = $2 LIMIT $3`, id, a.UserID, 1)
		if errors.Is(err, pgx.ErrNoRows) {
			return &problem{http.StatusNotImplemented, "internal", "the baseline saves existing drafts only"}
		}
		if err != nil {
			return err
		}
		_ = mine
		cur, err := oneAssessment(ctx, tx, `SELECT * FROM "assessments" WHERE id = $1 LIMIT $2 FOR UPDATE`, existing.ID, 1)
		if err != nil {
			return err
		}
		if cur.Status != "draft" {
			return errConflict
		}
		if rd.Status != round.StatusAssessment || status != "under_assessment" {
			return errConflict
		}
		criteria := map[string]bool{}
		for _, c := range rd.Criteria {
			criteria[c.ID] = true
		}
		for k := range req.Scores {
			if !criteria[k] {
				return &problem{http.StatusUnprocessableEntity, "invalid", "the assessment cannot be saved"}
			}
		}
		for k := range req.Comments {
			if !criteria[k] {
				return &problem{http.StatusUnprocessableEntity, "invalid", "the assessment cannot be saved"}
			}
		}
		switch req.Recommendation {
		case "", "fund", "maybe", "decline":
		default:
			return &problem{http.StatusUnprocessableEntity, "invalid", "the assessment cannot be saved"}
		}
		if match != nil && *match != cur.Version {
			return errStale
		}
		now := s.cfg.Now().UTC()
		scores, _ := json.Marshal(req.Scores)
		comments, _ := json.Marshal(req.Comments)
		version = cur.Version + 1
		tag, err := tx.Exec(ctx, `UPDATE "assessments" SET "scores"=$1,"comments"=$2,"recommendation"=$3,"overall_comment"=$4,"status"=$5,"revision_scored"=$6,"submitted_at"=$7,"version"=$8,"updated_at"=$9 WHERE (id = $10 AND version = $11) AND "id" = $12`,
			string(scores), string(comments), req.Recommendation, req.OverallComment, "draft", revision, nil, version, now, cur.ID, cur.Version, cur.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errStale
		}
		changes, _ := json.Marshal(map[string]any{"round_id": cur.RoundID, "application_id": cur.ApplicationID, "panel_member_id": cur.PanelMemberID})
		if _, err := tx.Exec(ctx, insertAudit, ids.New(), now, a.UserID, string(a.Role), "assessment.saved", "assessment", cur.ID, reqID, string(changes)); err != nil {
			return err
		}
		dom := assessment.Assessment{Scores: req.Scores, Comments: req.Comments, Recommendation: assessment.Recommendation(req.Recommendation),
			OverallComment: req.OverallComment, Status: assessment.StatusDraft}
		problems := assessment.Problems(rd, dom)
		if problems == nil {
			problems = errs.Fields{}
		}
		out = assessmentResponse{ID: cur.ID, ApplicationID: cur.ApplicationID, RoundID: cur.RoundID, PanelMemberID: cur.PanelMemberID,
			Scores: req.Scores, Comments: req.Comments, Recommendation: req.Recommendation, OverallComment: req.OverallComment, Status: "draft",
			RevisionScored: revision, Problems: problems, CreatedAt: cur.CreatedAt.UTC(), UpdatedAt: now}
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("ETag", `"`+strconv.FormatInt(version, 10)+`"`)
	writeJSON(w, http.StatusOK, out)
}
