package store

import (
	"context"

	"constellate/internal/application"
)

// Figures computes a round's stats with GROUP BY queries: counts by status, the requested
// total, and reach by the organisations' led_by (a JSON array: each value counts) and
// region, over the applications that are submitted or later (application.SubmittedStatuses).
func (s *ApplicationStore) Figures(ctx context.Context, roundID string) (application.Figures, error) {
	f := application.Figures{ByStatus: map[application.Status]int64{}, LedBy: map[string]int64{}, Region: map[string]int64{}}
	conn := s.db.conn(ctx)
	var counts []struct {
		K string
		N int64
	}
	if err := conn.Raw("SELECT status AS k, COUNT(*) AS n FROM applications WHERE round_id = ? GROUP BY status", roundID).
		Scan(&counts).Error; err != nil {
		return f, Translate(err, "stats")
	}
	for _, c := range counts {
		f.ByStatus[application.Status(c.K)] = c.N
	}
	in := make([]string, len(application.SubmittedStatuses))
	for i, st := range application.SubmittedStatuses {
		in[i] = string(st)
	}
	if err := conn.Raw("SELECT COALESCE(SUM(requested_amount), 0) FROM applications WHERE round_id = ? AND status IN ?", roundID, in).
		Scan(&f.RequestedTotal).Error; err != nil {
		return f, Translate(err, "stats")
	}
	const from = " FROM applications a JOIN organisations o ON o.id = a.organisation_id "
	const where = " WHERE a.round_id = ? AND a.status IN ? "
	counts = counts[:0]
	if err := conn.Raw("SELECT o.region AS k, COUNT(*) AS n"+from+where+"GROUP BY o.region", roundID, in).
		Scan(&counts).Error; err != nil {
		return f, Translate(err, "stats")
	}
	for _, c := range counts {
		if c.K == "" {
			c.K = application.NotStated
		}
		f.Region[c.K] += c.N
	}
	// led_by is a JSON array; anything else (null, if a writer ever stores it) counts as none.
	each := "CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(o.led_by) = 'array' THEN o.led_by ELSE '[]'::jsonb END) AS e(value)"
	length := "(CASE WHEN jsonb_typeof(o.led_by) = 'array' THEN jsonb_array_length(o.led_by) ELSE 0 END)"
	if s.db.dialect == SQLite {
		each = "CROSS JOIN json_each(CASE WHEN json_valid(o.led_by) AND json_type(o.led_by) = 'array' THEN o.led_by ELSE '[]' END) AS e"
		length = "(CASE WHEN json_valid(o.led_by) AND json_type(o.led_by) = 'array' THEN json_array_length(o.led_by) ELSE 0 END)"
	}
	counts = counts[:0]
	if err := conn.Raw("SELECT e.value AS k, COUNT(*) AS n"+from+each+where+"GROUP BY e.value", roundID, in).
		Scan(&counts).Error; err != nil {
		return f, Translate(err, "stats")
	}
	for _, c := range counts {
		f.LedBy[c.K] = c.N
	}
	var none int64
	if err := conn.Raw("SELECT COUNT(*)"+from+where+"AND "+length+" = 0", roundID, in).Scan(&none).Error; err != nil {
		return f, Translate(err, "stats")
	}
	if none > 0 {
		f.LedBy[application.NotStated] = none
	}
	return f, nil
}
