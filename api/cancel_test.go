package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"constellate/api/apitest"
	"constellate/internal/store"
	"constellate/internal/store/storetest"
)

// A client that goes away mid-request is not a server failure: the database call under the
// request is cancelled with it, and that must be logged and counted as 499 (nginx's "client
// closed request"), never as a 500 with an error-level log line that pages someone.

// accessLine finds the access log line of the request with this id.
func accessLine(t *testing.T, env *apitest.Env, requestID string) map[string]any {
	t.Helper()
	s := bufio.NewScanner(strings.NewReader(env.Logs.String()))
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		var m map[string]any
		if json.Unmarshal(s.Bytes(), &m) == nil && m["msg"] == "request" && m["request_id"] == requestID {
			return m
		}
	}
	return nil
}

// checkCancelled holds the logs and /metrics to the 499 promise for one request.
func checkCancelled(t *testing.T, env *apitest.Env, requestID, route string) {
	t.Helper()
	line := accessLine(t, env, requestID)
	if line == nil {
		t.Fatalf("no access log line for request %s:\n%s", requestID, env.Logs.String())
	}
	if line["status"] != float64(499) || line["level"] != "INFO" || line["route"] != route {
		t.Errorf("access log line = %v, want status 499 at INFO on %s", line, route)
	}
	for _, l := range strings.Split(env.Logs.String(), "\n") {
		if strings.Contains(l, requestID) && strings.Contains(l, `"level":"ERROR"`) {
			t.Errorf("a cancelled request was logged as an error: %s", l)
		}
	}
	rec := httptest.NewRecorder()
	env.Server.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var want, bad bool
	var lines []string
	for _, l := range strings.Split(rec.Body.String(), "\n") {
		if !strings.HasPrefix(l, "constellate_http_requests_total{") || !strings.Contains(l, `route="`+route+`"`) {
			continue
		}
		lines = append(lines, l)
		want = want || strings.Contains(l, `status="499"`)
		bad = bad || strings.Contains(l, `status="5`)
	}
	if !want || bad {
		t.Errorf("/metrics: 499 counted %v, 5xx counted %v for %s:\n%s", want, bad, route, strings.Join(lines, "\n"))
	}
}

// TestClientCancelIs499: a request whose client has already gone when the server reaches the
// database (the context cancelled) is a 499 in the log and the metrics, on both databases.
func TestClientCancelIs499(t *testing.T) {
	apitest.ForEach(t, func(t *testing.T, env *apitest.Env) {
		m := env.Manager()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/v1/programmes", nil)
		req.Header.Set("Authorization", "Bearer "+m.Token)
		req.Header.Set("X-Request-ID", "cancelled-before-the-database")
		rec := httptest.NewRecorder()
		env.Server.Handler().ServeHTTP(rec, req)
		if rec.Code != 499 {
			t.Errorf("status %d, want 499: %s", rec.Code, rec.Body.String())
		}
		checkCancelled(t, env, "cancelled-before-the-database", "/v1/programmes")
	})
}

// TestClientCancelMidQueryIs499: on Postgres, over real HTTP, a PATCH waits on a row lock the
// test holds; the client gives up after 300 ms; the server's query is cancelled under it. The
// server logs 499, not 500, and the row is unchanged.
func TestClientCancelMidQueryIs499(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), store.Postgres) {
		t.Skip("Postgres only: no Postgres here")
	}
	env := apitest.New(t, store.Postgres)
	m := env.Manager()
	p := env.Expect(t, http.StatusCreated, apitest.Req{Method: "POST", Path: "/v1/programmes", Token: m.Token,
		Body: map[string]any{"name": "Locked Fund"}}).Map(t)
	id := p["id"].(string)

	tx, err := env.DB.SQL().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("SELECT id FROM programmes WHERE id = $1 FOR UPDATE", id); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPatch, env.HTTP.URL+"/v1/programmes/"+id, bytes.NewReader([]byte(`{"name":"Renamed Fund"}`)))
	req.Header.Set("Authorization", "Bearer "+m.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", "cancelled-mid-query")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("the PATCH was answered (%d %s) while the row was locked", resp.StatusCode, b)
	}
	// The server notices the closed connection, its query is cancelled, it logs the request.
	deadline := time.Now().Add(10 * time.Second)
	for accessLine(t, env, "cancelled-mid-query") == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	checkCancelled(t, env, "cancelled-mid-query", "/v1/programmes/:id")
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	got := env.Expect(t, http.StatusOK, apitest.Req{Method: "GET", Path: "/v1/programmes/" + id, Token: m.Token}).Map(t)
	if got["name"] != "Locked Fund" {
		t.Errorf("name = %v after a cancelled PATCH", got["name"])
	}
}
