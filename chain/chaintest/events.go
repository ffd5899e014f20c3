package chaintest

import (
	"slices"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
)

// Events gathers the events of tx results, in order.
func Events(results ...*abci.ExecTxResult) []abci.Event {
	var out []abci.Event
	for _, r := range results {
		out = append(out, r.Events...)
	}
	return out
}

// EventsAsDeclared checks a module's events against its declaration (the
// EventAttrs table of the module's light package, which node/explore
// searches by): every event of the module ("<module>.x") in events is
// declared, with exactly the declared attributes in order, and every
// declared event and attribute was emitted. An event named in partial
// may be emitted in forms that leave declared attributes out (order
// kept); together its forms must emit them all.
func EventsAsDeclared(t testing.TB, module string, declared map[string][]string, events []abci.Event, partial ...string) {
	t.Helper()
	seen := map[string]map[string]bool{}
	for _, ev := range events {
		if !strings.HasPrefix(ev.Type, module+".") {
			continue
		}
		want, ok := declared[ev.Type]
		if !ok {
			t.Errorf("event %s is emitted but not declared in %s's EventAttrs", ev.Type, module)
			continue
		}
		var got []string
		for _, a := range ev.Attributes {
			got = append(got, a.Key)
		}
		if slices.Contains(partial, ev.Type) {
			if !subsequence(got, want) {
				t.Errorf("event %s has attributes %v, not the declared %v with some left out", ev.Type, got, want)
			}
		} else if !slices.Equal(got, want) {
			t.Errorf("event %s has attributes %v, EventAttrs says %v", ev.Type, got, want)
		}
		if seen[ev.Type] == nil {
			seen[ev.Type] = map[string]bool{}
		}
		for _, a := range got {
			seen[ev.Type][a] = true
		}
	}
	for typ, attrs := range declared {
		if seen[typ] == nil {
			t.Errorf("event %s is declared but was not emitted", typ)
			continue
		}
		for _, a := range attrs {
			if !seen[typ][a] {
				t.Errorf("event %s: attribute %s is declared but never emitted", typ, a)
			}
		}
	}
}

// subsequence reports whether got is want with some elements left out
// (order kept, none repeated, none added, not empty).
func subsequence(got, want []string) bool {
	i := 0
	for _, g := range got {
		j := slices.Index(want[i:], g)
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return len(got) > 0
}
