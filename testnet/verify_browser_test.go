package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
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

	"github.com/chromedp/chromedp"

	"github.com/govchain/govchain/node/verify/web"
)

// chromium finds Debian's chromium (CI installs it in .ci/run).
func chromium() string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// artifacts is where the browser test keeps its screenshots
// (testnet/testdata/artifacts, ignored by git).
func artifacts(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("testdata", "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestVerifyPageInBrowser drives the /verify page in headless Chromium at
// a phone's width: a real certificate file is uploaded and hashed in the
// page, its private-lookup bundle verified by the WebAssembly verifier
// (VALID); after the issuer revokes it, REVOKED; an altered file,
// UNKNOWN; a QR link of a batch member, VALID. Screenshots go to
// testnet/testdata/artifacts.
func TestVerifyPageInBrowser(t *testing.T) {
	exe := chromium()
	if exe == "" {
		t.Skip("SKIPPED LOUDLY: no chromium on this machine, so the /verify page is NOT tested here (CI installs it: apt-get install chromium)")
	}
	// Build the WebAssembly verifier into the user cache first (the nodes
	// would build it on the first page load; this keeps the page test's
	// timeouts about the page).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var p web.Provider
	art, err := p.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("verifier: %.1f MiB of WebAssembly, %.1f MiB gzipped (key %s)", float64(art.Size)/(1<<20), float64(len(art.WasmGz))/(1<<20), art.Key)

	e := newVerifyEnv(t)
	net, dir := e.net, e.dir
	valid := filepath.Join(dir, "bl-福州榕城科技有限公司.txt")
	tampered := filepath.Join(t.TempDir(), "altered.pdf")
	b, _ := os.ReadFile(valid)
	os.WriteFile(tampered, append(b, '!'), 0o644)
	shots := artifacts(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(390, 844)) // a phone
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer bcancel()
	if _, err := chromedp.Run(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	base := "http://" + net.Nodes[0].API + "/verify"

	// check loads the page (fragment optional), uploads file if given,
	// waits for a verdict and keeps a screenshot.
	check := func(name, url, file, want string) {
		t.Helper()
		step, cancel := context.WithTimeout(bctx, 4*time.Minute)
		defer cancel()
		pageStatus := func() string {
			st, _ := chromedp.Run(bctx, chromedp.Text("#status"))
			return st
		}
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate("about:blank"),
			chromedp.Navigate(url),
			chromedp.WaitVisible("#trustbox"),
			func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
				_, err := chromedp.Poll[chromedp.Void](`window.govchainReady === true && document.getElementById("trust").textContent.length > 5`,
					chromedp.WithPollingTimeout(3*time.Minute))(ctx, t)
				return chromedp.Void{}, err
			},
		}
		if file != "" {
			steps = append(steps, chromedp.SetUploadFiles("#file", []string{file}))
		}
		steps = append(steps, chromedp.WaitVisible("#verdict[data-verdict]"))
		if err := chromedp.Do(step, steps...); err != nil {
			t.Fatalf("%s: %v (page status: %s)", name, err, pageStatus())
		}
		attr, err := chromedp.Run(step, chromedp.AttributeValue("#verdict", "data-verdict"))
		if err != nil {
			t.Fatal(err)
		}
		verdict := attr.Value
		facts, _ := chromedp.Run(step, chromedp.Text("#facts"))
		status := pageStatus()
		shot, err := chromedp.Run(step, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(shots, "verify-"+name+".png")
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s — %s (screenshot %s)", name, verdict, strings.ReplaceAll(facts, "\n", " | "), path)
		if verdict != want {
			t.Fatalf("%s: page says %s, want %s; status %q", name, verdict, want, status)
		}
	}

	check("valid", base, valid, "VALID")
	before, err := net.Client(0).Status(ctx) // a state in which it is valid
	if err != nil {
		t.Fatal(err)
	}
	// the issuer revokes it; the page, reloaded, says so
	scjgKey := filepath.Join(net.Nodes[1].Home, "keys", "dept.pem")
	if out, stderr, code := e.run(net.Nodes[1].API, "cert", "revoke", "--key", scjgKey, "--file", valid, "--reason", "04", "--wait", "commit", "-o", "json"); code != 0 {
		t.Fatalf("revoke: %s %s", out, stderr)
	}
	st, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.WaitHeight(ctx, st.Height+3); err != nil {
		t.Fatal(err)
	}
	check("revoked", base, valid, "REVOKED")
	// a proxy in front of node 0 answering with the state before the
	// revocation: correctly signed, VALID as of then; the page judges its
	// age (the link asks for at most 1 s; the state is several blocks of at
	// least 1 s old) and says STALE, not VALID
	proxy := olderStateProxy(t, net.Nodes[0].API, before.Height)
	check("stale-older-state", proxy+"/verify#h="+certFileHash(t, valid)+"&maxage=1s", "", "STALE")
	// the same proxy, but the link allows an hour: the older state is young
	// enough, yet below the latest height that the other departments' nodes
	// (node 0's verify_peers) report, so the page says STALE, not VALID
	check("stale-below-latest", proxy+"/verify#h="+certFileHash(t, valid)+"&maxage=1h", "", "STALE")
	// only the serving node's department answers (the link names a single
	// node, which is down): the page cannot confirm the latest state
	check("stale-one-department", base+"#h="+certFileHash(t, valid)+"&maxage=1h&nodes=http://127.0.0.1:1", "", "STALE")
	check("tampered", base, tampered, "UNKNOWN")
	// how long the WebAssembly verifier takes in the page, per bundle
	// (the page is loaded and its trust root set by the checks above)
	ms, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`(async () => {
		const hash = document.getElementById("hashline").textContent.slice(4);
		const r = await fetch("/v1/verify/bundle/" + hash);
		const text = await r.text();
		const t0 = performance.now();
		for (let i = 0; i < 20; i++) govchainVerify(text, JSON.stringify(trust), hash, "", Date.now());
		return (performance.now() - t0) / 20;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("WebAssembly verifier in headless Chromium: %.1f ms per full bundle", ms)
	// a QR link: hash and inclusion path in the fragment, no file needed
	out, stderr, code := e.run(net.Nodes[0].API, "cert", "qr", "--file", filepath.Join(dir, "batch-BL-demo", "bl-0042.txt"),
		"--batch-file", filepath.Join(dir, "batch-BL-demo.json"), "--url", "http://"+net.Nodes[2].API, "--out", filepath.Join(shots, "qr-bl-0042.png"))
	if code != 0 {
		t.Fatalf("qr: %s %s", out, stderr)
	}
	link := strings.SplitN(string(out), "\n", 2)[0]
	check("qr-link-batch-member", link, "", "VALID")
	fmt.Fprintln(os.Stderr, "screenshots:", shots)
}

// olderStateProxy is a reverse proxy in front of api that makes every
// /v1/verify/* request ask for state height, and says in /v1/status that
// height is the latest: a node serving an older, correctly signed state.
// It returns the proxy's base URL.
func olderStateProxy(t *testing.T, api string, height int64) string {
	target, _ := url.Parse("http://" + api)
	proxy := httputil.NewSingleHostReverseProxy(target)
	director := proxy.Director
	proxy.Director = func(r *http.Request) {
		director(r)
		if strings.HasPrefix(r.URL.Path, "/v1/verify/") {
			q := r.URL.Query()
			q.Set("height", strconv.FormatInt(height, 10))
			r.URL.RawQuery = q.Encode()
		}
	}
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path != "/v1/status" || r.StatusCode != http.StatusOK {
			return nil
		}
		var st map[string]any
		if err := json.NewDecoder(r.Body).Decode(&st); err != nil {
			return err
		}
		r.Body.Close()
		st["height"] = height
		b, _ := json.Marshal(st)
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Length", strconv.Itoa(len(b)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}
