// Package driver is the benchmark's load driver: vegeta as a library for closed-loop
// (peak throughput: N connections, each sending its next request as soon as the last one
// answers) and fixed-rate (latency at a set arrival rate) runs, exact latency percentiles,
// and the server's CPU time and peak RSS over each run, read from /proc.
package driver

import (
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Request is one request to send.
type Request struct {
	Method string
	Path   string // with the query string
	Header http.Header
	Body   []byte
}

// Source makes the i-th request of a run (called concurrently, i counting from 0).
type Source func(i uint64) Request

// Run describes one run against one server.
type Run struct {
	Base     string // http://host:port
	Source   Source
	Duration time.Duration
	// Conns > 0 makes a closed-loop run with this many connections (and workers); Rate > 0
	// a fixed-rate (open-loop) run at Rate requests per second.
	Conns int
	Rate  float64
	PID   int // the server, for CPU and memory (0: not measured)
	// OK says which statuses count as success (nil: 2xx).
	OK func(code int) bool
}

// Result is what a run measured.
type Result struct {
	Requests   int
	OK         int
	Codes      map[int]int
	Errors     map[string]int // transport errors and non-OK statuses, by message
	Elapsed    time.Duration
	Throughput float64 // successful requests per second
	Mean       time.Duration
	P50        time.Duration
	P95        time.Duration
	P99        time.Duration
	Max        time.Duration
	// Server CPU (user+system) per successful request, and its peak RSS during the run.
	CPUPerReq time.Duration
	PeakRSS   int64
	// DBCPUPerReq is the local Postgres cluster's CPU per successful request.
	DBCPUPerReq time.Duration
}

// Do runs r and measures it.
func Do(r Run) Result {
	n := r.Conns
	if n <= 0 {
		n = 64
	}
	opts := []func(*vegeta.Attacker){
		vegeta.KeepAlive(true), vegeta.Connections(n), vegeta.MaxConnections(n), vegeta.HTTP2(false),
		vegeta.Timeout(60 * time.Second), vegeta.MaxBody(0), vegeta.Redirects(vegeta.NoFollow),
	}
	var pacer vegeta.Pacer
	if r.Conns > 0 {
		opts = append(opts, vegeta.Workers(uint64(n)), vegeta.MaxWorkers(uint64(n)))
		pacer = vegeta.ConstantPacer{Freq: 0}
	} else {
		opts = append(opts, vegeta.Workers(8))
		pacer = vegeta.ConstantPacer{Freq: max(1, int(r.Rate+0.5)), Per: time.Second}
	}
	atk := vegeta.NewAttacker(opts...)
	var seq atomic.Uint64
	targeter := func(t *vegeta.Target) error {
		req := r.Source(seq.Add(1) - 1)
		t.Method, t.URL, t.Header, t.Body = req.Method, r.Base+req.Path, req.Header, req.Body
		if t.Method == "" {
			t.Method = http.MethodGet
		}
		return nil
	}
	ok := r.OK
	if ok == nil {
		ok = func(code int) bool { return code >= 200 && code < 300 }
	}
	var cpu0, db0 time.Duration
	if r.PID > 0 {
		_ = ResetPeak(r.PID)
		cpu0, _ = CPUTime(r.PID)
		db0 = PostgresCPU()
	}
	res := Result{Codes: map[int]int{}, Errors: map[string]int{}}
	lat := make([]time.Duration, 0, 1<<16)
	var sum time.Duration
	start := time.Now()
	for v := range atk.Attack(targeter, pacer, r.Duration, "bench") {
		res.Requests++
		res.Codes[int(v.Code)]++
		switch {
		case v.Error != "" && v.Code == 0:
			res.Errors[v.Error]++
		case !ok(int(v.Code)):
			res.Errors[http.StatusText(int(v.Code))]++
		default:
			res.OK++
			lat = append(lat, v.Latency)
			sum += v.Latency
		}
	}
	res.Elapsed = time.Since(start)
	if r.PID > 0 {
		cpu1, _ := CPUTime(r.PID)
		db1 := PostgresCPU()
		_, res.PeakRSS, _ = Memory(r.PID)
		if res.OK > 0 {
			res.CPUPerReq = (cpu1 - cpu0) / time.Duration(res.OK)
			res.DBCPUPerReq = (db1 - db0) / time.Duration(res.OK)
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		res.Mean = sum / time.Duration(len(lat))
		res.P50, res.P95, res.P99 = quantile(lat, 0.50), quantile(lat, 0.95), quantile(lat, 0.99)
		res.Max = lat[len(lat)-1]
	}
	res.Throughput = float64(res.OK) / res.Elapsed.Seconds()
	return res
}

// quantile is the nearest-rank quantile of sorted latencies.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(len(sorted)-1, i))]
}

// Median is the middle value (the lower middle of an even count).
func Median[T int | int64 | float64 | time.Duration](v []T) T {
	if len(v) == 0 {
		var zero T
		return zero
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
