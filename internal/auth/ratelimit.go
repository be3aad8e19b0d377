package auth

import (
	"sync"
	"time"
)

// Limiter allows at most Max events per key in any sliding Window. It lives in one process:
// several replicas each keep their own counts, so a deployment with more than one replica
// needs a shared store (Redis, or the database) to enforce the same limits globally.
//
// Memory is bounded: each key keeps at most Max timestamps and at most MaxKeys keys are
// tracked; when full, expired keys are swept, and if none has expired the oldest-touched key
// is dropped (an attacker rotating keys can only forget old counts, never grow memory).
type Limiter struct {
	Max     int
	Window  time.Duration
	MaxKeys int
	now     func() time.Time

	mu   sync.Mutex
	hits map[string][]time.Time
}

// NewLimiter returns a limiter of max events per window, reading time from now.
func NewLimiter(max int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{Max: max, Window: window, MaxKeys: 100_000, now: now, hits: map[string][]time.Time{}}
}

// Allow records an event for key when the limit allows it. When it does not, it records
// nothing and returns how long until the next event would be allowed.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	h := l.prune(key, now)
	if len(h) >= l.Max {
		return false, h[0].Add(l.Window).Sub(now)
	}
	if _, tracked := l.hits[key]; !tracked && len(l.hits) >= l.MaxKeys {
		l.evict(now)
	}
	l.hits[key] = append(h, now)
	return true, 0
}

// Check reports whether key is under the limit without recording an event.
func (l *Limiter) Check(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	h := l.prune(key, now)
	if len(h) >= l.Max {
		return false, h[0].Add(l.Window).Sub(now)
	}
	return true, 0
}

// Reset forgets key (a successful login clears its failures).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, key)
}

// prune drops key's events older than the window and returns the rest.
func (l *Limiter) prune(key string, now time.Time) []time.Time {
	h := l.hits[key]
	i := 0
	for i < len(h) && !h[i].After(now.Add(-l.Window)) {
		i++
	}
	if i == len(h) {
		delete(l.hits, key)
		return nil
	}
	h = h[i:]
	l.hits[key] = h
	return h
}

// evict makes room for one key.
func (l *Limiter) evict(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, h := range l.hits {
		last := h[len(h)-1]
		if !last.After(now.Add(-l.Window)) {
			delete(l.hits, k)
			continue
		}
		if oldestKey == "" || last.Before(oldest) {
			oldestKey, oldest = k, last
		}
	}
	if len(l.hits) >= l.MaxKeys && oldestKey != "" {
		delete(l.hits, oldestKey)
	}
}

// Len is how many keys are tracked (for tests of the memory bound).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.hits)
}
