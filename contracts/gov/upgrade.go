package gov

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/upgrade"
	"github.com/govchain/govchain/contracts/gov/govtypes"
)

var (
	// ErrUpgradeHeight: a plan's height is not after the block that
	// schedules it (when proposed, and again when it executes).
	ErrUpgradeHeight = errs.Register("gov", 340, "upgrade height is not in the future")
	// ErrUpgradeName: the name is pending or was applied already.
	ErrUpgradeName = errs.Register("gov", 341, "upgrade name already used")
	// ErrUpgradePending: another plan is pending; cancel it first.
	ErrUpgradePending = errs.Register("gov", 342, "another upgrade is pending")
	// ErrNoUpgrade: cancel names no pending plan.
	ErrNoUpgrade = errs.Register("gov", 343, "no such pending upgrade")
)

// PendingUpgrade is the plan waiting for its height, or nil.
func PendingUpgrade(kv state.KV) (*upgrade.Plan, error) { return upgrade.Pending(kv) }

func checkUpgrade(ctx *module.Context, raw json.RawMessage) (string, error) {
	m, err := decode[Upgrade](raw)
	if err != nil {
		return "", err
	}
	if err := upgrade.CheckName(m.Name); err != nil {
		return "", ErrBadAction.Wrapf("%v", err)
	}
	if err := upgrade.CheckSHA256(m.SHA256); err != nil {
		return "", ErrBadAction.Wrapf("%v", err)
	}
	if len(m.Notes) > 1024 {
		return "", ErrBadAction.Wrapf("notes longer than 1024 bytes")
	}
	if err := readable.Text(m.Notes); err != nil {
		return "", ErrUnreadable.Wrapf("notes %s", err)
	}
	// The plan takes effect at the start of block Height; the block that
	// schedules it must come before, so that every node can halt in time.
	if m.Height <= ctx.Height {
		return "", ErrUpgradeHeight.Wrapf("height %d is not after the current block %d", m.Height, ctx.Height)
	}
	if ok, err := ctx.Store.Has(upgrade.DoneKey(m.Name)); err != nil || ok {
		if err != nil {
			return "", err
		}
		return "", ErrUpgradeName.Wrapf("upgrade %q was applied already; name the release anew", m.Name)
	}
	p, err := PendingUpgrade(ctx.Store)
	if err != nil {
		return "", err
	}
	if p != nil && p.Name == m.Name {
		return "", ErrUpgradeName.Wrapf("upgrade %q is already scheduled at height %d", m.Name, p.Height)
	}
	if p != nil {
		return "", ErrUpgradePending.Wrapf("upgrade %q is scheduled at height %d; cancel it first (cancel_upgrade)", p.Name, p.Height)
	}
	return fmt.Sprintf("upgrade the software at height %d to release %q (SHA-256 %s); nodes without it halt before block %d", m.Height, m.Name, m.SHA256, m.Height), nil
}

func applyUpgrade(ctx *module.Context, p *Proposal) error {
	m, _ := decode[Upgrade](p.Action)
	plan := upgrade.Plan{Name: m.Name, Height: m.Height, SHA256: m.SHA256, Notes: m.Notes, Proposal: p.ID, ScheduledAt: ctx.Height}
	if err := ctx.Store.Set(upgrade.PlanKey, module.MustJSON(plan)); err != nil {
		return err
	}
	if err := upgrade.AppendLog(ctx.Store, upgrade.Entry{Event: upgrade.EventScheduled, Height: ctx.Height, Plan: plan}); err != nil {
		return err
	}
	ctx.Emit(govtypes.EventUpgradeScheduled, "name", plan.Name, "height", strconv.FormatInt(plan.Height, 10), "sha256", plan.SHA256)
	return nil
}

func checkCancelUpgrade(ctx *module.Context, raw json.RawMessage) (string, error) {
	m, err := decode[CancelUpgrade](raw)
	if err != nil {
		return "", err
	}
	p, err := PendingUpgrade(ctx.Store)
	if err != nil {
		return "", err
	}
	if p == nil || p.Name != m.Name {
		pending := "none is pending"
		if p != nil {
			pending = fmt.Sprintf("the pending one is %q", p.Name)
		}
		return "", ErrNoUpgrade.Wrapf("no pending upgrade named %q (%s)", m.Name, pending)
	}
	return fmt.Sprintf("cancel upgrade %q scheduled at height %d", p.Name, p.Height), nil
}

func applyCancelUpgrade(ctx *module.Context, p *Proposal) error {
	plan, err := PendingUpgrade(ctx.Store)
	if err != nil {
		return err
	}
	if err := ctx.Store.Delete(upgrade.PlanKey); err != nil {
		return err
	}
	if err := upgrade.AppendLog(ctx.Store, upgrade.Entry{Event: upgrade.EventCancelled, Height: ctx.Height, Plan: *plan, CancelledBy: p.ID}); err != nil {
		return err
	}
	ctx.Emit(govtypes.EventUpgradeCancelled, "name", plan.Name, "height", strconv.FormatInt(plan.Height, 10))
	return nil
}
