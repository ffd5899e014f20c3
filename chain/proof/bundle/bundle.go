// Package bundle verifies what a citizen is told about a certificate
// without trusting any single node: a bundle carries the certificate's
// record with its ICS23 proof (or the proof that there is none), the
// signed header whose app hash those proofs lead to, the commit and the
// validator set that signed it, and optionally the SM2 quorum certificate
// of that header with proofs of the attesting departments' keys. Verify
// checks all of it from a trust root (one header obtained from the
// district or from nodes that agree) with CometBFT's light-client rules.
//
// This package only verifies; node/verify builds bundles (with
// cmtblock, which converts CometBFT's light blocks). It imports the
// standard library, chain/proof, chain/proof/lightblock, chain/attest,
// chain/smcrypto, contracts/certificate/merkle, the modules' light record
// packages (contracts/certificate/certtypes, chain/identity/idtypes) and
// CometBFT's ed25519 only, so that it compiles to a small WebAssembly
// module for the browser verifier (a test enforces this). Every rejection is an *Error naming the
// step that failed.
package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Version is the bundle format version.
const Version = 1

// Bundle is the wire form, as compact JSON with byte fields in standard
// base64. A bundle is accepted only in its canonical encoding (what
// Encode produces, optionally reformatted with whitespace): any other
// byte change is a tampering and is rejected.
type Bundle struct {
	V       int    `json:"v"`
	ChainID string `json:"chain_id"`
	// Height is the state version read; the header at Height+1 commits
	// its root (the app hash).
	Height int64 `json:"height"`
	// Hash and Record: the certificate hash and the ICS23 proof of
	// cert/rec/<hash> — of its record, or of its absence.
	Hash   string `json:"hash,omitempty"`
	Record []byte `json:"record,omitempty"`
	// Prefix and Bucket (private lookup): a hash prefix and a chain of
	// ICS23 absence proofs that together prove every record whose hash
	// starts with it (see VerifyBucket).
	Prefix string   `json:"prefix,omitempty"`
	Bucket [][]byte `json:"bucket,omitempty"`
	// Batch: the batch record's proof and the member's inclusion path.
	Batch *Batch `json:"batch,omitempty"`
	// Depts: proofs of id/dept/<code> for the issuer and the attesting
	// departments (names, validator keys, status).
	Depts [][]byte `json:"depts,omitempty"`
	// Block is the light block at Height+1 (EncodeBlock); Via are light
	// blocks between the verifier's trust root and Block, ascending, for
	// when the validator set changed too much to skip to Block directly.
	Block []byte   `json:"block"`
	Via   [][]byte `json:"via,omitempty"`
	// SM2 is the quorum certificate of header Height+1 and the proofs of
	// the attesting keys.
	SM2 *SM2 `json:"sm2,omitempty"`
}

// Batch proves a batch record and, when Index/Path are set, a member.
type Batch struct {
	Root  string   `json:"root"`
	Proof []byte   `json:"proof"`
	Index *uint64  `json:"index,omitempty"`
	Path  []string `json:"path,omitempty"`
}

// SM2 is the SM2 quorum certificate of the bundle's header (stored by the
// chain at attest/qc/<Height+1>, exactly as stored), proofs of
// id/acct/<key id> for each attestation and the proof of block_time: the
// chain judged the attesting keys by the state the bundle proves (the
// state before the header's block) at that state's block time.
type SM2 struct {
	QC   []byte   `json:"qc"`
	Keys [][]byte `json:"keys"`
	Time []byte   `json:"time,omitempty"`
}

// Encode is the canonical encoding.
func (b *Bundle) Encode() ([]byte, error) { return json.Marshal(b) }

// Decode parses a bundle, accepting only its canonical encoding (or that
// encoding with whitespace added, and a trailing newline).
func Decode(raw []byte) (*Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fail(StepDecode, "bundle is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, fail(StepDecode, "bundle has trailing data")
	}
	canon, err := json.Marshal(&b)
	if err != nil {
		return nil, fail(StepDecode, "bundle: %v", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, fail(StepDecode, "bundle is not valid JSON: %v", err)
	}
	if !bytes.Equal(compact.Bytes(), canon) {
		return nil, fail(StepDecode, "bundle is not in canonical form (it differs from its re-encoding at byte %d): it was altered", firstDiff(compact.Bytes(), canon))
	}
	if b.V != Version {
		return nil, fail(StepDecode, "bundle version %d, this verifier reads version %d", b.V, Version)
	}
	return &b, nil
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Size reports the encoded size of each part, for measurements.
func (b *Bundle) Size() map[string]int {
	all, _ := b.Encode()
	out := map[string]int{"total": len(all), "block": len(b.Block), "record": len(b.Record)}
	for _, p := range b.Bucket {
		out["bucket"] += len(p)
	}
	for _, p := range b.Depts {
		out["depts"] += len(p)
	}
	if b.Batch != nil {
		out["batch"] = len(b.Batch.Proof) + 64*len(b.Batch.Path)
	}
	if b.SM2 != nil {
		out["sm2"] = len(b.SM2.QC)
		for _, p := range b.SM2.Keys {
			out["sm2"] += len(p)
		}
		out["sm2"] += len(b.SM2.Time)
	}
	for _, v := range b.Via {
		out["via"] += len(v)
	}
	return out
}

var _ = fmt.Sprint
