package testnet_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/proof/bundle/bundletest"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/certdemo"
	"github.com/govchain/govchain/testnet"
)

// verifyEnv runs `govchain verify` and friends through the binary, with a
// client home of its own (trust.json).
type verifyEnv struct {
	t    *testing.T
	net  *testnet.Network
	home string
	dir  string // demo certificate files
}

// run returns stdout, stderr and the exit code.
func (e *verifyEnv) run(node string, args ...string) ([]byte, string, int) {
	e.t.Helper()
	cmd := exec.Command(binary, append(args, "--home", e.home, "--node", node)...)
	cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.Bytes(), stderr.String(), 0
	case errors.As(err, &ee):
		return out.Bytes(), stderr.String(), ee.ExitCode()
	}
	e.t.Fatalf("govchain %s: %v", strings.Join(args, " "), err)
	return nil, "", 0
}

// verdict runs `verify -o json` and checks the exit code and verdict.
func (e *verifyEnv) verdict(node string, wantCode int, wantVerdict string, args ...string) map[string]any {
	e.t.Helper()
	out, stderr, code := e.run(node, append([]string{"verify", "-o", "json"}, args...)...)
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		e.t.Fatalf("verify %s: exit %d, not JSON: %s\n%s", strings.Join(args, " "), code, out, stderr)
	}
	if code != wantCode || res["verdict"] != wantVerdict {
		e.t.Fatalf("verify %s: exit %d verdict %v, want %d %s\n%s\n%s", strings.Join(args, " "), code, res["verdict"], wantCode, wantVerdict, out, stderr)
	}
	return res
}

func newVerifyEnv(t *testing.T) *verifyEnv {
	net := startCertNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var seedOut bytes.Buffer
	if err := certdemo.Seed(ctx, net.DemoNet(), &seedOut); err != nil {
		t.Fatalf("seed: %v\n%s", err, seedOut.String())
	}
	e := &verifyEnv{t: t, net: net, home: t.TempDir(), dir: certdemo.Dir(net.Dir)}
	// the trust root: three departments' nodes must agree
	out, stderr, code := e.run(net.Nodes[0].API, "verify", "init-trust", "--nodes", net.Nodes[0].API+","+net.Nodes[1].API+","+net.Nodes[2].API)
	if code != 0 {
		t.Fatalf("init-trust: %d %s %s", code, out, stderr)
	}
	t.Logf("init-trust: %s", out)
	return e
}

func sm2Depts(res map[string]any) int {
	s, _ := res["sm2"].(map[string]any)
	d, _ := s["depts"].([]any)
	return len(d)
}

// TestVerifyOnFourNodes: every verdict through `govchain verify` against a
// 4-validator network (online, assembled here from CometBFT RPC, private
// prefix lookups, offline bundles), with the exit codes of each; tampered
// bundles, a wrong validator set and a stale trust root are rejected with
// the failing step; the nodes' logs never see a hash looked up privately.
func TestVerifyOnFourNodes(t *testing.T) {
	e := newVerifyEnv(t)
	net, dir := e.net, e.dir
	n0, n1, n2, n3 := net.Nodes[0].API, net.Nodes[1].API, net.Nodes[2].API, net.Nodes[3].API
	valid := filepath.Join(dir, "bl-福州闽江贸易有限公司.txt")
	revoked := filepath.Join(dir, "bl-福州三坊七巷餐饮有限公司.txt")
	batchFile := filepath.Join(dir, "batch-BL-demo.json")
	var bf certificate.BatchFile
	raw, _ := os.ReadFile(batchFile)
	certJSON(t, raw, &bf)
	tampered := filepath.Join(t.TempDir(), "altered.txt")
	b, _ := os.ReadFile(valid)
	os.WriteFile(tampered, append(b, ' '), 0o644)

	// An expired certificate: WJW anchors an MPL valid only in 2020.
	expired := filepath.Join(t.TempDir(), "mpl-expired.txt")
	os.WriteFile(expired, []byte("医师执业证书 (expired in 2020, fictional)"), 0o644)
	wjwKey := filepath.Join(net.Nodes[3].Home, "keys", "dept.pem")
	if out, stderr, code := e.run(n3, "cert", "anchor", "--key", wjwKey, "--type", "MPL", "--file", expired, "--licence-no", "110350100000001",
		"--holder-kind", "org", "--holder-id", "91350100M000100Y43", "--issue-date", "2020-01-01", "--valid-until", "2020-12-31", "--wait", "commit"); code != 0 {
		t.Fatalf("anchor expired: %s %s", out, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, _ := net.Client(0).Status(ctx)
	if err := net.WaitHeight(ctx, st.Height+3); err != nil {
		t.Fatal(err)
	}

	t.Run("verdicts", func(t *testing.T) {
		res := e.verdict(n0, 0, "VALID", valid)
		if sm2Depts(res) < 3 || res["header"].(map[string]any)["signed"].(float64) < 3 {
			t.Fatalf("signatures: %v %v", res["sm2"], res["header"])
		}
		res = e.verdict(n1, 2, "REVOKED", revoked)
		if c := res["certificate"].(map[string]any); c["reason"] != "04" || c["issuer"] != "SCJG" || c["issuer_name"] == "" {
			t.Fatalf("revoked: %v", c)
		}
		e.verdict(n2, 3, "SUSPENDED", bf.Members[17].File, "--batch-file", batchFile)
		e.verdict(n3, 0, "VALID", bf.Members[42].File, "--batch-file", batchFile)
		e.verdict(n0, 0, "VALID", "--hash", bf.Members[43].Hash, "--batch-root", bf.Root, "--batch-index", "43", "--batch-path", strings.Join(bf.Members[43].Path, ","))
		e.verdict(n0, 5, "UNKNOWN", bf.Members[42].File) // a batch member without its path proves nothing
		e.verdict(n1, 4, "EXPIRED", expired)
		e.verdict(n2, 5, "UNKNOWN", tampered)
		// text output names verdict, issuer, signatures and the trust root
		out, _, code := e.run(n0, "verify", revoked)
		if code != 2 || !bytes.Contains(out, []byte("REVOKED 已撤销")) || !bytes.Contains(out, []byte("SM2:")) || !bytes.Contains(out, []byte("trust root: header")) {
			t.Fatalf("text: %d\n%s", code, out)
		}
		t.Logf("govchain verify %s:\n%s", filepath.Base(revoked), out)
	})

	t.Run("assembled from CometBFT RPC", func(t *testing.T) {
		// proofs from node 2's API, headers from node 1's CometBFT RPC
		e.verdict(n2, 0, "VALID", valid, "--rpc", net.Nodes[1].RPC)
		e.verdict(n2, 2, "REVOKED", revoked, "--rpc", net.Nodes[3].RPC, "--private")
	})

	t.Run("private lookups", func(t *testing.T) {
		hash := certFileHash(t, revoked)
		res := e.verdict(n3, 2, "REVOKED", revoked, "--private", "--prefix-bits", "16")
		if p := res["private"].(map[string]any); p["bits"].(float64) != 16 {
			t.Fatalf("private: %v", p)
		}
		e.verdict(n3, 0, "VALID", valid, "--private")
		e.verdict(n3, 5, "UNKNOWN", tampered, "--private", "--prefix-bits", "24")
		e.verdict(n3, 3, "SUSPENDED", bf.Members[17].File, "--batch-file", batchFile, "--private")
		// node 3 logged the prefix, and no full hash of a private lookup
		logb, _ := os.ReadFile(filepath.Join(net.Nodes[3].Home, "node.log"))
		if !bytes.Contains(logb, []byte("prefix="+hash[:4])) {
			t.Fatalf("node 3 did not log the prefix lookup")
		}
		for _, f := range []string{revoked, valid, tampered, bf.Members[17].File} {
			if h := certFileHash(t, f); bytes.Contains(logb, []byte(h)) {
				t.Fatalf("node 3's log contains the hash %s of a private lookup", h)
			}
		}
		// a prefix too short or too long for the node
		out, stderr, code := e.run(n3, "verify", valid, "--private", "--prefix-bits", "8")
		if code != 1 || !strings.Contains(stderr, "16 to 32 bits") {
			t.Fatalf("8-bit prefix: %d %s %s", code, out, stderr)
		}
	})

	t.Run("offline bundles", func(t *testing.T) {
		bdir := t.TempDir()
		write := func(name string, node string, args ...string) string {
			t.Helper()
			out, stderr, code := e.run(node, append([]string{"cert", "bundle"}, args...)...)
			if code != 0 {
				t.Fatalf("cert bundle %v: %s", args, stderr)
			}
			p := filepath.Join(bdir, name)
			os.WriteFile(p, out, 0o644)
			t.Logf("%s: %s", name, strings.TrimSpace(stderr))
			return p
		}
		full := write("valid.json", n3, "--file", valid, "--sm2")
		compact := write("compact.json", n2, "--file", valid)
		member := write("member.json", n1, "--file", bf.Members[42].File, "--batch-file", batchFile)
		rev := write("revoked.json", n0, "--file", revoked)
		dead := "127.0.0.1:1" // no network: nothing listens there
		e.verdict(dead, 0, "VALID", valid, "--bundle", full)
		e.verdict(dead, 0, "VALID", valid, "--bundle", compact)
		e.verdict(dead, 0, "VALID", bf.Members[42].File, "--bundle", member)
		e.verdict(dead, 2, "REVOKED", revoked, "--bundle", rev)
		for _, p := range []string{full, compact} {
			b, _ := os.ReadFile(p)
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			t.Logf("%s: %d bytes, %d gzipped", filepath.Base(p), len(b), gz.Len())
		}
		// the default bundle meets the 4 KiB target
		if b, _ := os.ReadFile(compact); len(b) > 4096 {
			t.Errorf("default bundle is %d bytes, target 4096", len(b))
		}
		// the bundle of another file
		failed := func(name, bundlePath string, file string, step string) {
			t.Helper()
			res := e.verdict(dead, 6, "FAILED", file, "--bundle", bundlePath)
			if res["step"] != step {
				t.Fatalf("%s: step %v, want %s: %v", name, res["step"], step, res["error"])
			}
			t.Logf("%s: rejected at %s: %v", name, res["step"], res["error"])
		}
		failed("another file's bundle", rev, valid, bundle.StepInput)
		alter := func(name string, f func(b *bundle.Bundle)) string {
			raw, _ := os.ReadFile(full)
			b, err := bundle.Decode(raw)
			if err != nil {
				t.Fatal(err)
			}
			f(b)
			out, _ := b.Encode()
			p := filepath.Join(bdir, name)
			os.WriteFile(p, out, 0o644)
			return p
		}
		// tampered header: the app hash of another height
		failed("tampered header", alter("header.json", func(b *bundle.Bundle) {
			lb, _ := bundle.DecodeBlock(b.Block)
			lb.AppHash = bytes.Repeat([]byte{1}, 32)
			b.Block, _ = bundle.EncodeBlock(lb)
		}), valid, bundle.StepHeader)
		// tampered proof: one byte of the record proof
		failed("tampered proof", alter("proof.json", func(b *bundle.Bundle) { b.Record[len(b.Record)-5] ^= 1 }), valid, bundle.StepRecord)
		// wrong validator set: four other keys
		failed("wrong validator set", alter("vals.json", func(b *bundle.Bundle) {
			lb, _ := bundle.DecodeBlock(b.Block)
			var vs []bundletest.Val
			for i := 0; i < 4; i++ {
				vs = append(vs, bundletest.Val{Key: ed25519.GenPrivKey(), Power: 10})
			}
			lb.ValidatorSet = bundletest.LightSet(vs)
			b.Block, _ = bundle.EncodeBlock(lb)
		}), valid, bundle.StepValidators)
		// a byte flipped in the raw file (the JSON itself)
		raw, _ := os.ReadFile(full)
		raw[len(raw)/2] ^= 0x04
		flipped := filepath.Join(bdir, "flipped.json")
		os.WriteFile(flipped, raw, 0o644)
		res := e.verdict(dead, 6, "FAILED", valid, "--bundle", flipped)
		t.Logf("flipped byte %d: rejected at %v: %v", len(raw)/2, res["step"], res["error"])
		// a stale trust root: its trusting period is over
		var tr bundle.TrustRoot
		tb, _ := os.ReadFile(filepath.Join(e.home, "trust.json"))
		json.Unmarshal(tb, &tr)
		tr.TrustingPeriod = "1ms"
		stale := filepath.Join(bdir, "stale-trust.json")
		sb, _ := json.Marshal(tr)
		os.WriteFile(stale, sb, 0o644)
		res = e.verdict(dead, 6, "FAILED", valid, "--bundle", full, "--trust", stale)
		if res["step"] != bundle.StepTrust || !strings.Contains(res["error"].(string), "expired") {
			t.Fatalf("stale trust root: %v", res)
		}
		// and the QR link of the certificate
		out, _, code := e.run(n0, "cert", "qr", "--file", valid, "--trust", filepath.Join(e.home, "trust.json"), "-o", "json")
		var qr struct{ Link string }
		json.Unmarshal(out, &qr)
		if code != 0 || !strings.Contains(qr.Link, "/verify#h="+certFileHash(t, valid)) || !strings.Contains(qr.Link, "&t=") {
			t.Fatalf("qr: %s", out)
		}
	})

	t.Run("a node serving older state", func(t *testing.T) { verifyOlderState(t, e, revoked) })

	t.Run("init-trust refuses disagreeing nodes", func(t *testing.T) {
		// one node only, without the district's hash
		_, stderr, code := e.run(n0, "verify", "init-trust", "--nodes", n0, "--out", filepath.Join(t.TempDir(), "t.json"))
		if code != 1 || !strings.Contains(stderr, "at least two nodes") {
			t.Fatalf("%d %s", code, stderr)
		}
		// the district's published hash that does not match
		_, stderr, code = e.run(n0, "verify", "init-trust", "--nodes", n0, "--height", "3", "--hash", strings.Repeat("AB", 32), "--out", filepath.Join(t.TempDir(), "t.json"))
		if code != 1 || !strings.Contains(stderr, "the district says") {
			t.Fatalf("%d %s", code, stderr)
		}
		// the same node twice, or one node under two addresses: one node's word
		host, port, _ := strings.Cut(n1, ":")
		alias := "localhost:" + port
		if host != "127.0.0.1" {
			t.Fatalf("node address %s", n1)
		}
		for _, tc := range []struct{ nodes, want string }{
			{n1 + "," + n1, "given twice"},
			{n1 + "," + alias, "are the same node"},
			{n2 + "," + n1 + "," + alias, "are the same node"},
		} {
			_, stderr, code := e.run(n0, "verify", "init-trust", "--nodes", tc.nodes, "--out", filepath.Join(t.TempDir(), "t.json"))
			if code != 1 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "two different departments' nodes must agree") {
				t.Fatalf("init-trust --nodes %s: %d %s", tc.nodes, code, stderr)
			}
		}
	})
}

// verifyOlderState: a node (here a reverse proxy in front of node 0) that
// answers /v1/verify/* with an older, correctly signed state — the
// revoked certificate before its revocation — and claims in /v1/status to
// be at that height. The proofs check out, but the answer is STALE (exit
// 7), never VALID: the chain's latest height comes from other
// departments' nodes, and the header is older than --max-age. Offline,
// the same old bundle prints its age first and is STALE beyond --max-age.
func verifyOlderState(t *testing.T, e *verifyEnv, revoked string) {
	net := e.net
	n0, n1, n2 := net.Nodes[0].API, net.Nodes[1].API, net.Nodes[2].API
	res := e.verdict(n1, 2, "REVOKED", revoked)
	changed := int64(res["certificate"].(map[string]any)["changed_height"].(float64))
	older := changed - 1 // the last state before the revocation
	// a trust root below that state (the environment's is newer, and
	// there is no backward verification)
	oldTrust := filepath.Join(t.TempDir(), "trust.json")
	if out, stderr, code := e.run(n1, "verify", "init-trust", "--nodes", n1+","+n2, "--height", strconv.FormatInt(older, 10), "--out", oldTrust); code != 0 {
		t.Fatalf("init-trust at %d: %s %s", older, out, stderr)
	}

	target, _ := url.Parse("http://" + n0)
	proxy := httputil.NewSingleHostReverseProxy(target)
	director := proxy.Director
	proxy.Director = func(r *http.Request) {
		director(r)
		if strings.HasPrefix(r.URL.Path, "/v1/verify/") {
			q := r.URL.Query()
			q.Set("height", strconv.FormatInt(older, 10))
			r.URL.RawQuery = q.Encode()
		}
	}
	// and its /v1/status claims that height
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path != "/v1/status" {
			return nil
		}
		var st map[string]any
		if err := json.NewDecoder(r.Body).Decode(&st); err != nil {
			return err
		}
		r.Body.Close()
		st["height"] = older + 2 // "I am at that height": the others say otherwise
		b, _ := json.Marshal(st)
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	liar := strings.TrimPrefix(srv.URL, "http://")

	// the old state is correctly signed: it proves VALID as of then
	res = e.verdict(liar, 7, "STALE", revoked, "--trust", oldTrust)
	fr := res["freshness"].(map[string]any)
	if res["proven_verdict"] != "VALID" || int64(res["height"].(float64)) != older || fr["stale"] != true ||
		int64(fr["latest_height"].(float64)) < changed || len(fr["latest_from"].([]any)) < 2 {
		t.Fatalf("older state: %v", res)
	}
	t.Logf("older state %d through the proxy: %v", older, fr["reason"])
	// without an age bound, the latest height alone makes it STALE
	res = e.verdict(liar, 7, "STALE", revoked, "--trust", oldTrust, "--max-age", "0")
	if r := res["freshness"].(map[string]any)["reason"].(string); !strings.Contains(r, "is below") {
		t.Fatalf("--max-age 0: %v", r)
	}
	// with private lookups too, and the text says what was, as of when
	out, _, code := e.run(liar, "verify", revoked, "--trust", oldTrust, "--private")
	if code != 7 || !bytes.HasPrefix(out, []byte("STALE")) || !bytes.Contains(out, []byte("VALID 有效 as of ")) || bytes.HasPrefix(out, []byte("VALID")) {
		t.Fatalf("text: %d\n%s", code, out)
	}
	t.Logf("govchain verify through the proxy:\n%s", out)
	// the proxy alone cannot say how high the chain is
	_, stderr, code := e.run(liar, "verify", revoked, "--trust", oldTrust, "--nodes", liar)
	if code != 1 || !strings.Contains(stderr, "two departments") {
		t.Fatalf("--nodes of the proxy only: %d %s", code, stderr)
	}
	// the honest node, from the same old trust root: REVOKED
	e.verdict(n0, 2, "REVOKED", revoked, "--trust", oldTrust)

	// offline: the old bundle verifies, its age printed first; STALE
	// beyond --max-age. The state is many blocks (each at least a
	// timeout_commit of 1 s) old, so older than 1 s.
	bpath := filepath.Join(t.TempDir(), "old.json")
	if out, stderr, code := e.run(n0, "cert", "bundle", "--file", revoked, "--height", strconv.FormatInt(older, 10), "--out", bpath); code != 0 {
		t.Fatalf("cert bundle --height %d: %s %s", older, out, stderr)
	}
	dead := "127.0.0.1:1"
	res = e.verdict(dead, 0, "VALID", revoked, "--bundle", bpath, "--trust", oldTrust)
	if fr := res["freshness"].(map[string]any); fr["stale"] != false || fr["age_seconds"].(float64) < 1 || fr["max_age"] != nil {
		t.Fatalf("offline, no maximum age: %v", fr)
	}
	out, _, code = e.run(dead, "verify", revoked, "--bundle", bpath, "--trust", oldTrust)
	if code != 0 || !bytes.HasPrefix(out, []byte(fmt.Sprintf("bundle of state %d as of ", older))) {
		t.Fatalf("offline text: %d\n%s", code, out)
	}
	res = e.verdict(dead, 7, "STALE", revoked, "--bundle", bpath, "--trust", oldTrust, "--max-age", "1s")
	if res["proven_verdict"] != "VALID" {
		t.Fatalf("offline --max-age 1s: %v", res)
	}
	e.verdict(dead, 0, "VALID", revoked, "--bundle", bpath, "--trust", oldTrust, "--max-age", "720h")
}
