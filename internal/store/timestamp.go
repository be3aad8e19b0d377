package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timestampLayout is fixed-width, so SQLite (which keeps times as text) orders and compares
// them correctly as strings; Postgres parses it into timestamptz.
const timestampLayout = "2006-01-02T15:04:05.000000Z"

// Timestamp is a UTC instant as stored in both dialects. Use it for every time column and
// every time query parameter.
type Timestamp time.Time

// TS converts t for storage or as a query parameter.
func TS(t time.Time) Timestamp { return Timestamp(t.UTC()) }

// Time returns the instant in UTC.
func (t Timestamp) Time() time.Time { return time.Time(t).UTC() }

// Value implements driver.Valuer.
func (t Timestamp) Value() (driver.Value, error) {
	return time.Time(t).UTC().Format(timestampLayout), nil
}

// Scan implements sql.Scanner for time.Time (Postgres) and text (SQLite).
func (t *Timestamp) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*t = Timestamp(x.UTC())
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	case nil:
		*t = Timestamp(time.Time{})
		return nil
	}
	return fmt.Errorf("store: cannot scan %T into Timestamp", v)
}

func (t *Timestamp) parse(s string) error {
	for _, layout := range []string{timestampLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if p, err := time.Parse(layout, s); err == nil {
			*t = Timestamp(p.UTC())
			return nil
		}
	}
	return fmt.Errorf("store: bad timestamp %q", s)
}

// NullTimestamp is a Timestamp that may be NULL.
type NullTimestamp struct {
	Time  time.Time
	Valid bool
}

// NullTS converts an optional time.
func NullTS(t *time.Time) NullTimestamp {
	if t == nil {
		return NullTimestamp{}
	}
	return NullTimestamp{Time: t.UTC(), Valid: true}
}

// Ptr returns the time or nil.
func (n NullTimestamp) Ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time
	return &t
}

// Value implements driver.Valuer.
func (n NullTimestamp) Value() (driver.Value, error) {
	if !n.Valid {
		return nil, nil
	}
	return Timestamp(n.Time).Value()
}

// Scan implements sql.Scanner.
func (n *NullTimestamp) Scan(v any) error {
	if v == nil {
		*n = NullTimestamp{}
		return nil
	}
	var t Timestamp
	if err := t.Scan(v); err != nil {
		return err
	}
	*n = NullTimestamp{Time: t.Time(), Valid: true}
	return nil
}
