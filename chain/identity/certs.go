package identity

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/smx509"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
)

// CA is a certificate authority trusted by the chain: a root from genesis,
// or a department's intermediate registered by that department's admin.
type CA struct {
	KeyID  string `json:"key_id"`
	Cert   []byte `json:"cert"`
	Kind   string `json:"kind"` // root | intermediate
	Dept   string `json:"dept"`
	Height int64  `json:"height"`
	// Retired is the height identity.retire_ca retired it (0: trusted).
	Retired int64 `json:"retired,omitempty"`
}

// RevokedCert is a serial listed in a CA's CRL, as recorded on chain.
type RevokedCert struct {
	CA     string    `json:"ca"`
	Serial string    `json:"serial"`
	At     time.Time `json:"at"`
	Reason int       `json:"reason"`
	Height int64     `json:"height"`
	KeyID  string    `json:"key_id,omitempty"` // the identity it revoked, if admitted
}

func CAKey(keyID string) []byte               { return module.Key("id", "ca", keyID) }
func RevokedKey(caID, serial string) []byte   { return module.Key("id", "revoked", caID, serial) }
func CertIndexKey(caID, serial string) []byte { return module.Key("id", "certidx", caID, serial) }
func caPrefix() []byte                        { return []byte("id/ca/") }

// TrustedCAs loads the registered CAs split into roots and intermediates.
func TrustedCAs(kv state.KV) (roots, inter []*smx509.Certificate, err error) {
	err = state.IteratePrefix(kv, caPrefix(), true, func(_, v []byte) (bool, error) {
		var r CA
		if _, err := module.GetJSONBytes(v, &r); err != nil {
			return false, err
		}
		c, err := smx509.ParseCertificate(r.Cert)
		if err != nil {
			return false, fmt.Errorf("stored CA %s: %w", r.KeyID, err)
		}
		if r.Kind == "root" {
			roots = append(roots, c)
		} else if r.Retired == 0 {
			inter = append(inter, c)
		}
		return true, nil
	})
	return roots, inter, err
}

func certRoutes() []module.Route {
	return []module.Route{
		{Type: MsgRegisterCA, AnyRole: []string{RoleAdmin}, Handle: module.Handler(registerCA),
			Summary: "Register the signer's department intermediate CA (must chain to a genesis root)."},
		{Type: MsgAdmitCert, AnyRole: []string{RoleAdmin}, Handle: module.Handler(admitCert),
			Summary: "Admit a CA-issued SM2 certificate of the signer's department as a signing identity, with the key's proof of possession."},
		{Type: MsgRevokeCerts, Handle: module.Handler(revokeCerts),
			Summary: "Apply a CRL signed by a registered CA: its certificates' identities are revoked from the next block."},
	}
}

func registerCA(ctx *module.Context, m *RegisterCA) error {
	c, err := ca.Parse(m.Cert)
	if err != nil {
		return err
	}
	if err := ca.CheckCA(c); err != nil {
		return err
	}
	sub, err := ca.SubjectOf(c)
	if err != nil {
		return err
	}
	if sub.Dept != ctx.Signer.Dept {
		return ca.ErrWrongDept.Wrapf("CA is for department %s, signer is %s", sub.Dept, ctx.Signer.Dept)
	}
	roots, _, err := TrustedCAs(ctx.Store)
	if err != nil {
		return err
	}
	if _, err := ca.Chain(c, roots, nil, ctx.Time); err != nil {
		return err
	}
	id := ca.KeyIDOf(c)
	if ok, _ := ctx.Store.Has(CAKey(id)); ok {
		return ErrKeyExists.Wrapf("CA %s already registered", id)
	}
	ctx.Emit("identity.ca_registered", "ca", id, "dept", sub.Dept)
	return ctx.Store.Set(CAKey(id), module.MustJSON(CA{KeyID: id, Cert: m.Cert, Kind: "intermediate", Dept: sub.Dept, Height: ctx.Height}))
}

// VerifyIdentityCert runs every admission check on a certificate at time t
// and returns its subject and issuing CA id.
func VerifyIdentityCert(kv state.KV, der []byte, t time.Time) (*ca.Subject, string, *smx509.Certificate, error) {
	c, err := ca.Parse(der)
	if err != nil {
		return nil, "", nil, err
	}
	sub, err := ca.SubjectOf(c)
	if err != nil {
		return nil, "", nil, err
	}
	if sub.Kind != ca.KindOfficer && sub.Kind != ca.KindDepartment {
		return nil, "", nil, ca.ErrKindMismatch.Wrapf("a %s certificate cannot sign transactions (officer or department only)", sub.Kind)
	}
	if err := ca.CheckSigning(c); err != nil {
		return nil, "", nil, err
	}
	roots, inter, err := TrustedCAs(kv)
	if err != nil {
		return nil, "", nil, err
	}
	issuer, err := ca.Chain(c, roots, inter, t)
	if err != nil {
		return nil, "", nil, err
	}
	caID := ca.KeyIDOf(issuer)
	if ok, _ := kv.Has(RevokedKey(caID, ca.Serial(c.SerialNumber))); ok {
		return nil, "", nil, ca.ErrCertRevoked.Wrapf("serial %s of CA %s is on its CRL", ca.Serial(c.SerialNumber), caID)
	}
	return sub, caID, c, nil
}

func admitCert(ctx *module.Context, m *AdmitCert) error {
	sub, caID, c, err := VerifyIdentityCert(ctx.Store, m.Cert, ctx.Time)
	if err != nil {
		return err
	}
	if sub.Dept != ctx.Signer.Dept {
		return ca.ErrWrongDept.Wrapf("certificate is for department %s; an admin of %s can only admit its own department's officers", sub.Dept, ctx.Signer.Dept)
	}
	for _, r := range m.Roles {
		if r != RoleOperator {
			return ErrForbiddenRole.Wrapf("role %q can only be granted by a governance proposal", r)
		}
	}
	var held Account
	if ok, err := module.GetJSON(ctx.Store, AccountKey(sub.KeyID), &held); err != nil {
		return err
	} else if ok {
		return ErrKeyExists.Wrapf("key id %s is held by department %s (%s)", sub.KeyID, held.Dept, held.Status)
	}
	if err := checkPoP(ctx, sub.Key, m.PoP); err != nil {
		return err
	}
	// The certificate's common name becomes the identity's name on chain:
	// the same rule as a name sent in register_account.
	if err := readable.Name(sub.Name); err != nil {
		return ErrUnreadable.Wrapf("certificate common name (CN) %s", err)
	}
	serial := ca.Serial(c.SerialNumber)
	a := &Account{KeyID: sub.KeyID, PublicKey: sub.Key.Bytes(), Dept: sub.Dept, Name: sub.Name, Roles: append([]string{}, m.Roles...),
		Status: StatusActive, Cert: m.Cert, CertCA: caID, CertSerial: serial,
		NotBefore: c.NotBefore.Unix(), NotAfter: c.NotAfter.Unix(), Created: ctx.Height}
	if err := PutAccount(ctx.Store, a); err != nil {
		return err
	}
	if err := ctx.Store.Set(CertIndexKey(caID, serial), []byte(sub.KeyID.String())); err != nil {
		return err
	}
	ctx.SetData([]byte(sub.KeyID.String()))
	ctx.Emit("identity.cert_admitted", "key_id", sub.KeyID.String(), "dept", sub.Dept, "serial", serial)
	return nil
}

func revokeCerts(ctx *module.Context, m *RevokeCerts) error {
	rl, err := smx509.ParseRevocationList(m.CRL)
	if err != nil {
		return ca.ErrCRL.Wrapf("parse: %v", err)
	}
	caID := hex.EncodeToString(rl.AuthorityKeyId)
	var rec CA
	ok, err := module.GetJSON(ctx.Store, CAKey(caID), &rec)
	if err != nil {
		return err
	}
	if !ok {
		return ca.ErrUntrusted.Wrapf("CRL issuer %s is not a registered CA", caID)
	}
	issuer, err := smx509.ParseCertificate(rec.Cert)
	if err != nil {
		return err
	}
	entries, err := ca.CheckCRL(m.CRL, issuer)
	if err != nil {
		return err
	}
	fresh := 0
	for _, e := range entries {
		k := RevokedKey(caID, e.Serial)
		if ok, _ := ctx.Store.Has(k); ok {
			continue // already applied by an earlier CRL
		}
		fresh++
		r := RevokedCert{CA: caID, Serial: e.Serial, At: e.At, Reason: e.Reason, Height: ctx.Height}
		if idb, _ := ctx.Store.Get(CertIndexKey(caID, e.Serial)); idb != nil {
			r.KeyID = string(idb)
			var a Account
			if ok, err := module.GetJSON(ctx.Store, AccountKey(mustKeyID(r.KeyID)), &a); err != nil {
				return err
			} else if ok && a.Status != StatusRevoked && a.CertCA == caID && a.CertSerial == e.Serial {
				a.Status, a.StatusHeight = StatusRevoked, ctx.Height
				a.StatusReason = fmt.Sprintf("certificate %s revoked by CA %s (RFC 5280 reason %d)", e.Serial, caID, e.Reason)
				if err := PutAccount(ctx.Store, &a); err != nil {
					return err
				}
			}
		}
		if err := ctx.Store.Set(k, module.MustJSON(r)); err != nil {
			return err
		}
		ctx.Emit("identity.cert_revoked", "ca", caID, "serial", e.Serial, "key_id", r.KeyID)
	}
	if fresh == 0 {
		return ErrBadStatus.Wrapf("CRL lists no certificate that is not already revoked on chain")
	}
	ctx.SetData([]byte(fmt.Sprint(fresh)))
	return nil
}

// checkCertWindow enforces a certificate-bound identity's validity window
// at block time t.
func checkCertWindow(a *Account, t time.Time) error {
	if a.NotAfter == 0 {
		return nil
	}
	if t.Unix() < a.NotBefore {
		return ca.ErrNotYetValid.Wrapf("key %s: certificate valid from %s, block time %s", a.KeyID, time.Unix(a.NotBefore, 0).UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	if t.Unix() > a.NotAfter {
		return ca.ErrExpired.Wrapf("key %s: certificate expired %s, block time %s", a.KeyID, time.Unix(a.NotAfter, 0).UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	return nil
}

func mustKeyID(s string) smcrypto.KeyID {
	id, err := smcrypto.ParseKeyID(s)
	if err != nil {
		panic(fmt.Sprintf("identity: corrupt key id %q in state", s))
	}
	return id
}
