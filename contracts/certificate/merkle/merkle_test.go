package merkle

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"
)

// The reference below follows RFC 6962 §2.1 literally (recursive MTH and
// PATH with k the largest power of two below n), hashing with gmsm's sm3
// directly, so the level-by-level tree is checked against the definition.

func refH(parts ...[]byte) Hash {
	h := sm3.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out Hash
	h.Sum(out[:0])
	return out
}

func split(n int) int {
	k := 1
	for k*2 < n {
		k *= 2
	}
	return k
}

func refMTH(d [][]byte) Hash {
	if len(d) == 1 {
		return refH([]byte{0}, d[0])
	}
	k := split(len(d))
	l, r := refMTH(d[:k]), refMTH(d[k:])
	return refH([]byte{1}, l[:], r[:])
}

func refPath(m int, d [][]byte) []Hash {
	if len(d) == 1 {
		return nil
	}
	k := split(len(d))
	if m < k {
		return append(refPath(m, d[:k]), refMTH(d[k:]))
	}
	return append(refPath(m-k, d[k:]), refMTH(d[:k]))
}

func leaves(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		h := refH([]byte(fmt.Sprintf("certificate %d", i)))
		out[i] = h[:]
	}
	return out
}

func TestMatchesRFC6962Definition(t *testing.T) {
	for n := 1; n <= 70; n++ {
		d := leaves(n)
		tr, err := New(d)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Root() != refMTH(d) {
			t.Fatalf("n=%d: root differs from RFC 6962 MTH", n)
		}
		for i := 0; i < n; i++ {
			p, err := tr.Path(i)
			if err != nil {
				t.Fatal(err)
			}
			want := refPath(i, d)
			if len(p) != len(want) || PathLen(uint64(i), uint64(n)) != len(want) {
				t.Fatalf("n=%d i=%d: path length %d, PathLen %d, RFC %d", n, i, len(p), PathLen(uint64(i), uint64(n)), len(want))
			}
			for j := range p {
				if p[j] != want[j] {
					t.Fatalf("n=%d i=%d: path element %d differs", n, i, j)
				}
			}
			if err := VerifyPath(tr.Root(), d[i], uint64(i), uint64(n), p); err != nil {
				t.Fatalf("n=%d i=%d: %v", n, i, err)
			}
		}
	}
}

func TestKnownShapes(t *testing.T) {
	d := leaves(3)
	l0, l1, l2 := refH([]byte{0}, d[0]), refH([]byte{0}, d[1]), refH([]byte{0}, d[2])
	n01 := refH([]byte{1}, l0[:], l1[:])
	want := refH([]byte{1}, n01[:], l2[:])
	if r, _ := Root(d); r != want {
		t.Fatal("3-leaf root")
	}
	if r, _ := Root(d[:1]); r != l0 {
		t.Fatal("1-leaf root is the leaf hash")
	}
	if _, err := Root(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty: %v", err)
	}
	p, _ := Path(d, 2)
	if len(p) != 1 || p[0] != n01 {
		t.Fatal("path of the unpaired leaf is the left subtree root")
	}
	// A leaf and an inner node with the same bytes hash differently.
	if LeafHash(append(l0[:], l1[:]...)) == n01 {
		t.Fatal("leaf/node domain separation")
	}
}

func TestTamperedPathsRejected(t *testing.T) {
	const n = 1000
	d := leaves(n)
	tr, _ := New(d)
	root := tr.Root()
	for _, i := range []int{0, 1, 511, 512, 998, 999} {
		p, _ := tr.Path(i)
		idx := uint64(i)
		if err := VerifyPath(root, d[i], idx, n, p); err != nil {
			t.Fatal(err)
		}
		expect := func(name string, err, want error, msg string) {
			t.Helper()
			if !errors.Is(err, want) || !strings.Contains(err.Error(), msg) {
				t.Errorf("leaf %d, %s: got %v, want %v containing %q", i, name, err, want, msg)
			}
		}
		// every single-bit flip anywhere in the path
		for j := range p {
			for bit := 0; bit < 256; bit++ {
				q := append([]Hash(nil), p...)
				q[j][bit/8] ^= 1 << (bit % 8)
				if err := VerifyPath(root, d[i], idx, n, q); !errors.Is(err, ErrRootMismatch) {
					t.Fatalf("leaf %d: flip of bit %d of element %d: %v", i, bit, j, err)
				}
			}
		}
		expect("dropped element", VerifyPath(root, d[i], idx, n, p[:len(p)-1]), ErrPathLength,
			fmt.Sprintf("path has %d hashes, leaf %d of a 1000-leaf tree needs %d", len(p)-1, i, len(p)))
		expect("extra element", VerifyPath(root, d[i], idx, n, append(append([]Hash(nil), p...), root)), ErrPathLength, "needs")
		if len(p) > 1 {
			q := append([]Hash(nil), p...)
			q[0], q[1] = q[1], q[0]
			expect("swapped elements", VerifyPath(root, d[i], idx, n, q), ErrRootMismatch, "gives root")
		}
		other := (i + 1) % n
		expect("other leaf", VerifyPath(root, d[other], idx, n, p), ErrRootMismatch, fmt.Sprintf("leaf %d of 1000", i))
		expect("other index", VerifyPath(root, d[i], uint64(i^2), n, p), ErrRootMismatch, "gives root")
		expect("index past the end", VerifyPath(root, d[i], n, n, p), ErrIndex, "index 1000 but the tree has 1000 leaves (0..999)")
		expect("zero count", VerifyPath(root, d[i], idx, 0, p), ErrEmpty, "count is 0")
		bad := root
		bad[31] ^= 1
		expect("other root", VerifyPath(bad, d[i], idx, n, p), ErrRootMismatch, "expected")
	}
	// The root does not commit to the leaf count (leaf 0's path is the same
	// in trees of 999 and 1000 leaves): VerifyPath callers must take count
	// from a trusted record — the chain uses the anchored batch record's.
	p0, _ := tr.Path(0)
	if VerifyPath(root, d[0], 0, n-1, p0) != nil {
		t.Fatal("documented property changed: count is not bound by the root")
	}
	// a leaf hash cannot be presented as a leaf (second preimage)
	p, _ := tr.Path(0)
	lh := LeafHash(d[0])
	if VerifyPath(root, lh[:], 0, n, p) == nil {
		t.Fatal("leaf hash accepted as leaf data")
	}
}

func TestParse(t *testing.T) {
	h := LeafHash([]byte("x"))
	hs := HexPath([]Hash{h})
	got, err := ParsePath(hs)
	if err != nil || got[0] != h {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{strings.ToUpper(hs[0]), "not lower-case hex"},
		{hs[0][:63], "want 64 hex characters, got 63"},
	} {
		_, err := ParsePath([]string{hs[0], tc.in})
		if !errors.Is(err, ErrBadHash) || !strings.Contains(err.Error(), "path element 1") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v", tc.in, err)
		}
	}
}

func BenchmarkTree10000(b *testing.B) {
	d := leaves(10000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr, _ := New(d)
		for j := 0; j < tr.Len(); j++ {
			if _, err := tr.Path(j); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "leaves/s")
}

func BenchmarkVerifyPath(b *testing.B) {
	d := leaves(10000)
	tr, _ := New(d)
	p, _ := tr.Path(4321)
	root := tr.Root()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := VerifyPath(root, d[4321], 4321, 10000, p); err != nil {
			b.Fatal(err)
		}
	}
}
