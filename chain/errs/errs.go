// Package errs defines govchain's error values: every rejection carries a
// codespace and a numeric code a client can switch on, plus a human message.
// Codes are part of the consensus result (they end up in block results), so a
// registered code must never be renumbered.
package errs

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Error is a coded error. Two Errors match with errors.Is when their codespace
// and code are equal, whatever the message says.
type Error struct {
	Codespace string
	Code      uint32
	Name      string
	Msg       string
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("%s/%d %s", e.Codespace, e.Code, e.Name)
	}
	return fmt.Sprintf("%s/%d %s: %s", e.Codespace, e.Code, e.Name, e.Msg)
}

// Is makes errors.Is(err, ErrX) work for wrapped copies of ErrX.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Codespace == e.Codespace && t.Code == e.Code
}

// Wrapf returns a copy of e with a specific message.
func (e *Error) Wrapf(format string, args ...any) *Error {
	c := *e
	c.Msg = fmt.Sprintf(format, args...)
	return &c
}

var (
	mu       sync.Mutex
	registry = map[string]*Error{}
)

// Register declares a code once, at package init. Duplicate codes panic so a
// clash between modules is caught by any test that imports both.
func Register(codespace string, code uint32, name string) *Error {
	mu.Lock()
	defer mu.Unlock()
	if code == 0 {
		panic("errs: code 0 is reserved for success")
	}
	k := fmt.Sprintf("%s/%d", codespace, code)
	if _, dup := registry[k]; dup {
		panic("errs: duplicate error code " + k)
	}
	e := &Error{Codespace: codespace, Code: code, Name: name}
	registry[k] = e
	return e
}

// All lists the registered errors ordered by codespace then code (for docs and
// the OpenAPI document).
func All() []*Error {
	mu.Lock()
	defer mu.Unlock()
	out := make([]*Error, 0, len(registry))
	for _, e := range registry {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Codespace != out[j].Codespace {
			return out[i].Codespace < out[j].Codespace
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// Internal is the code for failures that are not the sender's fault.
var Internal = Register("sdk", 1, "internal")

// From converts any error into a coded one; unknown errors become Internal so
// that no raw Go error string decides a consensus result code by accident.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal.Wrapf("%v", err)
}
