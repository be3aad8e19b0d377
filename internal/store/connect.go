package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// DefaultConnectTimeout bounds one connection attempt to Postgres when DATABASE_URL sets no
// connect_timeout. pgx's own default is none: an attempt at a host that drops packets would
// wait for the request's whole deadline, holding a pool slot that other requests queue
// behind, where the API promises a 503 at once.
const DefaultConnectTimeout = 2 * time.Second

// FailFastHold is how long a failed connection attempt is remembered: within it, every new
// attempt fails at once with the same error instead of dialling again. Without it, while
// Postgres is down or in crash recovery (refusing connections with 57P03), each request's
// attempt queues in database/sql behind the pool's few in-flight dials (a waiter is handed
// one failed dial at a time), and 503s came back after 4–5 s under load (reliability/
// TestPostgresRestart). It also spares a recovering Postgres a fork per request. Recovery
// is noticed at most this long after Postgres accepts connections again.
const FailFastHold = 250 * time.Millisecond

// openPostgres opens the pool through pgx's database/sql connector, with a connect timeout
// and the fail-fast connector around it.
func openPostgres(url string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	return sql.OpenDB(&failFast{Connector: stdlib.GetConnector(*cfg), hold: FailFastHold, now: time.Now}), nil
}

// failFast is a driver.Connector that remembers the last failed connection attempt for hold
// and answers further attempts in that window with its error, without dialling.
type failFast struct {
	driver.Connector
	hold time.Duration
	now  func() time.Time

	mu    sync.Mutex
	err   error     // the last attempt's failure; nil after a success
	until time.Time // when the next real attempt may be made
}

// Connect dials, unless an attempt failed less than hold ago.
func (c *failFast) Connect(ctx context.Context) (driver.Conn, error) {
	c.mu.Lock()
	if c.err != nil && c.now().Before(c.until) {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.mu.Unlock()
	conn, err := c.Connector.Connect(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		c.err = nil
	case ctx.Err() == nil: // the database failed, not the caller giving up (a client gone)
		c.err, c.until = err, c.now().Add(c.hold)
	}
	return conn, err
}
