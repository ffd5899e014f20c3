// Package merkle is an RFC 6962 (Certificate Transparency) Merkle tree with
// SM3 as the hash: a leaf hashes as SM3(0x00 || data), an inner node as
// SM3(0x01 || left || right), so a leaf can never be passed off as a node
// (second-preimage protection). A tree of n leaves splits at the largest
// power of two below n, which is what building it level by level and
// promoting an unpaired last node gives; inclusion paths are verified with
// the algorithm of RFC 9162 §2.1.3.2.
//
// The certificate module anchors a batch of certificates as one root; each
// member is then proven with its index, the batch size and its path.
package merkle

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/govchain/govchain/chain/smcrypto"
)

// Hash is an SM3 digest.
type Hash = [smcrypto.SM3Size]byte

const (
	leafPrefix = 0x00
	nodePrefix = 0x01
)

var (
	ErrEmpty        = errors.New("merkle: a tree needs at least one leaf")
	ErrIndex        = errors.New("merkle: leaf index out of range")
	ErrPathLength   = errors.New("merkle: wrong path length")
	ErrRootMismatch = errors.New("merkle: path does not lead to the root")
	ErrBadHash      = errors.New("merkle: malformed hash")
)

// LeafHash is SM3(0x00 || data).
func LeafHash(data []byte) Hash { return smcrypto.SM3([]byte{leafPrefix}, data) }

// NodeHash is SM3(0x01 || left || right).
func NodeHash(l, r Hash) Hash { return smcrypto.SM3([]byte{nodePrefix}, l[:], r[:]) }

// Tree holds every level of a tree so that all paths can be read without
// rehashing: levels[0] are the leaf hashes, the last level is the root.
type Tree struct {
	levels [][]Hash
}

// New builds the tree of leaves (in order).
func New(leaves [][]byte) (*Tree, error) {
	if len(leaves) == 0 {
		return nil, ErrEmpty
	}
	level := make([]Hash, len(leaves))
	for i, l := range leaves {
		level[i] = LeafHash(l)
	}
	return fromLeafHashes(level), nil
}

func fromLeafHashes(level []Hash) *Tree {
	t := &Tree{levels: [][]Hash{level}}
	for len(level) > 1 {
		next := make([]Hash, (len(level)+1)/2)
		for i := 0; i+1 < len(level); i += 2 {
			next[i/2] = NodeHash(level[i], level[i+1])
		}
		if len(level)%2 == 1 {
			// An unpaired last node moves up unchanged: this is RFC 6962's
			// split at the largest power of two, seen bottom-up.
			next[len(next)-1] = level[len(level)-1]
		}
		t.levels = append(t.levels, next)
		level = next
	}
	return t
}

// Len is the number of leaves.
func (t *Tree) Len() int { return len(t.levels[0]) }

// Root is the tree's root hash.
func (t *Tree) Root() Hash { return t.levels[len(t.levels)-1][0] }

// Path is the inclusion path of leaf i, bottom-up (RFC 6962 PATH(i, D[n])).
func (t *Tree) Path(i int) ([]Hash, error) {
	if i < 0 || i >= t.Len() {
		return nil, fmt.Errorf("%w: leaf %d of a %d-leaf tree", ErrIndex, i, t.Len())
	}
	var path []Hash
	for _, level := range t.levels[:len(t.levels)-1] {
		if sib := i ^ 1; sib < len(level) {
			path = append(path, level[sib])
		}
		i >>= 1
	}
	return path, nil
}

// Root computes the root of leaves.
func Root(leaves [][]byte) (Hash, error) {
	t, err := New(leaves)
	if err != nil {
		return Hash{}, err
	}
	return t.Root(), nil
}

// Path computes the inclusion path of leaves[i].
func Path(leaves [][]byte, i int) ([]Hash, error) {
	t, err := New(leaves)
	if err != nil {
		return nil, err
	}
	return t.Path(i)
}

// PathLen is the length of the inclusion path of leaf index in a tree of
// count leaves (0 if index is out of range).
func PathLen(index, count uint64) int {
	if index >= count {
		return 0
	}
	n := 0
	fn, sn := index, count-1
	for sn > 0 {
		n++
		if fn&1 == 1 || fn == sn {
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		}
		fn >>= 1
		sn >>= 1
	}
	return n
}

// VerifyPath checks that leaf is the index-th of count leaves of the tree
// with the given root, following RFC 9162 §2.1.3.2. The root does not
// commit to count (a path of a leaf in the complete left part is the same in
// trees of neighbouring sizes), so count must come from a trusted record, as
// the chain's anchored batch record provides.
func VerifyPath(root Hash, leaf []byte, index, count uint64, path []Hash) error {
	if count == 0 {
		return fmt.Errorf("%w: count is 0", ErrEmpty)
	}
	if index >= count {
		return fmt.Errorf("%w: index %d but the tree has %d leaves (0..%d)", ErrIndex, index, count, count-1)
	}
	if want := PathLen(index, count); len(path) != want {
		return fmt.Errorf("%w: path has %d hashes, leaf %d of a %d-leaf tree needs %d", ErrPathLength, len(path), index, count, want)
	}
	fn, sn := index, count-1
	r := LeafHash(leaf)
	for _, p := range path {
		if fn&1 == 1 || fn == sn {
			r = NodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = NodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 { // unreachable after the length check; kept as RFC 9162 states it
		return fmt.Errorf("%w: path ends below the root", ErrPathLength)
	}
	if !bytes.Equal(r[:], root[:]) {
		return fmt.Errorf("%w: leaf %d of %d with this path gives root %x, expected %x", ErrRootMismatch, index, count, r, root)
	}
	return nil
}

// ParseHash parses 64 lower-case hex characters.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("%w: want %d hex characters, got %d", ErrBadHash, 2*len(h), len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return h, fmt.Errorf("%w: character %q at offset %d is not lower-case hex", ErrBadHash, c, i)
		}
	}
	_, err := hex.Decode(h[:], []byte(s))
	return h, err
}

// ParsePath parses a path given as hex strings, naming the bad element.
func ParsePath(hexes []string) ([]Hash, error) {
	out := make([]Hash, len(hexes))
	for i, s := range hexes {
		h, err := ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("path element %d: %w", i, err)
		}
		out[i] = h
	}
	return out, nil
}

// HexPath formats a path as hex strings (the wire form).
func HexPath(path []Hash) []string {
	out := make([]string, len(path))
	for i, h := range path {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}
