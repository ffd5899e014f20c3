package recognition

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtmath "github.com/cometbft/cometbft/libs/math"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// HeaderUpdate is a light-client update: a partner's signed header (the
// protobuf encoding of cometbft.types.v1.SignedHeader: header + commit) and
// the partner's validator set at that height.
type HeaderUpdate struct {
	SignedHeader []byte      `json:"signed_header"`
	Validators   []Validator `json:"validators"`
}

// GovchainConfig is gov.Partner.Config for a partner of kind "govchain":
// its chain id, the light-client parameters, and the trust anchor — a
// signed header and the validator set at its height (typically an early
// header of the partner's chain and its genesis validators), chosen by the
// departments out of band and approved by the register_partner proposal.
type GovchainConfig struct {
	ChainID string `json:"chain_id"`
	// TrustingPeriod (Go duration, e.g. "336h"): a verified header is
	// trusted for this long after its time, judged against this chain's
	// block time. It must be shorter than the partner's unbonding or
	// key-rotation horizon; a partner header older than this cannot anchor
	// further updates and governance must register a fresh anchor.
	TrustingPeriod string `json:"trusting_period"`
	// MaxClockDrift (Go duration, default "10s"): how far a partner header
	// may be ahead of this chain's block time.
	MaxClockDrift string `json:"max_clock_drift,omitempty"`
	// TrustLevel (fraction in [1/3, 1], default "1/3"): the share of the
	// trusted validators' power that must sign a non-adjacent header.
	TrustLevel string `json:"trust_level,omitempty"`
	// MaxEvidenceAge (Go duration, default "1h"): a certificate is
	// recognised only on evidence from a partner header at most this old
	// at this chain's block time, so a relayer cannot recognise a
	// certificate on an old header from before its revocation.
	MaxEvidenceAge string       `json:"max_evidence_age,omitempty"`
	Anchor         HeaderUpdate `json:"anchor"`
}

// lcParams are a parsed GovchainConfig.
type lcParams struct {
	chainID        string
	trustingPeriod time.Duration
	maxClockDrift  time.Duration
	trustLevel     cmtmath.Fraction
	maxEvidenceAge time.Duration
	anchor         *verifiedHeader
}

// MaxValidators bounds a submitted validator set.
const MaxValidators = 300

// HeaderRecord is a verified partner header, at
// recognition/header/<partner>/<height>: its app hash proves the partner's
// state at version Height-1.
type HeaderRecord struct {
	Height     int64  `json:"height"`
	Time       string `json:"time"`
	HeaderHash string `json:"header_hash"`
	AppHash    string `json:"app_hash"`
	VerifiedAt int64  `json:"verified_at"` // local height
}

// verifiedHeader is a decoded, internally consistent signed header with
// its validator set (not yet trusted).
type verifiedHeader struct {
	sh   *cmttypes.SignedHeader
	vals *cmttypes.ValidatorSet
	list []Validator
}

// ValidatorSet builds a CometBFT validator set from (key, power) pairs, in
// CometBFT's canonical order (power descending, then address).
func ValidatorSet(list []Validator) (*cmttypes.ValidatorSet, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("empty validator set")
	}
	if len(list) > MaxValidators {
		return nil, fmt.Errorf("%d validators, at most %d", len(list), MaxValidators)
	}
	seen := map[string]bool{}
	var total int64
	vals := make([]*cmttypes.Validator, 0, len(list))
	for i, v := range list {
		if len(v.PubKey) != ed25519.PubKeySize {
			return nil, fmt.Errorf("validator %d: public key must be %d bytes of ed25519, got %d", i, ed25519.PubKeySize, len(v.PubKey))
		}
		if v.Power <= 0 || v.Power > cmttypes.MaxTotalVotingPower/int64(MaxValidators+1) {
			return nil, fmt.Errorf("validator %d: power %d outside 1..%d", i, v.Power, cmttypes.MaxTotalVotingPower/int64(MaxValidators+1))
		}
		if seen[string(v.PubKey)] {
			return nil, fmt.Errorf("validator %d: key %X listed twice", i, v.PubKey)
		}
		seen[string(v.PubKey)] = true
		total += v.Power
		vals = append(vals, cmttypes.NewValidator(ed25519.PubKey(bytes.Clone(v.PubKey)), v.Power))
	}
	return cmttypes.ValidatorSetFromExistingValidators(vals)
}

// ValidatorsFrom converts a CometBFT validator set to the wire form.
func ValidatorsFrom(vs *cmttypes.ValidatorSet) []Validator {
	out := make([]Validator, 0, len(vs.Validators))
	for _, v := range vs.Validators {
		out = append(out, Validator{PubKey: v.PubKey.Bytes(), Power: v.VotingPower})
	}
	return out
}

// decodeUpdate decodes u and checks what needs no trust: the header and
// commit are well formed, belong to chainID, the commit is for this header
// (the header hash), and the validator set hashes to the header's
// validators hash.
func decodeUpdate(u *HeaderUpdate, chainID string) (vh *verifiedHeader, err error) {
	defer func() {
		if r := recover(); r != nil {
			vh, err = nil, ErrBadHeader.Wrapf("malformed header update: %v", r)
		}
	}()
	if u == nil || len(u.SignedHeader) == 0 {
		return nil, ErrBadHeader.Wrapf("no signed header")
	}
	var pb cmtproto.SignedHeader
	if err := pb.Unmarshal(u.SignedHeader); err != nil {
		return nil, ErrBadHeader.Wrapf("decode signed header: %v", err)
	}
	sh, err := cmttypes.SignedHeaderFromProto(&pb)
	if err != nil {
		return nil, ErrBadHeader.Wrapf("decode signed header: %v", err)
	}
	if err := sh.ValidateBasic(chainID); err != nil {
		return nil, ErrBadHeader.Wrapf("height %d: %v", pb.GetHeader().GetHeight(), err)
	}
	if len(sh.AppHash) != sha256.Size {
		return nil, ErrBadHeader.Wrapf("height %d: app hash is %d bytes, want %d", sh.Height, len(sh.AppHash), sha256.Size)
	}
	vals, err := ValidatorSet(u.Validators)
	if err != nil {
		return nil, ErrBadHeader.Wrapf("height %d: validator set: %v", sh.Height, err)
	}
	if !bytes.Equal(sh.ValidatorsHash, vals.Hash()) {
		return nil, ErrBadHeader.Wrapf("height %d: header names validators %X, the submitted set hashes to %X", sh.Height, sh.ValidatorsHash, vals.Hash())
	}
	return &verifiedHeader{sh: sh, vals: vals, list: ValidatorsFrom(vals)}, nil
}

// ParseGovchainConfig parses and checks a govchain partner's config: the
// parameters are in range and the anchor is a header of ChainID signed by
// more than 2/3 of the validator set given with it.
func ParseGovchainConfig(raw json.RawMessage) (*lcParams, error) {
	var c GovchainConfig
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, ErrBadPartnerConfig.Wrapf("govchain partner config: %v", err)
	}
	p := &lcParams{chainID: c.ChainID, maxClockDrift: 10 * time.Second, trustLevel: cmtmath.Fraction{Numerator: 1, Denominator: 3}, maxEvidenceAge: time.Hour}
	if c.ChainID == "" || len(c.ChainID) > 50 {
		return nil, ErrBadPartnerConfig.Wrapf("chain_id must be 1..50 bytes")
	}
	var err error
	if p.trustingPeriod, err = time.ParseDuration(c.TrustingPeriod); err != nil || p.trustingPeriod <= 0 || p.trustingPeriod > 5*365*24*time.Hour {
		return nil, ErrBadPartnerConfig.Wrapf("trusting_period %q: a Go duration above 0 and at most 5 years, e.g. \"336h\"", c.TrustingPeriod)
	}
	if c.MaxClockDrift != "" {
		if p.maxClockDrift, err = time.ParseDuration(c.MaxClockDrift); err != nil || p.maxClockDrift < 0 || p.maxClockDrift > time.Hour {
			return nil, ErrBadPartnerConfig.Wrapf("max_clock_drift %q: a Go duration from 0 to 1h", c.MaxClockDrift)
		}
	}
	if c.MaxEvidenceAge != "" {
		if p.maxEvidenceAge, err = time.ParseDuration(c.MaxEvidenceAge); err != nil || p.maxEvidenceAge <= 0 || p.maxEvidenceAge > p.trustingPeriod {
			return nil, ErrBadPartnerConfig.Wrapf("max_evidence_age %q: a Go duration above 0 and at most the trusting period", c.MaxEvidenceAge)
		}
	}
	if c.TrustLevel != "" {
		n, d, ok := strings.Cut(c.TrustLevel, "/")
		num, e1 := strconv.ParseUint(n, 10, 32)
		den, e2 := strconv.ParseUint(d, 10, 32)
		if !ok || e1 != nil || e2 != nil || den == 0 || num*3 < den || num > den {
			return nil, ErrBadPartnerConfig.Wrapf("trust_level %q: a fraction in [1/3, 1], e.g. 1/3", c.TrustLevel)
		}
		p.trustLevel = cmtmath.Fraction{Numerator: num, Denominator: den}
	}
	a, err := decodeUpdate(&c.Anchor, c.ChainID)
	if err != nil {
		return nil, ErrBadPartnerConfig.Wrapf("anchor: %v", err)
	}
	if err := a.vals.VerifyCommitLight(c.ChainID, a.sh.Commit.BlockID, a.sh.Height, a.sh.Commit); err != nil {
		return nil, ErrBadPartnerConfig.Wrapf("anchor: the commit of height %d is not signed by more than 2/3 of the given validators: %v", a.sh.Height, err)
	}
	p.anchor = a
	return p, nil
}

func headerRecord(sh *cmttypes.SignedHeader, at int64) *HeaderRecord {
	return &HeaderRecord{Height: sh.Height, Time: rfc3339(sh.Time), HeaderHash: hex.EncodeToString(sh.Hash()),
		AppHash: hex.EncodeToString(sh.AppHash), VerifiedAt: at}
}

// client is a loaded light client of one govchain partner.
type client struct {
	partner *partnerInfo
	params  *lcParams
	state   *ClientState
	vals    *cmttypes.ValidatorSet
}

// loadClient returns the partner's light-client state, starting it from
// the governance anchor the first time and whenever governance replaced
// the anchor since.
func loadClient(ctx *module.Context, p *partnerInfo) (*client, error) {
	params, err := ParseGovchainConfig(p.Config)
	if err != nil {
		return nil, err
	}
	c := &client{partner: p, params: params}
	var cs ClientState
	found, err := module.GetJSON(ctx.Store, ClientKey(p.ID), &cs)
	if err != nil {
		return nil, err
	}
	if found && cs.AnchorDigest == p.Digest {
		c.state = &cs
		if c.vals, err = ValidatorSet(cs.Validators); err != nil {
			return nil, ErrBadPartnerConfig.Wrapf("stored validator set of %s: %v", p.ID, err)
		}
		return c, nil
	}
	// (Re)start from the anchor.
	a := params.anchor
	c.vals = a.vals
	c.state = &ClientState{Partner: p.ID, ChainID: params.chainID, AnchorDigest: p.Digest, Height: a.sh.Height,
		Time: rfc3339(a.sh.Time), HeaderHash: hex.EncodeToString(a.sh.Hash()), AppHash: hex.EncodeToString(a.sh.AppHash),
		NextValidatorsHash: hex.EncodeToString(a.sh.NextValidatorsHash), Validators: a.list, UpdatedHeight: ctx.Height}
	if err := ctx.Store.Set(HeaderKey(p.ID, a.sh.Height), module.MustJSON(headerRecord(a.sh, ctx.Height))); err != nil {
		return nil, err
	}
	return c, c.save(ctx)
}

func (c *client) save(ctx *module.Context) error {
	return ctx.Store.Set(ClientKey(c.partner.ID), module.MustJSON(c.state))
}

func (c *client) trustedTime() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, c.state.Time)
	return t
}

// update verifies u against the trusted state with CometBFT's light-client
// rules and, when it verifies, stores the header and makes it the trusted
// state. It returns the verified header's record.
func (c *client) update(ctx *module.Context, u *HeaderUpdate) (*HeaderRecord, error) {
	h, err := decodeUpdate(u, c.params.chainID)
	if err != nil {
		return nil, err
	}
	sh := h.sh
	// A header already verified is accepted again as is (two relayers
	// racing with the same header).
	var known HeaderRecord
	if ok, err := module.GetJSON(ctx.Store, HeaderKey(c.partner.ID, sh.Height), &known); err != nil {
		return nil, err
	} else if ok {
		if known.HeaderHash != hex.EncodeToString(sh.Hash()) {
			return nil, ErrBadHeader.Wrapf("height %d: header %X conflicts with the verified header %s (a fork of the partner's chain: report it to governance)", sh.Height, sh.Hash(), strings.ToUpper(known.HeaderHash))
		}
		return &known, nil
	}
	tt := c.trustedTime()
	// a) the trusted header is still within the trusting period.
	if exp := tt.Add(c.params.trustingPeriod); !exp.After(ctx.Time) {
		return nil, ErrTrustExpired.Wrapf("partner %s: trusted header %d (%s) expired at %s, block time is %s; governance must register a fresh trust anchor",
			c.partner.ID, c.state.Height, c.state.Time, rfc3339(exp), rfc3339(ctx.Time))
	}
	// b) the new header is newer, later, not from the future.
	if sh.Height <= c.state.Height {
		return nil, ErrBadHeader.Wrapf("height %d is not above the trusted height %d; prove against a verified header instead (recognition/header/%s/...)", sh.Height, c.state.Height, c.partner.ID)
	}
	if !sh.Time.After(tt) {
		return nil, ErrBadHeader.Wrapf("height %d: time %s is not after the trusted header's %s", sh.Height, rfc3339(sh.Time), c.state.Time)
	}
	if limit := ctx.Time.Add(c.params.maxClockDrift); !sh.Time.Before(limit) {
		return nil, ErrBadHeader.Wrapf("height %d: time %s is from the future (block time %s, max clock drift %s)", sh.Height, rfc3339(sh.Time), rfc3339(ctx.Time), c.params.maxClockDrift)
	}
	if sh.Height == c.state.Height+1 {
		// c) adjacent: the validators are the ones the trusted header announced.
		if hex.EncodeToString(sh.ValidatorsHash) != c.state.NextValidatorsHash {
			return nil, ErrBadHeader.Wrapf("height %d: validators %X are not the next validators %s announced by trusted header %d",
				sh.Height, sh.ValidatorsHash, strings.ToUpper(c.state.NextValidatorsHash), c.state.Height)
		}
	} else {
		// c) non-adjacent: trust_level of the trusted validators signed it.
		if err := c.vals.VerifyCommitLightTrusting(c.params.chainID, sh.Commit, c.params.trustLevel); err != nil {
			return nil, ErrBadCommit.Wrapf("height %d: not signed by %d/%d of the validators trusted at height %d: %v",
				sh.Height, c.params.trustLevel.Numerator, c.params.trustLevel.Denominator, c.state.Height, err)
		}
	}
	// d) more than 2/3 of the header's own validators signed it.
	if err := h.vals.VerifyCommitLight(c.params.chainID, sh.Commit.BlockID, sh.Height, sh.Commit); err != nil {
		return nil, ErrBadCommit.Wrapf("height %d: not signed by more than 2/3 of its validators: %v", sh.Height, err)
	}
	rec := headerRecord(sh, ctx.Height)
	if err := ctx.Store.Set(HeaderKey(c.partner.ID, sh.Height), module.MustJSON(rec)); err != nil {
		return nil, err
	}
	c.vals = h.vals
	c.state.Height, c.state.Time, c.state.HeaderHash, c.state.AppHash = sh.Height, rec.Time, rec.HeaderHash, rec.AppHash
	c.state.NextValidatorsHash, c.state.Validators, c.state.UpdatedHeight = hex.EncodeToString(sh.NextValidatorsHash), h.list, ctx.Height
	if err := c.save(ctx); err != nil {
		return nil, err
	}
	ctx.Emit(rectypes.EventClientUpdated, "partner", c.partner.ID, "height", strconv.FormatInt(sh.Height, 10))
	return rec, nil
}

// header returns the verified header at height (after an optional update).
func (c *client) header(ctx *module.Context, u *HeaderUpdate, height int64) (*HeaderRecord, error) {
	if u != nil {
		rec, err := c.update(ctx, u)
		if err != nil {
			return nil, err
		}
		if rec.Height != height {
			return nil, ErrBadInput.Wrapf("evidence height %d differs from the update's header height %d", height, rec.Height)
		}
		return rec, nil
	}
	var rec HeaderRecord
	ok, err := module.GetJSON(ctx.Store, HeaderKey(c.partner.ID, height), &rec)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrUnknownHeight.Wrapf("partner %s: no verified header at height %d; include a header update", c.partner.ID, height)
	}
	return &rec, nil
}

// GetClient reads a partner's light-client state (nil if never started).
func GetClient(kv state.KV, partner string) (*ClientState, error) {
	return module.Load[ClientState](kv, ClientKey(partner))
}
