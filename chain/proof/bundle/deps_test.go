package bundle_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const (
	pkgPath   = "github.com/govchain/govchain/chain/proof/bundle"
	lightPath = "github.com/govchain/govchain/chain/proof/lightblock"
)

// allowed are the only non-standard packages the verifier may import
// directly: it runs in the browser as WebAssembly, so iavl, badger,
// CometBFT's light package (goleveldb) and its types package (gRPC, the
// protobuf runtime) must stay out; lightblock is the part of CometBFT's
// types a light client needs; certtypes and idtypes are the certificate
// and identity modules' records without their state store.
var allowed = []string{
	"github.com/govchain/govchain/chain/proof",
	"github.com/govchain/govchain/chain/proof/lightblock",
	"github.com/govchain/govchain/chain/attest",
	"github.com/govchain/govchain/chain/smcrypto",
	"github.com/govchain/govchain/chain/identity/idtypes",
	"github.com/govchain/govchain/contracts/certificate/certtypes",
	"github.com/govchain/govchain/contracts/certificate/merkle",
	"github.com/cometbft/cometbft/crypto/ed25519",
}

// forbidden may not be among the verifier's dependencies at all: of the
// protobuf module only protowire is used (by chain/proof and lightblock);
// the runtime (reflection, generated-code support) and gogoproto would
// double the citizen's download.
var forbidden = []string{"google.golang.org/protobuf/reflect", "google.golang.org/protobuf/internal/impl",
	"google.golang.org/protobuf/proto", "github.com/cosmos/gogoproto", "github.com/cosmos/ics23",
	"github.com/cosmos/iavl", "github.com/dgraph-io/badger", "github.com/cometbft/cometbft/light",
	"github.com/syndtr/goleveldb", "github.com/cometbft/cometbft-db", "github.com/govchain/govchain/chain/state",
	"github.com/cometbft/cometbft/types", "github.com/cometbft/cometbft/abci", "github.com/cometbft/cometbft/api",
	"google.golang.org/grpc", "github.com/stretchr/testify"}

// TestDependencies checks the verifier's imports for the host and for
// js/wasm, and that it builds for js/wasm.
func TestDependencies(t *testing.T) {
	// go test always runs under a Go toolchain: its go binary is in GOROOT.
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	run := func(env []string, args ...string) string {
		cmd := exec.Command(goBin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		for _, line := range strings.Split(strings.TrimSpace(run(env, "list", "-tags", "force64bit", "-f", `{{join .Imports "\n"}}`, pkgPath)), "\n") {
			if !strings.Contains(line, ".") {
				continue // standard library
			}
			ok := false
			for _, a := range allowed {
				ok = ok || line == a
			}
			if !ok {
				t.Errorf("%v: %s imports %s", env, pkgPath, line)
			}
		}
		for _, pkg := range []struct {
			path      string
			forbidden []string
		}{{pkgPath, forbidden}, {lightPath, forbidden}} {
			for _, dep := range strings.Fields(run(env, "list", "-tags", "force64bit", "-deps", pkg.path)) {
				for _, f := range pkg.forbidden {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						t.Errorf("%v: %s depends on %s", env, pkg.path, dep)
					}
				}
			}
		}
	}
	run([]string{"GOOS=js", "GOARCH=wasm"}, "build", "-tags", "force64bit", pkgPath)
}
