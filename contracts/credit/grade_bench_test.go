package credit_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/creditapi"
	"github.com/govchain/govchain/contracts/gov"
)

// Cost of the public credit evaluation:
//
//	go test -run XXX -bench 'Grade|RuleChange|Regrade' -benchtime 3x ./contracts/credit/
//
// Grades are computed on read, so a rule change costs the same whatever
// the number of subjects, and the cost moves to the reads.

// gradeChain records 100 events on one subject (licences, commitments,
// penalties, a red list entry, a black list entry and its repair).
func gradeChain(b *testing.B) (*chaintest.Chain, string) {
	c := newChain(b, defaultGrants())
	op, rd := c.Depts[scjg].Admin, admins(c, scjg)
	s := uscc(7)
	var evs []credit.Event
	for i := 0; i < 97; i++ {
		kind := []string{credit.KindLicence, credit.KindPenalty, credit.KindCommitment}[i%3]
		e := event(b, kind, s, fmt.Sprint("决定", i), rd)
		e.Severity = 1 + i%5
		evs = append(evs, e)
	}
	evs = append(evs, event(b, credit.KindBlacklist, s, "失信1", rd))
	id := string(c.MustOK(c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: evs})).Data)
	c.MustOK(c.Tx(op, credit.MsgRecord, repairOf(b, id[len(id)-credit.IDLen:], s, "修1", rd)))
	c.MustOK(c.Tx(c.Depts[rsj].Admin, credit.MsgRecord, event(b, credit.KindRedlist, s, "红1", admins(c, rsj))))
	return c, s
}

// BenchmarkGrade100Events: a 100-event subject graded from the latest
// state (records read and decoded, grade computed); the API's answer with
// 103 proofs; the client's verification, which recomputes the grade.
func BenchmarkGrade100Events(b *testing.B) {
	c, s := gradeChain(b)
	v := c.View()
	b.Run("node", func(b *testing.B) {
		for n := 0; n < b.N; n++ {
			g, _, err := credit.GradeAt(v, s, 0)
			if err != nil || len(g.Lines) < 101 {
				b.Fatal(g, err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grades/s")
	})
	b.Run("node-with-proofs", func(b *testing.B) {
		for n := 0; n < b.N; n++ {
			r, err := creditapi.GradeAt(v, s, 0, true)
			if err != nil || len(r.EventProofs) != 100 {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grades/s")
	})
	r, err := creditapi.GradeAt(v, s, 0, true)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("verify", func(b *testing.B) {
		for n := 0; n < b.N; n++ {
			if _, _, _, err := r.Verify(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grades/s")
	})
}

// BenchmarkRecordOn100EventSubject: one more event on a subject with 100
// events, in its own block; the contract grades the subject before and
// after it (the risk alert), reading its 100 records.
func BenchmarkRecordOn100EventSubject(b *testing.B) {
	c, s := gradeChain(b)
	op, rd := c.Depts[scjg].Admin, admins(c, scjg)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		raw := c.Tx(op, credit.MsgRecord, event(b, credit.KindLicence, s, fmt.Sprint("许", n), rd))
		b.StartTimer()
		if r := c.Block(raw).TxResults[0]; r.Code != 0 {
			b.Fatal(r.Log)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// manySubjects writes n subjects (one penalty record and its summary
// each) straight into the working state, committed by empty blocks every
// 10,000: a state of n subjects without sealing n envelopes. Every 10th
// subject is black listed.
func manySubjects(b *testing.B, c *chaintest.Chain, n int) {
	w := c.Store.Working()
	for i := 0; i < n; i++ {
		ref := uscc(100000 + i)
		id := credit.FormatID(uint64(1_000_000 + i))
		kind := credit.KindPenalty
		if i%10 == 0 {
			kind = credit.KindBlacklist
		}
		r := credit.Record{ID: id, Kind: kind, SubjectKind: credit.SubjectOrg, SubjectRef: ref, Dept: "SCJG", Signer: "bench",
			LegalBasis: "《行政处罚法》", DecisionNo: "罚" + strconv.Itoa(i), EffectiveDate: "2026-01-01", PublishEnd: "2029-01-01T00:00:00Z",
			Severity: 1 + i%5, Details: credit.Envelope{Scheme: credit.Scheme, Ciphertext: []byte(strings.Repeat("x", 64))}, Height: 1, Time: "2026-01-01T00:00:01Z"}
		sum := credit.Subject{Kind: credit.SubjectOrg, Ref: ref, Events: []string{id}, FirstHeight: 1, LastHeight: 1}
		sum.Counts.Add(kind)
		for _, kv := range []struct {
			k []byte
			v any
		}{{credit.EventKey(id), r}, {credit.SubjectKey(ref), sum}} {
			if err := w.Set(kv.k, module.MustJSON(kv.v)); err != nil {
				b.Fatal(err)
			}
		}
		if i%10000 == 9999 {
			c.Block()
			w = c.Store.Working()
		}
	}
	c.Block()
}

// BenchmarkRuleChange100kSubjects: the block in which a set_credit_rules
// proposal passes (the deciding vote executes it), with 100,000 subjects
// in state. It writes the two rules keys; no subject is touched.
func BenchmarkRuleChange100kSubjects(b *testing.B) {
	c := newChain(b, defaultGrants())
	manySubjects(b, c, 100_000)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		r := stricter()
		r.Title = fmt.Sprint("bench ", n)
		body, _ := json.Marshal(credit.SetRules{Rules: r})
		res := c.MustOK(c.Tx(c.Depts[zwfw].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindSetCreditRules, Action: body}))
		pid, _ := strconv.ParseUint(string(res.Data), 10, 64)
		c.MustOK(c.Tx(c.Depts[scjg].Admin, gov.MsgVote, gov.CastVote{ID: pid, Vote: gov.VoteApprove}))
		raw := c.Tx(c.Depts[rsj].Admin, gov.MsgVote, gov.CastVote{ID: pid, Vote: gov.VoteApprove})
		b.StartTimer()
		if r := c.Block(raw).TxResults[0]; r.Code != 0 {
			b.Fatal(r.Log)
		}
	}
	b.StopTimer()
	// what the executing block wrote under credit/
	var credits []string
	if err := c.Store.Changes(c.Height, c.Height, func(_ int64, cs []state.Change) error {
		for _, ch := range cs {
			if strings.HasPrefix(string(ch.Key), "credit/") {
				credits = append(credits, string(ch.Key))
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if len(credits) != 2 {
		b.Fatalf("the rule change wrote %v under credit/", credits)
	}
	b.ReportMetric(float64(len(credits)), "credit-keys-written")
	rr, _ := credit.GetRules(c.View())
	if rr.Version != int64(b.N)+1 {
		b.Fatalf("version %d after %d changes", rr.Version, b.N)
	}
}

// BenchmarkRegradeAll100k: where the cost of a rule change goes instead:
// grading every one of 100,000 subjects on read (the walk of
// /v1/credit/grades?class=D) under the rule in force.
func BenchmarkRegradeAll100k(b *testing.B) {
	c := newChain(b, defaultGrants())
	manySubjects(b, c, 100_000)
	v := c.View()
	bt, _ := credit.BlockTime(v)
	rr, _ := credit.GetRules(v)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		items, next, err := credit.GradesAfter(v, rr, bt, "D", "", 1<<30, 1<<30)
		if err != nil || next != "" || len(items) != 10_000 {
			b.Fatalf("%d items, next %q, %v", len(items), next, err)
		}
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "subjects/s")
}

// BenchmarkBatch1000OneSubject: the worst case of the alert grading, a
// record_batch of 1,000 events (max_batch) all on one subject: event k is
// graded against the k-1 before it (facts kept across the batch).
func BenchmarkBatch1000OneSubject(b *testing.B) {
	c := newChain(b, defaultGrants())
	op, rd := c.Depts[scjg].Admin, admins(c, scjg)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		s := uscc(500 + n)
		evs := make([]credit.Event, 1000)
		for i := range evs {
			evs[i] = event(b, credit.KindPenalty, s, fmt.Sprintf("罚%d-%d", n, i), rd)
		}
		raw := c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: evs})
		b.StartTimer()
		if r := c.Block(raw).TxResults[0]; r.Code != 0 {
			b.Fatal(r.Log)
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "events/s")
}
