package api_test

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"constellate/api/apitest"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
	"constellate/reliability"
)

// The api tests' evidence for docs/reliability.md (issue 13). A test builds a
// reliability.Result with evidence and fills in its figures; when RELIABILITY_RESULTS names a
// directory (`make reliability` sets it), the result is saved there as the test ends, passed
// or not, and ./reliability/report writes it into its section of the document.

// evidence starts a result for section on dialect d, saved when t ends.
func evidence(t *testing.T, section string, d store.Dialect, order int, title, claim, method string) *reliability.Result {
	t.Helper()
	r := &reliability.Result{
		Scenario: section + "-" + string(d), Section: section, Order: order, Title: title + " (" + string(d) + ")",
		Claim: claim, Method: method, Mode: "short", Database: string(d), Started: time.Now().UTC(),
	}
	dir := os.Getenv("RELIABILITY_RESULTS")
	if dir == "" {
		return r
	}
	t.Cleanup(func() {
		r.Seconds = time.Since(r.Started).Seconds()
		r.Passed = !t.Failed()
		if err := r.Save(dir); err != nil {
			t.Errorf("save the evidence: %v", err)
		}
	})
	return r
}

// figure is a measured value held to a requirement: ok says whether it met it.
func figure(name string, value any, want string, ok bool) reliability.Figure {
	return reliability.Figure{Name: name, Value: fmt.Sprint(value), Want: want, OK: &ok}
}

// info is a figure that is only reported.
func info(name string, value any) reliability.Figure {
	return reliability.Figure{Name: name, Value: fmt.Sprint(value)}
}

// matrixOptions are the server options a matrix of `matrices` needs to run (as its own test
// passes them).
var matrixOptions = map[string][]apitest.Option{
	"identity":  {trustLoopbackProxy},
	"open data": {withPrefix},
}

// TestEvidenceAuthorization runs every authorization matrix of `matrices` on each database,
// each on its own server, and records what the runs asserted: routes × actors covered,
// unexpected 2xx, canary leaks, refused writes whose database fingerprint was compared. The
// per-matrix tests assert the same cells on every `go test`; this one only runs to record the
// figures (RELIABILITY_RESULTS set), so CI does not run every matrix twice.
func TestEvidenceAuthorization(t *testing.T) {
	t.Parallel()
	if os.Getenv("RELIABILITY_RESULTS") == "" {
		t.Skip("records evidence only: set RELIABILITY_RESULTS (the per-matrix tests assert the same cells)")
	}
	names := make([]string, 0, len(matrices))
	for n := range matrices {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel() // each dialect on its own server and database
			res := evidence(t, "authorization", d, 10, "Authorization matrix",
				"Every route × every actor relation gets exactly its expected status; no canary reaches an actor who may not see it; no refused write changes anything.",
				"Every matrix of api/authz_test.go (`matrices`) run through the real HTTP stack (apitest.Matrix.Run), each on a fresh server and database; "+
					"each cell's status compared exactly; each response searched for every canary its actor may not see; around every refused cell of a write method, "+
					"every row of every table fingerprinted before and after (rate_limits excepted: it counts refused attempts by design), plus each matrix's own API snapshot.")
			var total *apitest.Tally
			table := map[string]bool{}
			for _, name := range names {
				t.Run(name, func(t *testing.T) {
					env := apitest.New(t, d, matrixOptions[name]...)
					for _, r := range env.Server.Routes() {
						table[r.Method+" "+r.Path] = true
					}
					total = total.Add(matrices[name](t, env).Run(t, env))
				})
			}
			total = total.Add(nil)
			var missing []string
			for r := range table {
				if !total.Routes[r] {
					missing = append(missing, r)
				}
			}
			sort.Strings(missing)
			actors := make([]string, 0, len(total.Actors))
			for a := range total.Actors {
				actors = append(actors, string(a))
			}
			sort.Strings(actors)
			res.Figures = []reliability.Figure{
				info("matrices", len(names)),
				figure("routes driven / routes in the table", fmt.Sprintf("%d / %d", len(total.Routes), len(table)), "all", len(missing) == 0 && len(table) > 0),
				info("actors (columns)", fmt.Sprintf("%d: %s", len(actors), strings.Join(actors, ", "))),
				info("route × actor pairs covered", len(total.Pairs)),
				info("cells (requests, rows × actors)", total.Cells),
				info("refused cells (expected 401/403/404/409/422…)", total.Refused),
				figure("unexpected 2xx", total.Unexpected2xx, "0", total.Unexpected2xx == 0),
				figure("cells with any other status than expected", total.WrongStatus-total.Unexpected2xx, "0", total.WrongStatus == total.Unexpected2xx),
				info("canary checks (cell × canary the actor may not see)", total.CanaryChecks),
				figure("canary leaks", total.Leaks, "0", total.Leaks == 0),
				figure("refused writes with the database fingerprint unchanged", fmt.Sprintf("%d of %d", total.RefusedWrites-total.RefusedWritesChanged, total.RefusedWrites),
					"all", total.RefusedWritesChanged == 0 && total.RefusedWrites > 0),
				figure("matrices whose API snapshot changed across the refused cells", total.SnapshotChanged, "0", total.SnapshotChanged == 0),
			}
			if len(missing) > 0 {
				res.Notes = append(res.Notes, "routes in no matrix: "+strings.Join(missing, ", "))
			}
			for _, f := range res.Figures {
				if f.OK != nil && !*f.OK {
					t.Errorf("%s: %s, want %s", f.Name, f.Value, f.Want)
				}
			}
		})
	}
}
