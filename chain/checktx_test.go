package chain_test

import (
	"context"
	"encoding/json"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/tx"
)

// probe is a test module: probe.put claims a key (failing when it is
// taken) and counts its handler's runs; probe.put_timed is the same route
// without StableOverTime.
type probe struct{ runs *int }

type putMsg struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (probe) Name() string                                       { return "probe" }
func (probe) InitGenesis(*module.Context, json.RawMessage) error { return nil }
func (p probe) Routes() []module.Route {
	put := module.Handler(func(ctx *module.Context, m *putMsg) error {
		*p.runs++
		k := []byte("probe/" + m.Key)
		if v, err := ctx.Store.Get(k); err != nil || v != nil {
			return tx.ErrBadBody.Wrapf("key %s is taken (%s)", m.Key, v)
		}
		ctx.SetData([]byte(m.Key))
		return ctx.Store.Set(k, []byte(m.Value))
	})
	return []module.Route{
		{Type: "probe.put", Handle: put, StableOverTime: true},
		{Type: "probe.put_timed", Handle: put},
	}
}

func recheck(t *testing.T, c *chaintest.Chain, raw []byte) *abci.CheckTxResponse {
	t.Helper()
	r, err := c.App.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: raw, Type: abci.CHECK_TX_TYPE_RECHECK})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRecheckReplays: a recheck after a block that touched nothing the tx
// read keeps its verdict without running the handler, and leaves the
// mempool's state as a full run would (the signer's next txs check out
// back to back); a route not StableOverTime always runs in full.
func TestRecheckReplays(t *testing.T) {
	runs := 0
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{probe{&runs}}})
	k := c.Officer(1)
	tx1 := c.Tx(k, "probe.put", putMsg{"a", "1"})
	tx2 := c.Tx(k, "probe.put", putMsg{"b", "2"})
	timed := c.Tx(k, "probe.put_timed", putMsg{"c", "3"})
	for _, raw := range [][]byte{tx1, tx2, timed} {
		if r := c.Check(raw); r.Code != 0 {
			t.Fatal(r.Log)
		}
	}
	if runs != 3 {
		t.Fatalf("handler ran %d times in CheckTx, want 3", runs)
	}
	c.Block() // an empty block: nothing read has changed
	for i, raw := range [][]byte{tx1, tx2, timed} {
		r := recheck(t, c, raw)
		if r.Code != 0 {
			t.Fatal(r.Log)
		}
		if want := string(rune('a' + i)); string(r.Data) != want {
			t.Fatalf("recheck returned data %q, want %q (the first check's)", r.Data, want)
		}
	}
	if runs != 4 {
		t.Fatalf("handler ran %d times after the rechecks, want 4 (only the route without StableOverTime)", runs)
	}
	// The mempool's state holds the replayed writes: the sequence is the
	// third tx's, and the claimed keys are taken for new txs.
	if s := c.App.PendingSequence(k.PublicKey().ID()); s != 3 {
		t.Fatalf("pending sequence %d after the rechecks, want 3", s)
	}
	c.ResetSeq(k, 3)
	if r := c.Check(c.Tx(k, "probe.put", putMsg{"a", "again"})); r.Code != tx.ErrBadBody.Code {
		t.Fatalf("claim of a key a pending tx holds: code %d %s, want taken", r.Code, r.Log)
	}
	c.ResetSeq(k, 3)
	if r := c.Check(c.Tx(k, "probe.put", putMsg{"d", "4"})); r.Code != 0 {
		t.Fatalf("next tx of the signer after the replayed ones: %s", r.Log)
	}
	// FinalizeBlock runs every tx in full.
	before := runs
	for _, r := range c.Block(tx1, tx2, timed).TxResults {
		if r.Code != 0 {
			t.Fatal(r.Log)
		}
	}
	if runs != before+3 {
		t.Fatalf("FinalizeBlock ran %d handlers, want 3", runs-before)
	}
}

// TestRecheckRunsWhenReadsChange: a block that wrote a key the tx read
// makes the recheck run the handler, which evicts the tx with its code.
func TestRecheckRunsWhenReadsChange(t *testing.T) {
	runs := 0
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{probe{&runs}}})
	k1, k2 := c.Officer(1), c.Officer(2)
	loser := c.Tx(k1, "probe.put", putMsg{"x", "1"})
	if r := c.Check(loser); r.Code != 0 {
		t.Fatal(r.Log)
	}
	c.MustOK(c.Tx(k2, "probe.put", putMsg{"x", "2"})) // another signer's claim wins
	if r := recheck(t, c, loser); r.Code != tx.ErrBadBody.Code {
		t.Fatalf("recheck after the key was taken: code %d %s, want taken", r.Code, r.Log)
	}
	if _, ok := c.App.RecheckFailure(tx.Hash(loser), 0); !ok {
		t.Fatal("the evicted tx's failure is not in the recheck log")
	}
}

// TestRecheckRevalidatesStanding: a signer suspended by a block fails its
// recheck although the tx's own reads (the probe key) are untouched, and
// a tx whose predecessor was evicted fails on its sequence.
func TestRecheckRevalidatesStanding(t *testing.T) {
	runs := 0
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{probe{&runs}}})
	k := c.Officer(1)
	a, b := c.Tx(k, "probe.put", putMsg{"p", "1"}), c.Tx(k, "probe.put", putMsg{"q", "2"})
	for _, raw := range [][]byte{a, b} {
		if r := c.Check(raw); r.Code != 0 {
			t.Fatal(r.Log)
		}
	}
	c.MustOK(c.Tx(c.Depts[1].Admin, identity.MsgSetAccountStatus,
		identity.SetAccountStatus{KeyID: k.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "test"}))
	if r := recheck(t, c, a); r.Code != tx.ErrSignerInactive.Code {
		t.Fatalf("recheck of a suspended signer's tx: code %d %s", r.Code, r.Log)
	}
	if r := recheck(t, c, b); r.Code == 0 {
		t.Fatal("recheck of the next tx passed")
	}
}

// TestRecheckSequenceChain: with txs n and n+1 of one signer in the
// mempool and n evicted, n+1 fails on its sequence rather than replaying.
func TestRecheckSequenceChain(t *testing.T) {
	runs := 0
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{probe{&runs}}})
	k, other := c.Officer(1), c.Officer(2)
	n := c.Tx(k, "probe.put", putMsg{"s", "1"})
	n1 := c.Tx(k, "probe.put", putMsg{"t", "2"})
	for _, raw := range [][]byte{n, n1} {
		if r := c.Check(raw); r.Code != 0 {
			t.Fatal(r.Log)
		}
	}
	c.MustOK(c.Tx(other, "probe.put", putMsg{"s", "x"}))
	if r := recheck(t, c, n); r.Code == 0 {
		t.Fatal("recheck of n passed though its key was taken")
	}
	if r := recheck(t, c, n1); r.Code != tx.ErrSequence.Code {
		t.Fatalf("recheck of n+1 after n was evicted: code %d %s, want a sequence error", r.Code, r.Log)
	}
}

// TestOneCacheEntryPerTx: what a node keeps of a tx between CheckTx and its
// block is one entry: made when its signature verifies (even if the
// handler then refuses the tx), completed when CheckTx passes, cut back to
// the verified signature when a recheck evicts the tx, and dropped when a
// block carries it, whatever its result there.
func TestOneCacheEntryPerTx(t *testing.T) {
	runs := 0
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{probe{&runs}}})
	k := c.Officer(1)
	ok := c.Tx(k, "probe.put", putMsg{"a", "1"})
	c.ResetSeq(k, 0)
	clash := c.Tx(k, "probe.put_timed", putMsg{"b", "2"}) // ok's sequence
	if r := c.Check(ok); r.Code != 0 {
		t.Fatal(r.Log)
	}
	if held, passed := c.App.CachedTx(ok); !held || !passed || c.App.CachedTxs() != 1 {
		t.Fatalf("after a passing CheckTx: held %v passed %v, %d entries", held, passed, c.App.CachedTxs())
	}
	// A block takes the other tx of that sequence: ok's recheck evicts it.
	c.MustOK(clash)
	if r := recheck(t, c, ok); r.Code != tx.ErrSequence.Code {
		t.Fatalf("recheck of a tx whose sequence a block used: code %d %s", r.Code, r.Log)
	}
	if held, passed := c.App.CachedTx(ok); !held || passed {
		t.Fatalf("after a failed recheck: held %v passed %v, want the verified signature only", held, passed)
	}
	// A tx whose signature verifies but whose handler refuses it (key b
	// is taken) is held as verified only.
	taken := c.Tx(k, "probe.put", putMsg{"b", "3"})
	if r := c.Check(taken); r.Code != tx.ErrBadBody.Code {
		t.Fatalf("claim of a taken key: code %d %s", r.Code, r.Log)
	}
	if held, passed := c.App.CachedTx(taken); !held || passed || c.App.CachedTxs() != 2 {
		t.Fatalf("after a refused CheckTx: held %v passed %v, %d entries", held, passed, c.App.CachedTxs())
	}
	// A block carrying them (both fail there) drops their entries.
	c.Block(ok, taken)
	if n := c.App.CachedTxs(); n != 0 {
		t.Fatalf("%d entries kept after the txs were in a block", n)
	}
}
