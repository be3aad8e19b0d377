package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"constellate/internal/errs"
	"constellate/internal/ids"
	"constellate/internal/opendata"
	"constellate/internal/store"
)

// export360Giving godoc
//
//	@Summary		A round's published awards as 360Giving open data (grants managers, finance; JSON package, or CSV)
//	@Description	A 360Giving Data Standard (1.4) package of the round's awards that were offered and not declined or withdrawn, valid against the standard's schema, streamed in constant memory. Grant ids are CONSTELLATE_FUNDER_PREFIX (the funder's registered 360Giving prefix, 360G-…) and the application's reference; the funding organisation is that prefix (id and name). recipientOrganization: the group's name, charity and company numbers, and an org-id — GB-CHC-, GB-SC- or GB-NIC- from a charity number, GB-COH- from a company number, else the prefix, -ORG- and the organisation's id. amountAwarded in major units (pence → pounds), awardDate (the offer's date), plannedDates (from the award date to the final report's due date, when the round schedules one), grantProgramme (the programme's name), beneficiaryLocation (the group's region, with its ONS code), fromOpenCall. The DEI extension's deiDetails.leadership (taxonomy codes of led_by) appears only for a group that agreed to publish it (publish_led_by); the package then declares the extension "dei". Nothing personal: no person's name or contact, no postcode, bank details, answers or assessments. With Accept: text/csv the same grants come as 360Giving's flat CSV (its column titles; lists joined with ;; a text cell starting with = + - @ gets a ' in front). 409 when no funder prefix is configured, when the round's decisions are not published, or when it has no award left to publish.
//	@Tags			exports
//	@Produce		json
//	@Produce		text/csv
//	@Security		BearerAuth
//	@Param			round_id	query		string	true	"the round"
//	@Success		200			{object}	opendata.Package
//	@Failure		400			{object}	Problem
//	@Failure		401			{object}	Problem
//	@Failure		403			{object}	Problem
//	@Failure		404			{object}	Problem
//	@Failure		409			{object}	Problem
//	@Router			/v1/exports/360giving [get]
func (s *Server) export360Giving(c echo.Context) error {
	roundID := c.QueryParam("round_id")
	if !ids.Valid(roundID) {
		msg := "must be a UUID"
		if roundID == "" {
			msg = "is required"
		}
		return errs.Fields{{Field: "round_id", Message: msg}}.Err(errs.Malformed, "round_id: the round to export "+msg)
	}
	roundID = strings.ToLower(roundID)
	ctx := c.Request().Context()
	asCSV := wantsCSV(c.Request().Header.Get(echo.HeaderAccept))
	var w interface {
		Write(opendata.Grant) error
		Close() error
	}
	// Nothing is sent until the first grant: a refusal (no prefix, unknown or unpublished
	// round, nothing to publish) is still a problem document with its status.
	err := opendata.Export(ctx, store.NewOpenDataStore(s.DB), s.Config.FunderPrefix, roundID, func(g opendata.Grant) error {
		if w == nil {
			h := c.Response().Header()
			if asCSV {
				h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
				h.Set(echo.HeaderContentDisposition, `attachment; filename="360giving.csv"`)
				w = opendata.NewCSVWriter(c.Response())
			} else {
				h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
				w = opendata.NewJSONWriter(c.Response())
			}
			c.Response().WriteHeader(http.StatusOK)
		}
		return w.Write(g)
	})
	if err == nil {
		err = w.Close()
	}
	if err != nil && w != nil {
		// The status is already sent: cut the response short so the client sees it broken
		// rather than complete, and leave the cause to the log.
		s.log.Error("360Giving export failed midway", "round_id", roundID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}
