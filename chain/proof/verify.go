// Package proof verifies govchain state proofs on the client side.
//
// All of govchain's application state lives in one IAVL tree and the ABCI app
// hash is that tree's root hash, so a state proof is an ics23
// CommitmentProof (in ics23.IavlSpec format) against the app hash. This
// package only verifies; proofs are built by the node (see the prooftest
// sub-package for a test builder).
//
// The package imports only the standard library and protowire (varints and
// tags, no protobuf runtime): it reads the CommitmentProof wire form itself
// and applies ics23's IavlSpec rules, ported from github.com/cosmos/ics23/go,
// so that it compiles to a small WebAssembly module for the browser
// verifier. A test enforces this; differential tests and a fuzz target check
// that it accepts and rejects exactly what ics23 does, but for the three
// restrictions below.
//
// Every rejection is a *VerifyError whose Step names the check that failed
// (see the Step* constants). Each check is made explicitly, in order, with a
// precise message. The package is stricter than ics23 in three ways: proof
// bytes must be the canonical protobuf encoding, only plain existence /
// non-existence proofs are accepted (no batch or compressed proofs), and a
// non-existence proof must name the key being proven absent.
package proof

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
)

// RootSize is the size of an IAVL root hash (SHA-256).
const RootSize = sha256.Size

// Proof is the wire form of a state proof as clients receive it.
//
// In JSON, key, value and ops are base64 strings and height is a number. A
// null (or missing) value means the proof claims the key is absent; an empty
// string is an empty value, which IAVL cannot prove (see VerifyMembership).
type Proof struct {
	// Key is the state key the proof is about.
	Key []byte `json:"key"`
	// Value is the key's value, or nil if the proof claims the key is absent.
	Value []byte `json:"value"`
	// Height is the version of the state the proof was taken from. It is
	// informational: Verify does not use it, the caller must pick the root
	// (app hash) that matches it.
	Height int64 `json:"height"`
	// Ops is a marshalled ics23.CommitmentProof.
	Ops []byte `json:"ops"`
}

// Verify checks p against the trusted root: membership of (Key, Value) if
// Value is non-nil, non-membership of Key otherwise.
func (p Proof) Verify(root []byte) error {
	if p.Value == nil {
		return VerifyNonMembership(root, p.Key, p.Ops)
	}
	return VerifyMembership(root, p.Key, p.Value, p.Ops)
}

// VerifyMembership checks that proofBytes, a marshalled ics23
// CommitmentProof, proves that key holds value in the IAVL tree whose root
// hash is root. Value must be non-empty: an IAVL leaf commits to sha256(value)
// and ics23 refuses to hash an empty value, so a key stored with an empty
// value cannot be proven.
func VerifyMembership(root, key, value, proofBytes []byte) (err error) {
	defer recoverInto(&err)
	if err := checkRoot(root); err != nil {
		return err
	}
	computed, err := computeRoot(key, value, proofBytes)
	if err != nil {
		return err
	}
	if !bytes.Equal(computed, root) {
		return &VerifyError{Step: StepRoot, Err: &RootMismatchError{Computed: computed, Expected: bytes.Clone(root)}}
	}
	return nil
}

// ComputeRoot returns the root hash that proofBytes, a marshalled ics23
// existence proof for (key, value), leads to. It makes every check
// VerifyMembership makes except the comparison with a trusted root.
func ComputeRoot(key, value, proofBytes []byte) (root []byte, err error) {
	defer recoverInto(&err)
	root, err = computeRoot(key, value, proofBytes)
	if err != nil {
		return nil, err
	}
	return root, nil
}

// VerifyNonMembership checks that proofBytes, a marshalled ics23
// CommitmentProof, proves that key is absent from the IAVL tree whose root
// hash is root: the proof must carry existence proofs of key's neighbours
// (one of them may be missing at either end of the tree) that lead to root,
// bracket key, and are adjacent leaves.
func VerifyNonMembership(root, key, proofBytes []byte) (err error) {
	defer recoverInto(&err)
	if err := checkRoot(root); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	cp, err := decode(proofBytes)
	if err != nil {
		return err
	}
	np := cp.nonexist
	if np == nil {
		return fail(StepKind, "expected non-existence proof, got %s", kindOf(cp))
	}
	// ics23 does not look at NonExistenceProof.Key; we do, so that a proof
	// answers exactly one question.
	if !bytes.Equal(np.key, key) {
		return fail(StepKey, "proof is for key %x, want %x", np.key, key)
	}
	left, right := np.left, np.right
	if left == nil && right == nil {
		return fail(StepRange, "non-existence proof has neither a left nor a right neighbour")
	}
	for _, n := range []struct {
		side string
		ep   *existenceProof
	}{{"left", left}, {"right", right}} {
		if n.ep == nil {
			continue
		}
		prefix := n.side + " neighbour: "
		computed, err := computeExistence(n.ep, prefix)
		if err != nil {
			return err
		}
		if !bytes.Equal(computed, root) {
			return &VerifyError{Step: StepRoot, Err: fmt.Errorf("%s%w", prefix,
				&RootMismatchError{Computed: computed, Expected: bytes.Clone(root)})}
		}
	}
	if left != nil && bytes.Compare(left.key, key) >= 0 {
		return fail(StepRange, "left neighbour key %x is not below key %x", left.key, key)
	}
	if right != nil && bytes.Compare(right.key, key) <= 0 {
		return fail(StepRange, "right neighbour key %x is not above key %x", right.key, key)
	}
	switch {
	case left == nil:
		if !isLeftMost(right.path) {
			return fail(StepNeighbour, "no left neighbour, but right neighbour %x is not the left-most leaf", right.key)
		}
	case right == nil:
		if !isRightMost(left.path) {
			return fail(StepNeighbour, "no right neighbour, but left neighbour %x is not the right-most leaf", left.key)
		}
	default:
		if !isLeftNeighbor(left.path, right.path) {
			return fail(StepNeighbour, "neighbours %x and %x are not adjacent leaves", left.key, right.key)
		}
	}
	return nil
}

// computeRoot makes the checks shared by VerifyMembership and ComputeRoot.
func computeRoot(key, value, proofBytes []byte) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if value == nil {
		return nil, fail(StepInput, "nil value: use VerifyNonMembership to prove a key absent")
	}
	if len(value) == 0 {
		return nil, fail(StepInput, "empty value: an IAVL proof cannot commit to an empty value")
	}
	cp, err := decode(proofBytes)
	if err != nil {
		return nil, err
	}
	ep := cp.exist
	if ep == nil {
		return nil, fail(StepKind, "expected existence proof, got %s", kindOf(cp))
	}
	if !bytes.Equal(ep.key, key) {
		return nil, fail(StepKey, "proof is for key %x, want %x", ep.key, key)
	}
	if !bytes.Equal(ep.value, value) {
		got, want := sha256.Sum256(ep.value), sha256.Sum256(value)
		return nil, fail(StepValue, "proof value hash mismatch: proof has sha256 %x, want %x", got, want)
	}
	return computeExistence(ep, "")
}

// computeExistence checks ep against ics23.IavlSpec and hashes it up to the
// root. prefix names the sub-proof in error messages.
func computeExistence(ep *existenceProof, prefix string) ([]byte, error) {
	if ep.leaf == nil {
		return nil, fail(StepSpec, "%sexistence proof has no leaf op", prefix)
	}
	if err := checkLeaf(ep.leaf); err != nil {
		return nil, fail(StepSpec, "%sleaf op does not match the IAVL spec: %v", prefix, err)
	}
	for i := range ep.path {
		if err := checkInner(&ep.path[i], i+1); err != nil {
			return nil, fail(StepSpec, "%spath[%d] does not match the IAVL spec: %v", prefix, i, err)
		}
	}
	h, err := leafHash(ep.leaf, ep.key, ep.value)
	if err != nil {
		return nil, fail(StepLeaf, "%scompute leaf hash: %v", prefix, err)
	}
	for i := range ep.path {
		if h, err = innerHash(&ep.path[i], h); err != nil {
			return nil, fail(StepPath, "%scompute path[%d]: %v", prefix, i, err)
		}
	}
	return h, nil
}

func checkRoot(root []byte) error {
	if len(root) == 0 {
		return &VerifyError{Step: StepInput, Err: ErrEmptyRoot}
	}
	if len(root) != RootSize {
		return fail(StepInput, "wrong root size %d, want %d", len(root), RootSize)
	}
	return nil
}

func checkKey(key []byte) error {
	if len(key) == 0 {
		return fail(StepInput, "empty key")
	}
	return nil
}

func kindOf(cp *commitmentProof) string {
	switch cp.kind {
	case fieldProofExist:
		return "existence"
	case fieldProofNonexist:
		return "non-existence"
	case fieldProofBatch:
		return "batch"
	case fieldProofCompressed:
		return "compressed batch"
	}
	return "empty proof"
}

// recoverInto turns a panic into an error: a verifier must reject, not
// crash, whatever bytes it is given. No panic is known; this is a last
// defence.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = &VerifyError{Step: StepInternal, Err: errors.New(fmt.Sprint("malformed proof: verifier panicked: ", r))}
	}
}
