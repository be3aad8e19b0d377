package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"constellate/bench/driver"
)

// variant is one side of an A/B comparison: a server and the requests sent to it.
type variant struct {
	name   string
	proc   *driver.Process
	source func(run int) driver.Source
}

// summary is one variant's figures over the repeats (medians).
type summary struct {
	Name        string
	Peak        float64   // closed-loop throughput, requests/s (median)
	PeakRuns    []float64 // every closed-loop run's throughput
	Rate        float64   // the fixed-rate runs' rate
	Achieved    float64   // the fixed-rate runs' achieved throughput (median)
	P50         time.Duration
	P95         time.Duration
	P99         time.Duration
	CPUPerReq   time.Duration // server CPU per request at peak (median)
	DBCPUPerReq time.Duration // the Postgres cluster's CPU per request at peak (median)
	PeakRSS     int64         // the largest peak RSS of any run
	Requests    int
	Failures    int
	Failure     string // one failure message
	Bytes       int    // one response's size
}

// result is an endpoint's comparison.
type result struct {
	ID, Title, Request string
	Variants           []summary
	Checks             []checkResult
	Note               string
}

type checkResult struct {
	check
	Ratio float64
	Pass  bool
}

func (b *bench) nextRun() int { b.runSeq++; return b.runSeq }

// once runs one measured run of v.
func (b *bench) once(ctx context.Context, ep endpoint, v variant, conns int, rate float64, d time.Duration) (driver.Result, error) {
	if ep.before != nil {
		if err := ep.before(ctx); err != nil {
			return driver.Result{}, err
		}
	}
	start := time.Now().Add(-time.Second)
	res := driver.Do(driver.Run{Base: v.proc.Base, Source: v.source(b.nextRun()), Duration: d, Conns: conns, Rate: rate, PID: v.proc.PID()})
	if ep.after != nil {
		if err := ep.after(ctx, start); err != nil {
			return res, err
		}
	}
	return res, nil
}

// shapeDiff describes the key paths only one of a and b has ("" when none).
func shapeDiff(a, b []string) string {
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, k := range list {
			m[k] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var only []string
	for _, k := range a {
		if !mb[k] {
			only = append(only, "-"+k)
		}
	}
	for _, k := range b {
		if !ma[k] {
			only = append(only, "+"+k)
		}
	}
	return strings.Join(only, " ")
}

// ab measures an endpoint on every variant: a warm-up each, then repeats of a closed-loop
// run on each (the order alternating between repeats), then repeats of a fixed-rate run
// each at o.rateFrac of variant rateFrom's median peak. Medians are reported.
func (b *bench) ab(ctx context.Context, ep endpoint, vs []variant, rateFrom int) (result, error) {
	logf("%s %s", ep.ID, ep.Title)
	sums := make([]summary, len(vs))
	var closed, open = make([][]driver.Result, len(vs)), make([][]driver.Result, len(vs))
	var firstShape []string
	for i, v := range vs {
		sums[i].Name = v.name
		if ep.probeOK {
			code, body, msg := probeBody(v.proc.Base, v.source(0)(0))
			if code != 200 {
				return result{}, fmt.Errorf("%s answered %d: %s", v.name, code, msg)
			}
			sums[i].Bytes = len(body)
			// The baseline must do the service's work: the same request answers with the same
			// JSON shape (every key path, answers' contents aside), or the ratio means nothing.
			if shape := shapeOf(body); i == 0 {
				firstShape = shape
			} else if d := shapeDiff(firstShape, shape); d != "" {
				return result{}, fmt.Errorf("%s: %s and %s answer with different shapes: %s", ep.ID, vs[0].name, v.name, d)
			}
		}
		if _, err := b.once(ctx, ep, v, b.o.conns, 0, b.o.warmup); err != nil {
			return result{}, err
		}
	}
	order := func(rep int) []int {
		idx := make([]int, len(vs))
		for i := range idx {
			idx[i] = i
			if rep%2 == 1 {
				idx[i] = len(vs) - 1 - i
			}
		}
		return idx
	}
	for rep := 0; rep < b.o.repeats; rep++ {
		for _, i := range order(rep) {
			r, err := b.once(ctx, ep, vs[i], b.o.conns, 0, b.o.duration)
			if err != nil {
				return result{}, err
			}
			closed[i] = append(closed[i], r)
			logf("  %-10s closed  %8.0f req/s  p50 %-9s p99 %-9s cpu/req %-8s fail %d", vs[i].name, r.Throughput, r.P50.Round(10*time.Microsecond),
				r.P99.Round(10*time.Microsecond), r.CPUPerReq.Round(time.Microsecond), r.Requests-r.OK)
		}
	}
	var peaks []float64
	for _, r := range closed[rateFrom] {
		peaks = append(peaks, r.Throughput)
	}
	rate := max(1, driver.Median(peaks)*b.o.rateFrac)
	for rep := 0; rep < b.o.repeats; rep++ {
		for _, i := range order(rep + 1) {
			r, err := b.once(ctx, ep, vs[i], 0, rate, b.o.duration)
			if err != nil {
				return result{}, err
			}
			open[i] = append(open[i], r)
			logf("  %-10s %5.0f/s  p50 %-9s p95 %-9s p99 %-9s fail %d", vs[i].name, rate, r.P50.Round(10*time.Microsecond),
				r.P95.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Requests-r.OK)
		}
	}
	for i := range vs {
		s := &sums[i]
		var tp, cpu, dbcpu, ach []float64
		var p50, p95, p99 []time.Duration
		for _, r := range closed[i] {
			tp = append(tp, r.Throughput)
			cpu = append(cpu, float64(r.CPUPerReq))
			dbcpu = append(dbcpu, float64(r.DBCPUPerReq))
			s.PeakRSS = max(s.PeakRSS, r.PeakRSS)
			s.account(r)
		}
		for _, r := range open[i] {
			p50, p95, p99 = append(p50, r.P50), append(p95, r.P95), append(p99, r.P99)
			ach = append(ach, r.Throughput)
			s.PeakRSS = max(s.PeakRSS, r.PeakRSS)
			s.account(r)
		}
		s.Peak, s.PeakRuns, s.Rate, s.Achieved = driver.Median(tp), tp, rate, driver.Median(ach)
		s.CPUPerReq, s.DBCPUPerReq = time.Duration(driver.Median(cpu)), time.Duration(driver.Median(dbcpu))
		s.P50, s.P95, s.P99 = driver.Median(p50), driver.Median(p95), driver.Median(p99)
		if s.Failures > 0 {
			logf("  %s: %d of %d requests failed (%s)", s.Name, s.Failures, s.Requests, s.Failure)
		}
	}
	r := result{ID: ep.ID, Title: ep.Title, Request: ep.Request, Variants: sums}
	if len(sums) == 2 {
		r.Checks = evaluate(ep.checks, sums[0], sums[1])
	}
	return r, nil
}

func (s *summary) account(r driver.Result) {
	s.Requests += r.Requests
	s.Failures += r.Requests - r.OK
	if s.Failure == "" {
		for msg, n := range r.Errors {
			s.Failure = fmt.Sprintf("%d× %s", n, msg)
			break
		}
	}
}

func evaluate(cs []check, svc, base summary) []checkResult {
	var out []checkResult
	for _, c := range cs {
		cr := checkResult{check: c}
		switch c.What {
		case "throughput":
			cr.Ratio = ratio(svc.Peak, base.Peak)
		case "p95":
			cr.Ratio = ratio(float64(svc.P95), float64(base.P95))
		case "p99":
			cr.Ratio = ratio(float64(svc.P99), float64(base.P99))
		}
		if c.AtMost {
			cr.Pass = cr.Ratio > 0 && cr.Ratio <= c.Target
		} else {
			cr.Pass = cr.Ratio >= c.Target
		}
		out = append(out, cr)
	}
	return out
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// cursor compares the first page of the unfiltered list with a page 100k rows deep, on the
// service and on the baseline.
func (b *bench) cursor(ctx context.Context) error {
	f := b.fx
	h := bearer(f.managerToken)
	first := fixed(driver.Request{Path: "/v1/applications?limit=50", Header: h})
	deep := fixed(driver.Request{Path: "/v1/applications?limit=50&cursor=" + cursorOf(f.deepCursor), Header: h})
	ep := endpoint{ID: "cursor", Title: fmt.Sprintf("A cursor page %d rows deep against the first page", f.deepRows), probeOK: true,
		Request: "GET /v1/applications?limit=50[&cursor=…] (a manager; every application)"}
	r, err := b.ab(ctx, ep, []variant{{"service, first page", b.svc, first}, {"service, deep page", b.svc, deep},
		{"baseline, first page", b.base, first}, {"baseline, deep page", b.base, deep}}, 0)
	if err != nil {
		return err
	}
	s := r.Variants
	r.Checks = []checkResult{{check: check{"deep p50 / first p50", 1.2, true}, Ratio: ratio(float64(s[1].P50), float64(s[0].P50))},
		{check: check{"first peak / deep peak", 1.2, true}, Ratio: ratio(s[0].Peak, s[1].Peak)}}
	for i := range r.Checks {
		r.Checks[i].Pass = r.Checks[i].Ratio > 0 && r.Checks[i].Ratio <= 1.2
	}
	b.rep.Cursor = &r
	return nil
}

// exportRun is one CSV export measurement.
type exportRun struct {
	Server  string
	Awards  int
	Seconds []float64
	RowsPS  float64 // median rows per second
	Bytes   int64
	IdleRSS int64
	PeakRSS int64 // the process's peak RSS over its warm-up and repeats
	Failure string
}

// export measures the awards CSV at the main size and the export size, each on fresh
// processes of the service and the baseline (so each peak RSS is the export's own).
func (b *bench) export(ctx context.Context) error {
	logf("E7 CSV export of awards")
	sets := []struct {
		url    string
		awards int
	}{{b.mainURL, b.fx.awards}, {b.expURL, int(b.rep.ExportCounts["awards"])}}
	for _, set := range sets {
		svc, err := b.startService(ctx, "service-e7", set.url, "")
		if err != nil {
			return err
		}
		base, err := b.startBaseline(ctx, "baseline-e7", set.url)
		if err != nil {
			svc.Stop()
			return err
		}
		runs := []*exportRun{{Server: "service", Awards: set.awards}, {Server: "baseline", Awards: set.awards}}
		procs := []*driver.Process{svc, base}
		time.Sleep(500 * time.Millisecond)
		for i, p := range procs {
			runs[i].IdleRSS, _, _ = driver.Memory(p.PID())
		}
		tok, err := b.financeToken(ctx, set.url)
		if err != nil {
			svc.Stop()
			base.Stop()
			return err
		}
		h := bearer(tok)
		h.Set("Accept", "text/csv")
		req := driver.Request{Path: "/v1/awards", Header: h}
		for rep := -1; rep < b.o.repeats; rep++ { // -1: the warm-up
			for k := range procs {
				i := k
				if rep%2 != 0 {
					i = len(procs) - 1 - k
				}
				start := time.Now()
				code, n, msg := probe(procs[i].Base, req)
				sec := time.Since(start).Seconds()
				if code != 200 {
					runs[i].Failure = fmt.Sprintf("%d %s", code, msg)
					continue
				}
				runs[i].Bytes = int64(n)
				if rep >= 0 {
					runs[i].Seconds = append(runs[i].Seconds, sec)
				}
			}
		}
		for i, p := range procs {
			_, runs[i].PeakRSS, _ = driver.Memory(p.PID())
			if len(runs[i].Seconds) > 0 {
				runs[i].RowsPS = float64(set.awards) / driver.Median(runs[i].Seconds)
			}
			logf("  %-8s %7d awards: %8.0f rows/s, %5.1f MB, peak RSS %s", runs[i].Server, set.awards, runs[i].RowsPS,
				float64(runs[i].Bytes)/1e6, mb(runs[i].PeakRSS))
			b.rep.Export = append(b.rep.Export, *runs[i])
		}
		svc.Stop()
		base.Stop()
	}
	return nil
}

// financeToken is a token for the first finance user of the database at url.
func (b *bench) financeToken(ctx context.Context, url string) (string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var id string
	if err := conn.QueryRow(ctx, `SELECT id::text FROM users WHERE role = 'finance' ORDER BY email LIMIT 1`).Scan(&id); err != nil {
		return "", fmt.Errorf("a finance user: %w", err)
	}
	return b.minter.Token(id, "finance")
}

// sqliteRuns measures E1–E3 and E6 on the service with the embedded SQLite (same data).
func (b *bench) sqliteRuns(ctx context.Context) error {
	svc, err := b.startService(ctx, "service-sqlite", "", b.sqlDir)
	if err != nil {
		return err
	}
	defer svc.Stop()
	logf("SQLite service on %s (ready in %s)", svc.Base, svc.Ready.Round(time.Millisecond))
	for _, ep := range b.endpoints(ctx) {
		switch ep.ID {
		case "E1", "E2", "E3", "E6":
		default:
			continue
		}
		if !b.want(ep.ID) {
			continue
		}
		r, err := b.ab(ctx, ep, []variant{{"service (SQLite)", svc, ep.source}}, 0)
		if err != nil {
			return fmt.Errorf("%s: %w", ep.ID, err)
		}
		b.rep.SQLite = append(b.rep.SQLite, r)
	}
	return nil
}

// startup measures start → /readyz 200 on an empty SQLite directory and an empty Postgres
// database (migrations included), three times each (once with -small), and the idle RSS after it.
func (b *bench) startup(ctx context.Context) error {
	logf("start-up readiness")
	n := 3
	if b.o.small {
		n = 1
	}
	for i := 0; i < n; i++ {
		dir := filepath.Join(b.runDir, fmt.Sprintf("empty-sqlite-%d", i))
		p, err := b.startService(ctx, "service-empty-sqlite", "", dir)
		if err != nil {
			return err
		}
		b.rep.Startup.EmptySQLite = append(b.rep.Startup.EmptySQLite, p.Ready)
		time.Sleep(time.Second)
		rss, _, _ := driver.Memory(p.PID())
		b.rep.Startup.IdleRSSSQLite = max(b.rep.Startup.IdleRSSSQLite, rss)
		p.Stop()
		_ = os.RemoveAll(dir)
	}
	for i := 0; i < n; i++ {
		u, err := b.emptyPostgres(ctx)
		if err != nil {
			return err
		}
		p, err := b.startService(ctx, "service-empty-postgres", u, "")
		if err != nil {
			return err
		}
		b.rep.Startup.EmptyPostgres = append(b.rep.Startup.EmptyPostgres, p.Ready)
		p.Stop()
	}
	if err := b.dropEmptyPostgres(ctx); err != nil {
		logf("  drop the scratch database: %v", err)
	}
	logf("  empty SQLite %v, empty Postgres %v", b.rep.Startup.EmptySQLite, b.rep.Startup.EmptyPostgres)
	return nil
}

// profile profiles the service during one more closed-loop run of ep: with perf (the
// service exposes no pprof endpoint), flat by symbol.
func (b *bench) profile(ctx context.Context, ep endpoint) *profileResult {
	pr := &profileResult{Endpoint: ep.ID}
	if _, err := exec.LookPath("perf"); err != nil {
		pr.Note = "perf is not installed; the service exposes no pprof endpoint (see Findings)"
		return pr
	}
	data := filepath.Join(b.runDir, "perf-"+ep.ID+".data")
	d := b.o.duration + time.Second
	cmd := exec.CommandContext(ctx, "perf", "record", "-F", "999", "-g", "-p", fmt.Sprint(b.svc.PID()), "-o", data, "--", "sleep", fmt.Sprint(d.Seconds()))
	out, _ := os.Create(filepath.Join(b.runDir, "perf-"+ep.ID+".log"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		pr.Note = "perf record: " + err.Error()
		return pr
	}
	time.Sleep(300 * time.Millisecond)
	_, _ = b.once(ctx, ep, variant{"service", b.svc, ep.source}, b.o.conns, 0, b.o.duration)
	_ = cmd.Wait()
	out.Close()
	rep, err := exec.CommandContext(ctx, "perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "symbol", "-g", "none",
		"--percent-limit", "0.7").Output()
	if err != nil {
		pr.Note = "perf report: " + err.Error()
		return pr
	}
	txt := filepath.Join(b.runDir, "perf-"+ep.ID+".txt")
	_ = os.WriteFile(txt, rep, 0o644)
	pr.File = txt
	for _, line := range strings.Split(string(rep), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		pr.Top = append(pr.Top, strings.TrimRight(strings.TrimRight(t, " -"), " "))
		if len(pr.Top) == 25 {
			break
		}
	}
	logf("  profile of %s: %s", ep.ID, txt)
	return pr
}

type profileResult struct {
	Endpoint string
	File     string
	Top      []string
	Note     string
}

func sortedKeys(m map[string]int64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
