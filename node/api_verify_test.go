package node_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestVerifyRoutes: the trust root, bundle and private-lookup routes of a
// real node verify with chain/proof/bundle; the node logs the prefix of a
// private lookup and never a hash; the per-IP rate limit answers 429.
func TestVerifyRoutes(t *testing.T) {
	n, _ := startOne(t)
	var logs syncBuf
	api := &node.API{App: n.App, RPC: rpclocal.New(n.Comet), MaxBody: 1 << 20, Dept: "ZWFW",
		Logger: cmtlog.NewTMLogger(&logs), Verify: &node.VerifyConfig{Rate: 1000, Burst: 1000},
		VerifyPeers: []string{"http://127.0.0.1:26612", "https://api.scjg.example"}}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	// the /verify page reads the peers here, and their /v1/status from
	// another origin (Access-Control-Allow-Origin: *)
	if r, err := http.Get(srv.URL + "/v1/verify/peers"); err != nil {
		t.Fatal(err)
	} else {
		var p node.VerifyPeers
		err := json.NewDecoder(r.Body).Decode(&p)
		r.Body.Close()
		if err != nil || r.StatusCode != 200 || strings.Join(p.Peers, " ") != "http://127.0.0.1:26612 https://api.scjg.example" {
			t.Fatalf("/v1/verify/peers: %d %v %v", r.StatusCode, p, err)
		}
	}
	if r, err := http.Get(srv.URL + "/v1/status"); err != nil {
		t.Fatal(err)
	} else {
		r.Body.Close()
		if r.StatusCode != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("/v1/status: %d, Access-Control-Allow-Origin %q, want 200 and *", r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	get := func(path string) (int, []byte) {
		t.Helper()
		r, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, b
	}
	// wait until the chain is high enough for a bundle above the trust root
	deadline := time.Now().Add(60 * time.Second)
	var trust bundle.TrustRoot
	for {
		code, body := get("/v1/verify/trust")
		if code == 200 {
			if err := json.Unmarshal(body, &trust); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("trust: %d %s", code, body)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if _, err := trust.Check(); err != nil {
		t.Fatal(err)
	}
	for v, _ := n.App.Store().LastCommit(); v < trust.Height+4; v, _ = n.App.Store().LastCommit() {
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("chain stuck at %d", v)
		}
		time.Sleep(200 * time.Millisecond)
	}
	hash := smcrypto.SM3Hex([]byte("a certificate this chain never saw"))
	code, raw := get("/v1/verify/bundle/" + hash)
	if code != 200 {
		t.Fatalf("bundle: %d %s", code, raw)
	}
	res, err := bundle.Verify(raw, &trust, bundle.Input{Hash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != bundle.Unknown || res.SM2 == nil || len(res.SM2.Depts) != 1 || res.Header.Signed != 1 {
		t.Fatalf("%+v", res)
	}
	t.Logf("%d-byte bundle: %s", len(raw), strings.Join(res.Checks, "; "))
	code, raw = get("/v1/verify/prefix/" + hash[:5])
	if code != 200 {
		t.Fatalf("prefix: %d %s", code, raw)
	}
	if res, err = bundle.Verify(raw, &trust, bundle.Input{Hash: hash}); err != nil || res.Verdict != bundle.Unknown || res.Private == nil {
		t.Fatalf("%v %+v", err, res)
	}
	if !strings.Contains(logs.String(), "prefix="+hash[:5]) || strings.Contains(logs.String(), hash) {
		t.Fatalf("logs:\n%s", logs.String())
	}
	for _, bad := range []string{"/v1/verify/prefix/abc", "/v1/verify/prefix/abcdef012", "/v1/verify/prefix/xyzw", "/v1/verify/bundle/1234", "/v1/verify/bundle/" + hash + "?height=-1"} {
		if code, body := get(bad); code != 400 {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
	// the rate limit, on an API limited to one request every 2 s, bursts of 2
	slow := &node.API{App: n.App, RPC: rpclocal.New(n.Comet), MaxBody: 1 << 20, Verify: &node.VerifyConfig{Rate: 0.5, Burst: 2}}
	ssrv := httptest.NewServer(slow.Handler())
	defer ssrv.Close()
	limited := 0
	for i := 0; i < 20; i++ {
		r, err := http.Get(ssrv.URL + "/v1/verify/prefix/" + hash[:4])
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode == http.StatusTooManyRequests {
			if limited++; r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if limited == 0 {
		t.Fatal("20 requests at once were not rate-limited")
	}
	t.Logf("%d of 20 back-to-back requests limited", limited)
}
