package badgerdb

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	corestore "cosmossdk.io/core/store"
	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"
	badger "github.com/dgraph-io/badger/v4"
)

// ---------------------------------------------------------------------------
// Randomized conformance against iavl's MemDB (the reference implementation).
// ---------------------------------------------------------------------------

// fixedSeeds keep failures reproducible in CI; one extra time-based seed per
// run explores new sequences. Every seed is logged.
var fixedSeeds = []uint64{1, 2, 3, 42, 1337, 0x5eed}

func conformanceSeeds(t *testing.T) []uint64 {
	s := append(slices.Clone(fixedSeeds), uint64(time.Now().UnixNano()))
	t.Logf("seeds: %v", s)
	return s
}

const conformanceSteps = 3000

// A tiny alphabet with boundary bytes makes key collisions, shared prefixes
// and 0x00/0xFF edges frequent, which is where range bugs live. '!' is left
// out so the unprefixed store can never form badger's reserved "!badger!".
var keyAlphabet = []byte{0x00, 0x01, 'a', 'b', 0x7f, 0x80, 0xfe, 0xff}

func randKey(rng *rand.Rand) []byte {
	n := 1 + rng.IntN(3)
	if rng.IntN(10) == 0 {
		n = 4 + rng.IntN(5)
	}
	k := make([]byte, n)
	for i := range k {
		k[i] = keyAlphabet[rng.IntN(len(keyAlphabet))]
	}
	return k
}

func randValue(rng *rand.Rand) []byte {
	switch r := rng.IntN(100); {
	case r < 10:
		return []byte{} // empty but non-nil: must round-trip as non-nil
	case r < 12:
		v := make([]byte, 1024+rng.IntN(4096))
		fillRand(rng, v)
		return v
	default:
		v := make([]byte, 1+rng.IntN(16))
		fillRand(rng, v)
		return v
	}
}

func fillRand(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
}

// randBound returns nil a fifth of the time so open-ended domains are
// exercised in both directions.
func randBound(rng *rand.Rand) []byte {
	if rng.IntN(5) == 0 {
		return nil
	}
	return randKey(rng)
}

// subject is one adapter view checked against its own model.
type subject struct {
	name  string
	db    *DB
	model *iavldb.MemDB
}

type conformance struct {
	t    *testing.T
	rng  *rand.Rand
	seed uint64
	step int
}

func (c *conformance) fatalf(s *subject, format string, args ...any) {
	c.t.Helper()
	c.t.Fatalf("seed=%d step=%d store=%s: %s", c.seed, c.step, s.name, fmt.Sprintf(format, args...))
}

func sameErr(a, b error) bool { return (a == nil) == (b == nil) }

func (c *conformance) run(s *subject) {
	c.t.Helper()
	switch r := c.rng.IntN(100); {
	case r < 22:
		c.set(s)
	case r < 32:
		c.del(s)
	case r < 44:
		c.batch(s)
	case r < 58:
		c.get(s)
	case r < 65:
		c.has(s)
	case r < 95:
		c.iterate(s)
	default:
		c.invalid(s)
	}
}

func (c *conformance) set(s *subject) {
	k, v := randKey(c.rng), randValue(c.rng)
	if err := s.db.Set(k, v); err != nil {
		c.fatalf(s, "Set(%x): %v", k, err)
	}
	if err := s.model.Set(k, v); err != nil {
		c.fatalf(s, "model Set: %v", err)
	}
}

func (c *conformance) del(s *subject) {
	k := randKey(c.rng)
	if err := s.db.Delete(k); err != nil {
		c.fatalf(s, "Delete(%x): %v", k, err)
	}
	if err := s.model.Delete(k); err != nil {
		c.fatalf(s, "model Delete: %v", err)
	}
}

func (c *conformance) get(s *subject) {
	k := randKey(c.rng)
	got, err := s.db.Get(k)
	if err != nil {
		c.fatalf(s, "Get(%x): %v", k, err)
	}
	want, _ := s.model.Get(k)
	if (got == nil) != (want == nil) || !bytes.Equal(got, want) {
		c.fatalf(s, "Get(%x) = %x (nil=%v), want %x (nil=%v)", k, got, got == nil, want, want == nil)
	}
}

func (c *conformance) has(s *subject) {
	k := randKey(c.rng)
	got, err := s.db.Has(k)
	if err != nil {
		c.fatalf(s, "Has(%x): %v", k, err)
	}
	want, _ := s.model.Has(k)
	if got != want {
		c.fatalf(s, "Has(%x) = %v, want %v", k, got, want)
	}
}

func (c *conformance) batch(s *subject) {
	bb, mb := s.db.NewBatch(), s.model.NewBatch()
	if c.rng.IntN(2) == 0 {
		bb = s.db.NewBatchWithSize(c.rng.IntN(100000))
	}
	n := 1 + c.rng.IntN(60)
	var touched [][]byte
	for range n {
		k := randKey(c.rng)
		touched = append(touched, k)
		var be, me error
		if c.rng.IntN(3) == 0 {
			be, me = bb.Delete(k), mb.Delete(k)
		} else {
			v := randValue(c.rng)
			be, me = bb.Set(k, v), mb.Set(k, v)
		}
		if be != nil || me != nil {
			c.fatalf(s, "batch op: %v / model %v", be, me)
		}
	}
	bs, be := bb.GetByteSize()
	ms, _ := mb.GetByteSize()
	if be != nil || bs != ms {
		c.fatalf(s, "GetByteSize = %d, %v; want %d", bs, be, ms)
	}
	// Nothing may be visible before Write: both sides still hold the old state.
	c.compareKey(s, touched[c.rng.IntN(len(touched))])

	var err error
	switch r := c.rng.IntN(100); {
	case r < 70:
		err = bb.Write()
		_ = mb.Write()
	case r < 85:
		err = bb.WriteSync()
		_ = mb.WriteSync()
	default: // discarded batch must leave no trace
		err = bb.Close()
		_ = mb.Close()
	}
	if err != nil {
		c.fatalf(s, "batch write/close: %v", err)
	}
	if err := bb.Set([]byte("x"), []byte("y")); !errors.Is(err, ErrBatchClosed) {
		c.fatalf(s, "Set after Write/Close: %v, want ErrBatchClosed", err)
	}
	if err := bb.Close(); err != nil {
		c.fatalf(s, "second Close: %v", err)
	}
	_ = mb.Close()
	for _, k := range touched {
		c.compareKey(s, k)
	}
}

func (c *conformance) compareKey(s *subject, k []byte) {
	got, err := s.db.Get(k)
	if err != nil {
		c.fatalf(s, "Get(%x): %v", k, err)
	}
	want, _ := s.model.Get(k)
	if (got == nil) != (want == nil) || !bytes.Equal(got, want) {
		c.fatalf(s, "Get(%x) = %x, want %x", k, got, want)
	}
}

func (c *conformance) iterate(s *subject) {
	start, end := randBound(c.rng), randBound(c.rng)
	reverse := c.rng.IntN(2) == 0
	open := func(db iavldb.DB) (corestore.Iterator, error) {
		if reverse {
			return db.ReverseIterator(start, end)
		}
		return db.Iterator(start, end)
	}
	bit, err := open(s.db)
	if start != nil && end != nil && bytes.Compare(start, end) >= 0 {
		if err != nil || bit.Valid() {
			c.fatalf(s, "iterator(%x, %x) reverse=%v: err=%v, want an empty iterator", start, end, reverse, err)
		}
		return
	}
	if err != nil {
		c.fatalf(s, "iterator(%x, %x) reverse=%v: %v", start, end, reverse, err)
	}
	defer bit.Close()
	mit, _ := open(s.model)
	defer mit.Close()

	if ds, de := bit.Domain(); !bytes.Equal(ds, start) || !bytes.Equal(de, end) {
		c.fatalf(s, "Domain() = %x, %x", ds, de)
	}
	// Sometimes stop early to exercise Close on a live iterator.
	limit := -1
	if c.rng.IntN(4) == 0 {
		limit = c.rng.IntN(10)
	}
	var prevKey, prevKeyCopy []byte
	for i := 0; limit < 0 || i < limit; i++ {
		if bit.Valid() != mit.Valid() {
			c.fatalf(s, "iterator(%x, %x) reverse=%v pos %d: Valid=%v, model %v", start, end, reverse, i, bit.Valid(), mit.Valid())
		}
		if !bit.Valid() {
			break
		}
		k, v := bit.Key(), bit.Value()
		if !bytes.Equal(k, mit.Key()) || !bytes.Equal(v, mit.Value()) || v == nil {
			c.fatalf(s, "iterator(%x, %x) reverse=%v pos %d: got %x=%x, want %x=%x", start, end, reverse, i, k, v, mit.Key(), mit.Value())
		}
		// Returned slices must be private copies: scribbling on them must not
		// affect later calls, and they must survive Next.
		kc := bytes.Clone(k)
		k[0] ^= 0xFF
		if len(v) > 0 {
			v[0] ^= 0xFF
		}
		if !bytes.Equal(bit.Key(), kc) || !bytes.Equal(bit.Value(), mit.Value()) {
			c.fatalf(s, "Key()/Value() alias internal buffers")
		}
		if prevKey != nil && !bytes.Equal(prevKey, prevKeyCopy) {
			c.fatalf(s, "key returned before Next changed: %x -> %x", prevKeyCopy, prevKey)
		}
		prevKey = bit.Key()
		prevKeyCopy = bytes.Clone(prevKey)
		bit.Next()
		mit.Next()
	}
	if err := bit.Error(); err != nil {
		c.fatalf(s, "iterator Error: %v", err)
	}
	if err := bit.Close(); err != nil {
		c.fatalf(s, "iterator Close: %v", err)
	}
	if err := bit.Close(); err != nil || bit.Valid() {
		c.fatalf(s, "second Close: err=%v valid=%v", err, bit.Valid())
	}
}

// invalid checks that both sides reject contract violations alike.
func (c *conformance) invalid(s *subject) {
	empties := [][]byte{nil, {}}
	k := empties[c.rng.IntN(2)]
	_, e1 := s.db.Get(k)
	_, e2 := s.db.Has(k)
	e3 := s.db.Set(k, []byte("v"))
	e4 := s.db.Delete(k)
	e5 := s.db.Set(randKey(c.rng), nil)
	_, m1 := s.model.Get(k)
	_, m2 := s.model.Has(k)
	m3 := s.model.Set(k, []byte("v"))
	m4 := s.model.Delete(k)
	m5 := s.model.Set(randKey(c.rng), nil)
	for i, p := range [][2]error{{e1, m1}, {e2, m2}, {e3, m3}, {e4, m4}, {e5, m5}} {
		if p[0] == nil || !sameErr(p[0], p[1]) {
			c.fatalf(s, "invalid op %d: err=%v model=%v", i, p[0], p[1])
		}
	}
	if _, err := s.db.Iterator([]byte{}, nil); !errors.Is(err, ErrKeyEmpty) {
		c.fatalf(s, "Iterator([]byte{}, nil): %v", err)
	}
	if _, err := s.db.ReverseIterator(nil, []byte{}); !errors.Is(err, ErrKeyEmpty) {
		c.fatalf(s, "ReverseIterator(nil, []byte{}): %v", err)
	}
}

// compareAll dumps both sides completely, forward and reverse.
func (c *conformance) compareAll(s *subject) {
	c.t.Helper()
	for _, reverse := range []bool{false, true} {
		got := dump(c.t, s.db, reverse)
		want := dump(c.t, s.model, reverse)
		if len(got) != len(want) {
			c.fatalf(s, "full dump reverse=%v: %d entries, want %d", reverse, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i][0], want[i][0]) || !bytes.Equal(got[i][1], want[i][1]) {
				c.fatalf(s, "full dump reverse=%v entry %d: %x=%x, want %x=%x", reverse, i, got[i][0], got[i][1], want[i][0], want[i][1])
			}
		}
	}
}

func dump(t testing.TB, db iavldb.DB, reverse bool) [][2][]byte {
	t.Helper()
	var it corestore.Iterator
	var err error
	if reverse {
		it, err = db.ReverseIterator(nil, nil)
	} else {
		it, err = db.Iterator(nil, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out [][2][]byte
	for ; it.Valid(); it.Next() {
		out = append(out, [2][]byte{it.Key(), it.Value()})
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
	return out
}

// writeNoise puts raw keys right around prefix p (below it, the bare prefix,
// exactly at its successor, above it) into an unprefixed view; a prefixed
// view that leaks past its range will surface them.
func writeNoise(t *testing.T, root *DB, p []byte) {
	t.Helper()
	last := len(p) - 1
	noise := [][]byte{
		p[:last],
		bytes.Clone(p), // bare prefix: would appear as an empty key
		append(bytes.Clone(p[:last]), p[last]-1, 0xff, 0xff), // just below, for p[last] > 0
	}
	if p[last] == 0 {
		noise = noise[:2]
	}
	if end := prefixEnd(p); end != nil {
		noise = append(noise, end, append(bytes.Clone(end), 0x00))
	}
	for _, k := range noise {
		if len(k) == 0 {
			continue
		}
		if err := root.Set(k, []byte("noise")); err != nil {
			t.Fatal(err)
		}
	}
}

func mustOpenInMemory(t testing.TB) *DB {
	t.Helper()
	db, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestConformanceRandom(t *testing.T) {
	for _, seed := range conformanceSeeds(t) {
		t.Run(fmt.Sprintf("noprefix/seed=%d", seed), func(t *testing.T) {
			s := &subject{name: "noprefix", db: mustOpenInMemory(t), model: iavldb.NewMemDB()}
			runConformance(t, seed, []*subject{s}, nil)
		})

		t.Run(fmt.Sprintf("prefix/seed=%d", seed), func(t *testing.T) {
			root := mustOpenInMemory(t)
			p := []byte("s/\x01")
			writeNoise(t, root, p)
			s := &subject{name: "prefix", db: NewPrefixed(root, p), model: iavldb.NewMemDB()}
			runConformance(t, seed, []*subject{s}, nil)
		})

		t.Run(fmt.Sprintf("shared/seed=%d", seed), func(t *testing.T) {
			root := mustOpenInMemory(t)
			// "a\xff" and "b" are adjacent (b is a\xff's successor), and
			// "\xff\xff" has no successor at all: both are prefix-end edge cases.
			prefixes := [][]byte{[]byte("a\xff"), []byte("b"), []byte("\xff\xff")}
			var subjects []*subject
			for _, p := range prefixes {
				subjects = append(subjects, &subject{name: fmt.Sprintf("view%q", p), db: NewPrefixed(root, p), model: iavldb.NewMemDB()})
			}
			runConformance(t, seed, subjects, nil)

			// The raw keyspace must be exactly the disjoint union of the views.
			raw := dump(t, root, false)
			total := 0
			for _, s := range subjects {
				total += len(dump(t, s.model, false))
			}
			if len(raw) != total {
				t.Fatalf("badger holds %d keys, views' models hold %d", len(raw), total)
			}
			for _, kv := range raw {
				if !slices.ContainsFunc(prefixes, func(p []byte) bool { return bytes.HasPrefix(kv[0], p) }) {
					t.Fatalf("raw key %x outside every view prefix", kv[0])
				}
			}
		})

		t.Run(fmt.Sprintf("disk-reopen/seed=%d", seed), func(t *testing.T) {
			dir := t.TempDir()
			p := []byte("disk/")
			opts := DefaultOptions()
			opts.SyncWrites = false // durability is not under test; keep it fast

			root, err := Open(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			writeNoise(t, root, p)
			if err := root.Close(); err != nil {
				t.Fatal(err)
			}

			opts.Prefix = p
			db, err := Open(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			s := &subject{name: "disk", db: db, model: iavldb.NewMemDB()}
			runConformance(t, seed, []*subject{s}, func() {
				// Reopen to prove state survives a close (memtable flush and
				// replay) with the prefix supplied via Options.
				if err := s.db.Close(); err != nil {
					t.Fatal(err)
				}
				if s.db, err = Open(dir, opts); err != nil {
					t.Fatal(err)
				}
			})
			_ = s.db.Close()
		})
	}
}

func runConformance(t *testing.T, seed uint64, subjects []*subject, reopen func()) {
	t.Helper()
	c := &conformance{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), seed: seed}
	for c.step = 0; c.step < conformanceSteps; c.step++ {
		s := subjects[c.rng.IntN(len(subjects))]
		c.run(s)
		if c.step%500 == 499 {
			for _, s := range subjects {
				c.compareAll(s)
			}
			if reopen != nil && c.step%1000 == 999 {
				reopen()
				for _, s := range subjects {
					c.compareAll(s)
				}
			}
		}
	}
	for _, s := range subjects {
		c.compareAll(s)
	}
}

// TestPrefixBoundaries pins the exact raw-key neighbours of a view's range,
// including a raw key equal to the view's prefix successor, which is where a
// reverse seek from the prefix end lands.
func TestPrefixBoundaries(t *testing.T) {
	for _, p := range [][]byte{[]byte("p"), []byte("p\xff"), []byte("\xff"), []byte("\x00")} {
		t.Run(fmt.Sprintf("%x", p), func(t *testing.T) {
			root := mustOpenInMemory(t)
			writeNoise(t, root, p)
			view := NewPrefixed(root, p)
			want := [][]byte{{0x00}, {0x01, 0xff}, []byte("m"), {0xff}, {0xff, 0xff, 0xff}}
			for _, k := range want {
				if err := view.Set(k, k); err != nil {
					t.Fatal(err)
				}
			}
			check := func(name string, got [][2][]byte, want [][]byte) {
				t.Helper()
				var keys [][]byte
				for _, kv := range got {
					keys = append(keys, kv[0])
				}
				if !slices.EqualFunc(keys, want, bytes.Equal) {
					t.Fatalf("%s: got %x, want %x", name, keys, want)
				}
			}
			check("forward", dump(t, view, false), want)
			rev := slices.Clone(want)
			slices.Reverse(rev)
			check("reverse", dump(t, view, true), rev)

			// Bounded reverse: end is exclusive even when it exists.
			it, err := view.ReverseIterator([]byte{0x01, 0xff}, []byte{0xff})
			if err != nil {
				t.Fatal(err)
			}
			var got [][2][]byte
			for ; it.Valid(); it.Next() {
				got = append(got, [2][]byte{it.Key(), it.Value()})
			}
			it.Close()
			check("reverse[01ff,ff)", got, [][]byte{[]byte("m"), {0x01, 0xff}})

		})
	}
}

// ---------------------------------------------------------------------------
// Edge cases.
// ---------------------------------------------------------------------------

func TestEdgeCases(t *testing.T) {
	t.Run("keys and values", func(t *testing.T) {
		db := mustOpenInMemory(t)
		for _, k := range [][]byte{nil, {}} {
			if _, err := db.Get(k); !errors.Is(err, ErrKeyEmpty) {
				t.Errorf("Get(%#v): %v", k, err)
			}
			if _, err := db.Has(k); !errors.Is(err, ErrKeyEmpty) {
				t.Errorf("Has(%#v): %v", k, err)
			}
			if err := db.Set(k, []byte("v")); !errors.Is(err, ErrKeyEmpty) {
				t.Errorf("Set(%#v): %v", k, err)
			}
			if err := db.Delete(k); !errors.Is(err, ErrKeyEmpty) {
				t.Errorf("Delete(%#v): %v", k, err)
			}
		}
		if err := db.Set([]byte("k"), nil); !errors.Is(err, ErrValueNil) {
			t.Errorf("Set nil value: %v", err)
		}
		if v, err := db.Get([]byte("missing")); v != nil || err != nil {
			t.Errorf("Get(missing) = %v, %v; want nil, nil", v, err)
		}
		if err := db.Set([]byte("empty"), []byte{}); err != nil {
			t.Fatal(err)
		}
		if v, err := db.Get([]byte("empty")); v == nil || len(v) != 0 || err != nil {
			t.Errorf("Get(empty value) = %#v, %v; want []byte{}, nil", v, err)
		}
		if ok, _ := db.Has([]byte("empty")); !ok {
			t.Error("Has(empty value) = false")
		}
		if err := db.Delete([]byte("missing")); err != nil {
			t.Errorf("Delete(missing): %v", err)
		}
	})

	t.Run("batch lifecycle", func(t *testing.T) {
		db := mustOpenInMemory(t)
		b := db.NewBatch()
		if err := b.Set(nil, []byte("v")); !errors.Is(err, ErrKeyEmpty) {
			t.Errorf("batch Set(nil key): %v", err)
		}
		if err := b.Set([]byte("k"), nil); !errors.Is(err, ErrValueNil) {
			t.Errorf("batch Set(nil value): %v", err)
		}
		if err := b.Delete([]byte{}); !errors.Is(err, ErrKeyEmpty) {
			t.Errorf("batch Delete(empty key): %v", err)
		}
		_ = b.Set([]byte("k1"), []byte("v1"))
		_ = b.Set([]byte("k2"), []byte("v2"))
		_ = b.Delete([]byte("k1"))
		if n, _ := b.GetByteSize(); n != 2+2+2+2+2 {
			t.Errorf("GetByteSize = %d, want 10", n)
		}
		if v, _ := db.Get([]byte("k2")); v != nil {
			t.Error("batch visible before Write")
		}
		if err := b.Write(); err != nil {
			t.Fatal(err)
		}
		if v, _ := db.Get([]byte("k1")); v != nil {
			t.Error("later Delete in batch did not win over earlier Set")
		}
		if v, _ := db.Get([]byte("k2")); string(v) != "v2" {
			t.Errorf("k2 = %q", v)
		}
		if err := b.Set([]byte("k3"), []byte("v")); !errors.Is(err, ErrBatchClosed) {
			t.Errorf("Set after Write: %v", err)
		}
		if err := b.Delete([]byte("k3")); !errors.Is(err, ErrBatchClosed) {
			t.Errorf("Delete after Write: %v", err)
		}
		if err := b.Write(); !errors.Is(err, ErrBatchClosed) {
			t.Errorf("second Write: %v", err)
		}
		if err := b.WriteSync(); !errors.Is(err, ErrBatchClosed) {
			t.Errorf("WriteSync after Write: %v", err)
		}
		if _, err := b.GetByteSize(); !errors.Is(err, ErrBatchClosed) {
			t.Errorf("GetByteSize after Write: %v", err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close after Write: %v", err)
		}

		b = db.NewBatchWithSize(1 << 20)
		_ = b.Set([]byte("discarded"), []byte("v"))
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close not idempotent: %v", err)
		}
		if err := b.Set([]byte("k"), []byte("v")); !errors.Is(err, ErrBatchClosed) {
			t.Errorf("Set after Close: %v", err)
		}
		if err := b.Write(); !errors.Is(err, ErrBatchClosed) {
			t.Errorf("Write after Close: %v", err)
		}
		if v, _ := db.Get([]byte("discarded")); v != nil {
			t.Error("closed batch was applied")
		}
	})

	t.Run("iterator ranges", func(t *testing.T) {
		db := mustOpenInMemory(t)
		_ = db.Set([]byte("a"), []byte("1"))
		_ = db.Set([]byte("b"), []byte("2"))
		for _, r := range [][2]string{{"a", "a"}, {"b", "a"}, {"b", "ab"}} {
			if it, err := db.Iterator([]byte(r[0]), []byte(r[1])); err != nil || it.Valid() {
				t.Errorf("Iterator(%q, %q): %v, want an empty iterator", r[0], r[1], err)
			}
			if it, err := db.ReverseIterator([]byte(r[0]), []byte(r[1])); err != nil || it.Valid() {
				t.Errorf("ReverseIterator(%q, %q): %v, want an empty iterator", r[0], r[1], err)
			}
		}
		if _, err := db.Iterator([]byte{}, nil); !errors.Is(err, ErrKeyEmpty) {
			t.Errorf("Iterator(empty start): %v", err)
		}
		it, err := db.Iterator([]byte("a"), []byte("b"))
		if err != nil {
			t.Fatal(err)
		}
		if !it.Valid() || string(it.Key()) != "a" {
			t.Fatal("expected a")
		}
		it.Next()
		if it.Valid() {
			t.Fatal("end must be exclusive")
		}
		mustPanic(t, "Key on invalid iterator", func() { it.Key() })
		mustPanic(t, "Next on invalid iterator", func() { it.Next() })
		_ = it.Close()
	})

	t.Run("close semantics", func(t *testing.T) {
		root, err := OpenInMemory()
		if err != nil {
			t.Fatal(err)
		}
		view := NewPrefixed(root, []byte("v/"))
		if err := view.Set([]byte("k"), []byte("v")); err != nil {
			t.Fatal(err)
		}
		if err := view.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := view.Get([]byte("k")); !errors.Is(err, ErrClosed) {
			t.Errorf("Get on closed view: %v", err)
		}
		if root.Badger().IsClosed() {
			t.Fatal("closing a prefixed view closed the shared badger")
		}
		if v, _ := root.Get([]byte("v/k")); string(v) != "v" {
			t.Errorf("root Get(v/k) = %q", v)
		}
		view2 := NewPrefixed(root, []byte("w/"))
		b := view2.NewBatch()
		_ = b.Set([]byte("k"), []byte("v"))
		if err := root.Close(); err != nil {
			t.Fatal(err)
		}
		if err := root.Close(); err != nil {
			t.Errorf("Close not idempotent: %v", err)
		}
		if _, err := view2.Iterator(nil, nil); !errors.Is(err, ErrClosed) {
			t.Errorf("Iterator after badger closed: %v (must error, not panic)", err)
		}
		if err := b.Write(); !errors.Is(err, ErrClosed) {
			t.Errorf("batch Write after badger closed: %v", err)
		}
		if err := view2.Set([]byte("k"), []byte("v")); !errors.Is(err, ErrClosed) {
			t.Errorf("Set after badger closed: %v", err)
		}
	})

	t.Run("batch split on ErrTxnTooBig", func(t *testing.T) {
		// 1 MiB memtables cap a badger transaction at ~150 KiB.
		opts := DefaultOptions()
		opts.MemTableSize = 1 << 20
		db, err := openInMemory(opts)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		const n = 20000
		val := bytes.Repeat([]byte("v"), 100)
		key := func(i int) []byte { return fmt.Appendf(nil, "key-%06d", i) }

		// Precondition: a single badger transaction really cannot hold this,
		// so the test exercises the split path.
		err = db.Badger().Update(func(txn *badger.Txn) error {
			for i := range n {
				if err := txn.Set(key(i), val); err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, badger.ErrTxnTooBig) {
			t.Fatalf("precondition: single txn err = %v, want ErrTxnTooBig", err)
		}

		b := db.NewBatch()
		for i := range n {
			_ = b.Set(key(i), val)
		}
		for i := 0; i < n; i += 2 { // ordered deletes after sets must win
			_ = b.Delete(key(i))
		}
		if err := b.Write(); err != nil {
			t.Fatal(err)
		}
		entries := dump(t, db, false)
		if len(entries) != n/2 {
			t.Fatalf("%d keys after split write, want %d", len(entries), n/2)
		}
		for j, kv := range entries {
			if !bytes.Equal(kv[0], key(2*j+1)) || !bytes.Equal(kv[1], val) {
				t.Fatalf("entry %d = %s", j, kv[0])
			}
		}

		// A single entry larger than a transaction must fail, not loop. Values
		// are capped below ValueThreshold (clamped to the transaction limit),
		// so the largest allowed value plus per-entry overhead is the way in.
		big := db.NewBatch()
		if err := big.Set([]byte("big"), make([]byte, 15*opts.MemTableSize/100-1)); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- big.Write() }()
		select {
		case err := <-done:
			if !errors.Is(err, badger.ErrTxnTooBig) {
				t.Fatalf("oversized entry: %v, want ErrTxnTooBig", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("oversized entry: Write did not return")
		}
	})
}

// TestInMemoryValueAtThreshold guards against a badger v4.9.6 crash: in
// memory mode a value of exactly ValueThreshold bytes panics badger's write
// goroutine. The adapter must reject it with an error instead.
func TestInMemoryValueAtThreshold(t *testing.T) {
	db := mustOpenInMemory(t)
	vt := db.inMemValueLimit
	if vt <= 0 {
		t.Fatal("in-memory DB has no value limit")
	}
	if err := db.Set([]byte("k"), make([]byte, vt)); !errors.Is(err, ErrValueTooLarge) {
		t.Fatalf("Set(value of ValueThreshold bytes): %v, want ErrValueTooLarge", err)
	}
	b := NewPrefixed(db, []byte("p")).NewBatch()
	if err := b.Set([]byte("k"), make([]byte, vt)); !errors.Is(err, ErrValueTooLarge) {
		t.Fatalf("batch Set on view: %v, want ErrValueTooLarge", err)
	}
	if err := db.Set([]byte("k"), make([]byte, vt-1)); err != nil {
		t.Fatalf("Set(value just below threshold): %v", err)
	}
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

// ---------------------------------------------------------------------------
// iavl end to end.
// ---------------------------------------------------------------------------

type iavlPair struct {
	t    *testing.T
	bt   *iavl.MutableTree // on badger
	mt   *iavl.MutableTree // on MemDB, the oracle
	rng  *rand.Rand
	live map[string][]byte
}

func (p *iavlPair) mutate(n, keySpace int) {
	p.t.Helper()
	for range n {
		k := fmt.Appendf(nil, "key-%05d", p.rng.IntN(keySpace))
		if _, ok := p.live[string(k)]; ok && p.rng.IntN(6) == 0 {
			bv, bok, err1 := p.bt.Remove(k)
			mv, mok, err2 := p.mt.Remove(k)
			if err1 != nil || err2 != nil || bok != mok || !bytes.Equal(bv, mv) {
				p.t.Fatalf("Remove(%s): %x %v %v / %x %v %v", k, bv, bok, err1, mv, mok, err2)
			}
			delete(p.live, string(k))
			continue
		}
		v := make([]byte, 8+p.rng.IntN(56))
		fillRand(p.rng, v)
		bu, err1 := p.bt.Set(k, v)
		mu, err2 := p.mt.Set(k, v)
		if err1 != nil || err2 != nil || bu != mu {
			p.t.Fatalf("Set(%s): %v %v / %v %v", k, bu, err1, mu, err2)
		}
		p.live[string(k)] = v
	}
}

func (p *iavlPair) save(wantVersion int64) []byte {
	p.t.Helper()
	bh, bv, err := p.bt.SaveVersion()
	if err != nil {
		p.t.Fatal(err)
	}
	mh, mv, err := p.mt.SaveVersion()
	if err != nil {
		p.t.Fatal(err)
	}
	if bv != wantVersion || mv != wantVersion || !bytes.Equal(bh, mh) {
		p.t.Fatalf("SaveVersion: badger v%d %x, memdb v%d %x, want v%d", bv, bh, mv, mh, wantVersion)
	}
	return mh
}

func checkTreeContents(t *testing.T, tree *iavl.MutableTree, want map[string][]byte) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k, v := range want {
		keys = append(keys, k)
		got, err := tree.Get([]byte(k))
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Get(%s) = %x, %v; want %x", k, got, err, v)
		}
	}
	slices.Sort(keys)
	for _, ascending := range []bool{true, false} {
		it, err := tree.Iterator(nil, nil, ascending)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for ; it.Valid(); it.Next() {
			wk := keys[i]
			if !ascending {
				wk = keys[len(keys)-1-i]
			}
			if string(it.Key()) != wk || !bytes.Equal(it.Value(), want[wk]) {
				t.Fatalf("iterator ascending=%v pos %d: %s, want %s", ascending, i, it.Key(), wk)
			}
			i++
		}
		if err := it.Error(); err != nil {
			t.Fatal(err)
		}
		it.Close()
		if i != len(keys) {
			t.Fatalf("iterator ascending=%v yielded %d keys, want %d", ascending, i, len(keys))
		}
	}
}

// newOracleTree builds the reference tree on iavl's MemDB. Its flush
// threshold is effectively disabled because iavl's DeleteVersionsFrom flushes
// deletions while its own iterator is still open, and MemDB iterators hold a
// read lock that the flush's write lock waits on forever (iavl v1.3.5
// deadlock). badger iterators read a snapshot, so the adapter is unaffected.
func newOracleTree(cacheSize int) *iavl.MutableTree {
	return iavl.NewMutableTree(iavldb.NewMemDB(), cacheSize, false, iavl.NewNopLogger(), iavl.FlushThresholdOption(1<<30))
}

func copyMap(m map[string][]byte) map[string][]byte {
	c := make(map[string][]byte, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func TestIAVLEndToEnd(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed: %d", seed)
	dir := t.TempDir()
	opts := DefaultOptions()
	opts.Prefix = []byte("iavl/bank/")
	open := func() (*DB, *iavl.MutableTree) {
		t.Helper()
		db, err := Open(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		return db, iavl.NewMutableTree(db, 1000, false, iavl.NewNopLogger())
	}

	bdb, bt := open()
	p := &iavlPair{
		t:    t,
		bt:   bt,
		mt:   newOracleTree(1000),
		rng:  rand.New(rand.NewPCG(seed, 7)),
		live: map[string][]byte{},
	}
	const versions = 6
	hashes := map[int64][]byte{}
	snapshots := map[int64]map[string][]byte{}
	for v := int64(1); v <= versions; v++ {
		p.mutate(1000, 4000)
		hashes[v] = p.save(v)
		snapshots[v] = copyMap(p.live)
	}
	if err := bt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen from disk: latest version, its contents and all older roots.
	bdb, bt = open()
	latest, err := bt.Load()
	if err != nil || latest != versions {
		t.Fatalf("Load = %d, %v; want %d", latest, err, versions)
	}
	if !bytes.Equal(bt.Hash(), hashes[versions]) {
		t.Fatalf("reloaded hash %x, want %x", bt.Hash(), hashes[versions])
	}
	checkTreeContents(t, bt, snapshots[versions])
	for v := int64(1); v <= versions; v++ {
		imm, err := bt.GetImmutable(v)
		if err != nil {
			t.Fatalf("GetImmutable(%d): %v", v, err)
		}
		if !bytes.Equal(imm.Hash(), hashes[v]) {
			t.Fatalf("version %d hash %x, want %x", v, imm.Hash(), hashes[v])
		}
	}

	// Roll back to 3 the way the node does after a crash above its marker.
	const target = 3
	if err := bt.LoadVersionForOverwriting(target); err != nil {
		t.Fatal(err)
	}
	if err := p.mt.LoadVersionForOverwriting(target); err != nil {
		t.Fatal(err)
	}
	if bt.Version() != target || !bytes.Equal(bt.Hash(), hashes[target]) {
		t.Fatalf("after overwrite: version %d hash %x, want %d %x", bt.Version(), bt.Hash(), target, hashes[target])
	}
	if got := bt.AvailableVersions(); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("AvailableVersions = %v", got)
	}
	if bt.VersionExists(target + 1) {
		t.Fatal("version 4 still exists after LoadVersionForOverwriting(3)")
	}
	checkTreeContents(t, bt, snapshots[target])

	// Rewrite version 4 differently; the deletion must also be durable.
	p.bt = bt
	p.live = copyMap(snapshots[target])
	p.mutate(500, 4000)
	newHash := p.save(target + 1)
	if bytes.Equal(newHash, hashes[target+1]) {
		t.Fatal("rewritten version 4 unexpectedly equals the discarded one")
	}
	if err := bt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}

	bdb, bt = open()
	defer bdb.Close()
	if latest, err := bt.Load(); err != nil || latest != target+1 {
		t.Fatalf("Load after overwrite = %d, %v; want %d", latest, err, target+1)
	}
	if !bytes.Equal(bt.Hash(), newHash) || bt.VersionExists(target+2) {
		t.Fatalf("after reopen: hash %x (want %x), v5 exists=%v", bt.Hash(), newHash, bt.VersionExists(target+2))
	}
	checkTreeContents(t, bt, p.live)

	// Everything iavl wrote lives under the view's prefix.
	raw := NewPrefixed(&DB{bdb: bdb.Badger()}, nil)
	for _, kv := range dump(t, raw, false) {
		if !bytes.HasPrefix(kv[0], opts.Prefix) {
			t.Fatalf("raw key %q outside prefix %q", kv[0], opts.Prefix)
		}
	}
}

// TestIAVLSharedBadger runs two trees on sibling views of one badger and
// checks that rolling one back leaves the other untouched.
func TestIAVLSharedBadger(t *testing.T) {
	root := mustOpenInMemory(t)
	rng := rand.New(rand.NewPCG(99, 99))
	var pairs []*iavlPair
	for _, name := range []string{"acc/", "bank/"} {
		pairs = append(pairs, &iavlPair{
			t:    t,
			bt:   iavl.NewMutableTree(NewPrefixed(root, []byte(name)), 100, false, iavl.NewNopLogger()),
			mt:   newOracleTree(100),
			rng:  rng,
			live: map[string][]byte{},
		})
	}
	for v := int64(1); v <= 3; v++ {
		for _, p := range pairs {
			p.mutate(300, 1000)
			p.save(v)
		}
	}
	if err := pairs[0].bt.LoadVersionForOverwriting(1); err != nil {
		t.Fatal(err)
	}
	if pairs[1].bt.Version() != 3 || !pairs[1].bt.VersionExists(3) {
		t.Fatal("rollback of one view affected its sibling")
	}
	checkTreeContents(t, pairs[1].bt, pairs[1].live)
	if !bytes.Equal(pairs[1].bt.Hash(), pairs[1].mt.Hash()) {
		t.Fatal("sibling hash changed")
	}
}

// ---------------------------------------------------------------------------
// Benchmarks.
// ---------------------------------------------------------------------------

func BenchmarkIAVLSaveVersion(b *testing.B) {
	const setsPerVersion = 1000
	type backend struct {
		name string
		open func(b *testing.B) (iavldb.DB, func() int64)
	}
	onDisk := func(sync bool) func(b *testing.B) (iavldb.DB, func() int64) {
		return func(b *testing.B) (iavldb.DB, func() int64) {
			opts := DefaultOptions()
			opts.SyncWrites = sync
			db, err := Open(b.TempDir(), opts)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = db.Close() })
			return db, func() int64 { n, _ := db.DiskSize(); return n }
		}
	}
	backends := []backend{
		{"badger-sync", onDisk(true)},
		{"badger-nosync", onDisk(false)},
		{"memdb", func(*testing.B) (iavldb.DB, func() int64) { return iavldb.NewMemDB(), nil }},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db, size := be.open(b)
			tree := iavl.NewMutableTree(db, 1000, false, iavl.NewNopLogger())
			rng := rand.New(rand.NewPCG(1, 2))
			val := make([]byte, 64)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for range setsPerVersion {
					// 1M-key space: mostly inserts early, a growing share of
					// updates later, like account state.
					key := fmt.Appendf(nil, "acct/%012d", rng.IntN(1_000_000))
					fillRand(rng, val)
					if _, err := tree.Set(key, bytes.Clone(val)); err != nil {
						b.Fatal(err)
					}
				}
				if _, _, err := tree.SaveVersion(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if size != nil {
				b.ReportMetric(float64(size())/float64(b.N), "disk-B/version")
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	const n = 100_000
	opts := DefaultOptions()
	opts.SyncWrites = false
	opts.Prefix = []byte("bench/")
	dir := b.TempDir()
	db, err := Open(dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	key := func(i int) []byte { return fmt.Appendf(nil, "key-%08d", i) }
	val := bytes.Repeat([]byte{0xab}, 100)
	for i := 0; i < n; i += 10_000 {
		batch := db.NewBatch()
		for j := i; j < i+10_000; j++ {
			_ = batch.Set(key(j), val)
		}
		if err := batch.Write(); err != nil {
			b.Fatal(err)
		}
	}
	// Reopen so reads come from SSTables rather than the memtable.
	_ = db.Close()
	if db, err = Open(dir, opts); err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	rng := rand.New(rand.NewPCG(3, 4))
	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if v, err := db.Get(key(rng.IntN(n))); err != nil || v == nil {
				b.Fatal("missing key", err)
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if v, err := db.Get(key(n + rng.IntN(n))); err != nil || v != nil {
				b.Fatal("unexpected key", err)
			}
		}
	})
}
