package gov_test

import (
	"strconv"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/gov/govtypes"
)

// TestEventsAsDeclared: every event the contract emits (in a tx or at the
// end of a block) is in govtypes.EventAttrs with exactly its attributes in
// order, and every declared event is emitted by some proposal's life;
// node/explore searches and counts by that table.
func TestEventsAsDeclared(t *testing.T) {
	c := newChain(t, 5) // ZWFW SCJG RSJ WJW ZJW
	var events []abci.Event
	block := func(raw ...[]byte) *abci.FinalizeBlockResponse {
		t.Helper()
		res := c.Block(raw...)
		for _, r := range res.TxResults {
			if r.Code != 0 {
				t.Fatalf("tx failed: %s/%d %s", r.Codespace, r.Code, r.Log)
			}
			events = append(events, r.Events...)
		}
		events = append(events, res.Events...)
		return res
	}
	voteBy := func(id uint64, v string, depts ...int) {
		t.Helper()
		for _, i := range depts {
			block(c.Tx(c.Depts[i].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: v}))
		}
	}
	open := func(kind string, a any, deadline int64) uint64 {
		t.Helper()
		m := gov.Propose{Kind: kind, Action: act(a), Reason: "test", DeadlineBlocks: deadline}
		res := block(c.Tx(c.Depts[0].Admin, gov.MsgPropose, m))
		id, err := strconv.ParseUint(string(res.TxResults[0].Data), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	// upgrade_scheduled (ALL of 5), then upgrade_cancelled (2/3 of 5).
	voteBy(open(gov.KindUpgrade, gov.Upgrade{Name: "v2", Height: c.Height + 100, SHA256: strings.Repeat("ab", 32)}, 0), gov.VoteApprove, 1, 2, 3, 4)
	voteBy(open(gov.KindCancelUpgrade, gov.CancelUpgrade{Name: "v2"}, 0), gov.VoteApprove, 1, 2, 3)
	// executed, dept_status: suspend ZJW (2/3 of 5: four approvals).
	voteBy(open(gov.KindSuspendDept, gov.DeptRef{Code: "ZJW"}, 0), gov.VoteApprove, 1, 2, 3)
	// executed, dept_admitted: admit MZJ.
	admin, _ := smcrypto.GenerateKey()
	val := ed25519.GenPrivKey().PubKey().Bytes()
	bind, err := admin.Sign(gov.AdmissionBinding(chaintest.ChainID, "MZJ", val))
	if err != nil {
		t.Fatal(err)
	}
	voteBy(open(gov.KindAdmitDept, gov.AdmitDept{Code: "MZJ", Name: "民政局", AdminPublicKey: admin.PublicKey().Bytes(), ValidatorKey: val, Power: 10, Binding: bind}, 0),
		gov.VoteApprove, 1, 2)
	// failed: the same grant proposed twice; the second fails at execution.
	g1 := open(gov.KindGrant, gov.GrantRef{Dept: "SCJG", Grant: "issuer:BL"}, 0)
	g2 := open(gov.KindGrant, gov.GrantRef{Dept: "SCJG", Grant: "issuer:BL"}, 0)
	voteBy(g1, gov.VoteApprove, 1, 2)
	voteBy(g2, gov.VoteApprove, 1, 2)
	if p := status(t, c, g2); p.Status != govtypes.StatusFailed {
		t.Fatalf("second grant: %+v", p)
	}
	// rejected.
	voteBy(open(gov.KindGrant, gov.GrantRef{Dept: "RSJ", Grant: "issuer:XX"}, 0), gov.VoteReject, 1, 2, 3)
	// expired (a block event).
	ex := open(gov.KindGrant, gov.GrantRef{Dept: "WJW", Grant: "issuer:YY"}, 2)
	for p := status(t, c, ex); c.Height <= p.Deadline; {
		block()
	}
	if p := status(t, c, ex); p.Status != govtypes.StatusExpired {
		t.Fatalf("after deadline: %+v", p)
	}

	chaintest.EventsAsDeclared(t, govtypes.Name, govtypes.EventAttrs, events)
}
