package node

import (
	"net/http"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/node/apikit"
)

// pageParams reads ?limit= and ?cursor= as a cursor page (the paging of
// the node's own list routes, in the catalog reader's shape).
func pageParams(w http.ResponseWriter, r *http.Request) (*catalog.Page, bool) {
	p, ok := apikit.PageParams(w, r)
	if !ok {
		return nil, false
	}
	return &catalog.Page{Limit: p.Limit, Cursor: p.Cursor}, true
}
