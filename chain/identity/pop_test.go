package identity_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
)

// refused runs raw (signed by k) in a block, wants code want, and checks the
// block changed nothing but bookkeeping. It rewinds k's local sequence, as
// a rejected tx does not use it.
func refused(t *testing.T, c *chaintest.Chain, k *smcrypto.PrivateKey, raw []byte, want *errs.Error) string {
	t.Helper()
	before := c.DumpData()
	r := c.Block(raw).TxResults[0]
	if r.Code != want.Code || r.Codespace != want.Codespace {
		t.Fatalf("want %s/%d (%s), got %s/%d %s", want.Codespace, want.Code, want.Name, r.Codespace, r.Code, r.Log)
	}
	after := c.DumpData()
	if len(after) != len(before) {
		t.Fatalf("refused tx changed the number of keys: %d -> %d", len(before), len(after))
	}
	for key, v := range before {
		if after[key] != v {
			t.Fatalf("refused tx changed %s", key)
		}
	}
	c.ResetSeq(k, c.App.PendingSequence(k.PublicKey().ID()))
	return r.Log
}

// TestRegisterNeedsProofOfPossession: department B cannot register a key
// that department A's officer published (in A's registration, visible in
// the mempool): not without a proof, not with the proof A's registration
// carries, not with a proof for another chain or made by another key. A's
// own registration works, and B trying afterwards learns who holds the key.
func TestRegisterNeedsProofOfPossession(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	adminA, adminB := c.Depts[0].Admin, c.Depts[1].Admin // ZWFW, SCJG
	officer := mustKey(t)
	forA := c.Register(0, officer, "王芳") // what A's admin broadcasts

	bare := forA
	bare.PoP = nil
	refused(t, c, adminB, c.Tx(adminB, identity.MsgRegisterAccount, bare), identity.ErrBadPoP)

	// B replays A's message (the proof is for ZWFW, B is SCJG)
	refused(t, c, adminB, c.Tx(adminB, identity.MsgRegisterAccount, forA), identity.ErrBadPoP)

	// a proof for SCJG on another chain
	otherChain, err := identity.NewRegisterAccount("other-chain", "SCJG", officer, "x", []string{identity.RoleOperator})
	if err != nil {
		t.Fatal(err)
	}
	refused(t, c, adminB, c.Tx(adminB, identity.MsgRegisterAccount, otherChain), identity.ErrBadPoP)

	// B signs the proof bytes for the officer's public key with its own key
	forged := forA
	if forged.PoP, err = adminB.Sign(identity.PoPBytes(chaintest.ChainID, "SCJG", officer.PublicKey().Bytes())); err != nil {
		t.Fatal(err)
	}
	refused(t, c, adminB, c.Tx(adminB, identity.MsgRegisterAccount, forged), identity.ErrBadPoP)

	// the officer's proof with the transaction domain instead of the PoP one
	wrongDomain := forA
	raw := append([]byte("govchain/tx/v1\x00"), identity.PoPBytes(chaintest.ChainID, "SCJG", officer.PublicKey().Bytes())...)
	d := smcrypto.SM3(raw)
	if wrongDomain.PoP, err = officer.Sign(d[:]); err != nil {
		t.Fatal(err)
	}
	refused(t, c, adminB, c.Tx(adminB, identity.MsgRegisterAccount, wrongDomain), identity.ErrBadPoP)

	// the right registration
	c.MustOK(c.Tx(adminA, identity.MsgRegisterAccount, forA))
	a, err := identity.GetAccount(c.View(), officer.PublicKey().ID())
	if err != nil || a.Dept != "ZWFW" || a.Status != identity.StatusActive {
		t.Fatalf("account %+v %v", a, err)
	}

	// now even a valid proof for SCJG cannot take the key over
	forB := c.Register(1, officer, "x")
	log := refused(t, c, adminB, c.Tx(adminB, identity.MsgRegisterAccount, forB), identity.ErrKeyExists)
	if !strings.Contains(log, "department ZWFW") {
		t.Fatalf("identity/103 should name the holder: %s", log)
	}
	// and A registering it twice says the same
	refused(t, c, adminA, c.Tx(adminA, identity.MsgRegisterAccount, c.Register(0, officer, "again")), identity.ErrKeyExists)
}

// TestPoPBytesLayout pins the proof-of-possession bytes so other clients
// (the Java SDK) can be checked against them; the digest is the one quoted
// in docs/identity.md.
func TestPoPBytesLayout(t *testing.T) {
	d := bytes.Repeat([]byte{0x11}, 32)
	k, err := smcrypto.NewPrivateKey(d)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.PublicKey().Bytes()
	var b []byte
	b = append(b, "govchain/pop/v1\x00"...)
	b = append(b, 10)
	b = append(b, "chaoyang-1"...)
	b = append(b, 4)
	b = append(b, "ZWFW"...)
	b = append(b, 65)
	b = append(b, pub...)
	want := smcrypto.SM3(b)
	got := identity.PoPBytes("chaoyang-1", "ZWFW", pub)
	if !bytes.Equal(got, want[:]) {
		t.Fatalf("PoPBytes %x, want %x", got, want)
	}
	// the known answer quoted in docs/identity.md
	const (
		docPub = "04852611f744af045689dcfbf4c0437730d2d2de332ab7f0fc02769c5fab8a89437d9384f19ab882ed668a28936db92475aa79aef8690ee36f6fb77c69b9b571f8"
		docPoP = "d90863f58be9922477fdf75e4f8df686a183c751f1c32f3f2081cc8170fcb971"
	)
	if hex.EncodeToString(pub) != docPub || hex.EncodeToString(got) != docPoP {
		t.Fatalf("known answer changed: public key %x, PoPBytes %x", pub, got)
	}
	p, err := identity.ProofOfPossession(k, "chaoyang-1", "ZWFW")
	if err != nil {
		t.Fatal(err)
	}
	if err := k.PublicKey().Verify(got, p); err != nil {
		t.Fatalf("proof does not verify over PoPBytes: %v", err)
	}
}

// TestLastAdminCannotLockOut: a department's only active admin key cannot
// suspend or revoke itself (the department could then never manage its
// officers or vote again); its officers can still be suspended.
func TestLastAdminCannotLockOut(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	admin := c.Depts[0].Admin
	officer := c.Officer(0)
	for _, st := range []string{identity.StatusSuspended, identity.StatusRevoked} {
		log := refused(t, c, admin, c.Tx(admin, identity.MsgSetAccountStatus,
			identity.SetAccountStatus{KeyID: admin.PublicKey().ID(), Status: st, Reason: "oops"}), identity.ErrLastAdmin)
		if !strings.Contains(log, "ZWFW") {
			t.Fatalf("log should name the department: %s", log)
		}
	}
	c.MustOK(c.Tx(admin, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: officer.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "leave"}))
	if a, _ := identity.GetAccount(c.View(), admin.PublicKey().ID()); a.Status != identity.StatusActive {
		t.Fatalf("admin %+v", a)
	}
}

// TestAdmitCertNeedsProofOfPossession: a CA can certify any public key it
// has seen, so SCJG getting a certificate for ZWFW's officer key (here from
// the district root, as SCJG's own intermediate could) does not let SCJG
// admit it without the key's proof for SCJG.
func TestAdmitCertNeedsProofOfPossession(t *testing.T) {
	root := newRoot(t)
	c := chainWithRoot(t, root)
	adminB := c.Depts[1].Admin
	officer := mustKey(t)
	_, derB, err := root.Issue(ca.Request{Kind: ca.KindOfficer, Dept: "SCJG", Name: "squatted", PublicKey: officer.PublicKey(), NotBefore: t0, Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	bare := identity.AdmitCert{Cert: derB, Roles: []string{identity.RoleOperator}}
	refused(t, c, adminB, c.Tx(adminB, identity.MsgAdmitCert, bare), identity.ErrBadPoP)
	forA := admit(t, c, 0, officer, derB, identity.RoleOperator) // ZWFW's proof, replayed
	refused(t, c, adminB, c.Tx(adminB, identity.MsgAdmitCert, forA), identity.ErrBadPoP)
	// with the key's own proof for SCJG it is admitted
	c.MustOK(c.Tx(adminB, identity.MsgAdmitCert, admit(t, c, 1, officer, derB, identity.RoleOperator)))
	if a, err := identity.GetAccount(c.View(), officer.PublicKey().ID()); err != nil || a.Dept != "SCJG" {
		t.Fatalf("account %+v %v", a, err)
	}
}
