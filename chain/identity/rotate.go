package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
)

// Key and certificate rotation: a department replaces an SM2 key (admin or
// officer) with an overlap window, its validator's consensus key in one
// block, or the certificate an identity is bound to (a renewal, or a
// re-issue by a new intermediate CA), and retires an intermediate CA once
// nobody depends on it. None of these suspends anything.

const (
	StatusRetired      = idtypes.StatusRetired
	MsgRotateKey       = idtypes.MsgRotateKey
	MsgRotateValidator = idtypes.MsgRotateValidator
	MsgRenewCert       = idtypes.MsgRenewCert
	MsgRetireCA        = idtypes.MsgRetireCA
	MaxOverlapBlocks   = idtypes.MaxOverlapBlocks
)

type (
	RotateKey       = idtypes.RotateKey
	RotateValidator = idtypes.RotateValidator
	RenewCert       = idtypes.RenewCert
	RetireCA        = idtypes.RetireCA
)

// RotationBytes is what a new key signs to take over oldKey (idtypes).
func RotationBytes(chainID, dept string, oldKey smcrypto.KeyID, newKey []byte) []byte {
	return idtypes.RotationBytes(chainID, dept, oldKey, newKey)
}

// NewRotateKey builds the rotation of oldKey to k, with k's proof.
func NewRotateKey(chainID, dept string, oldKey smcrypto.KeyID, k *smcrypto.PrivateKey, overlap int64, cert []byte) (RotateKey, error) {
	return idtypes.NewRotateKey(chainID, dept, oldKey, k, overlap, cert)
}

// ValidatorRotationBytes is what a new consensus key signs (idtypes).
func ValidatorRotationBytes(chainID, dept string, oldAddress, newKey []byte) []byte {
	return idtypes.ValidatorRotationBytes(chainID, dept, oldAddress, newKey)
}

var (
	// ErrRotateToRegistered: the new key of a rotation (SM2 key, or a
	// validator's consensus key) is already registered, to this department
	// or another, now or in the past. Keys are never reused.
	ErrRotateToRegistered = errs.Register("identity", 112, "rotation to a key already registered")
	// ErrRotation: a rotation that is not allowed as asked (a rotation
	// already under way, an overlap out of range, an admin key rotated by
	// another key, no validator to rotate).
	ErrRotation = errs.Register("identity", 113, "invalid rotation")
	// ErrCAInUse: an intermediate CA still certifies active identities and
	// cannot be retired until they are renewed under another CA.
	ErrCAInUse = errs.Register("identity", 114, "CA still certifies active identities")
)

func rotationRoutes() []module.Route {
	return []module.Route{
		{Type: MsgRotateKey, Handle: module.Handler(rotateKey),
			Summary: "Replace an SM2 key of the department by a new key (with its proof of possession); both work for overlap_blocks, then the old one is retired. An admin key is rotated by itself, an officer's by itself or an admin."},
		{Type: MsgRotateValidator, AnyRole: []string{RoleAdmin}, Handle: module.Handler(rotateValidator),
			Summary: "Replace the department's CometBFT consensus key (ed25519, with its proof of possession) at the same power, effective two blocks later."},
		{Type: MsgRenewCert, Handle: module.Handler(renewCert),
			Summary: "Bind an identity to a new certificate for the same key (renewal, or re-issue by a new intermediate CA); by the identity itself or an admin of its department."},
		{Type: MsgRetireCA, AnyRole: []string{RoleAdmin}, Handle: module.Handler(retireCA),
			Summary: "Stop trusting the department's intermediate CA for admissions and renewals; refused while an active identity is bound to it."},
	}
}

// RetireIndexKey lists a rotated key under the height at whose end it
// retires, so EndBlock finds due keys without scanning the accounts.
func RetireIndexKey(height int64, id smcrypto.KeyID) []byte {
	return module.Key("id", "retire", fmt.Sprintf("%020d", height), id.String())
}

func rotateKey(ctx *module.Context, m *RotateKey) error {
	old, err := GetAccount(ctx.Store, m.KeyID)
	if err != nil {
		return err
	}
	dept := old.Dept
	if !ctx.Signer.Governance {
		if old.Dept != ctx.Signer.Dept {
			return ErrOtherDept.Wrapf("key %s belongs to %s, signer is %s", m.KeyID, old.Dept, ctx.Signer.Dept)
		}
		self := ctx.Signer.KeyID == old.KeyID
		if !self && slices.Contains(old.Roles, RoleAdmin) {
			return ErrRotation.Wrapf("key %s is an admin key: only the key itself (or governance) rotates it", m.KeyID)
		}
		if !self && !ctx.Signer.HasRole(RoleAdmin) {
			return ErrRotation.Wrapf("key %s is rotated by itself or by an admin of %s", m.KeyID, dept)
		}
	}
	switch {
	case old.Status != StatusActive:
		return ErrRotation.Wrapf("key %s is %s; only an active key is rotated", m.KeyID, old.Status)
	case old.RetireHeight > 0:
		return ErrRotation.Wrapf("key %s is already being rotated to %s and retires at the end of block %d", m.KeyID, old.RotatedTo, old.RetireHeight)
	case m.OverlapBlocks < 0 || m.OverlapBlocks > MaxOverlapBlocks:
		return ErrRotation.Wrapf("overlap_blocks %d outside 0..%d", m.OverlapBlocks, MaxOverlapBlocks)
	}
	pk, err := smcrypto.ParsePublicKey(m.PublicKey)
	if err != nil {
		return ErrBadKey.Wrapf("%v", err)
	}
	id := pk.ID()
	var held Account
	if ok, err := module.GetJSON(ctx.Store, AccountKey(id), &held); err != nil {
		return err
	} else if ok {
		return ErrRotateToRegistered.Wrapf("key id %s is already registered to department %s (%s); a rotation needs a key never registered", id, held.Dept, held.Status)
	}
	if len(m.PoP) == 0 {
		return ErrBadPoP.Wrapf("no proof of possession: key %s must sign its takeover of %s (identity.RotationBytes)", id, m.KeyID)
	}
	if err := pk.Verify(RotationBytes(ctx.ChainID, dept, m.KeyID, pk.Bytes()), m.PoP); err != nil {
		return ErrBadPoP.Wrapf("key %s did not sign its takeover of %s of %s on chain %s (%v)", id, m.KeyID, dept, ctx.ChainID, err)
	}
	a := &Account{KeyID: id, PublicKey: pk.Bytes(), Dept: dept, Name: old.Name, Roles: slices.Clone(old.Roles),
		Status: StatusActive, Created: ctx.Height, RotatedFrom: old.KeyID.String()}
	if len(m.Cert) > 0 {
		sub, caID, c, err := VerifyIdentityCert(ctx.Store, m.Cert, ctx.Time)
		if err != nil {
			return err
		}
		if sub.KeyID != id {
			return ErrBadInput.Wrapf("certificate is for key %s, not the new key %s", sub.KeyID, id)
		}
		if sub.Dept != dept {
			return ca.ErrWrongDept.Wrapf("certificate is for department %s, the key is %s's", sub.Dept, dept)
		}
		a.Cert, a.CertCA, a.CertSerial = m.Cert, caID, ca.Serial(c.SerialNumber)
		a.NotBefore, a.NotAfter = c.NotBefore.Unix(), c.NotAfter.Unix()
		if err := ctx.Store.Set(CertIndexKey(caID, a.CertSerial), []byte(id.String())); err != nil {
			return err
		}
	}
	if err := PutAccount(ctx.Store, a); err != nil {
		return err
	}
	old.RotatedTo, old.RetireHeight = id.String(), ctx.Height+m.OverlapBlocks
	if err := PutAccount(ctx.Store, old); err != nil {
		return err
	}
	if err := ctx.Store.Set(RetireIndexKey(old.RetireHeight, old.KeyID), []byte(old.KeyID.String())); err != nil {
		return err
	}
	ctx.SetData([]byte(id.String()))
	ctx.Emit("identity.key_rotated", "key_id", old.KeyID.String(), "new_key_id", id.String(), "dept", dept,
		"retire_height", strconv.FormatInt(old.RetireHeight, 10))
	return nil
}

// EndBlock retires the keys whose overlap window ends with this block. A
// rotated admin key whose successor is no longer active (revoked or
// suspended during the window) stays: retiring it could leave the
// department without an admin key, so the rotation is cancelled instead.
func (Module) EndBlock(ctx *module.Context) error {
	type due struct {
		key []byte
		id  smcrypto.KeyID
	}
	var list []due
	prefix := []byte("id/retire/")
	err := state.IteratePrefix(ctx.Store, prefix, true, func(k, v []byte) (bool, error) {
		h, err := strconv.ParseInt(strings.SplitN(string(k[len(prefix):]), "/", 2)[0], 10, 64)
		if err != nil {
			return false, fmt.Errorf("identity: corrupt retire index %q", k)
		}
		if h > ctx.Height {
			return false, nil
		}
		list = append(list, due{slices.Clone(k), mustKeyID(string(v))})
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, d := range list {
		if err := ctx.Store.Delete(d.key); err != nil {
			return err
		}
		old, err := GetAccount(ctx.Store, d.id)
		if err != nil {
			return err
		}
		if old.Status != StatusActive || old.RetireHeight == 0 {
			continue // revoked or suspended meanwhile: nothing left to retire
		}
		next, err := GetAccount(ctx.Store, mustKeyID(old.RotatedTo))
		if err != nil {
			return err
		}
		if slices.Contains(old.Roles, RoleAdmin) && (next.Status != StatusActive || !slices.Contains(next.Roles, RoleAdmin)) {
			ctx.Emit("identity.rotation_cancelled", "key_id", old.KeyID.String(), "new_key_id", next.KeyID.String(), "dept", old.Dept,
				"reason", fmt.Sprintf("successor is %s", next.Status))
			old.RotatedTo, old.RetireHeight = "", 0
		} else {
			old.Status, old.StatusHeight = StatusRetired, ctx.Height
			old.StatusReason = "rotated to " + next.KeyID.String()
			ctx.Emit("identity.key_retired", "key_id", old.KeyID.String(), "new_key_id", next.KeyID.String(), "dept", old.Dept)
		}
		if err := PutAccount(ctx.Store, old); err != nil {
			return err
		}
	}
	return nil
}

// ValidatorAddress is the CometBFT address of an ed25519 consensus key:
// the first 20 bytes of its SHA-256, upper-case hex.
func ValidatorAddress(pub []byte) string {
	h := sha256.Sum256(pub)
	return strings.ToUpper(hex.EncodeToString(h[:20]))
}

func rotateValidator(ctx *module.Context, m *RotateValidator) error {
	d, err := GetDept(ctx.Store, ctx.Signer.Dept)
	if err != nil {
		return err
	}
	v := d.Validator
	switch {
	case v == nil || v.Power == 0:
		return ErrRotation.Wrapf("department %s has no validator in the set", d.Code)
	case v.ActiveFrom > ctx.Height:
		return ErrRotation.Wrapf("the validator key of %s was rotated and the new key signs from height %d; rotate again after it", d.Code, v.ActiveFrom)
	case len(m.PubKey) != ed25519.PublicKeySize:
		return ErrBadKey.Wrapf("validator key must be a %d-byte ed25519 key, got %d bytes", ed25519.PublicKeySize, len(m.PubKey))
	}
	addr := ValidatorAddress(m.PubKey)
	if holder, err := ctx.Store.Get(ValidatorKey(addr)); err != nil {
		return err
	} else if holder != nil {
		return ErrRotateToRegistered.Wrapf("validator key %s is already registered to department %s; a rotation needs a key never registered", addr, holder)
	}
	oldAddr, _ := hex.DecodeString(ValidatorAddress(v.PubKey))
	if len(m.PoP) == 0 || !ed25519.Verify(m.PubKey, ValidatorRotationBytes(ctx.ChainID, d.Code, oldAddr, m.PubKey), m.PoP) {
		return ErrBadPoP.Wrapf("validator key %s did not sign its takeover of %X of %s on chain %s (identity.ValidatorRotationBytes)", addr, oldAddr, d.Code, ctx.ChainID)
	}
	// The old address keeps its mapping: the QCs of the heights it still
	// signs are judged by states that must resolve it, and an auditor
	// replaying them needs it too. It also stops the key being reused.
	if err := ctx.Store.Set(ValidatorKey(addr), []byte(d.Code)); err != nil {
		return err
	}
	ctx.UpdateValidator(module.ValidatorUpdate{PubKeyType: v.Type, PubKey: v.PubKey, Power: 0})
	ctx.UpdateValidator(module.ValidatorUpdate{PubKeyType: v.Type, PubKey: m.PubKey, Power: v.Power})
	v.PrevPubKey, v.PubKey, v.ActiveFrom = v.PubKey, slices.Clone(m.PubKey), ctx.Height+2
	if err := PutDept(ctx.Store, d); err != nil {
		return err
	}
	ctx.SetData([]byte(addr))
	ctx.Emit("identity.validator_rotated", "dept", d.Code, "old", fmt.Sprintf("%X", oldAddr), "new", addr,
		"active_from", strconv.FormatInt(v.ActiveFrom, 10))
	return nil
}

func renewCert(ctx *module.Context, m *RenewCert) error {
	sub, caID, c, err := VerifyIdentityCert(ctx.Store, m.Cert, ctx.Time)
	if err != nil {
		return err
	}
	var a Account
	if ok, err := module.GetJSON(ctx.Store, AccountKey(sub.KeyID), &a); err != nil {
		return err
	} else if !ok {
		return ErrBadInput.Wrapf("no identity holds key %s; admit a new key with identity.admit_cert", sub.KeyID)
	}
	if sub.Dept != a.Dept {
		return ca.ErrWrongDept.Wrapf("certificate is for department %s, key %s is %s's", sub.Dept, a.KeyID, a.Dept)
	}
	if !ctx.Signer.Governance {
		if ctx.Signer.Dept != a.Dept {
			return ErrOtherDept.Wrapf("key %s belongs to %s, signer is %s", a.KeyID, a.Dept, ctx.Signer.Dept)
		}
		if ctx.Signer.KeyID != a.KeyID && !ctx.Signer.HasRole(RoleAdmin) {
			return ErrRotation.Wrapf("the certificate of %s is renewed by the key itself or an admin of %s", a.KeyID, a.Dept)
		}
	}
	serial := ca.Serial(c.SerialNumber)
	switch {
	case a.Status == StatusRevoked || a.Status == StatusRetired || a.Status == StatusRemoved:
		return ErrBadStatus.Wrapf("key %s is %s; renewal does not bring it back", a.KeyID, a.Status)
	case a.CertCA == caID && a.CertSerial == serial:
		return ErrBadStatus.Wrapf("key %s is already bound to certificate %s of CA %s", a.KeyID, serial, caID)
	}
	if a.CertCA != "" {
		// a CRL of the old certificate must no longer reach this identity
		if err := ctx.Store.Delete(CertIndexKey(a.CertCA, a.CertSerial)); err != nil {
			return err
		}
	}
	a.Cert, a.CertCA, a.CertSerial = m.Cert, caID, serial
	a.NotBefore, a.NotAfter = c.NotBefore.Unix(), c.NotAfter.Unix()
	if err := PutAccount(ctx.Store, &a); err != nil {
		return err
	}
	if err := ctx.Store.Set(CertIndexKey(caID, serial), []byte(a.KeyID.String())); err != nil {
		return err
	}
	ctx.SetData([]byte(a.KeyID.String()))
	ctx.Emit("identity.cert_renewed", "key_id", a.KeyID.String(), "dept", a.Dept, "ca", caID, "serial", serial)
	return nil
}

func retireCA(ctx *module.Context, m *RetireCA) error {
	var rec CA
	if ok, err := module.GetJSON(ctx.Store, CAKey(m.CA), &rec); err != nil {
		return err
	} else if !ok {
		return ca.ErrUntrusted.Wrapf("CA %s is not registered", m.CA)
	}
	switch {
	case rec.Kind == "root":
		return ErrRotation.Wrapf("CA %s is a genesis root; a root changes only by a new genesis", m.CA)
	case !ctx.Signer.Governance && rec.Dept != ctx.Signer.Dept:
		return ErrOtherDept.Wrapf("CA %s is %s's, signer is %s", m.CA, rec.Dept, ctx.Signer.Dept)
	case rec.Retired > 0:
		return ErrBadStatus.Wrapf("CA %s was retired at height %d", m.CA, rec.Retired)
	}
	var bound []string
	err := state.IteratePrefix(ctx.Store, []byte("id/acct/"), true, func(_, v []byte) (bool, error) {
		var a Account
		if _, err := module.GetJSONBytes(v, &a); err != nil {
			return false, err
		}
		if a.CertCA == m.CA && (a.Status == StatusActive || a.Status == StatusSuspended) {
			bound = append(bound, a.KeyID.String())
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if len(bound) > 0 {
		return ErrCAInUse.Wrapf("%d identities are still bound to certificates of CA %s (first %s); renew them under another CA (identity.renew_cert) first", len(bound), m.CA, bound[0])
	}
	rec.Retired = ctx.Height
	ctx.Emit("identity.ca_retired", "ca", m.CA, "dept", rec.Dept)
	return ctx.Store.Set(CAKey(m.CA), module.MustJSON(rec))
}
