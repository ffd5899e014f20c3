package state

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"testing"

	iavldb "github.com/cosmos/iavl/db"

	"github.com/govchain/govchain/chain/proof"
)

// TestCacheMatchesModel drives a Cache over a committed tree and a plain
// sorted model with the same random operations, comparing reads and
// iterators both ways, then flushes and compares the tree.
func TestCacheMatchesModel(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 42, 1234} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			s, err := OpenMemory()
			if err != nil {
				t.Fatal(err)
			}
			model := map[string]string{}
			key := func() []byte { return []byte(fmt.Sprintf("k%03d", rng.Intn(200))) }
			for i := 0; i < 100; i++ {
				k := key()
				v := fmt.Sprint(rng.Int())
				s.Working().Set(k, []byte(v))
				model[string(k)] = v
			}
			if _, _, err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			for round := 0; round < 20; round++ {
				c := NewCache(s.Working())
				cm := map[string]string{}
				for k, v := range model {
					cm[k] = v
				}
				for op := 0; op < 200; op++ {
					k := key()
					switch rng.Intn(5) {
					case 0, 1:
						v := fmt.Sprint(rng.Int())
						c.Set(k, []byte(v))
						cm[string(k)] = v
					case 2:
						c.Delete(k)
						delete(cm, string(k))
					case 3:
						got, _ := c.Get(k)
						want, ok := cm[string(k)]
						if ok != (got != nil) || (ok && string(got) != want) {
							t.Fatalf("Get(%s) = %q, want %q/%v", k, got, want, ok)
						}
					case 4:
						a, b := key(), key()
						if bytes.Compare(a, b) > 0 {
							a, b = b, a
						}
						if rng.Intn(4) == 0 {
							a = nil
						}
						if rng.Intn(4) == 0 {
							b = nil
						}
						if a != nil && b != nil && bytes.Equal(a, b) {
							continue
						}
						asc := rng.Intn(2) == 0
						compareIter(t, c, cm, a, b, asc)
					}
				}
				if rng.Intn(3) == 0 {
					c.Discard()
					continue
				}
				if err := c.Write(); err != nil {
					t.Fatal(err)
				}
				model = cm
				compareIter(t, s.Working(), model, nil, nil, true)
				if _, _, err := s.Commit(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func compareIter(t *testing.T, kv KV, model map[string]string, start, end []byte, asc bool) {
	t.Helper()
	var want []string
	for k := range model {
		if (start == nil || k >= string(start)) && (end == nil || k < string(end)) {
			want = append(want, k)
		}
	}
	sort.Strings(want)
	if !asc {
		sort.Sort(sort.Reverse(sort.StringSlice(want)))
	}
	it, err := kv.Iterator(start, end, asc)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var got []string
	for ; it.Valid(); it.Next() {
		got = append(got, string(it.Key()))
		if string(it.Value()) != model[string(it.Key())] {
			t.Fatalf("iter value for %s: %s want %s", it.Key(), it.Value(), model[string(it.Key())])
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("iterator [%s,%s) asc=%v:\n got  %v\n want %v", start, end, asc, got, want)
	}
}

// TestFlushOrderIsDeterministic: the same writes in different orders give
// the same app hash (IAVL's shape depends on insertion order; Cache sorts).
func TestFlushOrderIsDeterministic(t *testing.T) {
	hash := func(order []int) []byte {
		s, _ := OpenMemory()
		c := NewCache(s.Working())
		for _, i := range order {
			c.Set([]byte(fmt.Sprintf("key-%d", i)), []byte("v"))
		}
		c.Write()
		_, h, err := s.Commit()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	a := hash([]int{1, 2, 3, 4, 5, 6, 7, 8, 9})
	b := hash([]int{9, 3, 7, 1, 5, 2, 8, 4, 6})
	if !bytes.Equal(a, b) {
		t.Fatalf("app hash depends on write order: %X vs %X", a, b)
	}
}

// TestCrashBetweenSaveAndMarker: a version saved by IAVL but not marked
// committed (a crash inside Commit) is discarded on reopen, and the node can
// re-execute that height to a different or equal result.
func TestCrashBetweenSaveAndMarker(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Working().Set([]byte("a"), []byte("1"))
	v1, h1, err := s.Commit()
	if err != nil || v1 != 1 {
		t.Fatal(v1, err)
	}
	// simulate the crash: IAVL saves version 2, the marker is never written
	s.Working().Set([]byte("a"), []byte("crashed"))
	if _, _, err := s.tree.SaveVersion(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, h := s.LastCommit()
	if v != 1 || !bytes.Equal(h, h1) {
		t.Fatalf("reopened at %d %X, want 1 %X", v, h, h1)
	}
	got, _ := s.Working().Get([]byte("a"))
	if string(got) != "1" {
		t.Fatalf("uncommitted write survived: %q", got)
	}
	// replaying block 2 with other contents must succeed
	s.Working().Set([]byte("a"), []byte("replayed"))
	v2, _, err := s.Commit()
	if err != nil || v2 != 2 {
		t.Fatalf("re-commit of height 2: %d %v", v2, err)
	}
	view, _ := s.At(2)
	if got, _ := view.Get([]byte("a")); string(got) != "replayed" {
		t.Fatalf("height 2 = %q", got)
	}
}

func TestPruning(t *testing.T) {
	s, err := newStore(iavldb.NewMemDB(), iavldb.NewMemDB(), Options{KeepRecent: 3, PruneEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		s.Working().Set([]byte("k"), []byte(fmt.Sprint(i)))
		if _, _, err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	lo, hi := s.AvailableVersions()
	if hi != 10 || lo != 8 {
		t.Fatalf("versions [%d,%d], want [8,10] (the newest KeepRecent)", lo, hi)
	}
	if _, err := s.At(5); err == nil {
		t.Fatal("pruned version still readable")
	}
}

// TestRecentViews: views of the newest versions are shared between calls
// and keep reading their own version after later commits; with pruning
// closer than the cache, a pruned version is never served from it.
func TestRecentViews(t *testing.T) {
	for _, keep := range []int64{0, 2} {
		s, err := newStore(iavldb.NewMemDB(), iavldb.NewMemDB(), Options{KeepRecent: keep, PruneEvery: 1})
		if err != nil {
			t.Fatal(err)
		}
		views := map[int64]*View{}
		for i := 1; i <= 12; i++ {
			s.Working().Set([]byte("k"), []byte(fmt.Sprint(i)))
			if _, _, err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			v, err := s.At(0)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := s.At(int64(i))
			if v != again {
				t.Fatalf("keep %d: two views of the head version %d", keep, i)
			}
			views[int64(i)] = v
			for h := int64(1); h <= int64(i); h++ {
				got, err := s.At(h)
				if keep > 0 && h <= int64(i)-keep {
					if err == nil {
						t.Fatalf("keep %d: pruned version %d served at head %d", keep, h, i)
					}
					continue
				}
				if err != nil {
					t.Fatalf("keep %d: version %d at head %d: %v", keep, h, i, err)
				}
				if val, _ := got.Get([]byte("k")); string(val) != fmt.Sprint(h) {
					t.Fatalf("keep %d: version %d reads %q at head %d", keep, h, val, i)
				}
			}
		}
	}
}

// TestInvertedRangeOnDisk: an inverted range through IAVL on badger is an
// empty iteration, not a panic (iavl's fast iterator cannot take an error).
func TestInvertedRangeOnDisk(t *testing.T) {
	s, err := Open(t.TempDir(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, k := range []string{"a", "b", "c"} {
		s.Working().Set([]byte(k), []byte("v"))
	}
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	view, _ := s.At(0)
	for _, kv := range []KV{s.Working(), view} {
		for _, asc := range []bool{true, false} {
			it, err := kv.Iterator([]byte("c"), []byte("a"), asc)
			if err != nil {
				t.Fatal(err)
			}
			if it.Valid() {
				t.Fatalf("inverted range yielded %q", it.Key())
			}
			it.Close()
		}
	}
}

// TestProve checks View.Prove's answers against the tree's root: the value
// and a membership proof for present keys (first, middle and last), nil and
// a non-membership proof for absent ones (before, between, after all keys),
// in a tree read from disk (no child pointers, every node from the cache
// or the store).
func TestProve(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		s.Working().Set([]byte(fmt.Sprintf("k%04d", 2*i+1)), []byte(fmt.Sprint("v", i)))
	}
	if _, _, err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.At(0)
	if err != nil {
		t.Fatal(err)
	}
	if v.Size() != 500 {
		t.Fatalf("Size %d, want 500", v.Size())
	}
	root := v.Hash()
	for _, tc := range []struct{ key, want string }{
		{"k0001", "v0"}, {"k0501", "v250"}, {"k0999", "v499"},
		{"k0000", ""}, {"k0500", ""}, {"k1000", ""}, {"a", ""}, {"k05011", ""},
	} {
		val, ops, err := v.Prove([]byte(tc.key))
		if err != nil {
			t.Fatalf("%s: %v", tc.key, err)
		}
		if string(val) != tc.want || (val == nil) != (tc.want == "") {
			t.Fatalf("%s: value %q, want %q", tc.key, val, tc.want)
		}
		p := proof.Proof{Key: []byte(tc.key), Value: val, Height: v.Version(), Ops: ops}
		if err := p.Verify(root); err != nil {
			t.Fatalf("%s: %v", tc.key, err)
		}
		// the same proof must not pass for another value or as the other kind
		p.Value = []byte("forged")
		if tc.want == "" {
			p.Value = nil
			p.Key = []byte("k0001")
		}
		if err := p.Verify(root); err == nil {
			t.Fatalf("%s: a proof verified for a key or value it is not about", tc.key)
		}
	}
}
