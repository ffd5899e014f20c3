package audit

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate"
)

// benchChain is a chain of blocks×perBlock txs: officer registrations by
// the four department admins and certificate anchors by SCJG officers.
func benchChain(b *testing.B, blocks, perBlock int) *sim {
	b.Helper()
	s := newSim(b, newSimKeys(b))
	s.block(nil)
	officers := s.register(1, 8)
	s.mustOK(s.block([][]byte{s.tx(s.admins[1], certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照", MaxValidityDays: 1825})}))
	serial := 0
	for i := 0; i < blocks; i++ {
		var txs [][]byte
		for j := 0; j < perBlock; j++ {
			if j%2 == 0 {
				k, _ := smcrypto.GenerateKey()
				txs = append(txs, s.tx(s.admins[j%4], identity.MsgRegisterAccount, s.registration(j%4, k, fmt.Sprintf("o%d", j))))
			} else {
				serial++
				txs = append(txs, s.anchor(officers[serial%len(officers)], 1000+serial))
			}
		}
		s.mustOK(s.block(txs))
	}
	s.block(nil)
	return s
}

// singleVerify measures one SM2 verification (with the strict DER check)
// on one core, as chain/smcrypto's BenchmarkVerify does.
func singleVerify(n int) time.Duration {
	k, _ := smcrypto.GenerateKey()
	msg := []byte("benchmark message: a typical transaction sign-bytes payload of modest size")
	sig, _ := k.Sign(msg)
	pub := k.PublicKey()
	start := time.Now()
	for i := 0; i < n; i++ {
		if pub.Verify(msg, sig) != nil {
			panic("verify")
		}
	}
	return time.Since(start) / time.Duration(n)
}

// BenchmarkAuditReplay audits a 10,000-tx chain in memory (no RPC: the
// source is the simulated node) and reports the replay rate in txs/s and
// as a ratio of the machine's SM2 verify limit (cores / single verify).
//
//	go test -run XXX -bench BenchmarkAuditReplay -benchtime 3x ./node/audit/
func BenchmarkAuditReplay(b *testing.B) {
	s := benchChain(b, 50, 200)
	src := &memSource{s: s}
	v := singleVerify(3000)
	limit := float64(runtime.NumCPU()) / v.Seconds()
	b.ResetTimer()
	var txs int64
	var el, replay time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		rep, err := Run(context.Background(), Options{Source: src})
		el += time.Since(t0)
		if err != nil || !rep.OK {
			b.Fatalf("%v %+v", err, rep)
		}
		txs += rep.Txs
		replay += time.Duration(rep.ReplaySeconds * float64(time.Second))
	}
	b.StopTimer()
	rate := float64(txs) / el.Seconds()
	b.ReportMetric(rate, "txs/s")
	b.ReportMetric(float64(txs)/replay.Seconds(), "replay-only-txs/s")
	b.ReportMetric(float64(v.Microseconds()), "sm2-verify-µs")
	b.ReportMetric(limit, "sm2-limit/s")
	b.ReportMetric(rate/limit, "ratio")
}

// BenchmarkAuditStateFloor measures what the replayed state alone costs:
// the writes each block of BenchmarkAuditReplay's chain made (read back
// from the simulated node's versions) applied to a fresh in-memory IAVL
// store of the audit's kind, with a commit (hash and node save) a block —
// no decoding, signatures, contracts or JSON. The replay cannot go faster
// than cores ÷ (verify + this) txs/s, so its ratio to the SM2 verify limit
// cannot pass verify ÷ (verify + this), whatever the number of cores
// (this part is sequential). Reported as floor-µs/tx and max-ratio.
//
//	go test -run XXX -bench BenchmarkAuditStateFloor -benchtime 3x ./node/audit/
func BenchmarkAuditStateFloor(b *testing.B) {
	s := benchChain(b, 50, 200)
	last, _ := s.store.LastCommit()
	type block struct {
		v       int64
		changes []state.Change
	}
	var blocks []block
	var txs, writes int
	if err := s.store.Changes(1, last, func(v int64, cs []state.Change) error {
		blocks = append(blocks, block{v, cs})
		writes += len(cs)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for _, blk := range s.blocks {
		txs += len(blk.Block.Txs)
	}
	v := singleVerify(3000)
	b.ResetTimer()
	var el time.Duration
	for i := 0; i < b.N; i++ {
		st, err := state.OpenMemoryWith(state.Options{CacheSize: 200_000, NoFastIndex: true})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		w := st.Working()
		for _, blk := range blocks {
			for _, c := range blk.changes {
				if c.Value == nil {
					err = w.Delete(c.Key)
				} else {
					err = w.Set(c.Key, c.Value)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			if _, _, err := st.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		el += time.Since(t0)
		st.Close()
	}
	b.StopTimer()
	perTx := el.Seconds() / float64(b.N) / float64(txs)
	b.ReportMetric(perTx*1e6, "floor-µs/tx")
	b.ReportMetric(float64(writes)/float64(txs), "writes/tx")
	b.ReportMetric(float64(v.Microseconds()), "sm2-verify-µs")
	b.ReportMetric(v.Seconds()/(v.Seconds()+perTx), "max-ratio")
}

// BenchmarkDecodeBlockResults decodes one /block_results answer of 200
// txs (registrations and certificate anchors, as BenchmarkAuditReplay's
// chain) the way CometBFT's RPC client does (cmtjson, jsonpb for each
// result) and the way the audit's RPC source does (decodeBlockResults).
//
//	go test -run XXX -bench BenchmarkDecodeBlockResults ./node/audit/
func BenchmarkDecodeBlockResults(b *testing.B) {
	s := benchChain(b, 1, 200)
	var raw []byte
	for _, blk := range s.blocks {
		if blk.Results != nil && len(blk.Results.TxResults) == 200 {
			var err error
			if raw, err = cmtjson.Marshal(blk.Results); err != nil {
				b.Fatal(err)
			}
		}
	}
	if raw == nil {
		b.Fatal("no block of 200 results")
	}
	b.Run("cometbft", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for i := 0; i < b.N; i++ {
			r := new(ctypes.ResultBlockResults)
			if err := cmtjson.Unmarshal(raw, r); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/200, "µs/tx")
	})
	b.Run("audit", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for i := 0; i < b.N; i++ {
			if _, err := decodeBlockResults(raw); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/200, "µs/tx")
	})
}
