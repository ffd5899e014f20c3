package node

import (
	"os"
	"runtime/debug"
)

// DefaultMemoryLimit is the soft memory limit `node start` gives the Go
// runtime (GOMEMLIMIT) unless the environment sets one. Under it the
// collector runs as often as GOGC says; near it, more often, so a burst of
// blocks (badger flushing and compacting, IAVL saving) does not let the
// heap grow to three times its live size under GOGC 200. It is soft: a
// live heap above it is not an error, the node only spends more CPU on
// collection (docs/benchmarks.md, "memory and disk of the store" (2026-12-03 session 8)). It
// is the goal for the app's own memory at 1M records.
const DefaultMemoryLimit = 512 << 20

// SetRuntimeDefaults sets the garbage collector's target (GOGC 200) and
// soft memory limit (DefaultMemoryLimit) for a long-running node, each only
// when the environment does not set it. `node start` and the bench's
// records child call it, so the bench measures what a node runs with.
func SetRuntimeDefaults() {
	if os.Getenv("GOGC") == "" {
		// The daemon allocates mostly short-lived buffers (txs, proofs,
		// answers) over a modest live heap: collecting at 200% growth
		// halves the GC's CPU share for a larger peak heap.
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(DefaultMemoryLimit)
	}
}
