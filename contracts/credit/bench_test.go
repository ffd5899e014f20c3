package credit_test

import (
	"fmt"
	"testing"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/creditapi"
	"github.com/govchain/govchain/contracts/credit/creditio"
)

// Throughput of recording and reading credit events:
//
//	go test -run XXX -bench . -benchtime 2x ./contracts/credit/
//
// Events are sealed (SM4-GCM, data key wrapped with SM2 for three keys)
// and txs signed outside the timer: that is the clients' work. The timer
// covers the node's: decode, SM2 verify, handler (grant, envelope checks
// against the registry, indexes), IAVL writes and commit.

func benchEvents(b *testing.B, c *chaintest.Chain, n, from int) []credit.Event {
	b.Helper()
	rd := append(admins(c, scjg, rsj), admins(c, wjw)...)
	evs := make([]credit.Event, n)
	for i := range evs {
		evs[i] = event(b, credit.KindPenalty, uscc(from+i), fmt.Sprintf("榕市监罚〔2026〕%d号", from+i), rd)
	}
	return evs
}

// BenchmarkRecordSingle: one event per credit.record tx, 100 txs a block.
func BenchmarkRecordSingle(b *testing.B) {
	c := newChain(b, defaultGrants())
	op := c.Depts[scjg].Admin
	const perBlock = 100
	next := 0
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		k := min(perBlock, b.N-done)
		evs := benchEvents(b, c, k, next)
		next += k
		txs := make([][]byte, k)
		for i := range txs {
			txs[i] = c.Tx(op, credit.MsgRecord, evs[i])
		}
		b.StartTimer()
		for _, r := range c.Block(txs...).TxResults {
			if r.Code != 0 {
				b.Fatal(r.Log)
			}
		}
		done += k
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRecordBatch500: 500 events in one credit.record_batch tx a block.
func BenchmarkRecordBatch500(b *testing.B) {
	c := newChain(b, defaultGrants())
	op := c.Depts[scjg].Admin
	const per = 500
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		raw := c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: benchEvents(b, c, per, n*per)})
		b.StartTimer()
		if r := c.Block(raw).TxResults[0]; r.Code != 0 {
			b.Fatal(r.Log)
		}
	}
	b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "events/s")
}

// profileChain records 20 events (licences, penalties, a black list entry,
// its repair) on one subject among 1,000 others.
func profileChain(b *testing.B) (*chaintest.Chain, string) {
	c := newChain(b, defaultGrants())
	op := c.Depts[scjg].Admin
	for i := 0; i < 2; i++ {
		c.MustOK(c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: benchEvents(b, c, 500, 1000+i*500)}))
	}
	s := uscc(7)
	rd := admins(c, scjg)
	var evs []credit.Event
	for i := 0; i < 18; i++ {
		kind := []string{credit.KindLicence, credit.KindPenalty, credit.KindCommitment}[i%3]
		evs = append(evs, event(b, kind, s, fmt.Sprint("决定", i), rd))
	}
	evs = append(evs, event(b, credit.KindBlacklist, s, "失信1", rd))
	id := string(c.MustOK(c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: evs})).Data)
	last := id[len(id)-credit.IDLen:]
	c.MustOK(c.Tx(op, credit.MsgRecord, repairOf(b, last, s, "修1", rd)))
	return c, s
}

// BenchmarkProfile20: a 20-event profile computed from the latest state.
func BenchmarkProfile20(b *testing.B) {
	c, s := profileChain(b)
	v := c.View()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		p, err := credit.ProfileAt(v, s)
		if err != nil || len(p.History) != 20 {
			b.Fatal(p, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "profiles/s")
}

// BenchmarkProfile20WithProofs: the API's answer with 22 ICS23 proofs
// (summary, block time, 20 records), and the client's verification of it.
func BenchmarkProfile20WithProofs(b *testing.B) {
	c, s := profileChain(b)
	v := c.View()
	b.Run("node", func(b *testing.B) {
		for n := 0; n < b.N; n++ {
			r, err := creditapi.ProfileAt(v, s, true)
			if err != nil || len(r.EventProofs) != 20 {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "profiles/s")
	})
	r, err := creditapi.ProfileAt(v, s, true)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("verify", func(b *testing.B) {
		for n := 0; n < b.N; n++ {
			if _, _, err := r.Verify(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "profiles/s")
	})
}

// BenchmarkSeal: the client's side of one event (fresh SM4 key, SM4-GCM,
// three SM2 wraps).
func BenchmarkSeal(b *testing.B) {
	c := newChain(b, defaultGrants())
	rd := append(admins(c, scjg, rsj), admins(c, wjw)...)
	d := creditio.Details{SubjectID: uscc(1), SubjectName: "福州闽江贸易有限公司", Text: "发布虚假广告，罚款人民币五万元"}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := creditio.SealDetails(credit.KindPenalty, uscc(1), "罚1", d, rd); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
