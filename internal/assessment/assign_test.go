package assessment

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestPlanCases pins exact plans for small rounds, grouped by the outcome they show.
func TestPlanCases(t *testing.T) {
	type tc struct {
		name      string
		in        PlanInput
		wantAdd   []Pair
		wantShort map[string]int
	}
	c := func(app, user string) Pair { return Pair{ApplicationID: app, UserID: user} }
	set := func(ps ...Pair) map[Pair]bool {
		m := map[Pair]bool{}
		for _, p := range ps {
			m[p] = true
		}
		return m
	}
	groups := []struct {
		outcome string
		cases   []tc
	}{
		{"balanced fill", []tc{
			{
				name: "3 apps x 2 reviewers x panel of 3: every load 2",
				in:   PlanInput{Applications: []string{"a3", "a1", "a2"}, Panel: []string{"u3", "u2", "u1"}, PerApplication: 2},
				wantAdd: []Pair{c("a1", "u1"), c("a1", "u2"), c("a2", "u1"), c("a2", "u3"),
					c("a3", "u2"), c("a3", "u3")},
			},
			{
				name:    "ties go to the lower user id",
				in:      PlanInput{Applications: []string{"a1"}, Panel: []string{"u2", "u1", "u3"}, PerApplication: 1},
				wantAdd: []Pair{c("a1", "u1")},
			},
			{
				name: "duplicate ids in the input are ignored",
				in: PlanInput{Applications: []string{"a1", "a1", "a2"}, Panel: []string{"u1", "u2", "u1"},
					PerApplication: 1},
				wantAdd: []Pair{c("a1", "u1"), c("a2", "u2")},
			},
		}},
		{"conflicts steer the choice", []tc{
			{
				name:    "a conflict forces the other reviewer",
				in:      PlanInput{Applications: []string{"a1"}, Panel: []string{"u1", "u2"}, PerApplication: 1, Conflicts: set(c("a1", "u1"))},
				wantAdd: []Pair{c("a1", "u2")},
			},
			{
				name: "the most constrained application chooses first",
				// a2 can only have u1; were a1 filled first it would take u1 and leave
				// loads 2 and 0.
				in: PlanInput{Applications: []string{"a1", "a2"}, Panel: []string{"u1", "u2"}, PerApplication: 1,
					Conflicts: set(c("a2", "u2"))},
				wantAdd: []Pair{c("a1", "u2"), c("a2", "u1")},
			},
			{
				name: "a false conflict entry is no conflict",
				in: PlanInput{Applications: []string{"a1"}, Panel: []string{"u1", "u2"}, PerApplication: 1,
					Conflicts: map[Pair]bool{c("a1", "u1"): false}},
				wantAdd: []Pair{c("a1", "u1")},
			},
			{
				name: "the repair shifts a chain the greedy fill missed",
				// Greedy gives a1→u1, a2→u2, a3→u1 (loads 2,1,0); shifting a1 to u2 and
				// a2 to u3 evens them.
				in: PlanInput{Applications: []string{"a1", "a2", "a3"}, Panel: []string{"u1", "u2", "u3"},
					PerApplication: 1, Conflicts: set(c("a1", "u3"), c("a2", "u1"), c("a3", "u3"))},
				wantAdd: []Pair{c("a1", "u2"), c("a2", "u3"), c("a3", "u1")},
			},
		}},
		{"short of reviewers", []tc{
			{
				name:      "a panel smaller than PerApplication",
				in:        PlanInput{Applications: []string{"a1", "a2"}, Panel: []string{"u1", "u2"}, PerApplication: 3},
				wantAdd:   []Pair{c("a1", "u1"), c("a1", "u2"), c("a2", "u1"), c("a2", "u2")},
				wantShort: map[string]int{"a1": 1, "a2": 1},
			},
			{
				name: "conflicted with everyone",
				in: PlanInput{Applications: []string{"a1", "a2"}, Panel: []string{"u1", "u2"}, PerApplication: 2,
					Conflicts: set(c("a1", "u1"), c("a1", "u2"))},
				wantAdd:   []Pair{c("a2", "u1"), c("a2", "u2")},
				wantShort: map[string]int{"a1": 2},
			},
			{
				name:      "no panel at all",
				in:        PlanInput{Applications: []string{"a1"}, PerApplication: 2},
				wantShort: map[string]int{"a1": 2},
			},
			{
				name: "existing reviewers reduce the shortfall",
				in: PlanInput{Applications: []string{"a1"}, Panel: []string{"u1", "u2"}, PerApplication: 4,
					Existing: []Pair{c("a1", "gone"), c("a1", "u1")}},
				wantAdd:   []Pair{c("a1", "u2")},
				wantShort: map[string]int{"a1": 1},
			},
		}},
		{"re-runs only fill gaps", []tc{
			{
				name: "a started assignment stays and the gap goes to the lightest",
				in: PlanInput{Applications: []string{"a1", "a2"}, Panel: []string{"u1", "u2", "u3"}, PerApplication: 2,
					Existing: []Pair{c("a1", "u1")}, Started: set(c("a1", "u1"))},
				wantAdd: []Pair{c("a1", "u2"), c("a2", "u1"), c("a2", "u3")},
			},
			{
				name: "an imbalance in existing assignments is not undone",
				in: PlanInput{Applications: []string{"a1", "a2", "a3", "a4"}, Panel: []string{"u1", "u2"}, PerApplication: 1,
					Existing: []Pair{c("a1", "u1"), c("a2", "u1"), c("a3", "u1")}},
				wantAdd: []Pair{c("a4", "u2")},
			},
			{
				name: "a full round adds nothing",
				in: PlanInput{Applications: []string{"a1"}, Panel: []string{"u1", "u2"}, PerApplication: 1,
					Existing: []Pair{c("a1", "u2")}},
			},
			{
				name: "a reviewer who left the panel still counts for the application",
				in: PlanInput{Applications: []string{"a1", "a2"}, Panel: []string{"u1"}, PerApplication: 1,
					Existing: []Pair{c("a1", "gone")}, Started: set(c("a1", "gone"))},
				wantAdd: []Pair{c("a2", "u1")},
			},
			{
				name: "an existing assignment that is now conflicted is kept and counts",
				in: PlanInput{Applications: []string{"a1"}, Panel: []string{"u1", "u2"}, PerApplication: 1,
					Existing: []Pair{c("a1", "u1")}, Conflicts: set(c("a1", "u1"))},
			},
			{
				name: "a started pair missing from Existing still counts",
				in: PlanInput{Applications: []string{"a1"}, Panel: []string{"u1", "u2"}, PerApplication: 2,
					Started: set(c("a1", "u1"))},
				wantAdd: []Pair{c("a1", "u2")},
			},
			{
				name: "assignments to other applications are ignored",
				in: PlanInput{Applications: []string{"a1", "a2"}, Panel: []string{"u1", "u2"}, PerApplication: 1,
					Existing: []Pair{c("old", "u1"), c("old2", "u1")}},
				wantAdd: []Pair{c("a1", "u1"), c("a2", "u2")},
			},
		}},
		{"nothing to plan", []tc{
			{name: "no applications", in: PlanInput{Panel: []string{"u1"}, PerApplication: 2}},
			{name: "PerApplication 0", in: PlanInput{Applications: []string{"a1"}, Panel: []string{"u1"}}},
		}},
	}
	for _, g := range groups {
		t.Run(g.outcome, func(t *testing.T) {
			for _, tt := range g.cases {
				t.Run(tt.name, func(t *testing.T) {
					got := Plan(tt.in)
					if !slices.Equal(got.Add, tt.wantAdd) {
						t.Errorf("Add = %v, want %v", got.Add, tt.wantAdd)
					}
					if got.Short == nil {
						t.Errorf("Short is nil, want a map")
					}
					if !maps.Equal(got.Short, tt.wantShort) {
						t.Errorf("Short = %v, want %v", got.Short, tt.wantShort)
					}
					if msg, _ := planCheck(tt.in, got); msg != "" {
						t.Error(msg)
					}
				})
			}
		})
	}
}

// TestPlanProperties runs the planner over random rounds: random panels, conflicts,
// existing and started assignments, then a re-run after new conflicts, applications,
// panel changes and started assessments. Every plan must keep the rules (planCheck), be
// the same whatever the input order, and be idempotent.
func TestPlanProperties(t *testing.T) {
	const cases = 500
	var stats struct{ plans, repaired, short, unbalanced, freshChecked int }
	for seed := range uint64(cases) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		in, fresh := planGenerate(rng)
		label := fmt.Sprintf("seed %d", seed)

		first, spread := planProperty(t, label+" first run", rng, in, &stats.plans, &stats.repaired, &stats.short, &stats.unbalanced)
		if fresh && len(in.Conflicts) == 0 {
			// Without conflicts a fresh round can always be balanced: say so directly,
			// not only through the oracle.
			if spread > 1 {
				t.Errorf("%s: fresh round without conflicts has load spread %d", label, spread)
			}
			stats.freshChecked++
		}

		next := planRerun(rng, in, first)
		planProperty(t, label+" re-run", rng, next, &stats.plans, &stats.repaired, &stats.short, &stats.unbalanced)
		if t.Failed() {
			return // one failing seed is enough to debug, and keeps the log readable
		}
	}
	t.Logf("%d plans: %d needed the repair, %d had short applications, %d could not be balanced within one; %d fresh conflict-free rounds",
		stats.plans, stats.repaired, stats.short, stats.unbalanced, stats.freshChecked)
	// The generator must reach every interesting path, or the properties prove little.
	if stats.repaired == 0 || stats.short == 0 || stats.unbalanced == 0 || stats.freshChecked == 0 {
		t.Errorf("generator missed a path: %+v", stats)
	}
}

// planProperty plans in, checks the result, its independence from input order and map
// iteration order, and that re-planning with it applied adds nothing.
func planProperty(t *testing.T, label string, rng *rand.Rand, in PlanInput, plans, repaired, short, unbalanced *int) (PlanResult, int) {
	t.Helper()
	got, moves := planRun(in)
	*plans++
	if moves > 0 {
		*repaired++
	}
	if len(got.Short) > 0 {
		*short++
	}
	msg, spread := planCheck(in, got)
	if spread > 1 {
		*unbalanced++
	}
	if msg != "" {
		t.Errorf("%s: %s\ninput: %+v", label, msg, in)
		return got, spread
	}
	if again := Plan(planShuffled(rng, in)); !slices.Equal(again.Add, got.Add) || !maps.Equal(again.Short, got.Short) {
		t.Errorf("%s: not deterministic: %v then %v", label, got, again)
	}
	applied := in
	applied.Existing = append(slices.Clone(in.Existing), got.Add...)
	if again := Plan(applied); len(again.Add) != 0 || !maps.Equal(again.Short, got.Short) {
		t.Errorf("%s: not idempotent: a second run gave %v", label, again)
	}
	return got, spread
}

// planGenerate makes a random round: up to 12 panel members, 60 applications, 4
// reviewers per application, 30% conflicts; half the time with existing (some started,
// some now conflicted, some by former panel members or on other applications) and
// shuffled, duplicated ids.
func planGenerate(rng *rand.Rand) (in PlanInput, fresh bool) {
	nPanel, nApps := rng.IntN(13), rng.IntN(61)
	in.PerApplication = 1 + rng.IntN(4)
	for i := range nPanel {
		in.Panel = append(in.Panel, fmt.Sprintf("u%02d", i))
	}
	for i := range nApps {
		in.Applications = append(in.Applications, fmt.Sprintf("a%03d", i))
	}
	rate := rng.Float64() * 0.3
	if rng.IntN(4) == 0 {
		rate = 0
	}
	in.Conflicts = map[Pair]bool{}
	for _, a := range in.Applications {
		for _, u := range in.Panel {
			if rng.Float64() < rate {
				in.Conflicts[Pair{a, u}] = true
			}
		}
	}
	if rng.IntN(5) == 0 { // conflicts the planner must ignore
		in.Conflicts[Pair{"a000", "nobody"}] = true
		in.Conflicts[Pair{"elsewhere", "u00"}] = true
		in.Conflicts[Pair{"a001", "u01"}] = false
	}
	fresh = rng.IntN(2) == 0
	if !fresh {
		in.Started = map[Pair]bool{}
		holders := append(slices.Clone(in.Panel), "gone1", "gone2")
		for _, a := range in.Applications {
			k := rng.IntN(in.PerApplication + 2) // sometimes over PerApplication already
			for _, i := range rng.Perm(len(holders))[:min(k, len(holders))] {
				p := Pair{a, holders[i]}
				if in.Conflicts[p] && rng.IntN(3) > 0 {
					continue // mostly no conflicted assignments, but some declared afterwards
				}
				in.Existing = append(in.Existing, p)
				if rng.IntN(5) < 2 {
					in.Started[p] = true
				}
			}
		}
		in.Existing = append(in.Existing, Pair{"closed", "u00"}, Pair{"closed", "gone1"})
		if len(in.Existing) > 0 && rng.IntN(4) == 0 {
			in.Existing = append(in.Existing, in.Existing[0]) // a duplicate row
		}
		if len(in.Applications) > 0 && len(in.Panel) > 0 && rng.IntN(6) == 0 {
			in.Started[Pair{in.Applications[0], in.Panel[len(in.Panel)-1]}] = true // started, not listed
		}
	}
	in = planShuffled(rng, in)
	if len(in.Applications) > 0 && rng.IntN(6) == 0 {
		in.Applications = append(in.Applications, in.Applications[0])
	}
	if len(in.Panel) > 0 && rng.IntN(6) == 0 {
		in.Panel = append(in.Panel, in.Panel[0])
	}
	return in, fresh
}

// planRerun applies a plan and changes the round as time would: more assessments
// started, new conflicts (some on assigned pairs), new applications, panel members
// joining or leaving, sometimes a higher PerApplication.
func planRerun(rng *rand.Rand, in PlanInput, r PlanResult) PlanInput {
	next := PlanInput{
		Applications:   slices.Clone(in.Applications),
		Panel:          slices.Clone(in.Panel),
		PerApplication: in.PerApplication + rng.IntN(3)/2,
		Existing:       append(slices.Clone(in.Existing), r.Add...),
		Started:        maps.Clone(in.Started),
		Conflicts:      maps.Clone(in.Conflicts),
	}
	if next.Started == nil {
		next.Started = map[Pair]bool{}
	}
	if next.Conflicts == nil {
		next.Conflicts = map[Pair]bool{}
	}
	for _, p := range next.Existing {
		if rng.IntN(10) < 3 {
			next.Started[p] = true
		}
	}
	for range rng.IntN(11) {
		next.Applications = append(next.Applications, fmt.Sprintf("b%03d", rng.IntN(1000)))
	}
	if len(next.Panel) > 0 && rng.IntN(4) == 0 {
		next.Panel = slices.Delete(next.Panel, 0, 1)
	}
	for range rng.IntN(3) {
		next.Panel = append(next.Panel, fmt.Sprintf("v%02d", rng.IntN(100)))
	}
	if len(next.Panel) > 0 {
		for range rng.IntN(len(next.Applications) + 1) {
			a := next.Applications[rng.IntN(len(next.Applications))]
			next.Conflicts[Pair{a, next.Panel[rng.IntN(len(next.Panel))]}] = true
		}
	}
	return planShuffled(rng, next)
}

// planShuffled copies in with every list shuffled and every map rebuilt (a different
// iteration order), which must not change the plan.
func planShuffled(rng *rand.Rand, in PlanInput) PlanInput {
	out := in
	for _, s := range []*[]string{&out.Applications, &out.Panel} {
		*s = slices.Clone(*s)
		rng.Shuffle(len(*s), func(i, j int) { (*s)[i], (*s)[j] = (*s)[j], (*s)[i] })
	}
	out.Existing = slices.Clone(in.Existing)
	rng.Shuffle(len(out.Existing), func(i, j int) { out.Existing[i], out.Existing[j] = out.Existing[j], out.Existing[i] })
	if in.Started != nil {
		out.Started = maps.Clone(in.Started)
	}
	if in.Conflicts != nil {
		out.Conflicts = maps.Clone(in.Conflicts)
	}
	return out
}

// planModel is the round as the rules describe it, built naively (string maps, no
// indices) so that it checks the planner rather than repeats it.
type planModel struct {
	apps, panel     []string
	listed, onPanel map[string]bool
	existing        map[Pair]bool
	loads           map[string]int      // existing load of each panel member
	free            map[string][]string // panel members that may be added to each application
	arcs            [][2]int            // the same as flow nodes: 4+application, 4+apps+member
	want            map[string]int      // how many each application must get
	short           map[string]int
}

func planModelOf(in PlanInput) planModel {
	m := planModel{existing: map[Pair]bool{}, loads: map[string]int{}, free: map[string][]string{},
		want: map[string]int{}, short: map[string]int{}, listed: map[string]bool{}, onPanel: map[string]bool{}}
	onPanel, listed := m.onPanel, m.listed
	for _, u := range in.Panel {
		if !onPanel[u] {
			onPanel[u] = true
			m.panel = append(m.panel, u)
		}
	}
	for _, a := range in.Applications {
		if !listed[a] {
			listed[a] = true
			m.apps = append(m.apps, a)
		}
	}
	for _, p := range in.Existing {
		m.existing[p] = true
	}
	for p, ok := range in.Started {
		if ok {
			m.existing[p] = true
		}
	}
	count := map[string]int{}
	for p := range m.existing {
		if listed[p.ApplicationID] {
			count[p.ApplicationID]++
			if onPanel[p.UserID] {
				m.loads[p.UserID]++
			}
		}
	}
	if in.PerApplication < 1 {
		return m
	}
	for i, a := range m.apps {
		for j, u := range m.panel {
			if p := (Pair{a, u}); !m.existing[p] && !in.Conflicts[p] {
				m.free[a] = append(m.free[a], u)
				m.arcs = append(m.arcs, [2]int{4 + i, 4 + len(m.apps) + j})
			}
		}
		need := max(0, in.PerApplication-count[a])
		m.want[a] = min(need, len(m.free[a]))
		if need > m.want[a] {
			m.short[a] = need - m.want[a]
		}
	}
	return m
}

// planCheck returns what is wrong with r as a plan for in ("" when nothing): the rules,
// the exact counts and Short, and, against an exact max-flow oracle, that no valid plan
// has a lower largest load or a higher smallest load (so loads are within one whenever
// any valid plan's are). spread is the plan's largest panel load less its smallest (0
// when the rules already fail or there is no panel).
func planCheck(in PlanInput, r PlanResult) (msg string, spread int) {
	m := planModelOf(in)
	var bad []string
	added := map[Pair]bool{}
	perApp := map[string]int{}
	loads := maps.Clone(m.loads)
	for i, p := range r.Add {
		switch {
		case i > 0 && !(r.Add[i-1].ApplicationID < p.ApplicationID ||
			r.Add[i-1].ApplicationID == p.ApplicationID && r.Add[i-1].UserID < p.UserID):
			bad = append(bad, fmt.Sprintf("Add not sorted or duplicated at %v", p))
		case added[p]:
			bad = append(bad, fmt.Sprintf("%v added twice", p))
		case m.existing[p]:
			bad = append(bad, fmt.Sprintf("%v already exists (started: %v)", p, in.Started[p]))
		case in.Conflicts[p]:
			bad = append(bad, fmt.Sprintf("%v is conflicted", p))
		case !m.listed[p.ApplicationID] || !m.onPanel[p.UserID]:
			bad = append(bad, fmt.Sprintf("%v is not a listed application and panel member", p))
		}
		added[p] = true
		perApp[p.ApplicationID]++
		loads[p.UserID]++
	}
	for _, a := range m.apps {
		if perApp[a] != m.want[a] {
			bad = append(bad, fmt.Sprintf("%s got %d reviewers, want %d", a, perApp[a], m.want[a]))
		}
	}
	if r.Short == nil || !maps.Equal(r.Short, m.short) {
		bad = append(bad, fmt.Sprintf("Short = %v, want %v", r.Short, m.short))
	}
	if len(bad) > 0 || len(m.panel) == 0 {
		return strings.Join(bad, "; "), 0
	}

	lo, hi, total := loads[m.panel[0]], loads[m.panel[0]], 0
	for _, u := range m.panel {
		lo, hi, total = min(lo, loads[u]), max(hi, loads[u]), total+loads[u]
	}
	if m.feasible(0, hi-1) {
		bad = append(bad, fmt.Sprintf("largest load %d, but a valid plan keeps every load below it", hi))
	}
	if m.feasible(lo+1, total) {
		bad = append(bad, fmt.Sprintf("smallest load %d, but a valid plan lifts every load above it", lo))
	}
	q := total / len(m.panel)
	if balanced := m.feasible(q, q+1); balanced != (hi-lo <= 1) {
		bad = append(bad, fmt.Sprintf("loads %d..%d, but the oracle says within-one is feasible: %v", lo, hi, balanced))
	}
	return strings.Join(bad, "; "), hi - lo
}

// feasible reports whether some valid plan (each application getting exactly want[a]
// free panel members) leaves every panel load within [lo, hi]. It is a max-flow with
// lower bounds: source→application exactly want[a], application→member 1 when free,
// member→sink between lo and hi less the member's existing load.
func (m planModel) feasible(lo, hi int) bool {
	const s, t, S, T = 0, 1, 2, 3 // source, sink, and the lower-bound reduction's pair
	f := newPlanFlow(4 + len(m.apps) + len(m.panel))
	demand := 0
	lower := func(from, to, l, h int) { // an edge carrying between l and h
		f.edge(from, to, h-l)
		f.edge(S, to, l)
		f.edge(from, T, l)
		demand += l
	}
	for i, a := range m.apps {
		lower(s, 4+i, m.want[a], m.want[a])
	}
	for _, arc := range m.arcs {
		f.edge(arc[0], arc[1], 1)
	}
	for i, u := range m.panel {
		l, h := max(0, lo-m.loads[u]), hi-m.loads[u]
		if h < l {
			return false
		}
		lower(4+len(m.apps)+i, t, l, h)
	}
	f.edge(t, s, 1<<30)
	return f.max(S, T) == demand
}

// planFlow is a small Dinic max-flow, the test's exact oracle.
type planFlow struct {
	g     [][]planEdge
	level []int
	next  []int
}

type planEdge struct{ to, rev, cap int }

func newPlanFlow(n int) *planFlow {
	return &planFlow{g: make([][]planEdge, n), level: make([]int, n), next: make([]int, n)}
}

func (f *planFlow) edge(u, v, c int) {
	if c <= 0 {
		return
	}
	f.g[u] = append(f.g[u], planEdge{v, len(f.g[v]), c})
	f.g[v] = append(f.g[v], planEdge{u, len(f.g[u]) - 1, 0})
}

func (f *planFlow) max(s, t int) int {
	flow := 0
	for {
		for i := range f.level {
			f.level[i] = -1
		}
		f.level[s] = 0
		queue := []int{s}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, e := range f.g[u] {
				if e.cap > 0 && f.level[e.to] < 0 {
					f.level[e.to] = f.level[u] + 1
					queue = append(queue, e.to)
				}
			}
		}
		if f.level[t] < 0 {
			return flow
		}
		clear(f.next)
		for {
			pushed := f.push(s, t, 1<<30)
			if pushed == 0 {
				break
			}
			flow += pushed
		}
	}
}

func (f *planFlow) push(u, t, limit int) int {
	if u == t {
		return limit
	}
	for ; f.next[u] < len(f.g[u]); f.next[u]++ {
		e := &f.g[u][f.next[u]]
		if e.cap > 0 && f.level[e.to] == f.level[u]+1 {
			if d := f.push(e.to, t, min(limit, e.cap)); d > 0 {
				e.cap -= d
				f.g[e.to][e.rev].cap += d
				return d
			}
		}
	}
	return 0
}

// planBenchInput is a large round: 5,000 applications, a panel of 30, 3 reviewers each,
// 5% conflicts.
func planBenchInput() PlanInput {
	rng := rand.New(rand.NewPCG(7, 7))
	in := PlanInput{PerApplication: 3, Conflicts: map[Pair]bool{}}
	for i := range 30 {
		in.Panel = append(in.Panel, fmt.Sprintf("user-%02d", i))
	}
	for i := range 5000 {
		a := fmt.Sprintf("app-%05d", i)
		in.Applications = append(in.Applications, a)
		for _, u := range in.Panel {
			if rng.IntN(100) < 5 {
				in.Conflicts[Pair{a, u}] = true
			}
		}
	}
	return in
}

// TestPlanLarge checks the benchmark's round against every rule and the oracle, and that
// a re-run after it adds nothing.
func TestPlanLarge(t *testing.T) {
	in := planBenchInput()
	got := Plan(in)
	if len(got.Add) != 15000 || len(got.Short) != 0 {
		t.Fatalf("got %d pairs and %d short, want 15000 and 0", len(got.Add), len(got.Short))
	}
	msg, spread := planCheck(in, got)
	if msg != "" {
		t.Fatal(msg)
	}
	if spread > 1 {
		t.Errorf("load spread %d", spread)
	}
	in.Existing = got.Add
	if again := Plan(in); len(again.Add) != 0 {
		t.Errorf("re-run added %d", len(again.Add))
	}
}

// BenchmarkPlan times the planner on planBenchInput and reports how many repair chains
// it shifted.
func BenchmarkPlan(b *testing.B) {
	in := planBenchInput()
	moves := 0
	for b.Loop() {
		_, moves = planRun(in)
	}
	b.ReportMetric(float64(moves), "chains/op")
}

// BenchmarkPlanRerun times a re-run on a large round that changed: planBenchInput's plan
// is applied, ten panel members join, reviewers_per_application goes from 3 to 4 and 15%
// more conflicts are declared, so the run adds 5,000 pairs on top of uneven loads.
func BenchmarkPlanRerun(b *testing.B) {
	in := planBenchInput()
	in.Existing = Plan(in).Add
	rng := rand.New(rand.NewPCG(8, 8))
	for i := range 10 {
		in.Panel = append(in.Panel, fmt.Sprintf("user-%02d", 30+i))
	}
	for _, a := range in.Applications {
		for _, u := range in.Panel {
			if rng.IntN(100) < 15 {
				in.Conflicts[Pair{a, u}] = true
			}
		}
	}
	in.PerApplication = 4
	moves := 0
	for b.Loop() {
		_, moves = planRun(in)
	}
	b.ReportMetric(float64(moves), "chains/op")
}
