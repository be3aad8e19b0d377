// Package change is the vocabulary of the one update path. A store's Update method (for
// example round.Store.UpdateRound) loads a row under a lock, compares the caller's If-Match
// with its version, runs the use case's rule on it, and — when the rule changed something —
// bumps the version, stamps the time and writes it: the rule is all a service states.
// internal/store implements the path once (store.update); the domain packages name it in
// their Store interfaces with these types.
package change

import (
	"errors"
	"time"
)

// Guard is how one change is made: the version the caller last read (If-Match; nil: no
// precondition — the row is still locked, so no update is lost) and the time the change is
// stamped with (the service's clock).
type Guard struct {
	IfMatch *int64
	At      time.Time
}

// Unchanged is what a rule returns when it changed nothing: the row is not written, its
// version stays, and Update returns the row as loaded with a nil error.
var Unchanged = errors.New("change: nothing changed")

// Matches reports whether version satisfies the guard's If-Match.
func (g Guard) Matches(version int64) bool { return g.IfMatch == nil || *g.IfMatch == version }
