package state_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/state"
)

// A store whose table bytes rotted on disk refuses to open with an error
// that names the damage, instead of serving wrong values.
func TestOpenRefusesDamagedTable(t *testing.T) {
	t.Run("many bytes", func(t *testing.T) { damageTable(t, 16) })
	t.Run("one byte", func(t *testing.T) { damageTable(t, 1) })
}

func damageTable(t *testing.T, flips int) {
	dir := t.TempDir()
	st, err := state.Open(dir, state.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for v := 0; v < 20; v++ {
		for k := 0; k < 50; k++ {
			if err := st.Working().Set([]byte(fmt.Sprintf("k/%d/%d", v, k)), []byte(strings.Repeat("v", 100))); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := st.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil { // badger writes its memtable to a table
		t.Fatal(err)
	}
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(tables) == 0 {
		t.Fatalf("no table in %s after close", dir)
	}
	b, err := os.ReadFile(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < flips; i++ {
		b[len(b)/4+i*len(b)/64] ^= 0xFF
	}
	if err := os.WriteFile(tables[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = state.Open(dir, state.DefaultOptions())
	var d *state.DamagedError
	if !errors.As(err, &d) {
		t.Fatalf("open of a damaged store: %v, want a DamagedError", err)
	}
	if !strings.Contains(err.Error(), filepath.Base(tables[0])) || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("error does not name the damaged table %s: %v", filepath.Base(tables[0]), err)
	}
	t.Log(err)
}
