package snapshot

import (
	"bytes"
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/state"
)

// source commits versions of pseudo-records into a store and snapshots the
// last with small chunks, so a snapshot has several.
func source(t *testing.T) (*Manager, *abci.Snapshot, []byte) {
	t.Helper()
	st, err := state.Open(t.TempDir(), state.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for v := 0; v < 10; v++ {
		for i := 0; i < 300; i++ {
			_ = st.Working().Set([]byte(fmt.Sprintf("cert/%05d", v*300+i)), []byte(fmt.Sprintf("record %d of version %d: %x", i, v, i*v*7919)))
		}
		if _, _, err := st.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	m, err := New(t.TempDir(), st, Options{Interval: 10, ChunkSize: 2 << 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, root := st.LastCommit()
	if err := m.Take(v); err != nil {
		t.Fatal(err)
	}
	l := m.List()
	if len(l) != 1 || l[0].Height != uint64(v) || l[0].Chunks < 3 {
		t.Fatalf("snapshots %+v, want one at %d with several chunks", l, v)
	}
	return m, l[0], root
}

func target(t *testing.T) (*Manager, *state.Store) {
	t.Helper()
	st, err := state.Open(t.TempDir(), state.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m, err := New(t.TempDir(), st, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, st
}

// restoreWith offers s and applies its chunks from src, letting tamper
// change what chunk i delivers on its first delivery; it returns the
// results of every apply in order.
func restoreWith(t *testing.T, dst *Manager, src *Manager, s *abci.Snapshot, appHash []byte, tamper func(i uint32, c []byte) []byte) ([]*abci.ApplySnapshotChunkResponse, bool) {
	t.Helper()
	if r := dst.Offer(s, appHash); r != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
		t.Fatalf("offer: %v", r)
	}
	var out []*abci.ApplySnapshotChunkResponse
	tampered := map[uint32]bool{}
	for i := uint32(0); i < s.Chunks; {
		c := src.LoadChunk(s.Height, s.Format, i)
		if tamper != nil && !tampered[i] {
			tampered[i] = true
			c = tamper(i, c)
		}
		res, restored := dst.ApplyChunk(i, c, "peer-"+fmt.Sprint(i))
		out = append(out, res)
		switch res.Result {
		case abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT:
			if restored {
				return out, true
			}
			i++
		case abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY:
		default:
			return out, false
		}
	}
	return out, false
}

func TestRestoreRebuildsTheAppHash(t *testing.T) {
	src, s, root := source(t)
	dst, st := target(t)
	if _, ok := restoreWith(t, dst, src, s, root, nil); !ok {
		t.Fatal("good snapshot not restored")
	}
	if v, h := st.LastCommit(); v != int64(s.Height) || !bytes.Equal(h, root) || st.RestoredAt() != v {
		t.Fatalf("store at %d %X (restored at %d), want %d %X", v, h, st.RestoredAt(), s.Height, root)
	}
	// A node that holds state is never offered a snapshot into it.
	if r := dst.Offer(s, root); r != abci.OFFER_SNAPSHOT_RESULT_ABORT {
		t.Fatalf("offer to a node with state: %v, want ABORT", r)
	}
}

// TestRestoreRefusesBadChunks: a corrupt or truncated chunk is refetched
// from another peer and its sender rejected; the restore then completes.
func TestRestoreRefusesBadChunks(t *testing.T) {
	src, s, root := source(t)
	for name, tamper := range map[string]func(uint32, []byte) []byte{
		"bit flipped": func(i uint32, c []byte) []byte { c = bytes.Clone(c); c[len(c)/2] ^= 1; return c },
		"truncated":   func(i uint32, c []byte) []byte { return c[:len(c)-1] },
		"empty":       func(i uint32, c []byte) []byte { return nil },
		"other chunk": func(i uint32, c []byte) []byte { return src.LoadChunk(s.Height, s.Format, (i+1)%s.Chunks) },
	} {
		t.Run(name, func(t *testing.T) {
			dst, st := target(t)
			out, ok := restoreWith(t, dst, src, s, root, func(i uint32, c []byte) []byte {
				if i == 1 {
					return tamper(i, c)
				}
				return c
			})
			if !ok {
				t.Fatalf("not restored after a refetch: %+v", out)
			}
			bad := out[1]
			if bad.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY || len(bad.RefetchChunks) != 1 || bad.RefetchChunks[0] != 1 || len(bad.RejectSenders) != 1 || bad.RejectSenders[0] != "peer-1" {
				t.Fatalf("tampered chunk answered %+v; want RETRY, refetch 1, reject its sender", bad)
			}
			if _, h := st.LastCommit(); !bytes.Equal(h, root) {
				t.Fatal("wrong state after the refetch")
			}
		})
	}
}

// TestRestoreRefusesOtherSnapshots: another app hash (another chain, or a
// consistent forgery) is rejected after the import and nothing is kept;
// bad metadata and another format are refused at the offer.
func TestRestoreRefusesOtherSnapshots(t *testing.T) {
	src, s, root := source(t)
	dst, st := target(t)
	other := bytes.Repeat([]byte{0xAB}, len(root))
	out, ok := restoreWith(t, dst, src, s, other, nil)
	if ok || out[len(out)-1].Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_REJECT_SNAPSHOT {
		t.Fatalf("snapshot for another app hash: %+v", out[len(out)-1])
	}
	if v, _ := st.LastCommit(); v != 0 {
		t.Fatalf("store at version %d after a rejected snapshot", v)
	}
	forged := *s
	forged.Metadata = append(bytes.Clone(s.Metadata[:len(s.Metadata)-1]), ' ', '}')
	if r := dst.Offer(&forged, root); r != abci.OFFER_SNAPSHOT_RESULT_REJECT {
		t.Fatalf("metadata not matching the hash: %v, want REJECT", r)
	}
	fewer := *s
	fewer.Chunks--
	if r := dst.Offer(&fewer, root); r != abci.OFFER_SNAPSHOT_RESULT_REJECT {
		t.Fatalf("chunk count not matching the metadata: %v, want REJECT", r)
	}
	f2 := *s
	f2.Format = Format + 1
	if r := dst.Offer(&f2, root); r != abci.OFFER_SNAPSHOT_RESULT_REJECT_FORMAT {
		t.Fatalf("another format: %v, want REJECT_FORMAT", r)
	}
	// Chunks without an offer are not applied.
	if res, _ := dst.ApplyChunk(0, src.LoadChunk(s.Height, s.Format, 0), "p"); res.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_RETRY_SNAPSHOT {
		t.Fatalf("chunk without an offer: %v", res.Result)
	}
	// After all that, the real snapshot restores.
	if _, ok := restoreWith(t, dst, src, s, root, nil); !ok {
		t.Fatal("good snapshot not restored after refused ones")
	}
}

func TestSnapshotsAreKeptAndDeterministic(t *testing.T) {
	src, s, _ := source(t)
	// The same version snapshotted again gives the same hash (peers that
	// took it independently serve the same snapshot).
	m2, err := New(t.TempDir(), src.store, Options{ChunkSize: 2 << 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Take(int64(s.Height)); err != nil {
		t.Fatal(err)
	}
	if got := m2.List()[0]; !bytes.Equal(got.Hash, s.Hash) || got.Chunks != s.Chunks {
		t.Fatalf("second snapshot of %d: %X/%d, first %X/%d", s.Height, got.Hash, got.Chunks, s.Hash, s.Chunks)
	}
	// Keep bounds what stays on disk.
	for v := 0; v < 3; v++ {
		_ = src.store.Working().Set([]byte(fmt.Sprint("x", v)), []byte("1"))
		h, _, _ := src.store.Commit()
		if err := src.Take(h); err != nil {
			t.Fatal(err)
		}
	}
	if l := src.List(); len(l) != 2 || l[0].Height <= l[1].Height {
		t.Fatalf("after 4 snapshots with Keep 2: %d listed", len(l))
	}
}
