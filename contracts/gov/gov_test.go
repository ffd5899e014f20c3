package gov_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/gov"
)

func newChain(t *testing.T, depts int) *chaintest.Chain {
	return chaintest.New(t, chaintest.Options{Depts: depts, Modules: []module.Module{gov.Module{}}})
}

func act(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// propose opens a proposal from department i and returns its id.
func propose(t *testing.T, c *chaintest.Chain, i int, kind string, a any, opts ...func(*gov.Propose)) uint64 {
	t.Helper()
	m := gov.Propose{Kind: kind, Action: act(a), Reason: "test"}
	for _, o := range opts {
		o(&m)
	}
	r := c.MustOK(c.Tx(c.Depts[i].Admin, gov.MsgPropose, m))
	id, err := strconv.ParseUint(string(r.Data), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func vote(c *chaintest.Chain, i int, id uint64, v string) (uint32, string, string) {
	r := c.Block(c.Tx(c.Depts[i].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: v})).TxResults[0]
	return r.Code, r.Codespace, r.Log
}

func mustVote(t *testing.T, c *chaintest.Chain, i int, id uint64, v string) {
	t.Helper()
	if code, space, log := vote(c, i, id, v); code != 0 {
		t.Fatalf("vote by %d: %s/%d %s", i, space, code, log)
	}
}

func wantCode(t *testing.T, got uint32, space string, log string, want *errs.Error) {
	t.Helper()
	if got != want.Code || space != want.Codespace {
		t.Fatalf("got %s/%d %s, want %s/%d (%s)", space, got, log, want.Codespace, want.Code, want.Name)
	}
}

func status(t *testing.T, c *chaintest.Chain, id uint64) *gov.Proposal {
	t.Helper()
	p, err := gov.Get(c.View(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGrantByMajority(t *testing.T) {
	c := newChain(t, 4)
	id := propose(t, c, 0, gov.KindGrant, gov.GrantRef{Dept: "SCJG", Grant: "issuer:BL"})
	if p := status(t, c, id); p.Status != "open" || p.Approvals != 1 || p.Needed != 3 || p.Summary != `grant "issuer:BL" to department SCJG` {
		t.Fatalf("after propose: %+v", p)
	}
	// the proposer's department already voted
	code, space, log := vote(c, 0, id, gov.VoteApprove)
	wantCode(t, code, space, log, gov.ErrAlreadyVoted)
	mustVote(t, c, 1, id, gov.VoteAbstain)
	mustVote(t, c, 2, id, gov.VoteApprove)
	if p := status(t, c, id); p.Status != "open" {
		t.Fatalf("2 approvals + 1 abstention of 4 passed MAJORITY: %+v", p)
	}
	if ok, _ := identity.HasGrant(c.View(), "SCJG", "issuer:BL"); ok {
		t.Fatal("granted before the policy was met")
	}
	mustVote(t, c, 3, id, gov.VoteApprove)
	p := status(t, c, id)
	if p.Status != "passed" || p.Closed != c.Height {
		t.Fatalf("after 3 approvals: %+v", p)
	}
	if ok, _ := identity.HasGrant(c.View(), "SCJG", "issuer:BL"); !ok {
		t.Fatal("grant not applied")
	}
	// executed once: no further votes
	code, space, log = vote(c, 1, id, gov.VoteApprove)
	wantCode(t, code, space, log, gov.ErrClosed)
}

func TestRejectedWhenUnreachable(t *testing.T) {
	c := newChain(t, 4)
	id := propose(t, c, 0, gov.KindGrant, gov.GrantRef{Dept: "SCJG", Grant: "issuer:BL"})
	mustVote(t, c, 1, id, gov.VoteReject)
	mustVote(t, c, 2, id, gov.VoteReject) // 1 approval + 1 undecided < 3
	if p := status(t, c, id); p.Status != "rejected" {
		t.Fatalf("%+v", p)
	}
}

func TestDeadline(t *testing.T) {
	c := newChain(t, 4)
	id := propose(t, c, 0, gov.KindGrant, gov.GrantRef{Dept: "SCJG", Grant: "issuer:BL"}, func(p *gov.Propose) { p.DeadlineBlocks = 2 })
	p := status(t, c, id)
	for c.Height < p.Deadline {
		c.Block()
	}
	// a vote in the block after the deadline is refused (txs run before expiry)
	code, space, log := vote(c, 1, id, gov.VoteApprove)
	wantCode(t, code, space, log, gov.ErrDeadline)
	if p := status(t, c, id); p.Status != "expired" {
		t.Fatalf("after deadline: %+v", p)
	}
	code, space, log = vote(c, 2, id, gov.VoteApprove)
	wantCode(t, code, space, log, gov.ErrClosed)
}

func TestSuspendedDepartmentCannotVote(t *testing.T) {
	c := newChain(t, 5)
	id := propose(t, c, 0, gov.KindSuspendDept, gov.DeptRef{Code: "ZJW"})
	for _, i := range []int{1, 2, 3} {
		mustVote(t, c, i, id, gov.VoteApprove) // 4 of 5 >= 2/3
	}
	if p := status(t, c, id); p.Status != "passed" {
		t.Fatalf("%+v", p)
	}
	other := propose(t, c, 0, gov.KindGrant, gov.GrantRef{Dept: "SCJG", Grant: "issuer:BL"})
	code, space, log := vote(c, 4, other, gov.VoteApprove)
	wantCode(t, code, space, log, identity.ErrDeptInactive)
	// and the suspended department no longer counts: 3 of 4 active is a majority
	if p := status(t, c, other); p.Eligible != 4 {
		t.Fatalf("eligible %d, want 4", p.Eligible)
	}
}

func TestRemovedValidatorLeavesSet(t *testing.T) {
	c := newChain(t, 5)
	id := propose(t, c, 0, gov.KindRemoveDept, gov.DeptRef{Code: "ZJW"})
	mustVote(t, c, 1, id, gov.VoteApprove)
	mustVote(t, c, 2, id, gov.VoteApprove)
	res := c.Block(c.Tx(c.Depts[3].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}))
	if res.TxResults[0].Code != 0 {
		t.Fatal(res.TxResults[0].Log)
	}
	if len(res.ValidatorUpdates) != 1 || res.ValidatorUpdates[0].Power != 0 || !bytes.Equal(res.ValidatorUpdates[0].PubKeyBytes, c.Depts[4].Val.PubKey().Bytes()) {
		t.Fatalf("validator updates %+v", res.ValidatorUpdates)
	}
	d, _ := identity.GetDept(c.View(), "ZJW")
	if d.Status != identity.StatusRemoved || d.Validator.Power != 0 {
		t.Fatalf("dept %+v", d)
	}
	// its admin can no longer sign anything
	r := c.Block(c.Tx(c.Depts[4].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove})).TxResults[0]
	wantCode(t, r.Code, r.Codespace, r.Log, identity.ErrDeptInactive)
}

// The floor: with min_validators 5, removing one of five departments
// (leaving four, safe in power) needs every department, the removed one
// included. Without require_all it is refused when proposed.
func TestMinimumValidators(t *testing.T) {
	params := chain.DefaultParams()
	params.MinValidators = 5
	c := chaintest.New(t, chaintest.Options{Depts: 5, Params: &params, Modules: []module.Module{gov.Module{}}})
	r := c.Block(c.Tx(c.Depts[0].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindRemoveDept, Action: act(gov.DeptRef{Code: "WJW"})})).TxResults[0]
	wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrMinValidators)
	if d, _ := identity.GetDept(c.View(), "WJW"); d.Status != identity.StatusActive {
		t.Fatal("refused proposal changed state")
	}
	// with require_all every department, the removed one included, must approve
	id := propose(t, c, 0, gov.KindRemoveDept, gov.DeptRef{Code: "WJW"}, func(p *gov.Propose) { p.RequireAll = true })
	for _, i := range []int{1, 2, 4} {
		mustVote(t, c, i, id, gov.VoteApprove)
	}
	if p := status(t, c, id); p.Status != "open" {
		t.Fatalf("ALL met without the fifth vote: %+v", p)
	}
	mustVote(t, c, 3, id, gov.VoteApprove)
	if p := status(t, c, id); p.Status != "passed" {
		t.Fatalf("%+v", p)
	}
	// a set already below the floor may grow, and other proposals work
	id = propose(t, c, 0, gov.KindGrant, gov.GrantRef{Dept: "SCJG", Grant: "issuer:BL"})
	mustVote(t, c, 1, id, gov.VoteApprove)
	mustVote(t, c, 2, id, gov.VoteApprove)
	if p := status(t, c, id); p.Status != "passed" {
		t.Fatalf("grant below the floor: %+v", p)
	}
}

func TestNoSelfGrant(t *testing.T) {
	c := newChain(t, 4)
	officer := c.Officer(0)
	// proposing admin for one's own key is refused outright
	r := c.Block(c.Tx(c.Depts[0].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindGrantRole, Action: act(gov.RoleRef{KeyID: c.Depts[0].Admin.PublicKey().ID(), Role: "auditor"})})).TxResults[0]
	wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrSelfGrant)
	// another department's proposal for the officer works
	id := propose(t, c, 1, gov.KindGrantRole, gov.RoleRef{KeyID: officer.PublicKey().ID(), Role: identity.RoleAdmin})
	mustVote(t, c, 2, id, gov.VoteApprove)
	mustVote(t, c, 3, id, gov.VoteApprove)
	a, _ := identity.GetAccount(c.View(), officer.PublicKey().ID())
	if len(a.Roles) != 2 || a.Roles[0] != identity.RoleAdmin {
		t.Fatalf("roles %v", a.Roles)
	}
}

func TestAdmitDepartment(t *testing.T) {
	c := newChain(t, 4)
	admin, _ := smcrypto.GenerateKey()
	val := ed25519.GenPrivKey().PubKey().Bytes()
	bind, err := admin.Sign(gov.AdmissionBinding(chaintest.ChainID, "MZJ", val))
	if err != nil {
		t.Fatal(err)
	}
	a := gov.AdmitDept{Code: "MZJ", Name: "民政局", AdminPublicKey: admin.PublicKey().Bytes(), ValidatorKey: val, Power: 10, Binding: bind}
	// a binding for another validator key is refused at proposal time
	bad := a
	bad.ValidatorKey = ed25519.GenPrivKey().PubKey().Bytes()
	r := c.Block(c.Tx(c.Depts[0].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindAdmitDept, Action: act(bad)})).TxResults[0]
	wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrBadAction)
	id := propose(t, c, 0, gov.KindAdmitDept, a)
	mustVote(t, c, 1, id, gov.VoteApprove)
	res := c.Block(c.Tx(c.Depts[2].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}))
	if len(res.ValidatorUpdates) != 1 || res.ValidatorUpdates[0].Power != 10 || !bytes.Equal(res.ValidatorUpdates[0].PubKeyBytes, val) {
		t.Fatalf("validator updates %+v (%s)", res.ValidatorUpdates, res.TxResults[0].Log)
	}
	if d, err := identity.GetDept(c.View(), "MZJ"); err != nil || d.Status != identity.StatusActive {
		t.Fatalf("dept %+v %v", d, err)
	}
	// the new department votes on the next proposal
	id2 := propose(t, c, 0, gov.KindGrant, gov.GrantRef{Dept: "MZJ", Grant: "credit:licence"})
	r = c.Block(c.Tx(admin, gov.MsgVote, gov.CastVote{ID: id2, Vote: gov.VoteApprove})).TxResults[0]
	if r.Code != 0 {
		t.Fatalf("new department's vote: %s", r.Log)
	}
}

func TestSetParamsAndPolicy(t *testing.T) {
	c := newChain(t, 4)
	p := chain.DefaultParams()
	p.ProposalDeadlineBlocks = 50
	id := propose(t, c, 0, gov.KindSetParams, p)
	mustVote(t, c, 1, id, gov.VoteApprove)
	mustVote(t, c, 2, id, gov.VoteApprove)
	got, _ := chain.LoadParams(c.View())
	if got.ProposalDeadlineBlocks != 50 {
		t.Fatalf("params %+v", got)
	}
	if c.App.Params().ProposalDeadlineBlocks != 50 {
		t.Fatal("app did not pick up new params")
	}
	// changing a policy needs ALL
	id = propose(t, c, 0, gov.KindSetPolicy, gov.SetPolicy{Kind: gov.KindGrant, Policy: "ANY"})
	for _, i := range []int{1, 2} {
		mustVote(t, c, i, id, gov.VoteApprove)
	}
	if s := status(t, c, id); s.Status != "open" {
		t.Fatalf("policy change passed without ALL: %+v", s)
	}
	mustVote(t, c, 3, id, gov.VoteApprove)
	id = propose(t, c, 1, gov.KindGrant, gov.GrantRef{Dept: "RSJ", Grant: "credit:licence"})
	if s := status(t, c, id); s.Status != "passed" {
		t.Fatalf("ANY policy: %+v", s)
	}
}

func TestExecuteRefusesGovAndUnknown(t *testing.T) {
	c := newChain(t, 4)
	for _, ty := range []string{"gov.vote", "nope.nothing"} {
		r := c.Block(c.Tx(c.Depts[0].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindExecute, Action: act(gov.Execute{Type: ty, Body: json.RawMessage(`{}`)})})).TxResults[0]
		wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrBadAction)
	}
}

// TestNamesPeopleRead: a department or partner name that could pass for
// another (invisible or reordering characters, not NFC) is refused with
// gov/320 when proposed, and so is such a reason.
func TestNamesPeopleRead(t *testing.T) {
	c := newChain(t, 4)
	admin, _ := smcrypto.GenerateKey()
	val := ed25519.GenPrivKey().PubKey().Bytes()
	bind, err := admin.Sign(gov.AdmissionBinding(chaintest.ChainID, "MZJ", val))
	if err != nil {
		t.Fatal(err)
	}
	refused := func(kind string, a any, reason, msg string) {
		t.Helper()
		r := c.Block(c.Tx(c.Depts[0].Admin, gov.MsgPropose, gov.Propose{Kind: kind, Action: act(a), Reason: reason})).TxResults[0]
		wantCode(t, r.Code, r.Codespace, r.Log, gov.ErrUnreadable)
		if !strings.Contains(r.Log, msg) {
			t.Errorf("log %q does not say %q", r.Log, msg)
		}
	}
	a := gov.AdmitDept{Code: "MZJ", Name: "民政\u200B局", AdminPublicKey: admin.PublicKey().Bytes(), ValidatorKey: val, Power: 10, Binding: bind}
	refused(gov.KindAdmitDept, a, "", "department name contains U+200B ZERO WIDTH SPACE at byte 6 (format/bidi control characters are not allowed)")
	a.Name = "\u202E局政民"
	refused(gov.KindAdmitDept, a, "", "department name contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 0")
	a.Name = "民政局"
	refused(gov.KindAdmitDept, a, "新设\u2066部门", "reason contains U+2066 LEFT-TO-RIGHT ISOLATE")
	refused(gov.KindRegisterPartner, gov.Partner{ID: "TJ", Name: "天津市\u202E", Kind: "govchain", Config: json.RawMessage(`{}`)}, "", "partner name contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 9")
	refused(gov.KindRegisterPartner, gov.Partner{ID: "TJ", Name: "Tianjin Cafe\u0301", Kind: "govchain", Config: json.RawMessage(`{}`)}, "", "partner name is not in Unicode normalization form NFC")
	propose(t, c, 0, gov.KindAdmitDept, a)
}

// TestLastAdminAndGovernance: with two admins one may suspend the other,
// but the remaining one cannot suspend itself (identity/111); governance
// still can, by executing the same message.
func TestLastAdminAndGovernance(t *testing.T) {
	c := newChain(t, 4)
	first := c.Depts[0].Admin
	second := c.Officer(0)
	id := propose(t, c, 1, gov.KindGrantRole, gov.RoleRef{KeyID: second.PublicKey().ID(), Role: identity.RoleAdmin})
	mustVote(t, c, 2, id, gov.VoteApprove)
	mustVote(t, c, 3, id, gov.VoteApprove)
	suspend := func(k *smcrypto.PrivateKey) identity.SetAccountStatus {
		return identity.SetAccountStatus{KeyID: k.PublicKey().ID(), Status: identity.StatusSuspended, Reason: "test"}
	}
	c.MustOK(c.Tx(second, identity.MsgSetAccountStatus, suspend(first)))
	r := c.Block(c.Tx(second, identity.MsgSetAccountStatus, suspend(second))).TxResults[0]
	wantCode(t, r.Code, r.Codespace, r.Log, identity.ErrLastAdmin)
	c.ResetSeq(second, c.App.PendingSequence(second.PublicKey().ID()))
	if a, _ := identity.GetAccount(c.View(), second.PublicKey().ID()); a.Status != identity.StatusActive {
		t.Fatalf("last admin %+v", a)
	}
	// the proposal is the remaining admin's: an executed message acts for
	// the proposer's department
	r = c.MustOK(c.Tx(second, gov.MsgPropose, gov.Propose{Kind: gov.KindExecute, Reason: "test",
		Action: act(gov.Execute{Type: identity.MsgSetAccountStatus, Body: act(suspend(second))})}))
	id, _ = strconv.ParseUint(string(r.Data), 10, 64)
	mustVote(t, c, 1, id, gov.VoteApprove)
	mustVote(t, c, 2, id, gov.VoteApprove)
	if p := status(t, c, id); p.Status != "passed" {
		t.Fatalf("governance suspension: %+v", p)
	}
	if a, _ := identity.GetAccount(c.View(), second.PublicKey().ID()); a.Status != identity.StatusSuspended {
		t.Fatalf("after governance: %+v", a)
	}
}
