package identity_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
)

func rotation(t *testing.T, c *chaintest.Chain, dept int, old smcrypto.KeyID, k *smcrypto.PrivateKey, overlap int64) identity.RotateKey {
	t.Helper()
	m, err := identity.NewRotateKey(chaintest.ChainID, c.Depts[dept].Code, old, k, overlap, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func account(t *testing.T, c *chaintest.Chain, id smcrypto.KeyID) *identity.Account {
	t.Helper()
	a, err := identity.GetAccount(c.View(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRotateAdminKey: a department's admin key rotates to a new key with an
// overlap of 3 blocks. During the overlap both keys sign transactions and
// SM2 attestations (every block of this chain carries a QC); after it the
// old key is retired and refused, and the new one keeps the department
// going with the same roles.
func TestRotateAdminKey(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Attest: true})
	oldK := c.Depts[0].Admin
	newK := mustKey(t)
	res := c.MustOK(c.Tx(oldK, identity.MsgRotateKey, rotation(t, c, 0, oldK.PublicKey().ID(), newK, 3)))
	h := c.Height
	if string(res.Data) != newK.PublicKey().ID().String() {
		t.Fatalf("data %q", res.Data)
	}
	na, oa := account(t, c, newK.PublicKey().ID()), account(t, c, oldK.PublicKey().ID())
	if na.Status != identity.StatusActive || !equalRoles(na.Roles, oa.Roles) || na.RotatedFrom != oa.KeyID.String() {
		t.Fatalf("new account %+v", na)
	}
	if oa.RetireHeight != h+3 || oa.RotatedTo != na.KeyID.String() {
		t.Fatalf("old account %+v", oa)
	}
	// the QC of h was signed by the old key (h was decided before the
	// rotation took effect); from h+1 on the node attests with the new key
	c.Block() // h+1
	c.AttestKeys = map[int]*smcrypto.PrivateKey{0: newK}
	c.MustOK(c.Tx(newK, identity.MsgRegisterAccount, c.Register(0, mustKey(t), "officer a")))
	if a := account(t, c, oldK.PublicKey().ID()); a.Status != identity.StatusActive {
		t.Fatalf("old key inside the window: %+v", a)
	}
	c.MustOK(c.Tx(oldK, identity.MsgRegisterAccount, c.Register(0, mustKey(t), "officer b"))) // h+3: the old key's last block
	if a := account(t, c, oldK.PublicKey().ID()); a.Status != identity.StatusRetired || a.StatusHeight != h+3 {
		t.Fatalf("old key after the window: %+v", a)
	}
	if r := c.Block(c.Tx(oldK, identity.MsgRegisterAccount, c.Register(0, mustKey(t), "officer c"))).TxResults; r[len(r)-1].Code != tx.ErrSignerInactive.Code {
		t.Fatalf("retired key's tx: %+v", r[len(r)-1])
	}
	c.ResetSeq(oldK, c.App.PendingSequence(oldK.PublicKey().ID()))
	c.MustOK(c.Tx(newK, identity.MsgRegisterAccount, c.Register(0, mustKey(t), "officer d")))
	// the old key's attestation is no longer accepted
	c.AttestKeys = nil
	c.AttestBy = []int{1, 2, 3}
	c.Block()
	if q := c.QC(c.Height); len(q.Attestations) != 3 {
		t.Fatal("harness")
	}
	// retired is final
	if r := c.Block(c.Tx(newK, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: oldK.PublicKey().ID(), Status: identity.StatusActive, Reason: "back"})).TxResults; r[len(r)-1].Code != identity.ErrBadStatus.Code {
		t.Fatalf("reactivating a retired key: %+v", r[len(r)-1])
	}
}

func equalRoles(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRotateToRegisteredKey: a rotation to a key already registered (the
// department's own officer, another department's admin, a key retired
// earlier) is refused with identity/112 and changes nothing.
func TestRotateToRegisteredKey(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	admin := c.Depts[0].Admin
	officer := c.Officer(0)
	for _, k := range []*smcrypto.PrivateKey{officer, c.Depts[1].Admin, admin} {
		log := refused(t, c, admin, c.Tx(admin, identity.MsgRotateKey, rotation(t, c, 0, admin.PublicKey().ID(), k, 5)), identity.ErrRotateToRegistered)
		t.Log(log)
	}
	// a key retired by an earlier rotation is not reused either
	o2 := mustKey(t)
	c.MustOK(c.Tx(officer, identity.MsgRotateKey, rotation(t, c, 0, officer.PublicKey().ID(), o2, 0)))
	if a := account(t, c, officer.PublicKey().ID()); a.Status != identity.StatusRetired {
		t.Fatalf("overlap 0: %+v", a)
	}
	refused(t, c, o2, c.Tx(o2, identity.MsgRotateKey, rotation(t, c, 0, o2.PublicKey().ID(), officer, 1)), identity.ErrRotateToRegistered)
}

// TestRotateKeyRules: who may rotate what, and the proof of possession.
func TestRotateKeyRules(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	admin, other := c.Depts[0].Admin, c.Depts[1].Admin
	officer := c.Officer(0)
	newK := mustKey(t)
	// another department cannot rotate ZWFW's keys
	refused(t, c, other, c.Tx(other, identity.MsgRotateKey, rotation(t, c, 0, officer.PublicKey().ID(), newK, 1)), identity.ErrOtherDept)
	// an officer cannot rotate its admin, nor an admin another admin's key
	refused(t, c, officer, c.Tx(officer, identity.MsgRotateKey, rotation(t, c, 0, admin.PublicKey().ID(), newK, 1)), identity.ErrRotation)
	// a proof made for another department, or by another key
	m := rotation(t, c, 1, officer.PublicKey().ID(), newK, 1)
	refused(t, c, admin, c.Tx(admin, identity.MsgRotateKey, m), identity.ErrBadPoP)
	m = rotation(t, c, 0, officer.PublicKey().ID(), newK, 1)
	m.PoP = nil
	refused(t, c, admin, c.Tx(admin, identity.MsgRotateKey, m), identity.ErrBadPoP)
	m = rotation(t, c, 0, admin.PublicKey().ID(), newK, 1) // the proof names the admin key, not the officer's
	m.KeyID = officer.PublicKey().ID()
	refused(t, c, admin, c.Tx(admin, identity.MsgRotateKey, m), identity.ErrBadPoP)
	refused(t, c, admin, c.Tx(admin, identity.MsgRotateKey, rotation(t, c, 0, officer.PublicKey().ID(), newK, identity.MaxOverlapBlocks+1)), identity.ErrRotation)
	// the admin rotates its officer's key; a second rotation of it waits
	c.MustOK(c.Tx(admin, identity.MsgRotateKey, rotation(t, c, 0, officer.PublicKey().ID(), newK, 10)))
	refused(t, c, officer, c.Tx(officer, identity.MsgRotateKey, rotation(t, c, 0, officer.PublicKey().ID(), mustKey(t), 1)), identity.ErrRotation)
	if a := account(t, c, newK.PublicKey().ID()); !equalRoles(a.Roles, []string{identity.RoleOperator}) {
		t.Fatalf("roles %v", a.Roles)
	}
}

// TestRotationCancelledWhenSuccessorRevoked: the new admin key is revoked
// during the overlap; retiring the old one would leave the department
// without an admin, so the rotation is cancelled and the old key stays.
func TestRotationCancelledWhenSuccessorRevoked(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	admin := c.Depts[0].Admin
	newK := mustKey(t)
	c.MustOK(c.Tx(admin, identity.MsgRotateKey, rotation(t, c, 0, admin.PublicKey().ID(), newK, 2)))
	c.MustOK(c.Tx(admin, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: newK.PublicKey().ID(), Status: identity.StatusRevoked, Reason: "lost"}))
	c.Block()
	a := account(t, c, admin.PublicKey().ID())
	if a.Status != identity.StatusActive || a.RetireHeight != 0 || a.RotatedTo != "" {
		t.Fatalf("old admin key %+v", a)
	}
	c.MustOK(c.Tx(admin, identity.MsgRegisterAccount, c.Register(0, mustKey(t), "still works")))
}

func valRotation(t *testing.T, c *chaintest.Chain, dept int, k ed25519.PrivateKey) identity.RotateValidator {
	t.Helper()
	oldAddr := c.Depts[dept].Val.PubKey().Address()
	pub := k.Public().(ed25519.PublicKey)
	return identity.RotateValidator{PubKey: pub, PoP: ed25519.Sign(k, identity.ValidatorRotationBytes(chaintest.ChainID, c.Depts[dept].Code, oldAddr, pub))}
}

func newValKey(t *testing.T) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRotateValidator: one block's validator updates remove the old
// consensus key and add the new one at the same power; both addresses
// resolve to the department; a key already registered, a bad proof and a
// second rotation before the first takes effect are refused.
func TestRotateValidator(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	admin := c.Depts[0].Admin
	k := newValKey(t)
	// another department's consensus key
	m := valRotation(t, c, 0, k)
	taken := identity.RotateValidator{PubKey: c.Depts[1].Val.PubKey().Bytes(), PoP: m.PoP}
	refused(t, c, admin, c.Tx(admin, identity.MsgRotateValidator, taken), identity.ErrRotateToRegistered)
	bad := m
	bad.PoP = ed25519.Sign(k, identity.ValidatorRotationBytes("other-chain", "ZWFW", c.Depts[0].Val.PubKey().Address(), m.PubKey))
	refused(t, c, admin, c.Tx(admin, identity.MsgRotateValidator, bad), identity.ErrBadPoP)

	r := c.Block(c.Tx(admin, identity.MsgRotateValidator, m))
	if r.TxResults[0].Code != 0 {
		t.Fatal(r.TxResults[0].Log)
	}
	u := r.ValidatorUpdates
	if len(u) != 2 || string(u[0].PubKeyBytes) != string(c.Depts[0].Val.PubKey().Bytes()) || u[0].Power != 0 ||
		string(u[1].PubKeyBytes) != string(m.PubKey) || u[1].Power != 10 {
		t.Fatalf("validator updates %+v", u)
	}
	d, err := identity.GetDept(c.View(), "ZWFW")
	if err != nil || string(d.Validator.PubKey) != string(m.PubKey) || d.Validator.ActiveFrom != c.Height+2 {
		t.Fatalf("dept %+v %v", d.Validator, err)
	}
	for _, addr := range []string{hex.EncodeToString(c.Depts[0].Val.PubKey().Address()), identity.ValidatorAddress(m.PubKey)} {
		if v, _ := c.View().Get(identity.ValidatorKey(addr)); string(v) != "ZWFW" {
			t.Fatalf("address %s maps to %q", addr, v)
		}
	}
	refused(t, c, admin, c.Tx(admin, identity.MsgRotateValidator, valRotation(t, c, 0, newValKey(t))), identity.ErrRotation)
}

// TestRenewCertAndRetireCA: a department replaces its intermediate CA:
// registers the new one, renews its officer's certificate under it (same
// key, no suspension), retires the old CA. Retiring is refused while an
// identity still depends on the CA; the old CA's CRL no longer reaches the
// renewed identity; a retired CA admits nobody.
func TestRenewCertAndRetireCA(t *testing.T) {
	root := newRoot(t)
	c := chainWithRoot(t, root)
	admin := c.Depts[0].Admin
	pass := []byte("ca-passphrase")
	ca1, err := ca.InitIntermediate(filepath.Join(t.TempDir(), "ca1"), root, "ZWFW", "政务服务管理局", 90*24*time.Hour, pass, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c.MustOK(c.Tx(admin, identity.MsgRegisterCA, identity.RegisterCA{Cert: ca1.Cert.Raw}))
	officer, der1 := issue(t, ca1, "ZWFW", ca.KindOfficer, t0, 30*24*time.Hour)
	c.MustOK(c.Tx(admin, identity.MsgAdmitCert, admit(t, c, 0, officer, der1, identity.RoleOperator)))
	ca1ID := ca.KeyIDOf(ca1.Cert)

	ca2, err := ca.InitIntermediate(filepath.Join(t.TempDir(), "ca2"), root, "ZWFW", "政务服务管理局", 365*24*time.Hour, pass, t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c.MustOK(c.Tx(admin, identity.MsgRegisterCA, identity.RegisterCA{Cert: ca2.Cert.Raw}))
	refused(t, c, admin, c.Tx(admin, identity.MsgRetireCA, identity.RetireCA{CA: ca1ID}), identity.ErrCAInUse)
	refused(t, c, c.Depts[1].Admin, c.Tx(c.Depts[1].Admin, identity.MsgRetireCA, identity.RetireCA{CA: ca1ID}), identity.ErrOtherDept)

	_, der2, err := ca2.Issue(ca.Request{Kind: ca.KindOfficer, Dept: "ZWFW", Name: "张伟", PublicKey: officer.PublicKey(), NotBefore: t0, Validity: 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// the officer keeps signing throughout: it renews its own certificate
	c.MustOK(c.Tx(officer, identity.MsgRenewCert, identity.RenewCert{Cert: der2}))
	refused(t, c, officer, c.Tx(officer, identity.MsgRenewCert, identity.RenewCert{Cert: der2}), identity.ErrBadStatus)
	a := account(t, c, officer.PublicKey().ID())
	if a.CertCA != ca.KeyIDOf(ca2.Cert) || a.Status != identity.StatusActive || a.NotAfter < t0.Add(300*24*time.Hour).Unix() {
		t.Fatalf("renewed account %+v", a)
	}
	c.MustOK(c.Tx(admin, identity.MsgRetireCA, identity.RetireCA{CA: ca1ID}))
	refused(t, c, admin, c.Tx(admin, identity.MsgRetireCA, identity.RetireCA{CA: ca1ID}), identity.ErrBadStatus)
	// the old CA's CRL of the old serial leaves the renewed identity alone
	p1, err := ca.Parse(der1)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := ca1.Revoke(ca.Serial(p1.SerialNumber), 1, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	c.MustOK(c.Tx(admin, identity.MsgRevokeCerts, identity.RevokeCerts{CRL: crl}))
	if a := account(t, c, officer.PublicKey().ID()); a.Status != identity.StatusActive {
		t.Fatalf("the old certificate's CRL revoked the renewed identity: %+v", a)
	}
	if _, _, _, err := identity.Authenticate(c.View(), officer.PublicKey().ID(), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
}
