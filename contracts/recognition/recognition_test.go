package recognition_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	cmtversionpb "github.com/cometbft/cometbft/api/cometbft/version/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/crypto/tmhash"
	cmttypes "github.com/cometbft/cometbft/types"
	cmtversion "github.com/cometbft/cometbft/version"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/contracts/recognition"
)

// Departments of chaintest chains: 0 ZWFW, 1 SCJG, 2 RSJ, 3 WJW.
const (
	zwfw = 0
	scjg = 1
	rsj  = 2
)

const partnerChainID = "tianjin-1"

// partner is a partner province: a real in-memory govchain (certificate
// module, SCJG holds issuer:BL) whose state proofs are real IAVL/ICS23
// proofs, plus CometBFT headers over its app hashes signed with its
// validators' real ed25519 keys (the chaintest departments' validator keys).
type partner struct {
	c       *chaintest.Chain
	officer *smcrypto.PrivateKey
	keys    []ed25519.PrivKey
}

func newPartner(t *testing.T) *partner {
	t.Helper()
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{certificate.Module{}}, Grants: map[string][]string{"SCJG": {"issuer:BL"}},
		Genesis: map[string]json.RawMessage{"certificate": json.RawMessage(`{"holder_salt":"00112233445566778899aabbccddeeff"}`)}})
	c.MustOK(c.Tx(c.Depts[scjg].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照 business licence", MaxValidityDays: 1825}))
	p := &partner{c: c, officer: c.Officer(scjg)}
	for _, d := range c.Depts {
		p.keys = append(p.keys, d.Val)
	}
	return p
}

func (p *partner) anchor(t *testing.T, hash string) {
	t.Helper()
	p.c.MustOK(p.c.Tx(p.officer, certificate.MsgAnchor, certificate.Anchor{Hash: hash, Type: "BL", LicenceNo: "津BL-2026-0001",
		HolderKind: identifier.HolderOrg, HolderRef: "91350100M000100Y43", IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2030-12-31"}))
}

func (p *partner) status(t *testing.T, msg, hash string) {
	t.Helper()
	p.c.MustOK(p.c.Tx(p.officer, msg, certificate.StatusChange{Hash: hash, Reason: "04"}))
}

// hdr describes a partner header to build.
type hdr struct {
	chainID  string
	height   int64 // header height; its app hash is the partner's root at height-1 unless appHash is set
	time     time.Time
	appHash  []byte
	vals     []ed25519.PrivKey // the header's validators (default: the partner's)
	next     []ed25519.PrivKey // next validators (default: vals)
	signers  func(i int) bool  // which validators (canonical order) sign; default all
	tamper   func(sh *cmttypes.SignedHeader)
	tamperVs func(v []recognition.Validator) []recognition.Validator
}

func valSet(keys []ed25519.PrivKey) *cmttypes.ValidatorSet {
	var vs []*cmttypes.Validator
	for _, k := range keys {
		vs = append(vs, cmttypes.NewValidator(k.PubKey(), 10))
	}
	set, err := cmttypes.ValidatorSetFromExistingValidators(vs)
	if err != nil {
		panic(err)
	}
	return set
}

// headerTime is the partner's header time for height h (as chaintest: one
// block a second from its genesis time).
func headerTime(h int64) time.Time { return chaintest.Genesis0.Add(time.Duration(h) * time.Second) }

func (p *partner) root(t testing.TB, version int64) []byte {
	v, err := p.c.Store.At(version)
	if err != nil {
		t.Fatal(err)
	}
	return v.Hash()
}

func (p *partner) update(t testing.TB, o hdr) *recognition.HeaderUpdate {
	t.Helper()
	if o.chainID == "" {
		o.chainID = partnerChainID
	}
	if o.time.IsZero() {
		o.time = headerTime(o.height)
	}
	if o.appHash == nil {
		o.appHash = p.root(t, o.height-1)
	}
	if o.vals == nil {
		o.vals = p.keys
	}
	if o.next == nil {
		o.next = o.vals
	}
	vals, next := valSet(o.vals), valSet(o.next)
	h := &cmttypes.Header{
		Version: cmtversionpb.Consensus{Block: cmtversion.BlockProtocol}, ChainID: o.chainID, Height: o.height, Time: o.time,
		LastBlockID:    cmttypes.BlockID{Hash: tmhash.Sum([]byte("last")), PartSetHeader: cmttypes.PartSetHeader{Total: 1, Hash: tmhash.Sum([]byte("lastparts"))}},
		LastCommitHash: tmhash.Sum([]byte("lc")), DataHash: tmhash.Sum([]byte("data")), ValidatorsHash: vals.Hash(), NextValidatorsHash: next.Hash(),
		ConsensusHash: tmhash.Sum([]byte("cons")), AppHash: o.appHash, LastResultsHash: tmhash.Sum([]byte("res")), EvidenceHash: tmhash.Sum([]byte("ev")),
		ProposerAddress: vals.Validators[0].Address,
	}
	bid := cmttypes.BlockID{Hash: h.Hash(), PartSetHeader: cmttypes.PartSetHeader{Total: 1, Hash: tmhash.Sum([]byte("parts"))}}
	commit := &cmttypes.Commit{Height: o.height, Round: 0, BlockID: bid}
	byAddr := map[string]ed25519.PrivKey{}
	for _, k := range o.vals {
		byAddr[string(k.PubKey().Address())] = k
	}
	for i, v := range vals.Validators {
		if o.signers != nil && !o.signers(i) {
			commit.Signatures = append(commit.Signatures, cmttypes.CommitSig{BlockIDFlag: cmttypes.BlockIDFlagAbsent})
			continue
		}
		vote := &cmttypes.Vote{Type: cmtproto.PrecommitType, Height: o.height, Round: 0, BlockID: bid, Timestamp: o.time,
			ValidatorAddress: v.Address, ValidatorIndex: int32(i)}
		sig, err := byAddr[string(v.Address)].Sign(cmttypes.VoteSignBytes(o.chainID, vote.ToProto()))
		if err != nil {
			t.Fatal(err)
		}
		commit.Signatures = append(commit.Signatures, cmttypes.CommitSig{BlockIDFlag: cmttypes.BlockIDFlagCommit, ValidatorAddress: v.Address, Timestamp: o.time, Signature: sig})
	}
	sh := &cmttypes.SignedHeader{Header: h, Commit: commit}
	if o.tamper != nil {
		o.tamper(sh)
	}
	raw, err := sh.ToProto().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	list := recognition.ValidatorsFrom(vals)
	if o.tamperVs != nil {
		list = o.tamperVs(list)
	}
	return &recognition.HeaderUpdate{SignedHeader: raw, Validators: list}
}

// evidence proves cert/rec/<hash> at the partner's version height-1 under
// header height (with an update when u is non-nil).
func (p *partner) evidence(t testing.TB, hash string, height int64, u *recognition.HeaderUpdate) recognition.Evidence {
	t.Helper()
	v, err := p.c.Store.At(height - 1)
	if err != nil {
		t.Fatal(err)
	}
	val, ops, err := v.Prove(certificate.RecordKey(hash))
	if err != nil {
		t.Fatal(err)
	}
	if val == nil {
		t.Fatalf("partner has no record of %s at %d", hash, height-1)
	}
	return recognition.Evidence{Partner: "TJ", Hash: hash, Govchain: &recognition.GovchainEvidence{Update: u, HeaderHeight: height, Record: val, Proof: ops}}
}

// district is this chain: certificate, gov and recognition; BL is defined
// locally; ZWFW holds gov:recognition.
type district struct {
	c       *chaintest.Chain
	relayer *smcrypto.PrivateKey // an RSJ officer: any active identity may relay
}

func newDistrict(t *testing.T) *district {
	t.Helper()
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{certificate.Module{}, gov.Module{}, recognition.Module{}},
		Grants: map[string][]string{"ZWFW": {recognition.GovGrant}}})
	c.MustOK(c.Tx(c.Depts[scjg].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照 business licence", MaxValidityDays: 1825}))
	return &district{c: c, relayer: c.Officer(rsj)}
}

// pass proposes kind/action by ZWFW and has SCJG and RSJ approve (MAJORITY of 4).
func (d *district) pass(t *testing.T, kind string, action any) {
	t.Helper()
	raw, _ := json.Marshal(action)
	r := d.c.MustOK(d.c.Tx(d.c.Depts[zwfw].Admin, gov.MsgPropose, gov.Propose{Kind: kind, Action: raw, Reason: "test"}))
	id, _ := strconv.ParseUint(string(r.Data), 10, 64)
	d.c.MustOK(d.c.Tx(d.c.Depts[scjg].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}))
	d.c.MustOK(d.c.Tx(d.c.Depts[rsj].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}))
	p, err := gov.Get(d.c.View(), id)
	if err != nil || p.Status != gov.Passed {
		t.Fatalf("proposal %d: %+v %v", id, p, err)
	}
}

func partnerConfig(t testing.TB, p *partner, anchorHeight int64, mod func(*recognition.GovchainConfig)) json.RawMessage {
	t.Helper()
	cfg := recognition.GovchainConfig{ChainID: partnerChainID, TrustingPeriod: "336h", Anchor: *p.update(t, hdr{height: anchorHeight})}
	if mod != nil {
		mod(&cfg)
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// register registers partner TJ by governance and sets the BL agreement
// by a gov execute proposal.
func (d *district) register(t *testing.T, cfg json.RawMessage) {
	t.Helper()
	d.pass(t, gov.KindRegisterPartner, gov.Partner{ID: "TJ", Name: "天津市 Tianjin", Kind: recognition.KindGovchain, Config: cfg})
	body, _ := json.Marshal(recognition.Agreement{Partner: "TJ", PartnerType: "BL", LocalType: "BL", Conditions: "京津冀营业执照互认协议 (test)"})
	d.pass(t, gov.KindExecute, gov.Execute{Type: recognition.MsgSetAgreement, Body: body})
}

func (d *district) tx(typ string, m any) []byte { return d.c.Tx(d.relayer, typ, m) }

func (d *district) record(t testing.TB, hash string) *recognition.Record {
	t.Helper()
	r, err := recognition.GetRecord(d.c.View(), hash)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// expectCode delivers raw, checks its exact code in CheckTx and in
// FinalizeBlock, and that the rejected tx changed no state beyond the
// chain's per-block bookkeeping.
func expectCode(t *testing.T, c *chaintest.Chain, raw []byte, want *errs.Error, msgParts ...string) {
	t.Helper()
	cr := c.Check(raw)
	if cr.Code != want.Code || cr.Codespace != want.Codespace {
		t.Fatalf("CheckTx: got %s/%d %q, want %s/%d", cr.Codespace, cr.Code, cr.Log, want.Codespace, want.Code)
	}
	d0 := c.Dump()
	c.Block()
	before := c.Dump()
	bookkeeping := map[string]bool{}
	for k, v := range before {
		if d0[k] != v {
			bookkeeping[k] = true
		}
	}
	var r *abci.ExecTxResult = c.Block(raw).TxResults[0]
	if r.Code != want.Code || r.Codespace != want.Codespace {
		t.Fatalf("FinalizeBlock: got %s/%d %q, want %s/%d", r.Codespace, r.Code, r.Log, want.Codespace, want.Code)
	}
	for _, p := range msgParts {
		if !strings.Contains(r.Log, p) {
			t.Errorf("log %q does not mention %q", r.Log, p)
		}
	}
	after := c.Dump()
	if len(before) != len(after) {
		t.Fatalf("rejected tx changed the number of keys: %d -> %d", len(before), len(after))
	}
	for k, v := range before {
		if !bookkeeping[k] && after[k] != v {
			t.Fatalf("rejected tx changed %s", k)
		}
	}
}

func TestRecogniseAndRevoke(t *testing.T) {
	p := newPartner(t)
	anchorH := p.c.Height + 1 // header over the partner's current state
	hash := smcrypto.SM3Hex([]byte("津 business licence 0001"))
	p.anchor(t, hash)
	d := newDistrict(t)
	d.register(t, partnerConfig(t, p, anchorH, nil))

	// Recognise with a light-client update to the header over the anchored record.
	h1 := p.c.Height + 1
	ev := p.evidence(t, hash, h1, p.update(t, hdr{height: h1}))
	d.c.MustOK(d.tx(recognition.MsgRecognise, ev))
	r := d.record(t, hash)
	if r == nil || r.Status != recognition.StatusRecognised || r.Partner != "TJ" || r.PartnerType != "BL" || r.LocalType != "BL" ||
		r.Issuer != "SCJG" || r.PartnerHeight != h1-1 || r.PartnerStatus != certificate.StatusValid || r.PartnerChain != partnerChainID || r.LicenceNo != "津BL-2026-0001" {
		t.Fatalf("record: %+v", r)
	}
	cs, _ := recognition.GetClient(d.c.View(), "TJ")
	if cs == nil || cs.Height != h1 {
		t.Fatalf("client state not advanced to %d: %+v", h1, cs)
	}
	// The record is provable at its stable key.
	v := d.c.View()
	val, ops, err := v.Prove(recognition.RecordKey(hash))
	if err != nil || val == nil {
		t.Fatal(err)
	}
	if err := proof.VerifyMembership(v.Hash(), recognition.RecordKey(hash), val, ops); err != nil {
		t.Fatal(err)
	}
	// Recognising again is refused.
	expectCode(t, d.c, d.tx(recognition.MsgRecognise, p.evidence(t, hash, h1, nil)), recognition.ErrAlreadyDone, "recognised from TJ")

	// Evidence that the record is still valid cannot revoke.
	p.c.Block()
	h2 := p.c.Height + 1
	expectCode(t, d.c, d.tx(recognition.MsgRevoke, p.evidence(t, hash, h2, p.update(t, hdr{height: h2}))), recognition.ErrNotRevoked, "is valid")
	// The partner revokes; the relayer follows with a newer header.
	p.status(t, certificate.MsgRevoke, hash)
	h3 := p.c.Height + 1
	// update_client first, then revoke against the stored header.
	d.c.MustOK(d.tx(recognition.MsgUpdateClient, recognition.UpdateClient{Partner: "TJ", Update: *p.update(t, hdr{height: h3})}))
	d.c.MustOK(d.tx(recognition.MsgRevoke, p.evidence(t, hash, h3, nil)))
	r = d.record(t, hash)
	if r.Status != recognition.StatusRevoked || r.PartnerStatus != certificate.StatusRevoked || r.PartnerHeight != h3-1 || len(r.History) != 2 {
		t.Fatalf("record after revoke: %+v", r)
	}
	expectCode(t, d.c, d.tx(recognition.MsgRevoke, p.evidence(t, hash, h3, nil)), recognition.ErrStale, "already revoked")
}

func TestAgreementRules(t *testing.T) {
	p := newPartner(t)
	anchorH := p.c.Height + 1
	hash := smcrypto.SM3Hex([]byte("licence A"))
	p.anchor(t, hash)
	d := newDistrict(t)
	d.pass(t, gov.KindRegisterPartner, gov.Partner{ID: "TJ", Name: "天津市", Kind: recognition.KindGovchain, Config: partnerConfig(t, p, anchorH, nil)})
	h := p.c.Height + 1
	u := p.update(t, hdr{height: h})

	// No agreement yet.
	expectCode(t, d.c, d.tx(recognition.MsgRecognise, p.evidence(t, hash, h, u)), recognition.ErrNoAgreement, "BL")
	// Only governance (or a holder of gov:recognition) sets agreements.
	a := recognition.Agreement{Partner: "TJ", PartnerType: "BL", LocalType: "BL", FromHeight: d.c.Height + 100}
	expectCode(t, d.c, d.c.Tx(d.c.Depts[scjg].Admin, recognition.MsgSetAgreement, a), identity.ErrNoGrant, recognition.GovGrant)
	bad := a
	bad.LocalType = "NOPE"
	expectCode(t, d.c, d.c.Tx(d.c.Depts[zwfw].Admin, recognition.MsgSetAgreement, bad), recognition.ErrBadInput, "NOPE")
	bad = a
	bad.Partner = "SH"
	expectCode(t, d.c, d.c.Tx(d.c.Depts[zwfw].Admin, recognition.MsgSetAgreement, bad), recognition.ErrUnknownPartner, "SH")
	// conditions people read must say what they show (chain/readable)
	bad = a
	bad.Conditions = "京津冀互认，有效期至\u202E2030\u202C"
	expectCode(t, d.c, d.c.Tx(d.c.Depts[zwfw].Admin, recognition.MsgSetAgreement, bad), recognition.ErrUnreadable,
		"conditions contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 30 (format/bidi control characters are not allowed)")
	d.c.MustOK(d.c.Tx(d.c.Depts[zwfw].Admin, recognition.MsgSetAgreement, a))
	expectCode(t, d.c, d.tx(recognition.MsgRecognise, p.evidence(t, hash, h, u)), recognition.ErrNotInForce, "from height")
	a.FromHeight, a.FromTime = 0, "2027-01-01T00:00:00+08:00"
	d.c.MustOK(d.c.Tx(d.c.Depts[zwfw].Admin, recognition.MsgSetAgreement, a))
	expectCode(t, d.c, d.tx(recognition.MsgRecognise, p.evidence(t, hash, h, u)), recognition.ErrNotInForce, "2027-01-01")
	a.FromTime = "2025-12-31T00:00:00+08:00"
	d.c.MustOK(d.c.Tx(d.c.Depts[zwfw].Admin, recognition.MsgSetAgreement, a))
	d.c.MustOK(d.tx(recognition.MsgRecognise, p.evidence(t, hash, h, u)))
}

// TestTamperedEvidenceRejected: every way of bending the evidence is
// refused with its own reason, in CheckTx and FinalizeBlock, and changes
// nothing.
func TestTamperedEvidenceRejected(t *testing.T) {
	p := newPartner(t)
	anchorH := p.c.Height + 1
	hash := smcrypto.SM3Hex([]byte("licence T"))
	other := smcrypto.SM3Hex([]byte("licence U"))
	p.anchor(t, hash)
	p.anchor(t, other)
	suspended := smcrypto.SM3Hex([]byte("licence S"))
	p.anchor(t, suspended)
	p.status(t, certificate.MsgSuspend, suspended)
	d := newDistrict(t)
	d.register(t, partnerConfig(t, p, anchorH, nil))
	h := p.c.Height + 1
	good := func() recognition.Evidence { return p.evidence(t, hash, h, p.update(t, hdr{height: h})) }
	strangers := []ed25519.PrivKey{ed25519.GenPrivKey(), ed25519.GenPrivKey(), ed25519.GenPrivKey(), ed25519.GenPrivKey()}

	cases := []struct {
		name  string
		ev    func() recognition.Evidence
		want  *errs.Error
		parts []string
	}{
		{"header of another chain", func() recognition.Evidence {
			return p.evidence(t, hash, h, p.update(t, hdr{height: h, chainID: "shanghai-1"}))
		}, recognition.ErrBadHeader, []string{"another chain"}},
		{"app hash changed after signing", func() recognition.Evidence {
			return p.evidence(t, hash, h, p.update(t, hdr{height: h, tamper: func(sh *cmttypes.SignedHeader) { sh.AppHash = bytes.Repeat([]byte{7}, 32) }}))
		}, recognition.ErrBadHeader, []string{"commit signs block"}},
		{"commit signature flipped", func() recognition.Evidence {
			return p.evidence(t, hash, h, p.update(t, hdr{height: h, tamper: func(sh *cmttypes.SignedHeader) { sh.Commit.Signatures[0].Signature[5] ^= 1 }}))
		}, recognition.ErrBadCommit, []string{"wrong signature"}},
		{"commit signed by 2 of 4", func() recognition.Evidence {
			return p.evidence(t, hash, h, p.update(t, hdr{height: h, signers: func(i int) bool { return i < 2 }}))
		}, recognition.ErrBadCommit, []string{"more than 2/3"}},
		{"validator set missing a member", func() recognition.Evidence {
			return p.evidence(t, hash, h, p.update(t, hdr{height: h, tamperVs: func(v []recognition.Validator) []recognition.Validator { return v[1:] }}))
		}, recognition.ErrBadHeader, []string{"submitted set hashes to"}},
		{"validator power inflated", func() recognition.Evidence {
			return p.evidence(t, hash, h, p.update(t, hdr{height: h, tamperVs: func(v []recognition.Validator) []recognition.Validator { v[0].Power = 1000; return v }}))
		}, recognition.ErrBadHeader, []string{"submitted set hashes to"}},
		{"signed by validators the partner never trusted", func() recognition.Evidence {
			return p.evidence(t, hash, h, p.update(t, hdr{height: h, vals: strangers}))
		}, recognition.ErrBadCommit, []string{"validators trusted at height"}},
		{"header from the future", func() recognition.Evidence {
			return p.evidence(t, hash, h, p.update(t, hdr{height: h, time: chaintest.Genesis0.Add(24 * time.Hour)}))
		}, recognition.ErrBadHeader, []string{"from the future"}},
		{"header not later than the trusted one", func() recognition.Evidence {
			return p.evidence(t, hash, h, p.update(t, hdr{height: h, time: headerTime(anchorH)}))
		}, recognition.ErrBadHeader, []string{"is not after"}},
		{"no header at that height", func() recognition.Evidence { return p.evidence(t, hash, h, nil) }, recognition.ErrUnknownHeight, []string{"no verified header"}},
		{"proof byte flipped", func() recognition.Evidence {
			e := good()
			e.Govchain.Proof[len(e.Govchain.Proof)-3] ^= 1
			return e
		}, recognition.ErrBadProof, nil},
		{"record changed (status)", func() recognition.Evidence {
			e := good()
			e.Govchain.Record = bytes.Replace(e.Govchain.Record, []byte(`"status":"valid"`), []byte(`"status":"valid" `), 1)
			return e
		}, recognition.ErrBadProof, []string{"value hash mismatch"}},
		{"proof of another certificate", func() recognition.Evidence {
			e := p.evidence(t, other, h, p.update(t, hdr{height: h}))
			e.Hash = hash
			return e
		}, recognition.ErrBadProof, []string{"proof is for key"}},
		{"suspended at the partner", func() recognition.Evidence {
			return p.evidence(t, suspended, h, p.update(t, hdr{height: h}))
		}, recognition.ErrNotValid, []string{"suspended"}},
		{"unknown partner", func() recognition.Evidence { e := good(); e.Partner = "SH"; return e }, recognition.ErrUnknownPartner, nil},
		{"evidence of the wrong kind", func() recognition.Evidence {
			e := good()
			e.Fabric = &recognition.FabricEvidence{}
			return e
		}, recognition.ErrWrongKind, nil},
		{"malformed signed header", func() recognition.Evidence {
			e := good()
			e.Govchain.Update.SignedHeader = e.Govchain.Update.SignedHeader[:40]
			return e
		}, recognition.ErrBadHeader, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectCode(t, d.c, d.tx(recognition.MsgRecognise, tc.ev()), tc.want, tc.parts...)
		})
	}
	// An adjacent header must carry the validators the trusted header announced.
	t.Run("adjacent header with other validators", func(t *testing.T) {
		expectCode(t, d.c, d.tx(recognition.MsgUpdateClient, recognition.UpdateClient{Partner: "TJ", Update: *p.update(t, hdr{height: anchorH + 1, vals: strangers})}),
			recognition.ErrBadHeader, "are not the next validators")
	})
	// The untampered evidence still works afterwards.
	d.c.MustOK(d.tx(recognition.MsgRecognise, good()))
	// A conflicting header at a verified height is a fork, refused.
	t.Run("conflicting header at a verified height", func(t *testing.T) {
		expectCode(t, d.c, d.tx(recognition.MsgUpdateClient, recognition.UpdateClient{Partner: "TJ", Update: *p.update(t, hdr{height: h, appHash: bytes.Repeat([]byte{9}, 32)})}),
			recognition.ErrBadHeader, "fork")
	})
	t.Run("height not above the trusted one", func(t *testing.T) {
		expectCode(t, d.c, d.tx(recognition.MsgUpdateClient, recognition.UpdateClient{Partner: "TJ", Update: *p.update(t, hdr{height: h - 1})}),
			recognition.ErrBadHeader, "not above the trusted height")
	})
}

// TestTrustingPeriodAndEvidenceAge: time is the block time.
func TestTrustingPeriodAndEvidenceAge(t *testing.T) {
	p := newPartner(t)
	anchorH := p.c.Height + 1
	hash := smcrypto.SM3Hex([]byte("licence E"))
	p.anchor(t, hash)
	d := newDistrict(t)
	// Anchor time = chaintest genesis + anchorH s; the district is already
	// past genesis + 20 s, so a 20 s trusting period has run out.
	d.register(t, partnerConfig(t, p, anchorH, func(c *recognition.GovchainConfig) { c.TrustingPeriod = "20s" }))
	for d.c.Height < 25 {
		d.c.Block()
	}
	h := p.c.Height + 1
	expectCode(t, d.c, d.tx(recognition.MsgRecognise, p.evidence(t, hash, h, p.update(t, hdr{height: h}))), recognition.ErrTrustExpired, "fresh trust anchor")

	// Governance replaces the anchor: the client restarts from it.
	d.pass(t, gov.KindRegisterPartner, gov.Partner{ID: "TJ", Name: "天津市", Kind: recognition.KindGovchain,
		Config: partnerConfig(t, p, h, func(c *recognition.GovchainConfig) { c.MaxEvidenceAge = "30s" })})
	// The anchor header itself is old news after 30 s of district time.
	for d.c.Height < 60 {
		d.c.Block()
	}
	expectCode(t, d.c, d.tx(recognition.MsgRecognise, p.evidence(t, hash, h, nil)), recognition.ErrStale, "max evidence age")
	// A fresh header (time within the evidence age) works.
	p.c.Block()
	h2 := p.c.Height + 1
	fresh := chaintest.Genesis0.Add(time.Duration(d.c.Height) * time.Second)
	d.c.MustOK(d.tx(recognition.MsgRecognise, p.evidence(t, hash, h2, p.update(t, hdr{height: h2, time: fresh}))))
}

func TestGovchainConfigRejected(t *testing.T) {
	p := newPartner(t)
	anchorH := p.c.Height + 1
	for _, tc := range []struct {
		name string
		mod  func(*recognition.GovchainConfig)
		part string
	}{
		{"no chain id", func(c *recognition.GovchainConfig) { c.ChainID = "" }, "chain_id"},
		{"bad trusting period", func(c *recognition.GovchainConfig) { c.TrustingPeriod = "two weeks" }, "trusting_period"},
		{"trust level below 1/3", func(c *recognition.GovchainConfig) { c.TrustLevel = "1/4" }, "trust_level"},
		{"anchor of another chain", func(c *recognition.GovchainConfig) { c.ChainID = "beijing-1" }, "another chain"},
		{"anchor validators incomplete", func(c *recognition.GovchainConfig) { c.Anchor.Validators = c.Anchor.Validators[:3] }, "hashes to"},
		{"anchor not signed by 2/3", func(c *recognition.GovchainConfig) {
			c.Anchor = *p.update(t, hdr{height: anchorH, signers: func(i int) bool { return i == 0 }})
		}, "more than 2/3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := recognition.ParseGovchainConfig(partnerConfig(t, p, anchorH, tc.mod))
			if !errsIs(err, recognition.ErrBadPartnerConfig) || !strings.Contains(err.Error(), tc.part) {
				t.Fatalf("got %v, want %v mentioning %q", err, recognition.ErrBadPartnerConfig, tc.part)
			}
		})
	}
}

func errsIs(err error, want *errs.Error) bool {
	e := errs.From(err)
	return e != nil && e.Code == want.Code && e.Codespace == want.Codespace
}
