package proof

import (
	"errors"
	"fmt"
)

// Steps name the check that rejected a proof. They appear in VerifyError.Step
// and, as the expected outcome, in testdata/vectors.json, so they are part of
// the package's contract: never rename one.
const (
	// StepInput: the caller's arguments are unusable (empty or wrongly sized
	// root, empty key, nil or empty value).
	StepInput = "input"
	// StepDecode: the proof bytes are not a canonical ics23 CommitmentProof.
	// (The body of a batch or compressed proof is not decoded: such a proof
	// is rejected by StepKind.)
	StepDecode = "decode"
	// StepKind: the proof is of the wrong kind (existence where
	// non-existence was needed, batch or compressed proofs, ...).
	StepKind = "kind"
	// StepKey: the proof is about another key.
	StepKey = "key"
	// StepValue: the proof commits to another value.
	StepValue = "value"
	// StepSpec: the leaf or an inner op does not conform to ics23.IavlSpec.
	StepSpec = "spec"
	// StepLeaf: the leaf hash cannot be computed.
	StepLeaf = "leaf"
	// StepPath: an inner hash on the path to the root cannot be computed.
	StepPath = "path"
	// StepRoot: the computed root differs from the expected root; Err wraps
	// a *RootMismatchError.
	StepRoot = "root"
	// StepRange: a non-existence proof's neighbours do not bracket the key.
	StepRange = "range"
	// StepNeighbour: a non-existence proof's neighbours are not adjacent
	// leaves (or the single neighbour is not the left- or right-most leaf).
	StepNeighbour = "neighbour"
	// StepICS23 was reported when the package ended by calling the ics23
	// library, which rejected a proof that had passed every step. The
	// package now applies ics23's rules itself, so it is never reported;
	// the name stays reserved.
	StepICS23 = "ics23"
	// StepInternal: the verifier panicked on a malformed proof (no such
	// case is known); the panic was recovered and turned into this error.
	StepInternal = "internal"
)

// ErrEmptyRoot is returned (wrapped in a *VerifyError with Step StepInput)
// when the expected root is empty.
var ErrEmptyRoot = errors.New("empty root")

// VerifyError reports which verification step rejected a proof. Every error
// returned by this package's verification functions is a *VerifyError.
type VerifyError struct {
	Step string // one of the Step* constants
	Err  error
}

func (e *VerifyError) Error() string { return e.Err.Error() }

func (e *VerifyError) Unwrap() error { return e.Err }

// RootMismatchError is returned (wrapped in a *VerifyError with Step
// StepRoot) when a proof is well formed but leads to another root.
type RootMismatchError struct {
	Computed []byte // root computed from the proof
	Expected []byte // root the caller trusts
}

func (e *RootMismatchError) Error() string {
	return fmt.Sprintf("root mismatch: computed %x, expected %x", e.Computed, e.Expected)
}

// StepOf returns the step that rejected a proof: "" for a nil error, the Step
// of the first *VerifyError in err's chain, or StepInternal for any other
// error.
func StepOf(err error) string {
	if err == nil {
		return ""
	}
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Step
	}
	return StepInternal
}

func fail(step string, format string, args ...any) *VerifyError {
	return &VerifyError{Step: step, Err: fmt.Errorf(format, args...)}
}
