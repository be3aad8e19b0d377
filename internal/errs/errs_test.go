package errs

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var errClosed = E(Conflict, "the round is closed")

func TestCodeOf(t *testing.T) {
	if CodeOf(nil) != "" {
		t.Error("nil has a code")
	}
	if CodeOf(errors.New("x")) != Internal {
		t.Error("a foreign error is not internal")
	}
	if CodeOf(fmt.Errorf("load: %w", E(NotFound, "no round"))) != NotFound {
		t.Error("a wrapped *Error loses its code")
	}
}

func TestIsMatchesBySentinelIdentity(t *testing.T) {
	specific := errClosed.Withf("the round closed on %s", "2025-03-31")
	withFields := errClosed.WithFields([]FieldError{{"a", "b"}}).WithMeta("existing_id", "x")
	for name, err := range map[string]error{"Withf": specific, "WithFields+WithMeta": withFields, "wrapped": fmt.Errorf("x: %w", specific)} {
		if !errors.Is(err, errClosed) {
			t.Errorf("%s: a copy of a sentinel does not match it", name)
		}
	}
	if specific.Message != "the round closed on 2025-03-31" || errClosed.Message != "the round is closed" {
		t.Errorf("Withf changed the sentinel or lost the message: %q / %q", specific.Message, errClosed.Message)
	}
	sameMessage := E(Conflict, "the round is closed") // another package's sentinel with the same words
	if errors.Is(sameMessage, errClosed) || errors.Is(errClosed, sameMessage) || errors.Is(sameMessage.Withf("x"), errClosed) {
		t.Error("two sentinels with the same message match each other")
	}
	if errors.Is(E(Conflict, "another"), errClosed) || errors.Is(errors.New("the round is closed"), errClosed) {
		t.Error("different errors match")
	}
}

func TestWrap(t *testing.T) {
	if Wrap(nil, "x") != nil {
		t.Error("Wrap(nil) != nil")
	}
	cause := errors.New("connection reset")
	w := Wrap(cause, "save round")
	if CodeOf(w) != Internal || !errors.Is(w, cause) || !strings.Contains(w.Error(), "connection reset") {
		t.Errorf("Wrap: %v", w)
	}
	domain := E(Invalid, "bad")
	if Wrap(domain, "save") != error(domain) {
		t.Error("Wrap replaced a domain error")
	}
}

func TestFields(t *testing.T) {
	var f Fields
	if f.Err(Invalid, "x") != nil {
		t.Error("no fields should be no error")
	}
	f.Add("title", "is required")
	f.Add("amount", "must be at most %d", 5000)
	err := f.Err(Invalid, "the round is not valid")
	var e *Error
	if !errors.As(err, &e) || e.Code != Invalid || len(e.Fields) != 2 || e.Fields[1].Message != "must be at most 5000" {
		t.Fatalf("Fields.Err: %#v", err)
	}
	f.Add("late", "x")
	if len(e.Fields) != 2 {
		t.Error("the error shares the collector's backing array")
	}
	if s := e.Error(); !strings.Contains(s, "title: is required") || !strings.Contains(s, "amount") {
		t.Errorf("Error() = %q", s)
	}
}

func TestWithMetaCopies(t *testing.T) {
	base := E(Conflict, "taken")
	a := base.WithMeta("existing_id", "1")
	b := a.WithMeta("other", "2")
	if base.Meta != nil || len(a.Meta) != 1 || len(b.Meta) != 2 || a.Meta["existing_id"] != "1" {
		t.Errorf("WithMeta mutated its receiver: base %v a %v b %v", base.Meta, a.Meta, b.Meta)
	}
	if E(Invalid, "%d%%", 5).Message != "5%" {
		t.Error("E formatting")
	}
}
