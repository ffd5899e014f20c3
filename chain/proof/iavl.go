package proof

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// This file holds the rules of ics23.IavlSpec (github.com/cosmos/ics23/go
// v0.10.0: ops.go, proof.go), restricted to that one spec. The differential
// tests compare it with ics23 itself.

// ics23 enum values (cosmos.ics23.v1.HashOp and LengthOp) that IavlSpec uses.
const (
	hashNone     = 0 // HashOp NO_HASH
	hashSHA256   = 1 // HashOp SHA256
	lengthVarint = 1 // LengthOp VAR_PROTO: a protobuf varint length prefix
)

// IavlSpec's inner node layout: two children of childSize bytes (a length
// byte and a SHA-256 hash), one of them inside the prefix or the suffix, and
// between minPrefix and maxPrefix other prefix bytes (height, size, version).
const (
	childSize = 33
	minPrefix = 4
	maxPrefix = 12
)

// leafPrefix is the first byte of every IAVL leaf prefix (height 0), which
// no inner node's prefix may start with.
const leafPrefix = 0

// checkLeaf is ics23's LeafOp.CheckAgainstSpec for IavlSpec.
func checkLeaf(op *leafOp) error {
	if err := checkIavlPrefix(op.prefix, 0); err != nil {
		return err
	}
	switch {
	case op.hash != hashSHA256:
		return fmt.Errorf("hash op %d, want SHA-256 (%d)", op.hash, hashSHA256)
	case op.prehashKey != hashNone:
		return fmt.Errorf("key prehash op %d, want none (%d)", op.prehashKey, hashNone)
	case op.prehashValue != hashSHA256:
		return fmt.Errorf("value prehash op %d, want SHA-256 (%d)", op.prehashValue, hashSHA256)
	case op.length != lengthVarint:
		return fmt.Errorf("length op %d, want varint (%d)", op.length, lengthVarint)
	case len(op.prefix) == 0 || op.prefix[0] != leafPrefix:
		return fmt.Errorf("prefix %x does not start with %02x", op.prefix, leafPrefix)
	}
	return nil
}

// checkInner is ics23's InnerOp.CheckAgainstSpec for IavlSpec; layer is the
// op's 1-based position on the path up from the leaf.
func checkInner(op *innerOp, layer int) error {
	if op.hash != hashSHA256 {
		return fmt.Errorf("hash op %d, want SHA-256 (%d)", op.hash, hashSHA256)
	}
	if err := checkIavlPrefix(op.prefix, layer); err != nil {
		return err
	}
	switch n := len(op.prefix); {
	case n > 0 && op.prefix[0] == leafPrefix:
		return fmt.Errorf("prefix starts with the leaf prefix %02x", leafPrefix)
	case n < minPrefix:
		return fmt.Errorf("prefix too short (%d bytes, want at least %d)", n, minPrefix)
	case n > maxPrefix+childSize:
		return fmt.Errorf("prefix too long (%d bytes, want at most %d)", n, maxPrefix+childSize)
	case len(op.suffix)%childSize != 0:
		return fmt.Errorf("suffix of %d bytes is not a whole number of %d-byte children", len(op.suffix), childSize)
	}
	return nil
}

// checkIavlPrefix is ics23's validateIavlOps: an IAVL node prefix starts
// with three non-negative signed varints (height, size, version), the height
// at least layer; a leaf prefix has nothing after them, an inner prefix one
// byte (the left child absent: its length byte, the right child follows in
// the preimage) or 34 (the left child, then the right child's length byte).
func checkIavlPrefix(prefix []byte, layer int) error {
	r := bytes.NewReader(prefix)
	var height int64
	for i, name := range []string{"height", "size", "version"} {
		v, err := binary.ReadVarint(r)
		if err != nil {
			return fmt.Errorf("prefix: read %s: %w", name, err)
		}
		if int(v) < 0 {
			return fmt.Errorf("prefix: negative %s %d", name, v)
		}
		if i == 0 {
			height = v
		}
	}
	if int(height) < layer {
		return fmt.Errorf("prefix: height %d below the op's layer %d", height, layer)
	}
	rest := r.Len()
	if layer == 0 && rest != 0 {
		return fmt.Errorf("prefix: %d bytes after the version, want 0", rest)
	}
	if layer > 0 && rest != 1 && rest != 1+childSize {
		return fmt.Errorf("prefix: %d bytes after the version, want 1 or %d", rest, 1+childSize)
	}
	return nil
}

// leafHash is ics23's LeafOp.Apply for an op that passed checkLeaf:
// sha256(prefix || varint(len(key)) || key || varint(32) || sha256(value)).
func leafHash(op *leafOp, key, value []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, errors.New("leaf op needs a key")
	}
	if len(value) == 0 {
		return nil, errors.New("leaf op needs a value")
	}
	valueHash := sha256.Sum256(value)
	h := sha256.New()
	h.Write(op.prefix)
	h.Write(binary.AppendUvarint(nil, uint64(len(key))))
	h.Write(key)
	h.Write(binary.AppendUvarint(nil, uint64(len(valueHash))))
	h.Write(valueHash[:])
	return h.Sum(nil), nil
}

// innerHash is ics23's InnerOp.Apply for an op that passed checkInner:
// sha256(prefix || child || suffix).
func innerHash(op *innerOp, child []byte) ([]byte, error) {
	if len(child) == 0 {
		return nil, errors.New("inner op needs a child hash")
	}
	h := sha256.New()
	h.Write(op.prefix)
	h.Write(child)
	h.Write(op.suffix)
	return h.Sum(nil), nil
}

// Branches of an IAVL inner op, told apart by its padding (ics23's
// orderFromPadding): on the left branch the sibling is in the suffix, on the
// right branch it is at the end of the prefix.
const (
	branchLeft  = 0
	branchRight = 1
	branchNone  = -1
)

func branchOf(op *innerOp) int {
	switch {
	case hasPadding(op, minPrefix, maxPrefix, childSize):
		return branchLeft
	case hasPadding(op, childSize+minPrefix, childSize+maxPrefix, 0):
		return branchRight
	}
	return branchNone
}

func hasPadding(op *innerOp, minPrefix, maxPrefix, suffix int) bool {
	return len(op.prefix) >= minPrefix && len(op.prefix) <= maxPrefix && len(op.suffix) == suffix
}

// isLeftMost is ics23's IsLeftMost for IavlSpec: every step of the path is
// a left branch. (IavlSpec has no empty child, so ics23's placeholder case
// never applies.)
func isLeftMost(path []innerOp) bool {
	for i := range path {
		if branchOf(&path[i]) != branchLeft {
			return false
		}
	}
	return true
}

// isRightMost is ics23's IsRightMost for IavlSpec: every step is a right
// branch.
func isRightMost(path []innerOp) bool {
	for i := range path {
		if branchOf(&path[i]) != branchRight {
			return false
		}
	}
	return true
}

// isLeftNeighbor is ics23's IsLeftNeighbor for IavlSpec: after the steps the
// two paths share at the top, left turns left where right turns right, and
// below that left only turns right and right only turns left. Where ics23
// panics (a path runs out, or the split step fits no branch) it is false.
func isLeftNeighbor(left, right []innerOp) bool {
	l, r := len(left)-1, len(right)-1
	if l < 0 || r < 0 {
		return false
	}
	for bytes.Equal(left[l].prefix, right[r].prefix) && bytes.Equal(left[l].suffix, right[r].suffix) {
		if l == 0 || r == 0 {
			return false
		}
		l, r = l-1, r-1
	}
	return branchOf(&left[l]) == branchLeft && branchOf(&right[r]) == branchRight &&
		isRightMost(left[:l]) && isLeftMost(right[:r])
}
