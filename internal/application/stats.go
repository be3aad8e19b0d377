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

// NotStated is the reach key for organisations that did not say.
const NotStated = "not_stated"

// Reach is a breakdown by led_by and region.
type Reach struct {
	LedBy  map[string]int64
	Region map[string]int64
}

// Stats are a round's figures for its managers.
type Stats struct {
	RoundID        string
	Currency       string
	Budget         int64
	Counts         map[Status]int64 // every status, zero included
	Total          int64            // every application, drafts included
	RequestedTotal int64
	// AwardedTotal is the sum of awards in the round: 0 until the award capability exists
	// (the seam: fill it from there).
	AwardedTotal int64
	BudgetLeft   int64
	Applications Reach
	// Awards is the reach of awards: empty until awards exist.
	Awards Reach
}

// SmallNumber is how a suppressed count is shown.
const SmallNumber = "<5"

// Suppress applies small-number suppression to a count: 1 to 4 become "<5" so nobody can
// be singled out; 0 and 5 or more are shown as they are.
func Suppress(n int64) any {
	if n >= 1 && n <= 4 {
		return SmallNumber
	}
	return n
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
		RequestedTotal: f.RequestedTotal, Applications: Reach{LedBy: f.LedBy, Region: f.Region},
		Awards: Reach{LedBy: map[string]int64{}, Region: map[string]int64{}}}
	for _, k := range Statuses {
		st.Counts[k] = f.ByStatus[k]
		st.Total += f.ByStatus[k]
	}
	st.BudgetLeft = st.Budget - st.AwardedTotal
	if st.Applications.LedBy == nil {
		st.Applications.LedBy = map[string]int64{}
	}
	if st.Applications.Region == nil {
		st.Applications.Region = map[string]int64{}
	}
	return st, nil
}
