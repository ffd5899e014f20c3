package gov_test

import (
	"crypto/ed25519"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/gov"
)

// TestExpiredAdminCertWarnedAndRestored: a department's only admin key is
// bound to a certificate. Within the horizon the expiry report warns that
// the department will be locked out; once the certificate has expired the
// report says LOCKED OUT, the key is refused, and governance restores the
// department by executing identity.renew_cert with a new certificate for
// the same key.
func TestExpiredAdminCertWarnedAndRestored(t *testing.T) {
	t0 := chaintest.Genesis0
	root, err := ca.InitRoot(filepath.Join(t.TempDir(), "root"), ca.RootOptions{District: "CY", Name: "根CA", Passphrase: []byte("p"), Now: t0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{gov.Module{}}, IdentityRoots: [][]byte{root.Cert.Raw}})
	old := c.Depts[0].Admin
	admin, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, der, err := root.Issue(ca.Request{Kind: ca.KindDepartment, Dept: "ZWFW", DeptName: "ZWFW department", Name: "ZWFW admin", PublicKey: admin.PublicKey(), NotBefore: t0, Validity: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rot, err := identity.NewRotateKey(chaintest.ChainID, "ZWFW", old.PublicKey().ID(), admin, 0, der)
	if err != nil {
		t.Fatal(err)
	}
	c.MustOK(c.Tx(old, identity.MsgRotateKey, rot))

	ws, err := identity.Expiring(c.View(), t0.Add(10*time.Second), 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) == 0 || ws[0].Kind != identity.ExpiryAdmin || ws[0].Dept != "ZWFW" || ws[0].Expired {
		t.Fatalf("no lock-out warning: %+v", ws)
	}
	t.Log(ws[0].Message)
	if ws, _ := identity.Expiring(c.View(), t0.Add(10*time.Second), 10*time.Second); len(ws) != 0 {
		t.Fatalf("outside a short horizon: %+v", ws)
	}
	for c.Height < 70 {
		c.Block()
	}
	ws, err = identity.Expiring(c.View(), t0.Add(70*time.Second), 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) == 0 || ws[0].Kind != identity.ExpiryAdmin || !ws[0].Expired || !strings.Contains(ws[0].Message, "LOCKED OUT") {
		t.Fatalf("no lock-out: %+v", ws)
	}
	r := c.Block(c.Tx(admin, identity.MsgRegisterAccount, c.Register(0, mustKeyG(t), "x"))).TxResults[0]
	wantCode(t, r.Code, r.Codespace, r.Log, ca.ErrExpired)

	_, der2, err := root.Issue(ca.Request{Kind: ca.KindDepartment, Dept: "ZWFW", DeptName: "ZWFW department", Name: "ZWFW admin", PublicKey: admin.PublicKey(), NotBefore: t0, Validity: 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	id := propose(t, c, 1, gov.KindExecute, gov.Execute{Type: identity.MsgRenewCert, Body: act(identity.RenewCert{Cert: der2})})
	mustVote(t, c, 2, id, gov.VoteApprove)
	mustVote(t, c, 3, id, gov.VoteApprove)
	if p := status(t, c, id); p.Status != "passed" {
		t.Fatalf("rescue proposal: %+v", p)
	}
	c.ResetSeq(admin, c.App.PendingSequence(admin.PublicKey().ID()))
	c.MustOK(c.Tx(admin, identity.MsgRegisterAccount, c.Register(0, mustKeyG(t), "y")))
}

func mustKeyG(t *testing.T) *smcrypto.PrivateKey {
	k, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRemoveValidatorRotatedInSameBlock: a proposal that would take SCJG's
// validator out of the set executes in the block where SCJG rotates its
// consensus key. CometBFT cannot remove a key it is only being given in
// that block, so the proposal fails (nothing of it changes) and the
// block's validator updates are exactly the rotation's.
func TestRemoveValidatorRotatedInSameBlock(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Depts: 5, Modules: []module.Module{gov.Module{}}})
	id := propose(t, c, 0, gov.KindSetValidator, gov.SetValidator{Code: "SCJG", Power: 0})
	mustVote(t, c, 2, id, gov.VoteApprove)
	mustVote(t, c, 3, id, gov.VoteApprove)
	_, vk, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	pub := vk.Public().(ed25519.PublicKey)
	rot := identity.RotateValidator{PubKey: pub, PoP: ed25519.Sign(vk, identity.ValidatorRotationBytes(chaintest.ChainID, "SCJG", c.Depts[1].Val.PubKey().Address(), pub))}
	r := c.Block(c.Tx(c.Depts[1].Admin, identity.MsgRotateValidator, rot), c.Tx(c.Depts[4].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}))
	for _, x := range r.TxResults {
		if x.Code != 0 {
			t.Fatalf("%s/%d %s", x.Codespace, x.Code, x.Log)
		}
	}
	if p := status(t, c, id); p.Status != "failed" || !strings.Contains(p.Error, "rotated in this block") {
		t.Fatalf("proposal %+v", p)
	}
	if u := r.ValidatorUpdates; len(u) != 2 || u[0].Power != 0 || string(u[1].PubKeyBytes) != string(pub) || u[1].Power != 10 {
		t.Fatalf("validator updates %+v", u)
	}
}
