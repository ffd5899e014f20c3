package ca

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/govchain/govchain/chain/smcrypto"
)

// Authority is a CA on disk:
//
//	DIR/ca.pem          the CA certificate
//	DIR/ca-key.pem      its SM2 key, PKCS#8 encrypted with the passphrase
//	DIR/index.json      every certificate issued, with revocation state
//	DIR/issued/<serial>.pem
//	DIR/crl.pem         the latest CRL
type Authority struct {
	Dir   string
	Cert  *smx509.Certificate
	Key   *smcrypto.PrivateKey
	Index Index
}

// Index is the CA's record of what it issued.
type Index struct {
	CRLNumber int64        `json:"crl_number"`
	Issued    []IndexEntry `json:"issued"`
}

// IndexEntry is one issued certificate.
type IndexEntry struct {
	Serial    string    `json:"serial"`
	Kind      string    `json:"kind"`
	Dept      string    `json:"dept"`
	Name      string    `json:"name"`
	KeyID     string    `json:"key_id"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	Reason    int       `json:"reason,omitempty"`
}

func (a *Authority) path(p ...string) string { return filepath.Join(append([]string{a.Dir}, p...)...) }

// RootOptions describe a new root CA.
type RootOptions struct {
	District, Name string // e.g. "CY", "朝阳区政务根CA"
	Validity       time.Duration
	Passphrase     []byte
	Now            time.Time
}

// InitRoot creates a self-signed root CA in dir.
func InitRoot(dir string, o RootOptions) (*Authority, error) {
	if o.Validity == 0 {
		o.Validity = 20 * 365 * 24 * time.Hour
	}
	a, err := newAuthorityDir(dir)
	if err != nil {
		return nil, err
	}
	key, err := smcrypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	tmpl := caTemplate(Name(o.District, KindCA, o.Name, o.Name), key.PublicKey(), o.Now, o.Validity, 1)
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, key.PublicKey().Unwrap(), key.Unwrap())
	if err != nil {
		return nil, err
	}
	return a.finish(der, key, o.Passphrase)
}

// InitIntermediate creates a department's CA in dir, signed by parent.
func InitIntermediate(dir string, parent *Authority, dept, deptName string, validity time.Duration, pass []byte, now time.Time) (*Authority, error) {
	if validity == 0 {
		validity = 10 * 365 * 24 * time.Hour
	}
	a, err := newAuthorityDir(dir)
	if err != nil {
		return nil, err
	}
	key, err := smcrypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	tmpl := caTemplate(Name(dept, KindCA, deptName, deptName+" CA"), key.PublicKey(), now, validity, 0)
	if tmpl.NotAfter.After(parent.Cert.NotAfter) {
		tmpl.NotAfter = parent.Cert.NotAfter
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, parent.Cert, key.PublicKey().Unwrap(), parent.Key.Unwrap())
	if err != nil {
		return nil, err
	}
	if err := parent.record(der); err != nil {
		return nil, err
	}
	return a.finish(der, key, pass)
}

func newAuthorityDir(dir string) (*Authority, error) {
	a := &Authority{Dir: dir}
	if _, err := os.Stat(a.path("ca.pem")); err == nil {
		return nil, fmt.Errorf("%s already holds a CA; refusing to overwrite it", dir)
	}
	if err := os.MkdirAll(a.path("issued"), 0o700); err != nil {
		return nil, err
	}
	return a, nil
}

func caTemplate(name pkix.Name, pub *smcrypto.PublicKey, now time.Time, validity time.Duration, maxPath int) *smx509.Certificate {
	id := pub.ID()
	return &smx509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               name,
		NotBefore:             now.Add(-time.Minute).UTC(),
		NotAfter:              now.Add(validity).UTC(),
		KeyUsage:              smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign | smx509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            maxPath,
		MaxPathLenZero:        maxPath == 0,
		SubjectKeyId:          id[:],
	}
}

func (a *Authority) finish(der []byte, key *smcrypto.PrivateKey, pass []byte) (*Authority, error) {
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	kp, err := smcrypto.MarshalPrivateKeyPEM(key, pass)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(a.path("ca-key.pem"), kp, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(a.path("ca.pem"), CertPEM(der), 0o644); err != nil {
		return nil, err
	}
	a.Cert, a.Key = c, key
	return a, a.save()
}

// Load opens the CA in dir.
func Load(dir string, pass []byte) (*Authority, error) {
	a := &Authority{Dir: dir}
	b, err := os.ReadFile(a.path("ca.pem"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no CA in %s (create one with `govchain ca init`)", dir)
		}
		return nil, err
	}
	if a.Cert, err = ParsePEM(b); err != nil {
		return nil, err
	}
	kb, err := os.ReadFile(a.path("ca-key.pem"))
	if err != nil {
		return nil, err
	}
	if a.Key, err = smcrypto.ParsePrivateKeyPEM(kb, pass); err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	ib, err := os.ReadFile(a.path("index.json"))
	if err != nil {
		return nil, err
	}
	return a, json.Unmarshal(ib, &a.Index)
}

func (a *Authority) save() error {
	b, err := json.MarshalIndent(a.Index, "", "  ")
	if err != nil {
		return err
	}
	tmp := a.path("index.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, a.path("index.json"))
}

// Request asks for an end-entity certificate.
type Request struct {
	Kind      string // department | officer | node
	Dept      string
	DeptName  string
	Name      string
	PublicKey *smcrypto.PublicKey
	NotBefore time.Time
	Validity  time.Duration
}

// Issue signs a certificate for req.
func (a *Authority) Issue(req Request) (*smx509.Certificate, []byte, error) {
	switch req.Kind {
	case KindDepartment, KindOfficer, KindNode:
	default:
		return nil, nil, fmt.Errorf("kind %q: want department, officer or node", req.Kind)
	}
	if req.Dept == "" || req.PublicKey == nil {
		return nil, nil, fmt.Errorf("department and public key are required")
	}
	if sub, err := SubjectOf(a.Cert); err == nil && sub.Dept != req.Dept && a.Cert.MaxPathLenZero {
		return nil, nil, fmt.Errorf("this is %s's CA; it cannot issue for department %s", sub.Dept, req.Dept)
	}
	if req.Validity == 0 {
		req.Validity = 2 * 365 * 24 * time.Hour
	}
	if req.NotBefore.IsZero() {
		// Backdated so a certificate is usable at once: the chain judges
		// validity by block time, which trails the wall clock.
		req.NotBefore = time.Now().Add(-5 * time.Minute)
	}
	tmpl := &smx509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      Name(req.Dept, req.Kind, req.DeptName, req.Name),
		NotBefore:    req.NotBefore.UTC(),
		NotAfter:     req.NotBefore.Add(req.Validity).UTC(),
		KeyUsage:     smx509.KeyUsageDigitalSignature,
	}
	if tmpl.NotAfter.After(a.Cert.NotAfter) {
		tmpl.NotAfter = a.Cert.NotAfter
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, a.Cert, req.PublicKey.Unwrap(), a.Key.Unwrap())
	if err != nil {
		return nil, nil, err
	}
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return c, der, a.record(der)
}

func (a *Authority) record(der []byte) error {
	c, err := smx509.ParseCertificate(der)
	if err != nil {
		return err
	}
	e := IndexEntry{Serial: Serial(c.SerialNumber), NotBefore: c.NotBefore, NotAfter: c.NotAfter, Name: c.Subject.CommonName}
	if s, err := SubjectOf(c); err == nil {
		e.Kind, e.Dept, e.KeyID = s.Kind, s.Dept, s.KeyID.String()
	}
	a.Index.Issued = append(a.Index.Issued, e)
	if err := os.WriteFile(a.path("issued", e.Serial+".pem"), CertPEM(der), 0o644); err != nil {
		return err
	}
	return a.save()
}

// Revoke marks serial revoked and returns the new CRL (DER), also written
// to DIR/crl.pem. Reason codes are RFC 5280's (1 keyCompromise, 3
// affiliationChanged, 4 superseded, 5 cessationOfOperation, ...).
func (a *Authority) Revoke(serial string, reason int, now time.Time) ([]byte, error) {
	found := false
	for i := range a.Index.Issued {
		e := &a.Index.Issued[i]
		if e.Serial == serial {
			if !e.RevokedAt.IsZero() {
				return nil, fmt.Errorf("serial %s was already revoked at %s", serial, e.RevokedAt.Format(time.RFC3339))
			}
			e.RevokedAt, e.Reason, found = now.UTC().Truncate(time.Second), reason, true
		}
	}
	if !found {
		return nil, fmt.Errorf("serial %s was not issued by this CA (see `govchain ca list`)", serial)
	}
	return a.CRL(now)
}

// CRL signs a CRL listing every revoked certificate.
func (a *Authority) CRL(now time.Time) ([]byte, error) {
	a.Index.CRLNumber++
	tmpl := &x509.RevocationList{Number: big.NewInt(a.Index.CRLNumber), ThisUpdate: now.UTC(), NextUpdate: now.Add(7 * 24 * time.Hour).UTC()}
	for _, e := range a.Index.Issued {
		if e.RevokedAt.IsZero() {
			continue
		}
		n, ok := new(big.Int).SetString(e.Serial, 16)
		if !ok {
			return nil, fmt.Errorf("index: bad serial %q", e.Serial)
		}
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: e.RevokedAt, ReasonCode: e.Reason})
	}
	sort.Slice(tmpl.RevokedCertificateEntries, func(i, j int) bool {
		return tmpl.RevokedCertificateEntries[i].SerialNumber.Cmp(tmpl.RevokedCertificateEntries[j].SerialNumber) < 0
	})
	der, err := smx509.CreateRevocationList(rand.Reader, tmpl, a.Cert, a.Key.Unwrap())
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(a.path("crl.pem"), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	return der, a.save()
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err)
	}
	return n.Add(n, big.NewInt(1))
}

// CertPEM wraps DER in a CERTIFICATE block.
func CertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// ParsePEM parses the first CERTIFICATE block (or DER) in b.
func ParsePEM(b []byte) (*smx509.Certificate, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block is %q, want CERTIFICATE", blk.Type)
		}
		b = blk.Bytes
	}
	return Parse(b)
}

// DERFromPEM returns the DER of the first CERTIFICATE or X509 CRL block, or
// b itself when it is not PEM.
func DERFromPEM(b []byte) []byte {
	if blk, _ := pem.Decode(b); blk != nil {
		return blk.Bytes
	}
	return b
}

// CSR is what a certificate request (PKCS#10, e.g. from `openssl req`)
// contributes to Issue: the key, whose possession its signature proves, and
// the subject fields it asks for (the issuer decides; see FromCSR).
type CSR struct {
	PublicKey *smcrypto.PublicKey
	Dept      string // the OU that is not a kind
	Kind      string // the OU that names a kind
	DeptName  string // O
	Name      string // CN
}

// ParseCSR reads a PEM ("CERTIFICATE REQUEST") or DER PKCS#10 request for
// an SM2 key, signed SM2-with-SM3 with the default user id, and checks its
// signature.
func ParseCSR(b []byte) (*CSR, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE REQUEST" && blk.Type != "NEW CERTIFICATE REQUEST" {
			return nil, fmt.Errorf("PEM block is %q, want CERTIFICATE REQUEST", blk.Type)
		}
		b = blk.Bytes
	}
	r, err := smx509.ParseCertificateRequest(b)
	if err != nil {
		return nil, fmt.Errorf("certificate request: %w", err)
	}
	if r.SignatureAlgorithm != smx509.SM2WithSM3 {
		return nil, fmt.Errorf("certificate request signed with %v, want SM2-with-SM3 (openssl req -sm3 -sigopt distid:1234567812345678)", r.SignatureAlgorithm)
	}
	if err := r.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certificate request signature (SM2 with user id 1234567812345678): %w", err)
	}
	ec, ok := r.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("certificate request key is %T, want SM2", r.PublicKey)
	}
	pub, err := smcrypto.PublicKeyFromECDSA(ec)
	if err != nil {
		return nil, err
	}
	c := &CSR{PublicKey: pub, Name: r.Subject.CommonName}
	for _, v := range r.Subject.OrganizationalUnit {
		switch v {
		case KindDepartment, KindOfficer, KindNode, KindCA:
			c.Kind = v
		default:
			c.Dept = v
		}
	}
	if len(r.Subject.Organization) > 0 {
		c.DeptName = r.Subject.Organization[0]
	}
	return c, nil
}
