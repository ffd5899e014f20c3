package rectypes

// The answer of the node's recognition route (GET /v1/recognition/{hash})
// and its client-side proof check; node/client names it by alias.

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/govchain/govchain/chain/proof"
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
	Status string       `json:"status"`
	Found  bool         `json:"found"`
	Key    string       `json:"key"`
	Record *Record      `json:"record,omitempty"`
	Proof  *proof.Proof `json:"proof,omitempty"`
}

// Verify checks an answer of GET /v1/recognition/{hash}?prove=true on the
// client side: the proof of the record (or of its absence) at its key
// against AppHash; the record is decoded from the proven bytes. AppHash is
// the node's word for the state root at Height (it is in block header
// Height+1): compare it across nodes or with a header you trust.
func (r *RecognitionResult) Verify() (*Record, string, error) {
	if r.Proof == nil {
		return nil, "", fmt.Errorf("the node returned no proof (ask with prove=true)")
	}
	if want := string(RecordKey(r.Hash)); string(r.Proof.Key) != want {
		return nil, "", fmt.Errorf("proof is for key %q, not %q", r.Proof.Key, want)
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		return nil, "", fmt.Errorf("PROOF INVALID for %s: %w", r.Proof.Key, err)
	}
	if r.Proof.Value == nil {
		return nil, "not_found", nil
	}
	var rec Record
	if err := json.Unmarshal(r.Proof.Value, &rec); err != nil {
		return nil, "", err
	}
	if rec.Hash != r.Hash {
		return nil, "", fmt.Errorf("proven record is for %s, not %s", rec.Hash, r.Hash)
	}
	t, _ := time.Parse(time.RFC3339Nano, r.BlockTime)
	return &rec, rec.EffectiveStatus(t), nil
}
