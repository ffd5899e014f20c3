package idtypes

import (
	"encoding/binary"

	"github.com/govchain/govchain/chain/smcrypto"
)

// StatusRetired is a key replaced by a rotation once its overlap window
// has passed: like a revocation it is final, but it says the key was
// retired in order, not compromised.
const StatusRetired = "retired"

// Rotation and renewal messages (docs/operator.md, "Key rotation").
const (
	MsgRotateKey       = "identity.rotate_key"
	MsgRotateValidator = "identity.rotate_validator"
	MsgRenewCert       = "identity.renew_cert"
	MsgRetireCA        = "identity.retire_ca"
)

// MaxOverlapBlocks bounds a rotation's overlap window (about a week at one
// block a second): an old key must not linger for ever beside its successor.
const MaxOverlapBlocks = 1_000_000

// RotateKey replaces the identity KeyID by a new SM2 key of the same
// department with the same name, roles and grants. Both keys are active for
// OverlapBlocks blocks; at the end of block (rotation height +
// OverlapBlocks) the old key is retired. An admin key is rotated by itself
// (or by governance); an officer's key by itself or by an admin of its
// department.
//
// PoP is the new key's signature over RotationBytes: it consents to take
// over exactly this key of exactly this department on this chain. Cert, if
// given, is a certificate for the new key issued by a registered CA of the
// department (an identity that was certificate-bound usually stays so).
type RotateKey struct {
	KeyID         smcrypto.KeyID `json:"key_id"`
	PublicKey     []byte         `json:"public_key"`
	OverlapBlocks int64          `json:"overlap_blocks"`
	Cert          []byte         `json:"cert,omitempty"`
	PoP           []byte         `json:"pop,omitempty"`
}

// RotateValidator replaces the signer's department's CometBFT consensus key
// (ed25519) by PubKey at the same power: one block's ValidatorUpdates
// remove the old key and add the new one, effective two blocks later.
// PoP is the new key's ed25519 signature over ValidatorRotationBytes.
type RotateValidator struct {
	PubKey []byte `json:"pub_key"`
	PoP    []byte `json:"pop,omitempty"`
}

// RenewCert binds an identity that stays the same key to a new certificate
// (a renewal, or a re-issue by the department's new intermediate CA). The
// certificate names the key, so no proof of possession is needed: the key
// is already the department's.
type RenewCert struct {
	Cert []byte `json:"cert"`
}

// RetireCA stops trusting a department's intermediate CA for admissions
// and renewals. It is refused while an active identity is still bound to a
// certificate of that CA (renew them first), so retiring never locks
// anyone out. A retired CA's CRLs are still applied.
type RetireCA struct {
	CA string `json:"ca"`
}

// RotateDomain and ValidatorDomain separate rotation proofs from every
// other signature the keys make.
const (
	RotateDomain    = "govchain/rotate/v1\x00"
	ValidatorDomain = "govchain/valkey/v1\x00"
)

func framed(domain string, fields ...[]byte) []byte {
	b := []byte(domain)
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// RotationBytes is the 32-byte digest the new key signs (SM2, default user
// id, like a transaction) to take over oldKey of dept on chainID:
//
//	SM3(RotateDomain || uvarint(len chain_id) || chain_id || uvarint(len dept) || dept
//	    || uvarint(20) || old key id || uvarint(65) || new public key)
func RotationBytes(chainID, dept string, oldKey smcrypto.KeyID, newKey []byte) []byte {
	d := smcrypto.SM3(framed(RotateDomain, []byte(chainID), []byte(dept), oldKey[:], newKey))
	return d[:]
}

// NewRotateKey builds the rotation of oldKey (of dept) to k, with k's proof.
func NewRotateKey(chainID, dept string, oldKey smcrypto.KeyID, k *smcrypto.PrivateKey, overlap int64, cert []byte) (RotateKey, error) {
	pub := k.PublicKey().Bytes()
	pop, err := k.Sign(RotationBytes(chainID, dept, oldKey, pub))
	if err != nil {
		return RotateKey{}, err
	}
	return RotateKey{KeyID: oldKey, PublicKey: pub, OverlapBlocks: overlap, Cert: cert, PoP: pop}, nil
}

// ValidatorRotationBytes is the message the new ed25519 consensus key signs
// (ed25519 signs the message itself) to replace the validator oldAddress
// (20-byte CometBFT address) of dept on chainID:
//
//	ValidatorDomain || uvarint(len chain_id) || chain_id || uvarint(len dept) || dept
//	|| uvarint(20) || old address || uvarint(32) || new public key
func ValidatorRotationBytes(chainID, dept string, oldAddress, newKey []byte) []byte {
	return framed(ValidatorDomain, []byte(chainID), []byte(dept), oldAddress, newKey)
}

// Expiry warning kinds.
const (
	ExpiryCert  = "cert"  // an identity's certificate
	ExpiryCA    = "ca"    // a root or intermediate CA certificate
	ExpiryKey   = "key"   // a key retiring after a rotation
	ExpiryAdmin = "admin" // every admin key of a department lapses: it would be locked out
)

// ExpiryWarning is one thing that expires within the horizon asked for (or
// already has), judged at the last block's time (GET /v1/expiry).
type ExpiryWarning struct {
	Kind         string `json:"kind"`
	Dept         string `json:"dept,omitempty"`
	ID           string `json:"id"` // key id, or the CA's key id, or the department code
	Name         string `json:"name,omitempty"`
	NotAfter     int64  `json:"not_after,omitempty"` // unix seconds
	RetireHeight int64  `json:"retire_height,omitempty"`
	Expired      bool   `json:"expired"`
	Message      string `json:"message"`
}

// ExpiryReport is the answer of GET /v1/expiry.
type ExpiryReport struct {
	Height         int64           `json:"height"`
	BlockTime      string          `json:"block_time"`
	HorizonSeconds int64           `json:"horizon_seconds"`
	Warnings       []ExpiryWarning `json:"warnings"`
}
