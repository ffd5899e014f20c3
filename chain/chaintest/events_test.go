package chaintest

import (
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

// recorder is a testing.TB that keeps the errors instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.errs = append(r.errs, fmt.Sprintf(f, a...)) }

func ev(typ string, keys ...string) abci.Event {
	e := abci.Event{Type: typ}
	for _, k := range keys {
		e.Attributes = append(e.Attributes, abci.EventAttribute{Key: k, Value: "v"})
	}
	return e
}

func TestEventsAsDeclared(t *testing.T) {
	declared := map[string][]string{"m.a": {"x", "y"}, "m.b": {"p", "q", "r"}}
	for _, c := range []struct {
		name    string
		events  []abci.Event
		partial []string
		errs    int
	}{
		{"as declared", []abci.Event{ev("m.a", "x", "y"), ev("m.b", "p", "q", "r"), ev("other.z", "k")}, nil, 0},
		{"undeclared event", []abci.Event{ev("m.a", "x", "y"), ev("m.b", "p", "q", "r"), ev("m.c")}, nil, 1},
		{"attribute missing", []abci.Event{ev("m.a", "x"), ev("m.b", "p", "q", "r")}, nil, 2}, // wrong list, y never emitted
		{"attributes reordered", []abci.Event{ev("m.a", "y", "x"), ev("m.b", "p", "q", "r")}, nil, 1},
		{"declared, never emitted", []abci.Event{ev("m.a", "x", "y")}, nil, 1},
		{"partial forms cover all", []abci.Event{ev("m.a", "x", "y"), ev("m.b", "p", "q"), ev("m.b", "p", "r")}, []string{"m.b"}, 0},
		{"partial forms miss one", []abci.Event{ev("m.a", "x", "y"), ev("m.b", "p", "q")}, []string{"m.b"}, 1},
		{"partial form out of order", []abci.Event{ev("m.a", "x", "y"), ev("m.b", "r", "p"), ev("m.b", "p", "q", "r")}, []string{"m.b"}, 1},
	} {
		r := &recorder{TB: t}
		EventsAsDeclared(r, "m", declared, c.events, c.partial...)
		if len(r.errs) != c.errs {
			t.Errorf("%s: %d errors %q, want %d", c.name, len(r.errs), r.errs, c.errs)
		}
	}
}
