package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// buildVersions commits n versions of writes (sets, overwrites, deletes)
// so the tree holds nodes of many versions.
func buildVersions(t *testing.T, s *Store, n int) {
	t.Helper()
	for v := 1; v <= n; v++ {
		for i := 0; i < 50; i++ {
			k := []byte(fmt.Sprintf("k%04d", (v*37+i*11)%400))
			if i%9 == 0 {
				_ = s.Working().Delete(k)
				continue
			}
			if err := s.Working().Set(k, []byte(fmt.Sprintf("v%d-%d", v, i))); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func exportAll(t *testing.T, s *Store, v int64) []Node {
	t.Helper()
	var nodes []Node
	if err := s.Export(v, func(n Node) error { nodes = append(nodes, n); return nil }); err != nil {
		t.Fatal(err)
	}
	return nodes
}

func feed(nodes []Node) func() (*Node, error) {
	i := 0
	return func() (*Node, error) {
		if i == len(nodes) {
			return nil, io.EOF
		}
		n := nodes[i]
		i++
		return &n, nil
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	src, _ := OpenMemory()
	buildVersions(t, src, 12)
	v, root := src.LastCommit()
	nodes := exportAll(t, src, v)

	dst, err := Open(t.TempDir(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := dst.Import(v, root, feed(nodes)); err != nil {
		t.Fatal(err)
	}
	if gv, gh := dst.LastCommit(); gv != v || !bytes.Equal(gh, root) {
		t.Fatalf("restored store at %d %X, want %d %X", gv, gh, v, root)
	}
	if dst.RestoredAt() != v {
		t.Fatalf("RestoredAt = %d, want %d", dst.RestoredAt(), v)
	}
	a, _ := src.At(v)
	b, _ := dst.At(v)
	it, _ := a.Iterator(nil, nil, true)
	n := 0
	for ; it.Valid(); it.Next() {
		got, _ := b.Get(it.Key())
		if !bytes.Equal(got, it.Value()) {
			t.Fatalf("key %s: %q, want %q", it.Key(), got, it.Value())
		}
		n++
	}
	it.Close()
	if n == 0 || b.Size() != a.Size() {
		t.Fatalf("restored %d keys, source %d (iterated %d)", b.Size(), a.Size(), n)
	}
	// The restored store goes on committing as the source does.
	_ = src.Working().Set([]byte("next"), []byte("1"))
	_ = dst.Working().Set([]byte("next"), []byte("1"))
	_, h1, _ := src.Commit()
	_, h2, err := dst.Commit()
	if err != nil || !bytes.Equal(h1, h2) {
		t.Fatalf("next version: %X vs %X (%v)", h2, h1, err)
	}
}

// TestImportRefusesTamperedNodes: a changed value, a dropped node, a
// wrong version or a wrong root leave the store empty, and a good import
// succeeds after each.
func TestImportRefusesTamperedNodes(t *testing.T) {
	src, _ := OpenMemory()
	buildVersions(t, src, 8)
	v, root := src.LastCommit()
	nodes := exportAll(t, src, v)
	dst, err := Open(t.TempDir(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	clone := func() []Node { return append([]Node(nil), nodes...) }
	cases := map[string]func() ([]Node, []byte){
		"value changed": func() ([]Node, []byte) {
			c := clone()
			for i := range c {
				if c[i].Height == 0 {
					c[i].Value = []byte("forged")
					break
				}
			}
			return c, root
		},
		"node dropped":   func() ([]Node, []byte) { c := clone(); return append(c[:3], c[4:]...), root },
		"truncated":      func() ([]Node, []byte) { return clone()[:len(nodes)/2], root },
		"other app hash": func() ([]Node, []byte) { return clone(), bytes.Repeat([]byte{7}, 32) },
		"empty":          func() ([]Node, []byte) { return nil, root },
	}
	for name, mk := range cases {
		c, want := mk()
		err := dst.Import(v, want, feed(c))
		if err == nil {
			t.Fatalf("%s: import accepted", name)
		}
		if gv, _ := dst.LastCommit(); gv != 0 {
			t.Fatalf("%s: store at version %d after a refused import (%v)", name, gv, err)
		}
		if _, err := dst.At(v); err == nil {
			t.Fatalf("%s: version %d readable after a refused import", name, v)
		}
		var rm *RootMismatchError
		if name == "value changed" || name == "other app hash" {
			if !errors.As(err, &rm) {
				t.Fatalf("%s: %v, want a RootMismatchError", name, err)
			}
		}
	}
	if err := dst.Import(v, root, feed(nodes)); err != nil {
		t.Fatalf("good import after refused ones: %v", err)
	}
}

// TestHoldStopsPruning: a held version survives the pruning that would
// remove it; released, it goes.
func TestHoldStopsPruning(t *testing.T) {
	s, _ := OpenMemoryWith(Options{KeepRecent: 2, PruneEvery: 1})
	buildVersions(t, s, 3)
	release := s.Hold(3)
	buildVersions(t, s, 4) // versions 4..7: would prune up to 5
	if _, err := s.At(3); err != nil {
		t.Fatalf("held version 3 pruned: %v", err)
	}
	release()
	buildVersions(t, s, 1)
	if _, err := s.At(3); err == nil {
		t.Fatal("version 3 still there after release and another prune")
	}
}
