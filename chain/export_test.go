package chain

import "github.com/govchain/govchain/chain/tx"

// CachedTx reports this node's one cache entry for raw (test only): held,
// and whether it holds a passing CheckTx's result.
func (a *App) CachedTx(raw []byte) (held, passed bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.txs.get(tx.Hash(raw))
	return e != nil, e != nil && e.passed
}

// CachedTxs is the number of entries in the tx cache (test only).
func (a *App) CachedTxs() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.txs.byHash)
}
