package state

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestNestedCacheMatchesModel: small per-tx caches written into a growing
// cache (which takes their slices over) read and iterate as a map does,
// through the switch from sorted slice to btree.
func TestNestedCacheMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	s, err := OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	outer := NewCache(s.Working())
	model := map[string]string{}
	key := func() []byte { return []byte(fmt.Sprintf("k%03d", rng.Intn(300))) }
	for tx := 0; tx < 200; tx++ {
		inner := NewCache(NewRecorder(outer))
		im := map[string]string{}
		for k, v := range model {
			im[k] = v
		}
		for op := 0; op < 1+rng.Intn(8); op++ {
			k := key()
			if rng.Intn(4) == 0 {
				inner.Delete(k)
				delete(im, string(k))
				continue
			}
			v := fmt.Sprint(rng.Int())
			inner.Set(k, []byte(v))
			im[string(k)] = v
		}
		compareIter(t, inner, im, nil, nil, rng.Intn(2) == 0)
		if rng.Intn(4) == 0 {
			inner.Discard()
			continue
		}
		if err := inner.Write(); err != nil {
			t.Fatal(err)
		}
		model = im
		a, b := key(), key()
		if string(a) > string(b) {
			a, b = b, a
		}
		if string(a) != string(b) {
			compareIter(t, outer, model, a, b, rng.Intn(2) == 0)
		}
	}
	if outer.Len() <= smallMax {
		t.Fatalf("outer cache holds %d writes: the btree was never used", outer.Len())
	}
	compareIter(t, outer, model, nil, nil, true)
}

// TestRecorderReplay: a tx's recorded effects apply again to a state where
// its reads are unchanged, and Unchanged notices a changed or new key.
func TestRecorderReplay(t *testing.T) {
	s, err := OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	base := NewCache(s.Working())
	base.Set([]byte("seq"), []byte("1"))
	rec := NewRecorder(base)
	c := NewCache(rec)
	seq, _ := c.Get([]byte("seq"))
	if v, _ := c.Get([]byte("claim")); v != nil {
		t.Fatal("claim present")
	}
	c.Set([]byte("claim"), []byte("mine"))
	c.Set([]byte("seq"), append(seq, '+'))
	c.Delete([]byte("old"))
	if err := c.Write(); err != nil {
		t.Fatal(err)
	}
	eff := rec.Effects()
	if len(eff.Reads) != 2 || rec.Ranged() {
		t.Fatalf("reads %+v", eff.Reads)
	}

	fresh := NewCache(s.Working())
	fresh.Set([]byte("seq"), []byte("1"))
	if ok, _ := eff.Unchanged(fresh); !ok {
		t.Fatal("reads changed on an identical state")
	}
	if err := eff.Apply(fresh); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"seq": "1+", "claim": "mine", "old": ""} {
		if v, _ := fresh.Get([]byte(k)); string(v) != want {
			t.Fatalf("%s = %q after replay, want %q", k, v, want)
		}
	}
	taken := NewCache(s.Working())
	taken.Set([]byte("seq"), []byte("1"))
	taken.Set([]byte("claim"), []byte("theirs"))
	if ok, _ := eff.Unchanged(taken); ok {
		t.Fatal("Unchanged missed a key that appeared")
	}
	bumped := NewCache(s.Working())
	bumped.Set([]byte("seq"), []byte("2"))
	if ok, _ := eff.Unchanged(bumped); ok {
		t.Fatal("Unchanged missed a changed value")
	}
}
