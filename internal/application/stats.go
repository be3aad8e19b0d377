package application

import (
	"context"

	"constellate/internal/auth"
)

// Figures are a round's raw numbers, computed by the store with GROUP BY.
type Figures struct {
	// ByStatus counts the round's applications in each status (absent: none).
	ByStatus map[Status]int64
	// RequestedTotal sums requested_amount over applications that are submitted or later
	// and still in the running or decided (Status.Submitted).
	RequestedTotal int64
	// LedBy and Region count those same applications by their organisation's led_by (each
	// value it gives) and region; "not_stated" when the organisation gave none.
	LedBy  map[string]int64
	Region map[string]int64
}

// NotStated is the reach key for organisations that did not say; every breakdown carries
// it, 0 included.
const NotStated = "not_stated"

// Figure is a reach count as managers are shown it: Exact, or Suppressed ("<5") with the
// number dropped here, in the domain, so no layer above can show it.
type Figure struct {
	Exact      int64 // 0 when Suppressed
	Suppressed bool
}

// SmallNumber is how a suppressed count is shown.
const SmallNumber = "<5"

// Suppress applies small-number suppression to a count: 1 to 4 become "<5" so nobody can
// be singled out; 0 and 5 or more are shown as they are.
func Suppress(n int64) Figure {
	if n >= 1 && n <= 4 {
		return Figure{Suppressed: true}
	}
	return Figure{Exact: n}
}

// Value is the figure as shown: the number, or "<5".
func (f Figure) Value() any {
	if f.Suppressed {
		return SmallNumber
	}
	return f.Exact
}

// Reach is a breakdown by led_by and region, suppressed (Suppress), each with a NotStated
// bucket.
type Reach struct {
	LedBy  map[string]Figure
	Region map[string]Figure
}

// reach suppresses raw counts by led_by and region, adding the NotStated buckets.
func reach(ledBy, region map[string]int64) Reach {
	out := Reach{LedBy: map[string]Figure{NotStated: {}}, Region: map[string]Figure{NotStated: {}}}
	for k, n := range ledBy {
		out.LedBy[k] = Suppress(n)
	}
	for k, n := range region {
		out.Region[k] = Suppress(n)
	}
	return out
}

// Stats are a round's figures for its managers. Counts by status are exact (managers run
// their own pipeline); the reach figures, which describe groups, are suppressed.
type Stats struct {
	RoundID        string
	Currency       string
	Budget         int64
	Counts         map[Status]int64 // every status, zero included, exact
	Total          int64            // every application, drafts included, exact
	RequestedTotal int64
	// AwardedTotal is the sum of awards in the round: 0 until the award capability fills it
	// (the seam).
	AwardedTotal int64
	BudgetLeft   int64
	Applications Reach
	// Awards is the reach of awards: only the not_stated buckets until the award capability
	// fills it.
	Awards Reach
}

// Stats computes a round's figures (grants managers).
func (s *Service) Stats(ctx context.Context, actor auth.Actor, roundID string) (Stats, error) {
	if err := CanReadStats(actor); err != nil {
		return Stats{}, err
	}
	r, err := s.round(ctx, roundID)
	if err != nil {
		return Stats{}, err
	}
	f, err := s.store.Figures(ctx, roundID)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{RoundID: r.ID, Currency: r.Currency, Budget: r.Budget, Counts: map[Status]int64{},
		RequestedTotal: f.RequestedTotal, Applications: reach(f.LedBy, f.Region), Awards: reach(nil, nil)}
	for _, k := range Statuses {
		st.Counts[k] = f.ByStatus[k]
		st.Total += f.ByStatus[k]
	}
	st.BudgetLeft = st.Budget - st.AwardedTotal
	return st, nil
}
