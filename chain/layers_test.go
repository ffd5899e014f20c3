package chain_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsPointDown checks the layering of docs/architecture.md: the
// core (chain/...) imports no module, daemon, CLI or harness; modules
// (contracts/..., catalog-chain/...) import neither the ABCI app (package
// chain) nor the daemon, CLI or harness. One exception: the bundle
// verifier (chain/proof/bundle) sits above the modules and reads their
// light record packages (a certificate batch's Merkle tree); its own deps
// test keeps state, IAVL and badger out of it.
func TestImportsPointDown(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("SKIP (go tool not found, cannot list imports): %v", err)
	}
	const mod = "github.com/govchain/govchain/"
	out, err := exec.Command(goBin, "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, mod+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	under := func(pkg string, prefixes ...string) bool {
		for _, p := range prefixes {
			if pkg == mod+p || strings.HasPrefix(pkg, mod+p+"/") {
				return true
			}
		}
		return false
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		for _, imp := range imports {
			switch {
			case pkg == mod+"chain/proof/bundle" && under(imp, "contracts", "catalog-chain"):
				// the verifier may read modules' light packages (see above)
			case under(pkg, "chain") && under(imp, "contracts", "catalog-chain", "node", "cli", "cmd", "testnet"):
				t.Errorf("core package %s imports %s (the core must not know modules, the daemon or the CLI)", pkg, imp)
			case under(pkg, "contracts", "catalog-chain") && (imp == mod+"chain" || under(imp, "node", "cli", "cmd", "testnet")):
				t.Errorf("module package %s imports %s (modules may import the core's packages below the app, not the app, daemon or CLI)", pkg, imp)
			}
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("listed only %d packages: go list output not understood:\n%s", checked, out)
	}
}
