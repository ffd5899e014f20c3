// Package credit is the shared record of market subjects' credit (社会信用
// 信息): departments record administrative licences, penalties, red and
// black list entries, credit commitments and credit repairs against a
// subject, so that any department can supervise by credit and risk.
//
// Subjects are organisations by unified social credit code (GB 32100, check
// character verified on chain) and natural persons by a salted SM3
// reference of their citizen ID number, computed by the client with the
// per-network salt in credit/params; no ID number, name or address is
// stored in clear. Each event's details are SM4-GCM encrypted under a fresh
// data key that the client wraps with SM2 for each authorised department's
// key; the chain stores the ciphertext and the wraps.
//
// Only departments granted "credit:<kind>" record events of that kind. A
// penalty or black list event is repaired by a repair event of its recording
// department (or by governance); the repair takes it off the active lists
// while every record stays provable at every height.
//
// Keys are listed in types.go; every record is one IAVL key readable with
// GET /v1/state?key=...&prove=true.
package credit

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/credit/grade"
)

// Module is the credit contract.
type Module struct{}

func (Module) Name() string { return Name }

func (Module) Routes() []module.Route {
	return []module.Route{
		// Recording reads the block height and time only into the records.
		{Type: MsgRecord, AnyRole: []string{identity.RoleOperator}, Handle: module.Handler(record), StableOverTime: true,
			Summary: "Record a credit event (licence, penalty, redlist, blacklist, commitment, repair) on a subject; the department needs credit:<kind>; details SM4-encrypted with SM2-wrapped keys."},
		{Type: MsgRecordBatch, AnyRole: []string{identity.RoleOperator}, Handle: module.Handler(recordBatch), StableOverTime: true,
			Summary: "Record many credit events in one transaction, all or none."},
		{Type: MsgSetRules, AnyRole: []string{identity.RoleAdmin}, Handle: module.Handler(setRules),
			Summary: "Install a new version of the credit scoring model (weights, decay, caps, overrides, class thresholds); only a passed governance proposal (set_credit_rules) executes it."},
		{Type: MsgWatch, AnyRole: []string{identity.RoleOperator}, Handle: module.Handler(watch),
			Summary: "Add a subject to the signer's department's credit watch list, or take it off."},
	}
}

// Genesis is the module's genesis section.
type Genesis struct {
	// SubjectSalt: hex, at least 16 bytes. When absent, a salt is derived
	// from the chain id (per network, but predictable before genesis;
	// networks with real data must set a random one).
	SubjectSalt string `json:"subject_salt,omitempty"`
	MaxBatch    int    `json:"max_batch,omitempty"`
	MaxDetails  int    `json:"max_details,omitempty"`
	MaxWraps    int    `json:"max_wraps,omitempty"`
	// Rules is version 1 of the scoring model (default: DefaultRules).
	Rules *grade.Rules `json:"rules,omitempty"`
}

// ChainIDSalt is the salt used when genesis sets none.
func ChainIDSalt(chainID string) string {
	return smcrypto.SM3Hex([]byte("govchain/credit/subject-salt/v1\x00"), []byte(chainID))
}

func (Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if len(raw) > 0 && string(raw) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&g); err != nil {
			return fmt.Errorf("credit genesis: %w", err)
		}
	}
	p := Params{SubjectSalt: g.SubjectSalt, SaltSource: "genesis", MaxBatch: g.MaxBatch, MaxDetails: g.MaxDetails, MaxWraps: g.MaxWraps}
	if p.SubjectSalt == "" {
		p.SubjectSalt, p.SaltSource = ChainIDSalt(ctx.ChainID), "chain-id"
	} else if b, err := hex.DecodeString(p.SubjectSalt); err != nil || len(b) < 16 || hex.EncodeToString(b) != p.SubjectSalt {
		return fmt.Errorf("credit genesis: subject_salt must be at least 16 bytes as lower-case hex")
	}
	if p.MaxBatch == 0 {
		p.MaxBatch = DefaultMaxBatch
	}
	if p.MaxDetails == 0 {
		p.MaxDetails = DefaultMaxDetails
	}
	if p.MaxWraps == 0 {
		p.MaxWraps = DefaultMaxWraps
	}
	if p.MaxBatch < 1 || p.MaxDetails < 64 || p.MaxWraps < 1 {
		return fmt.Errorf("credit genesis: max_batch must be >= 1, max_details >= 64, max_wraps >= 1")
	}
	if err := ctx.Store.Set(ParamsKey(), module.MustJSON(p)); err != nil {
		return err
	}
	rules := credittypes.DefaultRules()
	if g.Rules != nil {
		rules = *g.Rules
	}
	if err := credittypes.ValidateRules(&rules); err != nil {
		return fmt.Errorf("credit genesis: rules: %w", err)
	}
	if err := putRules(ctx, &RulesRecord{Version: 1, Height: ctx.Height, Time: blockTime(ctx), Rules: rules}); err != nil {
		return err
	}
	return ctx.Store.Set(counterKey(), module.MustJSON(counter{Next: 1}))
}

func blockTime(ctx *module.Context) string { return ctx.Time.UTC().Format(time.RFC3339) }

func record(ctx *module.Context, m *Event) error {
	p, err := GetParams(ctx.Store)
	if err != nil {
		return err
	}
	id, err := apply(ctx, p, m, nil)
	if err != nil {
		return err
	}
	ctx.SetData([]byte(id))
	return nil
}

func recordBatch(ctx *module.Context, m *RecordBatch) error {
	p, err := GetParams(ctx.Store)
	if err != nil {
		return err
	}
	if len(m.Events) == 0 {
		return ErrBadInput.Wrapf("the batch has no events")
	}
	if len(m.Events) > p.MaxBatch {
		return ErrBatchTooLarge.Wrapf("the batch has %d events; at most %d per transaction (credit/params max_batch)", len(m.Events), p.MaxBatch)
	}
	var first, last string
	cache := factCache{}
	for i := range m.Events {
		id, err := apply(ctx, p, &m.Events[i], cache)
		if err != nil {
			e := errs.From(err)
			return e.Wrapf("event %d of %d (decision %q): %s", i, len(m.Events), m.Events[i].DecisionNo, e.Msg)
		}
		if i == 0 {
			first = id
		}
		last = id
	}
	ctx.SetData([]byte(first + ".." + last))
	ctx.Emit(credittypes.EventBatch, "first", first, "last", last, "count", fmt.Sprint(len(m.Events)), "dept", ctx.Signer.Dept)
	return nil
}

// validate checks everything about m that does not depend on other events.
func validate(ctx *module.Context, p *Params, m *Event) error {
	if !ValidKind(m.Kind) {
		var ks []string
		for _, k := range Kinds {
			ks = append(ks, k.Kind)
		}
		return ErrUnknownKind.Wrapf("kind %q is not one of %s", m.Kind, strings.Join(ks, ", "))
	}
	if err := identity.RequireGrant(ctx, Grant(m.Kind)); err != nil {
		return err
	}
	if err := ValidateFields(m); err != nil {
		return err
	}
	return checkEnvelope(ctx, p, m)
}

// checkEnvelope checks the sealed details: the scheme, the ciphertext size,
// and that every wrap names an active key of an active department, in
// (dept, key_id) order without repeats, with one for the recording
// department.
func checkEnvelope(ctx *module.Context, p *Params, m *Event) error {
	e := &m.Details
	if e.Scheme != Scheme {
		return ErrBadEnvelope.Wrapf("details scheme %q; want %q", e.Scheme, Scheme)
	}
	if len(e.Ciphertext) < smcrypto.SM4GCMOverhead+1 || len(e.Ciphertext) > p.MaxDetails {
		return ErrBadEnvelope.Wrapf("details ciphertext is %d bytes; must be %d..%d (nonce, ciphertext, tag)", len(e.Ciphertext), smcrypto.SM4GCMOverhead+1, p.MaxDetails)
	}
	if len(e.Wraps) == 0 || len(e.Wraps) > p.MaxWraps {
		return ErrBadEnvelope.Wrapf("%d wrapped keys; must be 1..%d", len(e.Wraps), p.MaxWraps)
	}
	own := false
	for i, w := range e.Wraps {
		if i > 0 {
			prev := e.Wraps[i-1]
			if w.Dept < prev.Dept || w.Dept == prev.Dept && w.KeyID <= prev.KeyID {
				return ErrBadEnvelope.Wrapf("wraps must be sorted by dept then key_id without repeats: wrap %d (%s %s) after (%s %s)", i, w.Dept, w.KeyID, prev.Dept, prev.KeyID)
			}
		}
		if !identity.ValidDeptCode(w.Dept) {
			return ErrBadEnvelope.Wrapf("wrap %d: department code %q is malformed", i, w.Dept)
		}
		d, err := identity.GetDept(ctx.Store, w.Dept)
		if err != nil {
			return ErrBadEnvelope.Wrapf("wrap %d: department %s is not on chain", i, w.Dept)
		}
		if d.Status != identity.StatusActive {
			return ErrBadEnvelope.Wrapf("wrap %d: department %s is %s", i, w.Dept, d.Status)
		}
		kid, err := smcrypto.ParseKeyID(w.KeyID)
		if err != nil || kid.String() != w.KeyID {
			return ErrBadEnvelope.Wrapf("wrap %d: key_id %q must be 40 lower-case hex characters", i, w.KeyID)
		}
		a, err := identity.GetAccount(ctx.Store, kid)
		if err != nil {
			return ErrBadEnvelope.Wrapf("wrap %d: no identity with key id %s", i, w.KeyID)
		}
		if a.Dept != w.Dept {
			return ErrBadEnvelope.Wrapf("wrap %d: key %s belongs to %s, not %s", i, w.KeyID, a.Dept, w.Dept)
		}
		if a.Status != identity.StatusActive {
			return ErrBadEnvelope.Wrapf("wrap %d: key %s of %s is %s", i, w.KeyID, w.Dept, a.Status)
		}
		// GM/T 0009 SM2Cipher of a 16-byte key: SEQUENCE of two INTEGERs,
		// a 32-byte OCTET STRING and a 16-byte OCTET STRING.
		if len(w.WrappedKey) < 100 || len(w.WrappedKey) > 128 || w.WrappedKey[0] != 0x30 {
			return ErrBadEnvelope.Wrapf("wrap %d: wrapped_key is %d bytes; an SM2 (ASN.1 C1C3C2) encryption of a 16-byte SM4 key is 100..128 bytes starting 0x30", i, len(w.WrappedKey))
		}
		if w.Dept == ctx.Signer.Dept {
			own = true
		}
	}
	if !own {
		return ErrBadEnvelope.Wrapf("no wrapped key for the recording department %s: it could not read its own record", ctx.Signer.Dept)
	}
	return nil
}

func nextID(ctx *module.Context) (string, error) {
	var c counter
	ok, err := module.GetJSON(ctx.Store, counterKey(), &c)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errs.Internal.Wrapf("credit counter missing (genesis did not run)")
	}
	id := FormatID(c.Next)
	c.Next++
	return id, ctx.Store.Set(counterKey(), module.MustJSON(c))
}

// apply validates and records one event, returning its id.
func apply(ctx *module.Context, p *Params, m *Event, cache factCache) (string, error) {
	if err := validate(ctx, p, m); err != nil {
		return "", err
	}
	dept := ctx.Signer.Dept
	signer := ctx.Signer.KeyID.String()
	if ctx.Signer.Governance {
		signer = "governance"
	}
	dk := DecisionKey(dept, m.Kind, m.SubjectRef, m.DecisionNo)
	if old, err := ctx.Store.Get(dk); err != nil {
		return "", err
	} else if old != nil {
		return "", ErrDuplicate.Wrapf("%s already recorded %s decision %q for subject %s as event %s", dept, m.Kind, m.DecisionNo, m.SubjectRef, old)
	}
	// Details bound to another event would be recorded here and then fail
	// to open for every reader (their AAD is the other event's): refuse
	// them, naming the event they belong to.
	sk := SealedKey(m.Details.Ciphertext)
	if old, err := ctx.Store.Get(sk); err != nil {
		return "", err
	} else if old != nil {
		owner := string(old)
		if r, err := GetRecord(ctx.Store, owner); err == nil && r != nil {
			owner = fmt.Sprintf("%s (%s %s decision %q of %s)", r.ID, r.Dept, r.Kind, r.DecisionNo, r.SubjectRef)
		}
		return "", ErrSealedElsewhere.Wrapf("the sealed details (ciphertext SM3 %s) are the details of event %s; seal this event's own details (a fresh data key and nonce for each event)", smcrypto.SM3Hex(m.Details.Ciphertext), owner)
	}
	var target *Record
	if m.Kind == KindRepair {
		var err error
		if target, err = repairTarget(ctx, m); err != nil {
			return "", err
		}
	}
	// the subject's grade before the event, for the risk alert
	s, err := GetSubject(ctx.Store, m.SubjectRef)
	if err != nil {
		return "", err
	}
	mon, err := startMonitor(ctx, s, cache)
	if err != nil {
		return "", err
	}
	id, err := nextID(ctx)
	if err != nil {
		return "", err
	}
	r := &Record{ID: id, Kind: m.Kind, SubjectKind: m.SubjectKind, SubjectRef: m.SubjectRef, Dept: dept, Signer: signer,
		LegalBasis: m.LegalBasis, DecisionNo: m.DecisionNo, EffectiveDate: m.EffectiveDate, PublishEnd: m.PublishEnd,
		Severity: m.Severity, Repairs: m.Repairs, Details: m.Details, Height: ctx.Height, Time: blockTime(ctx)}
	if s == nil {
		s = &Subject{Kind: m.SubjectKind, Ref: m.SubjectRef, FirstHeight: ctx.Height, Events: []string{}}
	}
	s.Counts.Add(m.Kind)
	s.Events = append(s.Events, id)
	s.LastHeight = ctx.Height
	switch m.Kind {
	case KindPenalty, KindBlacklist, KindRedlist:
		s.Open = append(s.Open, Open{ID: id, Kind: m.Kind, Dept: dept, PublishEnd: m.PublishEnd, Severity: m.Severity})
	}
	if m.Kind == KindBlacklist || m.Kind == KindRedlist {
		le := ListEntry{Dept: dept, PublishEnd: m.PublishEnd, Severity: m.Severity}
		if err := ctx.Store.Set(ListKey(m.Kind, m.SubjectRef, id), module.MustJSON(le)); err != nil {
			return "", err
		}
	}
	if target != nil {
		target.RepairedBy, target.RepairedHeight, target.RepairedTime = id, ctx.Height, blockTime(ctx)
		if err := ctx.Store.Set(EventKey(target.ID), module.MustJSON(target)); err != nil {
			return "", err
		}
		s.Open = slices.DeleteFunc(s.Open, func(o Open) bool { return o.ID == target.ID })
		if target.Kind == KindBlacklist {
			if err := ctx.Store.Delete(ListKey(target.Kind, target.SubjectRef, target.ID)); err != nil {
				return "", err
			}
		}
	}
	if s.Open != nil && len(s.Open) == 0 {
		s.Open = nil
	}
	for _, kv := range []struct{ k, v []byte }{
		{EventKey(id), module.MustJSON(r)},
		{SubjectKey(m.SubjectRef), module.MustJSON(s)},
		{deptKey(dept, id), []byte(m.Kind)},
		{dk, []byte(id)},
		{sk, []byte(id)},
	} {
		if err := ctx.Store.Set(kv.k, kv.v); err != nil {
			return "", err
		}
	}
	ctx.Emit(credittypes.EventRecorded, "id", id, "kind", m.Kind, "dept", dept, "subject_kind", m.SubjectKind, "subject_ref", m.SubjectRef)
	if target != nil {
		ctx.Emit(credittypes.EventRepaired, "id", target.ID, "repair", id, "kind", target.Kind, "subject_ref", target.SubjectRef)
	}
	if err := mon.finish(ctx, r, target); err != nil {
		return "", err
	}
	return id, nil
}

// repairTarget loads and checks the event m repairs: a penalty or black
// list event of the same subject, not yet repaired, recorded by the
// signer's department unless governance executes the repair.
func repairTarget(ctx *module.Context, m *Event) (*Record, error) {
	t, err := GetRecord(ctx.Store, m.Repairs)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, ErrNotFound.Wrapf("repairs %s: no such credit event", m.Repairs)
	}
	if !Repairable(t.Kind) {
		return nil, ErrNotRepairable.Wrapf("event %s is a %s event; only penalty and blacklist events can be repaired", t.ID, t.Kind)
	}
	if t.SubjectKind != m.SubjectKind || t.SubjectRef != m.SubjectRef {
		return nil, ErrBadSubject.Wrapf("the repair names subject %s %s but event %s is about %s %s", m.SubjectKind, m.SubjectRef, t.ID, t.SubjectKind, t.SubjectRef)
	}
	if t.RepairedBy != "" {
		return nil, ErrAlreadyRepair.Wrapf("event %s was repaired by event %s at height %d", t.ID, t.RepairedBy, t.RepairedHeight)
	}
	if !ctx.Signer.Governance && t.Dept != ctx.Signer.Dept {
		return nil, ErrNotRecorder.Wrapf("event %s was recorded by %s; only %s or a governance proposal can repair it, not %s", t.ID, t.Dept, t.Dept, ctx.Signer.Dept)
	}
	return t, nil
}
