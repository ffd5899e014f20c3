package proof_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const pkgPath = "github.com/govchain/govchain/chain/proof"

// Import paths the verifier must never pull in, even indirectly: the browser
// verifier is this package compiled to WebAssembly, and a protobuf runtime
// (gogoproto, protobuf reflection, go-cmp via protocmp) alone weighs about
// 1.8 MB gzipped there.
var forbiddenDeps = []string{
	"github.com/cosmos/iavl",
	"github.com/cometbft/cometbft",
	"github.com/dgraph-io/badger",
	"github.com/cosmos/ics23",
	"github.com/cosmos/gogoproto",
	"github.com/gogo/protobuf",
	"github.com/golang/protobuf",
	"github.com/google/go-cmp",
	"google.golang.org/protobuf/proto",
	"google.golang.org/protobuf/reflect",
	"google.golang.org/protobuf/internal/impl",
	"google.golang.org/protobuf/runtime",
	"google.golang.org/grpc",
	"github.com/stretchr/testify",
}

// allowedImports are the only non-standard packages the verifier may import
// directly: protowire reads varints and tags and is a leaf package.
var allowedImports = map[string]bool{"google.golang.org/protobuf/encoding/protowire": true}

func goTool(t *testing.T) string {
	t.Helper()
	// go test always runs under a Go toolchain: its go binary is in GOROOT.
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	return goBin
}

func goCmd(t *testing.T, goBin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestDependencies checks, for the host and for js/wasm, that the package's
// non-test dependencies exclude iavl, CometBFT, badger, ics23 and every
// protobuf runtime, and that it imports nothing but the standard library and
// protowire directly.
func TestDependencies(t *testing.T) {
	goBin := goTool(t)
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		name := "host"
		if env != nil {
			name = "js/wasm"
		}
		t.Run(name, func(t *testing.T) {
			std := map[string]bool{}
			modules := map[string]int{} // non-standard packages per repository
			for _, line := range strings.Split(strings.TrimSpace(goCmd(t, goBin, env,
				"list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", pkgPath)), "\n") {
				path, isStd, _ := strings.Cut(line, " ")
				std[path] = isStd == "true"
				for _, bad := range forbiddenDeps {
					if path == bad || strings.HasPrefix(path, bad+"/") {
						t.Errorf("%s depends on %s", pkgPath, path)
					}
				}
				if !std[path] && path != pkgPath {
					modules[repoOf(path)]++
				}
			}
			if len(std) < 10 {
				t.Fatalf("go list -deps returned only %d packages; is the output format right?", len(std))
			}
			t.Logf("%d packages; non-standard packages by repository: %v", len(std), modules)
			for _, imp := range strings.Fields(goCmd(t, goBin, env, "list", "-f", `{{join .Imports " "}}`, pkgPath)) {
				if !std[imp] && !allowedImports[imp] {
					t.Errorf("%s imports %s; only the standard library and %v are allowed", pkgPath, imp, allowedImports)
				}
			}
		})
	}
}

// wasmBudget bounds the gzipped size of a minimal js/wasm program using the
// package. Go's runtime alone (hello world) is about 0.74 MB gzipped; the
// verifier adds about 0.08 MB. With ics23 and its protobuf runtime the same
// program was 2.58 MB.
const wasmBudget = 1 << 20

// TestWasmBuild builds the package for js/wasm, then a minimal program using
// it as the browser verifier is built, records the size of the resulting
// WebAssembly module and holds it to wasmBudget. The program exists only in
// a build overlay, nothing is written to the source tree.
func TestWasmBuild(t *testing.T) {
	goBin := goTool(t)
	wasm := []string{"GOOS=js", "GOARCH=wasm"}
	goCmd(t, goBin, wasm, "build", pkgPath)

	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(`package main

import "github.com/govchain/govchain/chain/proof"

func main() { println(proof.Proof{}.Verify(nil) != nil) }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	virtual := filepath.Join(here, "internal", "wasmsize", "main.go") // does not exist on disk
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, []byte(`{"Replace":{`+quote(virtual)+`:`+quote(src)+`}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "verifier.wasm")
	goCmd(t, goBin, wasm, "build", "-overlay", overlay, "-tags", "force64bit", "-trimpath", "-ldflags=-s -w", "-o", out, pkgPath+"/internal/wasmsize")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	t.Logf("minimal verifier program: %d bytes of WebAssembly (-s -w), %d bytes gzipped (-9)", len(b), gz.Len())
	if gz.Len() > wasmBudget {
		t.Errorf("minimal verifier program is %d bytes gzipped, budget %d: has a protobuf runtime or another large dependency crept in?", gz.Len(), wasmBudget)
	}
}

// repoOf returns the repository part of an import path, for logging.
func repoOf(path string) string {
	n := 3 // github.com/owner/repo, golang.org/x/repo
	if strings.HasPrefix(path, "google.golang.org/") || strings.HasPrefix(path, "gopkg.in/") {
		n = 2
	}
	parts := strings.Split(path, "/")
	return strings.Join(parts[:min(n, len(parts))], "/")
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}
