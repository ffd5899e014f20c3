package recognition_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// forbidden are module paths on-chain code must never pull in, even
// indirectly: the Fabric SDK (a client library with its own crypto
// providers, config files and network code) and Fabric itself. On-chain
// Fabric verification uses only the standard library's crypto/x509 and
// ecdsa (and, at most, the generated protobuf types of fabric-protos-go).
var forbidden = []string{
	"github.com/hyperledger/fabric-sdk-go",
	"github.com/hyperledger/fabric-gateway",
	"github.com/hyperledger/fabric/",
}

// TestOnChainCodeNeverImportsFabricSDK runs go list -deps over chain/...
// and contracts/... (everything a validator executes) and fails on any
// forbidden package. The relayer (node/relay/fabric) is the only place the
// SDK may be used.
func TestOnChainCodeNeverImportsFabricSDK(t *testing.T) {
	// go test always runs under a Go toolchain: its go binary is in GOROOT.
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", "github.com/govchain/govchain/chain/...", "github.com/govchain/govchain/contracts/...")
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 50 {
		t.Fatalf("go list -deps listed only %d packages; is the pattern right?", len(lines))
	}
	sawRecognition := false
	for _, p := range lines {
		sawRecognition = sawRecognition || p == "github.com/govchain/govchain/contracts/recognition"
		for _, bad := range forbidden {
			if strings.HasPrefix(p+"/", bad) || strings.HasPrefix(p, bad) {
				t.Errorf("on-chain code depends on %s", p)
			}
		}
	}
	if !sawRecognition {
		t.Fatal("contracts/recognition is missing from the listing")
	}
	t.Logf("%d packages checked", len(lines))
}
