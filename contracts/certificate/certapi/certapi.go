// Package certapi is the certificate module's HTTP routes: GET
// /v1/certificates (list) and GET /v1/certificates/{hash} (a record, its
// batch, or a partner's certificate recognised here, with proofs). The
// answers are certtypes' (CertificateResult, CertificateList), which
// clients check with their Verify. The node mounts Routes from its list
// (node/modules.go); the routes are documented in node/openapi.json.
package certapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/recognition/recapi"
	"github.com/govchain/govchain/node/apikit"
)

// Routes are the module's routes, reading n.
func Routes(n apikit.Node) []apikit.Route {
	a := &api{n}
	return []apikit.Route{
		apikit.Get("/v1/certificates", a.list),
		apikit.Get("/v1/certificates/{hash}", a.get),
	}
}

type api struct{ n apikit.Node }

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	hash := strings.ToLower(r.PathValue("hash"))
	if !certificate.ValidHash(hash) {
		apikit.BadParam(w, "hash must be the SM3 digest of the certificate file, 64 hex characters")
		return
	}
	q := r.URL.Query()
	height, ok := apikit.HeightParam(w, q.Get("height"))
	if !ok {
		return
	}
	batchRoot := strings.ToLower(q.Get("batch"))
	if batchRoot != "" && !certificate.ValidHash(batchRoot) {
		apikit.BadParam(w, "batch must be a batch root, 64 hex characters")
		return
	}
	res, err := a.certificateAt(hash, batchRoot, height, apikit.ProveParam(r))
	if err != nil {
		apikit.QueryErr(w, err)
		return
	}
	apikit.WriteJSON(w, res)
}

// answer is a CertificateResult as the node writes it: the record is the
// stored JSON passed through (the contract's encoding of a
// certtypes.Record, the bytes the proof's value holds), not decoded and
// encoded again. Clients decode it into CertificateResult.Record.
type answer struct {
	*certtypes.CertificateResult
	Record json.RawMessage `json:"record,omitempty"`
}

// recordHead is what the node reads of a stored record to answer: the
// fields its status and batch depend on (tags as in certtypes.Record;
// TestCertificateAPIExpired and TestCertificateAPIWithProofs fail if
// they drift).
type recordHead struct {
	Status     string `json:"status"`
	ValidUntil string `json:"valid_until"`
	BatchRoot  string `json:"batch_root"`
}

// certificateAt reads everything at one version, so the record, the batch
// and the block time agree.
func (a *api) certificateAt(hash, batchRoot string, height int64, prove bool) (*answer, error) {
	view, err := a.n.View(height)
	if err != nil {
		return nil, err
	}
	rec, err := apikit.Read(view, certtypes.RecordKey(hash), prove)
	if err != nil {
		return nil, err
	}
	out := &certtypes.CertificateResult{Hash: hash, Height: rec.Height, AppHash: rec.AppHash, Key: rec.Key, Proof: rec.Proof, Found: rec.Found}
	ans := &answer{CertificateResult: out}
	var t time.Time
	out.BlockTime, t = a.n.BlockTime(view)
	if rec.Found {
		var head recordHead
		if err := json.Unmarshal(rec.Value, &head); err != nil {
			return nil, fmt.Errorf("decode %s: %w", rec.Key, err)
		}
		if head.BatchRoot != "" {
			batchRoot = head.BatchRoot
		}
		out.Status = certtypes.StatusAt(head.Status, head.ValidUntil, t)
		ans.Record = rec.Value
	}
	if batchRoot != "" {
		b, err := apikit.Read(view, certtypes.BatchKey(batchRoot), prove)
		if err != nil {
			return nil, err
		}
		out.BatchKey, out.BatchProof = b.Key, b.Proof
		if b.Found {
			out.Batch = &certtypes.Batch{}
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
		if err := addRecognition(out, view, t, prove); err != nil {
			return nil, err
		}
	}
	return ans, nil
}

// addRecognition adds the recognition record of out.Hash (a partner
// province's certificate recognised here), or the proof of its absence,
// read in view, to an answer with no local record.
func addRecognition(out *certtypes.CertificateResult, view *state.View, blockTime time.Time, prove bool) error {
	rr, rec, err := recapi.ReadRecord(view, out.Hash, prove)
	if err != nil {
		return err
	}
	out.RecognitionKey, out.RecognitionProof = rr.Key, rr.Proof
	if rec != nil {
		out.Recognition = rec
		out.Status = certtypes.StatusOfRecognition(rec.EffectiveStatus(blockTime))
		out.Note = fmt.Sprintf("not issued here: %s", rec.Describe())
	}
	return nil
}

func (a *api) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := certtypes.Filter{Issuer: q.Get("issuer"), Type: q.Get("type"), Holder: q.Get("holder")}
	page, ok := apikit.PageNumber(w, r)
	if !ok {
		return
	}
	view, err := a.n.View(0)
	if err != nil {
		apikit.WriteErr(w, http.StatusServiceUnavailable, "api", 503, err.Error())
		return
	}
	var items []certtypes.Item
	var more bool
	size := certificate.PageSize
	if apikit.CursorMode(r) {
		p, ok := apikit.PageParams(w, r)
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
		apikit.ModuleErr(w, err, certtypes.Name)
		return
	}
	if items == nil {
		items = []certtypes.Item{}
	}
	out := certtypes.CertificateList{Height: view.Version(), Filter: f, Page: page, PageSize: size, More: more, Items: items}
	if more && len(items) > 0 {
		out.NextCursor = items[len(items)-1].Cursor()
	}
	apikit.WriteJSON(w, out)
}
