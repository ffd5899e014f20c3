package chain_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// lightOf names each module's folder and its light package
// (docs/architecture.md, "Module layout"). A new folder under contracts/
// must be added here, and so laid out the same way.
var lightOf = map[string]string{
	"contracts/certificate": "certtypes",
	"contracts/credit":      "credittypes",
	"contracts/recognition": "rectypes",
	"contracts/gov":         "govtypes",
	"catalog-chain":         "catalogtypes",
}

// TestModuleLayout checks that every module is laid out alike: a light
// package with its event names (events.go, EventAttrs) and no store, and
// adapters (…api, …cli, …demo) and file formats (…io) that read the
// module through light packages — only a module's own …api may import
// its contract, for the queries.
func TestModuleLayout(t *testing.T) {
	// go test always runs under a Go toolchain: its go binary is in GOROOT.
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	const mod = "github.com/govchain/govchain/"
	root := ".."
	entries, err := os.ReadDir(filepath.Join(root, "contracts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "identifier" { // identifier: shared ID-number rules, not a module
			if _, ok := lightOf["contracts/"+e.Name()]; !ok {
				t.Errorf("contracts/%s is not a known module: lay it out like the others and add it to lightOf", e.Name())
			}
		}
	}
	contracts := map[string]bool{}
	var folders []string
	for folder, light := range lightOf {
		contracts[mod+folder] = true
		folders = append(folders, folder)
		b, err := os.ReadFile(filepath.Join(root, folder, light, "events.go"))
		if err != nil || !strings.Contains(string(b), "EventAttrs") {
			t.Errorf("%s/%s/events.go does not declare EventAttrs (the module's events as named constants): %v", folder, light, err)
		}
		out, err := exec.Command(goBin, "list", "-deps", mod+folder+"/"+light).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s/%s: %v\n%s", folder, light, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, heavy := range []string{mod + "chain/state", "github.com/cosmos/iavl", "github.com/dgraph-io/badger", "github.com/cometbft/cometbft/types"} {
				if dep == heavy || strings.HasPrefix(dep, heavy+"/") {
					t.Errorf("light package %s/%s depends on %s", folder, light, dep)
				}
			}
		}
	}
	sort.Strings(folders)
	args := []string{"list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`}
	for _, f := range folders {
		args = append(args, mod+f+"/...")
	}
	out, err := exec.Command(goBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := f[0]
		last := pkg[strings.LastIndex(pkg, "/")+1:]
		isAPI := strings.HasSuffix(last, "api")
		if contracts[pkg] || !(isAPI || strings.HasSuffix(last, "cli") || strings.HasSuffix(last, "demo") || strings.HasSuffix(last, "io")) {
			continue
		}
		checked++
		own := pkg[:strings.LastIndex(pkg, "/")]
		for _, imp := range f[1:] {
			if contracts[imp] && !(isAPI && imp == own) {
				t.Errorf("%s imports the contract %s: adapters read modules through their light packages (only a module's own …api imports its contract)", pkg, imp)
			}
		}
	}
	if checked < 8 {
		t.Fatalf("found only %d adapter packages: layout not understood:\n%s", checked, out)
	}
}
