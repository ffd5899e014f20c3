package chain

import (
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
)

// After each commit CometBFT rechecks every tx left in the mempool against
// the new state, in mempool order; at saturation a tx is rechecked several
// times before a block takes it. Running the handler each time repeats
// the JSON decoding, the contract's checks and the record encoding for
// nothing when the block touched nothing the tx depends on.
//
// So the first CheckTx of a tx records what it read from the mempool's
// state and what it wrote (state.Recorder). A recheck then:
//   - revalidates the signer's standing at the new block time (identity and
//     department active, certificate window, the route's roles) and its
//     sequence (the last one in the mempool's state + 1);
//   - checks that every other key the tx read still holds the value it
//     read;
//   - and if so applies the recorded writes to the mempool's state and
//     keeps the verdict, without running the handler.
//
// A handler is a deterministic function of the keys it reads and its
// context, so equal reads give equal writes and verdict; only the block
// height and time differ, which is why only routes marked StableOverTime
// (module.Route) are replayed: their verdict can change with time only
// from failing to passing. Anything else, or any changed read, runs the tx
// in full as before (and re-records it). A recheck is advisory, like every
// CheckTx: FinalizeBlock always runs the tx in full, and a tx that fails
// there gets its code in the block results.
//
// What CheckTx decoded is also kept for FinalizeBlock on this node (the
// envelope, and that the body is in canonical form), and forgotten once the
// tx is in a block.

// checkedTx is what CheckTx keeps of a tx that passed it.
type checkedTx struct {
	t    *tx.Tx
	size int // len(raw)
	data []byte
	// replayable: effects are complete and the route is StableOverTime.
	replayable bool
	effects    state.Effects
	cost       int // bytes held, for the cache bound
}

// checkTx is CheckTx's work: a recheck replays the tx when it can, any
// other check runs it in full over the mempool's state.
func (a *App) checkTx(raw []byte, recheck bool) txResult {
	hash := tx.Hash(raw)
	e := a.checked.get(hash)
	if recheck && e != nil && e.replayable {
		if res, ok := a.replay(e); ok {
			return res
		}
	}
	rec := state.NewRecorder(a.checkState)
	res := a.execTx(rec, raw, hash, e, a.checkCtx(), true)
	if res.Code != 0 {
		// A failed recheck evicts the tx. A failed new check of a tx
		// already held (a resubmission) leaves the held one alone.
		if recheck {
			a.checked.remove(hash)
		}
		return res
	}
	c := &checkedTx{t: res.tx, size: len(raw), data: res.Data}
	if a.routes[res.tx.Type].StableOverTime && !rec.Ranged() {
		c.replayable, c.effects = true, rec.Effects()
	}
	c.cost = 512 + len(raw) + len(res.Data) + c.effects.Size()
	a.checked.put(hash, c)
	return res
}

// replay is a recheck without the handler (see above); ok is false when
// the tx must run in full.
func (a *App) replay(e *checkedTx) (res txResult, ok bool) {
	if !a.fits(e.size) {
		return txResult{}, false
	}
	t, route := e.t, a.routes[e.t.Type]
	b := a.checkCtx()
	if t.ChainID != b.chainID {
		return txResult{}, false
	}
	_, signer, err := a.auth.authenticate(a.checkState, t.Signer, b.time)
	if err != nil || len(route.AnyRole) > 0 && !hasAny(signer, route.AnyRole) {
		return txResult{}, false
	}
	if last, err := identity.Sequence(a.checkState, t.Signer); err != nil || t.Sequence != last+1 {
		return txResult{}, false
	}
	if same, err := e.effects.Unchanged(a.checkState); err != nil || !same {
		return txResult{}, false
	}
	if err := e.effects.Apply(a.checkState); err != nil {
		// The mempool's state refused a write it accepted before: say so
		// rather than keep the tx on a partial replay.
		res = failed(errs.Internal.Wrapf("recheck: %v", err))
	} else {
		res = txResult{Data: e.data}
	}
	a.metrics.observe(t.Type, res.Codespace, res.Code, true)
	return res, true
}

// fits reports whether a tx of n bytes is within max_tx_bytes now (the
// one check of tx.Decode that can change after the first decode).
func (a *App) fits(n int) bool {
	return a.params.MaxTxBytes <= 0 || n <= a.params.MaxTxBytes
}

// checkedCache holds checkedTx by tx hash, bounded in count and bytes
// (oldest out first). Callers hold App.mu.
type checkedCache struct {
	byHash map[[32]byte]*checkedTx
	order  [][32]byte // insertion order; may hold hashes since removed
	bytes  int
}

const (
	checkedMaxTxs   = 20_000
	checkedMaxBytes = 64 << 20
)

func (c *checkedCache) get(h [32]byte) *checkedTx { return c.byHash[h] }

func (c *checkedCache) put(h [32]byte, e *checkedTx) {
	if c.byHash == nil {
		c.byHash = map[[32]byte]*checkedTx{}
	}
	if old := c.byHash[h]; old != nil {
		c.bytes -= old.cost
	} else {
		c.order = append(c.order, h)
	}
	c.byHash[h] = e
	c.bytes += e.cost
	for len(c.byHash) > checkedMaxTxs || c.bytes > checkedMaxBytes || len(c.order) > 2*checkedMaxTxs {
		c.remove(c.order[0])
		c.order = c.order[1:]
	}
	if len(c.byHash) == 0 {
		c.order = nil
	}
}

func (c *checkedCache) remove(h [32]byte) {
	if old := c.byHash[h]; old != nil {
		c.bytes -= old.cost
		delete(c.byHash, h)
	}
}
