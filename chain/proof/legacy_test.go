package proof_test

// This file is the verifier as it was before it stopped importing ics23
// (commit f37e09a^): explicit steps, then ics23's own VerifyMembership /
// VerifyNonMembership as a final check. The differential tests hold the new
// verifier to the same steps on every input. Only renamed; do not improve
// it.

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"

	ics23 "github.com/cosmos/ics23/go"

	"github.com/govchain/govchain/chain/proof"
)

// legacyVerifyMembership checks that proofBytes, a marshalled ics23
// CommitmentProof, proves that key holds value in the IAVL tree whose root
// hash is root. Value must be non-empty: an IAVL leaf commits to sha256(value)
// and ics23 refuses to hash an empty value, so a key stored with an empty
// value cannot be proven.
func legacyVerifyMembership(root, key, value, proofBytes []byte) (err error) {
	defer legacyRecoverInto(&err)
	if err := legacyCheckRoot(root); err != nil {
		return err
	}
	cp, computed, err := legacyComputeRootCP(key, value, proofBytes)
	if err != nil {
		return err
	}
	if !bytes.Equal(computed, root) {
		return &proof.VerifyError{Step: proof.StepRoot, Err: &proof.RootMismatchError{Computed: computed, Expected: bytes.Clone(root)}}
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, root, cp, key, value) {
		return legacyFail(proof.StepICS23, "ics23 rejected a membership proof that passed every step")
	}
	return nil
}

// legacyComputeRoot returns the root hash that proofBytes, a marshalled ics23
// existence proof for (key, value), leads to. It makes every check
// VerifyMembership makes except the comparison with a trusted root.
func legacyComputeRoot(key, value, proofBytes []byte) (root []byte, err error) {
	defer legacyRecoverInto(&err)
	_, root, err = legacyComputeRootCP(key, value, proofBytes)
	if err != nil {
		return nil, err
	}
	return root, nil
}

// legacyVerifyNonMembership checks that proofBytes, a marshalled ics23
// CommitmentProof, proves that key is absent from the IAVL tree whose root
// hash is root: the proof must carry existence proofs of key's neighbours
// (one of them may be missing at either end of the tree) that lead to root,
// bracket key, and are adjacent leaves.
func legacyVerifyNonMembership(root, key, proofBytes []byte) (err error) {
	defer legacyRecoverInto(&err)
	if err := legacyCheckRoot(root); err != nil {
		return err
	}
	if err := legacyCheckKey(key); err != nil {
		return err
	}
	cp, err := legacyDecode(proofBytes)
	if err != nil {
		return err
	}
	np := cp.GetNonexist()
	if np == nil {
		return legacyFail(proof.StepKind, "expected non-existence proof, got %s", legacyKindOf(cp))
	}
	// ics23 does not look at NonExistenceProof.Key; we do, so that a proof
	// answers exactly one question.
	if !bytes.Equal(np.Key, key) {
		return legacyFail(proof.StepKey, "proof is for key %x, want %x", np.Key, key)
	}
	left, right := np.Left, np.Right
	if left == nil && right == nil {
		return legacyFail(proof.StepRange, "non-existence proof has neither a left nor a right neighbour")
	}
	for _, n := range []struct {
		side string
		ep   *ics23.ExistenceProof
	}{{"left", left}, {"right", right}} {
		if n.ep == nil {
			continue
		}
		prefix := n.side + " neighbour: "
		computed, err := legacyComputeExistence(n.ep, prefix)
		if err != nil {
			return err
		}
		if !bytes.Equal(computed, root) {
			return &proof.VerifyError{Step: proof.StepRoot, Err: fmt.Errorf("%s%w", prefix,
				&proof.RootMismatchError{Computed: computed, Expected: bytes.Clone(root)})}
		}
	}
	if left != nil && bytes.Compare(left.Key, key) >= 0 {
		return legacyFail(proof.StepRange, "left neighbour key %x is not below key %x", left.Key, key)
	}
	if right != nil && bytes.Compare(right.Key, key) <= 0 {
		return legacyFail(proof.StepRange, "right neighbour key %x is not above key %x", right.Key, key)
	}
	inner := ics23.IavlSpec.InnerSpec
	switch {
	case left == nil:
		if !ics23.IsLeftMost(inner, right.Path) {
			return legacyFail(proof.StepNeighbour, "no left neighbour, but right neighbour %x is not the left-most leaf", right.Key)
		}
	case right == nil:
		if !ics23.IsRightMost(inner, left.Path) {
			return legacyFail(proof.StepNeighbour, "no right neighbour, but left neighbour %x is not the right-most leaf", left.Key)
		}
	default:
		if !legacyIsLeftNeighbor(inner, left.Path, right.Path) {
			return legacyFail(proof.StepNeighbour, "neighbours %x and %x are not adjacent leaves", left.Key, right.Key)
		}
	}
	if !ics23.VerifyNonMembership(ics23.IavlSpec, root, cp, key) {
		return legacyFail(proof.StepICS23, "ics23 rejected a non-membership proof that passed every step")
	}
	return nil
}

// legacyComputeRootCP makes the checks shared by VerifyMembership and ComputeRoot.
func legacyComputeRootCP(key, value, proofBytes []byte) (*ics23.CommitmentProof, []byte, error) {
	if err := legacyCheckKey(key); err != nil {
		return nil, nil, err
	}
	if value == nil {
		return nil, nil, legacyFail(proof.StepInput, "nil value: use VerifyNonMembership to prove a key absent")
	}
	if len(value) == 0 {
		return nil, nil, legacyFail(proof.StepInput, "empty value: an IAVL proof cannot commit to an empty value")
	}
	cp, err := legacyDecode(proofBytes)
	if err != nil {
		return nil, nil, err
	}
	ep := cp.GetExist()
	if ep == nil {
		return nil, nil, legacyFail(proof.StepKind, "expected existence proof, got %s", legacyKindOf(cp))
	}
	if !bytes.Equal(ep.Key, key) {
		return nil, nil, legacyFail(proof.StepKey, "proof is for key %x, want %x", ep.Key, key)
	}
	if !bytes.Equal(ep.Value, value) {
		got, want := sha256.Sum256(ep.Value), sha256.Sum256(value)
		return nil, nil, legacyFail(proof.StepValue, "proof value hash mismatch: proof has sha256 %x, want %x", got, want)
	}
	computed, err := legacyComputeExistence(ep, "")
	if err != nil {
		return nil, nil, err
	}
	return cp, computed, nil
}

// legacyComputeExistence checks ep against ics23.IavlSpec and hashes it up to the
// root. prefix names the sub-proof in error messages.
func legacyComputeExistence(ep *ics23.ExistenceProof, prefix string) ([]byte, error) {
	spec := ics23.IavlSpec
	if ep.Leaf == nil {
		return nil, legacyFail(proof.StepSpec, "%sexistence proof has no leaf op", prefix)
	}
	if err := ep.Leaf.CheckAgainstSpec(spec); err != nil {
		return nil, legacyFail(proof.StepSpec, "%sleaf op does not match the IAVL spec: %v", prefix, err)
	}
	if spec.MinDepth > 0 && len(ep.Path) < int(spec.MinDepth) {
		return nil, legacyFail(proof.StepSpec, "%swrong path length %d, want at least %d", prefix, len(ep.Path), spec.MinDepth)
	}
	if spec.MaxDepth > 0 && len(ep.Path) > int(spec.MaxDepth) {
		return nil, legacyFail(proof.StepSpec, "%swrong path length %d, want at most %d", prefix, len(ep.Path), spec.MaxDepth)
	}
	for i, op := range ep.Path {
		if op == nil {
			return nil, legacyFail(proof.StepSpec, "%spath[%d] is missing", prefix, i)
		}
		if err := op.CheckAgainstSpec(spec, i+1); err != nil {
			return nil, legacyFail(proof.StepSpec, "%spath[%d] does not match the IAVL spec: %v", prefix, i, err)
		}
	}
	h, err := ep.Leaf.Apply(ep.Key, ep.Value)
	if err != nil {
		return nil, legacyFail(proof.StepLeaf, "%scompute leaf hash: %v", prefix, err)
	}
	for i, op := range ep.Path {
		if h, err = op.Apply(h); err != nil {
			return nil, legacyFail(proof.StepPath, "%scompute path[%d]: %v", prefix, i, err)
		}
	}
	return h, nil
}

// legacyDecode unmarshals proofBytes and insists on the canonical encoding, so that
// each proof has exactly one byte form.
func legacyDecode(proofBytes []byte) (*ics23.CommitmentProof, error) {
	if len(proofBytes) == 0 {
		return nil, legacyFail(proof.StepDecode, "decode proof: empty proof")
	}
	cp := new(ics23.CommitmentProof)
	if err := cp.Unmarshal(proofBytes); err != nil {
		return nil, legacyFail(proof.StepDecode, "decode proof: %v", err)
	}
	canonical, err := cp.Marshal()
	if err != nil {
		return nil, legacyFail(proof.StepDecode, "decode proof: re-encode: %v", err)
	}
	if !bytes.Equal(canonical, proofBytes) {
		return nil, legacyFail(proof.StepDecode, "decode proof: non-canonical encoding (%d bytes, canonical form is %d bytes)", len(proofBytes), len(canonical))
	}
	return cp, nil
}

func legacyCheckRoot(root []byte) error {
	if len(root) == 0 {
		return &proof.VerifyError{Step: proof.StepInput, Err: proof.ErrEmptyRoot}
	}
	if len(root) != proof.RootSize {
		return legacyFail(proof.StepInput, "wrong root size %d, want %d", len(root), proof.RootSize)
	}
	return nil
}

func legacyCheckKey(key []byte) error {
	if len(key) == 0 {
		return legacyFail(proof.StepInput, "empty key")
	}
	return nil
}

func legacyKindOf(cp *ics23.CommitmentProof) string {
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

// legacyIsLeftNeighbor wraps ics23.IsLeftNeighbor, which indexes paths without
// bounds checks and panics on some malformed inputs.
func legacyIsLeftNeighbor(spec *ics23.InnerSpec, left, right []*ics23.InnerOp) (ok bool) {
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

// legacyRecoverInto turns a panic inside ics23 into an error: a verifier must
// reject, not crash, whatever bytes it is given.
func legacyRecoverInto(err *error) {
	if r := recover(); r != nil {
		*err = &proof.VerifyError{Step: proof.StepInternal, Err: errors.New(fmt.Sprint("malformed proof: ics23 panicked: ", r))}
	}
}

func legacyFail(step string, format string, args ...any) *proof.VerifyError {
	return &proof.VerifyError{Step: step, Err: fmt.Errorf(format, args...)}
}
