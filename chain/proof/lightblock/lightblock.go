// Package lightblock is the part of CometBFT's types package that a light
// client needs to check a signed header: the header, its commit and the
// validator set that signed it, their canonical protobuf encoding and
// hashes, and CometBFT's rules for counting and verifying commit
// signatures (VerifyCommit, VerifyCommitLightTrustingAllSignatures).
//
// It exists so that the citizen's verifier (chain/proof/bundle, compiled to
// WebAssembly) need not import github.com/cometbft/cometbft/types, which
// brings gRPC, the protobuf runtime and test libraries with it. The code is
// a port of CometBFT v1.0.1 (types/block.go, light.go, validation.go,
// validator_set.go, canonical.go, encoding_helper.go, crypto/merkle);
// differential tests check it against CometBFT itself. Only ed25519
// validator keys are supported; signatures are verified by CometBFT's
// crypto/ed25519 (ZIP-215 rules). The encoding is read and written with
// protowire only.
package lightblock

import (
	"bytes"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
)

// Limits and constants of CometBFT v1.0.1.
const (
	// BlockProtocol is the block protocol version a header must carry.
	BlockProtocol uint64 = 11
	// MaxChainIDLen bounds a chain id.
	MaxChainIDLen = 50
	// HashSize is the size of every hash in a header (SHA-256).
	HashSize = 32
	// AddressSize is the size of a validator address.
	AddressSize = 20
	// MaxSignatureSize is the largest commit signature CometBFT accepts
	// (the BLS signature length; ed25519 signatures are 64 bytes).
	MaxSignatureSize = 96
	// MaxTotalVotingPower bounds a validator set's total power.
	MaxTotalVotingPower = int64(^uint64(0)>>1) / 8
	// precommitType is the SignedMsgType of a precommit vote.
	precommitType = 2
)

// BlockIDFlag says which block a commit signature is for.
type BlockIDFlag byte

const (
	// BlockIDFlagAbsent: no vote was received from the validator.
	BlockIDFlagAbsent BlockIDFlag = iota + 1
	// BlockIDFlagCommit: the validator voted for the commit's block.
	BlockIDFlagCommit
	// BlockIDFlagNil: the validator voted for nil.
	BlockIDFlagNil
)

// Consensus is the header's protocol versions.
type Consensus struct {
	Block uint64
	App   uint64
}

// PartSetHeader names the parts of a block.
type PartSetHeader struct {
	Total uint32
	Hash  []byte
}

// IsZero reports whether psh is empty.
func (psh PartSetHeader) IsZero() bool { return psh.Total == 0 && len(psh.Hash) == 0 }

// Equals reports whether psh and o are the same.
func (psh PartSetHeader) Equals(o PartSetHeader) bool {
	return psh.Total == o.Total && bytes.Equal(psh.Hash, o.Hash)
}

// BlockID names a block: its header hash and its part set.
type BlockID struct {
	Hash          []byte
	PartSetHeader PartSetHeader
}

// Equals reports whether id and o are the same.
func (id BlockID) Equals(o BlockID) bool {
	return bytes.Equal(id.Hash, o.Hash) && id.PartSetHeader.Equals(o.PartSetHeader)
}

// IsNil reports whether id is the id of the nil block.
func (id BlockID) IsNil() bool { return len(id.Hash) == 0 && id.PartSetHeader.IsZero() }

// Header is a CometBFT block header.
type Header struct {
	Version            Consensus
	ChainID            string
	Height             int64
	Time               time.Time
	LastBlockID        BlockID
	LastCommitHash     []byte
	DataHash           []byte
	ValidatorsHash     []byte
	NextValidatorsHash []byte
	ConsensusHash      []byte
	AppHash            []byte
	LastResultsHash    []byte
	EvidenceHash       []byte
	ProposerAddress    []byte
}

// CommitSig is one validator's part of a commit.
type CommitSig struct {
	BlockIDFlag      BlockIDFlag
	ValidatorAddress []byte
	Timestamp        time.Time
	Signature        []byte
}

// Commit is the precommit signatures of a block, one per validator of
// the set that signed it, in the set's order.
type Commit struct {
	Height     int64
	Round      int32
	BlockID    BlockID
	Signatures []CommitSig
}

// SignedHeader is a header with the commit that signs it.
type SignedHeader struct {
	*Header
	Commit *Commit
}

// Validator is a validator's ed25519 key and voting power.
type Validator struct {
	Address     []byte
	PubKey      ed25519.PubKey
	VotingPower int64
}

// NewValidator returns the validator of key pk with power.
func NewValidator(pk ed25519.PubKey, power int64) *Validator {
	v := &Validator{PubKey: pk, VotingPower: power}
	if len(pk) == ed25519.PubKeySize {
		v.Address = pk.Address()
	}
	return v
}

// ValidatorSet is the validators of a height, in CometBFT's order (power
// descending, then address ascending). Proposer priorities are not kept:
// they are not part of the set's hash.
type ValidatorSet struct {
	Validators []*Validator
}

// LightBlock is a signed header and the validator set that signed it.
type LightBlock struct {
	*SignedHeader
	ValidatorSet *ValidatorSet
}
