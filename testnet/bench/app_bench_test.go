package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node"
)

// BenchmarkNodeAppPerTx is one validator's app work for a block of 1000
// certificate.anchor txs from 100 signers, as on a network node: CheckTx of
// every tx as it arrives (SM2 verified there), one recheck of the block's
// txs (CometBFT rechecks what is left in the mempool after each commit),
// then FinalizeBlock (signatures cached) and Commit. ns/op is per tx.
// The -µs/tx metrics are wall time, the cpu-µs/tx ones the process's CPU
// time (user + system, GC workers included), which a loaded machine
// disturbs less.
//
//	go test -run XXX -bench NodeAppPerTx -benchtime 5x ./testnet/bench/
func BenchmarkNodeAppPerTx(b *testing.B) {
	// a new network's genesis (node.BuildGenesis): index layout 2
	c := chaintest.New(b, chaintest.Options{Modules: node.Modules(), Grants: map[string][]string{"SCJG": {"issuer:BL"}},
		Genesis: map[string]json.RawMessage{certificate.Name: json.RawMessage(`{"index_layout":2}`)}})
	adm := c.Depts[1].Admin
	c.MustOK(c.Tx(adm, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "licence", MaxValidityDays: 1825}))
	const signers, perBlock = 100, 1000
	keys := make([]*smcrypto.PrivateKey, signers)
	for i := range keys {
		keys[i] = c.Officer(1)
	}
	holder, _ := benchUSCC()
	seq := make([]uint64, signers)
	n := 0
	var check, recheck, deliver time.Duration
	var checkCPU, recheckCPU, deliverCPU time.Duration
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		txs := make([][]byte, perBlock)
		for i := range txs {
			j := i % signers
			seq[j]++
			n++
			txs[i] = chaintest.Sign(keys[j], chaintest.ChainID, certificate.MsgAnchor, seq[j], certificate.Anchor{Hash: smcrypto.SM3Hex([]byte(fmt.Sprint("bench ", n))),
				Type: "BL", LicenceNo: fmt.Sprint("BL-", n), HolderKind: identifier.HolderOrg, HolderRef: holder, IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2027-01-01"})
		}
		b.StartTimer()
		t0, c0 := time.Now(), processCPU()
		checkAll(b, c, txs)
		t1, c1 := time.Now(), processCPU()
		// A recheck runs against a check state rebuilt from the committed
		// state, as after a commit that did not include these txs.
		c.Block()
		t2, c2 := time.Now(), processCPU()
		recheckAll(b, c, txs)
		t3, c3 := time.Now(), processCPU()
		finalizeAll(b, c, txs)
		t4, c4 := time.Now(), processCPU()
		check += t1.Sub(t0)
		recheck += t3.Sub(t2)
		deliver += t4.Sub(t3)
		checkCPU += c1 - c0
		recheckCPU += c3 - c2
		deliverCPU += c4 - c3
	}
	total := float64(b.N * perBlock)
	b.ReportMetric(float64(check.Microseconds())/total, "check-µs/tx")
	b.ReportMetric(float64(recheck.Microseconds())/total, "recheck-µs/tx")
	b.ReportMetric(float64(deliver.Microseconds())/total, "finalize+commit-µs/tx")
	b.ReportMetric(float64(checkCPU.Microseconds())/total, "check-cpu-µs/tx")
	b.ReportMetric(float64(recheckCPU.Microseconds())/total, "recheck-cpu-µs/tx")
	b.ReportMetric(float64(deliverCPU.Microseconds())/total, "finalize+commit-cpu-µs/tx")
	b.ReportMetric(0, "ns/op")
}

// checkAll, recheckAll and finalizeAll are functions of their own so that
// instruction counts (valgrind --tool=callgrind, inclusive cost) split by
// phase, whatever the machine's load:
//
//	valgrind --tool=callgrind --callgrind-out-file=cg.out ./bench.test -test.run XXX -test.bench NodeAppPerTx -test.benchtime 1x
//	callgrind_annotate --inclusive=yes cg.out | grep -E 'checkAll|recheckAll|finalizeAll'
//
//go:noinline
func checkAll(b *testing.B, c *chaintest.Chain, txs [][]byte) {
	for _, t := range txs {
		if r, _ := c.App.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: t, Type: abci.CHECK_TX_TYPE_CHECK}); r.Code != 0 {
			b.Fatal(r.Log)
		}
	}
}

//go:noinline
func recheckAll(b *testing.B, c *chaintest.Chain, txs [][]byte) {
	for _, t := range txs {
		if r, _ := c.App.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: t, Type: abci.CHECK_TX_TYPE_RECHECK}); r.Code != 0 {
			b.Fatal(r.Log)
		}
	}
}

//go:noinline
func finalizeAll(b *testing.B, c *chaintest.Chain, txs [][]byte) {
	for _, r := range c.Block(txs...).TxResults {
		if r.Code != 0 {
			b.Fatal(r.Log)
		}
	}
}

// processCPU is the CPU time the process has used (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
