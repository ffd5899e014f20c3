// Package ca is govchain's SM2 certificate authority: it issues X.509
// certificates signed SM2-with-SM3 (GM/T 0015: OID 1.2.156.10197.1.501) for
// departments, officers and nodes, and revokes them with CRLs. The
// verification half of this file is deterministic (time comes from the
// caller, i.e. the block header) and is what the chain runs; the authority
// half (authority.go) manages keys and files and never runs on chain.
package ca

import (
	"crypto/ecdsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/smcrypto"
)

// Kinds of certificates. The subject carries two OrganizationalUnit values:
// the department code and the kind. DER sorts the values of a SET, so their
// order is not meaningful: the kind is the value that names a kind.
const (
	KindDepartment = "department"
	KindOfficer    = "officer"
	KindNode       = "node"
	KindCA         = "ca"
)

var (
	ErrParse        = errs.Register("ca", 201, "malformed certificate")
	ErrUntrusted    = errs.Register("ca", 202, "certificate does not chain to a registered CA")
	ErrNotYetValid  = errs.Register("ca", 203, "certificate not yet valid")
	ErrExpired      = errs.Register("ca", 204, "certificate expired")
	ErrKeyUsage     = errs.Register("ca", 205, "certificate key usage does not allow signing")
	ErrSubject      = errs.Register("ca", 206, "certificate subject lacks a department code")
	ErrNotSM2       = errs.Register("ca", 207, "certificate is not SM2 / SM2-with-SM3")
	ErrCRL          = errs.Register("ca", 208, "invalid certificate revocation list")
	ErrNotCA        = errs.Register("ca", 209, "not a CA certificate")
	ErrWrongDept    = errs.Register("ca", 210, "certificate is for another department")
	ErrCertRevoked  = errs.Register("ca", 211, "certificate revoked")
	ErrKindMismatch = errs.Register("ca", 212, "certificate kind not allowed here")
)

// OIDSM3WithSM2 is the signature algorithm every govchain certificate uses.
var OIDSM3WithSM2 = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 501}

// Subject is what govchain reads from a certificate.
type Subject struct {
	Dept  string // department code (OU[0])
	Kind  string // department | officer | node | ca (OU[1])
	Name  string // CN
	Org   string // O: the department's name
	KeyID smcrypto.KeyID
	Key   *smcrypto.PublicKey
}

// Parse decodes a DER certificate and checks it is SM2 signed with SM3.
func Parse(der []byte) (*smx509.Certificate, error) {
	if len(der) == 0 || len(der) > 16<<10 {
		return nil, ErrParse.Wrapf("certificate of %d bytes (1..16384 allowed)", len(der))
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, ErrParse.Wrapf("%v", err)
	}
	if c.SignatureAlgorithm != smx509.SM2WithSM3 {
		return nil, ErrNotSM2.Wrapf("signature algorithm %v, want SM2-with-SM3 (%v)", c.SignatureAlgorithm, OIDSM3WithSM2)
	}
	return c, nil
}

// SubjectOf extracts the department, kind and SM2 key of c.
func SubjectOf(c *smx509.Certificate) (*Subject, error) {
	pub, err := certKey(c)
	if err != nil {
		return nil, err
	}
	s := &Subject{Name: c.Subject.CommonName, Key: pub, KeyID: pub.ID()}
	for _, v := range c.Subject.OrganizationalUnit {
		switch v {
		case KindDepartment, KindOfficer, KindNode, KindCA:
			if s.Kind != "" {
				return nil, ErrSubject.Wrapf("subject %q names two kinds", c.Subject.String())
			}
			s.Kind = v
		default:
			if s.Dept != "" {
				return nil, ErrSubject.Wrapf("subject %q names two departments (%s, %s)", c.Subject.String(), s.Dept, v)
			}
			s.Dept = v
		}
	}
	if s.Dept == "" || s.Kind == "" {
		return nil, ErrSubject.Wrapf("subject %q: want OU=<department code> and OU=<kind: department|officer|node|ca>", c.Subject.String())
	}
	if len(c.Subject.Organization) > 0 {
		s.Org = c.Subject.Organization[0]
	}
	return s, nil
}

func certKey(c *smx509.Certificate) (*smcrypto.PublicKey, error) {
	ec, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, ErrNotSM2.Wrapf("public key is %T, want SM2", c.PublicKey)
	}
	pub, err := smcrypto.PublicKeyFromECDSA(ec)
	if err != nil {
		return nil, ErrNotSM2.Wrapf("public key: %v", err)
	}
	return pub, nil
}

// Chain verifies that leaf chains to one of roots (through intermediates)
// and that every certificate on the way is valid at t, the block time. It
// returns the issuing CA (the leaf's parent).
func Chain(leaf *smx509.Certificate, roots, intermediates []*smx509.Certificate, t time.Time) (*smx509.Certificate, error) {
	if t.Before(leaf.NotBefore) {
		return nil, ErrNotYetValid.Wrapf("valid from %s, block time %s", leaf.NotBefore.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	if t.After(leaf.NotAfter) {
		return nil, ErrExpired.Wrapf("valid until %s, block time %s", leaf.NotAfter.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	rp, ip := smx509.NewCertPool(), smx509.NewCertPool()
	for _, r := range roots {
		rp.AddCert(r)
	}
	for _, i := range intermediates {
		ip.AddCert(i)
	}
	chains, err := leaf.Verify(smx509.VerifyOptions{Roots: rp, Intermediates: ip, CurrentTime: t, KeyUsages: []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny}})
	if err != nil {
		return nil, ErrUntrusted.Wrapf("%v", err)
	}
	// Deterministic choice: the shortest chain, then the first in the
	// verifier's order (which depends only on the pools' contents).
	best := chains[0]
	for _, ch := range chains[1:] {
		if len(ch) < len(best) {
			best = ch
		}
	}
	if len(best) < 2 {
		return nil, ErrUntrusted.Wrapf("a self-signed certificate cannot be an identity")
	}
	return best[1], nil
}

// CheckSigning requires a certificate usable for signing transactions.
func CheckSigning(c *smx509.Certificate) error {
	if c.KeyUsage&smx509.KeyUsageDigitalSignature == 0 {
		return ErrKeyUsage.Wrapf("key usage %b lacks digitalSignature", c.KeyUsage)
	}
	return nil
}

// CheckCA requires a CA certificate (basic constraints, certSign, CRL sign).
func CheckCA(c *smx509.Certificate) error {
	if !c.BasicConstraintsValid || !c.IsCA {
		return ErrNotCA.Wrapf("basic constraints do not mark %q as a CA", c.Subject.CommonName)
	}
	if c.KeyUsage&smx509.KeyUsageCertSign == 0 || c.KeyUsage&smx509.KeyUsageCRLSign == 0 {
		return ErrNotCA.Wrapf("CA %q lacks certSign or cRLSign key usage", c.Subject.CommonName)
	}
	return nil
}

// KeyIDOf names a CA on chain: hex of its subject key identifier, or of
// SM3 of its public key when it has none.
func KeyIDOf(c *smx509.Certificate) string {
	if len(c.SubjectKeyId) > 0 {
		return hex.EncodeToString(c.SubjectKeyId)
	}
	if pub, err := certKey(c); err == nil {
		return pub.ID().String()
	}
	d := smcrypto.SM3(c.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(d[:20])
}

// Serial is the canonical text of a serial number (lower-case hex).
func Serial(n *big.Int) string { return n.Text(16) }

// Revoked is one CRL entry.
type Revoked struct {
	Serial string    `json:"serial"`
	At     time.Time `json:"at"`
	Reason int       `json:"reason"`
}

// CheckCRL parses a DER CRL and verifies it was signed by issuer.
func CheckCRL(der []byte, issuer *smx509.Certificate) ([]Revoked, error) {
	if len(der) == 0 || len(der) > 1<<20 {
		return nil, ErrCRL.Wrapf("CRL of %d bytes (1..1 MiB allowed)", len(der))
	}
	rl, err := smx509.ParseRevocationList(der)
	if err != nil {
		return nil, ErrCRL.Wrapf("parse: %v", err)
	}
	if err := rl.CheckSignatureFrom(issuer); err != nil {
		return nil, ErrCRL.Wrapf("not signed by CA %q: %v", issuer.Subject.CommonName, err)
	}
	out := make([]Revoked, 0, len(rl.RevokedCertificateEntries))
	for _, e := range rl.RevokedCertificateEntries {
		out = append(out, Revoked{Serial: Serial(e.SerialNumber), At: e.RevocationTime.UTC(), Reason: e.ReasonCode})
	}
	return out, nil
}

// Name builds the subject govchain certificates carry.
func Name(dept, kind, deptName, cn string) pkix.Name {
	n := pkix.Name{OrganizationalUnit: []string{dept, kind}, CommonName: cn, Country: []string{"CN"}}
	if deptName != "" {
		n.Organization = []string{deptName}
	}
	return n
}

// Describe is a one-line summary for CLI output.
func Describe(c *smx509.Certificate) string {
	s, err := SubjectOf(c)
	if err != nil {
		return fmt.Sprintf("%s (serial %s)", c.Subject.String(), Serial(c.SerialNumber))
	}
	return fmt.Sprintf("%s %s %q serial %s, valid %s..%s, key %s", s.Dept, s.Kind, s.Name, Serial(c.SerialNumber),
		c.NotBefore.UTC().Format("2006-01-02"), c.NotAfter.UTC().Format("2006-01-02"), s.KeyID)
}
