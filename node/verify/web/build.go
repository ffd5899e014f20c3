// Package web is the citizen's verification page served by every node at
// /verify: the browser hashes the file (SM3) and verifies the proofs with
// chain/proof/bundle compiled to WebAssembly, so the file never leaves the
// device and no node is trusted.
//
// The WebAssembly module is not committed (it is ~30 MB, ~7 MB gzipped,
// and would go stale with every change to the verifier). A node finds it,
// in order:
//
//  1. in $GOVCHAIN_VERIFY_WASM, a directory with verifier.wasm.gz and
//     wasm_exec.js made by `govchain verify build-wasm --out DIR`;
//  2. embedded in the binary: release builds run `go generate
//     ./node/verify/web` (which writes node/verify/web/embedded/, ignored
//     by git) and build with `-tags embedwasm` (embed_on.go). This is
//     what the FROM scratch image serves: no Go toolchain, no source
//     tree, the verifier answers on the first request;
//  3. in the user cache (os.UserCacheDir()/govchain/verifier/<key>), where
//     key hashes the Go version and every source file the module is built
//     from;
//  4. otherwise it builds it there with the Go toolchain from the module's
//     source tree (the tree this binary was built from, or $GOVCHAIN_SRC)
//     on the first request for /verify, once per machine (a lock file keeps
//     several nodes from building at once). The demo (`go run
//     ./cmd/govchain demo`) and `go test` take this path: the first page
//     load waits about a minute, later ones are instant.
package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
)

// Module is the module path; WasmPackage the verifier program.
const (
	Module      = "github.com/govchain/govchain"
	WasmPackage = Module + "/node/verify/web/wasm"
)

// BuildFlags are how the module is built.
var BuildFlags = []string{"-tags", "force64bit", "-trimpath", "-ldflags=-s -w"}

var wasmEnv = []string{"GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0"}

// Artifacts are what the page needs besides its own files.
type Artifacts struct {
	WasmGz []byte // gzip-compressed module
	ExecJS []byte // $(go env GOROOT)/lib/wasm/wasm_exec.js of the Go that built it
	Size   int    // uncompressed module size
	SM3    string // SM3 of the uncompressed module, lower-case hex
	Key    string // source key (see Key); empty when unknown
	Source string // where it came from: "embedded", "$GOVCHAIN_VERIFY_WASM", "cache" or "built"
}

// wasmMagic starts every WebAssembly module.
var wasmMagic = []byte("\x00asm")

// SourceDir finds the module's source tree: $GOVCHAIN_SRC, else the tree
// this package was compiled from (when it still exists), else the
// working directory or one of its parents.
func SourceDir() (string, error) {
	var cands []string
	if d := os.Getenv("GOVCHAIN_SRC"); d != "" {
		cands = append(cands, d)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		cands = append(cands, filepath.Join(filepath.Dir(file), "..", "..", ".."))
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			cands = append(cands, d)
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, d := range cands {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module "+Module+"\n")) {
			return filepath.Clean(d), nil
		}
	}
	return "", errors.New("the govchain source tree is not on this machine (set GOVCHAIN_SRC, or GOVCHAIN_VERIFY_WASM to a directory made by `govchain verify build-wasm`)")
}

func goCmd(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, errors.New("no Go toolchain on this machine to build the verifier (set GOVCHAIN_VERIFY_WASM to a directory made by `govchain verify build-wasm`)")
	}
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// Key identifies the module that the source tree at dir builds: the Go
// version, build flags, every dependency's module version, and the
// contents of every file of the main module's packages in it.
func Key(ctx context.Context, dir string) (string, error) {
	env := append(append([]string{}, wasmEnv...), "GOFLAGS=-mod=mod")
	out, err := goCmd(ctx, dir, env, "list", "-deps", "-tags", "force64bit", "-f",
		`{{.ImportPath}}|{{with .Module}}{{.Path}}@{{.Version}}|{{.Main}}{{end}}|{{.Dir}}|{{join .GoFiles ","}}`, WasmPackage)
	if err != nil {
		return "", err
	}
	ver, err := goCmd(ctx, dir, nil, "env", "GOVERSION")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s\n", bytes.TrimSpace(ver), strings.Join(BuildFlags, " "))
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fmt.Fprintln(h, line)
		parts := strings.Split(line, "|")
		if len(parts) == 5 && parts[2] == "true" { // a package of this module: hash its files
			for _, f := range strings.Split(parts[4], ",") {
				b, err := os.ReadFile(filepath.Join(parts[3], f))
				if err != nil {
					return "", err
				}
				fmt.Fprintf(h, "%s %x\n", f, sha256.Sum256(b))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// Build compiles the verifier from the source tree at src into outDir
// (verifier.wasm.gz, wasm_exec.js).
func Build(ctx context.Context, src, outDir string) (*Artifacts, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(outDir, ".build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	wasm := filepath.Join(tmp, "verifier.wasm")
	args := append(append([]string{"build"}, BuildFlags...), "-o", wasm, WasmPackage)
	if _, err := goCmd(ctx, src, wasmEnv, args...); err != nil {
		return nil, err
	}
	root, err := goCmd(ctx, src, nil, "env", "GOROOT")
	if err != nil {
		return nil, err
	}
	execJS, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(wasm)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(raw, wasmMagic) {
		return nil, fmt.Errorf("go build wrote %s, which is not WebAssembly", wasm)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	for name, b := range map[string][]byte{"wasm_exec.js": execJS, "verifier.wasm.gz": gz.Bytes()} {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(outDir, name)); err != nil {
			return nil, err
		}
	}
	return &Artifacts{WasmGz: gz.Bytes(), ExecJS: execJS, Size: len(raw), SM3: smcrypto.SM3Hex(raw), Source: "built"}, nil
}

// Load reads artifacts made by Build from dir.
func Load(dir string) (*Artifacts, error) {
	return load(os.DirFS(dir), dir)
}

// load reads verifier.wasm.gz and wasm_exec.js from fsys, checks that the
// first is a gzipped WebAssembly module and measures it (size, SM3).
func load(fsys fs.FS, name string) (*Artifacts, error) {
	gz, err := fs.ReadFile(fsys, "verifier.wasm.gz")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	js, err := fs.ReadFile(fsys, "wasm_exec.js")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	size, sum, err := measure(gz)
	if err != nil {
		return nil, fmt.Errorf("%s/verifier.wasm.gz: %w", name, err)
	}
	return &Artifacts{WasmGz: gz, ExecJS: js, Size: size, SM3: sum}, nil
}

// measure gunzips gz and returns the module's size and SM3, refusing
// anything that is not WebAssembly.
func measure(gz []byte) (int, string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return 0, "", fmt.Errorf("gunzip: %w", err)
	}
	head := make([]byte, len(wasmMagic))
	if _, err := io.ReadFull(zr, head); err != nil || !bytes.Equal(head, wasmMagic) {
		return 0, "", errors.New("not a WebAssembly module (no \\0asm magic)")
	}
	h := smcrypto.NewSM3()
	h.Write(head)
	n, err := io.Copy(h, zr)
	if err != nil {
		return 0, "", fmt.Errorf("gunzip: %w", err)
	}
	return len(head) + int(n), hex.EncodeToString(h.Sum(nil)), nil
}

// Provider finds or builds the artifacts once per process.
type Provider struct {
	mu      sync.Mutex
	art     *Artifacts
	err     error
	errAt   time.Time
	running bool
	done    chan struct{}
}

// Ready returns the artifacts if they are available now.
func (p *Provider) Ready() (*Artifacts, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.art, p.err
}

// Start begins finding or building the artifacts in the background (if
// not already done or under way; a failure is retried after a minute).
func (p *Provider) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.art != nil || p.running || (p.err != nil && time.Since(p.errAt) < time.Minute) {
		return
	}
	// An embedded verifier is ready now, so that the first request for it
	// is answered (not told to retry while a goroutine starts).
	if os.Getenv("GOVCHAIN_VERIFY_WASM") == "" {
		if a, err := Embedded(); a != nil || err != nil {
			p.art, p.err, p.errAt = a, err, time.Now()
			return
		}
	}
	p.running, p.err, p.done = true, nil, make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		art, err := find(ctx)
		p.mu.Lock()
		p.art, p.err, p.errAt, p.running = art, err, time.Now(), false
		close(p.done)
		p.mu.Unlock()
	}()
}

// Wait starts the provider and waits for it (tests, build-wasm).
func (p *Provider) Wait(ctx context.Context) (*Artifacts, error) {
	p.Start()
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return p.Ready()
}

func find(ctx context.Context) (*Artifacts, error) {
	if dir := os.Getenv("GOVCHAIN_VERIFY_WASM"); dir != "" {
		a, err := Load(dir)
		if err != nil {
			return nil, fmt.Errorf("GOVCHAIN_VERIFY_WASM: %w", err)
		}
		a.Source = "$GOVCHAIN_VERIFY_WASM"
		return a, nil
	}
	src, err := SourceDir()
	if err != nil {
		return nil, err
	}
	return Cached(ctx, src)
}

// Cached returns the verifier that the source tree at src builds from the
// user cache, building it there first if it is missing (under a file
// lock, so that several processes build it once).
func Cached(ctx context.Context, src string) (*Artifacts, error) {
	key, err := Key(ctx, src)
	if err != nil {
		return nil, err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "govchain", "verifier", key)
	cached := func() (*Artifacts, error) {
		a, err := Load(dir)
		if err == nil {
			a.Key, a.Source = key, "cache"
		}
		return a, err
	}
	if a, err := cached(); err == nil {
		return a, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := lockFile(lock); err != nil {
		return nil, err
	}
	defer unlockFile(lock)
	if a, err := cached(); err == nil { // another process built it meanwhile
		return a, nil
	}
	a, err := Build(ctx, src, dir)
	if err != nil {
		return nil, err
	}
	a.Key = key
	return a, nil
}
