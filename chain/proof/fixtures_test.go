package proof_test

import (
	"sync"
	"testing"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/proof/prooftest"
)

// fixture is a committed tree from prooftest.Filled(n).
type fixture struct {
	n       int
	tree    *prooftest.Tree
	root    []byte
	version int64
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[int]*fixture{}
)

// filled returns the (cached) tree from prooftest.Filled(n). Building the
// 100,000-key tree takes a few seconds, so tests and benchmarks share it.
func filled(tb testing.TB, n int) *fixture {
	tb.Helper()
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f, ok := fixtures[n]; ok {
		return f
	}
	tree, root, version, err := prooftest.Filled(n)
	if err != nil {
		tb.Fatalf("prooftest.Filled(%d): %v", n, err)
	}
	f := &fixture{n: n, tree: tree, root: root, version: version}
	fixtures[n] = f
	return f
}

func (f *fixture) prove(tb testing.TB, key []byte) proof.Proof {
	tb.Helper()
	p, err := f.tree.Prove(f.version, key)
	if err != nil {
		tb.Fatalf("Prove(%q): %v", key, err)
	}
	return p
}

// sample returns up to max indices in [0, n), always including both ends.
func sample(n, max int) []int {
	if n <= max {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	}
	s := []int{0, n - 1}
	step := n / (max - 2)
	for i := step / 2; i < n-1 && len(s) < max; i += step {
		s = append(s, i)
	}
	return s
}

// wantStep fails the test unless err was reported by the given step.
func wantStep(tb testing.TB, err error, step string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("verification passed, want failure at step %q", step)
	}
	if got := proof.StepOf(err); got != step {
		tb.Fatalf("failed at step %q (%v), want step %q", got, err, step)
	}
}
