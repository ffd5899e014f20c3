package main

import (
	"os"
	"regexp"
	"testing"
)

// TestPinnedDependencies: the versions the project was checked against
// must not drift (a `go mod tidy` once re-resolved cobra to an older one).
func TestPinnedDependencies(t *testing.T) {
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for mod, ver := range map[string]string{
		"github.com/cometbft/cometbft":   "v1.0.1",
		"github.com/cosmos/iavl":         "v1.3.5",
		"github.com/dgraph-io/badger/v4": "v4.9.6",
		"github.com/emmansun/gmsm":       "v0.34.1",
		"github.com/tjfoc/gmsm":          "v1.4.1",
		"github.com/spf13/cobra":         "v1.10.2",
	} {
		re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(mod) + `\s+(\S+)`)
		m := re.FindSubmatch(b)
		if m == nil {
			t.Errorf("%s missing from go.mod", mod)
		} else if string(m[1]) != ver {
			t.Errorf("%s is %s in go.mod, want %s", mod, m[1], ver)
		}
	}
	if regexp.MustCompile(`(?m)^replace\b`).Match(b) {
		t.Error("go.mod has a replace directive")
	}
}
