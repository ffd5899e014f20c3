// Package prooftest builds IAVL trees and proofs for tests of package proof.
//
// It imports iavl and is meant for tests only: the verifier package proof must
// not depend on it.
package prooftest

import (
	"fmt"
	"math/rand/v2"

	"github.com/cosmos/iavl"
	iavldb "github.com/cosmos/iavl/db"

	"github.com/govchain/govchain/chain/proof"
)

// Tree is an IAVL tree on an in-memory database.
type Tree struct {
	t *iavl.MutableTree
}

// NewTree returns an empty tree.
func NewTree() *Tree {
	return &Tree{t: iavl.NewMutableTree(iavldb.NewMemDB(), 100, false, iavl.NewNopLogger())}
}

// Set stores value at key in the working version.
func (t *Tree) Set(key, value []byte) error {
	_, err := t.t.Set(key, value)
	return err
}

// Remove deletes key from the working version.
func (t *Tree) Remove(key []byte) error {
	_, _, err := t.t.Remove(key)
	return err
}

// Commit saves the working version and returns its root hash and version.
func (t *Tree) Commit() (root []byte, version int64, err error) {
	return t.t.SaveVersion()
}

// Root returns the root hash of a saved version.
func (t *Tree) Root(version int64) ([]byte, error) {
	it, err := t.t.GetImmutable(version)
	if err != nil {
		return nil, err
	}
	return it.Hash(), nil
}

// Get returns the value at key in a saved version, or nil if key is absent.
func (t *Tree) Get(version int64, key []byte) ([]byte, error) {
	it, err := t.t.GetImmutable(version)
	if err != nil {
		return nil, err
	}
	return it.Get(key)
}

// Prove returns a membership proof if key is present in the saved version,
// a non-membership proof otherwise.
func (t *Tree) Prove(version int64, key []byte) (proof.Proof, error) {
	it, err := t.t.GetImmutable(version)
	if err != nil {
		return proof.Proof{}, err
	}
	has, err := it.Has(key)
	if err != nil {
		return proof.Proof{}, err
	}
	if has {
		return t.ProveMembership(version, key)
	}
	return t.ProveNonMembership(version, key)
}

// ProveMembership returns a membership proof for a key present in a saved
// version.
func (t *Tree) ProveMembership(version int64, key []byte) (proof.Proof, error) {
	it, err := t.t.GetImmutable(version)
	if err != nil {
		return proof.Proof{}, err
	}
	value, err := it.Get(key)
	if err != nil {
		return proof.Proof{}, err
	}
	if value == nil {
		value = []byte{} // IAVL may hand back nil for a stored empty value.
	}
	cp, err := it.GetMembershipProof(key)
	if err != nil {
		return proof.Proof{}, fmt.Errorf("membership proof for %x: %w", key, err)
	}
	ops, err := cp.Marshal()
	if err != nil {
		return proof.Proof{}, err
	}
	return proof.Proof{Key: key, Value: value, Height: version, Ops: ops}, nil
}

// ProveNonMembership returns a non-membership proof for a key absent from a
// saved version.
func (t *Tree) ProveNonMembership(version int64, key []byte) (proof.Proof, error) {
	it, err := t.t.GetImmutable(version)
	if err != nil {
		return proof.Proof{}, err
	}
	cp, err := it.GetNonMembershipProof(key)
	if err != nil {
		return proof.Proof{}, fmt.Errorf("non-membership proof for %x: %w", key, err)
	}
	ops, err := cp.Marshal()
	if err != nil {
		return proof.Proof{}, err
	}
	return proof.Proof{Key: key, Height: version, Ops: ops}, nil
}

// Key returns the i-th test key. Keys sort in index order.
func Key(i int) []byte { return []byte(fmt.Sprintf("key/%08d", i)) }

// Value returns the value stored at Key(i) by Filled: 8 to 40 bytes.
func Value(i int) []byte {
	return []byte(fmt.Sprintf("value/%d/%s", i, "abcdefghijklmnopqrstuvwxyz0123456789"[:i%37]))
}

// Filled returns a tree holding Key(2i) = Value(2i) for 0 <= i < n, inserted
// in a fixed pseudo-random order, committed as version 1. Odd indices are
// absent, as are keys sorting before Key(0) or after Key(2n-2). The result is
// deterministic: the same n always gives the same root.
func Filled(n int) (t *Tree, root []byte, version int64, err error) {
	t = NewTree()
	rng := rand.New(rand.NewPCG(uint64(n), 0x9e3779b97f4a7c15))
	for _, i := range rng.Perm(n) {
		if err := t.Set(Key(2*i), Value(2*i)); err != nil {
			return nil, nil, 0, err
		}
	}
	root, version, err = t.Commit()
	if err != nil {
		return nil, nil, 0, err
	}
	return t, root, version, nil
}
