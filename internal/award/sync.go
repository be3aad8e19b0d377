package award

import (
	"context"
	"strings"
	"time"

	"constellate/internal/auth"
	"constellate/internal/errs"
	"constellate/internal/ids"
)

// The finance sync. Awards and payments are listed in the order of their last change,
// (updated_at, id), and paged by keyset on that pair. A sync — a list with updated_since —
// is also bounded above by an "until" fixed when its first page is read and carried in
// its cursor: rows changed at or before until, after updated_since. The client keeps
// until (the response's sync_until) and passes it as updated_since next time. So within a
// pass a row appears at most once (a row changed during the pass moves past until and
// waits for the next pass), and no row is ever missed: until is now less the sync lag,
// which is longer than any write transaction may last (the request timeout), so every
// change stamped at or before until has committed by the time the page is read — on
// Postgres, where writers overlap, as on SQLite, where they queue.

// SyncCursor continues a sync-ordered list.
type SyncCursor struct {
	Until     time.Time
	UpdatedAt time.Time
	ID        string
}

// ListQuery is what a caller asks of an award or payment list.
type ListQuery struct {
	Status       string
	RoundID      string
	AwardID      string
	DueBefore    string
	UpdatedSince *time.Time
	Limit        int
	Cursor       *SyncCursor
}

// check lists the query's problems (malformed filters are 400).
func (q ListQuery) check(statusValid func(string) bool) error {
	var f errs.Fields
	if q.Status != "" && !statusValid(q.Status) {
		f.Add("status", "is not a status of this list")
	}
	if q.RoundID != "" && !ids.Valid(q.RoundID) {
		f.Add("round_id", "must be a UUID")
	}
	if q.DueBefore != "" {
		if _, err := time.Parse(dateLayout, q.DueBefore); err != nil {
			f.Add("due_before", "must be a date, YYYY-MM-DD")
		}
	}
	return f.Err(errs.Malformed, "the filters are not valid")
}

// window turns the query into the store's filter and page: the sync bound (a new pass's
// until is now less the lag; a continued one keeps its cursor's) and the keyset position.
func (s *Service) window(q ListQuery) (Filter, SyncPage) {
	f := Filter{Status: q.Status, RoundID: strings.ToLower(q.RoundID), AwardID: q.AwardID, DueBefore: q.DueBefore, UpdatedSince: q.UpdatedSince}
	p := SyncPage{Limit: q.Limit}
	switch {
	case q.Cursor != nil:
		f.Until, p.UpdatedAt, p.ID = q.Cursor.Until, q.Cursor.UpdatedAt, q.Cursor.ID
	case q.UpdatedSince != nil:
		f.Until = s.now().UTC().Add(-s.syncLag)
	}
	return f, p
}

// next is the cursor after a page whose last row changed at (updatedAt, id).
func next(f Filter, more bool, updatedAt time.Time, id string) *SyncCursor {
	if !more {
		return nil
	}
	return &SyncCursor{Until: f.Until, UpdatedAt: updatedAt, ID: id}
}

// Awards lists a page of the awards the actor may see (grants managers and finance all,
// applicants their organisations'), in the sync order, and the sync's until (zero when the
// list is not a sync).
func (s *Service) Awards(ctx context.Context, actor auth.Actor, q ListQuery) ([]Award, *SyncCursor, time.Time, error) {
	f, p, err := s.awardQuery(actor, q)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	list, err := s.store.Awards(ctx, f, p)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	limit := SyncPage{Limit: q.Limit}.Fetch() - 1
	more := len(list) > limit
	if more {
		list = list[:limit]
	}
	var cur *SyncCursor
	if more {
		last := list[len(list)-1]
		cur = next(f, true, last.UpdatedAt, last.ID)
	}
	return list, cur, f.Until, nil
}

// EachAward streams every award the actor may see matching q, in the sync order, to fn
// (the CSV export: rows are written as they are read).
func (s *Service) EachAward(ctx context.Context, actor auth.Actor, q ListQuery, fn func(Award) error) (time.Time, error) {
	f, _, err := s.awardQuery(actor, q)
	if err != nil {
		return time.Time{}, err
	}
	return f.Until, s.store.EachAward(ctx, f, fn)
}

func (s *Service) awardQuery(actor auth.Actor, q ListQuery) (Filter, SyncPage, error) {
	if err := q.check(func(v string) bool { return Status(v).Valid() }); err != nil {
		return Filter{}, SyncPage{}, err
	}
	f, p := s.window(q)
	switch {
	case actor.Is(auth.RoleGrantsManager), actor.Is(auth.RoleFinance):
	case actor.Is(auth.RoleApplicant):
		f.MemberID = actor.UserID
	default:
		return Filter{}, SyncPage{}, ErrManagersOnly.Withf("awards are for grants managers, finance and the groups awarded")
	}
	return f, p, nil
}

// Payments lists a page of payments (grants managers and finance), in the sync order, and
// the sync's until.
func (s *Service) Payments(ctx context.Context, actor auth.Actor, q ListQuery) ([]Payment, *SyncCursor, time.Time, error) {
	f, p, err := s.paymentQuery(actor, q)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	list, err := s.store.PaymentsList(ctx, f, p)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	limit := SyncPage{Limit: q.Limit}.Fetch() - 1
	var cur *SyncCursor
	if len(list) > limit {
		list = list[:limit]
		last := list[len(list)-1]
		cur = next(f, true, last.UpdatedAt, last.ID)
	}
	return list, cur, f.Until, nil
}

// EachPayment streams every payment matching q to fn, in the sync order.
func (s *Service) EachPayment(ctx context.Context, actor auth.Actor, q ListQuery, fn func(Payment) error) (time.Time, error) {
	f, _, err := s.paymentQuery(actor, q)
	if err != nil {
		return time.Time{}, err
	}
	return f.Until, s.store.EachPayment(ctx, f, fn)
}

func (s *Service) paymentQuery(actor auth.Actor, q ListQuery) (Filter, SyncPage, error) {
	if !actor.Is(auth.RoleGrantsManager) && !actor.Is(auth.RoleFinance) {
		return Filter{}, SyncPage{}, ErrManagersOnly.Withf("payments are for grants managers and finance")
	}
	if err := q.check(func(v string) bool { return PaymentStatus(v).Valid() }); err != nil {
		return Filter{}, SyncPage{}, err
	}
	f, p := s.window(q)
	return f, p, nil
}
