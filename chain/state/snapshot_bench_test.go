package state

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/smcrypto"
)

// BenchmarkExportImport builds a badger store of GOVCHAIN_SNAP_KEYS keys
// (default 100,000; 4 per certificate record in TestJoinByStateSync) in
// versions of 1,000 writes, then times one Export of the newest version
// and Imports of it into empty badger stores with and without SyncWrites
// (the snapshot path without chunks and compression).
func BenchmarkExportImport(b *testing.B) {
	keys := 100_000
	if s := os.Getenv("GOVCHAIN_SNAP_KEYS"); s != "" {
		keys, _ = strconv.Atoi(s)
	}
	src, err := Open(b.TempDir(), DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	t0 := time.Now()
	for i := 0; i < keys; i++ {
		k := smcrypto.SM3([]byte(strconv.Itoa(i)))
		val := make([]byte, 180) // IAVL keeps the slice: one per key
		copy(val, k[:])
		if err := src.Working().Set(append([]byte("c/"), k[:]...), val); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			if _, _, err := src.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	}
	v, root, err := src.Commit()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d keys in %s", keys, time.Since(t0).Round(time.Millisecond))
	for n := 0; n < b.N; n++ {
		var nodes []Node
		t1 := time.Now()
		if err := src.Export(v, func(nd Node) error { nodes = append(nodes, nd); return nil }); err != nil {
			b.Fatal(err)
		}
		exp := time.Since(t1)
		// the import into a store that fsyncs every badger commit (the
		// default) and into one that syncs once at the end (Import's last
		// WriteSync), side by side
		for _, sync := range []bool{true, false, true, false} {
			o := DefaultOptions()
			o.SyncWrites = sync
			dst, err := Open(b.TempDir(), o)
			if err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			if err := dst.Import(v, root, feed(nodes)); err != nil {
				b.Fatal(err)
			}
			imp := time.Since(t2)
			dst.Close()
			b.Logf("%d nodes: export %s, import (SyncWrites %v) %s", len(nodes), exp.Round(time.Millisecond), sync, imp.Round(time.Millisecond))
		}
	}
}
