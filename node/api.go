package node

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/node/apikit"
)

//go:embed openapi.json
var openAPIDoc []byte

// API is the node's JSON HTTP interface.
type API struct {
	App     *chain.App
	RPC     rpcclient.Client
	MaxBody int64
	Dept    string
	Logger  cmtlog.Logger
	// Verify tunes /v1/verify/* (nil = defaults); verify is its state.
	Verify *VerifyConfig
	// VerifyPeers are other departments' nodes' public API base URLs
	// (govchain.json verify_peers), served at GET /v1/verify/peers.
	VerifyPeers []string
	// RetainBlocks is the node's retain_blocks (0: it keeps every block);
	// a tx lookup that finds nothing says what a pruning node cannot know.
	RetainBlocks int64
	// ExpiryHorizon is how far ahead GET /v1/expiry looks by default
	// (govchain.json expiry_horizon_days; 0: DefaultExpiryHorizon).
	ExpiryHorizon time.Duration
	verify        verifyState
	// bt memoises the newest block time read (a version's never changes).
	bt atomic.Pointer[versionTime]
	// events caches recent blocks' events; stop ends the event streams.
	events              blockEvents
	stop                chan struct{}
	stopOnce, closeOnce sync.Once
}

type versionTime struct {
	v  int64
	s  string
	tm time.Time
}

// View is the committed state at height (0 = the newest): apikit.Node,
// what the modules' routes read.
func (a *API) View(height int64) (*state.View, error) { return a.App.Store().At(height) }

// blockTime is the time of the block that produced view's version (the
// block_time key; "" before the first block).
func (a *API) blockTime(view *state.View) string {
	s, _ := a.BlockTime(view)
	return s
}

// BlockTime is blockTime with the time parsed (zero if ""): apikit.Node.
func (a *API) BlockTime(view *state.View) (string, time.Time) {
	if c := a.bt.Load(); c != nil && c.v == view.Version() {
		return c.s, c.tm
	}
	b, err := view.Get([]byte("block_time"))
	if err != nil || b == nil {
		return "", time.Time{}
	}
	tm, _ := time.Parse(time.RFC3339Nano, string(b))
	a.bt.Store(&versionTime{v: view.Version(), s: string(b), tm: tm})
	return string(b), tm
}

var _ apikit.Node = (*API)(nil)

// routes are the core's endpoints, then every module's (node/modules.go);
// the list is what the OpenAPI test walks.
func (a *API) routes() []apikit.Route {
	core := []apikit.Route{
		apikit.Get("/v1/status", a.status),
		apikit.Get("/v1/expiry", a.getExpiry),
		apikit.Post("/v1/txs", a.submitTx),
		apikit.Get("/v1/txs/{hash}", a.getTx),
		apikit.Get("/v1/txs/{hash}/raw", a.getTxRaw),
		apikit.Get("/v1/state", a.getState),
		apikit.Get("/v1/accounts/{key_id}", a.getAccount),
		apikit.Get("/v1/departments", a.listDepartments),
		apikit.Get("/v1/messages", a.listMessages),
		apikit.Get("/v1/list", a.listPrefix),
		apikit.Get("/v1/events", a.listEvents),
		apikit.Get("/v1/events/stream", a.streamEvents),
		apikit.Get("/v1/events/{cursor}/proof", a.eventProof),
		apikit.Get("/v1/verify/bundle/{hash}", a.getVerifyBundle),
		apikit.Get("/v1/verify/prefix/{hexprefix}", a.getVerifyPrefix),
		apikit.Get("/v1/verify/trust", a.getVerifyTrust),
		apikit.Get("/v1/verify/peers", a.getVerifyPeers),
		apikit.Get("/openapi.json", a.openAPI),
	}
	return append(core, moduleRoutes(a)...)
}

// Handler returns the API mux with a body-size limit on every route.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range a.routes() {
		h := r.Handler
		mux.HandleFunc(r.Method+" "+r.Pattern, func(w http.ResponseWriter, req *http.Request) {
			req.Body = http.MaxBytesReader(w, req.Body, a.MaxBody)
			if len(req.URL.RawQuery) > 4096 {
				apikit.WriteErr(w, http.StatusRequestURITooLong, "api", 414, "query string longer than 4096 bytes")
				return
			}
			h(w, req)
		})
	}
	a.webRoutes(mux)
	a.notFoundRoutes(mux)
	return mux
}

// notFoundRoutes answers an unknown path (404) or a known path asked with
// another method (405, with Allow) in the JSON error body, not the mux's
// plain text: a client decodes every error the same way.
func (a *API) notFoundRoutes(mux *http.ServeMux) {
	allow := map[string][]string{}
	var paths []string
	for _, r := range a.routes() {
		if allow[r.Pattern] == nil {
			paths = append(paths, r.Pattern)
		}
		allow[r.Pattern] = append(allow[r.Pattern], r.Method)
	}
	allow["/verify"] = []string{"GET"}
	allow["/verify/{file}"] = []string{"GET"}
	paths = append(paths, "/verify", "/verify/{file}")
	for _, p := range paths {
		methods := strings.Join(allow[p], ", ")
		if slices.Contains(allow[p], "GET") {
			methods += ", HEAD"
		}
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", methods)
			apikit.WriteErr(w, http.StatusMethodNotAllowed, "api", 405, fmt.Sprintf("method %s is not allowed on %s; use %s", r.Method, r.URL.Path, methods))
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apikit.WriteErr(w, http.StatusNotFound, "api", 404, fmt.Sprintf("no route %s %s; the routes are listed at /openapi.json", r.Method, r.URL.Path))
	})
}

func (a *API) status(w http.ResponseWriter, r *http.Request) {
	// public and without credentials: the /verify page served by another
	// department's node reads this node's latest height (app.js)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	st, err := a.RPC.Status(r.Context())
	if err != nil {
		apikit.WriteErr(w, http.StatusServiceUnavailable, "api", 503, err.Error())
		return
	}
	v, root := a.App.Store().LastCommit()
	s := Status{ChainID: st.NodeInfo.Network, Dept: a.Dept, NodeID: string(st.NodeInfo.ID()),
		Height: v, AppHash: fmt.Sprintf("%X", root), BlockHeight: st.SyncInfo.LatestBlockHeight,
		BlockTime: st.SyncInfo.LatestBlockTime.UTC().Format(time.RFC3339), CatchingUp: st.SyncInfo.CatchingUp,
		EarliestBlockHeight: st.SyncInfo.EarliestBlockHeight}
	if vals, err := a.RPC.Validators(r.Context(), nil, nil, nil); err == nil {
		s.Validators = vals.Total
	}
	lo, hi := a.App.Store().AvailableVersions()
	s.StateVersions = [2]int64{lo, hi}
	if view, err := a.App.Store().At(v); err == nil {
		s.StateKeys = view.Size()
	}
	apikit.WriteJSON(w, s)
}

func (a *API) submitTx(w http.ResponseWriter, r *http.Request) {
	var req SubmitRequest
	var err error
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(ct) == "application/octet-stream" {
		// the tx bytes themselves (curl --data-binary @tx.bin)
		req.Tx, err = io.ReadAll(r.Body)
	} else {
		err = decodeSubmit(r.Body, &req)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			apikit.WriteErr(w, http.StatusRequestEntityTooLarge, tx.ErrTooLarge.Codespace, tx.ErrTooLarge.Code, fmt.Sprintf("request body exceeds %d bytes", a.MaxBody))
			return
		}
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "body must be JSON {\"tx\": \"<base64>\"} (or the tx bytes with Content-Type: application/octet-stream): "+err.Error())
		return
	}
	a.submitRaw(w, r, req)
}

// decodeSubmit reads the JSON form of POST /v1/txs.
func decodeSubmit(body io.Reader, req *SubmitRequest) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields() // a misspelt field would otherwise be an empty tx
	err := dec.Decode(req)
	if err == nil {
		// Only white space may follow the object.
		var mbe *http.MaxBytesError
		if _, terr := dec.Token(); errors.As(terr, &mbe) {
			err = terr
		} else if terr != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	return err
}

func (a *API) submitRaw(w http.ResponseWriter, r *http.Request, req SubmitRequest) {
	if len(req.Tx) == 0 {
		apikit.WriteErr(w, http.StatusBadRequest, tx.ErrDecode.Codespace, tx.ErrDecode.Code, "empty tx")
		return
	}
	res := SubmitResult{Hash: tx.HashHex(req.Tx)}
	wait := r.URL.Query().Get("wait")
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	switch wait {
	case "", "sync":
		out, err := a.RPC.BroadcastTxSync(ctx, req.Tx)
		if err != nil {
			a.rejectFromError(w, &res, err)
			return
		}
		res.Code, res.Codespace, res.Log, res.Data = out.Code, out.Codespace, out.Log, string(out.Data)
	case "commit":
		out, evicted, err := a.broadcastCommit(ctx, req.Tx)
		if evicted != nil {
			res.Code, res.Codespace, res.Log = evicted.Code, evicted.Codespace, "evicted from the mempool on recheck: "+evicted.Log
			break
		}
		if err != nil {
			a.rejectFromError(w, &res, err)
			return
		}
		if out.CheckTx.Code != 0 {
			res.Code, res.Codespace, res.Log = out.CheckTx.Code, out.CheckTx.Codespace, out.CheckTx.Log
		} else {
			res.Code, res.Codespace, res.Log, res.Data = out.TxResult.Code, out.TxResult.Codespace, out.TxResult.Log, string(out.TxResult.Data)
			res.Height = out.Height
		}
	default:
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "wait must be sync or commit")
		return
	}
	status := http.StatusOK
	if res.Code != 0 {
		status = http.StatusUnprocessableEntity
	}
	apikit.WriteJSONStatus(w, status, res)
}

// broadcastCommit submits raw and waits for its block, or for the
// mempool's recheck to evict it (a block changed the state it was
// checked against): CometBFT would only time out then, so the app's
// recheck result is returned as soon as it is known.
func (a *API) broadcastCommit(ctx context.Context, raw []byte) (*coretypes.ResultBroadcastTxCommit, *chain.RejectedTx, error) {
	since, changed := a.App.RecheckWatch()
	type result struct {
		out *coretypes.ResultBroadcastTxCommit
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := a.RPC.BroadcastTxCommit(ctx, raw)
		done <- result{out, err}
	}()
	hash := tx.Hash(raw)
	for {
		if f, ok := a.App.RecheckFailure(hash, since); ok {
			return nil, &f, nil
		}
		select {
		case r := <-done:
			return r.out, nil, r.err
		case <-changed:
			_, changed = a.App.RecheckWatch()
		}
	}
}

// invalidTxRe matches CometBFT's ErrInvalidTx text: "... is invalid:
// code=103, data=, log='...', codespace='identity'".
var invalidTxRe = regexp.MustCompile(`(?s)is invalid: code=(\d+), data=.*?, log='(.*)', codespace='([^']*)'$`)

// rejectFromError surfaces a CometBFT error as a coded result. An invalid tx
// can come back as an error rather than a non-zero code; the app's message
// ("tx/8 invalid signature: ...") is inside it and is passed on verbatim.
func (a *API) rejectFromError(w http.ResponseWriter, res *SubmitResult, err error) {
	msg := err.Error()
	res.Code, res.Codespace, res.Log = 1, "mempool", msg
	if m := invalidTxRe.FindStringSubmatch(msg); m != nil {
		code, _ := strconv.ParseUint(m[1], 10, 32)
		res.Code, res.Log, res.Codespace = uint32(code), m[2], m[3]
	} else if strings.Contains(msg, "tx already exists in cache") {
		res.Log = "this exact tx was already submitted (mempool cache)"
	}
	apikit.WriteJSONStatus(w, http.StatusUnprocessableEntity, res)
}

func (a *API) getTx(w http.ResponseWriter, r *http.Request) {
	h, err := hex.DecodeString(r.PathValue("hash"))
	if err != nil || len(h) != 32 {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "hash must be 64 hex characters")
		return
	}
	res, err := a.RPC.Tx(r.Context(), h, false)
	if err != nil {
		if f, ok := a.App.RecheckFailure([32]byte(h), 0); ok {
			apikit.WriteErr(w, http.StatusNotFound, f.Codespace, f.Code, "not committed: evicted from the mempool on recheck: "+f.Log)
			return
		}
		msg := err.Error()
		if a.RetainBlocks > 0 {
			if st, serr := a.RPC.Status(r.Context()); serr == nil && st.SyncInfo.EarliestBlockHeight > 1 {
				msg += fmt.Sprintf("; this node prunes (retain_blocks %d) and holds blocks and their txs from height %d only: a tx committed before that is answered by an archive node (retain_blocks 0)",
					a.RetainBlocks, st.SyncInfo.EarliestBlockHeight)
			}
		}
		apikit.WriteErr(w, http.StatusNotFound, "api", 404, msg)
		return
	}
	info := TxInfo{Hash: fmt.Sprintf("%X", h), Height: res.Height, Index: res.Index, Code: res.TxResult.Code, Codespace: res.TxResult.Codespace, Log: res.TxResult.Log}
	if t, err := tx.Decode(res.Tx, 0); err == nil {
		info.Type, info.Signer, info.Sequence = t.Type, t.Signer.String(), t.Sequence
		if json.Valid(t.Body) {
			info.Body = t.Body
		}
	}
	apikit.WriteJSON(w, info)
}

// getTxRaw serves a committed tx's exact bytes: as JSON with the parts a
// verifier in another language needs (unsigned bytes, the 32-byte SM2
// message, the signature), or the bytes alone with ?format=bin or
// Accept: application/octet-stream.
func (a *API) getTxRaw(w http.ResponseWriter, r *http.Request) {
	h, err := hex.DecodeString(r.PathValue("hash"))
	if err != nil || len(h) != 32 {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "hash must be 64 hex characters")
		return
	}
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json", "bin":
	default:
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "format must be json or bin")
		return
	}
	if format == "" && strings.Contains(r.Header.Get("Accept"), "application/octet-stream") {
		format = "bin"
	}
	res, err := a.RPC.Tx(r.Context(), h, false)
	if err != nil {
		apikit.WriteErr(w, http.StatusNotFound, "api", 404, err.Error())
		return
	}
	if format == "bin" {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(res.Tx)))
		_, _ = w.Write(res.Tx)
		return
	}
	out := TxRaw{Hash: fmt.Sprintf("%X", h), Height: res.Height, Index: res.Index, Tx: res.Tx}
	// a committed tx decodes (CheckTx admitted it), whatever its result
	if t, err := tx.Decode(res.Tx, 0); err == nil {
		out.ChainID, out.Type, out.Signer, out.Sequence = t.ChainID, t.Type, t.Signer.String(), t.Sequence
		out.Unsigned, out.SignBytes, out.Signature, out.Body = t.Unsigned(), t.SignBytes(), t.Signature, t.Body
	}
	apikit.WriteJSON(w, out)
}

func (a *API) getState(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key := q.Get("key")
	if key == "" || len(key) > 1024 {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "key is required (at most 1024 bytes), e.g. ?key=id/dept/QWB")
		return
	}
	var height int64
	if s := q.Get("height"); s != "" {
		var err error
		if height, err = strconv.ParseInt(s, 10, 64); err != nil || height < 0 {
			apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "height must be a non-negative integer")
			return
		}
	}
	res, err := a.Prove([]byte(key), height, q.Get("prove") == "true" || q.Get("prove") == "1")
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

// Prove reads key at height (0 = latest) with an optional proof.
func (a *API) Prove(key []byte, height int64, prove bool) (*StateResult, error) {
	view, err := a.App.Store().At(height)
	if err != nil {
		return nil, err
	}
	return apikit.Read(view, key, prove)
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request) {
	id, err := smcrypto.ParseKeyID(r.PathValue("key_id"))
	if err != nil {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "key_id must be 40 hex characters")
		return
	}
	view, err := a.App.Store().At(0)
	if err != nil {
		apikit.WriteErr(w, http.StatusServiceUnavailable, "api", 503, err.Error())
		return
	}
	acct, err := identity.GetAccount(view, id)
	if err != nil {
		apikit.WriteErr(w, http.StatusNotFound, tx.ErrUnknownSigner.Codespace, tx.ErrUnknownSigner.Code, err.Error())
		return
	}
	seq, err := identity.Sequence(view, id)
	if err != nil {
		apikit.WriteErr(w, http.StatusInternalServerError, "api", 500, err.Error())
		return
	}
	apikit.WriteJSON(w, AccountResult{Account: acct, Sequence: seq, NextSequence: a.App.PendingSequence(id) + 1})
}

func (a *API) listDepartments(w http.ResponseWriter, r *http.Request) {
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	view, err := a.App.Store().At(0)
	if err != nil {
		apikit.WriteErr(w, http.StatusServiceUnavailable, "api", 503, err.Error())
		return
	}
	prefix := []byte("id/dept/")
	start := prefix
	if p.Cursor != "" {
		start = append(append(bytes.Clone(prefix), p.Cursor...), 0)
	}
	it, err := view.Iterator(start, state.PrefixEnd(prefix), true)
	if err != nil {
		apikit.WriteErr(w, http.StatusInternalServerError, "api", 500, err.Error())
		return
	}
	defer it.Close()
	out := DepartmentList{Height: view.Version(), Departments: []identity.Department{}}
	size, last := 0, ""
	for ; it.Valid(); it.Next() {
		if n := len(out.Departments); n > 0 && (n == p.Limit || size+len(it.Value()) > MaxPageBytes) {
			out.NextCursor = last
			break
		}
		last = string(it.Key()[len(prefix):])
		var d identity.Department
		if err := json.Unmarshal(it.Value(), &d); err != nil {
			apikit.WriteErr(w, http.StatusInternalServerError, "api", 500, err.Error())
			return
		}
		size += len(it.Value())
		out.Departments = append(out.Departments, d)
	}
	apikit.WriteJSON(w, out)
}

func (a *API) listMessages(w http.ResponseWriter, _ *http.Request) {
	var out []MessageInfo
	for _, r := range a.App.Routes() {
		m := MessageInfo{Type: r.Type, AnyRole: r.AnyRole, Summary: r.Summary}
		if t := module.BodyType(r); t != nil {
			m.Fields = module.FieldNames(t)
			m.Schema, _ = json.Marshal(module.MessageSchema(t))
		}
		out = append(out, m)
	}
	apikit.WriteJSON(w, out)
}

func (a *API) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

// RoutePatterns lists "METHOD /path" for every API route (the OpenAPI test
// checks the document against it).
func RoutePatterns() []string {
	var out []string
	for _, r := range (&API{}).routes() {
		out = append(out, r.Method+" "+r.Pattern)
	}
	return out
}
