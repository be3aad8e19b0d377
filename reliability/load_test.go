package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The load client: keyed writes (POST /v1/programmes, one Idempotency-Key per logical
// write) at a fixed rate on loopback, every attempt and every acknowledgement recorded.

// attempt is one HTTP request the client made.
type attempt struct {
	kind       string // "write" or "ready"
	key        string // the write's Idempotency-Key
	sent, done time.Time
	status     int    // 0: no response
	err        string // the transport error's class, when status is 0
	ctype      string
	retryAfter string
	replayed   bool
	id         string // the id a write's 2xx returned
}

func (a attempt) latency() time.Duration { return a.done.Sub(a.sent) }

// outcome names an attempt's result for the status table.
func (a attempt) outcome() string {
	if a.status == 0 {
		return "error: " + a.err
	}
	return strconv.Itoa(a.status)
}

// problem503 reports whether the attempt got the 503 the API promises while its database is
// away: a problem document with Retry-After.
func (a attempt) problem503() bool {
	return a.status == http.StatusServiceUnavailable && strings.HasPrefix(a.ctype, "application/problem+json") && a.retryAfter != ""
}

type pending struct {
	key    string
	nextAt time.Time
}

// loader sends one request per tick: the oldest failed write whose back-off has passed, else
// a new logical write. So the request rate is fixed whatever happens to the server, failed
// writes are retried with the same key (never a new one) until acknowledged, and nothing
// piles up while the server is away.
type loader struct {
	base, token, prefix string
	rate                int
	client              *http.Client

	held    atomic.Bool // send nothing (the load balancer took the backend out)
	sending atomic.Bool // start new logical writes

	mu       sync.Mutex
	log      []attempt
	acks     map[string]string // key → id of the first 2xx
	ackConf  int               // a key acknowledged with two different ids
	queue    []pending
	inflight int
	issued   int
	skipped  int // ticks with too many requests in flight

	stop chan struct{}
	wg   sync.WaitGroup // the ticker and every request
}

const (
	maxInflight  = 256
	retryBackoff = 250 * time.Millisecond
)

func newLoader(base, token, prefix string, rate int) *loader {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        maxInflight,
		MaxIdleConnsPerHost: maxInflight,
		IdleConnTimeout:     30 * time.Second,
	}
	l := &loader{base: base, token: token, prefix: prefix, rate: rate,
		client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		acks:   map[string]string{}, stop: make(chan struct{})}
	l.sending.Store(true)
	return l
}

// run starts the ticker.
func (l *loader) run() {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		tick := time.NewTicker(time.Second / time.Duration(l.rate))
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
			}
			if l.held.Load() {
				continue
			}
			key, ok := l.next()
			if !ok {
				continue
			}
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				l.write(key)
			}()
		}
	}()
}

// next picks this tick's write and counts it in flight.
func (l *loader) next() (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight >= maxInflight {
		l.skipped++
		return "", false
	}
	var key string
	switch {
	case len(l.queue) > 0 && !time.Now().Before(l.queue[0].nextAt):
		key, l.queue = l.queue[0].key, l.queue[1:]
	case l.sending.Load():
		l.issued++
		key = fmt.Sprintf("%s-%06d", l.prefix, l.issued)
	default:
		return "", false
	}
	l.inflight++
	return key, true
}

// write sends one attempt of the logical write key.
func (l *loader) write(key string) {
	body, _ := json.Marshal(map[string]string{"name": key, "description": "reliability test write"})
	req, _ := http.NewRequest(http.MethodPost, l.base+"/v1/programmes", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+l.token)
	req.Header.Set("Content-Type", "application/json")
	// Lower case on purpose: net/http's transport silently re-sends a request carrying
	// "Idempotency-Key" when a kept-alive connection turns out closed, which would hide
	// exactly the failures these tests count. The server reads header names case-insensitively.
	req.Header["idempotency-key"] = []string{key}
	a := l.do(req, "write", key)
	id := a.id
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	l.log = append(l.log, a)
	if id == "" {
		l.queue = append(l.queue, pending{key: key, nextAt: time.Now().Add(retryBackoff)})
		return
	}
	if prev, ok := l.acks[key]; ok && prev != id {
		l.ackConf++
	} else if !ok {
		l.acks[key] = id
	}
}

// ready sends one GET /readyz and records it.
func (l *loader) ready() attempt {
	req, _ := http.NewRequest(http.MethodGet, l.base+"/readyz", nil)
	a := l.do(req, "ready", "")
	l.mu.Lock()
	l.log = append(l.log, a)
	l.mu.Unlock()
	return a
}

func (l *loader) do(req *http.Request, kind, key string) attempt {
	a := attempt{kind: kind, key: key, sent: time.Now()}
	resp, err := l.client.Do(req)
	if err != nil {
		a.done, a.err = time.Now(), errClass(err)
		return a
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	a.done = time.Now()
	if rerr != nil {
		a.err = "body: " + errClass(rerr)
		return a // a cut-off response is no response
	}
	a.status = resp.StatusCode
	a.ctype = resp.Header.Get("Content-Type")
	a.retryAfter = resp.Header.Get("Retry-After")
	a.replayed = resp.Header.Get("Idempotent-Replayed") == "true"
	if kind == "write" && a.status >= 200 && a.status < 300 {
		var p struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(b, &p) != nil || p.ID == "" {
			a.status, a.err = 0, "2xx without an id: "+string(b)
			return a
		}
		a.id = p.ID
	}
	return a
}

// errClass names a transport error by kind, so outcomes can be counted.
func errClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "EOF"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// pollReady GETs /readyz every interval until stop closes; onStatus sees each result.
func (l *loader) pollReady(every time.Duration, onResult func(attempt)) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
			}
			a := l.ready()
			if onResult != nil {
				onResult(a)
			}
		}
	}()
}

// settle stops new writes and keeps retrying failed ones until every logical write is
// acknowledged or the timeout passes; then it stops the client.
func (l *loader) settle(timeout time.Duration) {
	l.sending.Store(false)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		done := len(l.queue) == 0 && l.inflight == 0
		l.mu.Unlock()
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(l.stop)
	l.wg.Wait()
}

// attempts returns a copy of the log, ordered by send time.
func (l *loader) attempts() []attempt {
	l.mu.Lock()
	out := append([]attempt(nil), l.log...)
	l.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].sent.Before(out[j].sent) })
	return out
}

// ---- checking what the database kept ----

// verdict compares the acknowledged writes with what the API lists afterwards.
type verdict struct {
	issued, acked      int // logical writes started; acknowledged with a 2xx
	attempts, replays  int // write requests sent; 2xx answered from the idempotency record
	programmes         int // programmes the API lists
	lost               int // acknowledged, not listed
	duplicated         int // listed more than once (same id, or the same key under two ids)
	wrongID            int // listed under the key with another id than the one acknowledged
	unresolved         int // never acknowledged although retried until the end
	committedUnacked   int // of those, present in the database
	ackConflicts       int // one key acknowledged with two different ids
	auditEvents        int // programme.created events
	auditMismatches    int // programmes without exactly one event, plus events without a programme
	statuses           map[string]int
	firstErrors        []string
	programmesNotOurs  int
	auditEventsNotOurs int
}

// verify lists every programme and every programme.created audit event through the API and
// holds them against the client's record.
func verify(ctx context.Context, base, token string, l *loader) (verdict, error) {
	v := verdict{statuses: map[string]int{}}
	l.mu.Lock()
	v.issued, v.acked, v.ackConflicts = l.issued, len(l.acks), l.ackConf
	acks := make(map[string]string, len(l.acks))
	for k, id := range l.acks {
		acks[k] = id
	}
	for _, a := range l.log {
		if a.kind != "write" {
			continue
		}
		v.attempts++
		v.statuses[a.outcome()]++
		if a.replayed {
			v.replays++
		}
	}
	l.mu.Unlock()

	type prog struct{ ID, Name string }
	var progs []prog
	cursor := ""
	for {
		path := "/v1/programmes?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Data       []prog  `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		if err := getJSON(ctx, base, token, path, &page); err != nil {
			return v, err
		}
		progs = append(progs, page.Data...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			break
		}
		cursor = *page.NextCursor
	}
	v.programmes = len(progs)
	byID := map[string]int{}
	byName := map[string][]string{}
	for _, p := range progs {
		byID[p.ID]++
		if !strings.HasPrefix(p.Name, l.prefix+"-") {
			v.programmesNotOurs++
			continue
		}
		byName[p.Name] = append(byName[p.Name], p.ID)
	}
	for id, n := range byID {
		if n > 1 {
			v.duplicated += n - 1
			v.firstErrors = append(v.firstErrors, fmt.Sprintf("programme %s listed %d times", id, n))
		}
	}
	for name, list := range byName {
		if len(list) > 1 {
			v.duplicated += len(list) - 1
			v.firstErrors = append(v.firstErrors, fmt.Sprintf("key %s created %d programmes: %v", name, len(list), list))
		}
	}
	for key, id := range acks {
		if byID[id] == 0 {
			v.lost++
			v.firstErrors = append(v.firstErrors, fmt.Sprintf("acknowledged write %s (id %s) is missing", key, id))
			continue
		}
		if list := byName[key]; len(list) == 0 || list[0] != id {
			v.wrongID++
			v.firstErrors = append(v.firstErrors, fmt.Sprintf("key %s acknowledged as %s but listed as %v", key, id, list))
		}
	}
	for i := 1; i <= v.issued; i++ {
		key := fmt.Sprintf("%s-%06d", l.prefix, i)
		if _, ok := acks[key]; ok {
			continue
		}
		v.unresolved++
		if len(byName[key]) > 0 {
			v.committedUnacked++
		}
	}

	events := map[string]int{}
	cursor = ""
	for {
		path := "/v1/audit-events?action=programme.created&limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Data []struct {
				Action     string `json:"action"`
				EntityType string `json:"entity_type"`
				EntityID   string `json:"entity_id"`
			} `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		if err := getJSON(ctx, base, token, path, &page); err != nil {
			return v, err
		}
		for _, e := range page.Data {
			if e.Action == "programme.created" {
				events[e.EntityID]++
				v.auditEvents++
			}
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			break
		}
		cursor = *page.NextCursor
	}
	for id := range byID {
		if events[id] != 1 {
			v.auditMismatches++
			v.firstErrors = append(v.firstErrors, fmt.Sprintf("programme %s has %d programme.created events", id, events[id]))
		}
	}
	for id, n := range events {
		if byID[id] == 0 {
			v.auditMismatches += n
			v.firstErrors = append(v.firstErrors, fmt.Sprintf("programme.created event for %s, which is not listed", id))
		}
	}
	sort.Strings(v.firstErrors)
	if len(v.firstErrors) > 10 {
		v.firstErrors = append(v.firstErrors[:10], fmt.Sprintf("… and %d more", len(v.firstErrors)-10))
	}
	return v, nil
}
