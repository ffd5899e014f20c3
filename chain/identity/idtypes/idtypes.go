// Package idtypes holds what a client of the identity registry needs
// without the registry itself: its records (departments, accounts), its
// message bodies and their proof of possession, and its state keys. It
// imports no state store, so the API client and the browser can use it;
// package identity re-exports every name, so the chain's code reads the
// same.
package idtypes

import (
	"encoding/binary"
	"strings"

	"github.com/govchain/govchain/chain/smcrypto"
)

const (
	RoleAdmin    = "admin"    // department administrator: manages its officers, votes in governance
	RoleOperator = "operator" // records data on behalf of its department

	StatusActive    = "active"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
	StatusRemoved   = "removed"
)

// Message types.
const (
	MsgRegisterAccount  = "identity.register_account"
	MsgSetAccountStatus = "identity.set_account_status"
	MsgRegisterCA       = "identity.register_ca"
	MsgAdmitCert        = "identity.admit_cert"
	MsgRevokeCerts      = "identity.revoke_certs"
)

// Department is a member of the network.
type Department struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Status    string     `json:"status"`
	Validator *Validator `json:"validator,omitempty"`
	Since     int64      `json:"since"` // height admitted (0 = genesis)
}

// Validator is the department's CometBFT consensus key.
type Validator struct {
	Type   string `json:"type"` // "ed25519"
	PubKey []byte `json:"pub_key"`
	Power  int64  `json:"power"`
	// After a rotation (identity.rotate_validator): the key it replaced and
	// the first height this key signs (the rotation's height + 2, when
	// CometBFT's validator update takes effect). Heights before ActiveFrom
	// are signed by PrevPubKey.
	PrevPubKey []byte `json:"prev_pub_key,omitempty"`
	ActiveFrom int64  `json:"active_from,omitempty"`
}

// Account is one SM2 signing identity.
type Account struct {
	KeyID        smcrypto.KeyID `json:"key_id"`
	PublicKey    []byte         `json:"public_key"`
	Dept         string         `json:"dept"`
	Name         string         `json:"name,omitempty"`
	Roles        []string       `json:"roles"`
	Status       string         `json:"status"`
	Cert         []byte         `json:"cert,omitempty"` // DER X.509 (SM2-with-SM3), when issued by a CA
	CertCA       string         `json:"cert_ca,omitempty"`
	CertSerial   string         `json:"cert_serial,omitempty"`
	NotBefore    int64          `json:"not_before,omitempty"` // unix seconds; 0 = no certificate
	NotAfter     int64          `json:"not_after,omitempty"`
	Created      int64          `json:"created"`
	StatusHeight int64          `json:"status_height,omitempty"`
	StatusReason string         `json:"status_reason,omitempty"`
	// Rotation (identity.rotate_key): the key this one replaced; on the
	// old key, its successor and the height at whose end it retires.
	RotatedFrom  string `json:"rotated_from,omitempty"`
	RotatedTo    string `json:"rotated_to,omitempty"`
	RetireHeight int64  `json:"retire_height,omitempty"`
}

// key joins parts with '/', as module.Key does for every module.
func key(parts ...string) []byte { return []byte(strings.Join(parts, "/")) }

func DeptKey(code string) []byte           { return key("id", "dept", code) }
func AccountKey(id smcrypto.KeyID) []byte  { return key("id", "acct", id.String()) }
func SequenceKey(id smcrypto.KeyID) []byte { return key("id", "seq", id.String()) }
func GrantKey(dept, grant string) []byte   { return key("id", "grant", dept, grant) }

// ValidatorKey maps a CometBFT validator address (hex, either case; stored
// upper-case as CometBFT prints it) to its department.
func ValidatorKey(addressHex string) []byte {
	return key("id", "val", strings.ToUpper(addressHex))
}

// ValidDeptCode reports whether s is usable as a department code: 2 to
// 32 of A-Z, 0-9, '_' and '-', not starting with '_' or '-'. (A loop, not
// a regexp: the browser verifier imports this package, and regexp would
// bring Go's Unicode tables into its download.)
func ValidDeptCode(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || i > 0 && (c == '_' || c == '-')) {
			return false
		}
	}
	return true
}

// RegisterAccount registers an officer key for the signer's own department.
// Only the operator role may be given here; any other role is granted by
// governance, so no transaction can raise its own signer's rights.
//
// PoP is the new key's proof of possession (see PoPBytes). Without it a
// department could register a key another department published (public
// keys are visible in the mempool) and every later tx signed by that key
// would count as the squatter's. Build the message with NewRegisterAccount.
type RegisterAccount struct {
	PublicKey []byte   `json:"public_key"`
	Name      string   `json:"name"`
	Roles     []string `json:"roles"`
	PoP       []byte   `json:"pop,omitempty"` // omitempty: a body without it is canonical and gets identity/110, not a parse error
}

// SetAccountStatus suspends, reactivates or revokes an identity of the
// signer's own department. Revocation is final.
type SetAccountStatus struct {
	KeyID  smcrypto.KeyID `json:"key_id"`
	Status string         `json:"status"`
	Reason string         `json:"reason"`
}

// RegisterCA registers a department's intermediate CA (chaining to a root).
type RegisterCA struct {
	Cert []byte `json:"cert"`
}

// AdmitCert admits an officer or department certificate of the signer's own
// department as a signing identity (role operator).
//
// PoP is the certified key's proof of possession, as in RegisterAccount: a
// department's own CA can certify any public key it has seen, so the
// certificate alone does not show that the key's holder agreed to join.
type AdmitCert struct {
	Cert  []byte   `json:"cert"`
	Roles []string `json:"roles"`
	PoP   []byte   `json:"pop,omitempty"`
}

// RevokeCerts submits a CRL signed by a registered CA. The CA's signature
// is the authority; any active identity may carry it to the chain, so a
// revocation takes one step (`govchain ca revoke`) and applies from the
// next block on every node.
type RevokeCerts struct {
	CRL []byte `json:"crl"`
}

// PoPDomain separates proof-of-possession signatures from every other SM2
// signature a key makes (transactions, attestations, certificates).
const PoPDomain = "govchain/pop/v1\x00"

// PoPBytes is what a new key signs to prove it consents to being registered
// by department dept on chain chainID:
//
//	SM3(PoPDomain || uvarint(len chain_id) || chain_id || uvarint(len dept) || dept
//	    || uvarint(len public_key) || public_key)
//
// with minimal uvarint lengths (as in the tx envelope) and public_key the
// 65-byte uncompressed point. The 32-byte digest is then SM2-signed with the
// default user id, exactly like a transaction's SignBytes.
func PoPBytes(chainID, dept string, publicKey []byte) []byte {
	b := make([]byte, 0, len(PoPDomain)+len(chainID)+len(dept)+len(publicKey)+8)
	b = append(b, PoPDomain...)
	for _, f := range [][]byte{[]byte(chainID), []byte(dept), publicKey} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	d := smcrypto.SM3(b)
	return d[:]
}

// ProofOfPossession is k's signature over PoPBytes for its own public key.
func ProofOfPossession(k *smcrypto.PrivateKey, chainID, dept string) ([]byte, error) {
	return k.Sign(PoPBytes(chainID, dept, k.PublicKey().Bytes()))
}

// NewRegisterAccount builds the registration of k by department dept on
// chain chainID, with k's proof of possession. Only the holder of k can
// make it, so the admin of dept gets it from the officer (or makes it from
// the officer's key file, as `govchain tx register-account` does).
func NewRegisterAccount(chainID, dept string, k *smcrypto.PrivateKey, name string, roles []string) (RegisterAccount, error) {
	pop, err := ProofOfPossession(k, chainID, dept)
	if err != nil {
		return RegisterAccount{}, err
	}
	return RegisterAccount{PublicKey: k.PublicKey().Bytes(), Name: name, Roles: append([]string{}, roles...), PoP: pop}, nil
}

// NewAdmitCert builds the admission of cert (whose key is k) by department
// dept on chain chainID, with k's proof of possession.
func NewAdmitCert(chainID, dept string, k *smcrypto.PrivateKey, cert []byte, roles []string) (AdmitCert, error) {
	pop, err := ProofOfPossession(k, chainID, dept)
	if err != nil {
		return AdmitCert{}, err
	}
	return AdmitCert{Cert: cert, Roles: append([]string{}, roles...), PoP: pop}, nil
}
