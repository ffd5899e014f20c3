// Package proof verifies govchain state proofs on the client side.
//
// All of govchain's application state lives in one IAVL tree and the ABCI app
// hash is that tree's root hash, so a state proof is an ics23
// CommitmentProof (in ics23.IavlSpec format) against the app hash. This
// package only verifies; proofs are built by the node (see the prooftest
// sub-package for a test builder).
//
// The package imports only the standard library and github.com/cosmos/ics23/go
// so that it compiles to a small WebAssembly module for the browser verifier;
// a test enforces this.
//
// Every rejection is a *VerifyError whose Step names the check that failed
// (see the Step* constants). Each check is made explicitly, in order, with a
// precise message; as a final defence the proof is also handed to ics23's own
// VerifyMembership / VerifyNonMembership, so this package is never more
// permissive than ics23. It is stricter in three ways: proof bytes must be the
// canonical protobuf encoding, only plain existence / non-existence proofs are
// accepted (no batch or compressed proofs), and a non-existence proof must
// name the key being proven absent.
package proof

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	ics23 "github.com/cosmos/ics23/go"
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
	cp, computed, err := computeRoot(key, value, proofBytes)
	if err != nil {
		return err
	}
	if !bytes.Equal(computed, root) {
		return &VerifyError{Step: StepRoot, Err: &RootMismatchError{Computed: computed, Expected: bytes.Clone(root)}}
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, root, cp, key, value) {
		return fail(StepICS23, "ics23 rejected a membership proof that passed every step")
	}
	return nil
}

// ComputeRoot returns the root hash that proofBytes, a marshalled ics23
// existence proof for (key, value), leads to. It makes every check
// VerifyMembership makes except the comparison with a trusted root.
func ComputeRoot(key, value, proofBytes []byte) (root []byte, err error) {
	defer recoverInto(&err)
	_, root, err = computeRoot(key, value, proofBytes)
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
	np := cp.GetNonexist()
	if np == nil {
		return fail(StepKind, "expected non-existence proof, got %s", kindOf(cp))
	}
	// ics23 does not look at NonExistenceProof.Key; we do, so that a proof
	// answers exactly one question.
	if !bytes.Equal(np.Key, key) {
		return fail(StepKey, "proof is for key %x, want %x", np.Key, key)
	}
	left, right := np.Left, np.Right
	if left == nil && right == nil {
		return fail(StepRange, "non-existence proof has neither a left nor a right neighbour")
	}
	for _, n := range []struct {
		side string
		ep   *ics23.ExistenceProof
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
	if left != nil && bytes.Compare(left.Key, key) >= 0 {
		return fail(StepRange, "left neighbour key %x is not below key %x", left.Key, key)
	}
	if right != nil && bytes.Compare(right.Key, key) <= 0 {
		return fail(StepRange, "right neighbour key %x is not above key %x", right.Key, key)
	}
	inner := ics23.IavlSpec.InnerSpec
	switch {
	case left == nil:
		if !ics23.IsLeftMost(inner, right.Path) {
			return fail(StepNeighbour, "no left neighbour, but right neighbour %x is not the left-most leaf", right.Key)
		}
	case right == nil:
		if !ics23.IsRightMost(inner, left.Path) {
			return fail(StepNeighbour, "no right neighbour, but left neighbour %x is not the right-most leaf", left.Key)
		}
	default:
		if !isLeftNeighbor(inner, left.Path, right.Path) {
			return fail(StepNeighbour, "neighbours %x and %x are not adjacent leaves", left.Key, right.Key)
		}
	}
	if !ics23.VerifyNonMembership(ics23.IavlSpec, root, cp, key) {
		return fail(StepICS23, "ics23 rejected a non-membership proof that passed every step")
	}
	return nil
}

// computeRoot makes the checks shared by VerifyMembership and ComputeRoot.
func computeRoot(key, value, proofBytes []byte) (*ics23.CommitmentProof, []byte, error) {
	if err := checkKey(key); err != nil {
		return nil, nil, err
	}
	if value == nil {
		return nil, nil, fail(StepInput, "nil value: use VerifyNonMembership to prove a key absent")
	}
	if len(value) == 0 {
		return nil, nil, fail(StepInput, "empty value: an IAVL proof cannot commit to an empty value")
	}
	cp, err := decode(proofBytes)
	if err != nil {
		return nil, nil, err
	}
	ep := cp.GetExist()
	if ep == nil {
		return nil, nil, fail(StepKind, "expected existence proof, got %s", kindOf(cp))
	}
	if !bytes.Equal(ep.Key, key) {
		return nil, nil, fail(StepKey, "proof is for key %x, want %x", ep.Key, key)
	}
	if !bytes.Equal(ep.Value, value) {
		got, want := sha256.Sum256(ep.Value), sha256.Sum256(value)
		return nil, nil, fail(StepValue, "proof value hash mismatch: proof has sha256 %x, want %x", got, want)
	}
	computed, err := computeExistence(ep, "")
	if err != nil {
		return nil, nil, err
	}
	return cp, computed, nil
}

// computeExistence checks ep against ics23.IavlSpec and hashes it up to the
// root. prefix names the sub-proof in error messages.
func computeExistence(ep *ics23.ExistenceProof, prefix string) ([]byte, error) {
	spec := ics23.IavlSpec
	if ep.Leaf == nil {
		return nil, fail(StepSpec, "%sexistence proof has no leaf op", prefix)
	}
	if err := ep.Leaf.CheckAgainstSpec(spec); err != nil {
		return nil, fail(StepSpec, "%sleaf op does not match the IAVL spec: %v", prefix, err)
	}
	if spec.MinDepth > 0 && len(ep.Path) < int(spec.MinDepth) {
		return nil, fail(StepSpec, "%swrong path length %d, want at least %d", prefix, len(ep.Path), spec.MinDepth)
	}
	if spec.MaxDepth > 0 && len(ep.Path) > int(spec.MaxDepth) {
		return nil, fail(StepSpec, "%swrong path length %d, want at most %d", prefix, len(ep.Path), spec.MaxDepth)
	}
	for i, op := range ep.Path {
		if op == nil {
			return nil, fail(StepSpec, "%spath[%d] is missing", prefix, i)
		}
		if err := op.CheckAgainstSpec(spec, i+1); err != nil {
			return nil, fail(StepSpec, "%spath[%d] does not match the IAVL spec: %v", prefix, i, err)
		}
	}
	h, err := ep.Leaf.Apply(ep.Key, ep.Value)
	if err != nil {
		return nil, fail(StepLeaf, "%scompute leaf hash: %v", prefix, err)
	}
	for i, op := range ep.Path {
		if h, err = op.Apply(h); err != nil {
			return nil, fail(StepPath, "%scompute path[%d]: %v", prefix, i, err)
		}
	}
	return h, nil
}

// decode unmarshals proofBytes and insists on the canonical encoding, so that
// each proof has exactly one byte form.
func decode(proofBytes []byte) (*ics23.CommitmentProof, error) {
	if len(proofBytes) == 0 {
		return nil, fail(StepDecode, "decode proof: empty proof")
	}
	cp := new(ics23.CommitmentProof)
	if err := cp.Unmarshal(proofBytes); err != nil {
		return nil, fail(StepDecode, "decode proof: %v", err)
	}
	canonical, err := cp.Marshal()
	if err != nil {
		return nil, fail(StepDecode, "decode proof: re-encode: %v", err)
	}
	if !bytes.Equal(canonical, proofBytes) {
		return nil, fail(StepDecode, "decode proof: non-canonical encoding (%d bytes, canonical form is %d bytes)", len(proofBytes), len(canonical))
	}
	return cp, nil
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

func kindOf(cp *ics23.CommitmentProof) string {
	switch cp.Proof.(type) {
	case *ics23.CommitmentProof_Exist:
		return "existence"
	case *ics23.CommitmentProof_Nonexist:
		return "non-existence"
	case *ics23.CommitmentProof_Batch:
		return "batch"
	case *ics23.CommitmentProof_Compressed:
		return "compressed batch"
	case nil:
		return "empty proof"
	default:
		return fmt.Sprintf("%T", cp.Proof)
	}
}

// isLeftNeighbor wraps ics23.IsLeftNeighbor, which indexes paths without
// bounds checks and panics on some malformed inputs.
func isLeftNeighbor(spec *ics23.InnerSpec, left, right []*ics23.InnerOp) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if len(left) == 0 || len(right) == 0 {
		return false
	}
	return ics23.IsLeftNeighbor(spec, left, right)
}

// recoverInto turns a panic inside ics23 into an error: a verifier must
// reject, not crash, whatever bytes it is given.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = &VerifyError{Step: StepInternal, Err: errors.New(fmt.Sprint("malformed proof: ics23 panicked: ", r))}
	}
}
