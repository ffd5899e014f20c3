package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/node/apikit"
)

func (a *API) getCertificate(w http.ResponseWriter, r *http.Request) {
	hash := strings.ToLower(r.PathValue("hash"))
	if !certificate.ValidHash(hash) {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "hash must be the SM3 digest of the certificate file, 64 hex characters")
		return
	}
	q := r.URL.Query()
	height, ok := apikit.HeightParam(w, q.Get("height"))
	if !ok {
		return
	}
	prove := q.Get("prove") == "true" || q.Get("prove") == "1"
	batchRoot := strings.ToLower(q.Get("batch"))
	if batchRoot != "" && !certificate.ValidHash(batchRoot) {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "batch must be a batch root, 64 hex characters")
		return
	}
	res, err := a.certificateAt(hash, batchRoot, height, prove)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, state.ErrVersionUnavailable) {
			status = http.StatusNotFound
		}
		apikit.WriteErr(w, status, "query", uint32(status), err.Error())
		return
	}
	apikit.WriteJSON(w, res)
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
	rec, err := apikit.Read(view, certificate.RecordKey(hash), prove)
	if err != nil {
		return nil, err
	}
	out := &CertificateResult{Hash: hash, Height: rec.Height, AppHash: rec.AppHash, Key: rec.Key, Proof: rec.Proof, Found: rec.Found}
	ans := &certificateAnswer{CertificateResult: out}
	var t time.Time
	out.BlockTime, t = a.BlockTime(view)
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
		b, err := apikit.Read(view, certificate.BatchKey(batchRoot), prove)
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

func (a *API) listCertificates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := certificate.Filter{Issuer: q.Get("issuer"), Type: q.Get("type"), Holder: q.Get("holder")}
	page, ok := apikit.PageNumber(w, r)
	if !ok {
		return
	}
	view, err := a.App.Store().At(0)
	if err != nil {
		apikit.WriteErr(w, http.StatusServiceUnavailable, "api", 503, err.Error())
		return
	}
	var items []certificate.Item
	var more bool
	size := certificate.PageSize
	if apikit.CursorMode(r) {
		p, ok := pageParams(w, r)
		if !ok {
			return
		}
		page, size = 0, p.Limit
		if items, more, err = certificate.ListAfter(view, f, p.Cursor, p.Limit); err == nil {
			if n := apikit.FitPage(items); n < len(items) {
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
		apikit.WriteErr(w, status, e.Codespace, e.Code, e.Error())
		return
	}
	if items == nil {
		items = []certificate.Item{}
	}
	out := CertificateList{Height: view.Version(), Filter: f, Page: page, PageSize: size, More: more, Items: items}
	if more && len(items) > 0 {
		out.NextCursor = items[len(items)-1].Cursor()
	}
	apikit.WriteJSON(w, out)
}
