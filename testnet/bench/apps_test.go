package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/identifier"
)

func finalize(t *testing.T, app abci.Application, h int64, txs ...[]byte) []byte {
	t.Helper()
	ctx := context.Background()
	res, err := app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Height: h, Txs: txs})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.TxResults) != len(txs) {
		t.Fatalf("%d results for %d txs", len(res.TxResults), len(txs))
	}
	for _, r := range res.TxResults {
		if r.Code != 0 {
			t.Fatalf("bench apps accept every tx, got code %d", r.Code)
		}
	}
	if _, err := app.Commit(ctx, &abci.CommitRequest{}); err != nil {
		t.Fatal(err)
	}
	return res.AppHash
}

func TestNoopAppCountsTxs(t *testing.T) {
	a := &NoopApp{}
	h1 := finalize(t, a, 1, []byte("a"), []byte("b"))
	h2 := finalize(t, a, 2)
	h3 := finalize(t, a, 3, []byte("c"))
	if !bytes.Equal(h1, h2) || bytes.Equal(h2, h3) {
		t.Fatalf("app hash must be the tx count: %X %X %X", h1, h2, h3)
	}
	info, _ := a.Info(context.Background(), &abci.InfoRequest{})
	if info.LastBlockHeight != 3 || !bytes.Equal(info.LastBlockAppHash, h3) {
		t.Fatalf("info %+v", info)
	}
}

// The IAVL-only app must write every tx (different txs, different app
// hash), be deterministic across replicas, and survive a restart at the
// committed height (CometBFT's handshake relies on Info).
func TestIAVLAppWritesEveryTx(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	a, err := NewIAVLApp(d1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewIAVLApp(d2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ha := finalize(t, a, 1, []byte("tx-1"), []byte("tx-2"))
	hb := finalize(t, b, 1, []byte("tx-1"), []byte("tx-2"))
	if !bytes.Equal(ha, hb) {
		t.Fatal("two replicas of the same block disagree")
	}
	if h2 := finalize(t, a, 2, []byte("tx-3")); bytes.Equal(h2, ha) {
		t.Fatal("a written tx must change the app hash")
	}
	v, _ := a.store.LastCommit()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a, err = NewIAVLApp(d1)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	info, _ := a.Info(context.Background(), &abci.InfoRequest{})
	if info.LastBlockHeight != v || v != 2 {
		t.Fatalf("after reopen: height %d, want 2", info.LastBlockHeight)
	}
	view, _ := a.store.At(0)
	n := 0
	for _, k := range [][]byte{[]byte("tx-1"), []byte("tx-2"), []byte("tx-3")} {
		key := sha256.Sum256(k)
		if got, _ := view.Get(append([]byte("tx/"), key[:]...)); bytes.Equal(got, k) {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d of 3 txs stored", n)
	}
}

// CometBFT's mempool can list a signer's tx n+1 before n; the proposer
// puts them back in sequence order within their slots, so all succeed.
func TestPrepareProposalSequenceOrder(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{certificate.Module{}}, Grants: map[string][]string{"SCJG": {"issuer:BL"}}})
	adm := c.Depts[1].Admin
	c.MustOK(c.Tx(adm, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "licence", MaxValidityDays: 1825}))
	op := c.Officer(1)
	other := c.Officer(1)
	holder, _ := benchUSCC()
	anchor := func(k *smcrypto.PrivateKey, seq uint64, n int) []byte {
		h := smcrypto.SM3Hex([]byte{byte(n)})
		return chaintest.Sign(k, chaintest.ChainID, certificate.MsgAnchor, seq, certificate.Anchor{Hash: h, Type: "BL", LicenceNo: "BL-1",
			HolderKind: identifier.HolderOrg, HolderRef: holder, IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2027-01-01"})
	}
	a1, a2, a3 := anchor(op, 1, 1), anchor(op, 2, 2), anchor(op, 3, 3)
	b1, b2 := anchor(other, 1, 4), anchor(other, 2, 5)
	mempool := [][]byte{b1, a2, a3, b2, a1}
	res, err := c.App.PrepareProposal(context.Background(), &abci.PrepareProposalRequest{Txs: mempool, MaxTxBytes: 1 << 20, Height: c.Height + 1})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{b1, a1, a2, b2, a3}
	for i := range want {
		if !bytes.Equal(res.Txs[i], want[i]) {
			t.Fatalf("slot %d holds the wrong tx", i)
		}
	}
	for i, r := range c.Block(res.Txs...).TxResults {
		if r.Code != 0 {
			t.Fatalf("tx %d: %s/%d %s", i, r.Codespace, r.Code, r.Log)
		}
	}
}

// FinalizeBlock verifies the signatures of txs it has not seen in CheckTx
// on every core before executing in order; the results must be exactly
// those of verifying in order: a bad or non-canonical signature fails with
// its own code, a key registered earlier in the same block signs validly,
// a signer suspended earlier in the block is refused.
func TestFinalizePreverifiedResults(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{certificate.Module{}}, Grants: map[string][]string{"SCJG": {"issuer:BL"}}})
	adm := c.Depts[1].Admin
	c.MustOK(c.Tx(adm, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "licence", MaxValidityDays: 1825}))
	ops := []*smcrypto.PrivateKey{c.Officer(1), c.Officer(1), c.Officer(1)}
	holder, _ := benchUSCC()
	n := 0
	anchor := func(k *smcrypto.PrivateKey, seq uint64) []byte {
		n++
		h := smcrypto.SM3Hex([]byte{byte(n), 'p'})
		return chaintest.Sign(k, chaintest.ChainID, certificate.MsgAnchor, seq, certificate.Anchor{Hash: h, Type: "BL", LicenceNo: "BL-2",
			HolderKind: identifier.HolderOrg, HolderRef: holder, IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2027-01-01"})
	}
	fresh, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	good := anchor(ops[0], 1)
	bad := anchor(ops[1], 1)
	bad[len(bad)-5] ^= 1 // inside the signature's s
	// A DER signature with a superfluous leading zero byte in r: same (r, s),
	// different bytes.
	noncanon := nonCanonical(t, anchor(ops[2], 1))
	register := c.Tx(adm, identity.MsgRegisterAccount, c.Register(1, fresh, "new"))
	byFresh := anchor(fresh, 1)
	suspend := c.Tx(adm, identity.MsgSetAccountStatus,
		identity.SetAccountStatus{KeyID: ops[0].PublicKey().ID(), Status: identity.StatusSuspended, Reason: "test"})
	bySuspended := anchor(ops[0], 2)
	res := c.Block(good, bad, noncanon, register, byFresh, suspend, bySuspended).TxResults
	want := []struct {
		space string
		code  uint32
	}{{"", 0}, {"tx", 8}, {"tx", 9}, {"", 0}, {"", 0}, {"", 0}, {"tx", 13}}
	for i, w := range want {
		if res[i].Code != w.code || res[i].Code != 0 && res[i].Codespace != w.space {
			t.Errorf("tx %d: got %s/%d %s, want %s/%d", i, res[i].Codespace, res[i].Code, res[i].Log, w.space, w.code)
		}
	}
}

// nonCanonical re-encodes the signature of raw with a needless leading
// zero in r (BER-valid, not strict DER).
func nonCanonical(t *testing.T, raw []byte) []byte {
	t.Helper()
	tx0, err := txDecode(raw)
	if err != nil {
		t.Fatal(err)
	}
	sig := tx0.Signature
	// SEQUENCE len INTEGER rlen r...
	rl := int(sig[3])
	r := append([]byte{0}, sig[4:4+rl]...)
	rest := sig[4+rl:]
	body := append(append([]byte{0x02, byte(len(r))}, r...), rest...)
	tx0.Signature = append([]byte{0x30, byte(len(body))}, body...)
	return tx0.Encode()
}

func txDecode(raw []byte) (*tx.Tx, error) { return tx.Decode(raw, 0) }

// TestGivePreverified: signatures handed to FinalizeBlock by a replayer
// (the auditor) are used only under the key the signer has at its turn; an
// entry under another key is ignored and the tx verified in order.
func TestGivePreverified(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{certificate.Module{}}, Grants: map[string][]string{"SCJG": {"issuer:BL"}}})
	adm := c.Depts[1].Admin
	c.MustOK(c.Tx(adm, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "licence", MaxValidityDays: 1825}))
	a, b := c.Officer(1), c.Officer(1)
	other, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	holder, _ := benchUSCC()
	anchor := func(k *smcrypto.PrivateKey, n byte) []byte {
		return chaintest.Sign(k, chaintest.ChainID, certificate.MsgAnchor, 1, certificate.Anchor{Hash: smcrypto.SM3Hex([]byte{n, 'g'}), Type: "BL", LicenceNo: "BL-3",
			HolderKind: identifier.HolderOrg, HolderRef: holder, IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2027-01-01"})
	}
	good := anchor(a, 1)
	bad := anchor(b, 2)
	bad[len(bad)-5] ^= 1 // inside the signature's s
	// the good tx is given under its signer's key; the bad one under a key
	// that is not its signer's (a wrong or stale entry)
	c.App.GivePreverified(map[[32]byte]*smcrypto.PublicKey{tx.Hash(good): a.PublicKey(), tx.Hash(bad): other.PublicKey()})
	res := c.Block(good, bad).TxResults
	if res[0].Code != 0 {
		t.Fatalf("given under the signer's key: %s/%d %s", res[0].Codespace, res[0].Code, res[0].Log)
	}
	if res[1].Code != 8 || res[1].Codespace != "tx" {
		t.Fatalf("given under another key: %s/%d %s, want tx/8 (signature)", res[1].Codespace, res[1].Code, res[1].Log)
	}
	// the map is for one FinalizeBlock only: an entry given before an
	// empty block does not carry over to the next
	late := chaintest.Sign(a, chaintest.ChainID, certificate.MsgAnchor, 2, certificate.Anchor{Hash: smcrypto.SM3Hex([]byte{4, 'g'}), Type: "BL", LicenceNo: "BL-4",
		HolderKind: identifier.HolderOrg, HolderRef: holder, IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2027-01-01"})
	late[len(late)-5] ^= 1
	c.App.GivePreverified(map[[32]byte]*smcrypto.PublicKey{tx.Hash(late): a.PublicKey()})
	c.Block()
	if r := c.Block(late).TxResults[0]; r.Code != 8 || r.Codespace != "tx" {
		t.Fatalf("an entry given before the previous block was used: %s/%d %s", r.Codespace, r.Code, r.Log)
	}
}
