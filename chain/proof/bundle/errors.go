package bundle

import (
	"errors"
	"fmt"

	"github.com/govchain/govchain/chain/proof"
)

// Steps name the check that rejected a bundle or a trust root. They are
// part of the package's contract (the CLI prints them, the web page shows
// them, tests assert them): never rename one.
const (
	// StepDecode: the bundle is not one canonical encoding (bad JSON, an
	// unknown field, reformatted base64, bad binary framing).
	StepDecode = "decode"
	// StepInput: the caller's arguments are unusable or do not match the
	// bundle (another certificate hash, a hash outside the bucket).
	StepInput = "input"
	// StepTrust: the trust root is unusable, expired, for another chain, or
	// too few of its validators signed the header being checked.
	StepTrust = "trust"
	// StepHeader: the signed header is malformed or inconsistent (commit
	// for another block, wrong height or chain, time going backwards).
	StepHeader = "header"
	// StepValidators: the validator set is malformed or is not the one the
	// header (or the previous header) commits to.
	StepValidators = "validators"
	// StepCommit: the commit's signatures do not verify or carry no more
	// than 2/3 of the voting power.
	StepCommit = "commit"
	// StepRecord: the certificate record's ICS23 proof (of presence or
	// absence) does not lead to the header's app hash, or the proven record
	// is not the certificate asked about.
	StepRecord = "record"
	// StepBucket: the proofs of a hash-prefix bucket do not prove the
	// complete set of records in it.
	StepBucket = "bucket"
	// StepBatch: the batch record's proof fails or names another batch.
	StepBatch = "batch"
	// StepInclusion: the certificate's Merkle inclusion path does not lead
	// to the proven batch root.
	StepInclusion = "inclusion"
	// StepDepts: a department record's proof fails.
	StepDepts = "depts"
	// StepKeys: an attesting department key's proof fails, or the key may
	// not attest (not an active admin key of the validator's department).
	StepKeys = "keys"
	// StepQC: the SM2 quorum certificate does not verify against the
	// header, the validator set and the proven department keys.
	StepQC = "qc"
)

// Error is every rejection: Step names the check, ICS23 (when an ICS23
// proof failed) the step inside chain/proof.
type Error struct {
	Step  string
	ICS23 string
	Err   error
}

func (e *Error) Error() string {
	if e.ICS23 != "" {
		return fmt.Sprintf("%s: %v (ICS23 step %s)", e.Step, e.Err, e.ICS23)
	}
	return fmt.Sprintf("%s: %v", e.Step, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// StepOf returns the step of the first *Error in err's chain ("" for nil).
func StepOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Step
	}
	return "internal"
}

func fail(step, format string, args ...any) *Error {
	return &Error{Step: step, Err: fmt.Errorf(format, args...)}
}

func wrap(step string, err error, format string, args ...any) *Error {
	return &Error{Step: step, Err: fmt.Errorf(format+": %w", append(args, err)...)}
}

// proofFail reports an ICS23 proof rejected by chain/proof.
func proofFail(step string, err error, format string, args ...any) *Error {
	return &Error{Step: step, ICS23: proof.StepOf(err), Err: fmt.Errorf(format+": %w", append(args, err)...)}
}
