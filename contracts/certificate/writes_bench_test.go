package certificate_test

import (
	"fmt"
	"testing"

	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/identifier"
)

// BenchmarkAnchorWrites counts what certificate.anchor txs write to the
// state (person holder, 100 txs a block, newChain: a new network): IAVL
// leaves per tx (the new keys, plus the signer's sequence every tx
// rewrites) and the new keys' key+value bytes per tx.
func BenchmarkAnchorWrites(b *testing.B) {
	c := newChain(b, defaultGrants())
	op, _ := setup(b, c)
	person := personRef(b, "11010519491231002X")
	c.Block()
	before := c.DumpData()
	n := 0
	b.ResetTimer()
	for done := 0; done < b.N; {
		k := min(100, b.N-done)
		txs := make([][]byte, k)
		for i := range txs {
			a := blAnchor(docHash(fmt.Sprint("writes ", done+i)))
			a.HolderKind, a.HolderRef = identifier.HolderPerson, person
			txs[i] = c.Tx(op, certificate.MsgAnchor, a)
		}
		for _, r := range c.Block(txs...).TxResults {
			if r.Code != 0 {
				b.Fatal(r.Log)
			}
		}
		done += k
		n += k
	}
	b.StopTimer()
	newKeys, kv := 0, 0
	for k, v := range c.DumpData() {
		if _, ok := before[k]; !ok {
			newKeys++
			kv += len(k) + len(v)
		}
	}
	// every tx also rewrites its signer's sequence (one more leaf)
	b.ReportMetric(float64(newKeys)/float64(n)+1, "leaves/tx")
	b.ReportMetric(float64(kv)/float64(n), "new-kvB/tx")
}
