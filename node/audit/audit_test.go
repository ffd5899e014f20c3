package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/types"
	"github.com/xuri/excelize/v2"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/node"
)

// honestChain builds a chain with identity, certificate and governance txs,
// a validator power change and one tx rejected on execution. It returns the
// sim, the height of the rejected tx and the height of the validator change.
func honestChain(t *testing.T) (s *sim, rejectedAt, valChangeAt int64, sent map[string]int64) {
	t.Helper()
	s = newSim(t, newSimKeys(t))
	sent = map[string]int64{}
	s.block(nil)
	officers := s.register(1, 3) // SCJG
	sent["SCJG/"+identity.MsgRegisterAccount] += 3
	s.register(0, 2)
	sent["ZWFW/"+identity.MsgRegisterAccount] += 2
	s.mustOK(s.block([][]byte{s.tx(s.admins[1], certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照", MaxValidityDays: 1825})}))
	sent["SCJG/"+certificate.MsgDefineType]++
	var anchors [][]byte
	for i := 0; i < 6; i++ {
		anchors = append(anchors, s.anchor(officers[i%3], 100+i))
	}
	s.mustOK(s.block(anchors))
	sent["SCJG/"+certificate.MsgAnchor] += 6
	// a tx with a sequence already used: accepted into the block by a
	// (hypothetical) proposer, rejected on execution
	dup := s.tx(s.admins[2], identity.MsgRegisterAccount, s.registration(2, mustKey(t), "x"))
	s.seqs[s.admins[2].PublicKey().ID()]--
	dup2 := s.tx(s.admins[2], identity.MsgRegisterAccount, s.registration(2, mustKey(t), "y"))
	b := s.block([][]byte{dup, dup2})
	if b.Results.TxResults[0].Code != 0 || b.Results.TxResults[1].Code != 7 {
		t.Fatalf("want ok then tx/7, got %d %d", b.Results.TxResults[0].Code, b.Results.TxResults[1].Code)
	}
	rejectedAt = b.Block.Height
	sent["RSJ/"+identity.MsgRegisterAccount] += 2
	// governance: WJW's validator to power 12 (2/3 of 4: proposer + 2 votes;
	// 12 of 42 stays below the 1/3 a department may hold)
	action, _ := json.Marshal(gov.SetValidator{Code: "WJW", Power: 12})
	pb := s.block([][]byte{s.tx(s.admins[0], gov.MsgPropose, gov.Propose{Kind: gov.KindSetValidator, Action: action, Reason: "audit test"})})
	s.mustOK(pb)
	id, _ := strconv.ParseUint(string(pb.Results.TxResults[0].Data), 10, 64)
	vb := s.block([][]byte{
		s.tx(s.admins[1], gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}),
		s.tx(s.admins[2], gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}),
	})
	s.mustOK(vb)
	if len(vb.Results.ValidatorUpdates) != 1 {
		t.Fatalf("governance did not change the validator set: %+v", vb.Results)
	}
	valChangeAt = vb.Block.Height
	sent["ZWFW/"+gov.MsgPropose]++
	sent["SCJG/"+gov.MsgVote]++
	sent["RSJ/"+gov.MsgVote]++
	for i := 0; i < 4; i++ { // blocks signed by the new set
		s.mustOK(s.block([][]byte{s.anchor(officers[0], 200+i)}))
		sent["SCJG/"+certificate.MsgAnchor]++
	}
	// the newest block is only checked against its commit (its app hash is
	// in the next header), so it carries no txs here
	s.block(nil)
	return s, rejectedAt, valChangeAt, sent
}

func mustKey(t testing.TB) *smcrypto.PrivateKey {
	k, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func runAudit(t *testing.T, src Source, o Options) *Report {
	t.Helper()
	o.Source = src
	if o.Label == "" {
		o.Label = "sim"
	}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestAuditHonestChain(t *testing.T) {
	s, rejectedAt, valChangeAt, sent := honestChain(t)
	rep := runAudit(t, &memSource{s: s}, Options{})
	if !rep.OK {
		t.Fatalf("honest chain failed the audit: %+v", rep.Failures)
	}
	latest := s.height()
	if rep.To != latest-1 || rep.Blocks != latest-1 {
		t.Fatalf("audited to %d (%d blocks), want %d", rep.To, rep.Blocks, latest-1)
	}
	// every commit 1..latest verified: latest-1 from blocks, 1 from /commit
	if rep.CommitsVerified != latest || rep.CommitsSkipped != 0 {
		t.Fatalf("commits verified %d skipped %d, want %d and 0", rep.CommitsVerified, rep.CommitsSkipped, latest)
	}
	if rep.SignaturesVerified != 4*latest {
		t.Fatalf("signatures verified %d, want %d", rep.SignaturesVerified, 4*latest)
	}
	if want := s.blocks[latest-1].Block.AppHash.String(); rep.AppHash != want {
		t.Fatalf("final app hash %s, header %d says %s", rep.AppHash, latest, want)
	}
	got := map[string]int64{}
	var total int64
	for _, c := range rep.ByDept {
		got[c.Dept+"/"+c.Type] += c.Txs
		total += c.Txs
	}
	for k, n := range sent {
		if got[k] != n {
			t.Errorf("count %s = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if total != rep.Txs {
		t.Errorf("department counts sum to %d, report has %d txs", total, rep.Txs)
	}
	if rep.RejectedTxs != 1 {
		t.Errorf("rejected txs %d, want 1", rep.RejectedTxs)
	}
	kinds := map[string]int64{}
	for _, a := range rep.Anomalies {
		kinds[a.Kind] = a.Height
	}
	if kinds[KindTxRejected] != rejectedAt || kinds[KindValidatorChange] != valChangeAt {
		t.Errorf("anomalies %+v: want tx_rejected at %d and validator_change at %d", rep.Anomalies, rejectedAt, valChangeAt)
	}
}

func TestAuditDetectsAlteredResults(t *testing.T) {
	s, _, _, _ := honestChain(t)
	// the node's stored results of the anchors block say the 3rd anchor failed
	var h int64
	for _, b := range s.blocks {
		if len(b.Block.Txs) == 6 {
			h = b.Block.Height
			b.Results.TxResults[2].Code, b.Results.TxResults[2].Codespace = 5, "certificate"
		}
	}
	rep := runAudit(t, &memSource{s: s}, Options{})
	if rep.OK {
		t.Fatal("altered results passed the audit")
	}
	var kinds []string
	for _, f := range rep.Failures {
		if f.Height != h {
			t.Errorf("failure at height %d, the alteration is at %d: %+v", f.Height, h, f)
		}
		kinds = append(kinds, f.Kind)
	}
	if strings.Join(kinds, ",") != KindResultsHash+","+KindResults && strings.Join(kinds, ",") != KindResults+","+KindResultsHash {
		t.Fatalf("failure kinds %v, want results_hash and result: %+v", kinds, rep.Failures)
	}
	for _, f := range rep.Failures {
		if f.Kind == KindResults && (f.Index != 2 || f.Tx == "" || f.Dept != "SCJG") {
			t.Errorf("result failure should name tx 2 of SCJG: %+v", f)
		}
	}
}

func TestAuditDetectsWrongAppHash(t *testing.T) {
	k := newSimKeys(t)
	s := newSim(t, k)
	s.block(nil)
	s.register(0, 2)
	s.badAppHashAt = 4 // header 4 carries a wrong app hash for the state after 3, signed by all
	s.register(1, 2)
	s.block(nil)
	s.block(nil)
	rep := runAudit(t, &memSource{s: s}, Options{})
	if rep.OK || len(rep.Failures) != 1 || rep.Failures[0].Kind != KindAppHash || rep.Failures[0].Height != 3 {
		t.Fatalf("want exactly one app_hash failure at height 3, got %+v", rep.Failures)
	}
	if rep.CommitsVerified != s.height() {
		t.Fatalf("the commits are genuine and must all verify: %d of %d", rep.CommitsVerified, s.height())
	}
}

// TestVerifyCommitFlippedSignature tests the verification function on a
// genuine commit and on copies with one signature byte flipped.
func TestVerifyCommitFlippedSignature(t *testing.T) {
	s := newSim(t, newSimKeys(t))
	s.block(nil)
	s.register(0, 1)
	h := int64(2)
	c := s.commits[h]
	vals := s.valsAt(h)
	if err := VerifyCommit(s.chainID, vals, c.BlockID, h, c); err != nil {
		t.Fatalf("genuine commit: %v", err)
	}
	for i := range c.Signatures {
		for _, pos := range []int{0, 31, 63} {
			forged := *c
			forged.Signatures = append([]types.CommitSig(nil), c.Signatures...)
			sig := append([]byte(nil), c.Signatures[i].Signature...)
			sig[pos] ^= 0x01
			forged.Signatures[i].Signature = sig
			err := VerifyCommit(s.chainID, vals, c.BlockID, h, &forged)
			if err == nil {
				t.Fatalf("signature %d with byte %d flipped verified", i, pos)
			}
			if want := "the signature of validator " + vals.Validators[i].Address.String(); !strings.Contains(err.Error(), want) {
				t.Errorf("error should say %q: %v", want, err)
			}
		}
	}
	// right signatures, wrong chain id or height
	if VerifyCommit("other-chain", vals, c.BlockID, h, c) == nil {
		t.Fatal("commit verified under another chain id")
	}
	if VerifyCommit(s.chainID, vals, c.BlockID, h+1, c) == nil {
		t.Fatal("commit verified for another height")
	}
	// a validator set that is not the one that signed
	other := newSim(t, newSimKeys(t))
	if VerifyCommit(s.chainID, other.valsAt(h), c.BlockID, h, c) == nil {
		t.Fatal("commit verified under a different validator set")
	}
}

func TestAuditDetectsForgedCommit(t *testing.T) {
	s := newSim(t, newSimKeys(t))
	s.block(nil)
	s.register(0, 2)
	s.block(nil)
	latest := s.height()
	forged := *s.commits[latest]
	forged.Signatures = append([]types.CommitSig(nil), forged.Signatures...)
	sig := append([]byte(nil), forged.Signatures[1].Signature...)
	sig[10] ^= 0x80
	forged.Signatures[1].Signature = sig
	rep := runAudit(t, &memSource{s: s, commitOverride: map[int64]*types.Commit{latest: &forged}}, Options{})
	if rep.OK || len(rep.Failures) != 1 || rep.Failures[0].Kind != KindCommit || rep.Failures[0].Height != latest {
		t.Fatalf("want one commit failure at %d, got %+v", latest, rep.Failures)
	}
	// inside a block (decoded afresh, as from the RPC), a flipped
	// last-commit signature breaks the header's LastCommitHash and the
	// commit of the previous height
	nb := jsonCopy(t, s.blocks[2].Block)
	nb.LastCommit.Signatures[0].Signature[0] ^= 1
	s.blocks[2] = &Block{ID: s.blocks[2].ID, Block: nb, Results: s.blocks[2].Results}
	rep = runAudit(t, &memSource{s: s}, Options{})
	if rep.OK || len(rep.Failures) != 2 || rep.Failures[0].Height != 2 || rep.Failures[0].Kind != KindCommit ||
		rep.Failures[1].Height != 3 || rep.Failures[1].Kind != KindHeader {
		t.Fatalf("want a commit failure at 2 and a header failure at 3, got %+v", rep.Failures)
	}
	if !strings.Contains(rep.Failures[0].Reason, s.valsAt(2).Validators[0].Address.String()) {
		t.Errorf("the commit failure should name the validator: %s", rep.Failures[0].Reason)
	}
}

func TestAuditEquivocationEvidence(t *testing.T) {
	s := newSim(t, newSimKeys(t))
	s.block(nil)
	s.block(nil)
	// validator 2 signed two different blocks at height 2
	vals := s.valsAt(2)
	v := vals.Validators[2]
	pv := s.pvs[v.Address.String()]
	vote := func(hash byte) *types.Vote {
		id := types.BlockID{Hash: bytes.Repeat([]byte{hash}, 32), PartSetHeader: types.PartSetHeader{Total: 1, Hash: bytes.Repeat([]byte{hash}, 32)}}
		x := &types.Vote{Type: types.PrecommitType, Height: 2, Round: 0, BlockID: id, Timestamp: s.blockTime(2), ValidatorAddress: v.Address, ValidatorIndex: 2}
		p := x.ToProto()
		if err := pv.SignVote(s.chainID, p, false); err != nil {
			t.Fatal(err)
		}
		x.Signature = p.Signature
		return x
	}
	ev, err := types.NewDuplicateVoteEvidence(vote(1), vote(2), s.blockTime(2), vals)
	if err != nil {
		t.Fatal(err)
	}
	s.block(nil, ev)
	s.block(nil)
	rep := runAudit(t, &memSource{s: s}, Options{})
	if !rep.OK {
		t.Fatalf("genuine evidence is not a failure: %+v", rep.Failures)
	}
	if len(rep.Equivocations) != 1 || rep.Equivocations[0].Validator != v.Address.String() || rep.Equivocations[0].Height != 2 {
		t.Fatalf("equivocations %+v, want validator %s at 2", rep.Equivocations, v.Address)
	}
	// evidence whose signature does not verify is a failure
	s2 := newSim(t, newSimKeys(t))
	s2.block(nil)
	s2.block(nil)
	// votes signed by a key of another chain, attributed to s2's validator
	bad := &types.DuplicateVoteEvidence{VoteA: vote(1), VoteB: vote(2), TotalVotingPower: 40, ValidatorPower: 10, Timestamp: s.blockTime(2)}
	bad.VoteA.ValidatorAddress = s2.valsAt(2).Validators[2].Address
	bad.VoteB.ValidatorAddress = s2.valsAt(2).Validators[2].Address
	s2.block(nil, bad)
	s2.block(nil)
	rep = runAudit(t, &memSource{s: s2}, Options{})
	if rep.OK || rep.Failures[0].Kind != KindEvidence || rep.Failures[0].Height != 3 {
		t.Fatalf("want an evidence failure at 3, got %+v", rep.Failures)
	}
}

func TestAuditCheckpointResume(t *testing.T) {
	s, _, _, _ := honestChain(t)
	cp := filepath.Join(t.TempDir(), "audit.cp")
	first := runAudit(t, &memSource{s: s}, Options{Checkpoint: cp, To: 6})
	if !first.OK || first.CheckpointHeight != 6 {
		t.Fatalf("first run: ok %v checkpoint %d", first.OK, first.CheckpointHeight)
	}
	c, err := LoadCheckpoint(cp)
	if err != nil || c.Height != 6 || c.HeaderHash != strings.ToLower(s.blocks[5].ID.Hash.String()) || c.AppHash != strings.ToLower(s.blocks[6].Block.AppHash.String()) {
		t.Fatalf("checkpoint %+v %v", c, err)
	}
	second := runAudit(t, &memSource{s: s}, Options{Checkpoint: cp})
	if !second.OK || second.Resumed == nil || second.Resumed.Height != 6 {
		t.Fatalf("second run: %+v", second)
	}
	// commits 1..6 skipped, 7..latest verified
	if second.CommitsSkipped != 6 || second.CommitsVerified != s.height()-6 {
		t.Fatalf("skipped %d verified %d, want 6 and %d", second.CommitsSkipped, second.CommitsVerified, s.height()-6)
	}
	if second.CheckpointHeight != s.height()-1 {
		t.Fatalf("checkpoint advanced to %d, want %d", second.CheckpointHeight, s.height()-1)
	}
	// a checkpoint that disagrees with the chain served now
	c.Height, c.HeaderHash = 6, strings.Repeat("ab", 32)
	if err := c.Save(cp); err != nil {
		t.Fatal(err)
	}
	third := runAudit(t, &memSource{s: s}, Options{Checkpoint: cp})
	if third.OK || third.Failures[0].Kind != KindCheckpoint || third.Failures[0].Height != 6 {
		t.Fatalf("want a checkpoint failure at 6, got %+v", third.Failures)
	}
	// another chain's checkpoint is refused outright
	other := newSim(t, newSimKeys(t))
	other.block(nil)
	other.block(nil)
	if _, err := Run(context.Background(), Options{Source: &memSource{s: other}, Checkpoint: cp}); err == nil || !strings.Contains(err.Error(), "genesis") {
		t.Fatalf("checkpoint of another chain: %v", err)
	}
}

func TestAuditFromSkipsCommitsBelow(t *testing.T) {
	s, _, _, sent := honestChain(t)
	rep := runAudit(t, &memSource{s: s}, Options{From: 5})
	if !rep.OK || rep.CommitsSkipped != 4 || rep.CommitsVerified != s.height()-4 {
		t.Fatalf("from 5: ok %v skipped %d verified %d", rep.OK, rep.CommitsSkipped, rep.CommitsVerified)
	}
	var counted int64
	for _, c := range rep.ByDept {
		counted += c.Txs
	}
	var all int64
	for _, n := range sent {
		all += n
	}
	if counted >= all || rep.Txs != all {
		t.Fatalf("counted %d of %d txs from height 5 (replayed %d)", counted, all, rep.Txs)
	}
}

func TestCompareFindsDivergence(t *testing.T) {
	k := newSimKeys(t)
	a, b := newSim(t, k), newSim(t, k)
	officer := mustKey(t)
	// SM2 signatures are randomised: the shared tx is signed once
	shared := a.tx(a.admins[0], identity.MsgRegisterAccount, a.registration(0, officer, "same"))
	for _, s := range []*sim{a, b} {
		s.block(nil)
		s.mustOK(s.block([][]byte{shared}))
		for i := 0; i < 7; i++ {
			s.block(nil)
		}
	}
	// height 10 differs: each network got a different tx
	a.register(1, 1)
	b.register(2, 1)
	for i := 0; i < 20; i++ {
		a.block(nil)
		b.block(nil)
	}
	b.block(nil) // b is one block ahead
	sa, sb := &memSource{s: a}, &memSource{s: b}
	rep, err := Compare(context.Background(), []string{"a", "b", "a-again"}, []HeaderSource{sa, sb, &memSource{s: a}}, CompareOptions{ScanEvidence: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Agree || rep.Common != a.height() || len(rep.Divergences) != 1 {
		t.Fatalf("report %+v", rep)
	}
	d := rep.Divergences[0]
	if d.Node != "b" || d.Height != 10 {
		t.Fatalf("divergence %+v, want b at 10", d)
	}
	if d.Probes > 7 { // ceil(log2(30)) + 1
		t.Fatalf("binary search took %d probes", d.Probes)
	}
	if d.RefHeader.Hash == d.NodeHeader.Hash {
		t.Fatal("divergent headers reported equal")
	}
	// the same four validators signed both blocks at height 10
	if len(d.Equivocations) != 4 {
		t.Fatalf("equivocations %+v, want all 4 validators", d.Equivocations)
	}
	same, err := Compare(context.Background(), []string{"a", "a2"}, []HeaderSource{sa, &memSource{s: a}}, CompareOptions{})
	if err != nil || !same.Agree || len(same.Divergences) != 0 {
		t.Fatalf("identical nodes: %+v %v", same, err)
	}
	// different genesis
	c := newSim(t, newSimKeys(t))
	c.block(nil)
	diff, err := Compare(context.Background(), []string{"a", "c"}, []HeaderSource{sa, &memSource{s: c}}, CompareOptions{})
	if err != nil || diff.Agree || diff.Divergences[0].Height != 0 {
		t.Fatalf("different genesis: %+v %v", diff, err)
	}
}

func TestReportFiles(t *testing.T) {
	s, rejectedAt, _, _ := honestChain(t)
	s.blocks[3].Results.TxResults[0].Code = 9 // one failure to list
	rep := runAudit(t, &memSource{s: s}, Options{})
	dir := t.TempDir()
	for _, ext := range []string{"json", "csv", "xlsx"} {
		if err := rep.WriteFile(filepath.Join(dir, "r."+ext)); err != nil {
			t.Fatal(err)
		}
	}
	var back Report
	raw, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(raw, &back); err != nil || back.FailureCount != rep.FailureCount || len(back.ByDept) != len(rep.ByDept) {
		t.Fatalf("json: %v %+v", err, back)
	}
	f, _ := os.Open(filepath.Join(dir, "r.csv"))
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]int{}
	for _, r := range rows[1:] {
		sections[r[0]]++
	}
	if sections["dept"] != len(rep.ByDept) || sections["failure"] != len(rep.Failures) || sections["anomaly"] != len(rep.Anomalies) {
		t.Fatalf("csv sections %v", sections)
	}
	x, err := excelize.OpenFile(filepath.Join(dir, "r.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); strings.Join(got, ",") != "Summary,Departments,Failures,Anomalies" {
		t.Fatalf("sheets %v", got)
	}
	frows, _ := x.GetRows("Failures")
	if len(frows) != len(rep.Failures)+1 || frows[1][0] != "4" {
		t.Fatalf("failures sheet %v", frows)
	}
	arows, _ := x.GetRows("Anomalies")
	found := false
	for _, r := range arows[1:] {
		if r[5] == KindTxRejected && r[0] == strconv.FormatInt(rejectedAt, 10) {
			found = true
		}
	}
	if !found {
		t.Fatalf("anomalies sheet lacks the rejected tx at %d: %v", rejectedAt, arows)
	}
	if err := rep.WriteFile(filepath.Join(dir, "r.txt")); err == nil {
		t.Fatal("unknown extension accepted")
	}
}

// jsonCopy decodes b from its RPC JSON form, as an auditor receives it
// (nothing memoised).
func jsonCopy(t *testing.T, b *types.Block) *types.Block {
	t.Helper()
	raw, err := cmtjson.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var out types.Block
	if err := cmtjson.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

var _ = time.Second

// simState serves the sim's state as a node's API would, optionally with
// tampered values (what an edited database returns: the value read differs
// from what the tree's hashes commit to) and extra keys.
type simState struct {
	s      *sim
	tamper map[string][]byte
	extra  []string
}

func (x simState) Prove(_ context.Context, key string, h int64) (*node.StateResult, error) {
	r, err := (&node.API{App: x.s.app}).Prove([]byte(key), h, true)
	if err != nil {
		return nil, err
	}
	if v, ok := x.tamper[key]; ok {
		r.Value, r.Proof.Value = v, v
	}
	return r, nil
}

func (x simState) Keys(_ context.Context, prefix string, h int64) ([]string, error) {
	v, err := x.s.store.At(h)
	if err != nil {
		return nil, err
	}
	var out []string
	err = state.IteratePrefix(v, []byte(prefix), true, func(k, _ []byte) (bool, error) {
		out = append(out, string(k))
		return true, nil
	})
	for _, k := range x.extra {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out, err
}

func TestAuditServedState(t *testing.T) {
	s, _, _, _ := honestChain(t)
	rep := runAudit(t, &memSource{s: s}, Options{State: simState{s: s}})
	if !rep.OK || rep.StateChecked == nil || rep.StateChecked.Keys < 20 || rep.StateChecked.Mismatched != 0 {
		t.Fatalf("honest state: ok %v %+v %+v", rep.OK, rep.StateChecked, rep.Failures)
	}
	// a certificate record whose status the node's database now says revoked
	var key string
	v, _ := s.store.At(rep.To)
	_ = state.IteratePrefix(v, []byte("cert/rec/"), true, func(k, _ []byte) (bool, error) {
		key = string(k)
		return false, nil
	})
	orig, _ := v.Get([]byte(key))
	forged := bytes.Replace(orig, []byte(`"status":"valid"`), []byte(`"status":"revoked"`), 1)
	if bytes.Equal(orig, forged) {
		t.Fatalf("record %s has no valid status: %s", key, orig)
	}
	rep = runAudit(t, &memSource{s: s}, Options{State: simState{s: s, tamper: map[string][]byte{key: forged}, extra: []string{"cert/rec/ffff"}}})
	if rep.OK || rep.StateChecked.Mismatched != 1 || rep.StateChecked.Extra != 1 || len(rep.Failures) != 2 {
		t.Fatalf("tampered state: %+v %+v", rep.StateChecked, rep.Failures)
	}
	for _, f := range rep.Failures {
		if f.Kind != KindState || f.Height != rep.To {
			t.Errorf("failure %+v", f)
		}
	}
	joined := rep.Failures[0].Reason + rep.Failures[1].Reason
	if !strings.Contains(joined, key) || !strings.Contains(joined, "does not verify") || !strings.Contains(joined, "cert/rec/ffff") ||
		!strings.Contains(joined, `status "revoked" (replay: "valid")`) {
		t.Fatalf("reasons should name the key, the failed proof and the extra key: %s", joined)
	}
}

func TestAuditGivenGenesis(t *testing.T) {
	k := newSimKeys(t)
	s := newSim(t, k)
	s.block(nil)
	s.block(nil)
	rep := runAudit(t, &memSource{s: s}, Options{Genesis: k.gen})
	if !rep.OK || !rep.GenesisGiven {
		t.Fatalf("own genesis: %+v", rep)
	}
	other := newSimKeys(t)
	if _, err := Run(context.Background(), Options{Source: &memSource{s: s}, Genesis: other.gen}); err == nil || !strings.Contains(err.Error(), "not the network") {
		t.Fatalf("another genesis: %v", err)
	}
}

func TestAuditMissedSignatures(t *testing.T) {
	s := newSim(t, newSimKeys(t))
	s.block(nil)
	s.block(nil)
	// validator 1 is absent from the commit of height 2 (carried in block 3)
	c := s.commits[2]
	absent := c.Signatures[1].ValidatorAddress.String()
	c.Signatures[1] = types.NewCommitSigAbsent()
	s.block(nil)
	s.block(nil)
	rep := runAudit(t, &memSource{s: s}, Options{})
	if !rep.OK {
		t.Fatalf("3 of 4 signatures are a valid commit: %+v", rep.Failures)
	}
	found := false
	for _, a := range rep.Anomalies {
		if a.Kind == KindMissedSignatures {
			if !strings.Contains(a.Reason, absent) || strings.Contains(a.Reason, "(-)") || a.Dept == "" {
				t.Errorf("anomaly should name validator %s and its department: %s", absent, a.Reason)
			}
			if !strings.Contains(a.Reason, "did not sign 1 of 4 commits") {
				t.Errorf("anomaly %s", a.Reason)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no missed-signature anomaly: %+v", rep.Anomalies)
	}
}
