// Package data is the benchmark's seeded data generator: a deterministic model of a
// funder's history (programmes, rounds, organisations, applications with realistic answers,
// assessments with their scores, decisions, awards and payments), written straight into a
// migrated database — COPY on Postgres, batched multi-row INSERTs in one transaction on
// SQLite — never through the API.
package data

import (
	"fmt"
	"strings"
)

// Group is a number of rounds in one status and the applications spread over them.
type Group struct{ Rounds, Apps int }

// Size says how much to generate.
type Size struct {
	Name          string
	Programmes    int
	Organisations int
	// ExtraMembers are applicant users who belong to an organisation as plain members (every
	// organisation also has its owner).
	ExtraMembers int
	PanelMembers int
	Managers     int
	Finance      int

	Open, Draft, Closed, Assessment, Decided, Archived Group

	// RankingApps is the size of the one round in assessment used for the ranking (counted
	// in Assessment.Apps); RankingPanel its panel; Panel the panel of every other assessed
	// round.
	RankingApps  int
	RankingPanel int
	Panel        int
	// Assessments is the total over every assessed application (3 or 4 each).
	Assessments int
	// Awards is the number of awarded applications, over the decided and archived rounds.
	Awards int
	// OpenDraftShare of the open rounds' applications are complete, submittable drafts (the
	// pool the submit benchmark draws on).
	OpenDraftShare float64
	// DraftAssessmentShare of the assessments in rounds in assessment (not the ranking
	// round) are drafts (the pool the save-an-assessment benchmark draws on).
	DraftAssessmentShare float64
	// Lean leaves answers empty and gives each award one payment (the export database,
	// which only the CSV export reads).
	Lean bool
}

// Full is the size: 20 programmes, 1,000 rounds (50 open), 20k organisations,
// 100k applications, 300k assessments, 20k awards.
var Full = Size{
	Name: "full", Programmes: 20, Organisations: 20_000, ExtraMembers: 5_000, PanelMembers: 300, Managers: 10, Finance: 5,
	Open: Group{50, 12_000}, Draft: Group{20, 0}, Closed: Group{80, 8_000}, Assessment: Group{100, 20_000},
	Decided: Group{600, 50_000}, Archived: Group{150, 10_000},
	RankingApps: 5_000, RankingPanel: 40, Panel: 12, Assessments: 300_000, Awards: 20_000,
	OpenDraftShare: 0.75, DraftAssessmentShare: 0.3,
}

// Small is a quick smoke size (seconds to load).
var Small = Size{
	Name: "small", Programmes: 4, Organisations: 1_000, ExtraMembers: 200, PanelMembers: 30, Managers: 3, Finance: 2,
	Open: Group{5, 600}, Draft: Group{2, 0}, Closed: Group{5, 200}, Assessment: Group{5, 1_000},
	Decided: Group{20, 2_000}, Archived: Group{3, 200},
	RankingApps: 500, RankingPanel: 20, Panel: 12, Assessments: 12_000, Awards: 1_000,
	OpenDraftShare: 0.75, DraftAssessmentShare: 0.3,
}

// Export is the database for the large CSV export: n awards (one per application, every
// application awarded), over organisations organisations, answers left empty.
func Export(n, organisations int) Size {
	rounds := max(1, n/1_000)
	return Size{
		Name: fmt.Sprintf("export-%d", n), Programmes: 1, Organisations: organisations, Managers: 1, Finance: 1,
		Decided: Group{rounds, n}, Awards: n, Lean: true,
	}
}

// Rounds is the total number of rounds.
func (s Size) Rounds() int {
	return s.Open.Rounds + s.Draft.Rounds + s.Closed.Rounds + s.Assessment.Rounds + s.Decided.Rounds + s.Archived.Rounds
}

// Applications is the total number of applications.
func (s Size) Applications() int {
	return s.Open.Apps + s.Draft.Apps + s.Closed.Apps + s.Assessment.Apps + s.Decided.Apps + s.Archived.Apps
}

// Fingerprint names the size exactly (for reusing a loaded database).
func (s Size) Fingerprint() string { return fmt.Sprintf("%+v", s) }

// ParseSize reads "full", "small" or "export:N".
func ParseSize(s string) (Size, error) {
	switch s {
	case "full":
		return Full, nil
	case "small":
		return Small, nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "export:%d", &n); err == nil && n > 0 {
		return Export(n, min(20_000, max(1_000, n/10))), nil
	}
	return Size{}, fmt.Errorf("size: want full, small or export:N, got %q", s)
}

// DatabaseName is the Postgres database (and SQLite file) name for a size.
func DatabaseName(s Size) string { return "constellate_bench_" + strings.ReplaceAll(s.Name, "-", "_") }
