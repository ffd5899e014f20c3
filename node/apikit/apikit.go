// Package apikit is what a module's HTTP routes need from the node: the
// Node interface (the committed state and its block times), the Route the
// daemon mounts, and the answer writers and parameter parsers every route
// shares. It imports no daemon (package node), so a module's …api package
// lives in the module's folder and the node mounts it from one list
// (node/modules.go).
package apikit

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/node/client"
)

// Route is one API endpoint. Pattern is a net/http pattern path
// ("/v1/certificates/{hash}"); every route must be in node/openapi.json
// (TestOpenAPIMatchesRoutes).
type Route struct {
	Method, Pattern string
	Handler         http.HandlerFunc
}

// Get is a GET route.
func Get(pattern string, h http.HandlerFunc) Route { return Route{"GET", pattern, h} }

// Post is a POST route.
func Post(pattern string, h http.HandlerFunc) Route { return Route{"POST", pattern, h} }

// Node is the part of the daemon a module's routes read.
type Node interface {
	// View is the committed state at height (0 = the newest); a pruned or
	// future height fails with state.ErrVersionUnavailable.
	View(height int64) (*state.View, error)
	// BlockTime is the time of the block that produced view's version, as
	// stored (RFC 3339) and parsed; "" and zero before the first block.
	BlockTime(view *state.View) (string, time.Time)
}

// WriteJSON writes v with status 200.
func WriteJSON(w http.ResponseWriter, v any) { WriteJSONStatus(w, http.StatusOK, v) }

// jsonBufs recycles answer buffers: proof answers are a few KB each and
// a busy verification node writes thousands a second.
var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// WriteJSONStatus writes v as compact JSON (one line, then a newline) with
// its Content-Length, in one write. Pipe through jq for reading by eye.
func WriteJSONStatus(w http.ResponseWriter, status int, v any) {
	buf := jsonBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			jsonBufs.Put(buf)
		}
	}()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		buf.Reset()
		_ = json.NewEncoder(buf).Encode(client.Error{Codespace: "api", Code: 500, Message: "encode answer: " + err.Error()})
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// WriteErr writes the JSON error body (client.Error) every non-2xx answer has.
func WriteErr(w http.ResponseWriter, status int, codespace string, code uint32, msg string) {
	WriteJSONStatus(w, status, client.Error{Codespace: codespace, Code: code, Message: msg})
}

// BadParam is a 400 for a malformed request parameter.
func BadParam(w http.ResponseWriter, msg string) {
	WriteErr(w, http.StatusBadRequest, "api", 400, msg)
}

// QueryErr answers a failed state read: 404 for a height the node does not
// hold (state.ErrVersionUnavailable), else 500; codespace "query".
func QueryErr(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, state.ErrVersionUnavailable) {
		status = http.StatusNotFound
	}
	WriteErr(w, status, "query", uint32(status), err.Error())
}

// ModuleErr answers an error of a module's query with its code: 400 when
// the module (codespace module) refused the request, else 500.
func ModuleErr(w http.ResponseWriter, err error, module string) {
	e := errs.From(err)
	status := http.StatusInternalServerError
	if e.Codespace == module {
		status = http.StatusBadRequest
	}
	WriteErr(w, status, e.Codespace, e.Code, e.Error())
}

// HeightParam parses ?height= ("" = 0, the newest); on a bad value it
// answers 400 and returns false.
func HeightParam(w http.ResponseWriter, s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	h, err := strconv.ParseInt(s, 10, 64)
	if err != nil || h < 0 {
		BadParam(w, "height must be a non-negative integer")
		return 0, false
	}
	return h, true
}

// ProveParam is ?prove=true (or 1).
func ProveParam(r *http.Request) bool {
	p := r.URL.Query().Get("prove")
	return p == "true" || p == "1"
}

// PageNumber parses ?page= (from 1, default 1), the paging of the list
// routes before cursors.
func PageNumber(w http.ResponseWriter, r *http.Request) (int, bool) {
	page := 1
	if s := r.URL.Query().Get("page"); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 1_000_000 {
			BadParam(w, "page must be an integer from 1")
			return 0, false
		}
		page = p
	}
	return page, true
}

// Page is ?limit= and ?cursor=, the paging every list route takes.
type Page struct {
	Limit  int    // 1..client.MaxPageLimit
	Cursor string // "" = the first page
}

// PageParams parses ?limit= (default client.DefaultPageLimit) and ?cursor=.
func PageParams(w http.ResponseWriter, r *http.Request) (Page, bool) {
	q := r.URL.Query()
	p := Page{Limit: client.DefaultPageLimit, Cursor: q.Get("cursor")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > client.MaxPageLimit {
			BadParam(w, "limit must be 1.."+strconv.Itoa(client.MaxPageLimit))
			return Page{}, false
		}
		p.Limit = n
	}
	if len(p.Cursor) > 1024 {
		BadParam(w, "cursor is longer than 1024 bytes: pass the next_cursor of a previous page")
		return Page{}, false
	}
	return p, true
}

// CursorMode: the client pages by cursor (any of ?cursor=, ?limit=) rather
// than by page number.
func CursorMode(r *http.Request) bool {
	q := r.URL.Query()
	return q.Has("cursor") || q.Has("limit")
}

// FitPage is how many of items (at least one) fit client.MaxPageBytes as JSON.
func FitPage[T any](items []T) int {
	size := 0
	for i, it := range items {
		b, _ := json.Marshal(it)
		if i > 0 && size+len(b) > client.MaxPageBytes {
			return i
		}
		size += len(b)
	}
	return len(items)
}

// Read reads key in view, with its ICS23 proof (of presence or absence)
// against view's root when prove is set.
func Read(view *state.View, key []byte, prove bool) (*client.StateResult, error) {
	var err error
	res := &client.StateResult{Key: string(key), Height: view.Version()}
	if !prove {
		res.Value, err = view.Get(key)
		res.Found = res.Value != nil
		return res, err
	}
	val, ops, err := view.Prove(key)
	if err != nil {
		return nil, err
	}
	res.Value, res.Found, res.AppHash = val, val != nil, view.Hash()
	res.Proof = &proof.Proof{Key: key, Value: val, Height: view.Version(), Ops: ops}
	return res, nil
}
