package certificate_test

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/merkle"
)

// Throughput of anchoring, reported as certificates per second:
//
//	go test -run XXX -bench . -benchtime 20x ./contracts/certificate/

// BenchmarkHashAndTree10000 is the issuer's side of a batch: SM3 of 10,000
// 4 KiB certificate files, the tree, and every member's inclusion path.
func BenchmarkHashAndTree10000(b *testing.B) {
	docs := make([][]byte, 10_000)
	for i := range docs {
		d := make([]byte, 4096)
		copy(d, fmt.Sprintf("营业执照 BL-2026-%06d", i))
		docs[i] = d
	}
	b.SetBytes(int64(len(docs) * 4096))
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		hashes := make([]string, len(docs))
		for i, d := range docs {
			hashes[i] = smcrypto.SM3Hex(d)
		}
		if _, err := certificate.NewBatchFile(hashes, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(docs))/b.Elapsed().Seconds(), "certs/s")
}

// BenchmarkAnchorBatch10000: build the tree over 10,000 certificate hashes,
// sign one anchor_batch tx, finalize and commit a block with it (SM2
// verify, handler, IAVL commit) through chaintest.
func BenchmarkAnchorBatch10000(b *testing.B) {
	c := newChain(b, defaultGrants())
	op, _ := setup(b, c)
	leaves, _ := batchLeaves(10_000)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		// a different batch each time (the same root twice is refused)
		d := smcrypto.SM3([]byte(fmt.Sprint("member 0 of batch ", n)))
		leaves[0] = d[:]
		tr, err := merkle.New(leaves)
		if err != nil {
			b.Fatal(err)
		}
		root := tr.Root()
		raw := c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: hex.EncodeToString(root[:]), Count: 10_000, IssueDate: "2026-01-01"})
		if r := c.Block(raw).TxResults[0]; r.Code != 0 {
			b.Fatal(r.Log)
		}
	}
	b.ReportMetric(float64(b.N*10_000)/b.Elapsed().Seconds(), "certs/s")
}

// BenchmarkAnchorOnePerTx: one certificate per anchor tx, 100 txs a block;
// the txs are signed outside the timer (clients sign), the node's work —
// decode, SM2 verify, handler, IAVL writes and commit — is timed.
func BenchmarkAnchorOnePerTx(b *testing.B) {
	c := newChain(b, defaultGrants())
	op, _ := setup(b, c)
	const perBlock = 100
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		k := min(perBlock, b.N-done)
		txs := make([][]byte, k)
		for i := range txs {
			txs[i] = c.Tx(op, certificate.MsgAnchor, blAnchor(smcrypto.SM3Hex([]byte(fmt.Sprint("single ", done+i)))))
		}
		b.StartTimer()
		for _, r := range c.Block(txs...).TxResults {
			if r.Code != 0 {
				b.Fatal(r.Log)
			}
		}
		done += k
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "certs/s")
}
