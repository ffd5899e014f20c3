package credit_test

import (
	"strconv"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/gov"
)

func mustUint(s string) uint64 {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

// TestEventsAsDeclared: every event the contract emits is in
// credittypes.EventAttrs with exactly its attributes in order, and every
// declared event is emitted by some message; node/explore searches and
// counts by that table.
func TestEventsAsDeclared(t *testing.T) {
	c := newChain(t, defaultGrants())
	var results []*abci.ExecTxResult
	ok := func(raw []byte) *abci.ExecTxResult { r := c.MustOK(raw); results = append(results, r); return r }
	op, rd := c.Officer(scjg), admins(c, scjg)
	s := uscc(31)
	bl := string(ok(c.Tx(op, credit.MsgRecord, event(t, credit.KindBlacklist, s, "榕信惩〔2026〕31号", rd))).Data)
	ok(c.Tx(op, credit.MsgRecord, repairOf(t, bl, s, "榕信修〔2026〕31号", rd)))
	ok(c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: []credit.Event{
		event(t, credit.KindLicence, uscc(32), "榕市监许〔2026〕32号", rd),
		event(t, credit.KindPenalty, uscc(33), "榕市监罚〔2026〕33号", rd),
	}}))

	ok(c.Tx(c.Officer(rsj), credit.MsgWatch, credit.Watch{SubjectKind: credit.SubjectOrg, SubjectRef: s, Watch: true}))
	res := ok(proposeRules(c, stricter()))
	for _, d := range []int{scjg, rsj} {
		ok(c.Tx(c.Depts[d].Admin, gov.MsgVote, gov.CastVote{ID: mustUint(string(res.Data)), Vote: gov.VoteApprove}))
	}

	chaintest.EventsAsDeclared(t, credittypes.Name, credittypes.EventAttrs, chaintest.Events(results...))
}
