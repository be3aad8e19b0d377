package data

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"time"

	"constellate/internal/award"
	"constellate/internal/secretbox"
)

// Sink writes one table's rows. Values are string, int, int64, float64, bool, time.Time,
// []byte or nil (NULL); JSON columns are strings holding JSON.
type Sink interface {
	Copy(ctx context.Context, table string, cols []string, rows iter.Seq[[]any]) (int64, error)
}

// Counts is how many rows went into each table.
type Counts map[string]int64

// rowRand is a stream of its own for one entity's details, so they are the same whatever
// order the tables are written in.
func rowRand(seed uint64, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// emit writes every table of m to sink in foreign-key order.
func (m *model) emit(ctx context.Context, sink Sink, passwordHash string, box *secretbox.Keyring) (Counts, error) {
	counts := Counts{}
	type table struct {
		name string
		cols []string
		rows iter.Seq[[]any]
	}
	tables := []table{
		{"users", []string{"id", "email", "name", "role", "password_hash", "token_version", "created_at", "updated_at"}, m.userRows(passwordHash)},
		{"organisations", []string{"id", "name", "legal_form", "charity_number", "company_number", "user_led", "user_led_description", "led_by",
			"publish_led_by", "annual_income", "postcode", "region", "website", "contact_email", "version", "created_at", "updated_at"}, m.orgRows()},
		{"memberships", []string{"id", "organisation_id", "user_id", "role", "created_at", "updated_at"}, m.membershipRows()},
		{"bank_accounts", []string{"id", "organisation_id", "key_id", "sealed", "last4", "changed_at", "cooling_off_until", "version", "created_at", "updated_at"}, m.bankRows(box)},
		{"programmes", []string{"id", "name", "description", "version", "created_at", "updated_at"}, m.programmeRows()},
		{"rounds", []string{"id", "programme_id", "name", "description", "reference_prefix", "currency", "budget", "min_grant", "max_grant",
			"opens_at", "closes_at", "grace_minutes", "reviewers_per_application", "blind_assessment", "eligibility", "form", "criteria",
			"report_schedule", "report_form", "status", "version", "created_at", "updated_at"}, m.roundRows()},
		{"round_panel_members", []string{"round_id", "user_id", "added_at"}, m.panelRows()},
		{"applications", []string{"id", "round_id", "organisation_id", "reference", "title", "summary", "requested_amount", "answers", "status",
			"revision", "submitted_at", "started_at", "created_by", "version", "created_at", "updated_at"}, m.applicationRows()},
		{"application_reference_counters", []string{"round_id", "last"}, m.counterRows()},
		{"application_revisions", []string{"id", "application_id", "number", "title", "summary", "requested_amount", "answers", "submitted_at", "submitted_by"}, m.revisionRows()},
		{"application_status_history", []string{"id", "application_id", "from_status", "to_status", "at", "actor_id", "actor_role", "reason"}, m.historyRows()},
		{"assessment_conflicts", []string{"id", "round_id", "application_id", "user_id", "note", "created_at", "updated_at"}, m.conflictRows()},
		{"assessment_assignments", []string{"id", "round_id", "application_id", "user_id", "created_at", "updated_at"}, m.assignmentRows()},
		{"assessments", []string{"id", "round_id", "application_id", "panel_member_id", "scores", "comments", "recommendation", "overall_comment",
			"status", "revision_scored", "submitted_at", "version", "created_at", "updated_at"}, m.assessmentRows()},
		{"assessment_scores", []string{"assessment_id", "round_id", "application_id", "criterion_id", "score", "weight", "scale_min", "scale_max"}, m.scoreRows()},
		{"assessment_moderations", []string{"application_id", "round_id", "score", "note", "set_by", "version", "created_at", "updated_at"}, m.moderationRows()},
		{"decisions", []string{"id", "round_id", "application_id", "outcome", "amount", "conditions", "feedback", "amount_reason", "decided_by",
			"published_at", "version", "created_at", "updated_at"}, m.decisionRows()},
		{"awards", []string{"id", "round_id", "application_id", "organisation_id", "amount", "currency", "conditions", "status", "offered_at",
			"accepted_at", "accepted_by", "signed_name", "agreement_version", "status_reason", "version", "created_at", "updated_at"}, m.awardRows()},
		{"payments", []string{"id", "award_id", "round_id", "organisation_id", "sequence", "amount", "due_date", "status", "approved_at", "approved_by",
			"bank_account_version", "paid_on", "reference", "paid_by", "version", "created_at", "updated_at"}, m.paymentRows()},
	}
	for _, t := range tables {
		n, err := sink.Copy(ctx, t.name, t.cols, t.rows)
		if err != nil {
			return counts, fmt.Errorf("%s: %w", t.name, err)
		}
		counts[t.name] = n
	}
	return counts, nil
}

func (m *model) userRows(hash string) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, u := range m.users {
			if !yield([]any{u.id, u.email, u.name, u.role, hash, 1, u.created, u.created}) {
				return
			}
		}
	}
}

var legalForms = []string{"unincorporated_association", "charity", "cio", "company_limited_by_guarantee", "cic",
	"community_benefit_society", "cooperative", "informal_group", "other"}
var regions = []string{"north_east", "north_west", "yorkshire_and_the_humber", "east_midlands", "west_midlands", "east_of_england",
	"london", "south_east", "south_west", "wales", "scotland", "northern_ireland"}
var ledByTerms = []string{"black_and_minoritised_communities", "disabled_people", "deaf_people",
	"people_with_lived_experience_of_mental_ill_health", "people_with_learning_disabilities", "neurodivergent_people",
	"lgbtq_people", "migrants", "refugees_and_asylum_seekers", "older_people", "young_people",
	"people_experiencing_economic_disadvantage", "women_and_girls"}

func (m *model) orgRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for i, o := range m.orgs {
			r := rowRand(m.seed, uint64(1_000_000+i))
			town := pick(r, towns)
			name := pick(r, groupHeads) + " " + town + " " + pick(r, groupTails)
			form := pick(r, legalForms)
			charity, company := "", ""
			if form == "charity" || form == "cio" {
				charity = "1" + fmt.Sprintf("%06d", r.IntN(1_000_000))
			}
			if form == "company_limited_by_guarantee" || form == "cic" {
				company = fmt.Sprintf("%08d", r.IntN(100_000_000))
			}
			userLed := r.IntN(3) > 0
			desc := ""
			if userLed {
				desc = words(r, 20+r.IntN(30))
			}
			led := []string{}
			for k := r.IntN(3); k > 0; k-- {
				led = append(led, pick(r, ledByTerms))
			}
			var income any
			if r.IntN(5) > 0 {
				income = int64(100 * r.IntN(100_000))
			}
			postcode := fmt.Sprintf("%c%c%d %d%c%c", 'A'+r.IntN(26), 'A'+r.IntN(26), 1+r.IntN(20), r.IntN(10), 'A'+r.IntN(26), 'A'+r.IntN(26))
			slug := strings.ToLower(town) + "-" + itoa(i)
			version := 1 + r.IntN(3)
			updated := o.created.Add(time.Duration(r.IntN(400)) * day)
			if !yield([]any{o.id, name, form, charity, company, userLed, desc, mustJSON(led), len(led) > 0 && r.IntN(2) == 0, income,
				postcode, pick(r, regions), "https://" + slug + ".example.org.uk", "hello@" + slug + ".example.org.uk", version, o.created, updated}) {
				return
			}
		}
	}
}

func (m *model) membershipRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for i, o := range m.orgs {
			r := rowRand(m.seed, uint64(2_000_000+i))
			if !yield([]any{uuid7(o.created, r), o.id, m.users[o.owner].id, "owner", o.created, o.created}) {
				return
			}
			for _, u := range o.members {
				t := m.users[u].created
				if !yield([]any{uuid7(t, r), o.id, m.users[u].id, "member", t, t}) {
					return
				}
			}
		}
	}
}

// banked says which organisations have a bank account: every one with an accepted award,
// and two in five of the rest.
func (m *model) banked() []bool {
	out := make([]bool, len(m.orgs))
	for i := range m.orgs {
		out[i] = rowRand(m.seed, uint64(3_000_000+i)).IntN(5) < 2
	}
	for _, aw := range m.awards {
		if !aw.accepted.IsZero() {
			out[m.apps[aw.app].org] = true
		}
	}
	return out
}

func (m *model) bankRows(box *secretbox.Keyring) iter.Seq[[]any] {
	banked := m.banked()
	return func(yield func([]any) bool) {
		for i, o := range m.orgs {
			if !banked[i] {
				continue
			}
			r := rowRand(m.seed, uint64(4_000_000+i))
			number := fmt.Sprintf("%08d", r.IntN(100_000_000))
			plain := mustJSON(map[string]string{"account_name": "Treasurer " + pick(r, lastNames), "sort_code": fmt.Sprintf("%06d", r.IntN(1_000_000)),
				"account_number": number, "held_by": "organisation", "host_name": "", "host_charity_number": ""})
			keyID, sealed, err := box.Seal([]byte(plain), []byte("bank_account:"+o.id))
			if err != nil {
				panic(err)
			}
			at := o.created.Add(time.Duration(1+r.IntN(300)) * day)
			if !yield([]any{uuid7(at, r), o.id, keyID, sealed, number[4:], at, nil, 1, at, at}) {
				return
			}
		}
	}
}

func (m *model) programmeRows() iter.Seq[[]any] {
	names := []string{"Side by Side Fund", "Small Sparks", "Communities Together", "Warm Spaces", "Lived Experience Leaders",
		"Rural Roots", "Youth Voice", "Carers' Breaks", "Welcome Fund", "Green Shoots"}
	return func(yield func([]any) bool) {
		for i, id := range m.programmes {
			r := rowRand(m.seed, uint64(5_000_000+i))
			name := names[i%len(names)]
			if i >= len(names) {
				name += " " + itoa(i/len(names)+1)
			}
			if !yield([]any{id, name, words(r, 30+r.IntN(30)), 1, m.progTimes[i], m.progTimes[i]}) {
				return
			}
		}
	}
}

func (m *model) roundRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, rd := range m.rounds {
			t := templates[rd.template]
			version := 3
			if rd.status != "draft" {
				version = 5
			}
			if !yield([]any{rd.id, m.programmes[rd.programme], rd.name, t.Description, rd.prefix, t.Currency, rd.budget, t.MinGrant, t.MaxGrant,
				rd.opens, rd.closes, t.GraceMinutes, t.ReviewersPerApplication, t.BlindAssessment, mustJSON(t.Eligibility), mustJSON(t.Form),
				mustJSON(t.Criteria), mustJSON(t.ReportSchedule), mustJSON(t.ReportForm), rd.status, version, rd.created, rd.updated}) {
				return
			}
		}
	}
}

func (m *model) panelRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, rd := range m.rounds {
			for _, u := range rd.panel {
				if !yield([]any{rd.id, m.users[u].id, rd.closes}) {
					return
				}
			}
		}
	}
}

// appText is an application's title, summary and answers.
func (m *model) appText(a app) (string, string, string) {
	if m.size.Lean {
		r := rowRand(a.seed, 2)
		return pick(r, titleHeads) + " " + pick(r, towns), "", "{}"
	}
	rd := m.rounds[a.round]
	ans := mustJSON(answers(rowRand(a.seed, 1), rd.template, a.started))
	r := rowRand(a.seed, 2)
	return pick(r, titleHeads) + " " + pick(r, towns), words(r, 25+r.IntN(40)), ans
}

func (m *model) reference(a app) any {
	if a.ref == 0 {
		return nil
	}
	return fmt.Sprintf("%s-%04d", m.rounds[a.round].prefix, a.ref)
}

// appVersion is how many times the application was saved.
func appVersion(a app) int64 { return int64(2 + a.seed%9) }

func (m *model) applicationRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, a := range m.apps {
			title, summary, ans := m.appText(a)
			revision := 0
			if a.ref > 0 {
				revision = 1
			}
			updated := m.appUpdated(a)
			if !yield([]any{a.id, m.rounds[a.round].id, m.orgs[a.org].id, m.reference(a), title, summary, a.amount, ans, a.status,
				revision, nullTime(a.submitted), a.started, m.users[a.by].id, appVersion(a), a.started, updated}) {
				return
			}
		}
	}
}

// appUpdated is when the application last changed (its last status move).
func (m *model) appUpdated(a app) time.Time {
	h := m.history(a)
	return h[len(h)-1].at
}

type move struct {
	from, to, reason string
	at               time.Time
	actor            int
}

// history is the application's status changes.
func (m *model) history(a app) []move {
	rd := m.rounds[a.round]
	out := []move{{to: "draft", at: a.started, actor: a.by}}
	manager := 0
	if len(m.managers) > 0 {
		manager = m.managers[int(a.seed%uint64(len(m.managers)))]
	}
	if a.submitted.IsZero() {
		if a.status == "withdrawn" {
			out = append(out, move{from: "draft", to: "withdrawn", at: a.started.Add(3 * day), actor: a.by, reason: "We found other funding."})
		}
		return out
	}
	out = append(out, move{from: "draft", to: "submitted", at: a.submitted, actor: a.by})
	switch a.status {
	case "submitted":
		return out
	case "withdrawn":
		return append(out, move{from: "submitted", to: "withdrawn", at: a.submitted.Add(2 * day), actor: a.by, reason: "Our plans changed."})
	case "ineligible":
		return append(out, move{from: "submitted", to: "ineligible", at: rd.closes.Add(3 * day), actor: manager,
			reason: "Your group's annual income is above this fund's limit."})
	}
	out = append(out, move{from: "submitted", to: "under_assessment", at: rd.closes.Add(7 * day), actor: manager})
	if a.status == "awarded" || a.status == "declined" {
		out = append(out, move{from: "under_assessment", to: a.status, at: m.decidedAt[a.round], actor: manager})
	}
	return out
}

func (m *model) counterRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, rd := range m.rounds {
			last := 0
			for _, ai := range rd.apps {
				last = max(last, m.apps[ai].ref)
			}
			if last > 0 && !yield([]any{rd.id, last}) {
				return
			}
		}
	}
}

func (m *model) revisionRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, a := range m.apps {
			if a.ref == 0 {
				continue
			}
			title, summary, ans := m.appText(a)
			r := rowRand(a.seed, 3)
			if !yield([]any{uuid7(a.submitted, r), a.id, 1, title, summary, a.amount, ans, a.submitted, m.users[a.by].id}) {
				return
			}
		}
	}
}

func (m *model) historyRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, a := range m.apps {
			r := rowRand(a.seed, 4)
			for _, h := range m.history(a) {
				u := m.users[h.actor]
				if !yield([]any{uuid7(h.at, r), a.id, h.from, h.to, h.at, u.id, u.role, h.reason}) {
					return
				}
			}
		}
	}
}

func (m *model) conflictRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for k, c := range m.conflicts {
			rd := m.rounds[c[0]]
			r := rowRand(m.seed, uint64(6_000_000+k))
			at := rd.closes.Add(5 * day)
			if !yield([]any{uuid7(at, r), rd.id, m.apps[c[1]].id, m.users[c[2]].id, "I know the group's treasurer.", at, at}) {
				return
			}
		}
	}
}

func (m *model) assignmentRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, s := range m.assess {
			a := m.apps[s.app]
			rd := m.rounds[a.round]
			at := rd.closes.Add(7 * day)
			r := rowRand(s.seed, 1)
			if !yield([]any{uuid7(at, r), rd.id, a.id, m.users[s.reviewer].id, at, at}) {
				return
			}
		}
	}
}

// scoring is an assessment's scores, comments and recommendation.
type scoring struct {
	scores         map[string]int
	comments       map[string]string
	recommendation string
	overall        string
}

func (m *model) scoring(s assessmentRec) scoring {
	a := m.apps[s.app]
	t := templates[m.rounds[a.round].template]
	r := rowRand(s.seed, 2)
	out := scoring{scores: map[string]int{}, comments: map[string]string{}}
	quality := r.Float64() // how good the reviewer thinks it is
	total := 0.0
	for i, c := range t.Criteria {
		if !s.submitted && i >= 1+r.IntN(len(t.Criteria)) {
			break
		}
		span := c.ScaleMax - c.ScaleMin
		v := c.ScaleMin + min(span, int(quality*float64(span+1)+r.Float64()*1.2-0.6))
		v = max(c.ScaleMin, min(c.ScaleMax, v))
		out.scores[c.ID] = v
		total += float64(v-c.ScaleMin) / float64(span)
		if r.IntN(2) == 0 {
			out.comments[c.ID] = words(r, 10+r.IntN(30))
		}
	}
	if s.submitted {
		switch mean := total / float64(len(t.Criteria)); {
		case mean > 0.66:
			out.recommendation = "fund"
		case mean > 0.4:
			out.recommendation = "maybe"
		default:
			out.recommendation = "decline"
		}
		out.overall = words(r, 20+r.IntN(40))
	}
	return out
}

func (m *model) assessmentRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, s := range m.assess {
			a := m.apps[s.app]
			sc := m.scoring(s)
			status, version := "draft", int64(1+s.seed%3)
			var submitted any
			updated := s.created
			if s.submitted {
				status, version, submitted, updated = "submitted", int64(3+s.seed%4), s.at, s.at
			}
			if !yield([]any{s.id, m.rounds[a.round].id, a.id, m.users[s.reviewer].id, mustJSON(sc.scores), mustJSON(sc.comments), sc.recommendation,
				sc.overall, status, 1, submitted, version, s.created, updated}) {
				return
			}
		}
	}
}

func (m *model) scoreRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, s := range m.assess {
			if !s.submitted {
				continue
			}
			a := m.apps[s.app]
			sc := m.scoring(s)
			for _, c := range templates[m.rounds[a.round].template].Criteria {
				if !yield([]any{s.id, m.rounds[a.round].id, a.id, c.ID, sc.scores[c.ID], c.Weight, c.ScaleMin, c.ScaleMax}) {
					return
				}
			}
		}
	}
}

func (m *model) moderationRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		if len(m.managers) == 0 {
			return
		}
		for ri, rd := range m.rounds {
			if !rd.ranking {
				continue
			}
			for k, ai := range rd.apps {
				if k%50 != 0 {
					continue
				}
				r := rowRand(m.seed, uint64(7_000_000+ri*100_000+k))
				at := Anchor.Add(-time.Duration(1+r.IntN(10)) * day)
				if !yield([]any{m.apps[ai].id, rd.id, float64(40 + r.IntN(60)), "Moderated after the panel meeting.",
					m.users[m.managers[0]].id, 1, at, at}) {
					return
				}
			}
		}
	}
}

func (m *model) decisionRows() iter.Seq[[]any] {
	amounts := map[int]int64{}
	for _, aw := range m.awards {
		amounts[aw.app] = aw.amount
	}
	return func(yield func([]any) bool) {
		for i, a := range m.apps {
			if a.status != "awarded" && a.status != "declined" {
				continue
			}
			r := rowRand(a.seed, 5)
			pub := m.decidedAt[a.round]
			at := pub.Add(-3 * day)
			outcome, amount, reason := "decline", int64(0), ""
			if a.status == "awarded" {
				outcome, amount = "award", amounts[i]
				if amount != a.amount {
					reason = "We could fund most of the costs; the rest fell outside this fund."
				}
			}
			manager := m.users[m.managers[int(a.seed%uint64(len(m.managers)))]].id
			if !yield([]any{uuid7(at, r), m.rounds[a.round].id, a.id, outcome, amount, "", words(r, 20+r.IntN(30)), reason, manager,
				pub, 2, at, pub}) {
				return
			}
		}
	}
}

func (m *model) awardRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for _, aw := range m.awards {
			a := m.apps[aw.app]
			o := m.orgs[a.org]
			var acceptedAt, acceptedBy any
			signed, agreement, reason := "", "", ""
			if !aw.accepted.IsZero() {
				acceptedAt, acceptedBy = aw.accepted, m.users[o.owner].id
				signed, agreement = m.users[o.owner].name, award.AgreementVersion
			}
			switch aw.status {
			case "declined":
				reason = "We have found the money elsewhere."
			case "withdrawn":
				reason = "The group has closed."
			}
			version := 1 + int64(len(aw.status)%4)
			if !yield([]any{aw.id, m.rounds[a.round].id, a.id, o.id, aw.amount, "GBP", "", aw.status, aw.offered, acceptedAt, acceptedBy,
				signed, agreement, reason, version, aw.offered, aw.update}) {
				return
			}
		}
	}
}

func (m *model) paymentRows() iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		for k, aw := range m.awards {
			a := m.apps[aw.app]
			o := m.orgs[a.org]
			r := rowRand(m.seed, uint64(8_000_000+k))
			n := 2
			if m.size.Lean || aw.status == "offered" {
				n = 1
			}
			first := aw.offered.Add(14 * day)
			if !aw.accepted.IsZero() {
				first = aw.accepted.Add(14 * day)
			}
			manager := m.users[m.managers[k%len(m.managers)]].id
			paidBy := ""
			if len(m.finance) > 0 {
				paidBy = m.users[m.finance[k%len(m.finance)]].id
			}
			for seq := 1; seq <= n; seq++ {
				amount := aw.amount / int64(n)
				if seq == n {
					amount = aw.amount - amount*int64(n-1)
				}
				due := first.Add(time.Duration(seq-1) * 180 * day)
				status := "scheduled"
				switch aw.status {
				case "declined", "withdrawn":
					status = "cancelled"
				case "accepted":
					if seq == 1 {
						status = "approved"
					}
				case "active":
					if seq == 1 {
						status = "paid"
					}
				case "completed":
					status = "paid"
				}
				var approvedAt, approvedBy any
				bankVersion, paidOn, ref, by := 0, "", "", ""
				if status == "approved" || status == "paid" {
					approvedAt, approvedBy, bankVersion = due.Add(-3*day), manager, 1
				}
				if status == "paid" {
					paidOn, ref, by = due.Format("2006-01-02"), fmt.Sprintf("BACS-%08d", r.IntN(100_000_000)), paidBy
				}
				created := aw.offered
				updated := between(r, created, aw.update.Add(time.Second))
				version := int64(1)
				if status != "scheduled" {
					version = 3
				}
				if !yield([]any{uuid7(created, r), aw.id, m.rounds[a.round].id, o.id, seq, amount, due.Format("2006-01-02"), status,
					approvedAt, approvedBy, bankVersion, paidOn, ref, by, version, created, updated}) {
					return
				}
			}
		}
	}
}
