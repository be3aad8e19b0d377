package api

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"constellate/internal/assessment"
	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/page"
)

// rankingCursorPrefix marks a ranking cursor: the position to continue after.
const rankingCursorPrefix = "r1:"

// rankingPage reads limit and cursor for the ranking (its cursor is a position, not an id).
func rankingPage(c echo.Context) (assessment.RankingPage, error) {
	var p assessment.RankingPage
	var f errs.Fields
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > page.MaxLimit {
			f.Add("limit", "must be a whole number from 1 to %d", page.MaxLimit)
		}
		p.Limit = n
	}
	if v := c.QueryParam("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(b), rankingCursorPrefix))
		if err != nil || !strings.HasPrefix(string(b), rankingCursorPrefix) || perr != nil || n < 1 {
			f.Add("cursor", "is not a cursor this list gave")
		}
		p.After = n
	}
	return p, f.Err(errs.Malformed, "the list parameters are not valid")
}

func rankingCursor(after int) *string {
	if after == 0 {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString([]byte(rankingCursorPrefix + strconv.Itoa(after)))
	return &s
}

// getRanking godoc
//
//	@Summary		A round's ranking (grants managers; JSON, or CSV for the panel meeting)
//	@Description	Per application under assessment or decided: the weighted score (each submitted assessment's Σ wᵢ·(sᵢ−minᵢ)/(maxᵢ−minᵢ) / Σ wᵢ · 100, averaged), the plain mean of the criterion scores, the population standard deviation of the normalised scores, submitted and assigned counts, the recommendation tally, disagreement (standard deviation above 15 points, or both fund and decline), the moderated score, the score ordered by (moderated when set), the requested amount, and the cumulative requested total against the budget in ranking order. Applications with no submitted assessment and no moderation come last; ties by reference. Assessments by a panel member who later declared a conflict do not count. Computed in one SQL query. With Accept: text/csv the page comes as CSV (same columns, money in minor units).
//	@Tags			assessment
//	@Produce		json
//	@Produce		text/csv
//	@Security		BearerAuth
//	@Param			id		path		string	true	"round id"
//	@Param			limit	query		int		false	"page size (1–200, default 50)"
//	@Param			cursor	query		string	false	"next_cursor from the previous page"
//	@Success		200		{object}	Ranking
//	@Failure		400		{object}	Problem
//	@Failure		401		{object}	Problem
//	@Failure		403		{object}	Problem
//	@Failure		404		{object}	Problem
//	@Router			/v1/rounds/{id}/ranking [get]
func (s *Server) getRanking(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := rankingPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rk, err := s.Assessments.Ranking(ctx, auth.ActorFrom(ctx), id, p)
	if err != nil {
		return err
	}
	out := RankingResponse{RoundID: rk.Round.ID, Budget: rk.Round.Budget, Currency: rk.Round.Currency,
		Data: make([]RankingRowResponse, len(rk.Rows)), NextCursor: rankingCursor(rk.Next)}
	for i, r := range rk.Rows {
		out.Data[i] = rankingRowResponse(r)
	}
	if wantsCSV(c.Request().Header.Get(echo.HeaderAccept)) {
		return writeRankingCSV(c, out)
	}
	return c.JSON(http.StatusOK, out)
}

// wantsCSV reports whether Accept prefers text/csv to JSON.
func wantsCSV(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "text/csv":
			return true
		case "application/json", "application/*", "*/*":
			return false
		}
	}
	return false
}

// writeRankingCSV writes a ranking page as CSV, one row per application.
func writeRankingCSV(c echo.Context, r RankingResponse) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="ranking.csv"`)
	if r.NextCursor != nil {
		h.Set("Link", "<?cursor="+*r.NextCursor+">; rel=\"next\"")
	}
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"position", "reference", "title", "organisation_name", "score", "weighted_score", "mean", "stddev",
		"assessments", "assigned", "fund", "maybe", "decline", "disagreement", "moderated_score", "requested_amount",
		"cumulative_requested", "budget_left", "application_id"})
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', 2, 64)
	}
	for _, row := range r.Data {
		_ = w.Write([]string{strconv.Itoa(row.Position), csvText(row.Reference), csvText(row.Title), csvText(row.OrganisationName),
			num(row.Score), num(row.WeightedScore), num(row.Mean), num(row.StdDev), strconv.Itoa(row.Assessments),
			strconv.Itoa(row.Assigned), strconv.Itoa(row.Recommendations.Fund), strconv.Itoa(row.Recommendations.Maybe),
			strconv.Itoa(row.Recommendations.Decline), strconv.FormatBool(row.Disagreement), num(row.ModeratedScore),
			strconv.FormatInt(row.RequestedAmount, 10), strconv.FormatInt(row.CumulativeRequested, 10),
			strconv.FormatInt(row.BudgetLeft, 10), row.ApplicationID})
	}
	w.Flush()
	return w.Error()
}

// csvText guards a text cell against formula injection: a leading = + - @ (or a tab or
// carriage return) would make a spreadsheet run it, so it gets a ' in front.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// setModeration godoc
//
//	@Summary		Set an application's moderated score (grants managers)
//	@Description	A score on the ranking's 0–100 scale with a note, shown beside the panel's figures and used for ordering. Replaces any earlier one until the round's decisions are published (409 after). The application must be under assessment in a round in assessment (409). Audited (moderation.set).
//	@Tags			assessment
//	@Accept			json
//	@Produce		json
//	@Security		BearerAuth
//	@Param			id				path		string				true	"application id"
//	@Param			Idempotency-Key	header		string				false	"makes a retry safe"
//	@Param			body			body		ModerationRequest	true	"score and note"
//	@Success		200				{object}	Moderation
//	@Failure		400				{object}	Problem
//	@Failure		401				{object}	Problem
//	@Failure		403				{object}	Problem
//	@Failure		404				{object}	Problem
//	@Failure		409				{object}	Problem
//	@Failure		415				{object}	Problem
//	@Failure		422				{object}	Problem
//	@Router			/v1/applications/{id}/moderation [post]
func (s *Server) setModeration(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req ModerationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Score == nil {
		return errs.Fields{{Field: "score", Message: "is required"}}.Err(errs.Invalid, "the moderation cannot be recorded")
	}
	return s.respond(c, func(ctx context.Context) (reply, error) {
		m, err := s.Assessments.Moderate(ctx, auth.ActorFrom(ctx), id, *req.Score, req.Note)
		if err != nil {
			return reply{}, err
		}
		return ok(ModerationResponse{ApplicationID: m.ApplicationID, RoundID: m.RoundID, Score: m.Score, Note: m.Note, SetBy: m.SetBy,
			CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}), nil
	})
}
