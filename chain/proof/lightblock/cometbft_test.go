package lightblock_test

// Differential tests: the same headers, validator sets and commits given
// to CometBFT v1.0.1's types package and to lightblock must give the same
// encodings, hashes and sign bytes, and be accepted or refused alike.

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtmath "github.com/cometbft/cometbft/libs/math"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/proof/lightblock"
)

// Conversions field by field (not through any encoding), so that the
// encodings are compared, not assumed.

func lbBlockID(id types.BlockID) lightblock.BlockID {
	return lightblock.BlockID{Hash: id.Hash, PartSetHeader: lightblock.PartSetHeader{Total: id.PartSetHeader.Total, Hash: id.PartSetHeader.Hash}}
}

func lbHeader(h *types.Header) *lightblock.Header {
	if h == nil {
		return nil
	}
	return &lightblock.Header{
		Version: lightblock.Consensus{Block: h.Version.Block, App: h.Version.App}, ChainID: h.ChainID, Height: h.Height, Time: h.Time,
		LastBlockID: lbBlockID(h.LastBlockID), LastCommitHash: h.LastCommitHash, DataHash: h.DataHash, ValidatorsHash: h.ValidatorsHash,
		NextValidatorsHash: h.NextValidatorsHash, ConsensusHash: h.ConsensusHash, AppHash: h.AppHash, LastResultsHash: h.LastResultsHash,
		EvidenceHash: h.EvidenceHash, ProposerAddress: h.ProposerAddress,
	}
}

func lbCommit(c *types.Commit) *lightblock.Commit {
	if c == nil {
		return nil
	}
	out := &lightblock.Commit{Height: c.Height, Round: c.Round, BlockID: lbBlockID(c.BlockID)}
	for _, s := range c.Signatures {
		out.Signatures = append(out.Signatures, lightblock.CommitSig{BlockIDFlag: lightblock.BlockIDFlag(s.BlockIDFlag),
			ValidatorAddress: s.ValidatorAddress, Timestamp: s.Timestamp, Signature: s.Signature})
	}
	return out
}

// lbSet keeps vs's order.
func lbSet(vs *types.ValidatorSet) *lightblock.ValidatorSet {
	out := &lightblock.ValidatorSet{}
	for _, v := range vs.Validators {
		out.Validators = append(out.Validators, &lightblock.Validator{Address: v.Address, PubKey: v.PubKey.(ed25519.PubKey), VotingPower: v.VotingPower})
	}
	return out
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

// maybeHash is a 32-byte hash, sometimes empty or of another size.
func maybeHash(r *rand.Rand) []byte {
	switch r.Intn(8) {
	case 0:
		return nil
	case 1:
		return randBytes(r, r.Intn(40))
	}
	return randBytes(r, 32)
}

func randTime(r *rand.Rand) time.Time {
	switch r.Intn(8) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(0, 0).UTC()
	case 2:
		return time.Unix(r.Int63n(1e9), 0)
	case 3:
		return time.Date(1+r.Intn(9999), 1, 1, 0, 0, 0, r.Intn(1e9), time.UTC)
	}
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int63n(int64(1000 * time.Hour))))
}

func randHeader(r *rand.Rand) *types.Header {
	h := &types.Header{
		Version:        cmtversion.Consensus{Block: 11, App: uint64(r.Intn(3))},
		ChainID:        fmt.Sprintf("chain-%d", r.Intn(100)),
		Height:         1 + r.Int63n(1<<40),
		Time:           randTime(r),
		LastBlockID:    types.BlockID{Hash: maybeHash(r), PartSetHeader: types.PartSetHeader{Total: uint32(r.Intn(5)), Hash: maybeHash(r)}},
		LastCommitHash: maybeHash(r), DataHash: maybeHash(r), ValidatorsHash: randBytes(r, 32), NextValidatorsHash: maybeHash(r),
		ConsensusHash: maybeHash(r), AppHash: randBytes(r, r.Intn(64)), LastResultsHash: maybeHash(r), EvidenceHash: maybeHash(r),
		ProposerAddress: randBytes(r, 20),
	}
	switch r.Intn(10) {
	case 0:
		h.ChainID = ""
	case 1:
		h.Height = -h.Height
	case 2:
		h.Version.Block = uint64(r.Intn(20))
	case 3:
		h.ProposerAddress = randBytes(r, r.Intn(30))
	case 4:
		h.ChainID = strings.Repeat("x", 40+r.Intn(20))
	}
	return h
}

func randKey(r *rand.Rand) ed25519.PrivKey { return ed25519.GenPrivKeyFromSecret(randBytes(r, 32)) }

// scenario is a block signed by a validator set.
type scenario struct {
	chainID string
	keys    map[string]ed25519.PrivKey // by address
	vals    *types.ValidatorSet
	header  *types.Header
	commit  *types.Commit
}

func (s *scenario) key(addr []byte) ed25519.PrivKey { return s.keys[string(addr)] }

// sign sets entry i of the commit: validator i's vote with flag, signed
// by CometBFT's own sign bytes.
func (s *scenario) sign(i int, flag types.BlockIDFlag, ts time.Time) {
	if flag == types.BlockIDFlagAbsent {
		s.commit.Signatures[i] = types.NewCommitSigAbsent()
		return
	}
	v := s.vals.Validators[i]
	s.commit.Signatures[i] = types.CommitSig{BlockIDFlag: flag, ValidatorAddress: v.Address, Timestamp: ts}
	sig, err := s.key(v.Address).Sign(s.commit.VoteSignBytes(s.chainID, int32(i)))
	if err != nil {
		panic(err)
	}
	s.commit.Signatures[i].Signature = sig
}

// present picks a commit entry with a signature (-1: none has one).
func (s *scenario) present(r *rand.Rand) int {
	var idx []int
	for i, c := range s.commit.Signatures {
		if c.BlockIDFlag != types.BlockIDFlagAbsent {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return -1
	}
	return idx[r.Intn(len(idx))]
}

// newScenario: 1 to 7 validators of random power, each voting for the
// block, for nil, or absent (mostly for the block).
func newScenario(r *rand.Rand) *scenario {
	s := &scenario{chainID: fmt.Sprintf("test-chain-%d", r.Intn(5)), keys: map[string]ed25519.PrivKey{}}
	var vals []*types.Validator
	for n := 1 + r.Intn(7); len(vals) < n; {
		k := randKey(r)
		s.keys[string(k.PubKey().Address())] = k
		power := int64(1 + r.Intn(100))
		if r.Intn(10) == 0 {
			power = 1 + r.Int63n(types.MaxTotalVotingPower/8)
		}
		vals = append(vals, types.NewValidator(k.PubKey(), power))
	}
	s.vals = types.NewValidatorSet(vals)
	s.header = randHeader(r)
	s.header.Version.Block = 11
	s.header.ChainID = s.chainID
	s.header.Time = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int63n(int64(time.Hour))))
	s.header.ValidatorsHash = s.vals.Hash()
	s.header.ProposerAddress = s.vals.Validators[0].Address
	round := int32(0)
	if r.Intn(3) == 0 {
		round = int32(r.Intn(5))
	}
	id := types.BlockID{Hash: s.header.Hash(), PartSetHeader: types.PartSetHeader{Total: uint32(1 + r.Intn(3)), Hash: randBytes(r, 32)}}
	s.commit = &types.Commit{Height: s.header.Height, Round: round, BlockID: id, Signatures: make([]types.CommitSig, len(vals))}
	for i := range vals {
		flag := types.BlockIDFlagCommit
		switch r.Intn(8) {
		case 0:
			flag = types.BlockIDFlagNil
		case 1:
			flag = types.BlockIDFlagAbsent
		}
		s.sign(i, flag, s.header.Time.Add(time.Duration(r.Intn(5000))*time.Millisecond))
	}
	return s
}

// outcome classifies a verification result: accepted, too little power
// (with the tallies), a wrong signature (with its message), or another
// refusal. CometBFT panics on a commit signature with an unknown flag.
func outcome(f func() error) (out string) {
	defer func() {
		if p := recover(); p != nil {
			out = "panic"
		}
	}()
	err := f()
	var ne lightblock.ErrNotEnoughVotingPowerSigned
	var ce types.ErrNotEnoughVotingPowerSigned
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ne):
		return fmt.Sprintf("not enough %d/%d", ne.Got, ne.Needed)
	case errors.As(err, &ce):
		return fmt.Sprintf("not enough %d/%d", ce.Got, ce.Needed)
	case strings.HasPrefix(err.Error(), "wrong signature"):
		// CometBFT prints the signature, or in batches the commit
		// signature: compare which one was wrong
		return strings.SplitN(err.Error(), ":", 2)[0]
	}
	return "refused"
}

// same: lightblock accepts exactly what CometBFT accepts, with the same
// class of refusal; where CometBFT panics, lightblock refuses.
func same(t *testing.T, what string, cmt, light string) {
	t.Helper()
	if cmt == "panic" && light != "ok" && light != "panic" {
		return
	}
	if cmt != light {
		t.Fatalf("%s: CometBFT %q, lightblock %q", what, cmt, light)
	}
}

func TestHeaderEncodingAndHash(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		s := newScenario(r)
		h := randHeader(r)
		if i%2 == 0 {
			h = s.header
		}
		if i%7 == 0 {
			h.ValidatorsHash = nil
		}
		lh := lbHeader(h)
		if got, want := lh.Hash(), []byte(h.Hash()); !bytes.Equal(got, want) {
			t.Fatalf("header %d: hash %X, CometBFT %X", i, got, want)
		}
		sh := &types.SignedHeader{Header: h, Commit: s.commit}
		want, err := sh.ToProto().Marshal()
		if err != nil {
			t.Fatal(err)
		}
		lsh := &lightblock.SignedHeader{Header: lh, Commit: lbCommit(s.commit)}
		got, err := lightblock.MarshalSignedHeader(lsh)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("header %d: encoding differs (%v)\n got %X\nwant %X", i, err, got, want)
		}
		back, err := lightblock.UnmarshalSignedHeader(want)
		if err != nil {
			t.Fatalf("header %d: %v", i, err)
		}
		if again, _ := lightblock.MarshalSignedHeader(back); !bytes.Equal(again, want) || !bytes.Equal(back.Hash(), h.Hash()) {
			t.Fatalf("header %d: decoded header differs", i)
		}
		// the checks of CometBFT's conversion and ValidateBasic
		var p cmtproto.SignedHeader
		if err := p.Unmarshal(want); err != nil {
			t.Fatal(err)
		}
		_, cerr := types.SignedHeaderFromProto(&p)
		if lerr := back.ValidateFromProto(); (cerr == nil) != (lerr == nil) {
			t.Fatalf("header %d: conversion: CometBFT %v, lightblock %v", i, cerr, lerr)
		}
		for _, chainID := range []string{s.chainID, h.ChainID, "other"} {
			cerr, lerr := sh.ValidateBasic(chainID), lsh.ValidateBasic(chainID)
			if (cerr == nil) != (lerr == nil) {
				t.Fatalf("header %d: ValidateBasic(%q): CometBFT %v, lightblock %v", i, chainID, cerr, lerr)
			}
		}
	}
	// a time CometBFT cannot encode: no hash
	h := randHeader(r)
	h.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if h.Hash() != nil || lbHeader(h).Hash() != nil {
		t.Fatal("a header in year 10000 has a hash")
	}
}

func TestValidatorSet(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 500; i++ {
		var cv []*types.Validator
		var lv []*lightblock.Validator
		var keys []ed25519.PrivKey
		for n := 1 + r.Intn(10); len(cv) < n; {
			var k ed25519.PrivKey
			if len(keys) > 0 && r.Intn(20) == 0 {
				k = keys[r.Intn(len(keys))] // a duplicate
			} else {
				k = randKey(r)
			}
			keys = append(keys, k)
			power := int64(1 + r.Intn(3)) // ties: ordered by address
			switch r.Intn(30) {
			case 0:
				power = 0
			case 1:
				power = types.MaxTotalVotingPower / 2
			case 2:
				power = -1
			}
			cv = append(cv, types.NewValidator(k.PubKey(), power))
			lv = append(lv, lightblock.NewValidator(k.PubKey().(ed25519.PubKey), power))
		}
		var cs *types.ValidatorSet
		func() {
			defer func() { recover() }()
			cs = types.NewValidatorSet(cv)
		}()
		ls, err := lightblock.NewValidatorSet(lv)
		if (cs == nil) != (err != nil) {
			t.Fatalf("set %d: CometBFT %v, lightblock %v", i, cs, err)
		}
		if cs == nil {
			continue
		}
		for j, v := range cs.Validators {
			if !bytes.Equal(v.Address, ls.Validators[j].Address) || v.VotingPower != ls.Validators[j].VotingPower {
				t.Fatalf("set %d: order differs at %d", i, j)
			}
		}
		if !bytes.Equal(cs.Hash(), ls.Hash()) || !bytes.Equal(lbSet(cs).Hash(), cs.Hash()) {
			t.Fatalf("set %d: hash differs", i)
		}
		if cs.TotalVotingPower() != ls.TotalVotingPower() || ls.ValidateBasic() != nil {
			t.Fatalf("set %d: total power or ValidateBasic", i)
		}
		for j, v := range cs.Validators {
			if !bytes.Equal(v.Bytes(), ls.Validators[j].Bytes()) {
				t.Fatalf("set %d: validator %d bytes differ", i, j)
			}
		}
	}
	// a validator whose address is not its key's
	k := randKey(r)
	v := lightblock.NewValidator(k.PubKey().(ed25519.PubKey), 1)
	v.Address = randBytes(r, 20)
	if err := (&lightblock.ValidatorSet{Validators: []*lightblock.Validator{v}}).ValidateBasic(); err == nil {
		t.Fatal("validator with a wrong address accepted")
	}
}

func TestVoteSignBytes(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 500; i++ {
		s := newScenario(r)
		if i%5 == 0 {
			s.commit.Height = 0
		}
		if i%3 == 0 {
			s.commit.Round = int32(r.Intn(1000))
		}
		lc := lbCommit(s.commit)
		for j := range s.commit.Signatures {
			for _, chainID := range []string{s.chainID, ""} {
				if got, want := lc.VoteSignBytes(chainID, int32(j)), s.commit.VoteSignBytes(chainID, int32(j)); !bytes.Equal(got, want) {
					t.Fatalf("commit %d sig %d: sign bytes\n got %X\nwant %X", i, j, got, want)
				}
			}
		}
	}
}

// mutations of a scenario, each a way a commit can be wrong (or right).
var mutations = []struct {
	name string
	f    func(r *rand.Rand, s *scenario) (chainID string, height int64, id types.BlockID)
}{
	{"valid", nil},
	{"flipped signature byte", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		if i := s.present(r); i >= 0 {
			sig := s.commit.Signatures[i].Signature
			sig = bytes.Clone(sig)
			sig[r.Intn(len(sig))] ^= 1 << r.Intn(8)
			s.commit.Signatures[i].Signature = sig
		}
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"wrong chain id", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		return s.chainID + "x", s.commit.Height, s.commit.BlockID
	}},
	{"absent votes", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		for i := range s.commit.Signatures {
			if r.Intn(2) == 0 {
				s.sign(i, types.BlockIDFlagAbsent, time.Time{})
			}
		}
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"nil votes", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		for i := range s.commit.Signatures {
			if r.Intn(2) == 0 {
				s.sign(i, types.BlockIDFlagNil, s.header.Time)
			}
		}
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"vote for the block relabelled nil", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		i := r.Intn(len(s.commit.Signatures))
		if s.commit.Signatures[i].BlockIDFlag == types.BlockIDFlagCommit {
			s.commit.Signatures[i].BlockIDFlag = types.BlockIDFlagNil
		}
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"insufficient power", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		var total int64
		for i, v := range s.vals.Validators {
			if total+v.VotingPower > s.vals.TotalVotingPower()*2/3 {
				s.sign(i, types.BlockIDFlagAbsent, time.Time{})
			}
			total += v.VotingPower
		}
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"wrong validator address", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		i := r.Intn(len(s.commit.Signatures))
		if s.commit.Signatures[i].BlockIDFlag != types.BlockIDFlagAbsent {
			if r.Intn(2) == 0 {
				s.commit.Signatures[i].ValidatorAddress = randBytes(r, 20)
			} else {
				s.commit.Signatures[i].ValidatorAddress = s.vals.Validators[r.Intn(s.vals.Size())].Address
			}
		}
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"one validator signs twice", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		i, j := r.Intn(len(s.commit.Signatures)), r.Intn(len(s.commit.Signatures))
		if i != j {
			s.commit.Signatures[j] = s.commit.Signatures[i]
		}
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"wrong height asked", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		return s.chainID, s.commit.Height + 1, s.commit.BlockID
	}},
	{"commit height changed", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		s.commit.Height++
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"commit round changed", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		s.commit.Round++
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"wrong block id asked", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		id := s.commit.BlockID
		id.Hash = randBytes(r, 32)
		return s.chainID, s.commit.Height, id
	}},
	{"commit block id changed", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		s.commit.BlockID.PartSetHeader.Total++
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"short or long signature", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		if i := s.present(r); i >= 0 {
			sig := s.commit.Signatures[i].Signature
			if r.Intn(2) == 0 {
				s.commit.Signatures[i].Signature = sig[:len(sig)-1]
			} else {
				s.commit.Signatures[i].Signature = append(bytes.Clone(sig), make([]byte, 32)...)
			}
		}
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"signature removed", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		if i := s.present(r); i >= 0 {
			s.commit.Signatures[i].Signature = nil
		}
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"one entry fewer", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		s.commit.Signatures = s.commit.Signatures[:len(s.commit.Signatures)-1]
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"entries swapped", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		i, j := r.Intn(len(s.commit.Signatures)), r.Intn(len(s.commit.Signatures))
		s.commit.Signatures[i], s.commit.Signatures[j] = s.commit.Signatures[j], s.commit.Signatures[i]
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"unknown flag", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		s.commit.Signatures[r.Intn(len(s.commit.Signatures))].BlockIDFlag = types.BlockIDFlag(4 + r.Intn(3))
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
	{"signed by a validator of another set", func(r *rand.Rand, s *scenario) (string, int64, types.BlockID) {
		i := r.Intn(len(s.commit.Signatures))
		k := randKey(r)
		s.keys[string(k.PubKey().Address())] = k
		cs := &s.commit.Signatures[i]
		cs.BlockIDFlag, cs.ValidatorAddress, cs.Timestamp = types.BlockIDFlagCommit, k.PubKey().Address(), s.header.Time
		cs.Signature, _ = k.Sign(s.commit.VoteSignBytes(s.chainID, int32(i)))
		return s.chainID, s.commit.Height, s.commit.BlockID
	}},
}

// trustedSet is a set the commit may be checked against for skipping
// verification: the signers' own, the same keys with other powers, some
// of them with others, or others entirely.
func trustedSet(r *rand.Rand, s *scenario) *types.ValidatorSet {
	var vals []*types.Validator
	for _, v := range s.vals.Validators {
		switch r.Intn(4) {
		case 0:
			vals = append(vals, types.NewValidator(v.PubKey, 1+r.Int63n(200)))
		case 1:
			k := randKey(r)
			vals = append(vals, types.NewValidator(k.PubKey(), 1+r.Int63n(200)))
		default:
			vals = append(vals, types.NewValidator(v.PubKey, v.VotingPower))
		}
	}
	if r.Intn(3) == 0 {
		k := randKey(r)
		vals = append(vals, types.NewValidator(k.PubKey(), 1+r.Int63n(50)))
	}
	if r.Intn(4) == 0 {
		return s.vals
	}
	return types.NewValidatorSet(vals)
}

// check runs one scenario with mutation m through both implementations
// and returns CometBFT's VerifyCommit outcome.
func check(t *testing.T, seed int64, m int) string {
	r := rand.New(rand.NewSource(seed))
	s := newScenario(r)
	trusted := trustedSet(r, s)
	chainID, height, id := s.chainID, s.commit.Height, s.commit.BlockID
	if f := mutations[m].f; f != nil {
		chainID, height, id = f(r, s)
	}
	what := fmt.Sprintf("seed %d, %s", seed, mutations[m].name)
	lc, lv, lt := lbCommit(s.commit), lbSet(s.vals), lbSet(trusted)
	verdict := outcome(func() error { return types.VerifyCommit(chainID, s.vals, id, height, s.commit) })
	same(t, what+": VerifyCommit", verdict,
		outcome(func() error { return lightblock.VerifyCommit(chainID, lv, lbBlockID(id), height, lc) }))
	for _, tl := range []cmtmath.Fraction{{Numerator: 1, Denominator: 3}, {Numerator: 2, Denominator: 3}, {Numerator: 1, Denominator: 1}} {
		for _, set := range []struct {
			c *types.ValidatorSet
			l *lightblock.ValidatorSet
		}{{s.vals, lv}, {trusted, lt}} {
			same(t, fmt.Sprintf("%s: VerifyCommitLightTrustingAllSignatures %d/%d", what, tl.Numerator, tl.Denominator),
				outcome(func() error { return types.VerifyCommitLightTrustingAllSignatures(chainID, set.c, s.commit, tl) }),
				outcome(func() error {
					return lightblock.VerifyCommitLightTrustingAllSignatures(chainID, set.l, lc,
						lightblock.Fraction{Numerator: tl.Numerator, Denominator: tl.Denominator})
				}))
		}
	}
	return verdict
}

func TestVerifyCommitLikeCometBFT(t *testing.T) {
	seen := map[string]map[string]int{}
	for seed := int64(0); seed < 150; seed++ {
		for m := range mutations {
			o := check(t, seed, m)
			if strings.HasPrefix(o, "not enough") {
				o = "not enough"
			} else if strings.HasPrefix(o, "wrong signature") {
				o = "wrong signature"
			}
			if seen[mutations[m].name] == nil {
				seen[mutations[m].name] = map[string]int{}
			}
			seen[mutations[m].name][o]++
		}
	}
	for _, name := range []string{"valid", "absent votes", "nil votes"} {
		if seen[name]["ok"] == 0 {
			t.Errorf("%s: never accepted: %v", name, seen[name])
		}
	}
	for _, name := range []string{"flipped signature byte", "wrong chain id", "signature removed", "commit block id changed", "insufficient power", "wrong height asked",
		"commit height changed", "commit round changed", "wrong block id asked", "commit block id changed", "one entry fewer"} {
		if seen[name]["ok"] != 0 {
			t.Errorf("%s: accepted %d times", name, seen[name]["ok"])
		}
	}
	t.Logf("CometBFT's outcomes: %v", seen)
}

// FuzzVerifyCommit: a random scenario and mutation, through both.
func FuzzVerifyCommit(f *testing.F) {
	for m := range mutations {
		f.Add(int64(m), uint8(m))
	}
	f.Fuzz(func(t *testing.T, seed int64, m uint8) {
		check(t, seed, int(m)%len(mutations))
	})
}

// flagsFit: CometBFT keeps a commit signature's flag in a byte, so a
// decoded flag outside 0..255 is truncated there (and may become a valid
// flag); lightblock refuses it.
func flagsFit(p *cmtproto.SignedHeader) bool {
	if p.Commit == nil {
		return true
	}
	for _, s := range p.Commit.Signatures {
		if s.BlockIdFlag < 0 || s.BlockIdFlag > 255 {
			return false
		}
	}
	return true
}

// cometDecode is what bundle.DecodeBlock did with CometBFT: unmarshal,
// insist on the canonical encoding, convert.
func cometDecode(b []byte) (*types.SignedHeader, *cmtproto.SignedHeader, error) {
	var p cmtproto.SignedHeader
	if err := p.Unmarshal(b); err != nil {
		return nil, nil, err
	}
	if canon, err := p.Marshal(); err != nil || !bytes.Equal(canon, b) {
		return nil, &p, errors.New("not canonical")
	}
	sh, err := types.SignedHeaderFromProto(&p)
	return sh, &p, err
}

// FuzzUnmarshalSignedHeader: any bytes decode (and pass the conversion
// checks) in lightblock exactly when they do in CometBFT, to the same
// header.
func FuzzUnmarshalSignedHeader(f *testing.F) {
	r := rand.New(rand.NewSource(4))
	for i := 0; i < 8; i++ {
		s := newScenario(r)
		b, _ := (&types.SignedHeader{Header: s.header, Commit: s.commit}).ToProto().Marshal()
		f.Add(b)
		if i < 2 {
			b, _ = (&types.SignedHeader{Header: s.header}).ToProto().Marshal()
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		sh, err := lightblock.UnmarshalSignedHeader(b)
		if err == nil {
			err = sh.ValidateFromProto()
		}
		csh, p, cerr := cometDecode(b)
		if p != nil && !flagsFit(p) {
			if err == nil {
				t.Fatalf("a commit flag outside a byte accepted: %X", b)
			}
			return
		}
		if (err == nil) != (cerr == nil) {
			t.Fatalf("%X: CometBFT %v, lightblock %v", b, cerr, err)
		}
		if err != nil {
			return
		}
		if again, err := lightblock.MarshalSignedHeader(sh); err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%X: re-encodes as %X (%v)", b, again, err)
		}
		if (sh.Header == nil) != (csh.Header == nil) || (sh.Commit == nil) != (csh.Commit == nil) {
			t.Fatalf("%X: header or commit presence differs", b)
		}
		if sh.Header != nil && !bytes.Equal(sh.Hash(), csh.Hash()) {
			t.Fatalf("%X: hash %X, CometBFT %X", b, sh.Hash(), csh.Hash())
		}
		if sh.Header != nil && !sh.Time.Equal(csh.Time) {
			t.Fatalf("%X: time %s, CometBFT %s", b, sh.Time, csh.Time)
		}
		if sh.Commit != nil {
			for i, s := range csh.Commit.Signatures {
				if sh.Commit.Signatures[i].Timestamp != s.Timestamp || byte(sh.Commit.Signatures[i].BlockIDFlag) != byte(s.BlockIDFlag) {
					t.Fatalf("%X: signature %d differs", b, i)
				}
			}
		}
	})
}

// TestDecodeRefusals: encodings CometBFT's round trip refuses, and the
// one place lightblock is stricter.
func TestDecodeRefusals(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	s := newScenario(r)
	good, _ := (&types.SignedHeader{Header: s.header, Commit: s.commit}).ToProto().Marshal()
	if _, err := lightblock.UnmarshalSignedHeader(good); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"truncated", good[:len(good)-1]},
		{"fields swapped", func() []byte {
			var sp cmtproto.SignedHeader
			_ = sp.Unmarshal(good)
			h, _ := sp.Header.Marshal()
			c, _ := sp.Commit.Marshal()
			b := append([]byte{0x12}, appendLen(c)...)
			return append(b, append([]byte{0x0a}, appendLen(h)...)...)
		}()},
		{"header twice", func() []byte {
			var sp cmtproto.SignedHeader
			_ = sp.Unmarshal(good)
			h, _ := sp.Header.Marshal()
			return append(append([]byte{0x0a}, appendLen(h)...), good...)
		}()},
		{"unknown field", append(bytes.Clone(good), 0x1a, 0x00)},
		{"non-minimal length", func() []byte {
			var sp cmtproto.SignedHeader
			_ = sp.Unmarshal(good)
			h, _ := sp.Header.Marshal()
			l := appendLen(h)[:len(appendLen(h))-len(h)]
			l[len(l)-1] |= 0x80
			b := append(append([]byte{0x0a}, l...), 0x00)
			b = append(b, h...)
			c, _ := sp.Commit.Marshal()
			return append(b, append([]byte{0x12}, appendLen(c)...)...)
		}()},
	} {
		_, err := lightblock.UnmarshalSignedHeader(c.b)
		_, _, cerr := cometDecode(c.b)
		if err == nil || cerr == nil {
			t.Errorf("%s: lightblock %v, CometBFT %v", c.name, err, cerr)
		}
	}
	// a flag of 258 (2 in a byte): CometBFT reads a vote for the block,
	// lightblock refuses the encoding
	var sp cmtproto.SignedHeader
	_ = sp.Unmarshal(good)
	sp.Commit.Signatures[0].BlockIdFlag = 258
	b, _ := sp.Marshal()
	if _, err := lightblock.UnmarshalSignedHeader(b); err == nil {
		t.Error("a flag of 258 accepted")
	}
	if csh, _, err := cometDecode(b); err != nil || csh.Commit.Signatures[0].BlockIDFlag != types.BlockIDFlagCommit {
		t.Errorf("CometBFT no longer reads a flag of 258 as a vote for the block (%v): lightblock may follow", err)
	}
}

func appendLen(b []byte) []byte {
	var out []byte
	n := uint64(len(b))
	for n >= 0x80 {
		out = append(out, byte(n)|0x80)
		n >>= 7
	}
	return append(append(out, byte(n)), b...)
}
