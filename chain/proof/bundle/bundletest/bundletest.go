// Package bundletest makes signed CometBFT light blocks for tests of
// bundle verification without running consensus, and converts them to
// the verifier's light blocks.
package bundletest

import (
	"crypto/sha256"
	"fmt"
	"time"

	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/proof/bundle/cmtblock"
	"github.com/govchain/govchain/chain/proof/lightblock"
)

// Val is a validator with its key.
type Val struct {
	Key   crypto.PrivKey
	Power int64
}

// Set builds the validator set of vals.
func Set(vals []Val) *types.ValidatorSet {
	vs := make([]*types.Validator, len(vals))
	for i, v := range vals {
		vs[i] = types.NewValidator(v.Key.PubKey(), v.Power)
	}
	return types.NewValidatorSet(vs)
}

// LightSet is the verifier's validator set of vals (ed25519 keys).
func LightSet(vals []Val) *lightblock.ValidatorSet {
	var vs []*lightblock.Validator
	for _, v := range vals {
		vs = append(vs, lightblock.NewValidator(v.Key.PubKey().(ed25519.PubKey), v.Power))
	}
	set, err := lightblock.NewValidatorSet(vs)
	if err != nil {
		panic(err)
	}
	return set
}

// Light is lb as the verifier decodes it (cmtblock.Light); it panics if
// lb cannot be encoded.
func Light(lb *types.LightBlock) *lightblock.LightBlock {
	l, err := cmtblock.Light(lb)
	if err != nil {
		panic(err)
	}
	return l
}

func fill(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// Block describes a header to sign.
type Block struct {
	ChainID string
	Height  int64
	Time    time.Time
	AppHash []byte
	Last    types.BlockID
	Vals    []Val
	Next    []Val // nil = Vals
	// Signers are the indexes (into the set's canonical order) that sign;
	// nil = all.
	Signers []int
}

// Make signs b: a header, a commit signed by b.Signers, the validator set.
func Make(b Block) *types.LightBlock {
	vs := Set(b.Vals)
	next := vs
	if b.Next != nil {
		next = Set(b.Next)
	}
	h := &types.Header{
		Version: cmtversion.Consensus{Block: 11, App: 1}, ChainID: b.ChainID, Height: b.Height, Time: b.Time,
		LastBlockID: b.Last, LastCommitHash: fill("lc"), DataHash: fill("data"), ValidatorsHash: vs.Hash(),
		NextValidatorsHash: next.Hash(), ConsensusHash: fill("cons"), AppHash: b.AppHash, LastResultsHash: fill("res"),
		EvidenceHash: fill("ev"), ProposerAddress: vs.Validators[0].Address,
	}
	id := types.BlockID{Hash: h.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: fill(fmt.Sprint("parts", b.Height))}}
	keys := map[string]crypto.PrivKey{}
	for _, v := range b.Vals {
		keys[string(v.Key.PubKey().Address())] = v.Key
	}
	signs := map[int]bool{}
	for _, i := range b.Signers {
		signs[i] = true
	}
	c := &types.Commit{Height: b.Height, Round: 0, BlockID: id}
	for i, v := range vs.Validators {
		if b.Signers != nil && !signs[i] {
			c.Signatures = append(c.Signatures, types.NewCommitSigAbsent())
			continue
		}
		ts := b.Time.Add(time.Duration(i+1) * time.Millisecond)
		vote := &types.Vote{Type: types.PrecommitType, Height: b.Height, Round: 0, BlockID: id, Timestamp: ts, ValidatorAddress: v.Address, ValidatorIndex: int32(i)}
		sig, err := keys[string(v.Address)].Sign(types.VoteSignBytes(b.ChainID, vote.ToProto()))
		if err != nil {
			panic(err)
		}
		c.Signatures = append(c.Signatures, types.CommitSig{BlockIDFlag: types.BlockIDFlagCommit, ValidatorAddress: v.Address, Timestamp: ts, Signature: sig})
	}
	return &types.LightBlock{SignedHeader: &types.SignedHeader{Header: h, Commit: c}, ValidatorSet: vs}
}
