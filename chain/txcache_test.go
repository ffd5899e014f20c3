package chain

import (
	"testing"

	"github.com/govchain/govchain/chain/tx"
)

// TestTxCacheBound: the tx cache keeps at most txCacheMaxTxs entries and
// txCacheMaxBytes, dropping the oldest first; replacing an entry keeps its
// place and counts its new size only.
func TestTxCacheBound(t *testing.T) {
	var c txCache
	h := func(i int) [32]byte { return [32]byte{byte(i), byte(i >> 8), byte(i >> 16), 1} }
	for i := 0; i < txCacheMaxTxs+10; i++ {
		c.put(h(i), verifiedOnly(&tx.Tx{}, 100))
	}
	if len(c.byHash) != txCacheMaxTxs || c.get(h(9)) != nil || c.get(h(10)) == nil {
		t.Fatalf("%d entries, oldest kept: %v, 11th kept: %v", len(c.byHash), c.get(h(9)) != nil, c.get(h(10)) != nil)
	}
	if want := txCacheMaxTxs * (cachedTxCost + 200); c.bytes != want {
		t.Fatalf("%d bytes counted, want %d", c.bytes, want)
	}
	c.put(h(10), &cachedTx{passed: true, cost: 1000})
	if want := (txCacheMaxTxs-1)*(cachedTxCost+200) + 1000; c.bytes != want || !c.get(h(10)).passed {
		t.Fatalf("after a replacement: %d bytes, want %d", c.bytes, want)
	}
	var b txCache
	for i := 0; i < 10; i++ {
		b.put(h(i), &cachedTx{cost: txCacheMaxBytes / 4})
	}
	if len(b.byHash) != 4 || b.bytes > txCacheMaxBytes {
		t.Fatalf("byte bound: %d entries, %d bytes", len(b.byHash), b.bytes)
	}
}
