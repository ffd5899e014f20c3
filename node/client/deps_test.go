package client_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const pkgPath = "github.com/govchain/govchain/node/client"

// forbidden are what the light API package must never pull in, even
// indirectly: the daemon and its store (IAVL, badger, the state package),
// CometBFT (its node, its gRPC, its types: the client needs none of them),
// and test libraries.
var forbidden = []struct {
	path   string
	prefix bool // also every package below path
}{
	{"google.golang.org/grpc", true},
	{"github.com/dgraph-io/badger", true},
	{"github.com/cosmos/iavl", true},
	{"github.com/stretchr/testify", true},
	{"google.golang.org/protobuf/proto", true},
	{"google.golang.org/protobuf/reflect", true},
	{"github.com/cosmos/gogoproto", true},
	{"github.com/cometbft/cometbft", true}, // but cometCrypto
	{"github.com/govchain/govchain/node", false},
	{"github.com/govchain/govchain/chain/state", true},
	{"github.com/govchain/govchain/chain/module", true},
	{"github.com/govchain/govchain/chain", false}, // the ABCI app
}

// cometCrypto are the CometBFT packages the client may use: the verify
// routes answer with chain/proof/bundle's types, and the bundle verifier
// checks commit signatures with CometBFT's ed25519 (and what that
// imports); nothing else of CometBFT.
var cometCrypto = []string{
	"github.com/cometbft/cometbft/crypto",
	"github.com/cometbft/cometbft/crypto/ed25519",
	"github.com/cometbft/cometbft/crypto/tmhash",
	"github.com/cometbft/cometbft/libs/bytes",
	"github.com/cometbft/cometbft/libs/json",
	"github.com/cometbft/cometbft/libs/sync",
}

// TestDependencies lists the package's non-test dependencies (host build)
// and refuses any forbidden one, naming which import brought it in.
func TestDependencies(t *testing.T) {
	// go test always runs under a Go toolchain: its go binary is in GOROOT.
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, pkgPath).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkgPath, err, out)
	}
	importers := map[string][]string{}
	var deps []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		deps = append(deps, f[0])
		for _, imp := range f[1:] {
			importers[imp] = append(importers[imp], f[0])
		}
	}
	if len(deps) < 10 {
		t.Fatalf("go list -deps gave %d packages: output not understood:\n%s", len(deps), out)
	}
	for _, d := range deps {
		if slices.Contains(cometCrypto, d) {
			continue
		}
		for _, f := range forbidden {
			if d == f.path || f.prefix && strings.HasPrefix(d, f.path+"/") {
				t.Errorf("%s depends on %s (imported by %s)", pkgPath, d, strings.Join(importers[d], ", "))
			}
		}
	}
	t.Logf("%s: %d packages in go list -deps", pkgPath, len(deps))
}
