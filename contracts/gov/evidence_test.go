package gov_test

import (
	"bytes"
	"encoding/json"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/contracts/gov"
)

func doubleSign(c *chaintest.Chain, i int, at int64) abci.Misbehavior {
	return abci.Misbehavior{Type: abci.MISBEHAVIOR_TYPE_DUPLICATE_VOTE, Height: at,
		Time: chaintest.Genesis0.Add(1e9 * 3), TotalVotingPower: 10 * int64(len(c.Depts)),
		Validator: abci.Validator{Address: c.Depts[i].Val.PubKey().Address(), Power: 10}}
}

// A validator that double-signs loses its power in the block that carries
// the evidence, with a record of it on chain; its department keeps its
// status and rights; a repeat in the same block changes nothing more; only
// a governance proposal gives the power back.
func TestEvidenceZeroesPowerUntilGovernance(t *testing.T) {
	c := newChain(t, 5)
	c.Block()
	c.Block()
	c.Misbehavior = []abci.Misbehavior{doubleSign(c, 4, 2), doubleSign(c, 4, 3)}
	res := c.Block()
	at := c.Height
	if len(res.ValidatorUpdates) != 1 || res.ValidatorUpdates[0].Power != 0 || !bytes.Equal(res.ValidatorUpdates[0].PubKeyBytes, c.Depts[4].Val.PubKey().Bytes()) {
		t.Fatalf("validator updates %+v, want one: ZJW's key to power 0", res.ValidatorUpdates)
	}
	n := 0
	for _, e := range res.Events {
		if e.Type == chain.EventEvidence {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d %s events, want 2", n, chain.EventEvidence)
	}
	addr := c.Depts[4].Val.PubKey().Address().String()
	for i, h := range []int64{2, 3} {
		b, err := c.View().Get(identity.EvidenceKey(addr, at, i))
		if err != nil || b == nil {
			t.Fatalf("evidence record %d: %v", i, err)
		}
		var ev identity.Evidence
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		want := identity.Evidence{Kind: identity.EvidenceDuplicateVote, Validator: addr, Dept: "ZJW", Height: h,
			Time: "2026-01-01T00:00:03Z", Committed: at, PowerBefore: 10, PowerAfter: 0, TotalPower: 50}
		if i == 1 {
			want.PowerBefore = 0 // the first record of the block already took it
		}
		if ev != want {
			t.Fatalf("evidence %d:\n got %+v\nwant %+v", i, ev, want)
		}
	}
	d, _ := identity.GetDept(c.View(), "ZJW")
	if d.Status != identity.StatusActive || d.Validator.Power != 0 {
		t.Fatalf("dept after evidence %+v (validator %+v)", d, d.Validator)
	}
	// the department's other rights are untouched: its admin still proposes
	id := propose(t, c, 4, gov.KindSetValidator, gov.SetValidator{Code: "ZJW", Power: 10})
	for _, v := range []int{0, 1, 2} {
		mustVote(t, c, v, id, gov.VoteApprove)
	}
	if p := status(t, c, id); p.Status != "passed" {
		t.Fatalf("reinstatement proposal is %s", p.Status)
	}
	d, _ = identity.GetDept(c.View(), "ZJW")
	if d.Validator.Power != 10 {
		t.Fatalf("power after governance %d, want 10", d.Validator.Power)
	}
	// evidence of the judged incident arriving late is recorded only
	c.Misbehavior = []abci.Misbehavior{doubleSign(c, 4, at+1)}
	if res := c.Block(); len(res.ValidatorUpdates) != 0 {
		t.Fatalf("late evidence of the old incident changed the set: %+v", res.ValidatorUpdates)
	}
	if b, _ := c.View().Get(identity.EvidenceKey(addr, c.Height, 0)); b == nil {
		t.Fatal("late evidence not recorded")
	}
	// a new offence takes the power again
	c.Misbehavior = []abci.Misbehavior{doubleSign(c, 4, c.Height)}
	if res := c.Block(); len(res.ValidatorUpdates) != 1 || res.ValidatorUpdates[0].Power != 0 {
		t.Fatalf("new offence: updates %+v", res.ValidatorUpdates)
	}
}

// Evidence never empties the validator set (CometBFT would halt for
// good): the last validator keeps its power, the record says so.
func TestEvidenceAgainstLastValidator(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Depts: 1, Modules: []module.Module{gov.Module{}}})
	c.Misbehavior = []abci.Misbehavior{doubleSign(c, 0, 1)}
	res := c.Block()
	if len(res.ValidatorUpdates) != 0 {
		t.Fatalf("updates %+v, want none", res.ValidatorUpdates)
	}
	b, _ := c.View().Get(identity.EvidenceKey(c.Depts[0].Val.PubKey().Address().String(), c.Height, 0))
	var ev identity.Evidence
	if err := json.Unmarshal(b, &ev); err != nil || ev.PowerAfter != 10 {
		t.Fatalf("record %s (%v)", b, err)
	}
}

// Governance re-weights a validator in the block that also carries its
// evidence: CometBFT gets one update of that key, the punishment's (it
// comes last), and the department ends with no power.
func TestEvidenceInBlockOfGovernanceUpdate(t *testing.T) {
	c := newChain(t, 5)
	c.Block()
	id := propose(t, c, 4, gov.KindSetValidator, gov.SetValidator{Code: "ZJW", Power: 15})
	mustVote(t, c, 0, id, gov.VoteApprove)
	mustVote(t, c, 1, id, gov.VoteApprove)
	c.Misbehavior = []abci.Misbehavior{doubleSign(c, 4, c.Height)}
	res := c.Block(c.Tx(c.Depts[2].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}))
	if r := res.TxResults[0]; r.Code != 0 {
		t.Fatalf("last vote: %s/%d %s", r.Codespace, r.Code, r.Log)
	}
	if p := status(t, c, id); p.Status != "passed" {
		t.Fatalf("proposal is %s, want passed in the evidence's block", p.Status)
	}
	if len(res.ValidatorUpdates) != 1 || res.ValidatorUpdates[0].Power != 0 || !bytes.Equal(res.ValidatorUpdates[0].PubKeyBytes, c.Depts[4].Val.PubKey().Bytes()) {
		t.Fatalf("validator updates %+v, want one: ZJW's key to power 0", res.ValidatorUpdates)
	}
	if d, _ := identity.GetDept(c.View(), "ZJW"); d.Validator.Power != 0 {
		t.Fatalf("ZJW's power %d after evidence, want 0", d.Validator.Power)
	}
}
