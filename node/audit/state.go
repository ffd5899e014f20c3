package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
)

// StateReader is a node's state API, for the served-state check.
type StateReader interface {
	// Prove reads key at height with an ICS23 proof (GET /v1/state).
	Prove(ctx context.Context, key string, height int64) (*node.StateResult, error)
	// Keys lists every key under prefix at height (GET /v1/list).
	Keys(ctx context.Context, prefix string, height int64) ([]string, error)
}

// APIState reads a node's govchain HTTP API.
type APIState struct{ C *client.Client }

func (a APIState) Prove(ctx context.Context, key string, height int64) (*node.StateResult, error) {
	return a.C.State(ctx, key, height, true)
}

func (a APIState) Keys(ctx context.Context, prefix string, height int64) ([]string, error) {
	var keys []string
	after := ""
	for {
		r, err := a.C.ListAt(ctx, prefix, after, client.MaxPageLimit, height)
		if err != nil {
			return nil, err
		}
		if r.Height != height {
			return nil, fmt.Errorf("asked for keys at height %d, the node listed height %d", height, r.Height)
		}
		for _, e := range r.Entries {
			keys = append(keys, e.Key)
		}
		if r.Next == "" {
			return keys, nil
		}
		after = r.Next
	}
}

// StateCheck compares what the node serves at height h with the replayed
// state: every key the replay holds is read from the node with a proof,
// the proof is verified against appHash (the app hash the validators
// signed in header h+1, which the replay reproduced), and the value is
// compared with the replay's. Keys are also listed per top-level prefix
// to find keys the node has and the replay has not. sample > 0 checks only
// every n-th key (the listing still covers all prefixes).
type stateCheck struct {
	keys, mismatched, extra int
}

func (a *auditor) checkServedState(ctx context.Context, sr StateReader, h int64, appHash []byte, sample, workers int) (*stateCheck, error) {
	view, err := a.store.At(h)
	if err != nil {
		return nil, err
	}
	replayed := map[string][]byte{}
	var keys []string
	if err := state.IteratePrefix(view, nil, true, func(k, v []byte) (bool, error) {
		replayed[string(k)] = append([]byte(nil), v...)
		keys = append(keys, string(k))
		return true, nil
	}); err != nil {
		return nil, err
	}
	res := &stateCheck{}
	// The node's key set, per top-level prefix (the list API needs at
	// least 3 bytes of prefix; shorter prefixes are covered by the reads).
	prefixes := map[string]bool{}
	for _, k := range keys {
		if i := strings.IndexByte(k, '/'); i >= 2 {
			prefixes[k[:i+1]] = true
		}
	}
	var ps []string
	for p := range prefixes {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	for _, p := range ps {
		nk, err := sr.Keys(ctx, p, h)
		if err != nil {
			return nil, fmt.Errorf("listing %s at %d: %w", p, h, err)
		}
		for _, k := range nk {
			if _, ok := replayed[k]; !ok {
				res.extra++
				a.fail(Finding{Height: h, Kind: KindState, Reason: fmt.Sprintf("the node lists key %q at height %d; the replayed state has no such key", k, h)})
			}
		}
	}
	if sample > 1 {
		var picked []string
		for i := 0; i < len(keys); i += sample {
			picked = append(picked, keys[i])
		}
		keys = picked
	}
	res.keys = len(keys)
	jobs := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				r, err := sr.Prove(ctx, k, h)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("reading %q at %d: %w", k, h, err)
					}
					mu.Unlock()
					continue
				}
				want := replayed[k]
				var problems []string
				if r.Height != h {
					problems = append(problems, fmt.Sprintf("answered for height %d", r.Height))
				}
				if !bytes.Equal(r.Value, want) {
					problems = append(problems, "serves "+valueDiff(r.Value, want))
				}
				if r.Proof == nil {
					problems = append(problems, "no proof")
				} else if !bytes.Equal(r.Proof.Value, r.Value) || string(r.Proof.Key) != k {
					problems = append(problems, "the proof is for another key or value")
				} else if err := r.Proof.Verify(appHash); err != nil {
					problems = append(problems, fmt.Sprintf("its proof does not verify against the signed app hash %X of header %d: %v", appHash, h+1, err))
				}
				if len(problems) > 0 {
					mu.Lock()
					res.mismatched++
					mu.Unlock()
					a.fail(Finding{Height: h, Kind: KindState, Reason: fmt.Sprintf("key %q at height %d: the node %s", k, h, strings.Join(problems, "; "))})
				}
			}
		}()
	}
	for _, k := range keys {
		jobs <- k
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return res, firstErr
	}
	return res, nil
}

// valueDiff describes how served differs from want: the differing fields
// of two JSON objects, else both values clipped.
func valueDiff(served, want []byte) string {
	var a, b map[string]json.RawMessage
	if json.Unmarshal(served, &a) == nil && json.Unmarshal(want, &b) == nil {
		var diffs []string
		for k, v := range b {
			if w, ok := a[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s missing (replay: %s)", k, clipJSON(v)))
			} else if !bytes.Equal(w, v) {
				diffs = append(diffs, fmt.Sprintf("%s %s (replay: %s)", k, clipJSON(w), clipJSON(v)))
			}
		}
		for k, w := range a {
			if _, ok := b[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s %s (not in the replay)", k, clipJSON(w)))
			}
		}
		sort.Strings(diffs)
		if len(diffs) > 0 {
			return "a record whose fields differ from the replay's: " + strings.Join(diffs, ", ")
		}
	}
	return fmt.Sprintf("%s; the replay has %s", clip(served), clip(want))
}

func clipJSON(b []byte) string {
	if len(b) > 120 {
		return string(b[:117]) + "..."
	}
	return string(b)
}

func clip(b []byte) string {
	if b == nil {
		return "nothing"
	}
	s := strconv.Quote(string(b))
	if len(s) > 160 {
		s = s[:157] + "...\""
	}
	return s
}
