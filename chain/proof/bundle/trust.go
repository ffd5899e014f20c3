package bundle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/proof/lightblock"
)

// TrustLevel is the share of a trusted validator set that must have signed
// a header for skipping verification (CometBFT's light client default).
var TrustLevel = lightblock.Fraction{Numerator: 1, Denominator: 3}

// DefaultTrustingPeriod bounds how old a trust root may be. A permissioned
// network changes validators rarely, and only by governance; 30 days
// leaves time to notice a department's key compromise.
const DefaultTrustingPeriod = 30 * 24 * time.Hour

// MaxClockDrift is how far in the future a header's time may be.
const MaxClockDrift = 10 * time.Second

// TrustRoot is what a verifier trusts before it checks anything: one block
// header of the chain, named by height and hash, obtained from the
// district or from several nodes that agree (govchain verify init-trust).
// Block carries that header with its commit and validator set, so headers
// after it can be verified from it offline.
type TrustRoot struct {
	ChainID string `json:"chain_id"`
	Height  int64  `json:"height"`
	// Hash is the header hash, upper-case hex as CometBFT prints it.
	Hash string `json:"hash"`
	// Time is the header's time (RFC 3339), for people; Block's is used.
	Time string `json:"time"`
	// TrustingPeriod (a Go duration such as "720h") is how long after its
	// time the root may be used.
	TrustingPeriod string `json:"trusting_period"`
	// Block is the light block at Height (EncodeBlock).
	Block []byte `json:"block"`
	// Sources says where the root came from (nodes that agreed, or the
	// district's publication).
	Sources []string `json:"sources,omitempty"`
}

// NewTrustRoot makes a trust root from a light block the caller trusts
// (cmtblock.NewTrustRoot from CometBFT's).
func NewTrustRoot(lb *lightblock.LightBlock, period time.Duration, sources []string) (*TrustRoot, error) {
	b, err := EncodeBlock(lb)
	if err != nil {
		return nil, err
	}
	return &TrustRoot{ChainID: lb.ChainID, Height: lb.Height, Hash: strings.ToUpper(hex.EncodeToString(lb.Hash())),
		Time: lb.Time.UTC().Format(time.RFC3339Nano), TrustingPeriod: period.String(), Block: b, Sources: sources}, nil
}

// ParseTrustRoot decodes a trust.json and checks it (Check).
func ParseTrustRoot(raw []byte) (*TrustRoot, *lightblock.LightBlock, error) {
	var t TrustRoot
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, nil, fail(StepTrust, "trust root is not valid JSON: %v", err)
	}
	lb, err := t.Check()
	if err != nil {
		return nil, nil, err
	}
	return &t, lb, nil
}

// Period is the trusting period (DefaultTrustingPeriod when unset).
func (t *TrustRoot) Period() (time.Duration, error) {
	if t.TrustingPeriod == "" {
		return DefaultTrustingPeriod, nil
	}
	d, err := time.ParseDuration(t.TrustingPeriod)
	if err != nil || d <= 0 {
		return 0, fail(StepTrust, "trusting_period %q is not a positive duration", t.TrustingPeriod)
	}
	return d, nil
}

// Check decodes the root's light block and checks it is the header the
// root names, self-consistent (its validator set signed it). It does not
// make the root trustworthy: that comes from where it was obtained.
func (t *TrustRoot) Check() (*lightblock.LightBlock, error) {
	if t.ChainID == "" || t.Height < 1 {
		return nil, fail(StepTrust, "trust root needs chain_id and a height ≥ 1")
	}
	want, err := hex.DecodeString(t.Hash)
	if err != nil || len(want) != 32 {
		return nil, fail(StepTrust, "trust root hash %q is not 64 hex characters", t.Hash)
	}
	if _, err := t.Period(); err != nil {
		return nil, err
	}
	lb, err := DecodeBlock(t.Block)
	if err != nil {
		return nil, rewrap(StepTrust, err, "trust root block")
	}
	if err := checkBlock(t.ChainID, lb); err != nil {
		return nil, rewrap(StepTrust, err, "trust root block")
	}
	if lb.Height != t.Height || !bytes.Equal(lb.Hash(), want) {
		return nil, fail(StepTrust, "trust root names header %d %X, its block is header %d %X", t.Height, want, lb.Height, lb.Hash())
	}
	return lb, nil
}

// checkBlock makes the checks that need no trust: a well-formed header
// for chainID, a commit for that header, the validator set the header
// names, and more than 2/3 of that set's power signing (every signature
// present is verified).
func checkBlock(chainID string, lb *lightblock.LightBlock) error {
	sh := lb.SignedHeader
	if err := sh.ValidateBasic(chainID); err != nil {
		return fail(StepHeader, "header %d: %v", sh.Height, err)
	}
	if err := lb.ValidatorSet.ValidateBasic(); err != nil {
		return fail(StepValidators, "header %d: %v", sh.Height, err)
	}
	if h := lb.ValidatorSet.Hash(); !bytes.Equal(sh.ValidatorsHash, h) {
		return fail(StepValidators, "header %d names validator set %X, the bundle's set hashes to %X", sh.Height, sh.ValidatorsHash, h)
	}
	if err := lightblock.VerifyCommit(chainID, lb.ValidatorSet, sh.Commit.BlockID, sh.Height, sh.Commit); err != nil {
		return wrap(StepCommit, err, "header %d", sh.Height)
	}
	// VerifyCommit finds each signature's validator by position; the
	// address next to it is not signed, so check it names that validator.
	for i, s := range sh.Commit.Signatures {
		if s.BlockIDFlag != lightblock.BlockIDFlagAbsent && !bytes.Equal(s.ValidatorAddress, lb.ValidatorSet.Validators[i].Address) {
			return fail(StepCommit, "header %d: signature %d names validator %X, the set has %X at that position", sh.Height, i, s.ValidatorAddress, lb.ValidatorSet.Validators[i].Address)
		}
	}
	return nil
}

// Signed counts the validators whose commit signature is for the block
// (all verified by checkBlock) and their power.
func Signed(lb *lightblock.LightBlock) (n int, power int64) {
	for _, s := range lb.Commit.Signatures {
		if s.BlockIDFlag == lightblock.BlockIDFlagCommit {
			if _, v := lb.ValidatorSet.GetByAddress(s.ValidatorAddress); v != nil {
				n++
				power += v.VotingPower
			}
		}
	}
	return n, power
}

// VerifyStep checks untrusted, already checked by checkBlock, from
// trusted under CometBFT's light-client rules: the trusted header must be
// within its trusting period at now; an adjacent header must be signed by
// the validator set the trusted header announced; a later one (skipping
// verification) must be signed by more than TrustLevel of the trusted
// set's power, then by more than 2/3 of its own set.
func VerifyStep(chainID string, trusted, untrusted *lightblock.LightBlock, period time.Duration, now time.Time) error {
	th, uh := trusted.SignedHeader, untrusted.SignedHeader
	if exp := th.Time.Add(period); !now.Before(exp) {
		return fail(StepTrust, "trusted header %d of %s expired at %s (trusting period %s): get a fresh trust root (govchain verify init-trust)",
			th.Height, th.Time.UTC().Format(time.RFC3339), exp.UTC().Format(time.RFC3339), period)
	}
	switch {
	case uh.Height == th.Height:
		if !bytes.Equal(uh.Hash(), th.Hash()) {
			return fail(StepTrust, "header %d is %X, the trusted header at that height is %X", uh.Height, uh.Hash(), th.Hash())
		}
		return nil
	case uh.Height < th.Height:
		return fail(StepTrust, "header %d is below the trust root (height %d): use an older trust root", uh.Height, th.Height)
	}
	if !uh.Time.After(th.Time) {
		return fail(StepHeader, "header %d time %s is not after trusted header %d time %s", uh.Height, uh.Time, th.Height, th.Time)
	}
	if uh.Time.After(now.Add(MaxClockDrift)) {
		return fail(StepHeader, "header %d time %s is in the future (now %s)", uh.Height, uh.Time.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if uh.Height == th.Height+1 {
		if !bytes.Equal(uh.ValidatorsHash, th.NextValidatorsHash) {
			return fail(StepValidators, "header %d is signed by validator set %X; trusted header %d announced %X", uh.Height, uh.ValidatorsHash, th.Height, th.NextValidatorsHash)
		}
		if !bytes.Equal(uh.LastBlockID.Hash, th.Hash()) {
			return fail(StepHeader, "header %d follows block %X, not the trusted header %X", uh.Height, uh.LastBlockID.Hash, th.Hash())
		}
		return nil
	}
	if err := lightblock.VerifyCommitLightTrustingAllSignatures(chainID, trusted.ValidatorSet, uh.Commit, TrustLevel); err != nil {
		return wrap(StepTrust, err, "header %d from trusted header %d (more than %d/%d of the trusted validators must sign)",
			uh.Height, th.Height, TrustLevel.Numerator, TrustLevel.Denominator)
	}
	return nil
}

// NotEnoughTrust reports whether err is a skipping step that failed only
// because too few trusted validators signed: verifying intermediate
// headers (bisection) may then succeed.
func NotEnoughTrust(err error) bool {
	var e lightblock.ErrNotEnoughVotingPowerSigned
	return errors.As(err, &e) && StepOf(err) == StepTrust
}

// VerifyChain verifies target from the trust root through via (ascending
// intermediate light blocks), each step under VerifyStep. It returns the
// decoded target.
func VerifyChain(chainID string, root *lightblock.LightBlock, period time.Duration, via []*lightblock.LightBlock, target *lightblock.LightBlock, now time.Time) error {
	trusted := root
	for _, lb := range append(append([]*lightblock.LightBlock{}, via...), target) {
		if err := checkBlock(chainID, lb); err != nil {
			return err
		}
		if err := VerifyStep(chainID, trusted, lb, period, now); err != nil {
			return err
		}
		trusted = lb
	}
	return nil
}
