package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
)

// fakeVerifier is a small module with the WebAssembly header (the real one
// is 6 MB; the handler only moves bytes).
func fakeVerifier(t *testing.T, fill byte) (wasm, gz []byte) {
	t.Helper()
	wasm = append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte{fill, 0x17, 0x2a}, 20000)...)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(wasm)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return wasm, b.Bytes()
}

// embedFake makes the package see dir (written by WriteEmbed) as the
// embedded verifier, as `-tags embedwasm` would, for this test.
func embedFake(t *testing.T, a *Artifacts) (string, Info) {
	t.Helper()
	dir := t.TempDir()
	in, err := WriteEmbed(dir, a)
	if err != nil {
		t.Fatal(err)
	}
	old := embedded
	embedded = os.DirFS(dir)
	t.Cleanup(func() { embedded = old })
	return dir, in
}

// noToolchain leaves this process (and anything it starts) without Go, a
// source tree pointer, a verifier directory or a warm cache: a node in the
// FROM scratch image.
func noToolchain(t *testing.T) {
	t.Helper()
	t.Setenv("PATH", "")
	t.Setenv("GOVCHAIN_SRC", "")
	t.Setenv("GOVCHAIN_VERIFY_WASM", "")
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", home)
	if p, err := exec.LookPath("go"); err == nil {
		t.Fatalf("go is still on PATH: %s", p)
	}
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestEmbeddedServedWithoutToolchain: with a verifier embedded and no Go
// toolchain, source tree or cache, the very first request for the module
// gets it (gzip when accepted, plain otherwise), with its type and an
// ETag that revalidates to 304; the page loads it from that URL.
func TestEmbeddedServedWithoutToolchain(t *testing.T) {
	noToolchain(t)
	wasm, gz := fakeVerifier(t, 1)
	js := []byte("// wasm_exec.js of the Go that built it\n")
	_, in := embedFake(t, &Artifacts{WasmGz: gz, ExecJS: js, Size: len(wasm), SM3: smcrypto.SM3Hex(wasm), Key: "k1"})

	got, err := EmbeddedInfo()
	if err != nil || got != in || !got.Embedded || got.SM3 != smcrypto.SM3Hex(wasm) || got.Size != len(wasm) || got.GzipSize != len(gz) {
		t.Fatalf("EmbeddedInfo = %+v, %v; wrote %+v", got, err, in)
	}

	mux := http.NewServeMux()
	var p Provider
	Register(mux, &p)

	// First request of the process: no 503, no build.
	w := get(t, mux, "/verify/verifier.wasm", "Accept-Encoding", "gzip, deflate, br")
	if w.Code != 200 {
		t.Fatalf("first request: %d %s", w.Code, w.Body)
	}
	h := w.Header()
	if h.Get("Content-Type") != "application/wasm" || h.Get("Content-Encoding") != "gzip" || h.Get("Content-Length") != strconv.Itoa(len(gz)) || h.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip headers: %v", h)
	}
	if !bytes.Equal(w.Body.Bytes(), gz) {
		t.Fatal("gzip body is not the embedded verifier.wasm.gz")
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.HasPrefix(plain, []byte("\x00asm")) || !bytes.Equal(plain, wasm) {
		t.Fatal("gunzipped body is not the module")
	}
	etag := h.Get("ETag")
	if etag != `"`+in.SM3+`"` {
		t.Fatalf("ETag %q, want the module's SM3", etag)
	}

	for _, ae := range []string{"", "identity", "gzip;q=0, identity", "br"} {
		w = get(t, mux, "/verify/verifier.wasm", "Accept-Encoding", ae)
		if w.Code != 200 || w.Header().Get("Content-Encoding") != "" || w.Header().Get("Content-Type") != "application/wasm" ||
			w.Header().Get("Content-Length") != strconv.Itoa(len(wasm)) || !bytes.Equal(w.Body.Bytes(), wasm) {
			t.Fatalf("Accept-Encoding %q: %d %v, %d bytes; want the plain module", ae, w.Code, w.Header(), w.Body.Len())
		}
	}

	w = get(t, mux, "/verify/verifier.wasm", "Accept-Encoding", "gzip", "If-None-Match", etag)
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Fatalf("If-None-Match: %d, %d bytes", w.Code, w.Body.Len())
	}
	w = get(t, mux, "/verify/verifier.wasm", "Accept-Encoding", "gzip", "If-None-Match", `"0000"`)
	if w.Code != 200 {
		t.Fatalf("stale If-None-Match: %d", w.Code)
	}

	w = get(t, mux, "/verify/wasm_exec.js")
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), js) || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("wasm_exec.js: %d %v %q", w.Code, w.Header(), w.Body)
	}

	// The page loads exactly these URLs.
	w = get(t, mux, "/verify")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `src="/verify/app.js"`) {
		t.Fatalf("/verify: %d, does not load /verify/app.js", w.Code)
	}
	w = get(t, mux, "/verify/app.js")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `fetch("/verify/verifier.wasm")`) || !strings.Contains(w.Body.String(), `"/verify/wasm_exec.js"`) {
		t.Fatalf("app.js: %d, does not load the verifier from /verify/verifier.wasm and /verify/wasm_exec.js", w.Code)
	}
}

// TestNoEmbedNoToolchain is the case the embed fixes: the same node
// without an embedded verifier cannot build one, and says why.
func TestNoEmbedNoToolchain(t *testing.T) {
	noToolchain(t)
	old := embedded
	embedded = nil
	t.Cleanup(func() { embedded = old })
	if in, err := EmbeddedInfo(); err != nil || in.Embedded {
		t.Fatalf("EmbeddedInfo = %+v, %v", in, err)
	}
	var p Provider
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if a, err := p.Wait(ctx); a != nil || err == nil || !strings.Contains(err.Error(), "no Go toolchain") {
		t.Fatalf("Wait = %v, %v; want no Go toolchain", a, err)
	}
	mux := http.NewServeMux()
	Register(mux, &p)
	w := get(t, mux, "/verify/verifier.wasm", "Accept-Encoding", "gzip")
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "no Go toolchain") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// TestEmbeddedDamaged: an embed whose files disagree with verifier.json
// is refused with the reason, not served.
func TestEmbeddedDamaged(t *testing.T) {
	noToolchain(t)
	wasm, gz := fakeVerifier(t, 2)
	dir, _ := embedFake(t, &Artifacts{WasmGz: gz, ExecJS: []byte("js"), Size: len(wasm), SM3: smcrypto.SM3Hex(wasm)})
	if err := os.WriteFile(filepath.Join(dir, "verifier.wasm.gz"), append(gz, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if a, err := Embedded(); a != nil || err == nil || !strings.Contains(err.Error(), "verifier.json says") {
		t.Fatalf("Embedded = %v, %v", a, err)
	}
	mux := http.NewServeMux()
	var p Provider
	Register(mux, &p)
	if w := get(t, mux, "/verify/verifier.wasm"); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "verifier.json says") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}

	if err := os.WriteFile(filepath.Join(dir, "verifier.json"), []byte(`{"embedded":true,"sm3":"ab"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := EmbeddedInfo(); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("EmbeddedInfo on an incomplete verifier.json: %v", err)
	}
	os.Remove(filepath.Join(dir, "wasm_exec.js"))
	if _, err := Embedded(); err == nil {
		t.Fatal("Embedded without wasm_exec.js: no error")
	}
}

// TestVerifyWasmDirFirst: $GOVCHAIN_VERIFY_WASM, the operator's explicit
// choice, wins over the embedded verifier.
func TestVerifyWasmDirFirst(t *testing.T) {
	noToolchain(t)
	wasm1, gz1 := fakeVerifier(t, 3)
	embedFake(t, &Artifacts{WasmGz: gz1, ExecJS: []byte("js1"), Size: len(wasm1), SM3: smcrypto.SM3Hex(wasm1)})
	wasm2, gz2 := fakeVerifier(t, 4)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "verifier.wasm.gz"), gz2, 0o644)
	os.WriteFile(filepath.Join(dir, "wasm_exec.js"), []byte("js2"), 0o644)
	t.Setenv("GOVCHAIN_VERIFY_WASM", dir)
	var p Provider
	a, err := p.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != "$GOVCHAIN_VERIFY_WASM" || !bytes.Equal(a.WasmGz, gz2) || a.SM3 != smcrypto.SM3Hex(wasm2) || a.Size != len(wasm2) {
		t.Fatalf("got %s %s %d, want the directory's module", a.Source, a.SM3, a.Size)
	}
}

// TestLoadChecksModule: Load measures the module and refuses what is not
// gzipped WebAssembly, naming the file.
func TestLoadChecksModule(t *testing.T) {
	wasm, gz := fakeVerifier(t, 5)
	write := func(gz []byte) string {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "verifier.wasm.gz"), gz, 0o644)
		os.WriteFile(filepath.Join(dir, "wasm_exec.js"), []byte("js"), 0o644)
		return dir
	}
	a, err := Load(write(gz))
	if err != nil || a.Size != len(wasm) || a.SM3 != smcrypto.SM3Hex(wasm) {
		t.Fatalf("Load = %+v, %v", a, err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("<html>not a module</html>"))
	zw.Close()
	for name, c := range map[string]struct {
		gz   []byte
		want string
	}{
		"not gzip":  {wasm, "gunzip"},
		"not wasm":  {b.Bytes(), "not a WebAssembly module"},
		"truncated": {gz[:len(gz)/2], "verifier.wasm.gz"},
	} {
		if _, err := Load(write(c.gz)); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "verifier.wasm.gz") {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"":                        false,
		"gzip":                    true,
		"gzip, deflate, br, zstd": true,
		"GZIP;q=0.5":              true,
		"deflate, gzip;q=0":       false,
		"*":                       true,
		"*;q=0":                   false,
		"gzip;q=0, *":             false,
		"br, *;q=0.1":             true,
		"identity":                false,
	} {
		if got := acceptsGzip([]string{h}); got != want {
			t.Errorf("Accept-Encoding %q: %v, want %v", h, got, want)
		}
	}
}
