package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/recognition"
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
	Status string              `json:"status"`
	Found  bool                `json:"found"`
	Key    string              `json:"key"`
	Record *recognition.Record `json:"record,omitempty"`
	Proof  *proof.Proof        `json:"proof,omitempty"`
}

func (a *API) getRecognition(w http.ResponseWriter, r *http.Request) {
	hash := strings.ToLower(r.PathValue("hash"))
	if !certificate.ValidHash(hash) {
		writeErr(w, http.StatusBadRequest, "api", 400, "hash must be the SM3 digest of the certificate file, 64 hex characters")
		return
	}
	q := r.URL.Query()
	height, ok := parseHeightParam(w, q.Get("height"))
	if !ok {
		return
	}
	res, err := a.recognitionAt(hash, height, q.Get("prove") == "true" || q.Get("prove") == "1")
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, state.ErrVersionUnavailable) {
			status = http.StatusNotFound
		}
		writeErr(w, status, "query", uint32(status), err.Error())
		return
	}
	writeJSON200(w, res)
}

func (a *API) recognitionAt(hash string, height int64, prove bool) (*RecognitionResult, error) {
	view, err := a.App.Store().At(height)
	if err != nil {
		return nil, err
	}
	rec, err := proveIn(view, recognition.RecordKey(hash), prove)
	if err != nil {
		return nil, err
	}
	out := &RecognitionResult{Hash: hash, Height: rec.Height, AppHash: rec.AppHash, Key: rec.Key, Proof: rec.Proof, Found: rec.Found, Status: "not_found"}
	out.BlockTime = a.blockTime(view)
	if rec.Found {
		out.Record = &recognition.Record{}
		if err := json.Unmarshal(rec.Value, out.Record); err != nil {
			return nil, fmt.Errorf("decode %s: %w", rec.Key, err)
		}
		t, _ := time.Parse(time.RFC3339Nano, out.BlockTime)
		out.Status = out.Record.EffectiveStatus(t)
	}
	return out, nil
}

// Verify checks an answer of GET /v1/recognition/{hash}?prove=true on the
// client side: the proof of the record (or of its absence) at its key
// against AppHash; the record is decoded from the proven bytes. AppHash is
// the node's word for the state root at Height (it is in block header
// Height+1): compare it across nodes or with a header you trust.
func (r *RecognitionResult) Verify() (*recognition.Record, string, error) {
	if r.Proof == nil {
		return nil, "", fmt.Errorf("the node returned no proof (ask with prove=true)")
	}
	if want := string(recognition.RecordKey(r.Hash)); string(r.Proof.Key) != want {
		return nil, "", fmt.Errorf("proof is for key %q, not %q", r.Proof.Key, want)
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		return nil, "", fmt.Errorf("PROOF INVALID for %s: %w", r.Proof.Key, err)
	}
	if r.Proof.Value == nil {
		return nil, "not_found", nil
	}
	var rec recognition.Record
	if err := json.Unmarshal(r.Proof.Value, &rec); err != nil {
		return nil, "", err
	}
	if rec.Hash != r.Hash {
		return nil, "", fmt.Errorf("proven record is for %s, not %s", rec.Hash, r.Hash)
	}
	t, _ := time.Parse(time.RFC3339Nano, r.BlockTime)
	return &rec, rec.EffectiveStatus(t), nil
}

// certStatusOfRecognition names a recognition's status in the certificate
// API's vocabulary.
func certStatusOfRecognition(s string) string {
	if s == recognition.StatusRevoked {
		return "recognition_revoked"
	}
	return s // recognised, expired
}

// addRecognition adds the recognition record of out.Hash (or the proof of
// its absence) at out.Height to a certificate answer with no local record.
func (a *API) addRecognition(out *CertificateResult, prove bool) error {
	rr, err := a.recognitionAt(out.Hash, out.Height, prove)
	if err != nil {
		return err
	}
	out.RecognitionKey, out.RecognitionProof = rr.Key, rr.Proof
	if rr.Found {
		out.Recognition = rr.Record
		out.Status = certStatusOfRecognition(rr.Status)
		out.Note = fmt.Sprintf("not issued here: %s", rr.Record.Describe())
	}
	return nil
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
