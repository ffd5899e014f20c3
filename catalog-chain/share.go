package catalog

import (
	"slices"
	"time"

	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/module"
)

func grant(s *Share, now time.Time) {
	s.Status = ShareGranted
	s.GrantedAt = FormatTime(now)
	s.ExpiresAt = FormatTime(now.Add(time.Duration(s.PeriodDays) * 24 * time.Hour))
}

func handleShareRequest(ctx *module.Context, m *ShareRequest) error {
	kv := ctx.Store
	res, err := load[Resource](kv, KindResource, m.Resource)
	if err != nil {
		return err
	}
	if res == nil {
		return ErrNotFound.Wrapf("resource %s does not exist", m.Resource)
	}
	if res.Status != StatusActive {
		return ErrBadState.Wrapf("resource %s is %s", m.Resource, res.Status)
	}
	if res.Provider == ctx.Signer.Dept {
		return ErrOwnEntry.Wrapf("resource %s is %s's own", m.Resource, res.Provider)
	}
	if len(m.Items) == 0 || len(m.Items) > MaxItems {
		return ErrBadInput.Wrapf("request %d data items, want 1..%d", len(m.Items), MaxItems)
	}
	for i, k := range m.Items {
		if !res.HasItem(k) {
			return ErrBadInput.Wrapf("resource %s has no data item %q", m.Resource, k)
		}
		if slices.Contains(m.Items[:i], k) {
			return ErrBadInput.Wrapf("data item %s requested twice", k)
		}
	}
	if err := text("purpose", m.Purpose, maxText, true); err != nil {
		return err
	}
	if err := text("legal basis", m.LegalBasis, maxLegalBasis, res.Sharing == Conditional); err != nil {
		return errs.From(err).Wrapf("%s (resource %s is shared conditionally: name the legal basis)", msgOf(err), m.Resource)
	}
	if m.PeriodDays < 1 || m.PeriodDays > MaxPeriodDays {
		return ErrBadInput.Wrapf("period_days %d outside 1..%d", m.PeriodDays, MaxPeriodDays)
	}
	id, err := nextID(kv, KindShare, "SQ")
	if err != nil {
		return err
	}
	s := &Share{ID: id, Requester: ctx.Signer.Dept, Provider: res.Provider, Resource: res.Code, Items: m.Items,
		Purpose: m.Purpose, LegalBasis: m.LegalBasis, PeriodDays: m.PeriodDays, Sharing: res.Sharing}
	switch res.Sharing {
	case Unconditional:
		grant(s, ctx.Time)
	case Conditional:
		s.Status = SharePending
	default:
		s.Status = ShareRejected
		s.Reason = "resource " + res.Code + " is not shared (不予共享): " + res.SharingBasis
	}
	if err := put(ctx, KindShare, id, 0, s); err != nil {
		return err
	}
	rk := RecordKey(KindShare, id)
	for _, k := range [][]byte{idxShareState(s.Status, id), idxDept(s.Requester, KindShare, id), idxDept(s.Provider, KindShare, id)} {
		if err := kv.Set(k, rk); err != nil {
			return err
		}
	}
	ctx.SetData(module.MustJSON(map[string]string{"id": id, "status": s.Status}))
	ctx.Emit(catalogtypes.EventShare, "id", id, "resource", res.Code, "requester", s.Requester, "provider", s.Provider, "status", s.Status)
	return nil
}

func loadShare(ctx *module.Context, id string) (*Share, error) {
	s, err := load[Share](ctx.Store, KindShare, id)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, ErrNotFound.Wrapf("sharing request %s does not exist", id)
	}
	return s, nil
}

func mustProvide(ctx *module.Context, s *Share, action string) error {
	if ctx.Signer.Dept != s.Provider {
		return ErrOtherDept.Wrapf("only the provider %s may %s request %s; signer is %s", s.Provider, action, s.ID, ctx.Signer.Dept)
	}
	return nil
}

func setShare(ctx *module.Context, s *Share, from string) error {
	if err := ctx.Store.Delete(idxShareState(from, s.ID)); err != nil {
		return err
	}
	if err := ctx.Store.Set(idxShareState(s.Status, s.ID), RecordKey(KindShare, s.ID)); err != nil {
		return err
	}
	if err := put(ctx, KindShare, s.ID, s.Version, s); err != nil {
		return err
	}
	ctx.Emit(catalogtypes.EventShare, "id", s.ID, "resource", s.Resource, "requester", s.Requester, "provider", s.Provider, "status", s.Status)
	return nil
}

func handleShareApprove(ctx *module.Context, m *ShareDecision) error {
	s, err := loadShare(ctx, m.ID)
	if err != nil {
		return err
	}
	if err := mustProvide(ctx, s, "approve"); err != nil {
		return err
	}
	if s.Status != SharePending {
		return ErrBadState.Wrapf("request %s is %s; only pending requests are approved", s.ID, s.StatusAt(ctx.Time))
	}
	if err := text("note", m.Reason, maxText, false); err != nil {
		return err
	}
	res, err := load[Resource](ctx.Store, KindResource, s.Resource)
	if err != nil {
		return err
	}
	switch {
	case res == nil || res.Status != StatusActive:
		return ErrBadState.Wrapf("resource %s is no longer active", s.Resource)
	case res.Sharing == NotShared:
		return ErrNotShared.Wrapf("resource %s is not shared (不予共享: %s); it can never be granted", s.Resource, res.SharingBasis)
	}
	grant(s, ctx.Time)
	s.Sharing, s.Reason = res.Sharing, m.Reason
	return setShare(ctx, s, SharePending)
}

func handleShareReject(ctx *module.Context, m *ShareDecision) error {
	s, err := loadShare(ctx, m.ID)
	if err != nil {
		return err
	}
	if err := mustProvide(ctx, s, "reject"); err != nil {
		return err
	}
	if s.Status != SharePending {
		return ErrBadState.Wrapf("request %s is %s; only pending requests are rejected", s.ID, s.StatusAt(ctx.Time))
	}
	if err := text("reason", m.Reason, maxText, true); err != nil {
		return errs.From(err).Wrapf("%s: a rejection must give its reason", msgOf(err))
	}
	s.Status, s.Reason = ShareRejected, m.Reason
	return setShare(ctx, s, SharePending)
}

func handleShareRevoke(ctx *module.Context, m *ShareDecision) error {
	s, err := loadShare(ctx, m.ID)
	if err != nil {
		return err
	}
	if ctx.Signer.Dept != s.Provider && ctx.Signer.Dept != s.Requester {
		return ErrOtherDept.Wrapf("only %s (provider) or %s (requester) may revoke request %s; signer is %s", s.Provider, s.Requester, s.ID, ctx.Signer.Dept)
	}
	switch st := s.StatusAt(ctx.Time); st {
	case ShareGranted:
	case ShareExpired:
		return ErrExpired.Wrapf("grant %s expired at %s (block time %s); nothing to revoke", s.ID, s.ExpiresAt, FormatTime(ctx.Time))
	default:
		return ErrBadState.Wrapf("request %s is %s; only granted requests are revoked", s.ID, st)
	}
	if err := text("reason", m.Reason, maxText, true); err != nil {
		return errs.From(err).Wrapf("%s: a revocation must give its reason", msgOf(err))
	}
	s.Status, s.Reason = ShareRevoked, m.Reason+" (by "+ctx.Signer.Dept+")"
	return setShare(ctx, s, ShareGranted)
}

func handleShareDeliver(ctx *module.Context, m *Deliver) error {
	s, err := loadShare(ctx, m.ID)
	if err != nil {
		return err
	}
	if err := mustProvide(ctx, s, "deliver under"); err != nil {
		return err
	}
	switch st := s.StatusAt(ctx.Time); st {
	case ShareGranted:
	case ShareExpired:
		return ErrExpired.Wrapf("grant %s expired at %s (block time %s); request it again", s.ID, s.ExpiresAt, FormatTime(ctx.Time))
	default:
		return ErrBadState.Wrapf("request %s is %s; deliveries need a granted request", s.ID, st)
	}
	if m.Rows < 0 {
		return ErrBadInput.Wrapf("rows %d is negative", m.Rows)
	}
	if !ValidSM3(m.BatchSM3) {
		return ErrBadInput.Wrapf("batch_sm3 %q must be 64 lower-case hex characters", m.BatchSM3)
	}
	if err := text("note", m.Note, maxText, false); err != nil {
		return err
	}
	id, err := nextID(ctx.Store, KindDelivery, "DL")
	if err != nil {
		return err
	}
	d := &Delivery{ID: id, Share: s.ID, Provider: s.Provider, Requester: s.Requester, Rows: m.Rows, BatchSM3: m.BatchSM3, Note: m.Note, Status: DeliveryDelivered}
	if err := put(ctx, KindDelivery, id, 0, d); err != nil {
		return err
	}
	if err := ctx.Store.Set(idxShareDelivery(s.ID, id), RecordKey(KindDelivery, id)); err != nil {
		return err
	}
	ctx.SetData([]byte(id))
	ctx.Emit(catalogtypes.EventDelivery, "id", id, "share", s.ID, "rows", itoa(m.Rows), "batch_sm3", m.BatchSM3)
	return nil
}

func handleShareAck(ctx *module.Context, m *Ack) error {
	d, err := load[Delivery](ctx.Store, KindDelivery, m.ID)
	if err != nil {
		return err
	}
	if d == nil {
		return ErrNotFound.Wrapf("delivery %s does not exist", m.ID)
	}
	if ctx.Signer.Dept != d.Requester {
		return ErrOtherDept.Wrapf("only the requester %s acknowledges delivery %s; signer is %s", d.Requester, d.ID, ctx.Signer.Dept)
	}
	if d.Status != DeliveryDelivered {
		return ErrBadState.Wrapf("delivery %s is already %s", d.ID, d.Status)
	}
	if !ValidSM3(m.BatchSM3) || m.Rows < 0 {
		return ErrBadInput.Wrapf("acknowledge with rows >= 0 and the batch's SM3 as 64 lower-case hex characters")
	}
	d.AckRows, d.AckSM3, d.Status = m.Rows, m.BatchSM3, DeliveryAcknowledged
	if m.Rows != d.Rows || m.BatchSM3 != d.BatchSM3 {
		d.Status = DeliveryMismatch
	}
	if err := put(ctx, KindDelivery, d.ID, d.Version, d); err != nil {
		return err
	}
	ctx.SetData([]byte(d.Status))
	ctx.Emit(catalogtypes.EventDelivery, "id", d.ID, "share", d.Share, "status", d.Status)
	return nil
}
