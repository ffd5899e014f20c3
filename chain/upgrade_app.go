package chain

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/upgrade"
)

// Migration is the state migration a binary runs for one governance
// upgrade plan (chain/upgrade): first thing in FinalizeBlock of the plan's
// height, once, over the state the previous block left. A binary knows
// the plans it has a Migration for; at the height of a plan it does not
// know it halts before executing the block.
type Migration struct {
	// Plan is the name the governance plan gives the release.
	Plan string
	// Versions after the migration: the app's (upgrade.App) must rise;
	// a module listed moves to the version given, which must be higher
	// than the one in state.
	Versions map[string]uint64
	// Migrate rewrites state. It must be deterministic like any contract
	// code; an error halts the node with nothing of it written.
	Migrate func(ctx *module.Context) error
}

// upgrades is the app's part of governed upgrades.
type upgrades struct {
	known  map[string]Migration
	onHalt func(error)
	// pending is the plan in the last committed state (nil: none).
	pending *upgrade.Plan
	halted  bool
}

// SetUpgrades registers the migrations this binary knows (node.Upgrades).
func (a *App) SetUpgrades(ms ...Migration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	known := map[string]Migration{}
	for _, m := range ms {
		if err := upgrade.CheckName(m.Plan); err != nil {
			return fmt.Errorf("chain: migration: %w", err)
		}
		if _, dup := known[m.Plan]; dup {
			return fmt.Errorf("chain: migration for plan %q registered twice", m.Plan)
		}
		if m.Versions[upgrade.App] < 2 || m.Migrate == nil {
			return fmt.Errorf("chain: migration %q must raise the app version (versions %v) and have a Migrate function", m.Plan, m.Versions)
		}
		for name := range m.Versions {
			if name != upgrade.App && !slices.ContainsFunc(a.modules, func(x module.Module) bool { return x.Name() == name }) {
				return fmt.Errorf("chain: migration %q moves the version of unknown module %q", m.Plan, name)
			}
		}
		known[m.Plan] = m
	}
	a.upg.known = known
	return nil
}

// OnHalt sets what the app calls when it stops the chain on this node: at
// the height of an upgrade plan this binary does not know (after
// committing the block before it) or when a migration fails. The node
// stops and exits with the error; fn must not block.
func (a *App) OnHalt(fn func(error)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.upg.onHalt = fn
}

func (a *App) halt(err error) {
	if a.upg.halted {
		return
	}
	a.upg.halted = true
	if a.upg.onHalt != nil {
		a.upg.onHalt(err)
	}
}

// Versions are the versions of the app and of each module this binary
// runs at most: 1, raised by the migrations it knows.
func (a *App) Versions() map[string]uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.versions()
}

func (a *App) versions() map[string]uint64 {
	v := map[string]uint64{upgrade.App: AppVersion}
	for _, m := range a.modules {
		v[m.Name()] = 1
	}
	for _, m := range a.upg.known {
		for name, n := range m.Versions {
			v[name] = max(v[name], n)
		}
	}
	return v
}

// StateVersions reads the versions in force in kv (absent keys: 1).
func StateVersions(kv state.KV, names []string) (map[string]uint64, error) {
	out := map[string]uint64{}
	for _, n := range names {
		v, err := upgrade.Version(kv, n)
		if err != nil {
			return nil, err
		}
		out[n] = v
	}
	return out, nil
}

// PendingUpgrade is the plan in the last committed state, and whether
// this binary knows it.
func (a *App) PendingUpgrade() (*upgrade.Plan, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.upg.pending
	if p == nil {
		return nil, false
	}
	_, ok := a.upg.known[p.Name]
	cp := *p
	return &cp, ok
}

// CheckUpgrade refuses to run this binary on the committed state when the
// chain has moved past it: a version in state is newer than the binary
// runs, or the next block is the height of a plan the binary does not
// know. The node calls it before starting consensus.
func (a *App) CheckUpgrade() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	v, _ := a.store.LastCommit()
	if v == 0 {
		return nil
	}
	view, err := a.store.At(v)
	if err != nil {
		return err
	}
	mine := a.versions()
	var names []string
	err = state.IteratePrefix(view, []byte(upgrade.VersionPrefix), true, func(k, val []byte) (bool, error) {
		name := string(k[len(upgrade.VersionPrefix):])
		n, err := upgrade.ParseVersion(val)
		if err != nil {
			return false, err
		}
		if n > mine[name] {
			names = append(names, fmt.Sprintf("%s at version %d (this binary runs %d)", name, n, mine[name]))
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if len(names) > 0 {
		last := lastApplied(view)
		return fmt.Errorf("UPGRADE NEEDED: the state at height %d holds %v: this binary predates upgrade %q (applied at height %d); install the release with SHA-256 %s",
			v, names, last.Name, last.Height, last.SHA256)
	}
	if p := a.upg.pending; p != nil && p.Height <= v+1 {
		if _, ok := a.upg.known[p.Name]; !ok {
			return errors.New(p.Halt())
		}
	}
	return nil
}

// lastApplied is the newest applied plan in the history (zero if none).
func lastApplied(kv state.KV) upgrade.Plan {
	var out upgrade.Plan
	_ = state.IteratePrefix(kv, []byte(upgrade.LogPrefix), false, func(_, v []byte) (bool, error) {
		var e upgrade.Entry
		if _, err := module.GetJSONBytes(v, &e); err != nil || e.Event != upgrade.EventApplied {
			return err == nil, nil
		}
		out = e.Plan
		return false, nil
	})
	return out
}

// loadUpgrade reads the pending plan of the committed state kv.
func (a *App) loadUpgrade(kv state.KV) error {
	p, err := upgrade.Pending(kv)
	if err != nil {
		return err
	}
	a.upg.pending = p
	upgradeGauge().Reset()
	if p != nil {
		upgradeGauge().WithLabelValues(p.Name).Set(float64(p.Height))
	}
	return nil
}

// upgradeBlocks is why this binary must not take part in block h: it is
// the height of a plan the binary does not know (ProcessProposal rejects).
func (a *App) upgradeBlocks(h int64) error {
	p := a.upg.pending
	if p == nil || p.Height != h {
		return nil
	}
	if _, ok := a.upg.known[p.Name]; ok {
		return nil
	}
	return errors.New(p.Halt())
}

// afterCommit runs after block h is committed: the node halts now when
// block h+1 is the height of a plan this binary does not know, so that it
// neither proposes, votes on nor executes that block.
func (a *App) upgradeAfterCommit(h int64) {
	if err := a.loadUpgrade(a.checkState); err != nil {
		a.halt(fmt.Errorf("chain: read the upgrade plan after height %d: %w", h, err))
		return
	}
	if err := a.upgradeBlocks(h + 1); err != nil {
		a.halt(err)
	}
}

// upgradeAt runs at the start of FinalizeBlock of height h: at the height
// of the pending plan it runs the plan's migration (writing the new
// versions, the applied record and the history entry) or, when this
// binary does not know the plan or the migration fails, halts the node
// with nothing written. Other heights: nothing.
//
// A migration's events open the block's events, and its new app version
// goes to CometBFT as a consensus parameter update, so headers from h+1 on
// carry it (Header.Version.App).
func (a *App) upgradeAt(working state.KV, h int64, t time.Time) (upgradeResult, error) {
	var none upgradeResult
	p, err := upgrade.Pending(working)
	if err != nil || p == nil {
		return none, err
	}
	if p.Height > h {
		return none, nil
	}
	if p.Height < h {
		err := fmt.Errorf("chain: upgrade %q of height %d is still pending at height %d", p.Name, p.Height, h)
		a.halt(err)
		return none, err
	}
	m, ok := a.upg.known[p.Name]
	if !ok {
		err := errors.New(p.Halt())
		a.halt(err)
		return none, err
	}
	events, err := a.migrate(working, p, m, h, t)
	if err != nil {
		err = fmt.Errorf("UPGRADE FAILED: plan %q at height %d: %w; nothing of it was written (the state is still that of height %d): fix the release and start the node again", p.Name, h, err, h-1)
		a.halt(err)
		return none, err
	}
	return upgradeResult{events: events, params: &cmtproto.ConsensusParams{Version: &cmtproto.VersionParams{App: m.Versions[upgrade.App]}}}, nil
}

// upgradeResult is what a plan's migration adds to FinalizeBlock's answer.
type upgradeResult struct {
	events []abci.Event
	params *cmtproto.ConsensusParams // nil: no change
}

// appVersion is the app version in the last committed state.
func (a *App) appVersion() uint64 {
	view, err := a.store.At(0)
	if err != nil {
		return AppVersion
	}
	v, err := upgrade.Version(view, upgrade.App)
	if err != nil {
		return AppVersion
	}
	return v
}

func (a *App) migrate(working state.KV, p *upgrade.Plan, m Migration, h int64, t time.Time) ([]abci.Event, error) {
	cache := state.NewCache(working)
	ctx := &module.Context{ChainID: a.chainID, Height: h, Time: t, Store: cache, Route: a.route}
	names := make([]string, 0, len(m.Versions))
	for name := range m.Versions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cur, err := upgrade.Version(cache, name)
		if err != nil {
			return nil, err
		}
		if m.Versions[name] <= cur {
			return nil, fmt.Errorf("the migration moves %s from version %d to %d; it must rise", name, cur, m.Versions[name])
		}
	}
	if err := m.Migrate(ctx); err != nil {
		return nil, err
	}
	for _, name := range names {
		if err := cache.Set(upgrade.VersionKey(name), upgrade.FormatVersion(m.Versions[name])); err != nil {
			return nil, err
		}
	}
	if err := cache.Delete(upgrade.PlanKey); err != nil {
		return nil, err
	}
	if err := cache.Set(upgrade.DoneKey(p.Name), module.MustJSON(upgrade.Applied{Plan: *p, Versions: m.Versions})); err != nil {
		return nil, err
	}
	if err := upgrade.AppendLog(cache, upgrade.Entry{Event: upgrade.EventApplied, Height: h, Plan: *p}); err != nil {
		return nil, err
	}
	if err := cache.Write(); err != nil {
		return nil, err
	}
	events := toABCIEvents(ctx.Events())
	events = append(events, abci.Event{Type: upgrade.EvApplied, Attributes: []abci.EventAttribute{
		{Key: "name", Value: p.Name, Index: true},
		{Key: "height", Value: strconv.FormatInt(h, 10), Index: true},
		{Key: "app_version", Value: strconv.FormatUint(m.Versions[upgrade.App], 10), Index: true},
	}})
	return events, nil
}

var (
	upgradeGaugeOnce sync.Once
	theUpgradeGauge  *prometheus.GaugeVec
)

// upgradeGauge is govchain_upgrade_pending_height{plan}: the height of the
// pending upgrade plan (no series when none is pending).
func upgradeGauge() *prometheus.GaugeVec {
	upgradeGaugeOnce.Do(func() {
		theUpgradeGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "govchain", Name: "upgrade_pending_height",
			Help: "Height of the pending software upgrade plan, by plan name (no series when none is pending); nodes without the release halt before that block.",
		}, []string{"plan"})
		_ = prometheus.DefaultRegisterer.Register(theUpgradeGauge)
	})
	return theUpgradeGauge
}
