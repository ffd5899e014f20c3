//go:build embedwasm

package web

import (
	"context"
	"testing"
	"time"
)

// TestRealEmbed (only with -tags embedwasm, after go generate): the
// embedded module is WebAssembly whose size and SM3 are what
// verifier.json says, and it was generated from this source tree as it
// is now (else the release would ship a stale verifier).
func TestRealEmbed(t *testing.T) {
	a, err := Embedded()
	if err != nil || a == nil {
		t.Fatalf("Embedded = %v, %v", a, err)
	}
	size, sum, err := measure(a.WasmGz)
	if err != nil {
		t.Fatal(err)
	}
	if size != a.Size || sum != a.SM3 {
		t.Fatalf("embedded module: %d bytes SM3 %s; verifier.json says %d bytes SM3 %s", size, sum, a.Size, a.SM3)
	}
	if len(a.ExecJS) == 0 {
		t.Fatal("no wasm_exec.js embedded")
	}
	src, err := SourceDir()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	key, err := Key(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if a.Key != key {
		t.Fatalf("the embedded verifier (key %s) was not generated from this source tree (key %s): rerun go generate ./node/verify/web", a.Key, key)
	}
}
