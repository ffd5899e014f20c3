package gov_test

import (
	"encoding/json"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/gov"
)

// tryPropose sends a proposal from department i and returns its result.
func tryPropose(c *chaintest.Chain, i int, kind string, a any, requireAll bool) *abci.ExecTxResult {
	return c.Block(c.Tx(c.Depts[i].Admin, gov.MsgPropose, gov.Propose{Kind: kind, Action: act(a), Reason: "test", RequireAll: requireAll})).TxResults[0]
}

func wantRefused(t *testing.T, r *abci.ExecTxResult, want *errs.Error, logHas string) {
	t.Helper()
	wantCode(t, r.Code, r.Codespace, r.Log, want)
	if !strings.Contains(r.Log, logHas) {
		t.Fatalf("log %q does not say %q", r.Log, logHas)
	}
}

func power(t *testing.T, c *chaintest.Chain, code string) int64 {
	t.Helper()
	d, err := identity.GetDept(c.View(), code)
	if err != nil {
		t.Fatal(err)
	}
	return d.Validator.Power
}

func requireAll(p *gov.Propose) { p.RequireAll = true }

// newDept makes a joining department's admission action.
func newDept(t *testing.T, code string, pow int64) (gov.AdmitDept, *smcrypto.PrivateKey) {
	t.Helper()
	admin, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	val := ed25519.GenPrivKey().PubKey().Bytes()
	bind, err := admin.Sign(gov.AdmissionBinding(chaintest.ChainID, code, val))
	if err != nil {
		t.Fatal(err)
	}
	return gov.AdmitDept{Code: code, Name: code + " dept", AdminPublicKey: admin.PublicKey().Bytes(), ValidatorKey: val, Power: pow, Binding: bind}, admin
}

// The attack of issue #19: at the default 2/3 policy three of four
// departments gave one department 1000 of 1030 voting power, after which
// it made blocks alone. Now the proposal is refused when it is made, with
// require_all too: unanimity does not make a single department safe.
func TestPowerConcentrationRefused(t *testing.T) {
	c := newChain(t, 4)
	for _, all := range []bool{false, true} {
		r := tryPropose(c, 1, gov.KindSetValidator, gov.SetValidator{Code: "ZWFW", Power: 1000}, all)
		wantRefused(t, r, gov.ErrUnsafePower, "would give department ZWFW 1000 of 1030 voting power (>= 1/3)")
	}
	a, _ := newDept(t, "MZJ", 1000)
	wantRefused(t, tryPropose(c, 0, gov.KindAdmitDept, a, false), gov.ErrUnsafePower, "would give department MZJ 1000 of 1040 voting power")
	// exactly 1/3 is already too much: 15 of 45 lets RSJ halt the chain
	wantRefused(t, tryPropose(c, 0, gov.KindSetValidator, gov.SetValidator{Code: "RSJ", Power: 15}, false), gov.ErrUnsafePower, "15 of 45")
	// and lowering the others' power is the same attack from the other side
	wantRefused(t, tryPropose(c, 0, gov.KindSetValidator, gov.SetValidator{Code: "RSJ", Power: 0}, true), gov.ErrUnsafePower, "10 of 30 voting power (>= 1/3)")
	if p := power(t, c, "ZWFW"); p != 10 {
		t.Fatalf("ZWFW power %d", p)
	}
	// a moderate re-weighting is fine: 14 of 44 is below 1/3
	id := propose(t, c, 0, gov.KindSetValidator, gov.SetValidator{Code: "RSJ", Power: 14})
	mustVote(t, c, 1, id, gov.VoteApprove)
	mustVote(t, c, 2, id, gov.VoteApprove)
	if p := power(t, c, "RSJ"); p != 14 {
		t.Fatalf("RSJ power %d after a safe re-weighting: %+v", p, status(t, c, id))
	}
}

// Two proposals each safe on its own, unsafe together: the second to pass
// is re-checked at execution against the state the first left, and fails
// without writing anything.
func TestPowerRecheckedAtExecution(t *testing.T) {
	c := newChain(t, 5)                                                                     // 50; 2/3 of 5 is 4 approvals
	up := propose(t, c, 0, gov.KindSetValidator, gov.SetValidator{Code: "SCJG", Power: 18}) // 18 of 58
	down := propose(t, c, 0, gov.KindSetValidator, gov.SetValidator{Code: "RSJ", Power: 5}) // 10 of 45
	for _, i := range []int{1, 2, 3} {
		mustVote(t, c, i, down, gov.VoteApprove)
	}
	if p := status(t, c, down); p.Status != gov.Passed || power(t, c, "RSJ") != 5 {
		t.Fatalf("first proposal: %+v", p)
	}
	mustVote(t, c, 1, up, gov.VoteApprove)
	mustVote(t, c, 2, up, gov.VoteApprove)
	res := c.Block(c.Tx(c.Depts[3].Admin, gov.MsgVote, gov.CastVote{ID: up, Vote: gov.VoteApprove}))
	if res.TxResults[0].Code != 0 {
		t.Fatal(res.TxResults[0].Log)
	}
	p := status(t, c, up)
	if p.Status != "failed" || !strings.Contains(p.Error, "gov/313") || !strings.Contains(p.Error, "SCJG 18 of 53") {
		t.Fatalf("18 of 53 executed: %+v", p)
	}
	if power(t, c, "SCJG") != 10 || len(res.ValidatorUpdates) != 0 {
		t.Fatalf("failed proposal changed the set: power %d, updates %+v", power(t, c, "SCJG"), res.ValidatorUpdates)
	}
}

// The second attack of issue #19: set_params min_validators:1 passed at
// 2/3 without require_all, after which departments could be removed down
// to one. A safety parameter now changes only with every department.
func TestSafetyParamsNeedAll(t *testing.T) {
	c := newChain(t, 4)
	p := chain.DefaultParams()
	p.MinValidators = 1
	id := propose(t, c, 0, gov.KindSetParams, p)
	if s := status(t, c, id); s.Policy.Rule != gov.RuleAll || !strings.Contains(s.Summary, "min_validators 4 → 1") {
		t.Fatalf("min_validators change at policy %s: %+v", s.Policy, s)
	}
	mustVote(t, c, 1, id, gov.VoteApprove)
	mustVote(t, c, 2, id, gov.VoteApprove)
	if s := status(t, c, id); s.Status != "open" {
		t.Fatalf("min_validators changed with 3 of 4: %+v", s)
	}
	if got, _ := chain.LoadParams(c.View()); got.MinValidators != 4 {
		t.Fatalf("params %+v", got)
	}
	// so a removal is still refused, now when it is proposed
	r := tryPropose(c, 0, gov.KindRemoveDept, gov.DeptRef{Code: "WJW"}, false)
	wantRefused(t, r, gov.ErrMinValidators, "3 validators would remain, minimum 4")
	// even with every department the floor is not the only guard: three
	// equal departments cannot survive one going down
	mustVote(t, c, 3, id, gov.VoteApprove)
	if got, _ := chain.LoadParams(c.View()); got.MinValidators != 1 {
		t.Fatalf("unanimous change not applied: %+v", got)
	}
	r = tryPropose(c, 0, gov.KindRemoveDept, gov.DeptRef{Code: "WJW"}, true)
	wantRefused(t, r, gov.ErrUnsafePower, "10 of 30 voting power (>= 1/3)")

	// the power cap is a safety parameter too
	p = chain.DefaultParams()
	p.MinValidators = 1
	p.MaxDeptPowerPermille = 300
	id = propose(t, c, 0, gov.KindSetParams, p)
	if s := status(t, c, id); s.Policy.Rule != gov.RuleAll {
		t.Fatalf("cap change at policy %s", s.Policy)
	}
	// other parameters keep the stated policy
	p = chain.DefaultParams()
	p.MinValidators = 1
	p.ProposalDeadlineBlocks = 50
	id = propose(t, c, 0, gov.KindSetParams, p)
	if s := status(t, c, id); s.Policy.String() != "2/3" {
		t.Fatalf("deadline change at policy %s", s.Policy)
	}
}

// Policies of governance itself change only with every department, even
// if a genesis (or an earlier change) set the policy of set_policy lower.
func TestSetPolicyAlwaysNeedsAll(t *testing.T) {
	raw, _ := json.Marshal(gov.Genesis{Policies: map[string]string{gov.KindSetPolicy: "2/3"}})
	c := chaintest.New(t, chaintest.Options{Depts: 4, Modules: []module.Module{gov.Module{}}, Genesis: map[string]json.RawMessage{"gov": raw}})
	id := propose(t, c, 0, gov.KindSetPolicy, gov.SetPolicy{Kind: gov.KindSetValidator, Policy: "ANY"})
	mustVote(t, c, 1, id, gov.VoteApprove)
	mustVote(t, c, 2, id, gov.VoteApprove)
	if s := status(t, c, id); s.Status != "open" || s.Policy.Rule != gov.RuleAll {
		t.Fatalf("policy change with 3 of 4: %+v", s)
	}
}

// A proposal that changed no safety parameter when it was made, but would
// when it executes (another proposal changed the parameter meanwhile),
// fails at execution rather than undo the unanimous change at 2/3.
func TestSafetyChangeRecheckedAtExecution(t *testing.T) {
	c := newChain(t, 4)
	p := chain.DefaultParams()
	p.ProposalDeadlineBlocks = 50 // min_validators 4 as now: policy 2/3
	deadline := propose(t, c, 0, gov.KindSetParams, p)
	q := chain.DefaultParams()
	q.MinValidators = 5
	floor := propose(t, c, 1, gov.KindSetParams, q)
	for _, i := range []int{0, 2, 3} {
		mustVote(t, c, i, floor, gov.VoteApprove)
	}
	if got, _ := chain.LoadParams(c.View()); got.MinValidators != 5 {
		t.Fatalf("unanimous change: %+v", got)
	}
	mustVote(t, c, 1, deadline, gov.VoteApprove)
	mustVote(t, c, 2, deadline, gov.VoteApprove)
	s := status(t, c, deadline)
	if s.Status != "failed" || !strings.Contains(s.Error, "gov/314") || !strings.Contains(s.Error, "min_validators 5 → 4") {
		t.Fatalf("2/3 proposal undid a unanimous change: %+v", s)
	}
	if got, _ := chain.LoadParams(c.View()); got.MinValidators != 5 || got.ProposalDeadlineBlocks != 1000 {
		t.Fatalf("failed proposal wrote params: %+v", got)
	}
}

// The cap is configurable below 1/3; lowering it must not leave the
// current set over it.
func TestPowerCapParam(t *testing.T) {
	c := newChain(t, 4)
	p := chain.DefaultParams()
	p.MaxDeptPowerPermille = 200
	wantRefused(t, tryPropose(c, 0, gov.KindSetParams, p, false), gov.ErrUnsafePower, "10 of 40 voting power (above max_dept_power_permille 200)")
	p.MaxDeptPowerPermille = 334
	r := tryPropose(c, 0, gov.KindSetParams, p, false)
	wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrBadAction)
	p.MaxDeptPowerPermille = 250
	id := propose(t, c, 0, gov.KindSetParams, p)
	for _, i := range []int{1, 2, 3} {
		mustVote(t, c, i, id, gov.VoteApprove)
	}
	if got, _ := chain.LoadParams(c.View()); got.MaxDeptPowerPermille != 250 {
		t.Fatalf("params %+v (%+v)", got, status(t, c, id))
	}
	// 11 of 41 is below 1/3 but above 250‰
	wantRefused(t, tryPropose(c, 0, gov.KindSetValidator, gov.SetValidator{Code: "RSJ", Power: 11}, false), gov.ErrUnsafePower, "11 of 41 voting power (above max_dept_power_permille 250)")
}

// A genesis with fewer than four departments cannot meet the invariants;
// governance may still grow it (each change must not concentrate power
// further), and changes that do not touch the validator set work as ever.
func TestSmallNetworkMayGrow(t *testing.T) {
	c := newChain(t, 1)
	id := propose(t, c, 0, gov.KindGrant, gov.GrantRef{Dept: "ZWFW", Grant: "issuer:BL"})
	if s := status(t, c, id); s.Status != gov.Passed {
		t.Fatalf("grant on one validator: %+v", s)
	}
	a, _ := newDept(t, "SCJG", 10)
	id = propose(t, c, 0, gov.KindAdmitDept, a) // 10 of 20: unsafe, but safer than 10 of 10
	if s := status(t, c, id); s.Status != gov.Passed {
		t.Fatalf("second department: %+v", s)
	}
	b, _ := newDept(t, "RSJ", 1000)
	wantRefused(t, tryPropose(c, 0, gov.KindAdmitDept, b, false), gov.ErrUnsafePower, "would give department RSJ 1000 of 1020 voting power")
	wantRefused(t, tryPropose(c, 0, gov.KindSetValidator, gov.SetValidator{Code: "ZWFW", Power: 11}, false), gov.ErrUnsafePower, "11 of 21")
}
