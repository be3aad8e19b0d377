package apitest

import "sync"

// Tally counts what matrix runs asserted.
type Tally struct {
	mu     sync.Mutex
	Routes map[string]bool // route-table entries driven
	Actors map[Actor]bool  // columns driven
	Pairs  map[string]bool // distinct route × actor pairs driven ("GET /v1/me as owner")
	Cells  int             // requests sent, one per row × actor
	// Refused are the cells expected to be refused (not 2xx); Unexpected2xx those of them
	// that got a 2xx, and WrongStatus every cell whose status was not exactly the expected one.
	Refused, Unexpected2xx, WrongStatus int
	// CanaryChecks counts (cell, canary) pairs looked for; Leaks those found where they may not be.
	CanaryChecks, Leaks int
	// RefusedWrites are refused cells of a write method whose database state was compared
	// before and after; RefusedWritesChanged those where it differed.
	RefusedWrites, RefusedWritesChanged int
	// SnapshotChanged counts matrices whose Snapshot differed across the refused phase.
	SnapshotChanged int
}

func newTally() *Tally {
	return &Tally{Routes: map[string]bool{}, Actors: map[Actor]bool{}, Pairs: map[string]bool{}}
}

// Add folds o into a tally (nil: a new one) and returns it.
func (tl *Tally) Add(o *Tally) *Tally {
	if tl == nil {
		tl = newTally()
	}
	if o == nil {
		return tl
	}
	for r := range o.Routes {
		tl.Routes[r] = true
	}
	for a := range o.Actors {
		tl.Actors[a] = true
	}
	for p := range o.Pairs {
		tl.Pairs[p] = true
	}
	tl.Cells += o.Cells
	tl.Refused += o.Refused
	tl.Unexpected2xx += o.Unexpected2xx
	tl.WrongStatus += o.WrongStatus
	tl.CanaryChecks += o.CanaryChecks
	tl.Leaks += o.Leaks
	tl.RefusedWrites += o.RefusedWrites
	tl.RefusedWritesChanged += o.RefusedWritesChanged
	tl.SnapshotChanged += o.SnapshotChanged
	return tl
}

func (tl *Tally) count(fn func(*Tally)) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	fn(tl)
}
