package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"constellate/bench/driver"
)

// endpoint is one benchmarked request shape.
type endpoint struct {
	ID, Title, Request string
	// source makes run n's requests (writes need fresh state per run).
	source func(run int) driver.Source
	// before and after run around every run (after gets the run's start).
	before func(ctx context.Context) error
	after  func(ctx context.Context, start time.Time) error
	// probeOK says the endpoint may be probed with a plain request first (reads only).
	probeOK bool
	checks  []check
}

// check is a target: the service's figure over the baseline's in the same run.
type check struct {
	What   string  // "throughput", "p99", "p95"
	Target float64 // ratio bound
	AtMost bool    // latency ratios must be at most Target; throughput at least
}

func fixed(r driver.Request) func(int) driver.Source {
	return func(int) driver.Source { return func(uint64) driver.Request { return r } }
}

func (b *bench) endpoints(ctx context.Context) []endpoint {
	f := b.fx
	atLeast := func(t float64) check { return check{"throughput", t, false} }
	eps := []endpoint{
		{ID: "E1", Title: "List open rounds", Request: "GET /v1/rounds?status=open (anonymous; 50 rounds with their forms)", probeOK: true,
			source: fixed(driver.Request{Path: "/v1/rounds?status=open"}), checks: []check{atLeast(0.60)}},
		{ID: "E2", Title: "Get an application", Request: "GET /v1/applications/{id} (its owner; 5,000 applications at random)", probeOK: true,
			source: func(int) driver.Source {
				return func(i uint64) driver.Request {
					a := f.apps[i*7919%uint64(len(f.apps))]
					return driver.Request{Path: "/v1/applications/" + a.id, Header: bearer(a.token)}
				}
			}, checks: []check{atLeast(0.70), {"p99", 1.5, true}}},
		{ID: "E3", Title: "List 50 applications in a round", Request: "GET /v1/applications?round_id=…&limit=50 (a manager; rounds at random)", probeOK: true,
			source: func(int) driver.Source {
				h := bearer(f.managerToken)
				return func(i uint64) driver.Request {
					return driver.Request{Path: "/v1/applications?limit=50&round_id=" + f.listRounds[i*31%uint64(len(f.listRounds))], Header: h}
				}
			}, checks: []check{atLeast(0.60)}},
		{ID: "E6", Title: "Ranking", Request: fmt.Sprintf("GET /v1/rounds/{id}/ranking (a manager; a round of %d applications)", f.rankingApps), probeOK: true,
			source: fixed(driver.Request{Path: "/v1/rounds/" + f.rankingRound + "/ranking", Header: bearer(f.managerToken)}),
			checks: []check{atLeast(0.90), {"p95", 1.2, true}}},
		{ID: "E8", Title: "Authenticated route without database work", Request: "GET /healthz with a bearer token (JWT verify + token_version check only)", probeOK: true,
			source: func(int) driver.Source {
				return func(i uint64) driver.Request {
					return driver.Request{Path: "/healthz", Header: bearer(f.plainTokens[i%uint64(len(f.plainTokens))])}
				}
			}, checks: []check{atLeast(0.60)}},
		{ID: "E9", Title: "Finance sync", Request: "GET /v1/payments?updated_since=…&limit=200 (finance; a page of 200)", probeOK: true,
			source: func(int) driver.Source {
				h := bearer(f.financeToken)
				return func(i uint64) driver.Request {
					t := f.since[i*13%uint64(len(f.since))]
					return driver.Request{Path: "/v1/payments?limit=200&updated_since=" + url.QueryEscape(t.UTC().Format(time.RFC3339Nano)), Header: h}
				}
			}, checks: []check{atLeast(0.60)}},
	}
	if drafts, err := loadDrafts(ctx, b.conn, f); err == nil && len(drafts.ids) > 0 {
		eps = append(eps, endpoint{ID: "E4", Title: "Submit an application",
			Request: fmt.Sprintf("POST /v1/applications/{id}/submit with Idempotency-Key (its owner; %d complete drafts, reset after every run)", len(drafts.ids)),
			source: func(run int) driver.Source {
				return func(i uint64) driver.Request {
					k := i % uint64(len(drafts.ids))
					h := bearer(drafts.tokens[k])
					h.Set("Idempotency-Key", fmt.Sprintf("bench-%d-%d", run, i))
					return driver.Request{Method: http.MethodPost, Path: "/v1/applications/" + drafts.ids[k] + "/submit", Header: h}
				}
			},
			after:  func(ctx context.Context, start time.Time) error { return resetDrafts(ctx, b.conn, drafts, start) },
			checks: []check{atLeast(0.80)}})
	} else if err != nil {
		logf("E4: %v", err)
	}
	if pool, err := loadAssessments(ctx, b.conn, f); err == nil && len(pool.ids) > 0 {
		eps = append(eps, endpoint{ID: "E5", Title: "Save an assessment with If-Match",
			Request: fmt.Sprintf("PUT /v1/applications/{id}/assessment with If-Match (its panel member; %d drafts)", len(pool.ids)),
			source: func(int) driver.Source {
				versions := append([]int64(nil), pool.versions...)
				n := uint64(len(pool.ids))
				return func(i uint64) driver.Request {
					k := i % n
					h := bearer(pool.tokens[k])
					h.Set("Content-Type", "application/json")
					h.Set("If-Match", fmt.Sprintf(`"%d"`, versions[k]+int64(i/n)))
					return driver.Request{Method: http.MethodPut, Path: "/v1/applications/" + pool.apps[k] + "/assessment", Header: h, Body: pool.bodies[k]}
				}
			},
			before: func(ctx context.Context) error { return refreshVersions(ctx, b.conn, pool) },
			after: func(ctx context.Context, start time.Time) error {
				tx, err := b.conn.Begin(ctx)
				if err != nil {
					return err
				}
				defer tx.Rollback(ctx) //nolint:errcheck
				if err := cleanWrites(ctx, tx, start); err != nil {
					return err
				}
				return tx.Commit(ctx)
			},
			checks: []check{atLeast(0.80)}})
	} else if err != nil {
		logf("E5: %v", err)
	}
	order := map[string]int{"E1": 1, "E2": 2, "E3": 3, "E4": 4, "E5": 5, "E6": 6, "E8": 8, "E9": 9}
	for i := 1; i < len(eps); i++ {
		for j := i; j > 0 && order[eps[j].ID] < order[eps[j-1].ID]; j-- {
			eps[j], eps[j-1] = eps[j-1], eps[j]
		}
	}
	return eps
}
