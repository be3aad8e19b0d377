package application

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"time"

	"constellate/internal/auth"
	"constellate/internal/errs"
)

// The kinds of Change.
const (
	ChangeAdded   = "added"   // answered in the later revision, not in the earlier
	ChangeRemoved = "removed" // answered in the earlier revision, not in the later
	ChangeChanged = "changed" // a different value
)

// Change is one field that differs between two revisions: title, summary,
// requested_amount or answers.<question id>, with its value before and after (nil where
// there was none).
type Change struct {
	Field  string
	Kind   string
	Before any
	After  any
}

// RevisionDiff is what changed from revision Against (Number − 1) to revision Number, with
// what the group said when it submitted Number (Response) and the funder's request it
// answered (RequestMessage).
type RevisionDiff struct {
	ApplicationID  string
	Number         int
	Against        int
	SubmittedAt    time.Time
	Response       string
	RequestMessage string
	// Changes lists only what differs: title, summary, requested_amount, then the answers
	// in the round's question order (answers to questions it no longer asks last).
	Changes []Change
}

// Diff compares revision n of an application with revision n − 1, field by field, for
// whoever may read its revisions (its group, grants managers, panel members assigned to
// it). Revision 1 has nothing before it, and a revision the application does not have is
// not found (ErrRevisionNotFound).
func (s *Service) Diff(ctx context.Context, actor auth.Actor, id string, n int) (RevisionDiff, error) {
	a, err := s.load(ctx, actor, id, false, CanRead)
	if err != nil {
		return RevisionDiff{}, err
	}
	if n == 1 {
		return RevisionDiff{}, ErrRevisionNotFound.Withf("revision 1 is the first submission: there is no earlier one to compare it with")
	}
	after, err := s.store.Revision(ctx, a.ID, n)
	if errs.CodeOf(err) == errs.NotFound || n < 1 {
		return RevisionDiff{}, ErrRevisionNotFound.Withf("this application has no revision %d (it has %d)", n, a.Revision)
	}
	if err != nil {
		return RevisionDiff{}, err
	}
	before, err := s.store.Revision(ctx, a.ID, n-1)
	if err != nil {
		return RevisionDiff{}, err
	}
	r, err := s.round(ctx, a.RoundID)
	if err != nil {
		return RevisionDiff{}, err
	}
	order := make([]string, 0, len(r.Questions()))
	for _, q := range r.Questions() {
		order = append(order, q.ID)
	}
	return DiffRevisions(before, after, order), nil
}

// DiffRevisions lists what differs from before to after; answers come in the order of
// questions (question ids), then any others by id.
func DiffRevisions(before, after Revision, questions []string) RevisionDiff {
	d := RevisionDiff{ApplicationID: after.ApplicationID, Number: after.Number, Against: before.Number,
		SubmittedAt: after.SubmittedAt, Response: after.Response, RequestMessage: after.RequestMessage, Changes: []Change{}}
	field := func(name string, b, a any) {
		if !reflect.DeepEqual(b, a) {
			d.Changes = append(d.Changes, Change{Field: name, Kind: ChangeChanged, Before: b, After: a})
		}
	}
	field("title", before.Title, after.Title)
	field("summary", before.Summary, after.Summary)
	field("requested_amount", before.RequestedAmount, after.RequestedAmount)
	keys := slices.Clone(questions)
	known := map[string]bool{}
	for _, k := range questions {
		known[k] = true
	}
	var rest []string
	for k := range maps.Keys(before.Answers) {
		if !known[k] {
			known[k] = true
			rest = append(rest, k)
		}
	}
	for k := range maps.Keys(after.Answers) {
		if !known[k] {
			known[k] = true
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range append(keys, rest...) {
		b, had := before.Answers[k]
		a, has := after.Answers[k]
		switch {
		case !had && has:
			d.Changes = append(d.Changes, Change{Field: "answers." + k, Kind: ChangeAdded, After: a})
		case had && !has:
			d.Changes = append(d.Changes, Change{Field: "answers." + k, Kind: ChangeRemoved, Before: b})
		case had && has && !reflect.DeepEqual(b, a):
			d.Changes = append(d.Changes, Change{Field: "answers." + k, Kind: ChangeChanged, Before: b, After: a})
		}
	}
	return d
}
