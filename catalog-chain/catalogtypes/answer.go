package catalogtypes

import (
	"bytes"
	"fmt"
)

// Answer is the answer of every /v1/catalog route: the state version
// read, its block time (what "expired" is judged against) and, with
// prove=true, the app hash every entry's proof verifies against (committed
// in the header at height+1). Data holds Entry values: exact stored record
// bytes plus proof (Entry.CheckProof verifies one).
//
// Every answer that holds lists is one page (see catalog.Page): at most
// ?limit= entries (default DefaultPageLimit, at most MaxPageLimit) and
// about MaxPageBytes of them; NextCursor, when set, is the ?cursor= of the
// next page. Ask for the next pages at the same ?height= to read one state.
// node/client names it CatalogPage.
type Answer[T any] struct {
	Height     int64  `json:"height"`
	AppHash    []byte `json:"app_hash,omitempty"`
	BlockTime  string `json:"block_time,omitempty"`
	Data       T      `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Verify checks the proof of every entry of the answer (es lists them, in
// Data) against its app hash and returns how many it checked. first is the
// first page of the same read, nil when a is that first page: a later page
// must carry the first page's app hash (every page reads one state), and
// its fixed part (the entries shown on the first page only: no record, no
// proof) is skipped.
func (a *Answer[T]) Verify(es []*Entry, first *Answer[T]) (int, error) {
	if first != nil && !bytes.Equal(a.AppHash, first.AppHash) {
		return 0, fmt.Errorf("page at height %d has app hash %X, the first page %X", a.Height, a.AppHash, first.AppHash)
	}
	n := 0
	for _, e := range es {
		if first != nil && e.Proof == nil && e.Record == nil {
			continue // the fixed part of a later page: on the first page only
		}
		if err := e.CheckProof(a.AppHash); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
