package docker

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
)

// TestVerifyPageFromScratchImage: a validator in the FROM scratch image
// (no Go toolchain, no source tree) answers the very first request for
// /verify and for the WebAssembly verifier the page loads with the
// verifier embedded in the binary: HTTP 200, gzip-encoded WebAssembly
// whose SM3 is what `govchain version` says it embeds.
func TestVerifyPageFromScratchImage(t *testing.T) {
	needDocker(t)
	out, err := exec.Command(binary, "version", "--output", "json").Output()
	if err != nil {
		t.Fatalf("govchain version: %v", err)
	}
	var ver struct {
		Verifier struct {
			Embedded bool   `json:"embedded"`
			SM3      string `json:"sm3"`
			Size     int    `json:"size"`
			GzipSize int    `json:"gzip_size"`
		} `json:"verifier"`
	}
	if err := json.Unmarshal(out, &ver); err != nil || !ver.Verifier.Embedded {
		t.Fatalf("the suite's binary does not say it embeds the verifier: %v\n%s", err, out)
	}
	if !bytes.Contains(Dockerfile, []byte("\nFROM scratch\n")) {
		t.Fatal("the image is no longer FROM scratch")
	}

	net := up(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if o, err := Docker(ctx, "exec", net.Nodes[0].Container, "go", "version"); err == nil {
		t.Fatalf("the container has a Go toolchain: %s", o)
	}
	base := "http://" + net.Nodes[0].API
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: time.Minute}
	get := func(path, acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
		}
		return resp, b
	}
	find := func(re, in, what string) string {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(in)
		if m == nil {
			t.Fatalf("%s: no %s", what, re)
		}
		return m[1]
	}

	// The page, and the URLs it loads the verifier from.
	_, page := get("/verify", "")
	script := find(`<script src="(/verify/[^"]+\.js)"`, string(page), "/verify")
	_, app := get(script, "")
	wasmURL := find(`fetch\("(/verify/[^"]+\.wasm)"\)`, string(app), script)
	execURL := find(`"(/verify/wasm_exec\.js)"`, string(app), script)

	// First request for the module: answered with it, not "being built".
	resp, gz := get(wasmURL, "gzip, deflate, br")
	if ct, ce := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"); ct != "application/wasm" || ce != "gzip" {
		t.Fatalf("%s: Content-Type %q, Content-Encoding %q", wasmURL, ct, ce)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("%s: %v", wasmURL, err)
	}
	wasm, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: gunzip: %v", wasmURL, err)
	}
	if !bytes.HasPrefix(wasm, []byte("\x00asm")) {
		t.Fatalf("%s: not WebAssembly: % x", wasmURL, wasm[:min(8, len(wasm))])
	}
	if sum := smcrypto.SM3Hex(wasm); sum != ver.Verifier.SM3 || len(wasm) != ver.Verifier.Size || len(gz) != ver.Verifier.GzipSize {
		t.Fatalf("%s: served %d bytes (%d gzipped) SM3 %s; the binary says it embeds %d (%d) SM3 %s",
			wasmURL, len(wasm), len(gz), sum, ver.Verifier.Size, ver.Verifier.GzipSize, ver.Verifier.SM3)
	}
	if etag := resp.Header.Get("ETag"); !strings.Contains(etag, ver.Verifier.SM3) {
		t.Fatalf("%s: ETag %q", wasmURL, etag)
	}
	// A client that does not take gzip gets the same module plain.
	resp, plain := get(wasmURL, "identity")
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(plain, wasm) {
		t.Fatalf("%s without gzip: Content-Encoding %q, %d bytes", wasmURL, resp.Header.Get("Content-Encoding"), len(plain))
	}
	if _, js := get(execURL, ""); !bytes.Contains(js, []byte("Go")) {
		t.Fatalf("%s: %d bytes, not Go's wasm_exec.js", execURL, len(js))
	}
	t.Logf("FROM scratch node served %s on first request: %.1f MiB of WebAssembly (%.1f MiB gzipped), SM3 %s",
		wasmURL, float64(len(wasm))/(1<<20), float64(len(gz))/(1<<20), ver.Verifier.SM3)
}
