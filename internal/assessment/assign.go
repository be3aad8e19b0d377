package assessment

import (
	"cmp"
	"slices"
)

// Pair is one reviewer on one application.
type Pair struct{ ApplicationID, UserID string }

// PlanInput is everything the automatic-assignment planner looks at: a snapshot of one
// round, read inside the transaction that will carry the plan out. The planner itself
// touches no database, which keeps it deterministic and testable by property.
type PlanInput struct {
	// Applications are the round's applications under assessment: only these get
	// reviewers. Order and duplicates do not matter.
	Applications []string
	// Panel are the round's panel members (user ids): only they can be assigned. Order and
	// duplicates do not matter.
	Panel []string
	// PerApplication is the round's reviewers_per_application; below 1 nothing is planned.
	PerApplication int
	// Existing are the assignments already in the round. They are all kept as they are.
	// Each one on a listed application counts towards that application's PerApplication,
	// whoever holds it (a reviewer who left the panel but submitted still did the work);
	// only those held by panel members count towards reviewer loads.
	Existing []Pair
	// Started are the existing assignments whose assessment has begun (draft or
	// submitted). The planner never moves or removes any assignment, so this only
	// reinforces that rule; a started pair missing from Existing is treated as existing,
	// since an assessment implies its assignment.
	Started map[Pair]bool
	// Conflicts are the declared conflicts: such a pair is never added. A conflict
	// declared after the assignment was made does not remove it here (that is the
	// conflict-declaration flow's job); the assignment still counts as existing.
	Conflicts map[Pair]bool
}

// PlanResult is what the planner decided. It never removes or moves an existing
// assignment, so there is nothing to delete: a re-run only fills gaps.
type PlanResult struct {
	// Add are the new assignments to create, sorted by application id then user id.
	Add []Pair
	// Short maps each application that cannot reach PerApplication (too few panel members
	// who are neither conflicted nor already on it) to how many reviewers it still lacks
	// after Add. It is never nil, so it encodes as {} when every application is full.
	Short map[string]int
}

// Plan decides which panel members to add to which applications so that each listed
// application has PerApplication reviewers.
//
// Guarantees, for every input:
//   - Existing assignments are all kept (started ones included), and nothing is removed:
//     a re-run only fills gaps.
//   - No conflicted pair, no pair already existing and no duplicate is added, and no
//     application is taken above PerApplication (existing assignments count).
//   - Each application gets exactly as many new reviewers as it lacks (PerApplication
//     less its existing assignments, at least 0), or all its eligible panel members
//     (neither conflicted with it nor already on it) when there are fewer; Short says,
//     exactly, by how much each application then still falls short.
//   - Loads (a panel member's assignments on the listed applications, existing kept plus
//     added) are as balanced as any plan with the guarantees above can make them: the
//     largest load is as small, and the smallest load as large, as possible. So on a fresh
//     round the loads differ by at most one whenever some valid plan achieves that (always,
//     without conflicts); on a re-run they do whenever that is possible without moving an
//     existing assignment.
//   - The result is deterministic: it depends neither on input order nor on map
//     iteration order.
//
// How: applications are filled most-constrained first (fewest eligible panel members,
// then application id), each with its least-loaded eligible panel members (ties by user
// id), which is usually balanced already. A repair step then shifts pairs added in this
// run along chains (a→b on one application, b→c on another, …) from a heavier reviewer to
// one at least two assignments lighter, until no such chain remains. Each shift lowers
// the sum of squared loads, so it stops; and a plan with no such chain minimises that
// sum, which for assignment problems of this shape (the achievable load vectors form an
// M-convex set) also minimises the largest load and maximises the smallest.
func Plan(in PlanInput) PlanResult {
	out, _ := planRun(in)
	return out
}

// planState is the planner's working copy of a round, with applications and panel
// members replaced by their index in sorted order, so that every loop runs in id order
// (determinism) and membership tests avoid hashing strings.
type planState struct {
	apps  []string // sorted, unique application ids
	users []string // sorted, unique panel member ids
	// blocked[a] is the sorted panel members that may not be added to application a:
	// conflicted with it or already on it.
	blocked [][]int32
	// added[a] is the panel members added to application a in this run; byUser[u] is the
	// applications added to panel member u, the same pairs seen from the other side.
	added  [][]int32
	byUser [][]int32
	load   []int // per panel member: existing kept plus added
}

// planRun is Plan that also reports how many repair chains it applied, so that tests can
// check the repair is exercised and the benchmark can see its cost.
func planRun(in PlanInput) (PlanResult, int) {
	out := PlanResult{Short: map[string]int{}}
	s := planState{apps: planSortedUnique(in.Applications), users: planSortedUnique(in.Panel)}
	if in.PerApplication < 1 || len(s.apps) == 0 {
		return out, 0
	}
	appIdx := planIndex(s.apps)
	userIdx := planIndex(s.users)
	nA, nU := len(s.apps), len(s.users)
	s.load = make([]int, nU)
	count := make([]int, nA) // existing assignments per application, whoever holds them

	// Blocked pairs are gathered as one list of application<<32|member keys and cut into
	// per-application runs after one sort: a few allocations instead of one per
	// application, and sorted, duplicate-free runs whatever the map iteration order.
	var keys []uint64
	seen := make(map[Pair]bool, len(in.Existing)+len(in.Started))
	exist := func(p Pair) {
		if seen[p] {
			return
		}
		seen[p] = true
		a, ok := appIdx[p.ApplicationID]
		if !ok {
			return // not under assessment in this round: left alone
		}
		count[a]++
		if u, ok := userIdx[p.UserID]; ok {
			s.load[u]++
			keys = append(keys, uint64(a)<<32|uint64(u))
		}
	}
	for _, p := range in.Existing {
		exist(p)
	}
	for p, started := range in.Started { // order-free: only counts and the key set change
		if started {
			exist(p)
		}
	}
	for p, c := range in.Conflicts { // order-free: the keys are sorted below
		if !c {
			continue
		}
		if a, ok := appIdx[p.ApplicationID]; ok {
			if u, ok := userIdx[p.UserID]; ok {
				keys = append(keys, uint64(a)<<32|uint64(u))
			}
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	members := make([]int32, len(keys))
	s.blocked = make([][]int32, nA)
	for i, start := 0, 0; i < len(keys); i++ {
		members[i] = int32(keys[i] & 0xffffffff)
		if i+1 == len(keys) || keys[i+1]>>32 != keys[i]>>32 {
			s.blocked[keys[i]>>32] = members[start : i+1 : i+1]
			start = i + 1
		}
	}

	// Most constrained first: an application with few eligible reviewers must take them,
	// so it goes before the flexible ones spend those reviewers' spare capacity. Eligibility
	// does not change as reviewers are added elsewhere (loads are uncapped), so a static
	// order is the same as re-picking the most constrained each time.
	order := make([]int32, 0, nA)
	for a := range nA {
		if count[a] < in.PerApplication {
			order = append(order, int32(a))
		}
	}
	slices.SortFunc(order, func(x, y int32) int {
		return cmp.Or(cmp.Compare(len(s.blocked[y]), len(s.blocked[x])), cmp.Compare(x, y))
	})
	// Each application's added list is cut from one arena at its final size (repair
	// shifts replace entries, never append), and each member's list starts at the mean.
	needs, total := make([]int, nA), 0
	for _, a := range order {
		need := in.PerApplication - count[a]
		if eligible := nU - len(s.blocked[a]); eligible < need {
			out.Short[s.apps[a]] = need - eligible
			need = eligible
		}
		needs[a], total = need, total+need
	}
	arena := make([]int32, total)
	s.added = make([][]int32, nA)
	s.byUser = make([][]int32, nU)
	for u := range s.byUser {
		s.byUser[u] = make([]int32, 0, total/max(nU, 1)+1)
	}
	var pick []int32
	for _, a := range order {
		s.added[a], arena = arena[:0:needs[a]], arena[needs[a]:]
		pick = s.assignLeastLoaded(a, needs[a], pick[:0])
		for _, u := range pick {
			s.addPair(a, u)
		}
	}

	moves := s.assignRepair()

	if total > 0 {
		out.Add = make([]Pair, 0, total)
	}
	for a := range nA {
		slices.Sort(s.added[a])
		for _, u := range s.added[a] {
			out.Add = append(out.Add, Pair{ApplicationID: s.apps[a], UserID: s.users[u]})
		}
	}
	return out, moves
}

// assignLeastLoaded appends to buf the k least-loaded panel members not blocked on
// application a, lightest first and, among equals, lowest user id first. It keeps a
// small sorted buffer instead of sorting the whole panel, since k is tiny next to it.
func (s *planState) assignLeastLoaded(a int32, k int, buf []int32) []int32 {
	if k <= 0 {
		return buf
	}
	blocked := s.blocked[a]
	for u := range int32(len(s.users)) {
		if len(blocked) > 0 && blocked[0] == u { // both ascend, so a merge walk suffices
			blocked = blocked[1:]
			continue
		}
		if len(buf) == k && s.load[u] >= s.load[buf[k-1]] {
			continue // strict: an equal load loses to the lower user id already kept
		}
		at := len(buf)
		for at > 0 && s.load[buf[at-1]] > s.load[u] {
			at--
		}
		if len(buf) < k {
			buf = append(buf, 0)
		}
		copy(buf[at+1:], buf[at:len(buf)-1])
		buf[at] = u
	}
	return buf
}

// addPair records a new pair in both directions and in the reviewer's load.
func (s *planState) addPair(a, u int32) {
	s.added[a] = append(s.added[a], u)
	s.byUser[u] = append(s.byUser[u], a)
	s.load[u]++
}

// assignFree reports whether panel member w may be added to application a now: not
// conflicted, not an existing reviewer of it, not already added to it.
func (s *planState) assignFree(a, w int32) bool {
	if _, found := slices.BinarySearch(s.blocked[a], w); found {
		return false
	}
	return !slices.Contains(s.added[a], w) // at most PerApplication entries
}

// assignRepair rebalances by shifting pairs added in this run along chains, and returns
// how many chains it shifted. A chain from u to v is u=r₀ →a₁→ r₁ →a₂→ … → rₖ=v where
// rᵢ₋₁ holds an added pair on aᵢ and rᵢ is free on aᵢ; shifting every step moves one
// assignment's worth of load from u to v and leaves everyone between unchanged. It is
// worth doing when load(v) ≤ load(u)−2. Chains are searched breadth-first from the
// heaviest level down, so shifts come from the most loaded reviewers first. Only pairs
// added in this run are ever shifted: existing assignments stay put. One search costs
// about (pairs added) × (panel size) steps; the greedy fill leaves few or no chains to
// shift (none on the 5,000-application benchmark), so this stays cheap in practice.
func (s *planState) assignRepair() int {
	nU := len(s.users)
	if nU < 2 {
		return 0
	}
	from := make([]int32, nU) // the reviewer the chain reached this one from (-1: a start)
	via := make([]int32, nU)  // the application shifted on that step
	visited := make([]bool, nU)
	queue := make([]int32, 0, nU)
	moves := 0
	for {
		lo, hi := slices.Min(s.load), slices.Max(s.load)
		shifted := false
		for level := hi; level >= lo+2 && !shifted; level-- {
			clear(visited)
			queue = queue[:0]
			for u := range int32(nU) {
				if s.load[u] == level {
					visited[u], from[u] = true, -1
					queue = append(queue, u)
				}
			}
			seen := len(queue)
			best := int32(-1)
		search:
			for head := 0; head < len(queue); head++ {
				u := queue[head]
				for _, a := range s.byUser[u] {
					for w := range int32(nU) {
						if visited[w] || !s.assignFree(a, w) {
							continue
						}
						visited[w], from[w], via[w] = true, u, a
						queue = append(queue, w)
						seen++
						if s.load[w] <= level-2 && (best < 0 || s.load[w] < s.load[best]) {
							best = w
							if s.load[w] == lo {
								break search // nobody is lighter: no better end exists
							}
						}
						if seen == nU {
							break search
						}
					}
				}
			}
			if best >= 0 {
				s.assignShift(best, from, via)
				moves++
				shifted = true
			}
		}
		if !shifted {
			return moves
		}
	}
}

// assignShift applies the chain ending at v recorded in from/via: each step moves the
// pair on via[w] from from[w] to w. The steps touch distinct pairs (a step's target was
// free on its application when found, and a chain visits each reviewer once), so their
// order does not matter.
func (s *planState) assignShift(v int32, from, via []int32) {
	s.load[v]++
	w := v
	for from[w] >= 0 {
		u, a := from[w], via[w]
		s.added[a][slices.Index(s.added[a], u)] = w
		i := slices.Index(s.byUser[u], a)
		s.byUser[u] = slices.Delete(s.byUser[u], i, i+1)
		s.byUser[w] = append(s.byUser[w], a)
		w = u
	}
	s.load[w]--
}

// planSortedUnique returns the ids sorted and without duplicates, leaving the caller's
// slice alone.
func planSortedUnique(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// planIndex maps each id to its position.
func planIndex(ids []string) map[string]int32 {
	m := make(map[string]int32, len(ids))
	for i, id := range ids {
		m[id] = int32(i)
	}
	return m
}
