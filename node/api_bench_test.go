package node_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/node"
)

// BenchmarkCertificateHandler is the node's own work for one
// GET /v1/certificates/{hash}?prove=true (read, ICS23 proof, status,
// JSON) without the network: handler and mux over an in-memory chain of
// 2,000 anchored certificates. allocs/op is what the GC pays for.
func BenchmarkCertificateHandler(b *testing.B) {
	c := chaintest.New(b, chaintest.Options{Modules: []module.Module{certificate.Module{}}, Grants: map[string][]string{"SCJG": {"issuer:BL"}}})
	op := defineBL(c)
	var hashes []string
	for i := 0; i < 2000; i += 100 {
		var txs [][]byte
		for j := i; j < i+100; j++ {
			h := smcrypto.SM3Hex([]byte(fmt.Sprint("licence ", j)))
			hashes = append(hashes, h)
			txs = append(txs, c.Tx(op, certificate.MsgAnchor, blAnchor(h, fmt.Sprint("BL-", j), "2030-12-31")))
		}
		for _, r := range c.Block(txs...).TxResults {
			if r.Code != 0 {
				b.Fatalf("anchor: %d %s", r.Code, r.Log)
			}
		}
	}
	c.Block()
	h := (&node.API{App: c.App, MaxBody: 1 << 20}).Handler()
	reqs := make([]*http.Request, len(hashes))
	for i, hash := range hashes {
		reqs[i] = httptest.NewRequest("GET", "/v1/certificates/"+hash+"?prove=true", nil)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, reqs[0])
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"valid"`) {
		b.Fatalf("first answer: %d %s", w.Code, w.Body.Bytes())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, reqs[i%len(reqs)])
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
