// Package recapi is the recognition module's HTTP route: GET
// /v1/recognition/{hash} (the local recognition record of a partner
// province's certificate, with its proof). The answer is rectypes'
// RecognitionResult, which clients check with its Verify. The node mounts
// Routes from its list (node/modules.go); the route is documented in
// node/openapi.json. ReadRecord is the one reader of a recognition record,
// also used by certapi for a certificate not issued here.
package recapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
	"github.com/govchain/govchain/node/apikit"
	"github.com/govchain/govchain/node/client"
)

// Routes are the module's routes, reading n.
func Routes(n apikit.Node) []apikit.Route {
	a := &api{n}
	return []apikit.Route{
		apikit.Get("/v1/recognition/{hash}", a.get),
	}
}

type api struct{ n apikit.Node }

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	hash := strings.ToLower(r.PathValue("hash"))
	if !certtypes.ValidHash(hash) {
		apikit.BadParam(w, "hash must be the SM3 digest of the certificate file, 64 hex characters")
		return
	}
	q := r.URL.Query()
	height, ok := apikit.HeightParam(w, q.Get("height"))
	if !ok {
		return
	}
	res, err := a.recognitionAt(hash, height, q.Get("prove") == "true" || q.Get("prove") == "1")
	if err != nil {
		apikit.QueryErr(w, err)
		return
	}
	apikit.WriteJSON(w, res)
}

func (a *api) recognitionAt(hash string, height int64, prove bool) (*rectypes.RecognitionResult, error) {
	view, err := a.n.View(height)
	if err != nil {
		return nil, err
	}
	rr, rec, err := ReadRecord(view, hash, prove)
	if err != nil {
		return nil, err
	}
	out := &rectypes.RecognitionResult{Hash: hash, Height: rr.Height, AppHash: rr.AppHash, Key: rr.Key, Proof: rr.Proof, Found: rr.Found, Status: "not_found", Record: rec}
	var t time.Time
	out.BlockTime, t = a.n.BlockTime(view)
	if rec != nil {
		out.Status = rec.EffectiveStatus(t)
	}
	return out, nil
}

// ReadRecord reads the recognition record of hash (a partner's
// certificate recognised here) in view with apikit.Read, with the proof of
// it or of its absence when prove is set; the record is nil when absent.
func ReadRecord(view *state.View, hash string, prove bool) (*client.StateResult, *rectypes.Record, error) {
	rr, err := apikit.Read(view, rectypes.RecordKey(hash), prove)
	if err != nil {
		return nil, nil, err
	}
	if !rr.Found {
		return rr, nil, nil
	}
	rec := &rectypes.Record{}
	if err := json.Unmarshal(rr.Value, rec); err != nil {
		return nil, nil, fmt.Errorf("decode %s: %w", rr.Key, err)
	}
	return rr, rec, nil
}
