// Package identity is the on-chain registry of departments, their signing
// identities (SM2 keys, optionally bound to CA certificates) and their roles.
// Every transaction signer resolves here to (department, roles).
package identity

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
)

// The registry's records, message bodies, state keys and proof of
// possession are defined in idtypes, which a client can import without
// the state store; the names below keep the chain's code unchanged.
const (
	RoleAdmin    = idtypes.RoleAdmin
	RoleOperator = idtypes.RoleOperator

	StatusActive    = idtypes.StatusActive
	StatusSuspended = idtypes.StatusSuspended
	StatusRevoked   = idtypes.StatusRevoked
	StatusRemoved   = idtypes.StatusRemoved

	MsgRegisterAccount  = idtypes.MsgRegisterAccount
	MsgSetAccountStatus = idtypes.MsgSetAccountStatus
	MsgRegisterCA       = idtypes.MsgRegisterCA
	MsgAdmitCert        = idtypes.MsgAdmitCert
	MsgRevokeCerts      = idtypes.MsgRevokeCerts

	PoPDomain = idtypes.PoPDomain

	EvidenceDuplicateVote     = idtypes.EvidenceDuplicateVote
	EvidenceLightClientAttack = idtypes.EvidenceLightClientAttack
)

type (
	Department       = idtypes.Department
	Validator        = idtypes.Validator
	Account          = idtypes.Account
	RegisterAccount  = idtypes.RegisterAccount
	SetAccountStatus = idtypes.SetAccountStatus
	RegisterCA       = idtypes.RegisterCA
	AdmitCert        = idtypes.AdmitCert
	RevokeCerts      = idtypes.RevokeCerts
	Evidence         = idtypes.Evidence
)

func DeptKey(code string) []byte           { return idtypes.DeptKey(code) }
func AccountKey(id smcrypto.KeyID) []byte  { return idtypes.AccountKey(id) }
func SequenceKey(id smcrypto.KeyID) []byte { return idtypes.SequenceKey(id) }
func ValidatorKey(addressHex string) []byte {
	return idtypes.ValidatorKey(addressHex)
}
func EvidencePrefix(addrHex string) []byte { return idtypes.EvidencePrefix(addrHex) }
func EvidenceKey(addrHex string, committed int64, index int) []byte {
	return idtypes.EvidenceKey(addrHex, committed, index)
}

// ValidDeptCode reports whether s is usable as a department code.
func ValidDeptCode(s string) bool { return idtypes.ValidDeptCode(s) }

// PoPBytes is what a new key signs to consent to its registration by dept
// on chainID (idtypes.PoPBytes).
func PoPBytes(chainID, dept string, publicKey []byte) []byte {
	return idtypes.PoPBytes(chainID, dept, publicKey)
}

// ProofOfPossession is k's signature over PoPBytes for its own public key.
func ProofOfPossession(k *smcrypto.PrivateKey, chainID, dept string) ([]byte, error) {
	return idtypes.ProofOfPossession(k, chainID, dept)
}

// NewRegisterAccount builds the registration of k by department dept on
// chain chainID, with k's proof of possession (idtypes.NewRegisterAccount).
func NewRegisterAccount(chainID, dept string, k *smcrypto.PrivateKey, name string, roles []string) (RegisterAccount, error) {
	return idtypes.NewRegisterAccount(chainID, dept, k, name, roles)
}

// NewAdmitCert builds the admission of cert (whose key is k) by department
// dept on chain chainID, with k's proof of possession.
func NewAdmitCert(chainID, dept string, k *smcrypto.PrivateKey, cert []byte, roles []string) (AdmitCert, error) {
	return idtypes.NewAdmitCert(chainID, dept, k, cert, roles)
}

var (
	ErrDeptUnknown   = errs.Register("identity", 101, "unknown department")
	ErrDeptInactive  = errs.Register("identity", 102, "department not active")
	ErrKeyExists     = errs.Register("identity", 103, "key already registered")
	ErrBadKey        = errs.Register("identity", 104, "invalid public key")
	ErrForbiddenRole = errs.Register("identity", 105, "role needs governance")
	ErrOtherDept     = errs.Register("identity", 106, "identity belongs to another department")
	ErrBadStatus     = errs.Register("identity", 107, "invalid status change")
	ErrBadInput      = errs.Register("identity", 108, "invalid input")
	// ErrUnreadable: a department or officer name (or a reason) with an
	// invisible or reordering character, or not NFC (chain/readable).
	ErrUnreadable = errs.Register("identity", 120, "name not plainly readable")
	// ErrBadPoP: a registration's proof of possession is missing or was not
	// made by the new key for this chain and the registering department.
	ErrBadPoP = errs.Register("identity", 110, "invalid proof of possession")
	// ErrLastAdmin: the change would leave a department without an active
	// admin key, so nobody could manage its officers or vote for it again
	// short of governance.
	ErrLastAdmin = errs.Register("identity", 111, "last active admin of the department")
)

func GetDept(kv state.KV, code string) (*Department, error) {
	var d Department
	ok, err := module.GetJSON(kv, DeptKey(code), &d)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrDeptUnknown.Wrapf("%q", code)
	}
	return &d, nil
}

func PutDept(kv state.KV, d *Department) error { return kv.Set(DeptKey(d.Code), module.MustJSON(d)) }

func GetAccount(kv state.KV, id smcrypto.KeyID) (*Account, error) {
	var a Account
	ok, err := module.GetJSON(kv, AccountKey(id), &a)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, tx.ErrUnknownSigner.Wrapf("no identity with key id %s", id)
	}
	return &a, nil
}

func PutAccount(kv state.KV, a *Account) error {
	slices.Sort(a.Roles)
	a.Roles = slices.Compact(a.Roles)
	return kv.Set(AccountKey(a.KeyID), module.MustJSON(a))
}

// Sequence returns the last sequence used by id (0 if none).
func Sequence(kv state.KV, id smcrypto.KeyID) (uint64, error) {
	b, err := kv.Get(SequenceKey(id))
	if err != nil || b == nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, errs.Internal.Wrapf("corrupt sequence for %s", id)
	}
	return binary.BigEndian.Uint64(b), nil
}

func SetSequence(kv state.KV, id smcrypto.KeyID, seq uint64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	return kv.Set(SequenceKey(id), b[:])
}

// Authenticate resolves a signer at block time t: the account must exist
// and be active, its certificate (if any) valid at t, and its department
// active. It returns the parsed public key for verification.
func Authenticate(kv state.KV, id smcrypto.KeyID, t time.Time) (*Account, *smcrypto.PublicKey, *module.Signer, error) {
	a, err := GetAccount(kv, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if a.Status != StatusActive {
		return nil, nil, nil, tx.ErrSignerInactive.Wrapf("key %s is %s since height %d (%s)", id, a.Status, a.StatusHeight, a.StatusReason)
	}
	if err := checkCertWindow(a, t); err != nil {
		return nil, nil, nil, err
	}
	d, err := GetDept(kv, a.Dept)
	if err != nil {
		return nil, nil, nil, err
	}
	if d.Status != StatusActive {
		return nil, nil, nil, ErrDeptInactive.Wrapf("department %s is %s", d.Code, d.Status)
	}
	pk, err := smcrypto.ParsePublicKey(a.PublicKey)
	if err != nil {
		return nil, nil, nil, errs.Internal.Wrapf("stored key %s: %v", id, err)
	}
	return a, pk, &module.Signer{KeyID: a.KeyID, Dept: a.Dept, Roles: a.Roles}, nil
}

// Module is the identity contract.
type Module struct{}

func (Module) Name() string { return "identity" }

func (Module) Routes() []module.Route {
	return append(append(certRoutes(), rotationRoutes()...), []module.Route{
		{Type: MsgRegisterAccount, AnyRole: []string{RoleAdmin}, Handle: module.Handler(registerAccount),
			Summary: "Register an officer's SM2 key for the signer's department (role operator only), with the key's proof of possession."},
		{Type: MsgSetAccountStatus, AnyRole: []string{RoleAdmin}, Handle: module.Handler(setAccountStatus),
			Summary: "Suspend, reactivate or revoke an identity of the signer's department."},
	}...)
}

func registerAccount(ctx *module.Context, m *RegisterAccount) error {
	pk, err := smcrypto.ParsePublicKey(m.PublicKey)
	if err != nil {
		return ErrBadKey.Wrapf("%v", err)
	}
	if len(m.Name) > 128 {
		return ErrBadInput.Wrapf("name longer than 128 bytes")
	}
	if err := readable.Name(m.Name); err != nil {
		return ErrUnreadable.Wrapf("name %s", err)
	}
	for _, r := range m.Roles {
		if r != RoleOperator {
			return ErrForbiddenRole.Wrapf("role %q can only be granted by a governance proposal", r)
		}
	}
	id := pk.ID()
	var held Account
	if ok, err := module.GetJSON(ctx.Store, AccountKey(id), &held); err != nil {
		return err
	} else if ok {
		return ErrKeyExists.Wrapf("key id %s is held by department %s (%s)", id, held.Dept, held.Status)
	}
	if err := checkPoP(ctx, pk, m.PoP); err != nil {
		return err
	}
	a := &Account{KeyID: id, PublicKey: pk.Bytes(), Dept: ctx.Signer.Dept, Name: m.Name,
		Roles: append([]string{}, m.Roles...), Status: StatusActive, Created: ctx.Height}
	if err := PutAccount(ctx.Store, a); err != nil {
		return err
	}
	ctx.SetData([]byte(id.String()))
	ctx.Emit("identity.registered", "key_id", id.String(), "dept", a.Dept)
	return nil
}

// checkPoP verifies pk's proof of possession for the signer's department
// on this chain: the key itself agrees to belong to that department, so a
// published key cannot be squatted and a proof made for another department
// or chain does not carry over.
func checkPoP(ctx *module.Context, pk *smcrypto.PublicKey, pop []byte) error {
	if len(pop) == 0 {
		return ErrBadPoP.Wrapf("no proof of possession: key %s must sign its registration by %s (identity.PoPBytes)", pk.ID(), ctx.Signer.Dept)
	}
	if err := pk.Verify(PoPBytes(ctx.ChainID, ctx.Signer.Dept, pk.Bytes()), pop); err != nil {
		return ErrBadPoP.Wrapf("key %s did not sign its registration by %s on chain %s (%v)", pk.ID(), ctx.Signer.Dept, ctx.ChainID, err)
	}
	return nil
}

func setAccountStatus(ctx *module.Context, m *SetAccountStatus) error {
	a, err := GetAccount(ctx.Store, m.KeyID)
	if err != nil {
		return err
	}
	if a.Dept != ctx.Signer.Dept {
		return ErrOtherDept.Wrapf("key %s belongs to %s, signer is %s", m.KeyID, a.Dept, ctx.Signer.Dept)
	}
	switch {
	case a.Status == StatusRevoked || a.Status == StatusRetired:
		return ErrBadStatus.Wrapf("key %s was %s at height %d; that is final", m.KeyID, a.Status, a.StatusHeight)
	case m.Status != StatusActive && m.Status != StatusSuspended && m.Status != StatusRevoked:
		return ErrBadStatus.Wrapf("unknown status %q (active, suspended, revoked)", m.Status)
	case m.Status == a.Status:
		return ErrBadStatus.Wrapf("key %s is already %s", m.KeyID, a.Status)
	case len(m.Reason) > 256:
		return ErrBadInput.Wrapf("reason longer than 256 bytes")
	}
	if err := readable.Text(m.Reason); err != nil {
		return ErrUnreadable.Wrapf("reason %s", err)
	}
	if a.Status == StatusActive && !ctx.Signer.Governance && slices.Contains(a.Roles, RoleAdmin) {
		// A department with no usable admin key cannot register, suspend or
		// reactivate anyone, nor vote; only governance (revoke_role, or an
		// executed set_account_status) may take a department that far.
		other, err := otherActiveAdmin(ctx, a)
		if err != nil {
			return err
		}
		if other == nil {
			return ErrLastAdmin.Wrapf("key %s is the last active admin of %s; register and promote another admin first, or ask governance", m.KeyID, a.Dept)
		}
	}
	a.Status, a.StatusHeight, a.StatusReason = m.Status, ctx.Height, m.Reason
	if err := PutAccount(ctx.Store, a); err != nil {
		return err
	}
	ctx.Emit("identity.status", "key_id", m.KeyID.String(), "status", m.Status)
	return nil
}

// otherActiveAdmin returns an admin key of a.Dept other than a that could
// sign now (active, certificate valid at block time), or nil. It scans the
// accounts, which is only done when an active admin key is being suspended
// or revoked: a rare, admin-only message.
func otherActiveAdmin(ctx *module.Context, a *Account) (*Account, error) {
	var found *Account
	err := state.IteratePrefix(ctx.Store, []byte("id/acct/"), true, func(_, v []byte) (bool, error) {
		var o Account
		if _, err := module.GetJSONBytes(v, &o); err != nil {
			return false, err
		}
		if o.Dept == a.Dept && o.KeyID != a.KeyID && o.Status == StatusActive &&
			slices.Contains(o.Roles, RoleAdmin) && checkCertWindow(&o, ctx.Time) == nil {
			found = &o
			return false, nil
		}
		return true, nil
	})
	return found, err
}

// Genesis is the identity section of the app genesis.
type Genesis struct {
	Departments []GenesisDept `json:"departments"`
	// RootCAs are the district's root CA certificates (DER); identities
	// admitted later by certificate must chain to one of them.
	RootCAs [][]byte `json:"root_cas,omitempty"`
}

// GenesisDept is a founding department: its administrator key and validator.
type GenesisDept struct {
	Code           string     `json:"code"`
	Name           string     `json:"name"`
	AdminPublicKey []byte     `json:"admin_public_key"` // 65-byte SM2 point, base64 in JSON
	AdminCert      []byte     `json:"admin_cert,omitempty"`
	Roles          []string   `json:"roles,omitempty"`  // extra roles beyond admin+operator
	Grants         []string   `json:"grants,omitempty"` // department grants, e.g. "issuer:BL"
	Validator      *Validator `json:"validator,omitempty"`
	// ValidatorAddress is the CometBFT address (hex) of Validator.PubKey; the
	// genesis builder fills it so state need not import CometBFT crypto.
	ValidatorAddress string `json:"validator_address,omitempty"`
}

func (Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("identity genesis: %w", err)
		}
	}
	if len(g.Departments) == 0 {
		return fmt.Errorf("identity genesis: at least one founding department is required")
	}
	for i, der := range g.RootCAs {
		c, err := ca.Parse(der)
		if err != nil {
			return fmt.Errorf("identity genesis: root CA %d: %w", i, err)
		}
		if err := ca.CheckCA(c); err != nil {
			return fmt.Errorf("identity genesis: root CA %d: %w", i, err)
		}
		if err := c.CheckSignatureFrom(c); err != nil {
			return fmt.Errorf("identity genesis: root CA %d is not self-signed: %w", i, err)
		}
		id := ca.KeyIDOf(c)
		if err := ctx.Store.Set(CAKey(id), module.MustJSON(CA{KeyID: id, Cert: der, Kind: "root"})); err != nil {
			return err
		}
	}
	for _, gd := range g.Departments {
		if !ValidDeptCode(gd.Code) {
			return fmt.Errorf("identity genesis: bad department code %q", gd.Code)
		}
		if ok, _ := ctx.Store.Has(DeptKey(gd.Code)); ok {
			return fmt.Errorf("identity genesis: department %s listed twice", gd.Code)
		}
		if err := readable.Name(gd.Name); err != nil {
			return fmt.Errorf("identity genesis: department %s: name %w", gd.Code, err)
		}
		pk, err := smcrypto.ParsePublicKey(gd.AdminPublicKey)
		if err != nil {
			return fmt.Errorf("identity genesis: department %s admin key: %w", gd.Code, err)
		}
		d := &Department{Code: gd.Code, Name: gd.Name, Status: StatusActive, Validator: gd.Validator}
		if err := PutDept(ctx.Store, d); err != nil {
			return err
		}
		if gd.Validator != nil {
			if _, err := hex.DecodeString(gd.ValidatorAddress); err != nil || gd.ValidatorAddress == "" {
				return fmt.Errorf("identity genesis: department %s: validator_address must be hex", gd.Code)
			}
			if err := ctx.Store.Set(ValidatorKey(gd.ValidatorAddress), []byte(gd.Code)); err != nil {
				return err
			}
		}
		a := &Account{KeyID: pk.ID(), PublicKey: pk.Bytes(), Dept: gd.Code, Name: gd.Name + " admin",
			Roles: append([]string{RoleAdmin, RoleOperator}, gd.Roles...), Status: StatusActive, Cert: gd.AdminCert}
		if ok, _ := ctx.Store.Has(AccountKey(a.KeyID)); ok {
			return fmt.Errorf("identity genesis: admin key of %s reused", gd.Code)
		}
		if len(gd.AdminCert) > 0 {
			sub, caID, c, err := VerifyIdentityCert(ctx.Store, gd.AdminCert, ctx.Time)
			if err != nil {
				return fmt.Errorf("identity genesis: department %s admin certificate: %w", gd.Code, err)
			}
			if sub.KeyID != a.KeyID || sub.Dept != gd.Code {
				return fmt.Errorf("identity genesis: department %s admin certificate is for %s key %s", gd.Code, sub.Dept, sub.KeyID)
			}
			a.CertCA, a.CertSerial = caID, ca.Serial(c.SerialNumber)
			a.NotBefore, a.NotAfter = c.NotBefore.Unix(), c.NotAfter.Unix()
			if err := ctx.Store.Set(CertIndexKey(caID, a.CertSerial), []byte(a.KeyID.String())); err != nil {
				return err
			}
		}
		if err := PutAccount(ctx.Store, a); err != nil {
			return err
		}
		for _, g := range gd.Grants {
			if !ValidGrant(g) {
				return fmt.Errorf("identity genesis: department %s: bad grant %q (want kind:object)", gd.Code, g)
			}
			if err := SetGrant(ctx.Store, Grant{Dept: gd.Code, Grant: g, By: "genesis"}); err != nil {
				return err
			}
		}
	}
	return nil
}
