package node

import (
	"net/http"

	"github.com/govchain/govchain/node/verify/web"
)

// verifierWasm finds or builds the browser verifier once per process.
var verifierWasm web.Provider

// webRoutes serves the citizen's verification page at /verify (not part
// of the JSON API, so not in routes() or the OpenAPI document).
func (a *API) webRoutes(mux *http.ServeMux) { web.Register(mux, &verifierWasm) }
