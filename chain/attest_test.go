package chain_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/attest"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/gov"
)

func TestQCStoredAndProvable(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Attest: true})
	for i := 0; i < 4; i++ {
		c.Block()
	}
	view := c.View()
	for h := int64(1); h < c.Height; h++ {
		val, ops, err := view.Prove(chain.AttestKey(h))
		if err != nil || val == nil {
			t.Fatalf("QC of height %d missing: %v", h, err)
		}
		if err := proof.VerifyMembership(view.Hash(), chain.AttestKey(h), val, ops); err != nil {
			t.Fatalf("QC proof at %d: %v", h, err)
		}
		var q attest.QC
		if err := json.Unmarshal(val, &q); err != nil {
			t.Fatal(err)
		}
		if q.Height != h || len(q.Attestations) != 4 || !q.Quorum() {
			t.Fatalf("QC %d: %+v", h, q)
		}
	}
}

func process(c *chaintest.Chain, txs [][]byte) abci.ProcessProposalStatus {
	r, err := c.App.ProcessProposal(context.Background(), &abci.ProcessProposalRequest{Txs: txs, Height: c.Height + 1, ProposedLastCommit: c.LastCommit(), Hash: chaintest.BlockHash(c.Height + 1)})
	if err != nil {
		c.T.Fatal(err)
	}
	return r.Status
}

func TestProcessProposalChecksQC(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Attest: true})
	c.Block()
	good := c.QC(c.Height)
	if s := process(c, [][]byte{attest.EncodeTx(good)}); s != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatalf("valid QC: %v", s)
	}
	mutate := map[string]func(q *attest.QC){
		"flipped signature": func(q *attest.QC) { q.Attestations[1].Sig[10] ^= 1 },
		"wrong height":      func(q *attest.QC) { q.Height-- },
		"wrong block hash":  func(q *attest.QC) { q.BlockHash = chaintest.BlockHash(99) },
		"inflated power":    func(q *attest.QC) { q.Attestations[0].Power = 30 },
		"duplicate":         func(q *attest.QC) { q.Attestations[1] = q.Attestations[0] },
		"no quorum":         func(q *attest.QC) { q.Attestations = q.Attestations[:2] },
		"wrong department":  func(q *attest.QC) { q.Attestations[0].Dept = "XXX" },
		"other key":         func(q *attest.QC) { q.Attestations[0].KeyID = q.Attestations[1].KeyID },
	}
	for name, m := range mutate {
		q := c.QC(c.Height)
		m(q)
		if s := process(c, [][]byte{attest.EncodeTx(q)}); s != abci.PROCESS_PROPOSAL_STATUS_REJECT {
			t.Errorf("%s: accepted", name)
		}
	}
	if s := process(c, nil); s != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Error("block without QC accepted")
	}
	if s := process(c, [][]byte{attest.EncodeTx(good), attest.EncodeTx(good)}); s != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Error("second QC accepted")
	}
	// 3 of 4 departments is a quorum (30 > 2/3 of 40)
	c.AttestBy = []int{0, 1, 3}
	if s := process(c, [][]byte{attest.EncodeTx(c.QC(c.Height))}); s != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatalf("3 of 4: %v", s)
	}
}

// revokeAdminByGovernance revokes department i's admin key in the block
// that commits now. It is the department's only admin key, so it cannot
// revoke itself (identity/111): it asks governance, which executes the
// revocation in the block of the deciding vote.
func revokeAdminByGovernance(t *testing.T, c *chaintest.Chain, i int) {
	t.Helper()
	admin := c.Depts[i].Admin
	body, _ := json.Marshal(identity.SetAccountStatus{KeyID: admin.PublicKey().ID(), Status: identity.StatusRevoked, Reason: "key compromised"})
	action, _ := json.Marshal(gov.Execute{Type: identity.MsgSetAccountStatus, Body: body})
	r := c.MustOK(c.Tx(admin, gov.MsgPropose, gov.Propose{Kind: gov.KindExecute, Action: action, Reason: "key compromised"}))
	id, err := strconv.ParseUint(string(r.Data), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []int{(i + 1) % 4, (i + 2) % 4} { // with the proposer, 3 of 4: MAJORITY
		c.MustOK(c.Tx(c.Depts[j].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}))
	}
	if a, err := identity.GetAccount(c.View(), admin.PublicKey().ID()); err != nil || a.Status != identity.StatusRevoked || a.StatusHeight != c.Height {
		t.Fatalf("admin of %s after the proposal: %+v %v", c.Depts[i].Code, a, err)
	}
}

func TestRevokedDepartmentKeyCannotAttest(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Attest: true, Modules: []module.Module{gov.Module{}}})
	c.Block()
	ext := func(i int) []byte {
		sig, _ := c.Depts[i].Admin.Sign(attest.SignBytes(chaintest.ChainID, c.Height+1, chaintest.BlockHash(c.Height+1)))
		return attest.Extension{KeyID: c.Depts[i].Admin.PublicKey().ID(), Sig: sig}.Encode()
	}
	verify := func(i int, e []byte) abci.VerifyVoteExtensionStatus {
		r, err := c.App.VerifyVoteExtension(context.Background(), &abci.VerifyVoteExtensionRequest{Hash: chaintest.BlockHash(c.Height + 1), ValidatorAddress: c.Depts[i].Val.PubKey().Address(), Height: c.Height + 1, VoteExtension: e})
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	if s := verify(3, ext(3)); s != abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT {
		t.Fatalf("valid extension: %v", s)
	}
	if s := verify(2, ext(3)); s != abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT {
		t.Fatal("another department's attestation accepted for validator 2")
	}
	if s := verify(3, nil); s != abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT {
		t.Fatal("empty extension accepted")
	}
	// block H: the department's admin key is revoked (as after a CA
	// revocation); its precommit of H+1 is refused from then on
	revokeAdminByGovernance(t, c, 3)
	if s := verify(3, ext(3)); s != abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT {
		t.Fatal("revoked department key's attestation accepted")
	}
	// From H+1 on, a QC naming it is refused; one without it is accepted.
	// (The QC of H itself is TestRevocationBlockKeepsItsQC's.)
	c.Block()
	c.AttestBy = []int{0, 1, 3}
	if s := process(c, [][]byte{attest.EncodeTx(c.QC(c.Height))}); s != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Fatal("QC with a revoked key accepted")
	}
	c.AttestBy = []int{0, 1, 2}
	if s := process(c, [][]byte{attest.EncodeTx(c.QC(c.Height))}); s != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatal("QC of the three others refused")
	}
	c.Block()
}

// TestRevocationBlockKeepsItsQC: the block that revokes a department's key
// was precommitted while the key was still active, so its QC stands with
// that department's attestation; when that precommit was one of the
// quorum's (3 of 4 here), refusing it would leave no valid QC of that
// height and the chain would halt (it did, in CI: TestSM2Attestations).
func TestRevocationBlockKeepsItsQC(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Attest: true, Modules: []module.Module{gov.Module{}}})
	c.Block()
	c.Block()
	revokeAdminByGovernance(t, c, 3)
	revokedAt := c.Height
	c.AttestBy = []int{0, 1, 3} // department 2's precommit came too late for the commit
	if s := process(c, [][]byte{attest.EncodeTx(c.QC(revokedAt))}); s != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		t.Fatalf("the QC of the revocation block, signed before it took effect, refused: %v", s)
	}
	c.Block() // FinalizeBlock checks it again, and stores it
	var q attest.QC
	if raw, _ := c.View().Get(chain.AttestKey(revokedAt)); json.Unmarshal(raw, &q) != nil || len(q.Attestations) != 3 || !slices.Contains(q.Depts(), c.Depts[3].Code) {
		t.Fatalf("stored QC of %d: %+v", revokedAt, q)
	}
	// the next height's QC is judged by the state after the revocation
	if s := process(c, [][]byte{attest.EncodeTx(c.QC(c.Height))}); s != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Fatal("QC of the height after the revocation, naming the revoked key, accepted")
	}
}

// TestNewAppNeedsTwoVersions: a store that keeps only its newest version
// could not check a QC against the state before the last block.
func TestNewAppNeedsTwoVersions(t *testing.T) {
	for _, c := range []struct {
		keep int64
		ok   bool
	}{{0, true}, {2, true}, {1, false}, {-1, false}} {
		st, err := state.OpenMemoryWith(state.Options{KeepRecent: c.keep, PruneEvery: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = chain.NewApp(st)
		if c.ok != (err == nil) {
			t.Errorf("keep_recent %d: NewApp error %v, want ok=%v", c.keep, err, c.ok)
		}
		st.Close()
	}
}

// TestCommitRetainHeight: with retain blocks n, Commit of height h asks
// CometBFT to keep blocks from h-n+1; without, nothing is pruned.
func TestCommitRetainHeight(t *testing.T) {
	for _, c := range []struct{ retain, height, want int64 }{{0, 500, 0}, {100, 50, 0}, {100, 100, 0}, {100, 101, 2}, {100, 500, 401}} {
		st, _ := state.OpenMemory()
		app, err := chain.NewApp(st)
		if err != nil {
			t.Fatal(err)
		}
		app.SetRetainBlocks(c.retain)
		if _, err := app.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: c.height, Time: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
		res, err := app.Commit(context.Background(), &abci.CommitRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if res.RetainHeight != c.want {
			t.Errorf("retain %d at height %d: RetainHeight %d, want %d", c.retain, c.height, res.RetainHeight, c.want)
		}
		st.Close()
	}
}
