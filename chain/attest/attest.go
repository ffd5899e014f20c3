// Package attest defines SM2 finality attestations: each validator's
// department signs, with its SM2 key, the hash of every block it
// precommits (a CometBFT vote extension). The next block carries the
// collected signatures as a quorum certificate (QC), which the chain
// verifies and stores, so a client holding the departments' SM2 keys can
// check finality under national crypto without trusting ed25519.
//
// This package only encodes and verifies; it reads no state and keeps no
// clock, so the browser verifier can use it too.
package attest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/govchain/govchain/chain/smcrypto"
)

// Domain separates attestation signatures from every other signature a
// department key makes (transactions use "govchain/tx/v1").
const Domain = "govchain/attest/v1\x00"

// Marker is the first byte of the QC pseudo-transaction the proposer puts
// first in a block; no mempool transaction can start with it (the tx
// envelope's version byte is 0x01).
const Marker = 0xA7

// SignBytes is what a department signs for block hash at height.
func SignBytes(chainID string, height int64, blockHash []byte) []byte {
	var h [8]byte
	binary.BigEndian.PutUint64(h[:], uint64(height))
	d := smcrypto.SM3([]byte(Domain), []byte(chainID), []byte{0}, h[:], blockHash)
	return d[:]
}

// Extension is a vote extension: the signing key and its signature.
type Extension struct {
	KeyID smcrypto.KeyID
	Sig   []byte
}

// Encode is key id (20 bytes) || DER signature.
func (e Extension) Encode() []byte { return append(e.KeyID[:], e.Sig...) }

// DecodeExtension parses a vote extension.
func DecodeExtension(b []byte) (Extension, error) {
	var e Extension
	if len(b) < len(e.KeyID)+8 || len(b) > len(e.KeyID)+smcrypto.MaxSignatureSize {
		return e, fmt.Errorf("attestation of %d bytes (want key id + DER signature)", len(b))
	}
	copy(e.KeyID[:], b)
	e.Sig = append([]byte(nil), b[len(e.KeyID):]...)
	return e, smcrypto.CheckCanonicalSignature(e.Sig)
}

// Attestation is one department's signature in a QC.
type Attestation struct {
	Validator string         `json:"validator"` // CometBFT address, upper-case hex
	Power     int64          `json:"power"`
	Dept      string         `json:"dept"`
	KeyID     smcrypto.KeyID `json:"key_id"`
	Sig       []byte         `json:"sig"`
}

// QC is the SM2 quorum certificate of one height.
type QC struct {
	ChainID      string        `json:"chain_id"`
	Height       int64         `json:"height"`
	BlockHash    []byte        `json:"block_hash"`
	TotalPower   int64         `json:"total_power"`
	Attestations []Attestation `json:"attestations"`
}

// SignedPower sums the attesting power.
func (q *QC) SignedPower() int64 {
	var p int64
	for _, a := range q.Attestations {
		p += a.Power
	}
	return p
}

// Quorum reports whether more than 2/3 of the total power attested.
func (q *QC) Quorum() bool { return 3*q.SignedPower() > 2*q.TotalPower }

// Depts lists the attesting departments.
func (q *QC) Depts() []string {
	var out []string
	for _, a := range q.Attestations {
		out = append(out, a.Dept)
	}
	return out
}

// EncodeTx wraps q as the block's QC pseudo-transaction.
func EncodeTx(q *QC) []byte {
	b, _ := json.Marshal(q)
	return append([]byte{Marker}, b...)
}

// IsTx reports whether raw is a QC pseudo-transaction.
func IsTx(raw []byte) bool { return len(raw) > 0 && raw[0] == Marker }

// DecodeTx parses a QC pseudo-transaction.
func DecodeTx(raw []byte) (*QC, error) {
	if !IsTx(raw) {
		return nil, fmt.Errorf("not a QC transaction")
	}
	var q QC
	dec := json.NewDecoder(bytes.NewReader(raw[1:]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return nil, fmt.Errorf("decode QC: %w", err)
	}
	return &q, nil
}

// Resolver returns the department of validator and the public key keyID
// if that key may attest for it (an active admin key of the department),
// or an error saying why not.
type Resolver func(validator string, keyID smcrypto.KeyID) (dept string, key *smcrypto.PublicKey, err error)

// Verify checks q for chainID/height/blockHash: every attestation is by a
// distinct validator of powers (upper-case hex address -> power, the whole
// set of that height) with its listed power, signed by a key the resolver
// accepts for that validator's department, and the attesting power is more
// than 2/3 of the set's total.
func Verify(q *QC, chainID string, height int64, blockHash []byte, powers map[string]int64, resolve Resolver) error {
	var total int64
	for _, p := range powers {
		total += p
	}
	switch {
	case q.ChainID != chainID:
		return fmt.Errorf("QC is for chain %q, want %q", q.ChainID, chainID)
	case q.Height != height:
		return fmt.Errorf("QC is for height %d, want %d", q.Height, height)
	case !bytes.Equal(q.BlockHash, blockHash):
		return fmt.Errorf("QC is for block %X, want %X", q.BlockHash, blockHash)
	case q.TotalPower != total:
		return fmt.Errorf("QC total power %d, validator set has %d", q.TotalPower, total)
	}
	msg := SignBytes(chainID, height, blockHash)
	seen := map[string]bool{}
	for i, a := range q.Attestations {
		v := strings.ToUpper(a.Validator)
		p, ok := powers[v]
		switch {
		case !ok:
			return fmt.Errorf("attestation %d: validator %s is not in the set", i, v)
		case seen[v]:
			return fmt.Errorf("attestation %d: validator %s attests twice", i, v)
		case a.Power != p:
			return fmt.Errorf("attestation %d: validator %s power %d, set says %d", i, v, a.Power, p)
		}
		dept, key, err := resolve(v, a.KeyID)
		if err != nil {
			return fmt.Errorf("attestation %d: %w", i, err)
		}
		if dept != a.Dept {
			return fmt.Errorf("attestation %d: validator %s belongs to %s, not %s", i, v, dept, a.Dept)
		}
		if err := key.Verify(msg, a.Sig); err != nil {
			return fmt.Errorf("attestation %d (%s): %w", i, dept, err)
		}
		seen[v] = true
	}
	if !q.Quorum() {
		return fmt.Errorf("attesting power %d of %d is not more than 2/3", q.SignedPower(), q.TotalPower)
	}
	return nil
}

// Sort orders attestations by validator address (the canonical order).
func (q *QC) Sort() {
	sort.Slice(q.Attestations, func(i, j int) bool { return q.Attestations[i].Validator < q.Attestations[j].Validator })
}

// AddressHex formats a CometBFT address like the identity registry does.
func AddressHex(addr []byte) string { return strings.ToUpper(hex.EncodeToString(addr)) }
