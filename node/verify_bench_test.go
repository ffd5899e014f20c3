package node_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node"
)

// BenchmarkVerifyBundleInProcess serves /v1/verify/bundle from this
// process's node over loopback (profile with -cpuprofile).
func BenchmarkVerifyBundleInProcess(b *testing.B) {
	n, _ := startOne(&testing.T{})
	api := &node.API{App: n.App, RPC: rpclocal.New(n.Comet), MaxBody: 1 << 20, Verify: &node.VerifyConfig{Rate: 1e9, Burst: 1e9}}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	for v, _ := n.App.Store().LastCommit(); v < 5; v, _ = n.App.Store().LastCommit() {
		time.Sleep(100 * time.Millisecond)
	}
	url := srv.URL + "/v1/verify/bundle/" + smcrypto.SM3Hex([]byte("x"))
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := c.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
	})
}
