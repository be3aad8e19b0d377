package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"constellate/bench/data"
	"constellate/bench/driver"
	"constellate/internal/store"
)

type bench struct {
	o       options
	bins    string
	runDir  string
	keyFile string
	keys    data.Keys
	minter  *driver.Minter
	mainURL string
	expURL  string
	sqlDir  string // CONSTELLATE_DATA_DIR holding the SQLite copy of the main data
	conn    *pgx.Conn
	fx      *fixtures
	svc     *driver.Process
	base    *driver.Process
	pool    int
	rep     *report
	runSeq  int
}

func (b *bench) want(name string) bool { return b.o.only == nil || b.o.only[name] }

func run(ctx context.Context, o options, bins string) error {
	b := &bench{o: o, bins: bins, keys: data.DeriveKeys(o.seed)}
	b.runDir = filepath.Join(o.cacheDir, "run-"+time.Now().UTC().Format("20060102-150405"))
	if err := os.MkdirAll(b.runDir, 0o755); err != nil {
		return err
	}
	b.keyFile = filepath.Join(b.runDir, "signing-key.pem")
	if err := driver.WriteKeyFile(b.keyFile, b.keys.Signing); err != nil {
		return err
	}
	b.minter = driver.NewMinter(b.keys.Signing)
	b.rep = &report{Started: time.Now().UTC(), Machine: machine(ctx, o), Protocol: protocol{Small: o.small, Seed: o.seed,
		Duration: o.duration, Warmup: o.warmup, Repeats: o.repeats, Conns: o.conns, RateFrac: o.rateFrac}}
	size := data.Full
	if o.small {
		size = data.Small
	}
	b.rep.Size = size
	exp := data.Export(o.exportN, min(20_000, max(1_000, o.exportN/10)))
	b.rep.ExportSize = exp

	// Data.
	load := func(d store.Dialect, sz data.Size) (data.Result, error) {
		opt := data.Options{Dialect: d, AdminURL: o.adminURL, Database: data.DatabaseName(sz), Size: sz, Seed: o.seed,
			EncryptionKey: b.keys.EncryptionKey, Force: o.forceLoad, Log: logf}
		opt.SQLitePath = filepath.Join(o.cacheDir, "sqlite", data.DatabaseName(sz), "constellate.db")
		res, err := data.Load(ctx, opt)
		if err == nil {
			logf("%s %s: %s (%s)", d, sz.Name, map[bool]string{true: "reused", false: "loaded"}[res.Reused], res.Took.Round(time.Millisecond))
		}
		return res, err
	}
	res, err := load(store.Postgres, size)
	if err != nil {
		return fmt.Errorf("load postgres: %w", err)
	}
	b.mainURL, b.rep.Counts, b.rep.LoadTook, b.rep.Reused = res.URL, res.Counts, res.Took, res.Reused
	if b.want("E7") {
		res, err := load(store.Postgres, exp)
		if err != nil {
			return fmt.Errorf("load export database: %w", err)
		}
		b.expURL, b.rep.ExportCounts = res.URL, res.Counts
	}
	if o.sqlite && b.want("sqlite") {
		res, err := load(store.SQLite, size)
		if err != nil {
			return fmt.Errorf("load sqlite: %w", err)
		}
		b.sqlDir = filepath.Dir(res.SQLitePath)
		b.rep.Machine.SQLite = sqliteVersion(ctx, res.SQLitePath)
	}
	if b.conn, err = pgx.Connect(ctx, b.mainURL); err != nil {
		return err
	}
	defer b.conn.Close(context.Background())

	// The servers on the main Postgres database.
	if b.svc, err = b.startService(ctx, "service", b.mainURL, ""); err != nil {
		return err
	}
	defer func() { b.svc.Stop() }()
	b.rep.Startup.LoadedPostgres = b.svc.Ready
	time.Sleep(time.Second)
	b.rep.Startup.IdleRSS, _, _ = driver.Memory(b.svc.PID())
	if b.pool, err = poolSize(b.svc.Base); err != nil {
		return err
	}
	if o.pool > 0 && o.pool != b.pool {
		logf("warning: asked for a pool of %d, the service runs %d: the baseline uses %d", o.pool, b.pool, b.pool)
	}
	b.rep.Pool = b.pool
	if b.base, err = b.startBaseline(ctx, "baseline", b.mainURL); err != nil {
		return err
	}
	defer func() { b.base.Stop() }()
	logf("service on %s (ready in %s), baseline on %s; pool %d", b.svc.Base, b.svc.Ready.Round(time.Millisecond), b.base.Base, b.pool)

	if b.fx, err = loadFixtures(ctx, b.conn, b.minter); err != nil {
		return fmt.Errorf("fixtures: %w", err)
	}
	for _, ep := range b.endpoints(ctx) {
		if !b.want(ep.ID) || ctx.Err() != nil {
			continue
		}
		r, err := b.ab(ctx, ep, []variant{{"service", b.svc, ep.source}, {"baseline", b.base, ep.source}}, 1)
		if err != nil {
			return fmt.Errorf("%s: %w", ep.ID, err)
		}
		b.rep.Endpoints = append(b.rep.Endpoints, r)
		if o.pprof == ep.ID {
			b.rep.Profile = b.profile(ctx, ep)
		}
	}
	if b.want("cursor") && ctx.Err() == nil {
		if err := b.cursor(ctx); err != nil {
			return fmt.Errorf("cursor: %w", err)
		}
	}
	if b.want("statements") && ctx.Err() == nil {
		if err := b.statements(ctx); err != nil {
			return fmt.Errorf("statements: %w", err)
		}
	}
	if b.want("E7") && ctx.Err() == nil {
		if err := b.export(ctx); err != nil {
			return fmt.Errorf("E7: %w", err)
		}
	}
	b.svc.Stop()
	b.base.Stop()
	if b.sqlDir != "" && ctx.Err() == nil {
		if err := b.sqliteRuns(ctx); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
	}
	if b.want("startup") && ctx.Err() == nil {
		if err := b.startup(ctx); err != nil {
			return fmt.Errorf("startup: %w", err)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	b.rep.Finished = time.Now().UTC()
	b.rep.Machine.LoadEnd = loadAvg()
	raw, _ := json.MarshalIndent(b.rep, "", "  ")
	if err := os.WriteFile(filepath.Join(b.runDir, "results.json"), raw, 0o644); err != nil {
		return err
	}
	if err := writeReport(o.out, b.rep); err != nil {
		return err
	}
	logf("wrote %s (raw results: %s)", o.out, filepath.Join(b.runDir, "results.json"))
	printSummary(os.Stdout, b.rep)
	return nil
}

func (b *bench) cpu() string {
	if b.o.pin && haveTaskset() {
		return "1"
	}
	return ""
}

func (b *bench) serviceEnv(dbURL, dataDir string) []string {
	env := []string{"DATABASE_URL=" + dbURL, "CONSTELLATE_DATA_DIR=" + dataDir, "CONSTELLATE_SIGNING_KEY_FILE=" + b.keyFile,
		"CONSTELLATE_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(b.keys.EncryptionKey),
		"CONSTELLATE_DRAIN_DELAY=0s", "CONSTELLATE_SHUTDOWN_TIMEOUT=5s"}
	if b.o.pool > 0 {
		env = append(env, "CONSTELLATE_DB_MAX_CONNS="+strconv.Itoa(b.o.pool))
	}
	return env
}

// startService starts the service binary on dbURL (empty: SQLite in dataDir).
func (b *bench) startService(ctx context.Context, name, dbURL, dataDir string) (*driver.Process, error) {
	addr, err := driver.FreeAddr()
	if err != nil {
		return nil, err
	}
	if dataDir == "" {
		dataDir = filepath.Join(b.runDir, "data-"+name)
	}
	env := append(b.serviceEnv(dbURL, dataDir), "CONSTELLATE_ADDR="+addr)
	return driver.Start(ctx, driver.Spec{Name: name, Path: filepath.Join(b.bins, "constellate"), Args: []string{"serve"}, Env: env,
		CPU: b.cpu(), Addr: addr, Ready: "/readyz", Dir: b.runDir}, 60*time.Second)
}

func (b *bench) startBaseline(ctx context.Context, name, dbURL string) (*driver.Process, error) {
	addr, err := driver.FreeAddr()
	if err != nil {
		return nil, err
	}
	env := []string{"DATABASE_URL=" + dbURL, "CONSTELLATE_ADDR=" + addr, "CONSTELLATE_SIGNING_KEY_FILE=" + b.keyFile,
		"BASELINE_POOL=" + strconv.Itoa(b.pool)}
	return driver.Start(ctx, driver.Spec{Name: name, Path: filepath.Join(b.bins, "baseline"), Env: env, CPU: b.cpu(), Addr: addr,
		Ready: "/readyz", Dir: b.runDir}, 60*time.Second)
}

// poolSize reads the service's Postgres pool size from its /metrics.
func poolSize(base string) (int, error) {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "go_sql_max_open_connections") {
			f := strings.Fields(line)
			n, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err == nil && n > 0 {
				return int(n), nil
			}
		}
	}
	return 0, fmt.Errorf("the service's /metrics has no go_sql_max_open_connections")
}

var probeClient = &http.Client{Timeout: 10 * time.Minute}

// probe sends one request and reports its status and body size.
func probe(base string, r driver.Request) (int, int, string) {
	code, body, msg := probeBody(base, r)
	return code, len(body), msg
}

// probeBody sends one request and returns the status, the body and, for a status ≥ 300, the
// start of the body as a message.
func probeBody(base string, r driver.Request) (int, []byte, string) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, base+r.Path, strings.NewReader(string(r.Body)))
	if err != nil {
		return 0, nil, err.Error()
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	msg := ""
	if resp.StatusCode >= 300 {
		msg = string(body[:min(len(body), 300)])
	}
	return resp.StatusCode, body, msg
}

// shapeOf lists every key path of a JSON document ("data[].organisation.name"), sorted: two
// servers doing the same work answer with the same shape.
func shapeOf(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	seen := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				p := strings.TrimPrefix(prefix+"."+k, ".")
				seen[p] = true
				if k != "answers" { // a group's answers are its own shape
					walk(p, x)
				}
			}
		case []any:
			for _, x := range t {
				walk(prefix+"[]", x)
			}
		}
	}
	walk("", v)
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
