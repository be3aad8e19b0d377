package apitest

import (
	"bytes"
	"sync"
)

// LogBuffer keeps everything the server logged (JSON lines, debug level and up), so tests
// can assert that secrets — bank details, passwords, tokens — never reach a log line.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer for the server's slog handler.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
