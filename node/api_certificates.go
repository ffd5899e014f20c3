package node

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/merkle"
	"github.com/govchain/govchain/contracts/recognition"
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
	Status     string              `json:"status"`
	Found      bool                `json:"found"`
	Key        string              `json:"key"`
	Record     *certificate.Record `json:"record,omitempty"`
	Proof      *proof.Proof        `json:"proof,omitempty"`
	BatchKey   string              `json:"batch_key,omitempty"`
	Batch      *certificate.Batch  `json:"batch,omitempty"`
	BatchProof *proof.Proof        `json:"batch_proof,omitempty"`
	Note       string              `json:"note,omitempty"`
	// When this chain holds no record of the hash: the recognition of a
	// partner province's certificate (recognition/rec/<hash>, see
	// api_recognition.go) with its proof or proof of absence; Status is then
	// recognised, recognition_revoked or expired if one is found.
	RecognitionKey   string              `json:"recognition_key,omitempty"`
	Recognition      *recognition.Record `json:"recognition,omitempty"`
	RecognitionProof *proof.Proof        `json:"recognition_proof,omitempty"`
}

func parseHeightParam(w http.ResponseWriter, s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	h, err := strconv.ParseInt(s, 10, 64)
	if err != nil || h < 0 {
		writeErr(w, http.StatusBadRequest, "api", 400, "height must be a non-negative integer")
		return 0, false
	}
	return h, true
}

func (a *API) getCertificate(w http.ResponseWriter, r *http.Request) {
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
	prove := q.Get("prove") == "true" || q.Get("prove") == "1"
	batchRoot := strings.ToLower(q.Get("batch"))
	if batchRoot != "" && !certificate.ValidHash(batchRoot) {
		writeErr(w, http.StatusBadRequest, "api", 400, "batch must be a batch root, 64 hex characters")
		return
	}
	res, err := a.certificateAt(hash, batchRoot, height, prove)
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

// certificateAnswer is a CertificateResult as the node writes it: the
// record is the stored JSON passed through (the contract's encoding of a
// certificate.Record, the bytes the proof's value holds), not decoded and
// encoded again. Clients decode it into CertificateResult.Record.
type certificateAnswer struct {
	*CertificateResult
	Record json.RawMessage `json:"record,omitempty"`
}

// recordHead is what the node reads of a stored record to answer: the
// fields its status and batch depend on (tags as in certificate.Record;
// TestCertificateAPIExpired and TestCertificateAPIWithProofs fail if
// they drift).
type recordHead struct {
	Status     string `json:"status"`
	ValidUntil string `json:"valid_until"`
	BatchRoot  string `json:"batch_root"`
}

// certificateAt reads everything at one version, so the record, the batch
// and the block time agree.
func (a *API) certificateAt(hash, batchRoot string, height int64, prove bool) (*certificateAnswer, error) {
	view, err := a.App.Store().At(height)
	if err != nil {
		return nil, err
	}
	rec, err := proveIn(view, certificate.RecordKey(hash), prove)
	if err != nil {
		return nil, err
	}
	out := &CertificateResult{Hash: hash, Height: rec.Height, AppHash: rec.AppHash, Key: rec.Key, Proof: rec.Proof, Found: rec.Found}
	ans := &certificateAnswer{CertificateResult: out}
	var t time.Time
	out.BlockTime, t = a.blockTimeParsed(view)
	if rec.Found {
		var head recordHead
		if err := json.Unmarshal(rec.Value, &head); err != nil {
			return nil, fmt.Errorf("decode %s: %w", rec.Key, err)
		}
		if head.BatchRoot != "" {
			batchRoot = head.BatchRoot
		}
		out.Status = certificate.StatusAt(head.Status, head.ValidUntil, t)
		ans.Record = rec.Value
	}
	if batchRoot != "" {
		b, err := proveIn(view, certificate.BatchKey(batchRoot), prove)
		if err != nil {
			return nil, err
		}
		out.BatchKey, out.BatchProof = b.Key, b.Proof
		if b.Found {
			out.Batch = &certificate.Batch{}
			if err := json.Unmarshal(b.Value, out.Batch); err != nil {
				return nil, fmt.Errorf("decode %s: %w", b.Key, err)
			}
		}
	}
	switch {
	case ans.Record != nil:
	case out.Batch != nil:
		out.Status = "batch_member"
		out.Note = fmt.Sprintf("no status change recorded for %s; it is valid if its inclusion path verifies as a member of batch %s (%d members, anchored by %s at height %d)",
			hash, out.Batch.Root, out.Batch.Count, out.Batch.Issuer, out.Batch.Height)
	case batchRoot != "":
		out.Status = "not_found"
		out.Note = fmt.Sprintf("neither a record of %s nor a batch with root %s at height %d", hash, batchRoot, out.Height)
	default:
		out.Status = "not_found"
		out.Note = fmt.Sprintf("no record of %s at height %d; a member of a batch is found with ?batch=<root>", hash, out.Height)
		if err := a.addRecognition(out, prove); err != nil {
			return nil, err
		}
	}
	return ans, nil
}

// CertificateList is GET /v1/certificates: newest first. With ?limit= or
// ?cursor= it is one page of at most limit items and MaxPageBytes, and
// NextCursor is the ?cursor= of the next (Page is then 0); otherwise it is
// ?page= (from 1) of certificate.PageSize items, as before cursors.
type CertificateList struct {
	Height     int64              `json:"height"`
	Filter     certificate.Filter `json:"filter"`
	Page       int                `json:"page"`
	PageSize   int                `json:"page_size"`
	More       bool               `json:"more"`
	Items      []certificate.Item `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// cursorMode: the client pages by cursor (any of ?cursor=, ?limit=) rather
// than by page number.
func cursorMode(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("cursor") || q.Has("limit")
}

// fitPage is how many of items (at least one) fit MaxPageBytes as JSON.
func fitPage[T any](items []T) int {
	size := 0
	for i, it := range items {
		b, _ := json.Marshal(it)
		if i > 0 && size+len(b) > MaxPageBytes {
			return i
		}
		size += len(b)
	}
	return len(items)
}

func (a *API) listCertificates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := certificate.Filter{Issuer: q.Get("issuer"), Type: q.Get("type"), Holder: q.Get("holder")}
	page, ok := pageParam(w, r)
	if !ok {
		return
	}
	view, err := a.App.Store().At(0)
	if err != nil {
		writeErr(w, http.StatusServiceUnavailable, "api", 503, err.Error())
		return
	}
	var items []certificate.Item
	var more bool
	size := certificate.PageSize
	if cursorMode(r) {
		p, ok := pageParams(w, r)
		if !ok {
			return
		}
		page, size = 0, p.Limit
		if items, more, err = certificate.ListAfter(view, f, p.Cursor, p.Limit); err == nil {
			if n := fitPage(items); n < len(items) {
				items, more = items[:n], true
			}
		}
	} else {
		items, more, err = certificate.List(view, f, page)
	}
	if err != nil {
		e := errs.From(err)
		status := http.StatusInternalServerError
		if e.Codespace == certificate.Name {
			status = http.StatusBadRequest
		}
		writeErr(w, status, e.Codespace, e.Code, e.Error())
		return
	}
	if items == nil {
		items = []certificate.Item{}
	}
	out := CertificateList{Height: view.Version(), Filter: f, Page: page, PageSize: size, More: more, Items: items}
	if more && len(items) > 0 {
		out.NextCursor = items[len(items)-1].Cursor()
	}
	writeJSON200(w, out)
}

// CertificateCheck is what Verify established.
type CertificateCheck struct {
	// Status: valid, suspended, revoked, expired, not_found, or
	// batch_member_unverified when the batch is proven but no member
	// inclusion path was given.
	Status   string              `json:"status"`
	Record   *certificate.Record `json:"record,omitempty"`
	Batch    *certificate.Batch  `json:"batch,omitempty"`
	Verified []string            `json:"verified"`

	// Recognition is a partner's certificate recognised on this chain.
	Recognition *recognition.Record `json:"recognition,omitempty"`
}

// Verify checks an answer of GET /v1/certificates/{hash}?prove=true on the
// client side: the proof of the record (or of its absence) and of the batch
// record against AppHash, and, when member is given, its inclusion path
// against the proven batch root and member count. Records are decoded from
// the proven bytes, never from the answer's convenience fields. AppHash is
// the node's word for the state root at Height (it is in block header
// Height+1): compare it across nodes or with a header you trust.
func (r *CertificateResult) Verify(member *certificate.BatchMember) (*CertificateCheck, error) {
	c := &CertificateCheck{}
	if r.Proof == nil {
		return nil, fmt.Errorf("the node returned no proof (ask with prove=true)")
	}
	if want := string(certificate.RecordKey(r.Hash)); string(r.Proof.Key) != want {
		return nil, fmt.Errorf("proof is for key %q, not %q", r.Proof.Key, want)
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		return nil, fmt.Errorf("PROOF INVALID for %s: %w", r.Proof.Key, err)
	}
	if r.Proof.Value != nil {
		c.Record = &certificate.Record{}
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
			c.Batch = &certificate.Batch{}
			if err := json.Unmarshal(r.BatchProof.Value, c.Batch); err != nil {
				return nil, err
			}
			if want := string(certificate.BatchKey(c.Batch.Root)); string(r.BatchProof.Key) != want {
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
		c.Status = certStatusOfRecognition(c.Recognition.EffectiveStatus(bt))
	case c.Batch != nil && member != nil:
		c.Status = certificate.StatusValid
	case c.Batch != nil:
		c.Status = "batch_member_unverified"
	default:
		c.Status = "not_found"
	}
	return c, nil
}
