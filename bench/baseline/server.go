// Package baseline is the benchmark's "physical limit" for this stack: plain net/http,
// pgxpool and encoding/json, running the statements the service runs for each benchmarked
// endpoint (the same text, in the same order, in the same transactions), with the same
// EdDSA token verification (internal/auth's Tokens.Verify) and the same token_version and
// role check against the users table, on a pool of the same size. What it leaves out is
// everything between the socket and the SQL: the router and middleware chain, GORM, the
// domain layers' copies, logging and metrics. JSON columns are passed through as they come
// from Postgres (json.RawMessage) instead of being decoded and encoded again.
//
// Endpoints: GET /v1/rounds (E1), GET /v1/applications/{id} (E2), GET /v1/applications (E3),
// POST /v1/applications/{id}/submit (E4), PUT /v1/applications/{id}/assessment (E5),
// GET /v1/rounds/{id}/ranking (E6), GET /v1/awards as CSV (E7), GET /healthz with a token
// (E8), GET /v1/payments?updated_since= (E9), and GET /readyz.
package baseline

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"constellate/internal/auth"
	"constellate/internal/ids"
)

// Config is what the baseline needs.
type Config struct {
	Pool     *pgxpool.Pool
	Keys     *auth.KeySet
	Issuer   string
	Audience string
	// SyncLag is the finance sync's hold-back (the service: request timeout + 1 s).
	SyncLag time.Duration
	Now     func() time.Time
}

// Server is the baseline HTTP server.
type Server struct {
	cfg    Config
	db     *pgxpool.Pool
	tokens *auth.Tokens
	mux    *http.ServeMux
}

// New builds the server.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SyncLag == 0 {
		cfg.SyncLag = 31 * time.Second
	}
	s := &Server{cfg: cfg, db: cfg.Pool, mux: http.NewServeMux(),
		tokens: auth.NewTokens(cfg.Keys, cfg.Issuer, cfg.Audience, 15*time.Minute, cfg.Now, ids.New)}
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /v1/rounds", s.listRounds)
	s.mux.HandleFunc("GET /v1/rounds/{id}/ranking", s.ranking)
	s.mux.HandleFunc("GET /v1/applications", s.listApplications)
	s.mux.HandleFunc("GET /v1/applications/{id}", s.getApplication)
	s.mux.HandleFunc("POST /v1/applications/{id}/submit", s.submit)
	s.mux.HandleFunc("PUT /v1/applications/{id}/assessment", s.saveAssessment)
	s.mux.HandleFunc("GET /v1/awards", s.awardsCSV)
	s.mux.HandleFunc("GET /v1/payments", s.payments)
	return s
}

// Handler is the server's handler.
func (s *Server) Handler() http.Handler { return s.mux }

// actor is the authenticated caller.
type actor struct {
	UserID string
	Role   auth.Role
}

var (
	errUnauthenticated = &problem{http.StatusUnauthorized, "unauthenticated", "the access token is not valid"}
	errForbidden       = &problem{http.StatusForbidden, "forbidden", "your role may not do this"}
	errNotFound        = &problem{http.StatusNotFound, "not_found", "not found"}
	errBadRequest      = &problem{http.StatusBadRequest, "malformed", "the request is not valid"}
)

type problem struct {
	status       int
	code, detail string
}

func (p *problem) Error() string { return p.detail }

// authenticate is the service's: no header is anonymous; otherwise the token must verify
// (Tokens.Verify) and the user's token_version and role must still be the token's.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (actor, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return actor{}, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return actor{}, errUnauthenticated
	}
	c, err := s.tokens.Verify(token)
	if err != nil || c.Client {
		return actor{}, errUnauthenticated
	}
	var version int
	var role string
	err = s.db.QueryRow(ctx, `SELECT token_version, role FROM users WHERE id = $1`, c.Subject).Scan(&version, &role)
	if errors.Is(err, pgx.ErrNoRows) {
		return actor{}, errUnauthenticated
	}
	if err != nil {
		return actor{}, err
	}
	if version != c.TokenVersion || auth.Role(role) != c.Role {
		return actor{}, errUnauthenticated
	}
	return actor{UserID: c.Subject, Role: auth.Role(role)}, nil
}

// authorize authenticates and requires one of roles.
func (s *Server) authorize(r *http.Request, roles ...auth.Role) (actor, error) {
	a, err := s.authenticate(r.Context(), r)
	if err != nil {
		return a, err
	}
	if a.UserID == "" {
		return a, errUnauthenticated
	}
	for _, role := range roles {
		if a.Role == role {
			return a, nil
		}
	}
	return a, errForbidden
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, err error) {
	var p *problem
	if !errors.As(err, &p) {
		p = &problem{http.StatusInternalServerError, "internal", err.Error()}
	}
	b, _ := json.Marshal(map[string]any{"type": "https://constellate.dev/problems/" + p.code, "status": p.status, "detail": p.detail})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.status)
	_, _ = w.Write(b)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		writeError(w, &problem{http.StatusServiceUnavailable, "unavailable", "the database is not reachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// healthz (E8): no database work of its own, but a token sent is checked as everywhere.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authenticate(r.Context(), r); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Cursors, as the service's (api/pagination.go).
const cursorPrefix = "c1:"

func encodeCursor(after string) *string {
	if after == "" {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + after))
	return &s
}

func decodeCursor(s string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return "", false
	}
	after := strings.TrimPrefix(string(b), cursorPrefix)
	return after, ids.Valid(after)
}

// pageParams reads limit (1–200, default 50) and cursor.
func pageParams(r *http.Request) (limit int, after string, err error) {
	limit = 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > 200 {
			return 0, "", errBadRequest
		}
		limit = n
	}
	if v := r.URL.Query().Get("cursor"); v != "" {
		a, ok := decodeCursor(v)
		if !ok {
			return 0, "", errBadRequest
		}
		after = a
	}
	return limit, after, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
