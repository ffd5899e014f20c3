package ca

import (
	"github.com/emmansun/gmsm/smx509"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
)

func testRoot(t testing.TB) *Authority {
	a, err := InitRoot(filepath.Join(t.TempDir(), "root"), RootOptions{District: "CY", Name: "root", Passphrase: []byte("passphrase"), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestIssueRevokeReload(t *testing.T) {
	a := testRoot(t)
	k, _ := smcrypto.GenerateKey()
	c, der, err := a.Issue(Request{Kind: KindOfficer, Dept: "ZWFW", DeptName: "政务服务管理局", Name: "王芳", PublicKey: k.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	if c.SignatureAlgorithm != smx509.SM2WithSM3 {
		t.Fatalf("signature algorithm %v", c.SignatureAlgorithm)
	}
	s, err := SubjectOf(c)
	if err != nil || s.Dept != "ZWFW" || s.Kind != KindOfficer || s.KeyID != k.PublicKey().ID() || s.Org != "政务服务管理局" {
		t.Fatalf("subject %+v %v", s, err)
	}
	if _, err := Chain(c, nil, nil, time.Now()); err == nil {
		t.Fatal("chained without roots")
	}
	if issuer, err := Chain(c, []*smx509.Certificate{a.Cert}, nil, time.Now()); err != nil || issuer != a.Cert {
		t.Fatalf("chain: %v", err)
	}
	if _, err := Chain(c, []*smx509.Certificate{a.Cert}, nil, time.Now().Add(3*365*24*time.Hour)); err == nil {
		t.Fatal("expired certificate chained")
	}
	b, err := Load(a.Dir, []byte("passphrase"))
	if err != nil || len(b.Index.Issued) != 1 {
		t.Fatalf("reload: %v %+v", err, b)
	}
	if _, err := Load(a.Dir, []byte("wrong")); err == nil {
		t.Fatal("CA key opened with a wrong passphrase")
	}
	crl, err := b.Revoke(Serial(c.SerialNumber), 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := CheckCRL(crl, a.Cert)
	if err != nil || len(entries) != 1 || entries[0].Serial != Serial(c.SerialNumber) || entries[0].Reason != 1 {
		t.Fatalf("crl: %v %+v", err, entries)
	}
	other := testRoot(t)
	if _, err := CheckCRL(crl, other.Cert); err == nil {
		t.Fatal("CRL verified under another CA")
	}
	if _, err := b.Revoke(Serial(c.SerialNumber), 1, time.Now()); err == nil {
		t.Fatal("revoked twice")
	}
	_ = der
}

// FuzzParse: certificate parsing and subject extraction never panic, and
// anything accepted has a department, a kind and an SM2 key.
func FuzzParse(f *testing.F) {
	a := testRoot(f)
	k, _ := smcrypto.GenerateKey()
	_, der, _ := a.Issue(Request{Kind: KindOfficer, Dept: "ZWFW", Name: "x", PublicKey: k.PublicKey()})
	f.Add(der)
	f.Add(a.Cert.Raw)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		s, err := SubjectOf(c)
		if err != nil {
			return
		}
		if s.Dept == "" || s.Kind == "" || s.Key == nil {
			t.Fatalf("accepted subject %+v", s)
		}
	})
}

// FuzzCRL: CRL checking never panics and never accepts bytes not signed by
// the CA.
func FuzzCRL(f *testing.F) {
	a := testRoot(f)
	k, _ := smcrypto.GenerateKey()
	c, _, _ := a.Issue(Request{Kind: KindOfficer, Dept: "ZWFW", Name: "x", PublicKey: k.PublicKey()})
	crl, err := a.Revoke(Serial(c.SerialNumber), 1, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(crl)
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := CheckCRL(b, a.Cert)
		if err != nil {
			return
		}
		// whatever verifies under the CA can only list what the CA revoked
		for _, e := range entries {
			if e.Serial != Serial(c.SerialNumber) {
				t.Fatalf("accepted a CRL revoking %s, which the CA never revoked", e.Serial)
			}
		}
	})
}
