package identity_test

import (
	"crypto/rand"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	tjsm2 "github.com/tjfoc/gmsm/sm2"
	tjx509 "github.com/tjfoc/gmsm/x509"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
)

var t0 = chaintest.Genesis0

func newRoot(t *testing.T) *ca.Authority {
	t.Helper()
	a, err := ca.InitRoot(filepath.Join(t.TempDir(), "root"), ca.RootOptions{District: "CY", Name: "朝阳区政务根CA", Passphrase: []byte("ca-passphrase"), Now: t0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// chainWithRoot starts a chain whose genesis trusts root.
func chainWithRoot(t *testing.T, roots ...*ca.Authority) *chaintest.Chain {
	t.Helper()
	var ders [][]byte
	for _, r := range roots {
		ders = append(ders, r.Cert.Raw)
	}
	return chaintest.New(t, chaintest.Options{IdentityRoots: ders})
}

func issue(t *testing.T, a *ca.Authority, dept, kind string, from time.Time, validity time.Duration) (*smcrypto.PrivateKey, []byte) {
	t.Helper()
	k, _ := smcrypto.GenerateKey()
	_, der, err := a.Issue(ca.Request{Kind: kind, Dept: dept, Name: "张伟", PublicKey: k.PublicKey(), NotBefore: from, Validity: validity})
	if err != nil {
		t.Fatal(err)
	}
	return k, der
}

// admit is department i's admission of der (whose key is k), with k's
// proof of possession.
func admit(t *testing.T, c *chaintest.Chain, i int, k *smcrypto.PrivateKey, der []byte, roles ...string) identity.AdmitCert {
	t.Helper()
	m, err := identity.NewAdmitCert(chaintest.ChainID, c.Depts[i].Code, k, der, roles)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func code(t *testing.T, c *chaintest.Chain, raw []byte, want *errs.Error) {
	t.Helper()
	r := c.Block(raw).TxResults[0]
	if want == nil {
		if r.Code != 0 {
			t.Fatalf("want success, got %s/%d %s", r.Codespace, r.Code, r.Log)
		}
		return
	}
	if r.Code != want.Code || r.Codespace != want.Codespace {
		t.Fatalf("want %s/%d (%s), got %s/%d %s", want.Codespace, want.Code, want.Name, r.Codespace, r.Code, r.Log)
	}
}

func TestAdmitCertAndSign(t *testing.T) {
	root := newRoot(t)
	c := chainWithRoot(t, root)
	k, der := issue(t, root, "ZWFW", ca.KindOfficer, t0, 365*24*time.Hour)
	code(t, c, c.Tx(c.Depts[0].Admin, identity.MsgAdmitCert, admit(t, c, 0, k, der, identity.RoleOperator)), nil)
	a, err := identity.GetAccount(c.View(), k.PublicKey().ID())
	if err != nil || a.Dept != "ZWFW" || a.CertSerial == "" || a.NotAfter == 0 {
		t.Fatalf("account %+v %v", a, err)
	}
	// the certified officer signs its own txs
	code(t, c, c.Tx(k, identity.MsgRegisterAccount, c.Register(0, mustKey(t), "officer")), tx.ErrUnauthorized)
}

func TestForeignCARejected(t *testing.T) {
	root, foreign := newRoot(t), newRoot(t)
	c := chainWithRoot(t, root)
	fk, der := issue(t, foreign, "ZWFW", ca.KindOfficer, t0, 365*24*time.Hour)
	code(t, c, c.Tx(c.Depts[0].Admin, identity.MsgAdmitCert, admit(t, c, 0, fk, der, identity.RoleOperator)), ca.ErrUntrusted)
}

func TestValidityByBlockTime(t *testing.T) {
	root := newRoot(t)
	c := chainWithRoot(t, root)
	from := t0.Add(10 * 24 * time.Hour)
	k, der := issue(t, root, "ZWFW", ca.KindOfficer, from, 30*24*time.Hour)
	admit := func(at time.Time) *chaintest.Chain {
		r := c.BlockAt(at, c.Tx(c.Depts[0].Admin, identity.MsgAdmitCert, admit(t, c, 0, k, der, identity.RoleOperator))).TxResults[0]
		if at.Before(from) {
			if r.Code != ca.ErrNotYetValid.Code {
				t.Fatalf("admitting before NotBefore: %d %s", r.Code, r.Log)
			}
			c.ResetSeq(c.Depts[0].Admin, c.App.PendingSequence(c.Depts[0].Admin.PublicKey().ID()))
		} else if r.Code != 0 {
			t.Fatalf("admit: %s", r.Log)
		}
		return c
	}
	admit(t0.Add(time.Hour))   // not yet valid
	admit(from.Add(time.Hour)) // valid
	signed := c.Tx(k, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: k.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "x"})
	late := c.BlockAt(from.Add(31*24*time.Hour), signed).TxResults[0] // after NotAfter
	if late.Code != ca.ErrExpired.Code || late.Codespace != "ca" {
		t.Fatalf("expired certificate's tx: %s/%d %s", late.Codespace, late.Code, late.Log)
	}
}

func TestRevocationAppliesNextBlock(t *testing.T) {
	root := newRoot(t)
	c := chainWithRoot(t, root)
	k, der := issue(t, root, "SCJG", ca.KindOfficer, t0, 365*24*time.Hour)
	code(t, c, c.Tx(c.Depts[1].Admin, identity.MsgAdmitCert, admit(t, c, 1, k, der, identity.RoleOperator)), nil)
	cert, _ := ca.Parse(der)
	crl, err := root.Revoke(ca.Serial(cert.SerialNumber), 1, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// any department may carry the CA's CRL: the CA signature is the authority
	res := c.Block(c.Tx(c.Depts[3].Admin, identity.MsgRevokeCerts, identity.RevokeCerts{CRL: crl})).TxResults[0]
	if res.Code != 0 {
		t.Fatalf("revoke: %s", res.Log)
	}
	revokedAt := c.Height
	a, _ := identity.GetAccount(c.View(), k.PublicKey().ID())
	if a.Status != identity.StatusRevoked || a.StatusHeight != revokedAt {
		t.Fatalf("account after CRL: %+v", a)
	}
	code(t, c, c.Tx(k, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: k.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "x"}), tx.ErrSignerInactive)
	// the same CRL again changes nothing and says so
	code(t, c, c.Tx(c.Depts[3].Admin, identity.MsgRevokeCerts, identity.RevokeCerts{CRL: crl}), identity.ErrBadStatus)
	// and the revoked certificate cannot be admitted again
	code(t, c, c.Tx(c.Depts[1].Admin, identity.MsgAdmitCert, admit(t, c, 1, k, der, identity.RoleOperator)), ca.ErrCertRevoked)
	// a CRL signed by an unregistered CA is refused
	foreign := newRoot(t)
	_, fder := issue(t, foreign, "SCJG", ca.KindOfficer, t0, time.Hour)
	fc, _ := ca.Parse(fder)
	fcrl, _ := foreign.Revoke(ca.Serial(fc.SerialNumber), 1, t0)
	code(t, c, c.Tx(c.Depts[3].Admin, identity.MsgRevokeCerts, identity.RevokeCerts{CRL: fcrl}), ca.ErrUntrusted)
}

func TestCrossDepartmentAndSelfGrant(t *testing.T) {
	root := newRoot(t)
	c := chainWithRoot(t, root)
	kB, derB := issue(t, root, "SCJG", ca.KindOfficer, t0, 365*24*time.Hour)
	// admin of ZWFW cannot admit an officer of SCJG
	code(t, c, c.Tx(c.Depts[0].Admin, identity.MsgAdmitCert, admit(t, c, 0, kB, derB, identity.RoleOperator)), ca.ErrWrongDept)
	// and cannot raise anyone to admin by transaction, itself included
	kA, derA := issue(t, root, "ZWFW", ca.KindOfficer, t0, 365*24*time.Hour)
	code(t, c, c.Tx(c.Depts[0].Admin, identity.MsgAdmitCert, admit(t, c, 0, kA, derA, identity.RoleAdmin)), identity.ErrForbiddenRole)
	// a node certificate cannot become a signing identity
	kN, derN := issue(t, root, "ZWFW", ca.KindNode, t0, 365*24*time.Hour)
	code(t, c, c.Tx(c.Depts[0].Admin, identity.MsgAdmitCert, admit(t, c, 0, kN, derN)), ca.ErrKindMismatch)
}

func TestIntermediateCA(t *testing.T) {
	root := newRoot(t)
	c := chainWithRoot(t, root)
	inter, err := ca.InitIntermediate(filepath.Join(t.TempDir(), "zwfw"), root, "ZWFW", "政务服务管理局", 0, []byte("pass-word"), t0)
	if err != nil {
		t.Fatal(err)
	}
	// SCJG cannot register ZWFW's CA
	code(t, c, c.Tx(c.Depts[1].Admin, identity.MsgRegisterCA, identity.RegisterCA{Cert: inter.Cert.Raw}), ca.ErrWrongDept)
	code(t, c, c.Tx(c.Depts[0].Admin, identity.MsgRegisterCA, identity.RegisterCA{Cert: inter.Cert.Raw}), nil)
	k, der := issue(t, inter, "ZWFW", ca.KindOfficer, t0, 365*24*time.Hour)
	code(t, c, c.Tx(c.Depts[0].Admin, identity.MsgAdmitCert, admit(t, c, 0, k, der, identity.RoleOperator)), nil)
	// the intermediate refuses to issue for another department
	if _, _, err := inter.Issue(ca.Request{Kind: ca.KindOfficer, Dept: "SCJG", PublicKey: mustKey(t).PublicKey()}); err == nil {
		t.Fatal("department CA issued for another department")
	}
}

// TestTjfocCertificates: a root CA and an officer certificate made with
// tjfoc/gmsm's x509 (as partner systems do) are accepted.
func TestTjfocCertificates(t *testing.T) {
	rootKey, _ := tjsm2.GenerateKey(rand.Reader)
	rootTmpl := &tjx509.Certificate{SerialNumber: big.NewInt(1), Subject: ca.Name("CY", ca.KindCA, "root", "tjfoc root"),
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(10 * 365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: tjx509.KeyUsageCertSign | tjx509.KeyUsageCRLSign | tjx509.KeyUsageDigitalSignature, SubjectKeyId: []byte{1, 2, 3, 4},
		// tjfoc signs per GM/T only when told the algorithm: left at 0 it
		// hashes the TBS with SM3 and then SM2-signs that digest (hashing it
		// again), which no standard verifier accepts (see TestTjfocUnsetAlgorithm).
		SignatureAlgorithm: tjx509.SM2WithSM3}
	rootDER, err := tjx509.CreateCertificate(rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	rootCert, err := tjx509.ParseCertificate(rootDER)
	if err != nil {
		t.Fatal(err)
	}
	offKey, _ := tjsm2.GenerateKey(rand.Reader)
	offTmpl := &tjx509.Certificate{SerialNumber: big.NewInt(2), Subject: ca.Name("ZWFW", ca.KindOfficer, "政务服务管理局", "李强"),
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(365 * 24 * time.Hour), KeyUsage: tjx509.KeyUsageDigitalSignature, AuthorityKeyId: []byte{1, 2, 3, 4},
		SignatureAlgorithm: tjx509.SM2WithSM3}
	offDER, err := tjx509.CreateCertificate(offTmpl, rootCert, &offKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	c := chaintest.New(t, chaintest.Options{IdentityRoots: [][]byte{rootDER}})
	// the proof of possession signed by tjfoc too (default user id, DER)
	offPub := make([]byte, 65)
	offPub[0] = 4
	offKey.PublicKey.X.FillBytes(offPub[1:33])
	offKey.PublicKey.Y.FillBytes(offPub[33:])
	pop, err := offKey.Sign(rand.Reader, identity.PoPBytes(chaintest.ChainID, "ZWFW", offPub), nil)
	if err != nil {
		t.Fatal(err)
	}
	code(t, c, c.Tx(c.Depts[0].Admin, identity.MsgAdmitCert, identity.AdmitCert{Cert: offDER, Roles: []string{identity.RoleOperator}, PoP: pop}), nil)
}

// TestTjfocUnsetAlgorithm pins tjfoc's pitfall: a root made without an
// explicit SignatureAlgorithm carries a double-hashed signature, and genesis
// refuses it with a clear error instead of trusting it.
func TestTjfocUnsetAlgorithm(t *testing.T) {
	k, _ := tjsm2.GenerateKey(rand.Reader)
	tmpl := &tjx509.Certificate{SerialNumber: big.NewInt(1), Subject: ca.Name("CY", ca.KindCA, "root", "tjfoc root"),
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(time.Hour * 24), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: tjx509.KeyUsageCertSign | tjx509.KeyUsageCRLSign}
	der, err := tjx509.CreateCertificate(tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckSignatureFrom(c); err == nil {
		t.Fatal("a double-hashed tjfoc signature verified; the pitfall note is wrong")
	}
}

func mustKey(t *testing.T) *smcrypto.PrivateKey {
	k, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
