package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/types"
)

// GenesisValidators is the validator set of the first height, built from
// the genesis document exactly as CometBFT's handshake does (the govchain
// app returns no validators from InitChain, which the replay checks).
func GenesisValidators(g *types.GenesisDoc) (*types.ValidatorSet, error) {
	if len(g.Validators) == 0 {
		return nil, errors.New("genesis has no validators")
	}
	vals := make([]*types.Validator, len(g.Validators))
	for i, v := range g.Validators {
		if v.PubKey == nil {
			return nil, fmt.Errorf("genesis validator %d has no public key", i)
		}
		vals[i] = types.NewValidator(v.PubKey, v.Power)
	}
	vs := types.NewValidatorSet(vals)
	if err := vs.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("genesis validator set: %w", err)
	}
	return vs, nil
}

// ApplyUpdates returns a copy of vals with the ABCI validator updates of one
// block applied (CometBFT applies the updates of block H to the set that
// signs block H+2).
func ApplyUpdates(vals *types.ValidatorSet, ups []abci.ValidatorUpdate) (*types.ValidatorSet, error) {
	next := vals.Copy()
	if len(ups) == 0 {
		return next, nil
	}
	changes, err := types.PB2TM.ValidatorUpdates(ups)
	if err != nil {
		return nil, fmt.Errorf("validator updates: %w", err)
	}
	if err := next.UpdateWithChangeSet(changes); err != nil {
		return nil, fmt.Errorf("validator updates: %w", err)
	}
	return next, nil
}

// VerifyCommit checks that commit carries valid signatures of more than
// two thirds of vals' voting power for blockID at height, under chainID.
// Every signature present is checked (not only the first +2/3), so a
// forged or corrupted signature anywhere in the commit is found.
func VerifyCommit(chainID string, vals *types.ValidatorSet, blockID types.BlockID, height int64, commit *types.Commit) error {
	if commit == nil {
		return fmt.Errorf("no commit for height %d", height)
	}
	if err := commit.ValidateBasic(); err != nil {
		return fmt.Errorf("commit for height %d malformed: %w", height, err)
	}
	if err := vals.VerifyCommit(chainID, blockID, height, commit); err != nil {
		// Name the validator whose signature fails, if that is the cause.
		if commit.Size() == vals.Size() {
			for i, s := range commit.Signatures {
				if s.BlockIDFlag == types.BlockIDFlagAbsent {
					continue
				}
				v := vals.Validators[i]
				if !bytes.Equal(s.ValidatorAddress, v.Address) {
					return fmt.Errorf("commit for height %d: signature %d is by %s, but validator %d of the set is %s", height, i, s.ValidatorAddress, i, v.Address)
				}
				if verr := commit.GetVote(int32(i)).Verify(chainID, v.PubKey); verr != nil {
					return fmt.Errorf("commit for height %d: the signature of validator %s (index %d) does not verify: %v", height, v.Address, i, verr)
				}
			}
		}
		return fmt.Errorf("commit for height %d: %w", height, err)
	}
	return nil
}

// Equivocation is a validator that signed two different blocks (or nil and
// a block) at the same height and round: proven by both signatures.
type Equivocation struct {
	Height    int64  `json:"height"`
	Round     int32  `json:"round"`
	Validator string `json:"validator"`
	Dept      string `json:"dept,omitempty"`
	BlockA    string `json:"block_a"`
	BlockB    string `json:"block_b"`
	Source    string `json:"source"` // "evidence in block N" or "commits of two nodes"
}

// CheckDuplicateVote verifies a DuplicateVoteEvidence found in a block
// against the validator set of its height: both votes are signed by the
// named validator, for the same height, round and type, for different
// blocks. The chain's own consensus already verified it before including
// it; the auditor checks it again rather than trust that.
func CheckDuplicateVote(chainID string, ev *types.DuplicateVoteEvidence, vals *types.ValidatorSet) error {
	a, b := ev.VoteA, ev.VoteB
	if a == nil || b == nil {
		return errors.New("evidence lacks a vote")
	}
	if a.Height != b.Height || a.Round != b.Round || a.Type != b.Type {
		return fmt.Errorf("votes are for different height/round/type (%d/%d/%v vs %d/%d/%v)", a.Height, a.Round, a.Type, b.Height, b.Round, b.Type)
	}
	if !bytes.Equal(a.ValidatorAddress, b.ValidatorAddress) {
		return errors.New("votes are from different validators")
	}
	if a.BlockID.Equals(b.BlockID) {
		return errors.New("votes are for the same block: no equivocation")
	}
	_, val := vals.GetByAddress(a.ValidatorAddress)
	if val == nil {
		return fmt.Errorf("validator %X was not in the set at height %d", a.ValidatorAddress, a.Height)
	}
	if err := a.Verify(chainID, val.PubKey); err != nil {
		return fmt.Errorf("vote A: %w", err)
	}
	if err := b.Verify(chainID, val.PubKey); err != nil {
		return fmt.Errorf("vote B: %w", err)
	}
	return nil
}

// ConflictingCommits finds validators that signed both commits (same height
// and round, different blocks): each is an equivocation proven by two valid
// signatures under the key in vals.
func ConflictingCommits(chainID string, vals *types.ValidatorSet, a, b *types.Commit) []Equivocation {
	if a == nil || b == nil || a.Height != b.Height || a.Round != b.Round || a.BlockID.Equals(b.BlockID) {
		return nil
	}
	var out []Equivocation
	for i := range a.Signatures {
		sa := a.Signatures[i]
		if sa.BlockIDFlag != types.BlockIDFlagCommit {
			continue
		}
		for j := range b.Signatures {
			sb := b.Signatures[j]
			if sb.BlockIDFlag != types.BlockIDFlagCommit || !bytes.Equal(sa.ValidatorAddress, sb.ValidatorAddress) {
				continue
			}
			_, val := vals.GetByAddress(sa.ValidatorAddress)
			if val == nil {
				continue
			}
			va, vb := a.GetVote(int32(i)), b.GetVote(int32(j))
			if va.Verify(chainID, val.PubKey) != nil || vb.Verify(chainID, val.PubKey) != nil {
				continue
			}
			out = append(out, Equivocation{Height: a.Height, Round: a.Round, Validator: val.Address.String(),
				BlockA: a.BlockID.Hash.String(), BlockB: b.BlockID.Hash.String(), Source: "commits of two nodes"})
		}
	}
	return out
}

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
