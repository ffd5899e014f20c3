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
// What CheckTx learnt is also kept for FinalizeBlock on this node (the
// decoded envelope, that the signature verified, and that the body is in
// canonical form), and forgotten once the tx is in a block.

// cachedTx is everything this node keeps of a tx between its CheckTx and
// its block, in one entry per tx hash (txCache). An entry exists once the
// tx's signature verified in CheckTx: the tx bytes fix the signer and a key
// id fixes its public key, so that result cannot change. passed says the
// whole CheckTx succeeded (the handler accepted the body as canonical); the
// rest is its result and recorded effects, for rechecks.
type cachedTx struct {
	t      *tx.Tx
	size   int // len(raw)
	passed bool
	data   []byte
	// replayable: effects are complete and the route is StableOverTime.
	replayable bool
	effects    state.Effects
	cost       int // bytes held, for the cache bound
}

// checkTx is CheckTx's work: a recheck replays the tx when it can, any
// other check runs it in full over the mempool's state.
func (a *App) checkTx(raw []byte, recheck bool) txResult {
	hash := tx.Hash(raw)
	e := a.txs.get(hash)
	if recheck && e != nil && e.replayable {
		if res, ok := a.replay(e); ok {
			return res
		}
	}
	rec := state.NewRecorder(a.checkState)
	res := a.execTx(rec, raw, hash, e, a.checkCtx(), true)
	if res.Code != 0 {
		// A failed recheck evicts the tx from the mempool: its result and
		// effects go, what stays true (decoded, signature verified) stays
		// for a block that may still carry it. A failed new check of a tx
		// already held (a resubmission) leaves the held one alone.
		if e := a.txs.get(hash); recheck && e != nil && e.passed {
			a.txs.put(hash, verifiedOnly(e.t, e.size))
		}
		return res
	}
	c := &cachedTx{t: res.tx, size: len(raw), passed: true, data: res.Data}
	if a.routes[res.tx.Type].StableOverTime && !rec.Ranged() {
		c.replayable, c.effects = true, rec.Effects()
	}
	c.cost = cachedTxCost + len(raw) + len(res.Data) + c.effects.Size()
	a.txs.put(hash, c)
	return res
}

// verifiedOnly is the entry of a tx whose signature verified, before (or
// without) a passing CheckTx.
func verifiedOnly(t *tx.Tx, size int) *cachedTx {
	return &cachedTx{t: t, size: size, cost: cachedTxCost + 2*size}
}

// cachedTxCost is an entry's fixed share of the cache's byte bound (the
// map slot, the decoded envelope's headers); its bytes are counted apart.
const cachedTxCost = 512

// replay is a recheck without the handler (see above); ok is false when
// the tx must run in full.
func (a *App) replay(e *cachedTx) (res txResult, ok bool) {
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

// txCache holds one cachedTx per tx hash, bounded in count and bytes
// (oldest out first). It only ever skips work (a decode, a signature
// verification, a handler run on recheck), never changes a result.
// Callers hold App.mu.
type txCache struct {
	byHash map[[32]byte]*cachedTx
	order  [][32]byte // insertion order; may hold hashes since removed
	bytes  int
}

// The bounds keep well over a mempool's worth of txs (CometBFT's default
// mempool holds 5,000; each node checks every tx gossiped to it).
const (
	txCacheMaxTxs   = 50_000
	txCacheMaxBytes = 64 << 20
)

func (c *txCache) get(h [32]byte) *cachedTx { return c.byHash[h] }

func (c *txCache) put(h [32]byte, e *cachedTx) {
	if c.byHash == nil {
		c.byHash = map[[32]byte]*cachedTx{}
	}
	if old := c.byHash[h]; old != nil {
		c.bytes -= old.cost
	} else {
		c.order = append(c.order, h)
	}
	c.byHash[h] = e
	c.bytes += e.cost
	for len(c.byHash) > txCacheMaxTxs || c.bytes > txCacheMaxBytes || len(c.order) > 2*txCacheMaxTxs {
		c.remove(c.order[0])
		c.order = c.order[1:]
	}
	if len(c.byHash) == 0 {
		c.order = nil
	}
}

func (c *txCache) remove(h [32]byte) {
	if old := c.byHash[h]; old != nil {
		c.bytes -= old.cost
		delete(c.byHash, h)
	}
}
