// Package reliability holds the fault tests that run the real constellate binary (built
// from ./cmd/constellate) against a private, throwaway Postgres cluster and against
// embedded SQLite, and the results they record for docs/reliability.md.
//
// The tests live in this package's _test files:
//
//   - TestPostgresRestart: Postgres stopped and started twice under keyed writes (fast
//     shutdown, then immediate shutdown with crash recovery);
//   - TestKillPostgres / TestKillSQLite: the API killed with SIGKILL mid-run and restarted;
//   - TestTermDrain: SIGTERM under load, with a client that stops sending as soon as
//     /readyz says 503, as a load balancer does;
//   - TestSoak: a steady mixed load (reads, autosaves, submits, assessments) on Postgres,
//     with the server's goroutines, heap and pool sampled from /metrics (section "soak").
//
// `go test ./...` runs them in their short form (under two minutes in all, build included; skipped
// under -short). RELIABILITY_LONG=1 runs the long form, and RELIABILITY_RESULTS=DIR makes
// each test write its figures to DIR/<scenario>.json, which ./reliability/report turns into
// docs/reliability.md (`make reliability` does all three).
//
// The tests never touch the machine's shared Postgres: they initdb their own cluster in a
// temporary directory, on a free port, and remove it at the end. Without Postgres binaries
// the Postgres scenarios are skipped, unless CONSTELLATE_TEST_REQUIRE_POSTGRES=1 (CI), when
// they fail saying so.
package reliability

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Figure is one measured number of a scenario, with the requirement it is held to.
type Figure struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Want is the requirement ("0", "≤ 1 s"); empty for a figure that is only reported.
	Want string `json:"want,omitempty"`
	// OK reports whether Value meets Want; nil when there is no requirement.
	OK *bool `json:"ok,omitempty"`
}

// Result is what one scenario measured.
type Result struct {
	Scenario string `json:"scenario"` // file name stem, e.g. "postgres-restart"
	// Section is the docs/reliability.md section the result belongs to ("authorization",
	// "mass-assignment", "fuzzing", "concurrency", "soak", "bad-input"); empty means "faults".
	Section  string    `json:"section,omitempty"`
	Order    int       `json:"order"` // position in the report
	Title    string    `json:"title"`
	Claim    string    `json:"claim"` // the requirement, in a sentence
	Method   string    `json:"method"`
	Mode     string    `json:"mode"` // "short" or "long"
	Database string    `json:"database"`
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"`
	Passed   bool      `json:"passed"`
	Figures  []Figure  `json:"figures"`
	// Statuses counts every write attempt's outcome: an HTTP status ("201", "503") or a
	// transport error class ("error: connection refused").
	Statuses map[string]int `json:"statuses"`
	Notes    []string       `json:"notes,omitempty"`
}

// Save writes r to dir/<scenario>.json.
func (r Result) Save(dir string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, r.Scenario+".json"), append(b, '\n'), 0o644)
}

// LoadResults reads every result in dir, in report order.
func LoadResults(dir string) ([]Result, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		if r.Scenario == "" {
			continue // not a result (e.g. the environment file)
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Scenario < out[j].Scenario
	})
	return out, nil
}

// Environment is what the test process knew about the software it ran against.
type Environment struct {
	GoVersion       string `json:"go_version"`       // the toolchain that built the binary
	PostgresVersion string `json:"postgres_version"` // `postgres --version` of the private cluster
	PostgresBin     string `json:"postgres_bin"`
}

// EnvironmentFile is the name of the Environment file in a results directory.
const EnvironmentFile = "environment.json"

// Save writes e to dir/EnvironmentFile.
func (e Environment) Save(dir string) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, EnvironmentFile), append(b, '\n'), 0o644)
}

// LoadEnvironment reads dir/EnvironmentFile (the zero value when there is none).
func LoadEnvironment(dir string) (Environment, error) {
	var e Environment
	b, err := os.ReadFile(filepath.Join(dir, EnvironmentFile))
	if errors.Is(err, os.ErrNotExist) {
		return e, nil
	}
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(b, &e)
}
