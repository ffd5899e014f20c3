package catalog

import (
	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
)

func handleTransfer(ctx *module.Context, m *TransferItem) error {
	if err := identity.RequireGrant(ctx, GovGrant); err != nil {
		return err
	}
	if err := text("reason", m.Reason, maxText, true); err != nil {
		return err
	}
	kv := ctx.Store
	rec, err := load[ItemRecord](kv, KindItem, m.Key)
	if err != nil {
		return err
	}
	if rec == nil {
		return ErrNotFound.Wrapf("data item %s has no authoritative source to transfer", m.Key)
	}
	d, err := identity.GetDept(kv, m.To)
	if err != nil {
		return err
	}
	if d.Status != identity.StatusActive {
		return identity.ErrDeptInactive.Wrapf("department %s is %s", m.To, d.Status)
	}
	if m.To == rec.Owner {
		return ErrBadState.Wrapf("data item %s is already owned by %s", m.Key, m.To)
	}
	var newSrc *Resource
	if m.Resource != "" {
		if newSrc, err = load[Resource](kv, KindResource, m.Resource); err != nil {
			return err
		}
		switch {
		case newSrc == nil:
			return ErrNotFound.Wrapf("resource %s does not exist", m.Resource)
		case newSrc.Provider != m.To:
			return ErrOtherDept.Wrapf("resource %s belongs to %s, not to the new owner %s", m.Resource, newSrc.Provider, m.To)
		case !newSrc.HasItem(m.Key):
			return ErrBadInput.Wrapf("resource %s has no data item %s", m.Resource, m.Key)
		case newSrc.Status != StatusActive:
			return ErrBadState.Wrapf("resource %s is %s", m.Resource, newSrc.Status)
		}
	}
	// the old source resource stops claiming the item (a new version of it,
	// signed by governance), the new one starts
	if rec.Source != "" {
		old, err := load[Resource](kv, KindResource, rec.Source)
		if err != nil {
			return err
		}
		if it := oldItem(old, m.Key); it != nil && it.Source {
			it.Source = false
			if err := put(ctx, KindResource, old.Code, old.Version, old); err != nil {
				return err
			}
			if err := kv.Set(idxItemResource(m.Key, old.Code), itemRole(false)); err != nil {
				return err
			}
		}
	}
	next := *rec
	next.Owner, next.Source, next.Reason = m.To, m.Resource, m.Reason
	if newSrc != nil {
		it := newSrc.ItemByKey(m.Key)
		next.Name, next.Type, next.Length, next.Description = it.Name, it.Type, it.Length, it.Description
		if !it.Source {
			it.Source = true
			if err := put(ctx, KindResource, newSrc.Code, newSrc.Version, newSrc); err != nil {
				return err
			}
			if err := kv.Set(idxItemResource(m.Key, newSrc.Code), itemRole(true)); err != nil {
				return err
			}
		}
	}
	if err := put(ctx, KindItem, m.Key, rec.Version, &next); err != nil {
		return err
	}
	if err := kv.Delete(idxDept(rec.Owner, KindItem, m.Key)); err != nil {
		return err
	}
	if err := kv.Set(idxDept(m.To, KindItem, m.Key), RecordKey(KindItem, m.Key)); err != nil {
		return err
	}
	ctx.Emit(catalogtypes.EventItemTransferred, "key", m.Key, "from", rec.Owner, "to", m.To)
	return nil
}

func oldItem(r *Resource, key string) *Item {
	if r == nil {
		return nil
	}
	return r.ItemByKey(key)
}

func handleAttest(ctx *module.Context, m *Attest) error {
	kv := ctx.Store
	if m.Verdict != VerdictConfirm && m.Verdict != VerdictDispute {
		return ErrBadInput.Wrapf("verdict %q must be confirm or dispute", m.Verdict)
	}
	if !ValidSM3(m.EvidenceSM3) {
		return ErrBadInput.Wrapf("evidence_sm3 %q must be 64 lower-case hex characters", m.EvidenceSM3)
	}
	if err := text("comment", m.Comment, maxText, m.Verdict == VerdictDispute); err != nil {
		return errs.From(err).Wrapf("%s (a dispute must say what is wrong)", msgOf(err))
	}
	a := &Attestation{Dept: ctx.Signer.Dept, Target: m.Target, Subject: m.Subject, Verdict: m.Verdict,
		EvidenceSM3: m.EvidenceSM3, Comment: m.Comment, Status: AttestConfirmed}
	switch m.Target {
	case TargetItem:
		if m.Item != "" && m.Item != m.Subject {
			return ErrBadInput.Wrapf("an item attestation names the item as subject; item %q differs", m.Item)
		}
		rec, err := load[ItemRecord](kv, KindItem, m.Subject)
		if err != nil {
			return err
		}
		if rec == nil {
			return ErrNotFound.Wrapf("data item %s has no authoritative source to cross-check", m.Subject)
		}
		a.Owner, a.Item = rec.Owner, m.Subject
	case TargetTable:
		t, err := load[Table](kv, KindTable, m.Subject)
		if err != nil {
			return err
		}
		if t == nil {
			return ErrNotFound.Wrapf("table %s does not exist", m.Subject)
		}
		i := -1
		for j, c := range t.Columns {
			if c.Item == m.Item {
				i = j
			}
		}
		if i < 0 {
			return ErrBadInput.Wrapf("table %s maps no data item %q; name the mapping to cross-check with item", m.Subject, m.Item)
		}
		a.Owner, a.Item, a.Column = t.Dept, m.Item, t.Columns[i].Column
	default:
		return ErrBadInput.Wrapf("target %q must be item or table", m.Target)
	}
	if a.Owner == a.Dept {
		return ErrOwnEntry.Wrapf("%s %s belongs to %s: cross-checks come from other departments", m.Target, m.Subject, a.Dept)
	}
	if m.Verdict == VerdictDispute {
		a.Status = DisputeOpen
	}
	id, err := nextID(kv, KindAttestation, "AT")
	if err != nil {
		return err
	}
	a.ID = id
	if err := put(ctx, KindAttestation, id, 0, a); err != nil {
		return err
	}
	rk := RecordKey(KindAttestation, id)
	if err := kv.Set(idxItemAttest(a.Item, id), rk); err != nil {
		return err
	}
	if m.Target == TargetTable {
		if err := kv.Set(idxTableAttest(m.Subject, id), rk); err != nil {
			return err
		}
	}
	if a.Status == DisputeOpen {
		if err := kv.Set(idxOpenDispute(id), rk); err != nil {
			return err
		}
	}
	ctx.SetData([]byte(id))
	ctx.Emit(catalogtypes.EventAttest, "id", id, "target", m.Target, "subject", m.Subject, "verdict", m.Verdict, "owner", a.Owner)
	return nil
}

func handleResolve(ctx *module.Context, m *Resolve) error {
	if err := identity.RequireGrant(ctx, GovGrant); err != nil {
		return err
	}
	if m.Outcome != DisputeUpheld && m.Outcome != DisputeRejected {
		return ErrBadInput.Wrapf("outcome %q must be upheld or dismissed", m.Outcome)
	}
	if err := text("note", m.Note, maxText, true); err != nil {
		return err
	}
	a, err := load[Attestation](ctx.Store, KindAttestation, m.ID)
	if err != nil {
		return err
	}
	if a == nil {
		return ErrNotFound.Wrapf("attestation %s does not exist", m.ID)
	}
	if a.Status != DisputeOpen {
		return ErrBadState.Wrapf("attestation %s is %s, not an open dispute", m.ID, a.Status)
	}
	a.Status, a.Resolution = m.Outcome, m.Note
	if err := put(ctx, KindAttestation, a.ID, a.Version, a); err != nil {
		return err
	}
	if err := ctx.Store.Delete(idxOpenDispute(a.ID)); err != nil {
		return err
	}
	ctx.Emit(catalogtypes.EventResolved, "id", a.ID, "outcome", m.Outcome)
	return nil
}
