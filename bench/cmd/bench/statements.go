package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"constellate/bench/driver"
)

// statementCount is one endpoint's round trips to Postgres per request.
type statementCount struct {
	ID                 string
	Service, Baseline  int
	ServiceStatements  []string
	BaselineStatements []string
}

var logLine = regexp.MustCompile(`LOG:  (execute [^:]*|statement): (.*)$`)

// pgLogFile finds the local cluster's log (Debian's pg_ctlcluster writes the server's
// stderr there when the logging collector is off).
func pgLogFile(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	matches, _ := filepath.Glob("/var/log/postgresql/postgresql-*-main.log")
	var best string
	var bestT time.Time
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.ModTime().After(bestT) {
			best, bestT = m, st.ModTime()
		}
	}
	return best
}

// statements counts what each endpoint sends to Postgres, on the service and on the
// baseline: both are started once more with log_statement = all for their connections (a
// startup option of the connection URL), each request is sent twice (the second, warm, is
// counted) and the cluster's log is read between requests.
func (b *bench) statements(ctx context.Context) error {
	logPath := pgLogFile(b.o.pgLog)
	f, err := os.Open(logPath)
	if err != nil {
		b.rep.StatementsNote = "not counted: the Postgres log is not readable here (" + err.Error() + "); pass -pg-log"
		logf("statements: %s", b.rep.StatementsNote)
		return nil
	}
	f.Close()
	logf("statements per request (from %s)", logPath)
	url := b.mainURL + "?options=-c%20log_statement%3Dall"
	svc, err := b.startService(ctx, "service-statements", url, "")
	if err != nil {
		return err
	}
	defer svc.Stop()
	base, err := b.startBaseline(ctx, "baseline-statements", url)
	if err != nil {
		return err
	}
	defer base.Stop()
	dbTag := "@" + dbName(b.mainURL) + " "
	capture := func(p *driver.Process, req driver.Request) ([]string, error) {
		st, err := os.Stat(logPath)
		if err != nil {
			return nil, err
		}
		off := st.Size()
		probe(p.Base, req)
		time.Sleep(150 * time.Millisecond) // the server's log write
		f, err := os.Open(logPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return nil, err
		}
		var out []string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			line := sc.Text()
			if !strings.Contains(line, dbTag) {
				continue
			}
			m := logLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			s := strings.TrimSpace(m[2])
			if s == "-- ping" { // a pool's liveness check of an idle connection, not the request's work
				continue
			}
			if s == "" { // a multi-line statement: its text starts on the next line
				s = "(multi-line statement, e.g. the ranking query)"
			}
			if len(s) > 160 {
				s = s[:160] + "…"
			}
			out = append(out, s)
		}
		return out, sc.Err()
	}
	for _, ep := range b.endpoints(ctx) {
		sc := statementCount{ID: ep.ID}
		for k, p := range []*driver.Process{svc, base} {
			var got []string
			for i := uint64(0); i < 2; i++ {
				if ep.before != nil {
					if err := ep.before(ctx); err != nil {
						return err
					}
				}
				start := time.Now().Add(-time.Second)
				// Each request its own item (drafts are consumed, versions move on).
				got, err = capture(p, ep.source(b.nextRun())(uint64(k)*2+i))
				if err != nil {
					return err
				}
				if ep.after != nil {
					if err := ep.after(ctx, start); err != nil {
						return err
					}
				}
			}
			if k == 0 {
				sc.Service, sc.ServiceStatements = len(got), got
			} else {
				sc.Baseline, sc.BaselineStatements = len(got), got
			}
		}
		logf("  %s: service %d, baseline %d", ep.ID, sc.Service, sc.Baseline)
		b.rep.Statements = append(b.rep.Statements, sc)
	}
	return nil
}

func dbName(url string) string {
	i := strings.LastIndex(url, "/")
	name := url[i+1:]
	if j := strings.IndexByte(name, '?'); j >= 0 {
		name = name[:j]
	}
	return name
}

func renderStatements(w io.Writer, r *report) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	if len(r.Statements) == 0 && r.StatementsNote == "" {
		return
	}
	p("")
	p("## Statements per request")
	p("")
	if r.StatementsNote != "" {
		p("%s", r.StatementsNote)
		return
	}
	p("Round trips to Postgres for one warm request (`log_statement = all` on a separate pair of processes; BEGIN and")
	p("COMMIT count, the pools' liveness pings of idle connections do not). The baseline copies the service's statements,")
	p("so a difference here is a divergence to fix in `bench/baseline`, and the list is where to look for redundant reads.")
	p("")
	p("| endpoint | service | baseline |")
	p("|---|---:|---:|")
	for _, s := range r.Statements {
		p("| %s | %d | %d |", s.ID, s.Service, s.Baseline)
	}
	for _, s := range r.Statements {
		p("")
		p("<details><summary>%s: the service's statements</summary>", s.ID)
		p("")
		p("```sql")
		for _, q := range s.ServiceStatements {
			p("%s", q)
		}
		p("```")
		p("</details>")
	}
}
