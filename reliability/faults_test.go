package reliability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// params sizes a run: the short form for `go test ./...` (CI), the long form for
// `make reliability` (RELIABILITY_LONG=1).
type params struct {
	rate  int           // writes per second
	warm  time.Duration // load before the first fault
	down  time.Duration // how long Postgres stays down
	after time.Duration // load after each fault
	kills int           // SIGKILLs per kill scenario
}

func scenarioParams() params {
	p := params{rate: 40, warm: 3 * time.Second, down: 4 * time.Second, after: 4 * time.Second, kills: 1}
	if long() {
		p = params{rate: 100, warm: 10 * time.Second, down: 15 * time.Second, after: 15 * time.Second, kills: 3}
	}
	if n, err := strconv.Atoi(os.Getenv("RELIABILITY_RATE")); err == nil && n > 0 {
		p.rate = n // for exploring: more writes per second
	}
	return p
}

func (p params) mode() string {
	if long() {
		return "long"
	}
	return "short"
}

// ---- the four scenarios ----

// TestPostgresRestart: Postgres is stopped and started mid-run, twice (a fast shutdown, then
// an immediate one whose start runs crash recovery). While it is down every request, writes
// and readiness alike, gets 503 problem+json with Retry-After within a second; the first
// write succeeds within 5 s of Postgres accepting connections again; no acknowledged write
// is lost or duplicated, and the audit log matches the programmes one to one.
func TestPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test: starts a private Postgres cluster and the real binary; run without -short")
	}
	c := postgresCluster(t)
	p := scenarioParams()
	rec := newRecorder(t, "postgres-restart", 1, "Postgres stopped and started under load",
		"While Postgres is down the API answers every request (writes and /readyz) with 503 application/problem+json and Retry-After within 1 s; "+
			"it recovers by itself within 5 s of Postgres accepting connections; 0 acknowledged writes lost, 0 duplicated; audit events match programmes one to one.",
		fmt.Sprintf("Keyed writes (POST /v1/programmes, one Idempotency-Key per logical write, failed writes retried with the same key) at %d/s "+
			"and GET /readyz every 100 ms on loopback. After %s, Postgres is stopped (`pg_ctl stop -m fast`), kept down %s, started (`pg_ctl start -w`), "+
			"and the load runs %s more; then the same with `-m immediate` (crash recovery on start). \"While down\" counts the requests sent after "+
			"`pg_ctl stop` returned and before `pg_ctl start` began; those sent while either command ran (Postgres stopping, or starting and "+
			"refusing connections with 57P03) are reported separately.", p.rate, p.warm, p.down, p.after),
		"postgres")
	a := newApp(t, c.createDB(t, "restart_"+suffix()))
	t.Cleanup(func() { // leave the cluster running for the next scenario, whatever happened
		if _, err := os.Stat(c.data() + "/postmaster.pid"); err != nil {
			_ = c.start()
		}
	})
	a.createManager()
	a.start()
	a.waitReady(time.Minute)
	l := newLoader(a.base, a.login(), "pgrestart", p.rate)
	l.run()
	l.pollReady(100*time.Millisecond, nil)
	time.Sleep(p.warm)

	type outage struct {
		mode                                     string
		stopBegin, stopDone, startBegin, started time.Time
	}
	var outages []outage
	for _, mode := range []string{"fast", "immediate"} {
		o := outage{mode: mode, stopBegin: time.Now()}
		if err := c.stop(mode); err != nil {
			t.Fatal(err)
		}
		o.stopDone = time.Now()
		time.Sleep(p.down)
		o.startBegin = time.Now()
		if err := c.start(); err != nil {
			t.Fatal(err)
		}
		o.started = time.Now()
		outages = append(outages, o)
		time.Sleep(p.after)
	}
	l.settle(60 * time.Second)
	all := l.attempts()

	for i, o := range outages {
		name := "stop -m " + o.mode
		until := time.Now()
		if i+1 < len(outages) {
			until = outages[i+1].stopBegin
		}
		rec.info(name+": Postgres down for", "%s (stop took %s, start took %s)", secs(o.startBegin.Sub(o.stopDone)),
			secs(o.stopDone.Sub(o.stopBegin)), secs(o.started.Sub(o.startBegin)))
		// Down: sent after the stop returned, before the start began. Every answer must be a
		// 503 problem (or, if it came after Postgres was back, anything good), within 1 s.
		for _, kind := range []string{"write", "ready"} {
			what := map[string]string{"write": "writes", "ready": "/readyz polls"}[kind]
			w := window(all, kind, o.stopDone, o.startBegin)
			var bad []string
			for _, x := range w.list {
				if x.done.Before(o.started) && !x.problem503() {
					bad = append(bad, x.outcome()+" "+x.ctype)
				}
			}
			rec.check(name+": "+what+" sent while down", w.n > 0, "> 0", "%d", w.n)
			rec.check(name+": "+what+" sent while down: not 503 problem+json with Retry-After", len(bad) == 0, "0", "%d%s", len(bad), examples(bad))
			rec.check(name+": "+what+" sent while down: slowest answer", w.n > 0 && w.max <= time.Second, "≤ 1 s", "%s", ms(w.max))
		}
		// The edges, reported: while pg_ctl stop ran (sessions terminated, shutdown checkpoint)
		// and while pg_ctl start ran (crash recovery after -m immediate; Postgres refuses
		// connections with 57P03 until it is consistent).
		for _, edge := range []struct {
			what     string
			from, to time.Time
		}{{"stopping", o.stopBegin, o.stopDone}, {"starting", o.startBegin, o.started}} {
			for _, kind := range []string{"write", "ready"} {
				what := map[string]string{"write": "writes", "ready": "/readyz polls"}[kind]
				w := window(all, kind, edge.from, edge.to)
				rec.info(fmt.Sprintf("%s: %s sent while Postgres was %s", name, what, edge.what), "%d: slowest %s, %d over 1 s; %s",
					w.n, ms(w.max), w.over1s, counts(w.outcomes))
				if w.over1s > 0 {
					rec.r.Notes = append(rec.r.Notes, fmt.Sprintf("%s: %d of %d %s sent while Postgres was %s waited over 1 s (slowest %s) for their answer",
						name, w.over1s, w.n, what, edge.what, ms(w.max)))
				}
			}
		}

		// Every 503, in the edges too (Postgres stopping, or refusing connections with 57P03
		// while it starts), comes at once: the pool does not queue requests behind dials to a
		// database that is not there (internal/store's fail-fast connector).
		var n503 int
		var slow503 time.Duration
		for _, x := range all {
			if x.status == http.StatusServiceUnavailable && !x.sent.Before(o.stopBegin) && x.sent.Before(o.started) {
				n503++
				slow503 = max(slow503, x.latency())
			}
		}
		rec.check(name+": slowest 503 from the stop until Postgres accepted connections", n503 > 0 && slow503 <= time.Second, "≤ 1 s",
			"%s (of %d)", ms(slow503), n503)

		var firstWrite, firstReady time.Duration = -1, -1
		var lastFail time.Duration
		for _, x := range all {
			if x.done.Before(o.started) {
				continue
			}
			ok := x.status >= 200 && x.status < 300
			d := x.done.Sub(o.started)
			switch {
			case x.kind == "write" && ok && firstWrite < 0:
				firstWrite = d
			case x.kind == "ready" && ok && firstReady < 0:
				firstReady = d
			}
			if x.kind == "write" && !ok && !x.sent.Before(o.started) && x.done.Before(until) {
				lastFail = max(lastFail, d)
			}
		}
		rec.check(name+": first acknowledged write after Postgres accepted connections", firstWrite >= 0 && firstWrite <= 5*time.Second, "≤ 5 s", "%s", ms(firstWrite))
		rec.check(name+": first /readyz 200 after Postgres accepted connections", firstReady >= 0 && firstReady <= 5*time.Second, "≤ 5 s", "%s", ms(firstReady))
		rec.info(name+": last failed write sent after Postgres was back", "%s after", ms(lastFail))
	}
	// Requests that never got an answer (the client gives up after 10 s): when were they sent?
	for _, x := range all {
		if x.status != 0 || x.err != "timeout" {
			continue
		}
		at := "before the first stop"
		for _, o := range outages {
			for _, ev := range []struct {
				name string
				t    time.Time
			}{{"pg_ctl stop -m " + o.mode + " began", o.stopBegin}, {"the stop returned", o.stopDone},
				{"pg_ctl start began", o.startBegin}, {"Postgres accepted connections", o.started}} {
				if !x.sent.Before(ev.t) {
					at = fmt.Sprintf("%s after %s", ms(x.sent.Sub(ev.t)), ev.name)
				}
			}
		}
		rec.r.Notes = append(rec.r.Notes, fmt.Sprintf("a %s sent %s got no answer within 10 s", x.kind, at))
	}
	rec.data(l, a)
}

// TestKillPostgres: the API is killed with SIGKILL mid-run and restarted, on Postgres.
func TestKillPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test: starts a private Postgres cluster and the real binary; run without -short")
	}
	c := postgresCluster(t)
	killScenario(t, "sigkill-postgres", 2, "postgres", c.createDB(t, "kill_"+suffix()))
}

// TestKillSQLite: the API is killed with SIGKILL mid-run and restarted, on embedded SQLite
// (WAL) in a data directory on disk.
func TestKillSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test: runs the real binary; run without -short")
	}
	killScenario(t, "sigkill-sqlite", 4, "sqlite", "")
}

func killScenario(t *testing.T, scenario string, order int, database, dbURL string) {
	p := scenarioParams()
	rec := newRecorder(t, scenario, order, "The API killed with SIGKILL under load and restarted ("+database+")",
		"No acknowledged write is lost or duplicated; the audit events match the programmes one to one; writes cut off by the kill are "+
			"retried with their Idempotency-Key and land exactly once.",
		fmt.Sprintf("Keyed writes at %d/s on loopback. After %s the server process gets SIGKILL, is started again at once on the same "+
			"address and data (%d time(s), %s of load between kills); failed writes are retried with the same key until acknowledged. "+
			"Then every acknowledged id is looked up in GET /v1/programmes and GET /v1/audit-events?action=programme.created.",
			p.rate, p.warm, p.kills, p.after),
		database)
	a := newApp(t, dbURL)
	a.createManager()
	a.start()
	a.waitReady(time.Minute)
	l := newLoader(a.base, a.login(), "kill", p.rate)
	l.run()
	time.Sleep(p.warm)
	type outage struct{ kill, ready time.Time }
	var outages []outage
	for i := range p.kills {
		if i > 0 {
			time.Sleep(p.after)
		}
		o := outage{kill: time.Now()}
		a.kill()
		a.start()
		ready := a.waitReady(time.Minute)
		o.ready = time.Now()
		outages = append(outages, o)
		rec.info(fmt.Sprintf("kill %d: restart to /readyz 200", i+1), "%s (from SIGKILL: %s)", ms(ready), ms(o.ready.Sub(o.kill)))
	}
	time.Sleep(p.after)
	l.settle(60 * time.Second)
	cut := map[string]int{}
	for _, x := range l.attempts() {
		for _, o := range outages {
			if x.kind == "write" && x.sent.Before(o.ready) && !x.done.Before(o.kill) {
				cut[x.outcome()]++
			}
		}
	}
	rec.info("writes in flight at a kill or sent before the restart was ready", "%s", counts(cut))
	rec.data(l, a)
}

// TestTermDrain: SIGTERM under load. The client polls /readyz every 100 ms and stops sending
// as soon as it answers anything but 200, as a load balancer does; the server keeps accepting
// for CONSTELLATE_DRAIN_DELAY (2 s here) before closing its listener, so not one request the
// client sent may fail. The server exits 0; restarted, it has every acknowledged write.
func TestTermDrain(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test: starts a private Postgres cluster and the real binary; run without -short")
	}
	c := postgresCluster(t)
	p := scenarioParams()
	rec := newRecorder(t, "sigterm-drain", 3, "SIGTERM under load, behind a client that follows readiness",
		"0 failed requests (every request the client sent got an HTTP response, no 5xx, none reset or refused); the process exits 0; "+
			"0 acknowledged writes lost after a restart.",
		fmt.Sprintf("Keyed writes at %d/s on loopback with kept-alive connections, and GET /readyz every 100 ms; the client stops sending "+
			"as soon as /readyz answers anything but 200. After %s the server gets SIGTERM (CONSTELLATE_DRAIN_DELAY=2s). Once it has exited it "+
			"is started again and the client resumes.", p.rate, 2*p.warm),
		"postgres")
	a := newApp(t, c.createDB(t, "term_"+suffix()))
	a.createManager()
	a.start()
	a.waitReady(time.Minute)
	l := newLoader(a.base, a.login(), "term", p.rate)
	var (
		watching atomic.Bool
		mu       sync.Mutex
		heldAt   time.Time
	)
	watching.Store(true)
	l.run()
	l.pollReady(100*time.Millisecond, func(x attempt) {
		if watching.Load() && x.status != http.StatusOK && !l.held.Load() {
			mu.Lock()
			heldAt = x.done
			mu.Unlock()
			l.held.Store(true)
		}
	})
	time.Sleep(2 * p.warm)
	old := a.proc
	termAt := time.Now()
	if err := old.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-old.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not exit within 30 s of SIGTERM")
	}
	exitAt := time.Now()
	watching.Store(false)
	code := 0
	var ee *exec.ExitError
	if errors.As(old.err, &ee) {
		code = ee.ExitCode()
	} else if old.err != nil {
		code = -1
	}

	var sent, afterTerm, failed int
	var bad []string
	for _, x := range l.attempts() {
		if x.kind != "write" || !x.sent.Before(exitAt) {
			continue
		}
		sent++
		if !x.sent.Before(termAt) {
			afterTerm++
		}
		if x.status == 0 || x.status >= 500 {
			failed++
			bad = append(bad, x.outcome())
		}
	}
	mu.Lock()
	held := heldAt
	mu.Unlock()
	rec.info("writes sent to the server before it exited", "%d", sent)
	rec.info("of those, sent after SIGTERM (served while draining)", "%d", afterTerm)
	rec.check("the client saw /readyz 503 and stopped sending", !held.IsZero(), "yes", "%s after SIGTERM", ms(held.Sub(termAt)))
	rec.check("failed requests (no response, or 5xx)", failed == 0, "0", "%d%s", failed, examples(bad))
	rec.check("exit code", code == 0, "0", "%d", code)
	rec.info("SIGTERM to exit", "%s", ms(exitAt.Sub(termAt)))

	a.start()
	a.waitReady(time.Minute)
	l.held.Store(false)
	time.Sleep(p.warm)
	l.settle(60 * time.Second)
	rec.data(l, a)
}

// span is what happened to the requests of one kind sent in [from, to).
type span struct {
	list     []attempt
	n        int
	max      time.Duration
	over1s   int
	outcomes map[string]int
}

func window(all []attempt, kind string, from, to time.Time) span {
	w := span{outcomes: map[string]int{}}
	for _, x := range all {
		if x.kind != kind || x.sent.Before(from) || !x.sent.Before(to) {
			continue
		}
		w.list = append(w.list, x)
		w.n++
		w.max = max(w.max, x.latency())
		if x.latency() > time.Second {
			w.over1s++
		}
		w.outcomes[x.outcome()]++
	}
	return w
}

// ---- recording figures ----

type recorder struct {
	t     *testing.T
	r     Result
	start time.Time
}

func newRecorder(t *testing.T, scenario string, order int, title, claim, method, database string) *recorder {
	rec := &recorder{t: t, start: time.Now(), r: Result{Scenario: scenario, Order: order, Title: title, Claim: claim, Method: method,
		Mode: scenarioParams().mode(), Database: database, Started: time.Now().UTC()}}
	t.Cleanup(rec.finish)
	return rec
}

func (r *recorder) add(name, want string, ok *bool, format string, args ...any) {
	r.r.Figures = append(r.r.Figures, Figure{Name: name, Value: fmt.Sprintf(format, args...), Want: want, OK: ok})
}

// check records a figure held to a requirement and fails the test when it is not met.
func (r *recorder) check(name string, ok bool, want, format string, args ...any) {
	r.t.Helper()
	r.add(name, want, &ok, format, args...)
	if !ok {
		r.t.Errorf("%s: %s, want %s", name, fmt.Sprintf(format, args...), want)
	}
}

// info records a figure that is only reported.
func (r *recorder) info(name, format string, args ...any) { r.add(name, "", nil, format, args...) }

// data checks what the database kept against what the client was told, through the API.
func (r *recorder) data(l *loader, a *app) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := verify(ctx, a.base, l.token, l)
	if err != nil {
		r.t.Fatalf("listing what the database kept: %v", err)
	}
	r.r.Statuses = v.statuses
	r.info("logical writes (distinct Idempotency-Keys)", "%d", v.issued)
	r.info("write requests sent (first tries and retries)", "%d", v.attempts)
	r.check("acknowledged writes (2xx)", v.acked > 0, "> 0", "%d", v.acked)
	r.info("of those, answered from the idempotency record (the first try had committed)", "%d", v.replays)
	r.check("never acknowledged, though retried to the end", v.unresolved == 0, "0", "%d (%d of them in the database)", v.unresolved, v.committedUnacked)
	r.check("acknowledged writes lost", v.lost == 0, "0", "%d", v.lost)
	r.check("duplicated writes", v.duplicated == 0 && v.ackConflicts == 0, "0", "%d (keys acknowledged with two ids: %d)", v.duplicated, v.ackConflicts)
	r.check("acknowledged id differs from the stored one", v.wrongID == 0, "0", "%d", v.wrongID)
	r.info("programmes listed afterwards", "%d", v.programmes)
	r.check("programme.created audit events vs programmes: mismatches", v.auditMismatches == 0, "0", "%d (%d events, %d programmes)", v.auditMismatches, v.auditEvents, v.programmes)
	var fivexx int
	for s, n := range v.statuses {
		if strings.HasPrefix(s, "5") && s != "503" {
			fivexx += n
		}
	}
	r.check("5xx other than 503, whole run", fivexx == 0, "0", "%d", fivexx)
	r.check("writes with no answer within the client's 10 s", v.statuses["error: timeout"] == 0, "0", "%d", v.statuses["error: timeout"])
	if fivexx > 0 {
		// The server logs each 5xx with its error: keep them as evidence.
		for _, line := range strings.Split(tail(a.logPath, 100000), "\n") {
			if strings.Contains(line, `"request failed"`) && !strings.Contains(line, "database is unavailable") {
				r.r.Notes = append(r.r.Notes, "server log: "+line)
				r.t.Logf("server log: %s", line)
			}
		}
	}
	r.info("write outcomes, whole run", "%s", counts(v.statuses))
	for _, e := range v.firstErrors {
		r.t.Errorf("data: %s", e)
	}
}

func (r *recorder) finish() {
	if r.t.Skipped() {
		return
	}
	r.r.Passed = !r.t.Failed()
	r.r.Seconds = time.Since(r.start).Seconds()
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s form, %.0f s):\n", r.r.Title, r.r.Database, r.r.Mode, r.r.Seconds)
	for _, f := range r.r.Figures {
		mark := "  "
		if f.OK != nil && !*f.OK {
			mark = "✗ "
		} else if f.OK != nil {
			mark = "✓ "
		}
		want := ""
		if f.Want != "" {
			want = "  (want " + f.Want + ")"
		}
		fmt.Fprintf(&b, "  %s%s: %s%s\n", mark, f.Name, f.Value, want)
	}
	r.t.Log(b.String())
	if dir := os.Getenv("RELIABILITY_RESULTS"); dir != "" {
		if err := r.r.Save(dir); err != nil {
			r.t.Errorf("save results: %v", err)
		}
		env := Environment{GoVersion: runtime.Version()}
		if pg != nil {
			env.PostgresVersion, env.PostgresBin = pg.version, pg.bin
		}
		if err := env.Save(dir); err != nil {
			r.t.Errorf("save environment: %v", err)
		}
	}
}

// ---- formatting ----

func ms(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s × %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func examples(list []string) string {
	if len(list) == 0 {
		return ""
	}
	m := map[string]int{}
	for _, s := range list {
		m[s]++
	}
	return " (" + counts(m) + ")"
}

func suffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
