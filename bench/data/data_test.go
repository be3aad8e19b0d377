package data

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"constellate/internal/application"
	"constellate/internal/round"
	"constellate/internal/store"
)

func TestTemplatesAndAnswersAreValid(t *testing.T) {
	m := build(tiny, 1)
	for i, tmpl := range templates {
		d := tmpl
		d.Name, d.ReferencePrefix, d.Budget = "Round", "ABC", 1_000_000
		d.OpensAt, d.ClosesAt = Anchor, openRoundsClose
		if err := d.Validate(); err != nil {
			t.Fatalf("template %d: %v", i, err)
		}
	}
	checked := 0
	for _, a := range m.apps {
		if a.status != "draft" {
			continue
		}
		rd := m.rounds[a.round]
		d := templates[rd.template]
		_, _, ans := m.appText(a)
		app := application.Application{Title: "x", RequestedAmount: a.amount}
		if err := jsonUnmarshal(ans, &app.Answers); err != nil {
			t.Fatal(err)
		}
		r := round.Round{Definition: d}
		if p := application.SubmissionProblems(r, app); len(p) > 0 {
			t.Fatalf("draft %s cannot be submitted: %v", a.id, p)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no drafts")
	}
}

func TestDeterministic(t *testing.T) {
	a, b := build(Small, 7), build(Small, 7)
	if len(a.apps) != len(b.apps) || a.apps[100].id != b.apps[100].id || a.assess[500].id != b.assess[500].id {
		t.Fatal("same seed, different data")
	}
	if got := len(a.apps); got != Small.Applications() {
		t.Fatalf("applications: got %d, want %d", got, Small.Applications())
	}
	if got := len(a.assess); got != Small.Assessments {
		t.Fatalf("assessments: got %d, want %d", got, Small.Assessments)
	}
	if got := len(a.awards); got != Small.Awards {
		t.Fatalf("awards: got %d, want %d", got, Small.Awards)
	}
}

// tiny is every shape of the model at a size a race-enabled test loads in a second.
var tiny = Size{
	Name: "tiny", Programmes: 2, Organisations: 80, ExtraMembers: 10, PanelMembers: 10, Managers: 2, Finance: 1,
	Open: Group{2, 40}, Draft: Group{1, 0}, Closed: Group{1, 10}, Assessment: Group{2, 40},
	Decided: Group{3, 60}, Archived: Group{1, 10},
	RankingApps: 20, RankingPanel: 8, Panel: 5, Assessments: 300, Awards: 20,
	OpenDraftShare: 0.75, DraftAssessmentShare: 0.3,
}

// TestLoadSQLite loads the model with foreign keys and every constraint on.
func TestLoadSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.db")
	keys := DeriveKeys(1)
	o := Options{Dialect: store.SQLite, SQLitePath: path, Size: tiny, Seed: 1, EncryptionKey: keys.EncryptionKey}
	res, err := Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts["applications"] != int64(tiny.Applications()) || res.Counts["assessments"] != int64(tiny.Assessments) {
		t.Fatalf("counts: %v", res.Counts)
	}
	again, err := Load(context.Background(), o)
	if err != nil || !again.Reused {
		t.Fatalf("not reused: %v %v", again.Reused, err)
	}
	db, err := store.Open(context.Background(), store.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var bad int
	if err := db.SQL().QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("foreign key problems: %d %v", bad, err)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// TestLoadPostgres loads the small size into a scratch Postgres database when
// BENCH_TEST_POSTGRES names a maintenance database URL.
func TestLoadPostgres(t *testing.T) {
	admin := os.Getenv("BENCH_TEST_POSTGRES")
	if admin == "" {
		t.Skip("BENCH_TEST_POSTGRES is not set")
	}
	keys := DeriveKeys(1)
	o := Options{Dialect: store.Postgres, AdminURL: admin, Database: "constellate_bench_test", Size: tiny, Seed: 1, EncryptionKey: keys.EncryptionKey}
	res, err := Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded in %s: %v", res.Took, res.Counts)
	db, err := store.Open(context.Background(), store.Config{URL: res.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.SQL().QueryRow("SELECT count(*) FROM applications").Scan(&n); err != nil || n != tiny.Applications() {
		t.Fatalf("applications: %d %v", n, err)
	}
}
