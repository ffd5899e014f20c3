package chain_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestImportsPointDown checks the layering of docs/architecture.md
// ("Module layout"):
//   - the core (chain/...) imports no module, daemon, CLI or harness. One
//     exception: the bundle verifier (chain/proof/bundle) sits above the
//     modules and reads their light record packages (a certificate batch's
//     Merkle tree); its own deps test keeps state, IAVL and badger out.
//   - a module's contract and light packages (contracts/<m>/...,
//     catalog-chain/...: the contract, <m>types, merkle, ...io) import
//     neither the ABCI app (package chain) nor anything of the daemon, CLI,
//     harness or cmd.
//   - a module's adapters (a package named …api, …cli or …demo in the
//     module's folder) import, of node/, cli/ and testnet/, only the kits
//     (node/apikit, cli/clikit, testnet/demokit) and node/client; never
//     package chain or cmd.
//   - the kits import, of node/, cli/ and testnet/, only node/client and
//     each other: the daemon, the CLI and the harness mount the modules,
//     not the other way round.
func TestImportsPointDown(t *testing.T) {
	// go test always runs under a Go toolchain: its go binary is in GOROOT.
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
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
	kits := []string{"node/apikit", "cli/clikit", "testnet/demokit", "node/client"}
	adapter := func(pkg string) bool {
		if !under(pkg, "contracts", "catalog-chain") {
			return false
		}
		last := pkg[strings.LastIndex(pkg, "/")+1:]
		return last != "catalog-chain" && (strings.HasSuffix(last, "api") || strings.HasSuffix(last, "cli") || strings.HasSuffix(last, "demo"))
	}
	checked, adapters := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		if adapter(pkg) {
			adapters++
		}
		for _, imp := range imports {
			switch {
			case pkg == mod+"chain/proof/bundle" && under(imp, "contracts", "catalog-chain"):
				// the verifier may read modules' light packages (see above)
			case under(pkg, "chain") && under(imp, "contracts", "catalog-chain", "node", "cli", "cmd", "testnet"):
				t.Errorf("core package %s imports %s (the core must not know modules, the daemon or the CLI)", pkg, imp)
			case adapter(pkg) && (imp == mod+"chain" || under(imp, "cmd") || under(imp, "node", "cli", "testnet") && !under(imp, kits...)):
				t.Errorf("module adapter %s imports %s (an adapter may use the kits %v, not the app, daemon, CLI or harness)", pkg, imp, kits)
			case !adapter(pkg) && under(pkg, "contracts", "catalog-chain") && (imp == mod+"chain" || under(imp, "node", "cli", "cmd", "testnet")):
				t.Errorf("module package %s imports %s (modules may import the core's packages below the app, not the app, daemon or CLI)", pkg, imp)
			case under(pkg, kits[:3]...) && under(imp, "node", "cli", "testnet", "cmd") && !under(imp, kits...):
				t.Errorf("kit %s imports %s (the kits are what the daemon, CLI and harness give modules; they import none of them)", pkg, imp)
			}
		}
		checked++
	}
	if adapters == 0 {
		t.Fatalf("found no module adapter (…api, …cli, …demo) among the packages: rule not understood")
	}
	if checked < 20 {
		t.Fatalf("listed only %d packages: go list output not understood:\n%s", checked, out)
	}
}
