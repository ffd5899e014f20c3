package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/recognition"
	"github.com/govchain/govchain/node/apikit"
)

func (a *API) getRecognition(w http.ResponseWriter, r *http.Request) {
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
	res, err := a.recognitionAt(hash, height, q.Get("prove") == "true" || q.Get("prove") == "1")
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

func (a *API) recognitionAt(hash string, height int64, prove bool) (*RecognitionResult, error) {
	view, err := a.App.Store().At(height)
	if err != nil {
		return nil, err
	}
	rec, err := apikit.Read(view, recognition.RecordKey(hash), prove)
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
