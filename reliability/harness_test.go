package reliability

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The harness: the real binary, built once per test process; a private Postgres cluster,
// started once and shared by the Postgres scenarios (each gets its own database); the API as
// a child process that the scenarios kill, terminate and restart.

var (
	workOnce sync.Once
	workDir  string // removed by TestMain
	workErr  error

	binOnce sync.Once
	binPath string
	binErr  error

	pgOnce    sync.Once
	pg        *pgCluster
	pgErr     error
	pgMissing bool // no Postgres binaries on this machine
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pg != nil {
		pg.destroy()
	}
	if workDir != "" {
		_ = os.RemoveAll(workDir)
	}
	os.Exit(code)
}

// long reports whether the long form was asked for (make reliability).
func long() bool { return os.Getenv("RELIABILITY_LONG") == "1" }

func work(t *testing.T) string {
	t.Helper()
	workOnce.Do(func() { workDir, workErr = os.MkdirTemp("", "constellate-reliability-") })
	if workErr != nil {
		t.Fatal(workErr)
	}
	return workDir
}

// binary builds ./cmd/constellate once, as `make build` does (static, no cgo).
func binary(t *testing.T) string {
	t.Helper()
	dir := work(t)
	binOnce.Do(func() {
		root, err := filepath.Abs("..")
		if err != nil {
			binErr = err
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		binPath = filepath.Join(dir, "constellate")
		cmd := exec.Command(goBin, "build", "-o", binPath, "./cmd/constellate")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/constellate: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// freePort asks the kernel for a free loopback port. Never 5432: the machine's shared
// Postgres lives there and other engineers' tests use it.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if p != 5432 {
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// cleanEnv is the test process's environment without anything that configures Constellate
// or libpq, so a child can only reach the database this harness gives it.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CONSTELLATE_") || k == "DATABASE_URL" || strings.HasPrefix(k, "PG") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// ---- the private Postgres cluster ----

type pgCluster struct {
	bin     string // the directory holding initdb, pg_ctl, createdb, postgres
	dir     string // owns data/, the socket and the log
	port    int
	cred    *syscall.Credential // run the server as this user (we are root; Postgres refuses root)
	version string
	log     string
}

const clusterPrefix = "constellate-reliability-pg-"

// pgBinDir finds the Postgres server binaries: RELIABILITY_PG_BIN, else the newest
// /usr/lib/postgresql/*/bin (Debian), else pg_ctl on PATH.
func pgBinDir() (string, error) {
	if d := os.Getenv("RELIABILITY_PG_BIN"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			return "", fmt.Errorf("RELIABILITY_PG_BIN=%s: %w", d, err)
		}
		return d, nil
	}
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl"); len(m) > 0 {
		sort.Slice(m, func(i, j int) bool {
			vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m[i]))))
			vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m[j]))))
			return vi < vj
		})
		return filepath.Dir(m[len(m)-1]), nil
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	return "", errors.New("no Postgres server binaries (initdb, pg_ctl): install postgresql, or set RELIABILITY_PG_BIN")
}

// postgresCluster returns the shared private cluster, starting it on first use. Missing
// binaries skip the test, unless CONSTELLATE_TEST_REQUIRE_POSTGRES=1.
func postgresCluster(t *testing.T) *pgCluster {
	t.Helper()
	pgOnce.Do(func() {
		bin, err := pgBinDir()
		if err != nil {
			pgMissing, pgErr = true, err
			return
		}
		pg, pgErr = startCluster(bin)
	})
	if pgErr != nil {
		if pgMissing && os.Getenv("CONSTELLATE_TEST_REQUIRE_POSTGRES") != "1" {
			t.Skipf("skipping the Postgres fault test: %v", pgErr)
		}
		t.Fatalf("the Postgres fault tests need a private Postgres cluster (CONSTELLATE_TEST_REQUIRE_POSTGRES=%q): %v",
			os.Getenv("CONSTELLATE_TEST_REQUIRE_POSTGRES"), pgErr)
	}
	return pg
}

func startCluster(bin string) (*pgCluster, error) {
	reapStaleClusters(bin)
	base := ""
	c := &pgCluster{bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and Postgres refuses root, but there is no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
		base = "/tmp" // a parent the postgres user can traverse
	}
	dir, err := os.MkdirTemp(base, clusterPrefix)
	if err != nil {
		return nil, err
	}
	c.dir, c.log = dir, filepath.Join(dir, "postgres.log")
	_ = os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644)
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return nil, err
		}
	}
	if out, err := c.run("postgres", "--version"); err == nil {
		c.version = strings.TrimSpace(out)
	}
	if out, err := c.run("initdb", "-D", c.data(), "--auth=trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		c.destroy()
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	var lastErr error
	for range 3 { // the port may be taken between the probe and the start
		c.port = freePortRaw()
		if err := c.start(); err != nil {
			lastErr = err
			continue
		}
		return c, nil
	}
	c.destroy()
	return nil, lastErr
}

func freePortRaw() int {
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if p != 5432 {
			return p
		}
	}
}

// reapStaleClusters stops clusters left behind by earlier test processes of this harness
// that died without cleaning up (a panic or a timeout skips TestMain's clean-up). Only
// directories with our prefix whose owning process is gone are touched.
func reapStaleClusters(bin string) {
	dirs, _ := filepath.Glob(filepath.Join("/tmp", clusterPrefix+"*"))
	if d := os.TempDir(); d != "/tmp" {
		more, _ := filepath.Glob(filepath.Join(d, clusterPrefix+"*"))
		dirs = append(dirs, more...)
	}
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if pid > 0 && syscall.Kill(pid, 0) == nil {
			continue // its test process is still running
		}
		old := &pgCluster{bin: bin, dir: d}
		if fi, err := os.Stat(d); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 && st.Uid != 0 {
				old.cred = &syscall.Credential{Uid: st.Uid, Gid: st.Gid, Groups: []uint32{}}
			}
		}
		old.destroy()
	}
}

func (c *pgCluster) data() string { return filepath.Join(c.dir, "data") }

// run runs one of the cluster's binaries as the cluster's owner.
func (c *pgCluster) run(name string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Env = cleanEnv()
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// start starts the server and waits until it accepts connections (crash recovery included).
func (c *pgCluster) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=60 -c shared_buffers=32MB", c.port, c.dir)
	if out, err := c.run("pg_ctl", "-D", c.data(), "-o", opts, "-l", c.log, "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, tail(c.log, 20))
	}
	return nil
}

// stop stops the server: mode "fast" (sessions terminated, clean shutdown) or "immediate"
// (every process quits at once; the next start runs crash recovery).
func (c *pgCluster) stop(mode string) error {
	if out, err := c.run("pg_ctl", "-D", c.data(), "-m", mode, "-w", "-t", "60", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
	return nil
}

// createDB makes a fresh database for one scenario and returns its URL.
func (c *pgCluster) createDB(t *testing.T, name string) string {
	t.Helper()
	if out, err := c.run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres", name); err != nil {
		t.Fatalf("createdb %s: %v\n%s", name, err, out)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

func (c *pgCluster) destroy() {
	if _, err := os.Stat(filepath.Join(c.data(), "postmaster.pid")); err == nil {
		_, _ = c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "-t", "30", "stop")
	}
	_ = os.RemoveAll(c.dir)
}

// ---- the API as a child process ----

// app is one constellate deployment: a binary, its environment, its address and data. Its
// process is started, killed and restarted by the scenarios; the log accumulates across
// restarts.
type app struct {
	t       *testing.T
	bin     string
	env     []string
	base    string
	logPath string
	proc    *proc
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, after done
}

const (
	managerEmail    = "reliability@example.org"
	managerPassword = "a long reliability passphrase"
)

// newApp configures a deployment: Postgres when dbURL is set, else embedded SQLite in the
// data directory.
func newApp(t *testing.T, dbURL string) *app {
	t.Helper()
	dir := t.TempDir()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	env := append(cleanEnv(),
		"CONSTELLATE_ADDR="+addr,
		"CONSTELLATE_DATA_DIR="+filepath.Join(dir, "data"),
		"CONSTELLATE_ENCRYPTION_KEY="+base64.StdEncoding.EncodeToString(key),
		"CONSTELLATE_DRAIN_DELAY=2s",
		"CONSTELLATE_SHUTDOWN_TIMEOUT=10s",
		"CONSTELLATE_LOG_LEVEL="+logLevel(),
	)
	if dbURL != "" {
		env = append(env, "DATABASE_URL="+dbURL)
	}
	a := &app{t: t, bin: binary(t), env: env, base: "http://" + addr, logPath: filepath.Join(dir, "server.log")}
	t.Cleanup(func() {
		if a.proc != nil && !a.proc.exited() {
			_ = a.proc.cmd.Process.Kill()
			<-a.proc.done
		}
		if t.Failed() {
			t.Logf("the server's log (last lines):\n%s", tail(a.logPath, 40))
		}
	})
	return a
}

// logLevel is the server's log level: warn, or RELIABILITY_LOG_LEVEL (info keeps the access
// log, to see what each request met).
func logLevel() string {
	if l := os.Getenv("RELIABILITY_LOG_LEVEL"); l != "" {
		return l
	}
	return "warn"
}

// createManager makes the grants manager the load client signs in as, with the CLI (the
// password on standard input, as operators do).
func (a *app) createManager() {
	a.t.Helper()
	cmd := exec.Command(a.bin, "users", "create", "--email", managerEmail, "--name", "Reliability Client", "--role", "grants_manager")
	cmd.Env = a.env
	cmd.Stdin = strings.NewReader(managerPassword + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		a.t.Fatalf("users create: %v\n%s", err, out)
	}
}

// start starts `constellate serve` and returns at once.
func (a *app) start() *proc {
	a.t.Helper()
	logf, err := os.OpenFile(a.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		a.t.Fatal(err)
	}
	cmd := exec.Command(a.bin, "serve")
	cmd.Env = a.env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a Ctrl-C at the terminal is the test's, not the server's
	if err := cmd.Start(); err != nil {
		logf.Close()
		a.t.Fatalf("start the server: %v", err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	a.proc = p
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitReady polls /readyz until it answers 200 and returns how long that took.
func (a *app) waitReady(timeout time.Duration) time.Duration {
	a.t.Helper()
	start := time.Now()
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < timeout {
		if a.proc.exited() {
			a.t.Fatalf("the server exited while starting: %v\n%s", a.proc.err, tail(a.logPath, 30))
		}
		resp, err := client.Get(a.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.t.Fatalf("the server was not ready after %v\n%s", timeout, tail(a.logPath, 30))
	return 0
}

// kill sends SIGKILL and waits for the process to be gone.
func (a *app) kill() {
	a.t.Helper()
	if err := a.proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		a.t.Fatalf("SIGKILL: %v", err)
	}
	<-a.proc.done
}

// login signs the manager in and returns an access token.
func (a *app) login() string {
	a.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": managerEmail, "password": managerPassword})
	resp, err := http.Post(a.base+"/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		a.t.Fatalf("login: %v", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &tok) != nil || tok.AccessToken == "" {
		a.t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	return tok.AccessToken
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// getJSON GETs base+path with the token and decodes a 200's body into v.
func getJSON(ctx context.Context, base, token, path string, v any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, v)
}
