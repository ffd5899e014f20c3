package client

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// RecognitionResult is GET /v1/recognition/{hash}: the local recognition
// record of a partner's certificate at a height, with an ICS23 proof (or
// proof of absence) at its stable key recognition/rec/<hash>.
type RecognitionResult struct {
	Hash      string `json:"hash"`
	Height    int64  `json:"height"`
	AppHash   []byte `json:"app_hash,omitempty"`
	BlockTime string `json:"block_time,omitempty"`
	// Status: recognised, revoked (the partner revoked it), expired
	// (valid_until passed at BlockTime, China Standard Time) or not_found.
	Status string           `json:"status"`
	Found  bool             `json:"found"`
	Key    string           `json:"key"`
	Record *rectypes.Record `json:"record,omitempty"`
	Proof  *proof.Proof     `json:"proof,omitempty"`
}

// Verify checks an answer of GET /v1/recognition/{hash}?prove=true on the
// client side: the proof of the record (or of its absence) at its key
// against AppHash; the record is decoded from the proven bytes. AppHash is
// the node's word for the state root at Height (it is in block header
// Height+1): compare it across nodes or with a header you trust.
func (r *RecognitionResult) Verify() (*rectypes.Record, string, error) {
	if r.Proof == nil {
		return nil, "", fmt.Errorf("the node returned no proof (ask with prove=true)")
	}
	if want := string(rectypes.RecordKey(r.Hash)); string(r.Proof.Key) != want {
		return nil, "", fmt.Errorf("proof is for key %q, not %q", r.Proof.Key, want)
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		return nil, "", fmt.Errorf("PROOF INVALID for %s: %w", r.Proof.Key, err)
	}
	if r.Proof.Value == nil {
		return nil, "not_found", nil
	}
	var rec rectypes.Record
	if err := json.Unmarshal(r.Proof.Value, &rec); err != nil {
		return nil, "", err
	}
	if rec.Hash != r.Hash {
		return nil, "", fmt.Errorf("proven record is for %s, not %s", rec.Hash, r.Hash)
	}
	t, _ := time.Parse(time.RFC3339Nano, r.BlockTime)
	return &rec, rec.EffectiveStatus(t), nil
}

// CertStatusOfRecognition names a recognition's status in the certificate
// API's vocabulary.
func CertStatusOfRecognition(s string) string {
	if s == rectypes.StatusRevoked {
		return "recognition_revoked"
	}
	return s // recognised, expired
}

// verifyRecognition checks the recognition part of a certificate answer.
func (r *CertificateResult) verifyRecognition(c *CertificateCheck) error {
	if r.RecognitionProof == nil {
		return nil
	}
	rr := &RecognitionResult{Hash: r.Hash, Height: r.Height, AppHash: r.AppHash, BlockTime: r.BlockTime, Proof: r.RecognitionProof}
	rec, _, err := rr.Verify()
	if err != nil {
		return err
	}
	if rec == nil {
		c.Verified = append(c.Verified, fmt.Sprintf("not recognised from a partner province at height %d (ICS23 non-membership proof of %s OK)", r.Height, r.RecognitionProof.Key))
		return nil
	}
	c.Recognition = rec
	c.Verified = append(c.Verified, fmt.Sprintf("%s; partner evidence at partner height %d (ICS23 proof of %s OK)", rec.Describe(), rec.PartnerHeight, r.RecognitionProof.Key))
	return nil
}
