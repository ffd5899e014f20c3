package gov_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/upgrade"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
)

const release = "4f3c2b1a00112233445566778899aabbccddeeff00112233445566778899aabb"

// example is the worked example of docs/operator.md: certificate types get
// renewal_notice_days (certificate state version 2).
var example = chain.Migration{Plan: "v2", Versions: map[string]uint64{upgrade.App: 2, certificate.Name: 2}, Migrate: certificate.MigrateRenewalNotice}

func upgradeChain(t *testing.T, ms ...chain.Migration) (*chaintest.Chain, *[]error) {
	t.Helper()
	c := chaintest.New(t, chaintest.Options{Depts: 4, Modules: []module.Module{certificate.Module{}, gov.Module{}}})
	if err := c.App.SetUpgrades(ms...); err != nil {
		t.Fatal(err)
	}
	var halts []error
	c.App.OnHalt(func(err error) { halts = append(halts, err) })
	return c, &halts
}

// schedule passes an upgrade plan (policy ALL: every department approves).
func schedule(t *testing.T, c *chaintest.Chain, name string, height int64) uint64 {
	t.Helper()
	id := propose(t, c, 0, gov.KindUpgrade, gov.Upgrade{Name: name, Height: height, SHA256: release, Notes: "test release"})
	for i := 1; i < 4; i++ {
		mustVote(t, c, i, id, gov.VoteApprove)
	}
	if p := status(t, c, id); p.Status != gov.Passed || p.Policy.Rule != gov.RuleAll {
		t.Fatalf("upgrade proposal: %+v", p)
	}
	return id
}

func certType(t *testing.T, c *chaintest.Chain, code string) certificate.CertType {
	t.Helper()
	ty, err := certificate.GetType(c.View(), code)
	if err != nil {
		t.Fatal(err)
	}
	return *ty
}

func version(t *testing.T, c *chaintest.Chain, name string) uint64 {
	t.Helper()
	v, err := upgrade.Version(c.View(), name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestUpgradeMigratesOnceAtItsHeight: a binary that knows the plan does
// nothing of it before the height (the module's new rule included), runs
// the migration first thing in the block of that height, once, and moves
// the versions; a binary without the migration refuses the state after.
func TestUpgradeMigratesOnceAtItsHeight(t *testing.T) {
	c, halts := upgradeChain(t, example)
	c.MustOK(c.Tx(c.Depts[1].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照", MaxValidityDays: 1825}))
	h := c.Height + 8
	schedule(t, c, "v2", h)
	if p, known := c.App.PendingUpgrade(); p == nil || p.Name != "v2" || p.Height != h || !known {
		t.Fatalf("pending: %+v known %v", p, known)
	}
	// before the height: the old rules (no renewal notice on a new type)
	c.MustOK(c.Tx(c.Depts[1].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "FL", Name: "食品经营许可证"}))
	for c.Height < h-1 {
		c.Block()
	}
	if ty := certType(t, c, "FL"); ty.RenewalNoticeDays != 0 || version(t, c, certificate.Name) != 1 || version(t, c, upgrade.App) != 1 {
		t.Fatalf("before the height: %+v, versions %d/%d", ty, version(t, c, upgrade.App), version(t, c, certificate.Name))
	}
	res := c.Block()
	if len(*halts) != 0 {
		t.Fatalf("halted: %v", *halts)
	}
	var applied bool
	for _, e := range res.Events {
		applied = applied || e.Type == upgrade.EvApplied
	}
	if !applied {
		t.Fatalf("no %s event at height %d: %+v", upgrade.EvApplied, h, res.Events)
	}
	if cp := res.ConsensusParamUpdates; cp == nil || cp.Version == nil || cp.Version.App != 2 {
		t.Fatalf("headers after the upgrade must carry app version 2: %+v", cp)
	}
	for _, code := range []string{"BL", "FL"} {
		if ty := certType(t, c, code); ty.RenewalNoticeDays != certificate.DefaultRenewalNoticeDays {
			t.Fatalf("type %s after the migration: %+v", code, ty)
		}
	}
	if version(t, c, certificate.Name) != 2 || version(t, c, upgrade.App) != 2 || version(t, c, gov.Module{}.Name()) != 1 {
		t.Fatal("versions not moved")
	}
	if p, _ := c.App.PendingUpgrade(); p != nil {
		t.Fatalf("plan still pending: %+v", p)
	}
	if ok, _ := c.View().Has(upgrade.DoneKey("v2")); !ok {
		t.Fatal("no applied record")
	}
	// the new rule from the height on; the migration does not run again
	c.MustOK(c.Tx(c.Depts[1].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "ML", Name: "医疗机构执业许可证"}))
	if ty := certType(t, c, "ML"); ty.RenewalNoticeDays != certificate.DefaultRenewalNoticeDays {
		t.Fatalf("type defined after the upgrade: %+v", ty)
	}
	n := 0
	for k := range c.Dump() {
		if strings.HasPrefix(k, upgrade.LogPrefix) {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("history has %d entries, want scheduled + applied", n)
	}
	// the binary with the migration runs on; one without refuses the state
	if err := c.App.CheckUpgrade(); err != nil {
		t.Fatal(err)
	}
	old, err := chain.NewApp(c.Store, certificate.Module{}, gov.Module{})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.CheckUpgrade(); err == nil || !strings.Contains(err.Error(), `predates upgrade "v2"`) || !strings.Contains(err.Error(), release) {
		t.Fatalf("old binary on the upgraded state: %v", err)
	}
	// a name applied once is never scheduled again
	res = c.Block(c.Tx(c.Depts[0].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindUpgrade, Action: act(gov.Upgrade{Name: "v2", Height: c.Height + 10, SHA256: release}), Reason: "again"}))
	wantCode(t, res.TxResults[0].Code, res.TxResults[0].Codespace, res.TxResults[0].Log, gov.ErrUpgradeName)
}

// finalize runs FinalizeBlock of the next height without committing it.
func finalize(c *chaintest.Chain) (*abci.FinalizeBlockResponse, error) {
	return c.App.FinalizeBlock(context.Background(), &abci.FinalizeBlockRequest{Height: c.Height + 1, Time: chaintest.Genesis0.Add(1e9 * 1000), Hash: chaintest.BlockHash(c.Height + 1)})
}

// TestUpgradeUnknownPlanHalts: a binary without the plan halts once the
// block before the height is committed, rejects proposals of the height,
// refuses to execute the block (nothing of it is written) and refuses to
// start.
func TestUpgradeUnknownPlanHalts(t *testing.T) {
	c, halts := upgradeChain(t)
	h := c.Height + 6
	schedule(t, c, "v2", h)
	for c.Height < h-2 {
		c.Block()
	}
	if len(*halts) != 0 || c.App.CheckUpgrade() != nil {
		t.Fatalf("halted early: %v %v", *halts, c.App.CheckUpgrade())
	}
	c.Block() // h-1
	if len(*halts) != 1 || !strings.Contains((*halts)[0].Error(), `UPGRADE NEEDED: plan "v2" is scheduled at height`) || !strings.Contains((*halts)[0].Error(), release) {
		t.Fatalf("after committing %d: halts %v", c.Height, *halts)
	}
	pp, err := c.App.ProcessProposal(context.Background(), &abci.ProcessProposalRequest{Height: h, Time: chaintest.Genesis0})
	if err != nil || pp.Status != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Fatalf("proposal of height %d: %v %v", h, pp, err)
	}
	_, committed := c.Store.LastCommit()
	if _, err := finalize(c); err == nil || !strings.Contains(err.Error(), "UPGRADE NEEDED") {
		t.Fatalf("FinalizeBlock(%d): %v", h, err)
	}
	if string(c.Store.WorkingHash()) != string(committed) {
		t.Fatal("the refused block wrote to the state")
	}
	if err := c.App.CheckUpgrade(); err == nil || !strings.Contains(err.Error(), "UPGRADE NEEDED") {
		t.Fatalf("start at %d: %v", c.Height, err)
	}
}

// TestUpgradeMigrationFails: a migration that fails halts the node with
// its error and writes nothing; the fixed release then migrates.
func TestUpgradeMigrationFails(t *testing.T) {
	broken := chain.Migration{Plan: "v2", Versions: example.Versions, Migrate: func(ctx *module.Context) error {
		if err := certificate.MigrateRenewalNotice(ctx); err != nil {
			return err
		}
		return errors.New("type BL has no owner")
	}}
	c, halts := upgradeChain(t, broken)
	c.MustOK(c.Tx(c.Depts[1].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照", MaxValidityDays: 1825}))
	h := c.Height + 6
	schedule(t, c, "v2", h)
	for c.Height < h-1 {
		c.Block()
	}
	before := c.Dump()
	_, committed := c.Store.LastCommit()
	_, err := finalize(c)
	if err == nil || !strings.Contains(err.Error(), "UPGRADE FAILED") || !strings.Contains(err.Error(), "type BL has no owner") {
		t.Fatalf("FinalizeBlock(%d): %v", h, err)
	}
	if len(*halts) != 1 || (*halts)[0].Error() != err.Error() {
		t.Fatalf("halts: %v", *halts)
	}
	if string(c.Store.WorkingHash()) != string(committed) {
		t.Fatal("the failed migration wrote to the state")
	}
	if after := c.Dump(); len(after) != len(before) {
		t.Fatal("state changed")
	}
	// the fixed release, started on the same state, migrates
	fixed, err := chain.NewApp(c.Store, certificate.Module{}, gov.Module{})
	if err != nil {
		t.Fatal(err)
	}
	if err := fixed.SetUpgrades(example); err != nil {
		t.Fatal(err)
	}
	if err := fixed.CheckUpgrade(); err != nil {
		t.Fatal(err)
	}
	c.App = fixed
	c.Block()
	if ty := certType(t, c, "BL"); ty.RenewalNoticeDays != certificate.DefaultRenewalNoticeDays || version(t, c, upgrade.App) != 2 {
		t.Fatalf("after the fixed release: %+v", ty)
	}
}

// TestUpgradeBadInput: plans in the past, duplicate and malformed names,
// a second pending plan, cancellation, and a plan whose height passed
// while it was voted on.
func TestUpgradeBadInput(t *testing.T) {
	c, _ := upgradeChain(t)
	try := func(kind string, a any) *abci.ExecTxResult {
		t.Helper()
		return c.Block(c.Tx(c.Depts[0].Admin, gov.MsgPropose, gov.Propose{Kind: kind, Action: act(a), Reason: "test"})).TxResults[0]
	}
	past := try(gov.KindUpgrade, gov.Upgrade{Name: "v2", Height: c.Height, SHA256: release})
	wantCode(t, past.Code, past.Codespace, past.Log, gov.ErrUpgradeHeight)
	now := try(gov.KindUpgrade, gov.Upgrade{Name: "v2", Height: c.Height + 1, SHA256: release}) // executes at that very height
	wantCode(t, now.Code, now.Codespace, now.Log, gov.ErrUpgradeHeight)
	for _, bad := range []gov.Upgrade{
		{Name: "V2", Height: c.Height + 50, SHA256: release},
		{Name: "", Height: c.Height + 50, SHA256: release},
		{Name: "v2", Height: c.Height + 50, SHA256: strings.ToUpper(release)},
		{Name: "v2", Height: c.Height + 50, SHA256: release[:62]},
	} {
		r := try(gov.KindUpgrade, bad)
		wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrBadAction)
	}
	r := try(gov.KindUpgrade, gov.Upgrade{Name: "v2", Height: c.Height + 50, SHA256: release, Notes: "bad\u202enotes"})
	wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrUnreadable)

	h := c.Height + 40
	schedule(t, c, "v2", h)
	r = try(gov.KindUpgrade, gov.Upgrade{Name: "v2", Height: h + 10, SHA256: release})
	wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrUpgradeName)
	r = try(gov.KindUpgrade, gov.Upgrade{Name: "v3", Height: h + 10, SHA256: release})
	wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrUpgradePending)
	r = try(gov.KindCancelUpgrade, gov.CancelUpgrade{Name: "v3"})
	wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrNoUpgrade)

	// cancel (2/3: three of four), then the name can be planned again
	id := propose(t, c, 0, gov.KindCancelUpgrade, gov.CancelUpgrade{Name: "v2"})
	mustVote(t, c, 1, id, gov.VoteApprove)
	mustVote(t, c, 2, id, gov.VoteApprove)
	if p := status(t, c, id); p.Status != gov.Passed {
		t.Fatalf("cancel: %+v", p)
	}
	if p, _ := c.App.PendingUpgrade(); p != nil {
		t.Fatalf("still pending after cancel: %+v", p)
	}

	// a plan whose height passes during the vote fails when it executes
	id = propose(t, c, 0, gov.KindUpgrade, gov.Upgrade{Name: "v2", Height: c.Height + 3, SHA256: release})
	for i := 1; i < 4; i++ {
		mustVote(t, c, i, id, gov.VoteApprove)
	}
	if p := status(t, c, id); p.Status != "failed" || !strings.Contains(p.Error, "gov/340") {
		t.Fatalf("late plan: %+v", p)
	}
	if p, _ := c.App.PendingUpgrade(); p != nil {
		t.Fatalf("late plan pending: %+v", p)
	}
}
