// Package certificate is the e-certificate registry (电子证照, after
// GB/T 36901-36906): departments anchor the SM3 hash of each certificate
// file they issue — one by one or as the Merkle root of a batch — and record
// suspensions, reinstatements, revocations and reissues against the hash.
// Anyone holding a certificate file can then prove, up to a block header,
// who issued it, when, and what its status was at any height.
//
// No personal data goes on chain: a person holder is a salted SM3 reference
// computed by the client (see contracts/identifier.HolderRef); an
// organisation holder is its public unified social credit code.
//
// Keys (all JSON records, provable with GET /v1/state?key=...&prove=true):
//
//	cert/params                               module parameters (holder salt)
//	cert/type/<code>                          certificate type
//	cert/rec/<hash>                           certificate record and status history
//	cert/batch/<root>                         anchored batch
//	cert/ti/<type>/<issuer>/<pos>             index of certificates and batches (index layout 2)
//	cert/ho/<holder>/<pos>                    index of certificates by holder (index layout 2)
//	cert/idx/{issuer,type,holder}/<v>/<h>/<id> indexes of layout 1, <h> = 20-digit height
//
// Params.IndexLayout says which indexes a chain writes (index.go); a new
// genesis chooses 2, a chain started with 1 moves by MigrateIndexLayout2.
package certificate

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/upgrade"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/certificate/merkle"
	"github.com/govchain/govchain/contracts/identifier"
)

// Module is the certificate contract.
type Module struct{}

func (Module) Name() string { return Name }

func (Module) Routes() []module.Route {
	ops := []string{identity.RoleAdmin, identity.RoleOperator}
	return []module.Route{
		{Type: MsgDefineType, AnyRole: []string{identity.RoleAdmin}, Handle: module.Handler(defineType),
			Summary: "Define a certificate type (code, name, max validity days) owned by the signer's department; issuing it needs the grant issuer:<code>."},
		// Anchoring depends on the block time only through "issue date not
		// after the block date", which stays met as time goes on.
		{Type: MsgAnchor, AnyRole: []string{identity.RoleOperator}, Handle: module.Handler(anchor), StableOverTime: true,
			Summary: "Anchor one certificate by its SM3 file hash (department needs issuer:<type>); holder by reference only."},
		{Type: MsgAnchorBatch, AnyRole: []string{identity.RoleOperator}, Handle: module.Handler(anchorBatch), StableOverTime: true,
			Summary: "Anchor the SM3 Merkle root of a batch of certificates (department needs issuer:<type>)."},
		{Type: MsgRevoke, AnyRole: ops, Handle: module.Handler(statusHandler(ActionRevoke)),
			Summary: "Revoke a certificate of the signer's department (final), with a reason code."},
		{Type: MsgSuspend, AnyRole: ops, Handle: module.Handler(statusHandler(ActionSuspend)),
			Summary: "Suspend a valid certificate of the signer's department, with a reason code."},
		{Type: MsgReinstate, AnyRole: ops, Handle: module.Handler(statusHandler(ActionReinstate)),
			Summary: "Reinstate a suspended certificate of the signer's department, with a reason code."},
		{Type: MsgReissue, AnyRole: ops, Handle: module.Handler(reissue),
			Summary: "Replace a certificate by a new one anchored in the same tx; links both ways."},
	}
}

// Genesis is the module's genesis section.
type Genesis struct {
	// HolderSalt: hex, at least 16 bytes. When absent, a salt is derived
	// from the chain id (still per network, but predictable before
	// genesis; networks with real data should set a random one).
	HolderSalt string `json:"holder_salt,omitempty"`
	MaxBatch   uint64 `json:"max_batch,omitempty"`
	// IndexLayout: 1 (absent: chains whose genesis predates layout 2) or
	// 2 (two index entries per certificate, shorter keys; index.go).
	IndexLayout int `json:"index_layout,omitempty"`
}

// ChainIDSalt is the salt used when genesis sets none.
func ChainIDSalt(chainID string) string {
	return smcrypto.SM3Hex([]byte("govchain/certificate/holder-salt/v1\x00"), []byte(chainID))
}

func (Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if len(raw) > 0 && string(raw) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&g); err != nil {
			return fmt.Errorf("certificate genesis: %w", err)
		}
	}
	if g.IndexLayout < 0 || g.IndexLayout > layoutV2 {
		return fmt.Errorf("certificate genesis: index_layout must be 1 or 2, not %d", g.IndexLayout)
	}
	p := Params{HolderSalt: g.HolderSalt, SaltSource: "genesis", MaxBatch: g.MaxBatch}
	if g.IndexLayout == layoutV2 {
		p.IndexLayout = layoutV2
	}
	if p.HolderSalt == "" {
		p.HolderSalt, p.SaltSource = ChainIDSalt(ctx.ChainID), "chain-id"
	} else if b, err := hex.DecodeString(p.HolderSalt); err != nil || len(b) < 16 || hex.EncodeToString(b) != p.HolderSalt {
		return fmt.Errorf("certificate genesis: holder_salt must be at least 16 bytes as lower-case hex")
	}
	if p.MaxBatch == 0 {
		p.MaxBatch = DefaultMaxBatch
	}
	return ctx.Store.Set(ParamsKey(), module.MustJSON(p))
}

func blockTime(ctx *module.Context) string { return ctx.Time.UTC().Format(time.RFC3339) }

func defineType(ctx *module.Context, m *DefineType) error {
	if !typeCodeRe.MatchString(m.Code) {
		return ErrBadInput.Wrapf("type code %q must be 1-16 of A-Z 0-9 _ - starting with a letter", m.Code)
	}
	if err := checkText("type name", m.Name, 128, true); err != nil {
		return err
	}
	if m.MaxValidityDays < 0 || m.MaxValidityDays > 36600 {
		return ErrBadInput.Wrapf("max_validity_days %d must be 0 (no expiry) to 36600", m.MaxValidityDays)
	}
	if old, err := GetType(ctx.Store, m.Code); err == nil {
		return ErrTypeExists.Wrapf("type %s (%s) was defined by %s at height %d", old.Code, old.Name, old.Owner, old.Height)
	}
	t := &CertType{Code: m.Code, Name: m.Name, MaxValidityDays: m.MaxValidityDays, Owner: ctx.Signer.Dept,
		DefinedBy: ctx.Signer.KeyID.String(), Height: ctx.Height}
	// Version 2 of the state gives every type a renewal notice; a binary
	// that knows version 2 runs this rule only once the state is at 2.
	if v, err := upgrade.Version(ctx.Store, Name); err != nil {
		return err
	} else if v >= 2 {
		t.RenewalNoticeDays = DefaultRenewalNoticeDays
	}
	if err := ctx.Store.Set(TypeKey(t.Code), module.MustJSON(t)); err != nil {
		return err
	}
	ctx.SetData([]byte(t.Code))
	ctx.Emit(certtypes.EventTypeDefined, "code", t.Code, "owner", t.Owner)
	return nil
}

// IssuerGrant is the department grant needed to anchor certificates of typ.
func IssuerGrant(typ string) string { return "issuer:" + typ }

// typeForIssuing loads the type and checks the signer's department grant.
func typeForIssuing(ctx *module.Context, typ string) (*CertType, error) {
	if !typeCodeRe.MatchString(typ) {
		return nil, ErrBadInput.Wrapf("type code %q is malformed", typ)
	}
	t, err := GetType(ctx.Store, typ)
	if err != nil {
		return nil, err
	}
	if err := identity.RequireGrant(ctx, IssuerGrant(typ)); err != nil {
		return nil, err
	}
	return t, nil
}

// validateAnchor checks every field of a (new) certificate.
func validateAnchor(ctx *module.Context, m *Anchor, t *CertType) error {
	if err := checkHash("hash", m.Hash); err != nil {
		return err
	}
	if err := checkLicenceNo("licence_no", m.LicenceNo, true); err != nil {
		return err
	}
	if identifier.LooksLikeCitizenID(m.HolderRef) {
		return ErrPersonalData.Wrapf("holder_ref is a citizen identity number in clear; send hex(SM3(salt || ID)) computed locally (govchain cert anchor --holder-id does this)")
	}
	if err := identifier.ValidateHolderRef(m.HolderKind, m.HolderRef); err != nil {
		return ErrBadHolder.Wrapf("%v", err)
	}
	if _, err := dayNumber("issue_date", m.IssueDate); err != nil {
		return err
	}
	if !ctx.Time.IsZero() && m.IssueDate > civilDate(ctx.Time) {
		return ErrBadDates.Wrapf("issue_date %s is after the block date %s (China Standard Time)", m.IssueDate, civilDate(ctx.Time))
	}
	from, err := dayNumber("valid_from", m.ValidFrom)
	if err != nil {
		return err
	}
	switch {
	case m.ValidUntil == "" && t.MaxValidityDays > 0:
		return ErrBadDates.Wrapf("type %s certificates are valid at most %d days: valid_until is required", t.Code, t.MaxValidityDays)
	case m.ValidUntil != "":
		until, err := dayNumber("valid_until", m.ValidUntil)
		if err != nil {
			return err
		}
		if until < from {
			return ErrBadDates.Wrapf("valid_until %s is before valid_from %s", m.ValidUntil, m.ValidFrom)
		}
		if t.MaxValidityDays > 0 && until-from > t.MaxValidityDays {
			return ErrBadDates.Wrapf("validity %s..%s is %d days; type %s allows at most %d", m.ValidFrom, m.ValidUntil, until-from, t.Code, t.MaxValidityDays)
		}
	}
	return nil
}

func duplicate(ctx *module.Context, hash string) error {
	r, err := GetRecord(ctx.Store, hash)
	if err != nil {
		return err
	}
	if r != nil {
		in := ""
		if r.BatchRoot != "" {
			in = " in batch " + r.BatchRoot
		}
		return ErrDuplicate.Wrapf("certificate %s was already anchored by %s at height %d%s", hash, r.Issuer, r.AnchoredHeight, in)
	}
	return nil
}

// putRecord writes the record and, when it is new, its index entries.
func putRecord(ctx *module.Context, r *Record, isNew bool) error {
	if err := ctx.Store.Set(RecordKey(r.Hash), module.MustJSON(r)); err != nil {
		return err
	}
	if !isNew {
		return nil
	}
	layout, err := indexLayout(ctx.Store)
	if err != nil {
		return err
	}
	return putIndex(ctx, layout, kindRecord, r.Type, r.Issuer, r.HolderRef, r.AnchoredHeight, r.Hash)
}

func newRecord(ctx *module.Context, m *Anchor, action string) *Record {
	return &Record{Hash: m.Hash, Type: m.Type, Issuer: ctx.Signer.Dept, Signer: ctx.Signer.KeyID.String(),
		LicenceNo: m.LicenceNo, HolderKind: m.HolderKind, HolderRef: m.HolderRef,
		IssueDate: m.IssueDate, ValidFrom: m.ValidFrom, ValidUntil: m.ValidUntil, Status: StatusValid,
		History:        []Change{{Height: ctx.Height, Time: blockTime(ctx), Action: action, Status: StatusValid, By: ctx.Signer.KeyID.String()}},
		AnchoredHeight: ctx.Height, AnchoredTime: blockTime(ctx)}
}

func anchor(ctx *module.Context, m *Anchor) error {
	t, err := typeForIssuing(ctx, m.Type)
	if err != nil {
		return err
	}
	if err := validateAnchor(ctx, m, t); err != nil {
		return err
	}
	if err := duplicate(ctx, m.Hash); err != nil {
		return err
	}
	if err := putRecord(ctx, newRecord(ctx, m, ActionAnchor), true); err != nil {
		return err
	}
	ctx.SetData([]byte(m.Hash))
	ctx.Emit(certtypes.EventAnchored, "hash", m.Hash, "type", m.Type, "issuer", ctx.Signer.Dept)
	return nil
}

func anchorBatch(ctx *module.Context, m *AnchorBatch) error {
	t, err := typeForIssuing(ctx, m.Type)
	if err != nil {
		return err
	}
	if err := checkHash("root", m.Root); err != nil {
		return err
	}
	p, err := GetParams(ctx.Store)
	if err != nil {
		return err
	}
	if m.Count == 0 || m.Count > p.MaxBatch {
		return ErrBadInput.Wrapf("count %d must be 1..%d", m.Count, p.MaxBatch)
	}
	if _, err := dayNumber("issue_date", m.IssueDate); err != nil {
		return err
	}
	if !ctx.Time.IsZero() && m.IssueDate > civilDate(ctx.Time) {
		return ErrBadDates.Wrapf("issue_date %s is after the block date %s (China Standard Time)", m.IssueDate, civilDate(ctx.Time))
	}
	if err := checkLicenceNo("first_licence_no", m.FirstLicenceNo, false); err != nil {
		return err
	}
	if err := checkLicenceNo("last_licence_no", m.LastLicenceNo, false); err != nil {
		return err
	}
	if old, err := GetBatch(ctx.Store, m.Root); err != nil {
		return err
	} else if old != nil {
		return ErrBatchExists.Wrapf("batch %s was already anchored by %s at height %d", m.Root, old.Issuer, old.Height)
	}
	b := &Batch{Root: m.Root, Type: t.Code, Issuer: ctx.Signer.Dept, Signer: ctx.Signer.KeyID.String(), Count: m.Count,
		IssueDate: m.IssueDate, FirstLicenceNo: m.FirstLicenceNo, LastLicenceNo: m.LastLicenceNo, Height: ctx.Height, Time: blockTime(ctx)}
	if err := ctx.Store.Set(BatchKey(b.Root), module.MustJSON(b)); err != nil {
		return err
	}
	layout := p.IndexLayout
	if layout == 0 {
		layout = layoutV1
	}
	if err := putIndex(ctx, layout, kindBatch, b.Type, b.Issuer, "", b.Height, b.Root); err != nil {
		return err
	}
	ctx.SetData([]byte(b.Root))
	ctx.Emit(certtypes.EventBatchAnchored, "root", b.Root, "type", b.Type, "issuer", b.Issuer, "count", fmt.Sprint(b.Count))
	return nil
}

// loadForChange finds the record of hash, or creates it from a batch
// membership proof (verified against the anchored batch's root and count).
// isNew reports that the record did not exist.
func loadForChange(ctx *module.Context, hash string, mem *Membership) (r *Record, isNew bool, err error) {
	if err := checkHash("hash", hash); err != nil {
		return nil, false, err
	}
	r, err = GetRecord(ctx.Store, hash)
	if err != nil {
		return nil, false, err
	}
	if mem == nil {
		if r == nil {
			return nil, false, ErrNotFound.Wrapf("no certificate %s on chain; for a member of a batch include the batch root, index and inclusion path", hash)
		}
		return r, false, nil
	}
	if err := checkHash("batch root", mem.Root); err != nil {
		return nil, false, err
	}
	b, err := GetBatch(ctx.Store, mem.Root)
	if err != nil {
		return nil, false, err
	}
	if b == nil {
		return nil, false, ErrBatchUnknown.Wrapf("no batch with root %s on chain", mem.Root)
	}
	if r != nil && (r.BatchRoot != mem.Root || r.BatchIndex == nil || *r.BatchIndex != mem.Index) {
		return nil, false, ErrBadInclusion.Wrapf("certificate %s is on chain already, not as member %d of batch %s", hash, mem.Index, mem.Root)
	}
	path, err := merkle.ParsePath(mem.Path)
	if err != nil {
		return nil, false, ErrBadInclusion.Wrapf("%v", err)
	}
	root, _ := merkle.ParseHash(mem.Root)
	leaf, _ := hex.DecodeString(hash)
	if err := merkle.VerifyPath(root, leaf, mem.Index, b.Count, path); err != nil {
		return nil, false, ErrBadInclusion.Wrapf("certificate %s as member %d of batch %s (%d members): %v", hash, mem.Index, mem.Root, b.Count, err)
	}
	if r != nil {
		return r, false, nil
	}
	idx := mem.Index
	r = &Record{Hash: hash, Type: b.Type, Issuer: b.Issuer, Signer: b.Signer, IssueDate: b.IssueDate, Status: StatusValid,
		History:        []Change{{Height: b.Height, Time: b.Time, Action: ActionAnchorBatch, Status: StatusValid, By: b.Signer}},
		AnchoredHeight: b.Height, AnchoredTime: b.Time, BatchRoot: b.Root, BatchIndex: &idx}
	return r, true, nil
}

func checkIssuer(ctx *module.Context, r *Record) error {
	if r.Issuer != ctx.Signer.Dept {
		return ErrNotIssuer.Wrapf("certificate %s was issued by %s; the signer's department is %s", r.Hash, r.Issuer, ctx.Signer.Dept)
	}
	return nil
}

// transition returns the status after action, or why it is not allowed.
func transition(r *Record, action string) (string, error) {
	switch {
	case r.Status == StatusRevoked:
		by := ""
		if r.ReplacedBy != "" {
			by = ", replaced by " + r.ReplacedBy
		}
		return "", ErrBadTransition.Wrapf("certificate %s was revoked at height %d%s; revocation is final", r.Hash, r.History[len(r.History)-1].Height, by)
	case action == ActionSuspend && r.Status != StatusValid:
		return "", ErrBadTransition.Wrapf("certificate %s is %s; only a valid certificate can be suspended", r.Hash, r.Status)
	case action == ActionReinstate && r.Status != StatusSuspended:
		return "", ErrBadTransition.Wrapf("certificate %s is %s; only a suspended certificate can be reinstated", r.Hash, r.Status)
	}
	switch action {
	case ActionSuspend:
		return StatusSuspended, nil
	case ActionReinstate:
		return StatusValid, nil
	}
	return StatusRevoked, nil // revoke, reissue
}

func statusHandler(action string) func(*module.Context, *StatusChange) error {
	return func(ctx *module.Context, m *StatusChange) error {
		if err := checkReason(m.Reason); err != nil {
			return err
		}
		r, isNew, err := loadForChange(ctx, m.Hash, m.Batch)
		if err != nil {
			return err
		}
		if err := checkIssuer(ctx, r); err != nil {
			return err
		}
		next, err := transition(r, action)
		if err != nil {
			return err
		}
		r.Status = next
		r.History = append(r.History, Change{Height: ctx.Height, Time: blockTime(ctx), Action: action, Status: next, Reason: m.Reason, By: ctx.Signer.KeyID.String()})
		if err := putRecord(ctx, r, isNew); err != nil {
			return err
		}
		ctx.SetData([]byte(r.Hash))
		ctx.Emit(certtypes.EventStatus, "hash", r.Hash, "status", next, "reason", m.Reason, "issuer", r.Issuer)
		return nil
	}
}

func reissue(ctx *module.Context, m *Reissue) error {
	if err := checkReason(m.Reason); err != nil {
		return err
	}
	old, isNew, err := loadForChange(ctx, m.OldHash, m.Batch)
	if err != nil {
		return err
	}
	if err := checkIssuer(ctx, old); err != nil {
		return err
	}
	if m.New.Type != old.Type {
		return ErrBadInput.Wrapf("the replacement must have the old certificate's type %s, not %q", old.Type, m.New.Type)
	}
	t, err := typeForIssuing(ctx, m.New.Type)
	if err != nil {
		return err
	}
	if err := validateAnchor(ctx, &m.New, t); err != nil {
		return err
	}
	if m.New.Hash == old.Hash {
		return ErrDuplicate.Wrapf("the replacement has the same hash %s as the certificate it replaces", old.Hash)
	}
	if err := duplicate(ctx, m.New.Hash); err != nil {
		return err
	}
	next, err := transition(old, ActionReissue)
	if err != nil {
		return err
	}
	by := ctx.Signer.KeyID.String()
	old.Status, old.ReplacedBy = next, m.New.Hash
	old.History = append(old.History, Change{Height: ctx.Height, Time: blockTime(ctx), Action: ActionReissue, Status: next, Reason: m.Reason, By: by})
	nr := newRecord(ctx, &m.New, ActionReissueOf)
	nr.Replaces = old.Hash
	nr.History[0].Reason = m.Reason
	if err := putRecord(ctx, old, isNew); err != nil {
		return err
	}
	if err := putRecord(ctx, nr, true); err != nil {
		return err
	}
	ctx.SetData([]byte(nr.Hash))
	ctx.Emit(certtypes.EventReissued, "old", old.Hash, "new", nr.Hash, "reason", m.Reason, "issuer", nr.Issuer)
	return nil
}
