package certtypes

// The answers of the node's certificate routes (contracts/certificate/certapi
// writes them, node/client reads them) and their client-side proof checks.

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/contracts/certificate/merkle"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// CertificateResult is GET /v1/certificates/{hash}: the certificate record
// at a height (with an ICS23 proof, or a proof of its absence) and, for a
// member of a batch, the anchored batch record with its proof. A batch
// member with no status change has no record: it is valid if its inclusion
// path (kept by the holder, see `govchain cert anchor-batch`) verifies
// against the proven batch root and count.
type CertificateResult struct {
	Hash      string `json:"hash"`
	Height    int64  `json:"height"`
	AppHash   []byte `json:"app_hash,omitempty"`
	BlockTime string `json:"block_time,omitempty"`
	// Status: valid, suspended, revoked, expired (valid_until passed at
	// BlockTime, China Standard Time), batch_member (no record, batch
	// found: valid if the inclusion path verifies) or not_found.
	Status     string       `json:"status"`
	Found      bool         `json:"found"`
	Key        string       `json:"key"`
	Record     *Record      `json:"record,omitempty"`
	Proof      *proof.Proof `json:"proof,omitempty"`
	BatchKey   string       `json:"batch_key,omitempty"`
	Batch      *Batch       `json:"batch,omitempty"`
	BatchProof *proof.Proof `json:"batch_proof,omitempty"`
	Note       string       `json:"note,omitempty"`
	// When this chain holds no record of the hash: the recognition of a
	// partner province's certificate (recognition/rec/<hash>, see
	// contracts/recognition/rectypes) with its proof or proof of absence; Status is then
	// recognised, recognition_revoked or expired if one is found.
	RecognitionKey   string           `json:"recognition_key,omitempty"`
	Recognition      *rectypes.Record `json:"recognition,omitempty"`
	RecognitionProof *proof.Proof     `json:"recognition_proof,omitempty"`
}

// CertificateList is GET /v1/certificates: newest first. With ?limit= or
// ?cursor= it is one page of at most limit items and MaxPageBytes, and
// NextCursor is the ?cursor= of the next (Page is then 0); otherwise it is
// ?page= (from 1) of the contract's PageSize (50) items, as before cursors.
type CertificateList struct {
	Height     int64  `json:"height"`
	Filter     Filter `json:"filter"`
	Page       int    `json:"page"`
	PageSize   int    `json:"page_size"`
	More       bool   `json:"more"`
	Items      []Item `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// CertificateCheck is what Verify established.
type CertificateCheck struct {
	// Status: valid, suspended, revoked, expired, not_found, or
	// batch_member_unverified when the batch is proven but no member
	// inclusion path was given.
	Status   string   `json:"status"`
	Record   *Record  `json:"record,omitempty"`
	Batch    *Batch   `json:"batch,omitempty"`
	Verified []string `json:"verified"`

	// Recognition is a partner's certificate recognised on this chain.
	Recognition *rectypes.Record `json:"recognition,omitempty"`
}

// Verify checks an answer of GET /v1/certificates/{hash}?prove=true on the
// client side: the proof of the record (or of its absence) and of the batch
// record against AppHash, and, when member is given, its inclusion path
// against the proven batch root and member count. Records are decoded from
// the proven bytes, never from the answer's convenience fields. AppHash is
// the node's word for the state root at Height (it is in block header
// Height+1): compare it across nodes or with a header you trust.
func (r *CertificateResult) Verify(member *BatchMember) (*CertificateCheck, error) {
	c := &CertificateCheck{}
	if r.Proof == nil {
		return nil, fmt.Errorf("the node returned no proof (ask with prove=true)")
	}
	if want := string(RecordKey(r.Hash)); string(r.Proof.Key) != want {
		return nil, fmt.Errorf("proof is for key %q, not %q", r.Proof.Key, want)
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		return nil, fmt.Errorf("PROOF INVALID for %s: %w", r.Proof.Key, err)
	}
	if r.Proof.Value != nil {
		c.Record = &Record{}
		if err := json.Unmarshal(r.Proof.Value, c.Record); err != nil {
			return nil, err
		}
		if c.Record.Hash != r.Hash {
			return nil, fmt.Errorf("proven record is for %s, not %s", c.Record.Hash, r.Hash)
		}
		c.Verified = append(c.Verified, fmt.Sprintf("record %s present at height %d (ICS23 proof OK)", r.Proof.Key, r.Height))
	} else {
		c.Verified = append(c.Verified, fmt.Sprintf("no record %s at height %d (ICS23 non-membership proof OK)", r.Proof.Key, r.Height))
	}
	if r.BatchProof != nil {
		if err := r.BatchProof.Verify(r.AppHash); err != nil {
			return nil, fmt.Errorf("PROOF INVALID for %s: %w", r.BatchProof.Key, err)
		}
		if r.BatchProof.Value != nil {
			c.Batch = &Batch{}
			if err := json.Unmarshal(r.BatchProof.Value, c.Batch); err != nil {
				return nil, err
			}
			if want := string(BatchKey(c.Batch.Root)); string(r.BatchProof.Key) != want {
				return nil, fmt.Errorf("batch proof is for key %q, not %q", r.BatchProof.Key, want)
			}
			c.Verified = append(c.Verified, fmt.Sprintf("batch %s: %d %s certificates anchored by %s at height %d (ICS23 proof OK)",
				c.Batch.Root, c.Batch.Count, c.Batch.Type, c.Batch.Issuer, c.Batch.Height))
		}
	}
	if c.Record != nil && c.Record.BatchRoot != "" && (c.Batch == nil || c.Batch.Root != c.Record.BatchRoot) {
		return nil, fmt.Errorf("record names batch %s but its proven batch record is missing", c.Record.BatchRoot)
	}
	if member != nil {
		if c.Batch == nil {
			return nil, fmt.Errorf("the member's batch is not on chain at height %d", r.Height)
		}
		root, _ := merkle.ParseHash(c.Batch.Root)
		path, err := merkle.ParsePath(member.Path)
		if err != nil {
			return nil, fmt.Errorf("INCLUSION PATH INVALID: %w", err)
		}
		leaf, _ := hex.DecodeString(r.Hash)
		if err := merkle.VerifyPath(root, leaf, member.Index, c.Batch.Count, path); err != nil {
			return nil, fmt.Errorf("INCLUSION PATH INVALID: %w", err)
		}
		c.Verified = append(c.Verified, fmt.Sprintf("certificate is member %d of that batch (inclusion path of %d hashes OK)", member.Index, len(path)))
	}
	if err := r.verifyRecognition(c); err != nil {
		return nil, err
	}
	bt, _ := time.Parse(time.RFC3339Nano, r.BlockTime)
	switch {
	case c.Record != nil:
		c.Status = c.Record.EffectiveStatus(bt)
	case c.Recognition != nil:
		c.Status = StatusOfRecognition(c.Recognition.EffectiveStatus(bt))
	case c.Batch != nil && member != nil:
		c.Status = StatusValid
	case c.Batch != nil:
		c.Status = "batch_member_unverified"
	default:
		c.Status = "not_found"
	}
	return c, nil
}

// StatusOfRecognition names a recognition's status in the certificate
// API's vocabulary.
func StatusOfRecognition(s string) string {
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
	rr := &rectypes.RecognitionResult{Hash: r.Hash, Height: r.Height, AppHash: r.AppHash, BlockTime: r.BlockTime, Proof: r.RecognitionProof}
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
