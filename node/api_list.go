package node

import (
	"net/http"
	"strconv"

	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/node/apikit"
)

func (a *API) listPrefix(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	prefix := q.Get("prefix")
	if len(prefix) < 3 || len(prefix) > 512 {
		apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "prefix is required (3..512 bytes), e.g. ?prefix=gov/prop/")
		return
	}
	p, ok := pageParams(w, r)
	if !ok {
		return
	}
	var height int64
	if s := q.Get("height"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "height must be a non-negative integer")
			return
		}
		height = n
	}
	view, err := a.App.Store().At(height)
	if err != nil {
		apikit.WriteErr(w, http.StatusNotFound, "query", 404, err.Error())
		return
	}
	start := []byte(prefix)
	after := q.Get("start_after")
	if after == "" {
		after = p.Cursor // the same key, under the name every list route uses
	}
	if after != "" {
		if len(after) < len(prefix) || after[:len(prefix)] != prefix {
			apikit.WriteErr(w, http.StatusBadRequest, "api", 400, "start_after must lie under prefix")
			return
		}
		start = append([]byte(after), 0)
	}
	res := ListResult{Prefix: prefix, Height: view.Version(), Entries: []ListEntry{}}
	it, err := view.Iterator(start, state.PrefixEnd([]byte(prefix)), true)
	if err != nil {
		apikit.WriteErr(w, http.StatusInternalServerError, "api", 500, err.Error())
		return
	}
	defer it.Close()
	size := 0
	for ; it.Valid(); it.Next() {
		// JSON size of an entry: the key (escaped at most 6 bytes per
		// byte) and the base64 value, so a page stays near MaxPageBytes.
		n := 6*len(it.Key()) + (len(it.Value())+2)/3*4 + 32
		if len(res.Entries) > 0 && (len(res.Entries) == p.Limit || size+n > MaxPageBytes) {
			res.Next = res.Entries[len(res.Entries)-1].Key
			res.NextCursor = res.Next
			break
		}
		size += n
		res.Entries = append(res.Entries, ListEntry{Key: string(it.Key()), Value: append([]byte(nil), it.Value()...)})
	}
	apikit.WriteJSON(w, res)
}
