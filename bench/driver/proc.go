package driver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat (100 on Linux).
const clockTicks = 100

// CPUTime is a process's user+system CPU time so far.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: fields start after ")".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("bad stat for %d", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short stat for %d", pid)
	}
	u, _ := strconv.ParseInt(f[11], 10, 64) // field 14: utime
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * time.Second / clockTicks, nil
}

// Memory is a process's resident set: now and its peak (VmHWM) since start or the last reset.
func Memory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			rss = kb(line)
		case strings.HasPrefix(line, "VmHWM:"):
			peak = kb(line)
		}
	}
	return rss, peak, nil
}

func kb(line string) int64 {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n * 1024
}

// ResetPeak resets the process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0:
// writing 5 to clear_refs), so a run's peak is its own.
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// PostgresCPU sums the CPU time of every process of the local Postgres cluster (the
// postmaster's children: backends and background workers), or 0 when it cannot be read.
// Other users of the same cluster add to it; it is reported as the database's share.
func PostgresCPU() time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || !strings.HasPrefix(strings.TrimSpace(string(comm)), "postgres") {
			continue
		}
		if t, err := CPUTime(pid); err == nil {
			total += t
		}
	}
	return total
}

// Process is a server the bench started.
type Process struct {
	Name    string
	Cmd     *exec.Cmd
	Base    string // http://127.0.0.1:port
	Started time.Time
	Ready   time.Duration // start → first 200 from the readiness path
	out     *headBuffer
	done    chan error
}

// Spec says how to start a server.
type Spec struct {
	Name  string
	Path  string
	Args  []string
	Env   []string
	CPU   string // taskset -c list; "" for no pinning
	Addr  string // host:port it listens on
	Ready string // readiness path, e.g. /readyz
	Dir   string
}

// FreeAddr finds a free loopback port.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Start runs the server, pinned with taskset, and waits until its readiness path answers
// 200 (polling every 2 ms, up to timeout).
func Start(ctx context.Context, s Spec, timeout time.Duration) (*Process, error) {
	path, args := s.Path, s.Args
	if s.CPU != "" {
		args = append([]string{"-c", s.CPU, path}, args...)
		path = "taskset"
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Dir = s.Dir
	out := &headBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &Process{Name: s.Name, Cmd: cmd, Base: "http://" + s.Addr, out: out, done: make(chan error, 1)}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.Name, err)
	}
	go func() { p.done <- cmd.Wait() }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case err := <-p.done:
			p.done <- err
			return nil, fmt.Errorf("%s exited before it was ready (%v):\n%s", s.Name, err, out.String())
		default:
		}
		resp, err := client.Get(p.Base + s.Ready)
		if err == nil {
			io.Copy(io.Discard, resp.Body) //nolint:errcheck
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.Ready = time.Since(p.Started)
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("%s not ready after %s:\n%s", s.Name, timeout, out.String())
		}
		select {
		case <-ctx.Done():
			p.Stop()
			return nil, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// PID is the server's process id (taskset execs it, so the pid is the server's own).
func (p *Process) PID() int { return p.Cmd.Process.Pid }

// Output is the start of what the server wrote.
func (p *Process) Output() string { return p.out.String() }

// Stop sends SIGTERM and waits up to 10 s, then kills.
func (p *Process) Stop() {
	if p == nil || p.Cmd.Process == nil {
		return
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
}

// headBuffer keeps the first max bytes written and counts the rest.
type headBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	max     int
	dropped int64
}

func (h *headBuffer) Write(b []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(b[:min(room, len(b))])
		h.dropped += int64(max(0, len(b)-room))
	} else {
		h.dropped += int64(len(b))
	}
	return len(b), nil
}

func (h *headBuffer) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.buf.String()
}
