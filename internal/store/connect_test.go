package store

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A listener that takes every TCP connection and closes it at once: a Postgres that is up but
// refuses sessions, as one in crash recovery does (57P03). It counts the attempts that
// reached it.
func closingListener(t *testing.T) (addr string, attempts *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	attempts = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			attempts.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), attempts
}

// TestFailFastConnect: while connection attempts fail, the pool dials once per FailFastHold
// and every other request gets the same error at once, instead of queueing behind dials.
func TestFailFastConnect(t *testing.T) {
	addr, attempts := closingListener(t)
	pool, err := openPostgres(fmt.Sprintf("postgres://postgres@%s/x?sslmode=disable", addr))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pool.SetMaxOpenConns(2)

	first := pool.PingContext(context.Background())
	if first == nil || !isUnavailable(first) {
		t.Fatalf("ping: %v, want an unavailable error", first)
	}
	n := attempts.Load()
	var wg sync.WaitGroup
	var slowest atomic.Int64
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			if err := pool.PingContext(context.Background()); err == nil || !isUnavailable(err) {
				t.Errorf("ping: %v, want an unavailable error", err)
			}
			if d := int64(time.Since(start)); d > slowest.Load() {
				slowest.Store(d)
			}
		}()
	}
	wg.Wait()
	if got := attempts.Load() - n; got > 1 {
		t.Errorf("%d connection attempts reached the server within the hold, want at most 1", got)
	}
	if d := time.Duration(slowest.Load()); d > 100*time.Millisecond {
		t.Errorf("slowest failed ping %v, want an answer at once", d)
	}
	time.Sleep(FailFastHold + 50*time.Millisecond)
	n = attempts.Load()
	_ = pool.PingContext(context.Background())
	if attempts.Load() == n {
		t.Error("no connection attempt after the hold: a recovered database would never be seen")
	}
}

// TestFailFastIgnoresCancelledCallers: a caller that gives up mid-dial (its context ends)
// says nothing about the database, so it must not make the next request fail unseen.
func TestFailFastIgnoresCancelledCallers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var attempts atomic.Int64
	var hang sync.WaitGroup // the first connection is held open, unanswered, until the end
	hang.Add(1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if attempts.Add(1) == 1 {
				go func() { hang.Wait(); c.Close() }()
				continue
			}
			c.Close()
		}
	}()
	defer hang.Done()
	pool, err := openPostgres(fmt.Sprintf("postgres://postgres@%s/x?sslmode=disable", ln.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := pool.PingContext(ctx); err == nil {
		t.Fatal("ping answered by a server that never speaks")
	}
	if attempts.Load() != 1 {
		t.Fatalf("%d attempts, want the one the caller gave up on", attempts.Load())
	}
	_ = pool.PingContext(context.Background())
	if attempts.Load() < 2 {
		t.Errorf("a caller giving up made the next attempt fail without dialling (%d attempts)", attempts.Load())
	}
}
