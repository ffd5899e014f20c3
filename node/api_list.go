package node

import (
	"net/http"
	"strconv"

	"github.com/govchain/govchain/chain/state"
)

// ListEntry is one key of GET /v1/list.
type ListEntry struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// ListResult pages through the keys under a prefix in key order. Each entry
// can be proven on its own with /v1/state?prove=true at the same height.
type ListResult struct {
	Prefix  string      `json:"prefix"`
	Height  int64       `json:"height"`
	Entries []ListEntry `json:"entries"`
	// Next is the start_after value for the next page ("" = last page).
	Next string `json:"next,omitempty"`
}

func (a *API) listPrefix(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix := q.Get("prefix")
	if len(prefix) < 3 || len(prefix) > 512 {
		writeErr(w, http.StatusBadRequest, "api", 400, "prefix is required (3..512 bytes), e.g. ?prefix=gov/prop/")
		return
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			writeErr(w, http.StatusBadRequest, "api", 400, "limit must be 1..1000")
			return
		}
		limit = n
	}
	var height int64
	if s := q.Get("height"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			writeErr(w, http.StatusBadRequest, "api", 400, "height must be a non-negative integer")
			return
		}
		height = n
	}
	view, err := a.App.Store().At(height)
	if err != nil {
		writeErr(w, http.StatusNotFound, "query", 404, err.Error())
		return
	}
	start := []byte(prefix)
	if after := q.Get("start_after"); after != "" {
		if len(after) < len(prefix) || after[:len(prefix)] != prefix {
			writeErr(w, http.StatusBadRequest, "api", 400, "start_after must lie under prefix")
			return
		}
		start = append([]byte(after), 0)
	}
	res := ListResult{Prefix: prefix, Height: view.Version(), Entries: []ListEntry{}}
	it, err := view.Iterator(start, state.PrefixEnd([]byte(prefix)), true)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "api", 500, err.Error())
		return
	}
	defer it.Close()
	for ; it.Valid(); it.Next() {
		if len(res.Entries) == limit {
			res.Next = res.Entries[len(res.Entries)-1].Key
			break
		}
		res.Entries = append(res.Entries, ListEntry{Key: string(it.Key()), Value: append([]byte(nil), it.Value()...)})
	}
	writeJSON200(w, res)
}
