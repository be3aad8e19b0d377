package data

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// Anchor is the generated history's "now": every past event is before it, and the open
// rounds close years after it, so a loaded database stays valid whenever it is used.
var Anchor = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// openRoundsClose is when the open rounds close.
var openRoundsClose = time.Date(2031, 1, 1, 17, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// Roles of users.
const (
	roleApplicant = "applicant"
	rolePanel     = "panel_member"
	roleManager   = "grants_manager"
	roleFinance   = "finance"
)

type user struct {
	id, email, name, role string
	created               time.Time
}

type org struct {
	id      string
	owner   int // user index
	members []int
	created time.Time
}

type rnd struct {
	id, prefix, name, status string
	programme, template      int
	opens, closes            time.Time
	created, updated         time.Time
	panel                    []int // user indexes
	apps                     []int // application indexes
	ranking                  bool
	budget                   int64
}

type app struct {
	id, status       string
	round, org, by   int // by: the user who started it
	ref              int // reference number, 0 before submission
	started, updated time.Time
	submitted        time.Time // zero for drafts
	amount           int64
	seed             uint64
	assessed         bool
}

type assessmentRec struct {
	id            string
	app, reviewer int
	submitted     bool
	created, at   time.Time
	seed          uint64
}

type awardRec struct {
	id, status      string
	app             int
	amount          int64
	offered, update time.Time
	accepted        time.Time
}

type model struct {
	size       Size
	seed       uint64
	rng        *rand.Rand
	users      []user
	applicants []int
	panel      []int
	managers   []int
	finance    []int
	orgs       []org
	programmes []string
	progTimes  []time.Time
	rounds     []rnd
	apps       []app
	assess     []assessmentRec
	conflicts  [][3]int // round, app, user
	awards     []awardRec
	decidedAt  map[int]time.Time // round → when decisions were published
}

// newID is a UUIDv7 for an entity created at t, its random bits from the seeded stream.
func (m *model) newID(t time.Time) string { return uuid7(t, m.rng) }

func uuid7(t time.Time, r *rand.Rand) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	binary.BigEndian.PutUint16(b[6:], uint16(r.Uint32()))
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// between is a time uniformly in [a, b).
func between(r *rand.Rand, a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(r.Int64N(int64(b.Sub(a)))))
}

// build makes the whole model from the size and seed.
func build(size Size, seed uint64) *model {
	m := &model{size: size, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x636f6e7374656c6c)), decidedAt: map[int]time.Time{}}
	m.people()
	m.programmesAndRounds()
	m.applications()
	m.assessments()
	m.decisions()
	return m
}

func (m *model) addUser(role, email, name string, created time.Time) int {
	m.users = append(m.users, user{id: m.newID(created), email: email, name: name, role: role, created: created})
	return len(m.users) - 1
}

func (m *model) people() {
	r, s := m.rng, m.size
	early := Anchor.AddDate(-7, 0, 0)
	for i := 0; i < s.Managers; i++ {
		m.managers = append(m.managers, m.addUser(roleManager, fmt.Sprintf("manager%03d@bench.example.org", i),
			pick(r, firstNames)+" "+pick(r, lastNames), early.Add(time.Duration(i)*time.Hour)))
	}
	for i := 0; i < s.Finance; i++ {
		m.finance = append(m.finance, m.addUser(roleFinance, fmt.Sprintf("finance%03d@bench.example.org", i),
			pick(r, firstNames)+" "+pick(r, lastNames), early.Add(time.Duration(i)*time.Hour+30*time.Minute)))
	}
	for i := 0; i < s.PanelMembers; i++ {
		m.panel = append(m.panel, m.addUser(rolePanel, fmt.Sprintf("panel%04d@bench.example.org", i),
			pick(r, firstNames)+" "+pick(r, lastNames), between(r, early, early.Add(30*day))))
	}
	// Organisations, each created by its owner, before the first round opened.
	created := make([]time.Time, s.Organisations)
	for i := range created {
		created[i] = between(r, early.Add(30*day), Anchor.AddDate(-6, -3, 0))
	}
	sort.Slice(created, func(a, b int) bool { return created[a].Before(created[b]) })
	for i := 0; i < s.Organisations; i++ {
		owner := m.addUser(roleApplicant, fmt.Sprintf("owner%06d@bench.example.org", i), pick(r, firstNames)+" "+pick(r, lastNames), created[i])
		m.applicants = append(m.applicants, owner)
		m.orgs = append(m.orgs, org{id: m.newID(created[i].Add(time.Minute)), owner: owner, created: created[i].Add(time.Minute)})
	}
	for i := 0; i < s.ExtraMembers; i++ {
		o := &m.orgs[r.IntN(len(m.orgs))]
		u := m.addUser(roleApplicant, fmt.Sprintf("member%06d@bench.example.org", i), pick(r, firstNames)+" "+pick(r, lastNames),
			between(r, o.created, o.created.Add(30*day)))
		m.applicants = append(m.applicants, u)
		o.members = append(o.members, u)
	}
}

// statusGroup is one block of rounds in a status, with when they closed.
type statusGroup struct {
	status         string
	g              Group
	closeA, closeB time.Time // closes_at window
}

func (m *model) programmesAndRounds() {
	r, s := m.rng, m.size
	for i := 0; i < s.Programmes; i++ {
		t := Anchor.AddDate(-7, 0, i)
		m.programmes = append(m.programmes, m.newID(t))
		m.progTimes = append(m.progTimes, t)
	}
	groups := []statusGroup{
		{"archived", s.Archived, Anchor.AddDate(-6, 0, 0), Anchor.AddDate(-4, 0, 0)},
		{"decided", s.Decided, Anchor.AddDate(-4, 0, 0), Anchor.AddDate(0, 0, -75)},
		{"assessment", s.Assessment, Anchor.AddDate(0, 0, -60), Anchor.AddDate(0, 0, -20)},
		{"closed", s.Closed, Anchor.AddDate(0, 0, -20), Anchor.AddDate(0, 0, -1)},
		{"open", s.Open, openRoundsClose, openRoundsClose},
		{"draft", s.Draft, Anchor.AddDate(0, 3, 0), Anchor.AddDate(0, 6, 0)},
	}
	n := 0
	for _, g := range groups {
		for k := 0; k < g.g.Rounds; k++ {
			rd := rnd{status: g.status, programme: n % s.Programmes, template: n % 2, prefix: fmt.Sprintf("B%04d", n)}
			if g.status == "open" {
				rd.opens = Anchor.AddDate(0, 0, -30+k%28).Truncate(day).Add(9 * time.Hour)
				rd.closes = openRoundsClose.Add(time.Duration(k) * day)
			} else {
				rd.closes = between(r, g.closeA, g.closeB).Truncate(day).Add(17 * time.Hour)
				rd.opens = rd.closes.Add(-60 * day).Truncate(day).Add(9 * time.Hour)
			}
			rd.created = rd.opens.Add(-21 * day)
			rd.id = m.newID(rd.created)
			tmpl := templates[rd.template]
			year := rd.opens.Year()
			if rd.template == 0 {
				rd.name = fmt.Sprintf("Side by Side %d (%s)", year, rd.prefix)
			} else {
				rd.name = fmt.Sprintf("Small Sparks %d (%s)", year, rd.prefix)
			}
			rd.budget = tmpl.MaxGrant * 40
			switch g.status {
			case "draft":
				rd.updated = rd.created
			case "open":
				rd.updated = rd.opens
			case "closed":
				rd.updated = rd.closes
			case "assessment":
				rd.updated = rd.closes.Add(7 * day)
			default:
				rd.updated = rd.closes.Add(45 * day)
				m.decidedAt[n] = rd.updated
				if g.status == "archived" {
					rd.updated = rd.closes.Add(400 * day)
				}
			}
			m.rounds = append(m.rounds, rd)
			n++
		}
	}
	// The ranking round: the first round in assessment.
	for i := range m.rounds {
		if m.rounds[i].status == "assessment" && s.RankingApps > 0 {
			m.rounds[i].ranking = true
			m.rounds[i].budget = int64(s.RankingApps) * templates[m.rounds[i].template].MaxGrant / 8
			break
		}
	}
	// Panels: the ranking round's is larger; every round past closed has one.
	for i := range m.rounds {
		rd := &m.rounds[i]
		size := s.Panel
		if rd.ranking {
			size = s.RankingPanel
		}
		switch rd.status {
		case "assessment", "decided", "archived":
		default:
			continue
		}
		size = min(size, len(m.panel))
		start := r.IntN(max(1, len(m.panel)))
		for k := 0; k < size; k++ {
			rd.panel = append(rd.panel, m.panel[(start+k)%len(m.panel)])
		}
	}
}

var strides = []int{7919, 7907, 7901, 7883, 7879, 7877, 7873, 7867, 7853, 7841, 7829, 7823, 7817, 7793, 7789}

func (m *model) applications() {
	r, s := m.rng, m.size
	byStatus := map[string][]int{}
	for i, rd := range m.rounds {
		byStatus[rd.status] = append(byStatus[rd.status], i)
	}
	spread := func(status string, total int) {
		rounds := byStatus[status]
		if len(rounds) == 0 {
			return
		}
		counts := make([]int, len(rounds))
		rest := total
		for k, ri := range rounds {
			if m.rounds[ri].ranking {
				counts[k] = min(s.RankingApps, total)
				rest -= counts[k]
			}
		}
		others := 0
		for k, ri := range rounds {
			if !m.rounds[ri].ranking {
				others++
				_ = k
			}
		}
		done := 0
		for k, ri := range rounds {
			if m.rounds[ri].ranking {
				continue
			}
			counts[k] = rest / others
			if done < rest%others {
				counts[k]++
			}
			done++
		}
		for k, ri := range rounds {
			m.appsFor(ri, counts[k])
		}
	}
	spread("open", s.Open.Apps)
	spread("closed", s.Closed.Apps)
	spread("assessment", s.Assessment.Apps)
	// Decided and archived: choose which are awarded so the total is exactly s.Awards.
	spread("decided", s.Decided.Apps)
	spread("archived", s.Archived.Apps)
	var concluded []int
	for i, a := range m.apps {
		st := m.rounds[a.round].status
		if st == "decided" || st == "archived" {
			concluded = append(concluded, i)
		}
	}
	r.Shuffle(len(concluded), func(a, b int) { concluded[a], concluded[b] = concluded[b], concluded[a] })
	awards := min(s.Awards, len(concluded))
	for k, i := range concluded {
		a := &m.apps[i]
		switch {
		case k < awards:
			a.status = "awarded"
		case s.Lean || r.IntN(100) < 90:
			a.status = "declined"
		case r.IntN(2) == 0:
			a.status = "ineligible"
		default:
			a.status = "withdrawn"
		}
	}
	// References in submission order per round; assessed flags.
	for ri := range m.rounds {
		rd := &m.rounds[ri]
		var submitted []int
		for _, ai := range rd.apps {
			if !m.apps[ai].submitted.IsZero() {
				submitted = append(submitted, ai)
			}
		}
		sort.Slice(submitted, func(a, b int) bool { return m.apps[submitted[a]].submitted.Before(m.apps[submitted[b]].submitted) })
		for k, ai := range submitted {
			m.apps[ai].ref = k + 1
		}
	}
	for i := range m.apps {
		a := &m.apps[i]
		switch a.status {
		case "under_assessment", "awarded", "declined":
			a.assessed = !s.Lean
		}
	}
}

// appsFor starts n applications to round ri from distinct organisations.
func (m *model) appsFor(ri, n int) {
	r, s := m.rng, m.size
	rd := &m.rounds[ri]
	nOrg := len(m.orgs)
	n = min(n, nOrg)
	stride := strides[r.IntN(len(strides))]
	for stride%nOrg == 0 || gcd(stride, nOrg) != 1 {
		stride++
	}
	start := r.IntN(nOrg)
	tmpl := templates[rd.template]
	for k := 0; k < n; k++ {
		oi := (start + k*stride) % nOrg
		o := m.orgs[oi]
		by := o.owner
		if len(o.members) > 0 && r.IntN(4) == 0 {
			by = o.members[r.IntN(len(o.members))]
		}
		startLo := rd.opens
		var started, submitted time.Time
		status := ""
		switch rd.status {
		case "open":
			started = between(r, startLo, Anchor)
			if float64(r.IntN(1000)) < s.OpenDraftShare*1000 {
				status = "draft"
			} else {
				status = "submitted"
				submitted = between(r, started, Anchor)
			}
		default:
			started = between(r, startLo, rd.closes.Add(-day))
			submitted = between(r, started, rd.closes)
			switch rd.status {
			case "closed":
				status = "submitted"
				if r.IntN(100) < 4 {
					status = "withdrawn"
				}
			case "assessment":
				status = "under_assessment"
			default:
				status = "declined" // decided below
			}
		}
		if status == "withdrawn" && r.IntN(2) == 0 {
			submitted = time.Time{} // withdrawn before ever submitting
		}
		amount := tmpl.MinGrant + 100*r.Int64N((tmpl.MaxGrant-tmpl.MinGrant)/100+1)
		a := app{id: m.newID(started), status: status, round: ri, org: oi, by: by, started: started, submitted: submitted,
			amount: amount, seed: r.Uint64()}
		a.updated = started
		if !submitted.IsZero() {
			a.updated = submitted
		}
		m.apps = append(m.apps, a)
		rd.apps = append(rd.apps, len(m.apps)-1)
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func (m *model) assessments() {
	r, s := m.rng, m.size
	var assessed []int
	for i, a := range m.apps {
		if a.assessed {
			assessed = append(assessed, i)
		}
	}
	if len(assessed) == 0 || s.Assessments == 0 {
		return
	}
	base, extra := s.Assessments/len(assessed), s.Assessments%len(assessed)
	// The ranking round gets the base count; the extra ones go to other rounds first.
	order := make([]int, 0, len(assessed))
	var ranking []int
	for _, ai := range assessed {
		if m.rounds[m.apps[ai].round].ranking {
			ranking = append(ranking, ai)
		} else {
			order = append(order, ai)
		}
	}
	order = append(order, ranking...)
	for k, ai := range order {
		a := &m.apps[ai]
		rd := &m.rounds[a.round]
		n := base
		if k < extra {
			n++
		}
		n = min(n, len(rd.panel))
		if n == 0 {
			continue
		}
		start := r.IntN(len(rd.panel))
		from := rd.closes.Add(7 * day)
		to := rd.closes.Add(35 * day)
		if rd.status == "assessment" && to.After(Anchor) {
			to = Anchor
		}
		for j := 0; j < n; j++ {
			reviewer := rd.panel[(start+j)%len(rd.panel)]
			created := between(r, from, to)
			rec := assessmentRec{app: ai, reviewer: reviewer, submitted: true, created: created, seed: r.Uint64()}
			rec.at = between(r, created, to)
			if rd.status == "assessment" {
				share := s.DraftAssessmentShare
				if rd.ranking {
					share = 0.05
				}
				if float64(r.IntN(1000)) < share*1000 {
					rec.submitted = false
				}
			}
			rec.id = m.newID(created)
			m.assess = append(m.assess, rec)
		}
		// Now and then a panel member off this application declares a conflict with it.
		if r.IntN(100) == 0 && len(rd.panel) > n {
			m.conflicts = append(m.conflicts, [3]int{a.round, ai, rd.panel[(start+n)%len(rd.panel)]})
		}
	}
}

func (m *model) decisions() {
	r := m.rng
	for i, a := range m.apps {
		if a.status != "awarded" {
			continue
		}
		pub := m.decidedAt[a.round]
		amount := a.amount
		if r.IntN(5) == 0 {
			amount = amount * int64(70+r.IntN(30)) / 100 / 100 * 100
		}
		amount = max(amount, 100)
		aw := awardRec{app: i, amount: amount, offered: pub}
		switch p := r.IntN(100); {
		case p < 8:
			aw.status = "offered"
		case p < 25:
			aw.status = "accepted"
		case p < 70:
			aw.status = "active"
		case p < 95:
			aw.status = "completed"
		case p < 98:
			aw.status = "declined"
		default:
			aw.status = "withdrawn"
		}
		if aw.status != "offered" && aw.status != "declined" {
			aw.accepted = pub.Add(time.Duration(2+r.IntN(20)) * day)
		}
		aw.update = between(r, pub, Anchor)
		if !aw.accepted.IsZero() && aw.update.Before(aw.accepted) {
			aw.update = aw.accepted
		}
		aw.id = m.newID(pub)
		m.awards = append(m.awards, aw)
	}
}
