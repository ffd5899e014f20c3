package web

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

// VerifierBudget is what every citizen who opens /verify downloads at most:
// the verifier's WebAssembly, gzipped (-9). It was 7.2 MB while the
// verifier imported CometBFT's types package (gRPC, the protobuf runtime,
// testify) and ICS23; chain/proof/lightblock and chain/proof's protowire
// reader replaced those.
const VerifierBudget = 2 << 20

// heavy are packages a citizen's verifier must not carry.
var heavy = []string{
	"google.golang.org/grpc", "github.com/dgraph-io/badger", "github.com/cosmos/iavl", "github.com/stretchr/testify",
	"google.golang.org/protobuf/reflect", "google.golang.org/protobuf/internal/impl", "github.com/cosmos/gogoproto",
	"github.com/cometbft/cometbft/types", "github.com/cometbft/cometbft/abci",
}

// TestVerifierSizeAndDeps builds the real browser verifier with the release
// flags (BuildFlags) and holds it to VerifierBudget and to no heavy
// dependency.
func TestVerifierSizeAndDeps(t *testing.T) {
	// go test always runs under a Go toolchain: its go binary is in GOROOT.
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	const pkg = "github.com/govchain/govchain/node/verify/web/wasm"
	env := append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	list := exec.Command(goBin, "list", "-deps", "-tags", "force64bit", pkg)
	list.Env = env
	out, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, h := range heavy {
			if dep == h || strings.HasPrefix(dep, h+"/") {
				t.Errorf("the verifier depends on %s", dep)
			}
		}
	}
	wasm := filepath.Join(t.TempDir(), "verifier.wasm")
	build := exec.Command(goBin, append(append([]string{"build"}, BuildFlags...), "-o", wasm, pkg)...)
	build.Env = env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	t.Logf("verifier: %d bytes of WebAssembly, %d bytes gzipped (-9), budget %d", len(b), gz.Len(), VerifierBudget)
	if gz.Len() > VerifierBudget {
		t.Errorf("the verifier is %d bytes gzipped, over the %d-byte budget", gz.Len(), VerifierBudget)
	}
}
