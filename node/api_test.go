package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

var (
	shared    *node.Node
	sharedNet *testnet.Network
	sharedErr error
	once      sync.Once
)

// TestMain stops the shared node after all tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Stop()
		os.RemoveAll(sharedNet.Dir)
	}
	os.Exit(code)
}

// startOne returns the package's single-validator node running in this
// process. CometBFT registers its Prometheus metrics globally, so one
// process holds one node; the tests share it.
func startOne(t testing.TB) (*node.Node, *testnet.Network) {
	t.Helper()
	once.Do(func() {
		base, err := testnet.FreeBasePort(1)
		if err != nil {
			sharedErr = err
			return
		}
		dir, _ := os.MkdirTemp("", "govchain-node-test")
		sharedNet, err = testnet.Create(dir, testnet.Options{Validators: 1, BasePort: base, Binary: os.Args[0], TimeoutCommit: 200 * time.Millisecond})
		if err != nil {
			sharedErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shared, sharedErr = node.Start(ctx, node.Home(sharedNet.Nodes[0].Home), io.Discard, []byte(testnet.Passphrase))
		if sharedErr == nil {
			_, sharedErr = sharedNet.Client(0).WaitHeight(ctx, 2)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared, sharedNet
}

type openAPI struct {
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

// TestOpenAPIMatchesRoutes: every documented path and method answers on the
// real server (never 404/405), and every real route is documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	n, net := startOne(t)
	base := "http://" + n.APIAddr()
	// Every documented route must be able to answer: the verify routes
	// serve state two below the latest (its header's quorum certificate is
	// stored one block later), so the chain must be at height 3 at least.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := net.Client(0).WaitHeight(ctx, 3); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPI
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	resp.Body.Close()
	admin, err := net.DeptKey(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.NewSigner(context.Background(), net.Client(0), net.ChainID, admin)
	if err != nil {
		t.Fatal(err)
	}
	officer, _ := smcrypto.GenerateKey()
	reg, err := s.RegisterAccount(officer, "officer")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := s.Build(identity.MsgRegisterAccount, reg)
	if err != nil {
		t.Fatal(err)
	}
	subst := strings.NewReplacer("{hash}", strings.Repeat("0", 64), "{key_id}", admin.PublicKey().ID().String())
	var documented []string
	for path, methods := range doc.Paths {
		for m := range methods {
			method := strings.ToUpper(m)
			documented = append(documented, method+" "+path)
			url := base + subst.Replace(path)
			var body io.Reader
			if path == "/v1/state" {
				url += "?key=chain_id&prove=true"
			}
			if path == "/v1/list" {
				url += "?prefix=id/dept/"
			}
			if method == "POST" {
				b, _ := json.Marshal(node.SubmitRequest{Tx: signed})
				body = bytes.NewReader(b)
			}
			req, _ := http.NewRequest(method, url, body)
			if path == "/v1/events/stream" {
				// a stream does not end: check it starts, then hang up
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				if ct := r.Header.Get("Content-Type"); r.StatusCode != http.StatusOK || ct != "text/event-stream" {
					t.Errorf("%s %s: HTTP %d %s, want 200 text/event-stream", method, path, r.StatusCode, ct)
				}
				r.Body.Close()
				continue
			}
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if r.StatusCode == http.StatusNotFound && !strings.Contains(path, "{hash}") || r.StatusCode == http.StatusMethodNotAllowed {
				t.Errorf("%s %s: HTTP %d (documented but not served): %s", method, path, r.StatusCode, raw)
			}
			if !json.Valid(raw) {
				t.Errorf("%s %s: answer is not JSON: %s", method, path, raw)
			}
			if r.StatusCode >= 500 {
				t.Errorf("%s %s: HTTP %d: %s", method, path, r.StatusCode, raw)
			}
		}
	}
	real := node.RoutePatterns()
	sort.Strings(real)
	sort.Strings(documented)
	if strings.Join(real, "\n") != strings.Join(documented, "\n") {
		t.Fatalf("OpenAPI document and routes differ:\n routes:\n  %s\n documented:\n  %s", strings.Join(real, "\n  "), strings.Join(documented, "\n  "))
	}
}

// TestVerifyNotYetIs503: a height the chain cannot serve yet answers 503
// with Retry-After and the JSON error body, not 404 ("no such thing").
func TestVerifyNotYetIs503(t *testing.T) {
	n, _ := startOne(t)
	for _, path := range []string{"/v1/verify/trust?height=1000000000", "/v1/verify/bundle/" + strings.Repeat("0", 64) + "?height=1000000000"} {
		var r *http.Response
		for { // the verify routes are rate-limited per client: other tests may have spent the tokens
			var err error
			if r, err = http.Get("http://" + n.APIAddr() + path); err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != http.StatusTooManyRequests {
				break
			}
			r.Body.Close()
			time.Sleep(time.Second)
		}
		var e node.Error
		err := json.NewDecoder(r.Body).Decode(&e)
		r.Body.Close()
		if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || err != nil || e.Codespace != "verify" || !strings.Contains(e.Message, "too recent") {
			t.Errorf("GET %s: HTTP %d, Retry-After %q, body %+v (%v); want 503 with Retry-After and a verify error saying too recent", path, r.StatusCode, r.Header.Get("Retry-After"), e, err)
		}
	}
}

func TestAPILimitsAndErrors(t *testing.T) {
	n, _ := startOne(t)
	base := "http://" + n.APIAddr()
	big := bytes.Repeat([]byte("A"), int(n.Config.MaxBodyBytes)+10)
	r, err := http.Post(base+"/v1/txs", "application/json", bytes.NewReader(append(append([]byte(`{"tx":"`), big...), '"', '}')))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: HTTP %d, want 413", r.StatusCode)
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/v1/state", 400},
		{"/v1/state?key=chain_id&height=-1", 400},
		{"/v1/state?key=chain_id&height=999999", 404},
		{"/v1/accounts/zz", 400},
		{"/v1/txs/abc", 400},
		{"/v1/state?key=" + strings.Repeat("k", 5000), 414},
	} {
		r, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		var e node.Error
		json.NewDecoder(r.Body).Decode(&e)
		r.Body.Close()
		if r.StatusCode != tc.want || e.Message == "" {
			t.Errorf("%s: HTTP %d %+v, want %d with a message", tc.path[:min(40, len(tc.path))], r.StatusCode, e, tc.want)
		}
	}
}

func TestMetricsExposeAppCounters(t *testing.T) {
	n, net := startOne(t)
	_ = n
	admin, _ := net.DeptKey(0)
	ctx := context.Background()
	s, err := client.NewSigner(ctx, net.Client(0), net.ChainID, admin)
	if err != nil {
		t.Fatal(err)
	}
	officer, _ := smcrypto.GenerateKey()
	reg, err := s.RegisterAccount(officer, "officer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(ctx, net.Client(0), identity.MsgRegisterAccount, reg, "commit"); err != nil {
		t.Fatal(err)
	}
	r, err := http.Get("http://" + net.Nodes[0].Prom + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	for _, want := range []string{`govchain_txs_total{code="0",codespace="ok",phase="deliver",type="identity.register_account"}`, "cometbft_consensus_height", "govchain_disk_free_bytes", "govchain_disk_full 0"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
