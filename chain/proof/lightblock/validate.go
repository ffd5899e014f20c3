package lightblock

import (
	"bytes"
	"errors"
	"fmt"
	"sort"

	"github.com/cometbft/cometbft/crypto/ed25519"
)

// validateHash: a hash is empty or HashSize bytes.
func validateHash(h []byte) error {
	if len(h) > 0 && len(h) != HashSize {
		return fmt.Errorf("expected size to be %d bytes, got %d bytes", HashSize, len(h))
	}
	return nil
}

// ValidateBasic checks the sizes of the part set header.
func (psh PartSetHeader) ValidateBasic() error {
	if err := validateHash(psh.Hash); err != nil {
		return fmt.Errorf("wrong Hash: %w", err)
	}
	return nil
}

// ValidateBasic checks the sizes of the block id.
func (id BlockID) ValidateBasic() error {
	if err := validateHash(id.Hash); err != nil {
		return errors.New("wrong Hash")
	}
	if err := id.PartSetHeader.ValidateBasic(); err != nil {
		return fmt.Errorf("wrong PartSetHeader: %w", err)
	}
	return nil
}

// ValidateBasic makes CometBFT's stateless checks of a header.
func (h *Header) ValidateBasic() error {
	if h.Version.Block != BlockProtocol {
		return fmt.Errorf("block protocol is incorrect: got: %d, want: %d ", h.Version.Block, BlockProtocol)
	}
	if len(h.ChainID) > MaxChainIDLen {
		return fmt.Errorf("chainID is too long; got: %d, max: %d", len(h.ChainID), MaxChainIDLen)
	}
	if h.Height < 0 {
		return errors.New("negative Height")
	} else if h.Height == 0 {
		return errors.New("zero Height")
	}
	if err := h.LastBlockID.ValidateBasic(); err != nil {
		return fmt.Errorf("wrong LastBlockID: %w", err)
	}
	for _, c := range []struct {
		name string
		h    []byte
	}{{"LastCommitHash", h.LastCommitHash}, {"DataHash", h.DataHash}, {"EvidenceHash", h.EvidenceHash}} {
		if err := validateHash(c.h); err != nil {
			return fmt.Errorf("wrong %s: %w", c.name, err)
		}
	}
	if len(h.ProposerAddress) != AddressSize {
		return fmt.Errorf("invalid ProposerAddress length; got: %d, expected: %d", len(h.ProposerAddress), AddressSize)
	}
	// The app hash may have any length.
	for _, c := range []struct {
		name string
		h    []byte
	}{{"ValidatorsHash", h.ValidatorsHash}, {"NextValidatorsHash", h.NextValidatorsHash}, {"ConsensusHash", h.ConsensusHash}, {"LastResultsHash", h.LastResultsHash}} {
		if err := validateHash(c.h); err != nil {
			return fmt.Errorf("wrong %s: %w", c.name, err)
		}
	}
	return nil
}

// ValidateBasic makes CometBFT's stateless checks of a commit signature.
func (cs CommitSig) ValidateBasic() error {
	switch cs.BlockIDFlag {
	case BlockIDFlagAbsent:
		if len(cs.ValidatorAddress) != 0 {
			return errors.New("validator address is present")
		}
		if !cs.Timestamp.IsZero() {
			return errors.New("time is present")
		}
		if len(cs.Signature) != 0 {
			return errors.New("signature is present")
		}
	case BlockIDFlagCommit, BlockIDFlagNil:
		if len(cs.ValidatorAddress) != AddressSize {
			return fmt.Errorf("expected ValidatorAddress size to be %d bytes, got %d bytes", AddressSize, len(cs.ValidatorAddress))
		}
		if len(cs.Signature) == 0 {
			return errors.New("signature is missing")
		}
		if len(cs.Signature) > MaxSignatureSize {
			return fmt.Errorf("signature is too big (max: %d)", MaxSignatureSize)
		}
	default:
		return fmt.Errorf("unknown BlockIDFlag: %v", cs.BlockIDFlag)
	}
	return nil
}

// ValidateBasic makes CometBFT's stateless checks of a commit (it does
// not check signatures).
func (c *Commit) ValidateBasic() error {
	if c.Height < 0 {
		return errors.New("negative Height")
	}
	if c.Round < 0 {
		return errors.New("negative Round")
	}
	if c.Height >= 1 {
		if c.BlockID.IsNil() {
			return errors.New("commit cannot be for nil block")
		}
		if len(c.Signatures) == 0 {
			return errors.New("no signatures in commit")
		}
		for i, s := range c.Signatures {
			if err := s.ValidateBasic(); err != nil {
				return fmt.Errorf("wrong CommitSig #%d: %w", i, err)
			}
		}
	}
	return nil
}

// ValidateFromProto makes the checks CometBFT's SignedHeaderFromProto
// makes when it converts a decoded signed header: the header's
// ValidateBasic, the commit's block id sizes, each commit signature's and
// the commit's ValidateBasic. An absent header or commit is not checked
// (SignedHeader.ValidateBasic refuses it).
func (sh *SignedHeader) ValidateFromProto() error {
	if sh.Header != nil {
		if err := sh.Header.LastBlockID.ValidateBasic(); err != nil {
			return err
		}
		if err := sh.Header.ValidateBasic(); err != nil {
			return err
		}
	}
	if c := sh.Commit; c != nil {
		if err := c.BlockID.ValidateBasic(); err != nil {
			return err
		}
		for _, s := range c.Signatures {
			if err := s.ValidateBasic(); err != nil {
				return err
			}
		}
		if err := c.ValidateBasic(); err != nil {
			return err
		}
	}
	return nil
}

// ValidateBasic checks that sh is a well-formed header of chainID with a
// commit for it (it does not check signatures).
func (sh *SignedHeader) ValidateBasic(chainID string) error {
	if sh.Header == nil {
		return errors.New("missing header")
	}
	if sh.Commit == nil {
		return errors.New("missing commit")
	}
	if err := sh.Header.ValidateBasic(); err != nil {
		return fmt.Errorf("invalid header: %w", err)
	}
	if err := sh.Commit.ValidateBasic(); err != nil {
		return fmt.Errorf("invalid commit: %w", err)
	}
	if sh.ChainID != chainID {
		return fmt.Errorf("header belongs to another chain %q, not %q", sh.ChainID, chainID)
	}
	if sh.Commit.Height != sh.Height {
		return fmt.Errorf("header and commit height mismatch: %d vs %d", sh.Height, sh.Commit.Height)
	}
	if hh, ch := sh.Header.Hash(), sh.Commit.BlockID.Hash; !bytes.Equal(hh, ch) {
		return fmt.Errorf("commit signs block %X, header is block %X", ch, hh)
	}
	return nil
}

// ValidateBasic checks a validator: an ed25519 key, the address derived
// from it, no negative power.
func (v *Validator) ValidateBasic() error {
	if v == nil {
		return errors.New("nil validator")
	}
	if len(v.PubKey) != ed25519.PubKeySize {
		return errors.New("validator does not have an ed25519 public key")
	}
	if v.VotingPower < 0 {
		return errors.New("validator has negative voting power")
	}
	if addr := v.PubKey.Address(); !bytes.Equal(v.Address, addr) {
		return fmt.Errorf("validator address is incorrectly derived from pubkey. Exp: %X, got %X", []byte(addr), v.Address)
	}
	return nil
}

// NewValidatorSet makes the set of vals in CometBFT's order (power
// descending, then address ascending), refusing what CometBFT's
// NewValidatorSet refuses (it panics): two validators with one address, a
// power that is not positive, a total power above MaxTotalVotingPower.
// vals is not modified.
func NewValidatorSet(vals []*Validator) (*ValidatorSet, error) {
	if len(vals) == 0 {
		return nil, errors.New("validator set is nil or empty")
	}
	out := make([]*Validator, len(vals))
	for i, v := range vals {
		if err := v.ValidateBasic(); err != nil {
			return nil, fmt.Errorf("invalid validator #%d: %w", i, err)
		}
		c := *v
		out[i] = &c
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Address, out[j].Address) < 0 })
	var total int64
	for i, v := range out {
		if i > 0 && bytes.Equal(v.Address, out[i-1].Address) {
			return nil, fmt.Errorf("duplicate entry %X", v.Address)
		}
		switch {
		case v.VotingPower <= 0:
			return nil, fmt.Errorf("voting power must be positive: %d", v.VotingPower)
		case v.VotingPower > MaxTotalVotingPower:
			return nil, fmt.Errorf("to prevent clipping/overflow, voting power can't be higher than %d, got %d", MaxTotalVotingPower, v.VotingPower)
		}
		if total += v.VotingPower; total > MaxTotalVotingPower {
			return nil, fmt.Errorf("total voting power of resulting valset exceeds max %d", MaxTotalVotingPower)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].VotingPower == out[j].VotingPower {
			return bytes.Compare(out[i].Address, out[j].Address) < 0
		}
		return out[i].VotingPower > out[j].VotingPower
	})
	return &ValidatorSet{Validators: out}, nil
}

// ValidateBasic checks the set: not empty, every validator well formed,
// the total power within MaxTotalVotingPower (CometBFT panics there).
func (vals *ValidatorSet) ValidateBasic() error {
	if vals == nil || len(vals.Validators) == 0 {
		return errors.New("validator set is nil or empty")
	}
	var total int64
	for i, v := range vals.Validators {
		if err := v.ValidateBasic(); err != nil {
			return fmt.Errorf("invalid validator #%d: %w", i, err)
		}
		if total += v.VotingPower; total > MaxTotalVotingPower {
			return fmt.Errorf("total voting power exceeds max %d", MaxTotalVotingPower)
		}
	}
	return nil
}

// Size is the number of validators.
func (vals *ValidatorSet) Size() int { return len(vals.Validators) }

// TotalVotingPower is the sum of the validators' powers (clipped at the
// int64 range; ValidateBasic refuses a total above MaxTotalVotingPower).
func (vals *ValidatorSet) TotalVotingPower() int64 {
	var sum int64
	for _, v := range vals.Validators {
		if v.VotingPower > 0 && sum > int64(^uint64(0)>>1)-v.VotingPower {
			return int64(^uint64(0) >> 1)
		}
		sum += v.VotingPower
	}
	return sum
}

// GetByAddress returns the index and validator of address (-1, nil if
// none).
func (vals *ValidatorSet) GetByAddress(address []byte) (int32, *Validator) {
	for i, v := range vals.Validators {
		if bytes.Equal(v.Address, address) {
			return int32(i), v
		}
	}
	return -1, nil
}
