package recognition

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// Module is the recognition contract.
type Module struct{}

func (Module) Name() string { return Name }

func (Module) Routes() []module.Route {
	return []module.Route{
		{Type: MsgSetAgreement, AnyRole: []string{identity.RoleAdmin}, Handle: module.Handler(setAgreement),
			Summary: "Set a recognition agreement: a partner's certificate type is recognised as a local type (needs grant gov:recognition; executed by governance)."},
		{Type: MsgUpdateClient, Handle: module.Handler(updateClient),
			Summary: "Relayer: advance a govchain partner's light client with a signed header, commit and validator set."},
		{Type: MsgRecognise, Handle: module.Handler(recognise),
			Summary: "Relayer: recognise a partner's certificate on evidence verified on chain (light-client header + ICS23 proof, or Fabric endorsements)."},
		{Type: MsgRevoke, Handle: module.Handler(revoke),
			Summary: "Relayer: revoke a recognition on evidence that the partner revoked the certificate at a newer height."},
	}
}

func (Module) InitGenesis(*module.Context, json.RawMessage) error { return nil }

// UpdateClient advances a govchain partner's light client.
type UpdateClient struct {
	Partner string       `json:"partner"`
	Update  HeaderUpdate `json:"update"`
}

// Evidence is the body of recognition.recognise and recognition.revoke:
// the certificate hash and, for the partner's kind, what proves the
// partner's record.
type Evidence struct {
	Partner  string            `json:"partner"`
	Hash     string            `json:"hash"`
	Govchain *GovchainEvidence `json:"govchain,omitempty"`
	Fabric   *FabricEvidence   `json:"fabric,omitempty"`
}

// GovchainEvidence proves a govchain partner's certificate record: Record
// is the value of cert/rec/<hash> in the partner's state at version
// HeaderHeight-1 and Proof its ICS23 proof against the app hash of the
// partner's header HeaderHeight, which is either verified now (Update) or
// was verified before (recognition/header/<partner>/<height>).
type GovchainEvidence struct {
	Update       *HeaderUpdate `json:"update,omitempty"`
	HeaderHeight int64         `json:"header_height"`
	Record       []byte        `json:"record"`
	Proof        []byte        `json:"proof"`
}

// partnerInfo is a registered partner (gov/partner/<id>).
type partnerInfo struct {
	gov.Partner
	Digest string // hex SHA-256 of the stored record
}

func loadPartner(kv state.KV, id string) (*partnerInfo, error) {
	if !codeRe.MatchString(id) {
		return nil, ErrBadInput.Wrapf("partner id %q is malformed", id)
	}
	b, err := kv.Get(gov.PartnerKey(id))
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, ErrUnknownPartner.Wrapf("no partner %q is registered (governance: register_partner)", id)
	}
	p := &partnerInfo{}
	if err := json.Unmarshal(b, &p.Partner); err != nil {
		return nil, ErrBadPartnerConfig.Wrapf("partner %s record: %v", id, err)
	}
	d := sha256.Sum256(b)
	p.Digest = hex.EncodeToString(d[:])
	return p, nil
}

// checkConfig parses the partner's config for its kind.
func checkConfig(p *partnerInfo) error {
	switch p.Kind {
	case KindGovchain:
		_, err := ParseGovchainConfig(p.Config)
		return err
	case KindFabric:
		_, err := ParseFabricConfig(p.Config)
		return err
	}
	return ErrBadPartnerConfig.Wrapf("partner %s has kind %q", p.ID, p.Kind)
}

var (
	codeRe     = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)
	typeCodeRe = regexp.MustCompile(`^[A-Z][A-Z0-9_-]{0,15}$`)
)

func setAgreement(ctx *module.Context, m *Agreement) error {
	if err := identity.RequireGrant(ctx, GovGrant); err != nil {
		return err
	}
	p, err := loadPartner(ctx.Store, m.Partner)
	if err != nil {
		return err
	}
	if err := checkConfig(p); err != nil {
		return err
	}
	if !typeCodeRe.MatchString(m.PartnerType) {
		return ErrBadInput.Wrapf("partner_type %q: 1-16 characters A-Z 0-9 _ -, starting with a letter", m.PartnerType)
	}
	if ok, err := ctx.Store.Has(certificate.TypeKey(m.LocalType)); err != nil {
		return err
	} else if !typeCodeRe.MatchString(m.LocalType) || !ok {
		return ErrBadInput.Wrapf("local_type %q is not a certificate type defined on this chain", m.LocalType)
	}
	if m.FromHeight < 0 {
		return ErrBadInput.Wrapf("from_height %d is negative", m.FromHeight)
	}
	if m.FromTime != "" {
		if _, err := time.Parse(time.RFC3339, m.FromTime); err != nil {
			return ErrBadInput.Wrapf("from_time %q: RFC 3339, e.g. 2026-03-01T00:00:00+08:00", m.FromTime)
		}
	}
	if len(m.Conditions) > 4096 || !utf8.ValidString(m.Conditions) {
		return ErrBadInput.Wrapf("conditions must be UTF-8 text of at most 4096 bytes")
	}
	if err := readable.Text(m.Conditions); err != nil {
		return ErrUnreadable.Wrapf("conditions %s", err)
	}
	by := "governance"
	if !ctx.Signer.Governance {
		by = ctx.Signer.KeyID.String()
	}
	rec := AgreementRecord{Agreement: *m, SetHeight: ctx.Height, SetTime: rfc3339(ctx.Time), SetBy: by}
	ctx.Emit(rectypes.EventAgreementSet, "partner", m.Partner, "partner_type", m.PartnerType, "local_type", m.LocalType)
	return ctx.Store.Set(AgreementKey(m.Partner, m.PartnerType), module.MustJSON(rec))
}

// GetAgreement reads the agreement for a partner's type (nil if none).
func GetAgreement(kv state.KV, partner, typ string) (*AgreementRecord, error) {
	var a AgreementRecord
	ok, err := module.GetJSON(kv, AgreementKey(partner, typ), &a)
	if err != nil || !ok {
		return nil, err
	}
	return &a, nil
}

func updateClient(ctx *module.Context, m *UpdateClient) error {
	p, err := loadPartner(ctx.Store, m.Partner)
	if err != nil {
		return err
	}
	if p.Kind != KindGovchain {
		return ErrWrongKind.Wrapf("partner %s is of kind %s; only govchain partners have a light client", p.ID, p.Kind)
	}
	c, err := loadClient(ctx, p)
	if err != nil {
		return err
	}
	rec, err := c.update(ctx, &m.Update)
	if err != nil {
		return err
	}
	ctx.SetData([]byte(strconv.FormatInt(rec.Height, 10)))
	return nil
}

// partnerCert is a partner's certificate record as established by
// verified evidence.
type partnerCert struct {
	rec    certificate.Record
	status string // effective status at the evidence's time
	height int64  // partner state version / block number
	root   string // app hash / block data hash, hex
	chain  string
}

// verifyEvidence checks m's evidence for partner p and returns the proven
// partner record. fresh asks for evidence no older than the partner's
// max evidence age (recognition; revocation accepts any newer evidence).
func verifyEvidence(ctx *module.Context, p *partnerInfo, m *Evidence, fresh bool) (*partnerCert, error) {
	switch {
	case p.Kind == KindGovchain && m.Govchain != nil && m.Fabric == nil:
		return verifyGovchain(ctx, p, m.Hash, m.Govchain, fresh)
	case p.Kind == KindFabric && m.Fabric != nil && m.Govchain == nil:
		return verifyFabric(ctx, p, m.Hash, m.Fabric, fresh)
	}
	return nil, ErrWrongKind.Wrapf("partner %s is of kind %s: give exactly the %s evidence", p.ID, p.Kind, p.Kind)
}

func verifyGovchain(ctx *module.Context, p *partnerInfo, hash string, e *GovchainEvidence, fresh bool) (*partnerCert, error) {
	c, err := loadClient(ctx, p)
	if err != nil {
		return nil, err
	}
	h, err := c.header(ctx, e.Update, e.HeaderHeight)
	if err != nil {
		return nil, err
	}
	ht, _ := time.Parse(time.RFC3339Nano, h.Time)
	if fresh && ht.Add(c.params.maxEvidenceAge).Before(ctx.Time) {
		return nil, ErrStale.Wrapf("partner header %d (%s) is older than the max evidence age %s at block time %s; relay a recent header",
			h.Height, h.Time, c.params.maxEvidenceAge, rfc3339(ctx.Time))
	}
	root, _ := hex.DecodeString(h.AppHash)
	if err := proof.VerifyMembership(root, certificate.RecordKey(hash), e.Record, e.Proof); err != nil {
		return nil, ErrBadProof.Wrapf("partner %s record %s under the app hash of header %d: %v", p.ID, certificate.RecordKey(hash), h.Height, err)
	}
	pc := &partnerCert{height: h.Height - 1, root: h.AppHash, chain: c.params.chainID}
	if err := json.Unmarshal(e.Record, &pc.rec); err != nil {
		return nil, ErrBadProof.Wrapf("partner record does not decode: %v", err)
	}
	if pc.rec.Hash != hash {
		return nil, ErrBadProof.Wrapf("proven record is for %s, not %s", pc.rec.Hash, hash)
	}
	pc.status = pc.rec.EffectiveStatus(ht)
	return pc, nil
}

// GetRecord reads a recognition record (nil if none).
func GetRecord(kv state.KV, hash string) (*Record, error) {
	return module.Load[Record](kv, RecordKey(hash))
}

func recognise(ctx *module.Context, m *Evidence) error {
	if !certificate.ValidHash(m.Hash) {
		return ErrBadInput.Wrapf("hash %q must be an SM3 digest as 64 lower-case hex characters", m.Hash)
	}
	p, err := loadPartner(ctx.Store, m.Partner)
	if err != nil {
		return err
	}
	if old, err := GetRecord(ctx.Store, m.Hash); err != nil {
		return err
	} else if old != nil {
		return ErrAlreadyDone.Wrapf("certificate %s was recognised from %s at height %d; status %s", m.Hash, old.Partner, old.RecognisedHeight, old.Status)
	}
	pc, err := verifyEvidence(ctx, p, m, true)
	if err != nil {
		return err
	}
	a, err := GetAgreement(ctx.Store, p.ID, pc.rec.Type)
	if err != nil {
		return err
	}
	if a == nil {
		return ErrNoAgreement.Wrapf("no agreement recognises %s's certificate type %s (governance: %s)", p.ID, pc.rec.Type, MsgSetAgreement)
	}
	if ctx.Height < a.FromHeight {
		return ErrNotInForce.Wrapf("the agreement for %s %s is in force from height %d (now %d)", p.ID, pc.rec.Type, a.FromHeight, ctx.Height)
	}
	if a.FromTime != "" {
		ft, _ := time.Parse(time.RFC3339, a.FromTime)
		if ctx.Time.Before(ft) {
			return ErrNotInForce.Wrapf("the agreement for %s %s is in force from %s (block time %s)", p.ID, pc.rec.Type, a.FromTime, rfc3339(ctx.Time))
		}
	}
	if pc.status != certificate.StatusValid {
		return ErrNotValid.Wrapf("certificate %s is %s on %s at partner height %d", m.Hash, pc.status, p.ID, pc.height)
	}
	by := ctx.Signer.KeyID.String()
	r := &Record{Hash: m.Hash, Partner: p.ID, PartnerName: p.Name, PartnerKind: p.Kind, PartnerChain: pc.chain,
		PartnerType: pc.rec.Type, LocalType: a.LocalType, Issuer: pc.rec.Issuer, LicenceNo: pc.rec.LicenceNo,
		HolderKind: pc.rec.HolderKind, HolderRef: pc.rec.HolderRef, IssueDate: pc.rec.IssueDate, ValidFrom: pc.rec.ValidFrom,
		ValidUntil: pc.rec.ValidUntil, PartnerStatus: pc.status, PartnerHeight: pc.height, PartnerRoot: pc.root,
		Status: StatusRecognised, RecognisedHeight: ctx.Height, RecognisedTime: rfc3339(ctx.Time),
		History: []Change{{Height: ctx.Height, Time: rfc3339(ctx.Time), Action: "recognise", Status: StatusRecognised,
			PartnerHeight: pc.height, PartnerStatus: pc.status, By: by}}}
	if err := ctx.Store.Set(RecordKey(m.Hash), module.MustJSON(r)); err != nil {
		return err
	}
	if err := ctx.Store.Set(PartnerIndexKey(p.ID, m.Hash), []byte(strconv.FormatInt(ctx.Height, 10))); err != nil {
		return err
	}
	ctx.SetData([]byte(string(RecordKey(m.Hash))))
	ctx.Emit(rectypes.EventRecognised, "hash", m.Hash, "partner", p.ID, "partner_height", strconv.FormatInt(pc.height, 10),
		"partner_type", pc.rec.Type, "local_type", a.LocalType)
	return nil
}

func revoke(ctx *module.Context, m *Evidence) error {
	if !certificate.ValidHash(m.Hash) {
		return ErrBadInput.Wrapf("hash %q must be an SM3 digest as 64 lower-case hex characters", m.Hash)
	}
	r, err := GetRecord(ctx.Store, m.Hash)
	if err != nil {
		return err
	}
	if r == nil {
		return ErrNotRecognised.Wrapf("certificate %s is not recognised on this chain", m.Hash)
	}
	if r.Status == StatusRevoked {
		return ErrStale.Wrapf("recognition of %s was already revoked at height %d", m.Hash, r.History[len(r.History)-1].Height)
	}
	if m.Partner != r.Partner {
		return ErrBadInput.Wrapf("certificate %s was recognised from %s, not %s", m.Hash, r.Partner, m.Partner)
	}
	p, err := loadPartner(ctx.Store, m.Partner)
	if err != nil {
		return err
	}
	pc, err := verifyEvidence(ctx, p, m, false)
	if err != nil {
		return err
	}
	if pc.height <= r.PartnerHeight {
		return ErrStale.Wrapf("evidence is from partner height %d; the recognition rests on height %d", pc.height, r.PartnerHeight)
	}
	if pc.rec.Status != certificate.StatusRevoked {
		return ErrNotRevoked.Wrapf("certificate %s is %s on %s at partner height %d", m.Hash, pc.rec.Status, p.ID, pc.height)
	}
	r.Status, r.PartnerStatus, r.PartnerHeight, r.PartnerRoot = StatusRevoked, pc.rec.Status, pc.height, pc.root
	r.History = append(r.History, Change{Height: ctx.Height, Time: rfc3339(ctx.Time), Action: "revoke", Status: StatusRevoked,
		PartnerHeight: pc.height, PartnerStatus: pc.rec.Status, By: ctx.Signer.KeyID.String()})
	ctx.Emit(rectypes.EventRevoked, "hash", m.Hash, "partner", p.ID, "partner_height", strconv.FormatInt(pc.height, 10))
	return ctx.Store.Set(RecordKey(m.Hash), module.MustJSON(r))
}
