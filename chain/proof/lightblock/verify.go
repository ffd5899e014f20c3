package lightblock

import (
	"errors"
	"fmt"
	"math"

	"github.com/cometbft/cometbft/crypto/ed25519"
)

// Fraction is a trust level such as 1/3.
type Fraction struct {
	Numerator   uint64
	Denominator uint64
}

// ErrNotEnoughVotingPowerSigned: the signatures that verify carry too
// little power. A light client may then verify intermediate headers.
type ErrNotEnoughVotingPowerSigned struct {
	Got    int64
	Needed int64
}

func (e ErrNotEnoughVotingPowerSigned) Error() string {
	return fmt.Sprintf("invalid commit -- insufficient voting power: got %d, needed more than %d", e.Got, e.Needed)
}

// VerifyCommit checks that more than 2/3 of vals' power signed the block
// blockID at height (CometBFT's VerifyCommit): the commit has one entry
// per validator, in the set's order; every signature present (for the
// block or for nil) must verify; only those for the block count.
func VerifyCommit(chainID string, vals *ValidatorSet, blockID BlockID, height int64, commit *Commit) error {
	if err := verifyBasicValsAndCommit(vals, commit, height, blockID); err != nil {
		return err
	}
	needed := vals.TotalVotingPower() * 2 / 3
	ignore := func(c CommitSig) bool { return c.BlockIDFlag == BlockIDFlagAbsent }
	count := func(c CommitSig) bool { return c.BlockIDFlag == BlockIDFlagCommit }
	return verifyCommit(chainID, vals, commit, needed, ignore, count, true, true)
}

// VerifyCommitLightTrustingAllSignatures checks that more than
// trustLevel of vals' power signed commit (CometBFT's function of that
// name). vals need not be the set that made the commit: signatures are
// matched to validators by address, others are skipped, a validator may
// sign once. Every signature for the block from a validator of vals must
// verify.
func VerifyCommitLightTrustingAllSignatures(chainID string, vals *ValidatorSet, commit *Commit, trustLevel Fraction) error {
	if vals == nil {
		return errors.New("nil validator set")
	}
	if trustLevel.Denominator == 0 {
		return errors.New("trustLevel has zero Denominator")
	}
	if commit == nil {
		return errors.New("nil commit")
	}
	total, num := vals.TotalVotingPower(), int64(trustLevel.Numerator)
	if num < 0 || total != 0 && num != 0 && total > math.MaxInt64/num {
		return errors.New("int64 overflow while calculating voting power needed. please provide smaller trustLevel numerator")
	}
	needed := total * num / int64(trustLevel.Denominator)
	ignore := func(c CommitSig) bool { return c.BlockIDFlag != BlockIDFlagCommit }
	count := func(CommitSig) bool { return true }
	return verifyCommit(chainID, vals, commit, needed, ignore, count, true, false)
}

func verifyBasicValsAndCommit(vals *ValidatorSet, commit *Commit, height int64, blockID BlockID) error {
	if vals == nil {
		return errors.New("nil validator set")
	}
	if commit == nil {
		return errors.New("nil commit")
	}
	if vals.Size() != len(commit.Signatures) {
		return fmt.Errorf("Invalid commit -- wrong set size: %v vs %v", vals.Size(), len(commit.Signatures))
	}
	if height != commit.Height {
		return fmt.Errorf("Invalid commit -- wrong height: %v vs %v", height, commit.Height)
	}
	if !blockID.Equals(commit.BlockID) {
		return fmt.Errorf("invalid commit -- wrong block ID: want %X:%d:%X, got %X:%d:%X",
			blockID.Hash, blockID.PartSetHeader.Total, blockID.PartSetHeader.Hash,
			commit.BlockID.Hash, commit.BlockID.PartSetHeader.Total, commit.BlockID.PartSetHeader.Hash)
	}
	return nil
}

// batchThreshold: CometBFT verifies commits of at least this many
// signatures as a batch (all keys here are ed25519, which batches), and
// the batch path orders its checks differently from the single one; both
// are followed so that the same commits fail with the same errors.
const batchThreshold = 2

// verifyCommit is CometBFT's verifyCommitBatch / verifyCommitSingle.
// Signatures ignore says to skip are skipped; the power of those count
// says to count is tallied; with byIndex the commit's entry i is the
// set's validator i, otherwise the validator named by its address (none:
// skipped; twice: refused).
func verifyCommit(chainID string, vals *ValidatorSet, commit *Commit, needed int64,
	ignore, count func(CommitSig) bool, countAll, byIndex bool,
) error {
	batch := len(commit.Signatures) >= batchThreshold
	type pending struct {
		idx int
		val *Validator
		msg []byte
	}
	var (
		checks []pending
		seen   = map[int32]int{}
		tally  int64
	)
	for idx, s := range commit.Signatures {
		if ignore(s) {
			continue
		}
		var val *Validator
		if !batch && s.ValidateBasic() != nil {
			return fmt.Errorf("invalid signatures from %v at index %d", val, idx)
		}
		if s.BlockIDFlag != BlockIDFlagCommit && s.BlockIDFlag != BlockIDFlagNil {
			// CometBFT's batch path panics here (Commit.GetVote).
			return fmt.Errorf("unknown BlockIDFlag %d at index %d", s.BlockIDFlag, idx)
		}
		if byIndex {
			val = vals.Validators[idx]
		} else {
			var vi int32
			vi, val = vals.GetByAddress(s.ValidatorAddress)
			if val == nil {
				continue
			}
			if first, ok := seen[vi]; ok {
				return fmt.Errorf("double vote from %X (%d and %d)", val.Address, first, idx)
			}
			seen[vi] = idx
		}
		msg := commit.VoteSignBytes(chainID, int32(idx))
		if batch {
			// CometBFT's batch verifier refuses a key or signature of the
			// wrong size when it is added, before counting power.
			if len(val.PubKey) != ed25519.PubKeySize {
				return fmt.Errorf("invalid key length: got %d, want %d", len(val.PubKey), ed25519.PubKeySize)
			}
			if len(s.Signature) != ed25519.SignatureSize {
				return ed25519.ErrInvalidSignature
			}
			checks = append(checks, pending{idx, val, msg})
		} else {
			if len(val.PubKey) != ed25519.PubKeySize {
				return fmt.Errorf("validator %X has no ed25519 key at index %d", val.Address, idx)
			}
			if !val.PubKey.VerifySignature(msg, s.Signature) {
				return fmt.Errorf("wrong signature (#%d): %X", idx, s.Signature)
			}
		}
		if count(s) {
			tally += val.VotingPower
		}
		if !countAll && tally > needed {
			if batch {
				break
			}
			return nil
		}
	}
	if tally <= needed {
		return ErrNotEnoughVotingPowerSigned{Got: tally, Needed: needed}
	}
	// The batch, checked one by one: the first bad signature is reported.
	for _, c := range checks {
		if !c.val.PubKey.VerifySignature(c.msg, commit.Signatures[c.idx].Signature) {
			return fmt.Errorf("wrong signature (#%d): %X", c.idx, commit.Signatures[c.idx].Signature)
		}
	}
	return nil
}
