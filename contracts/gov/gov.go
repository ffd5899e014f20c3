package gov

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/gov/govtypes"
)

var (
	ErrUnknownKind   = errs.Register("gov", 301, "unknown action kind")
	ErrBadAction     = errs.Register("gov", 302, "invalid action")
	ErrNoProposal    = errs.Register("gov", 303, "no such proposal")
	ErrClosed        = errs.Register("gov", 304, "proposal is not open")
	ErrDeadline      = errs.Register("gov", 305, "voting deadline passed")
	ErrAlreadyVoted  = errs.Register("gov", 306, "department already voted")
	ErrBadVote       = errs.Register("gov", 307, "invalid vote")
	ErrMinValidators = errs.Register("gov", 308, "validator set would fall below the minimum")
	ErrSelfGrant     = errs.Register("gov", 309, "a proposal cannot grant its proposer's own key")
	ErrNotEligible   = errs.Register("gov", 310, "department may not vote")
	ErrBadPolicy     = errs.Register("gov", 311, "invalid policy")
	ErrExecution     = errs.Register("gov", 312, "proposal execution failed")
	// ErrUnreadable: a department or partner name, or a reason, with an
	// invisible or reordering character, or not NFC (chain/readable).
	ErrUnreadable = errs.Register("gov", 320, "name not plainly readable")
	// ErrUnsafePower: the change would leave one department with too large
	// a share of the voting power (see checkPowerSafety).
	ErrUnsafePower = errs.Register("gov", 313, "voting power would be too concentrated")
	// ErrSafetyNeedsAll: a proposal changes a safety parameter but was not
	// opened with policy ALL (state changed after it was proposed).
	ErrSafetyNeedsAll = errs.Register("gov", 314, "a safety parameter changes only with every department's approval")
)

func propKey(id uint64) []byte           { return govtypes.PropKey(id) }
func voteKey(id uint64, d string) []byte { return govtypes.VoteKey(id, d) }
func openKey(id uint64) []byte           { return module.Key("gov", "open", pad(id)) }
func policyKey(kind string) []byte       { return module.Key("gov", "policy", kind) }
func PartnerKey(id string) []byte        { return govtypes.PartnerKey(id) }

var nextIDKey = []byte("gov/next_id")

// PropKey is the state key of proposal id (for proofs and the CLI).
func PropKey(id uint64) []byte { return govtypes.PropKey(id) }

func pad(id uint64) string { return fmt.Sprintf("%020d", id) }

// Module is the governance contract.
type Module struct{}

func (Module) Name() string { return "gov" }

func (Module) Routes() []module.Route {
	return []module.Route{
		{Type: MsgPropose, AnyRole: []string{identity.RoleAdmin}, Handle: module.Handler(propose),
			Summary: "Open a governance proposal (the proposer's department approves it)."},
		{Type: MsgVote, AnyRole: []string{identity.RoleAdmin}, Handle: module.Handler(vote),
			Summary: "Vote approve, reject or abstain on an open proposal for the signer's department."},
	}
}

// Genesis sets the policy per action kind (defaults for any kind not set).
type Genesis struct {
	Policies map[string]string `json:"policies,omitempty"`
}

// DefaultPolicies: membership, validators, parameters and the credit
// scoring model need 2/3 of the departments; grants, partners and executed
// messages a majority; changing a policy and scheduling a software upgrade
// need everyone.
func DefaultPolicies() map[string]string {
	return map[string]string{
		KindAdmitDept: "2/3", KindRemoveDept: "2/3", KindSuspendDept: "2/3", KindReinstateDept: "2/3",
		KindSetValidator: "2/3", KindSetParams: "2/3",
		KindGrant: "MAJORITY", KindRevokeGrant: "MAJORITY", KindGrantRole: "MAJORITY", KindRevokeRole: "MAJORITY",
		KindRegisterPartner: "MAJORITY", KindExecute: "MAJORITY", KindSetCreditRules: "2/3",
		KindSetPolicy: "ALL",
		// a software upgrade halts every node that has not installed the
		// release: everyone agrees to it; calling it off keeps the running
		// software, so 2/3 may
		KindUpgrade: "ALL", KindCancelUpgrade: "2/3",
	}
}

func (Module) InitGenesis(ctx *module.Context, raw json.RawMessage) error {
	var g Genesis
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("gov genesis: %w", err)
		}
	}
	pol := DefaultPolicies()
	for k, v := range g.Policies {
		if _, ok := actions[k]; !ok {
			return fmt.Errorf("gov genesis: policy for unknown action kind %q", k)
		}
		pol[k] = v
	}
	kinds := make([]string, 0, len(pol))
	for k := range pol {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		p, err := ParsePolicy(pol[k])
		if err != nil {
			return fmt.Errorf("gov genesis: %s: %w", k, err)
		}
		if err := ctx.Store.Set(policyKey(k), module.MustJSON(p)); err != nil {
			return err
		}
	}
	return nil
}

// PolicyFor returns the policy in force for kind.
func PolicyFor(kv state.KV, kind string) (Policy, error) {
	var p Policy
	ok, err := module.GetJSON(kv, policyKey(kind), &p)
	if err != nil {
		return p, err
	}
	if !ok {
		return ParsePolicy(DefaultPolicies()[kind])
	}
	return p, nil
}

func propose(ctx *module.Context, m *Propose) error {
	act, ok := actions[m.Kind]
	if !ok {
		return ErrUnknownKind.Wrapf("%q; kinds: %v", m.Kind, Kinds())
	}
	if len(m.Reason) > 1024 {
		return ErrBadAction.Wrapf("reason longer than 1024 bytes")
	}
	if err := readable.Text(m.Reason); err != nil {
		return ErrUnreadable.Wrapf("reason %s", err)
	}
	// Validate now so a malformed proposal never reaches a vote; execution
	// validates again against the state of its own block.
	summary, err := act.check(ctx, m.Action)
	if err != nil {
		return err
	}
	pol, err := PolicyFor(ctx.Store, m.Kind)
	if err != nil {
		return err
	}
	if m.RequireAll {
		pol = Policy{Rule: RuleAll}
	}
	// A safety parameter changes only with every department, whatever the
	// policy of the kind says (so no policy change can lower that bar).
	safety, err := safetyChange(ctx.Store, m.Kind, m.Action)
	if err != nil {
		return err
	}
	if safety != "" {
		pol = Policy{Rule: RuleAll}
		summary += "; changes " + safety + ", a safety parameter: needs every department (ALL)"
	}
	params, err := loadDeadline(ctx.Store)
	if err != nil {
		return err
	}
	window := m.DeadlineBlocks
	if window == 0 {
		window = params
	}
	if window < 1 || window > 100*params {
		return ErrBadAction.Wrapf("deadline_blocks %d outside 1..%d", window, 100*params)
	}
	id, err := nextID(ctx.Store)
	if err != nil {
		return err
	}
	p := &Proposal{ID: id, Kind: m.Kind, Action: m.Action, Summary: summary, Reason: m.Reason,
		Proposer: ctx.Signer.Dept, ProposerID: ctx.Signer.KeyID.String(), Policy: pol,
		Created: ctx.Height, Deadline: ctx.Height + window, Status: Pending}
	// Dry run: a proposal that would break a safety invariant (or fail for
	// any other reason) in today's state is refused now, not after the
	// votes. Nothing of it is kept.
	if _, _, err := run(ctx, p); err != nil {
		return err
	}
	if err := ctx.Store.Set(openKey(id), []byte("1")); err != nil {
		return err
	}
	if err := putVote(ctx, id, VoteApprove); err != nil {
		return err
	}
	ctx.SetData([]byte(strconv.FormatUint(id, 10)))
	ctx.Emit(govtypes.EventProposed, "id", strconv.FormatUint(id, 10), "kind", m.Kind, "proposer", ctx.Signer.Dept)
	return settle(ctx, p)
}

func vote(ctx *module.Context, m *CastVote) error {
	switch m.Vote {
	case VoteApprove, VoteReject, VoteAbstain:
	default:
		return ErrBadVote.Wrapf("vote %q: approve, reject or abstain", m.Vote)
	}
	p, err := Get(ctx.Store, m.ID)
	if err != nil {
		return err
	}
	if p.Status != Pending {
		return ErrClosed.Wrapf("proposal %d is %s since height %d", p.ID, p.Status, p.Closed)
	}
	if ctx.Height > p.Deadline {
		return ErrDeadline.Wrapf("proposal %d closed for votes after height %d (now %d)", p.ID, p.Deadline, ctx.Height)
	}
	if ok, _ := ctx.Store.Has(voteKey(p.ID, ctx.Signer.Dept)); ok {
		return ErrAlreadyVoted.Wrapf("%s already voted on proposal %d", ctx.Signer.Dept, p.ID)
	}
	if err := putVote(ctx, p.ID, m.Vote); err != nil {
		return err
	}
	ctx.Emit(govtypes.EventVoted, "id", strconv.FormatUint(p.ID, 10), "dept", ctx.Signer.Dept, "vote", m.Vote)
	return settle(ctx, p)
}

func putVote(ctx *module.Context, id uint64, v string) error {
	return ctx.Store.Set(voteKey(id, ctx.Signer.Dept), module.MustJSON(Vote{Dept: ctx.Signer.Dept, Vote: v, Key: ctx.Signer.KeyID.String(), Height: ctx.Height}))
}

// Get loads proposal id.
func Get(kv state.KV, id uint64) (*Proposal, error) {
	var p Proposal
	ok, err := module.GetJSON(kv, propKey(id), &p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNoProposal.Wrapf("proposal %d", id)
	}
	return &p, nil
}

// Votes lists the votes cast on id, in department order.
func Votes(kv state.KV, id uint64) ([]Vote, error) {
	var out []Vote
	err := state.IteratePrefix(kv, append(module.Key("gov", "vote", pad(id)), '/'), true, func(_, v []byte) (bool, error) {
		var x Vote
		_, err := module.GetJSONBytes(v, &x)
		out = append(out, x)
		return true, err
	})
	return out, err
}

// eligible lists the departments that may vote now: the active ones.
func eligible(kv state.KV) ([]string, error) {
	var out []string
	err := state.IteratePrefix(kv, []byte("id/dept/"), true, func(_, v []byte) (bool, error) {
		var d identity.Department
		if _, err := module.GetJSONBytes(v, &d); err != nil {
			return false, err
		}
		if d.Status == identity.StatusActive {
			out = append(out, d.Code)
		}
		return true, nil
	})
	return out, err
}

// settle re-tallies p and executes, rejects or keeps it open.
func settle(ctx *module.Context, p *Proposal) error {
	el, err := eligible(ctx.Store)
	if err != nil {
		return err
	}
	votes, err := Votes(ctx.Store, p.ID)
	if err != nil {
		return err
	}
	vm := map[string]string{}
	for _, v := range votes {
		vm[v.Dept] = v.Vote
	}
	outcome, approvals, needed := p.Policy.Tally(el, vm)
	p.Approvals, p.Needed, p.Eligible = approvals, needed, len(el)
	switch outcome {
	case Passed:
		p.Status, p.Closed = Passed, ctx.Height
		if err := execute(ctx, p); err != nil {
			p.Status, p.Error = govtypes.StatusFailed, errs.From(err).Error()
			ctx.Emit(govtypes.EventFailed, "id", strconv.FormatUint(p.ID, 10), "error", p.Error)
		} else {
			ctx.Emit(govtypes.EventExecuted, "id", strconv.FormatUint(p.ID, 10), "kind", p.Kind)
		}
	case Rejected:
		p.Status, p.Closed = Rejected, ctx.Height
		ctx.Emit(govtypes.EventRejected, "id", strconv.FormatUint(p.ID, 10))
	}
	if p.Status != Pending {
		if err := ctx.Store.Delete(openKey(p.ID)); err != nil {
			return err
		}
	}
	return ctx.Store.Set(propKey(p.ID), module.MustJSON(p))
}

// execute applies the action in a nested cache with a governance signer:
// all of it lands, or none of it and the proposal is marked failed.
func execute(ctx *module.Context, p *Proposal) error {
	cache, sub, err := run(ctx, p)
	if err != nil {
		return err
	}
	if err := cache.Write(); err != nil {
		return err
	}
	ctx.Merge(sub)
	return nil
}

// run applies p's action on a cache over ctx's store and checks the safety
// invariants (safety.go) against the state it leaves; nothing reaches ctx
// until the caller writes the cache and merges the sub-context. Both the
// dry run at proposal time and the execution use it, so the invariants are
// re-checked against the state of the executing block.
func run(ctx *module.Context, p *Proposal) (*state.Cache, *module.Context, error) {
	safety, err := safetyChange(ctx.Store, p.Kind, p.Action)
	if err != nil {
		return nil, nil, err
	}
	if safety != "" && p.Policy.Rule != RuleAll {
		// it changed no safety parameter when proposed; another proposal
		// has changed the parameter since
		return nil, nil, ErrSafetyNeedsAll.Wrapf("proposal %d would now change %s at policy %s", p.ID, safety, p.Policy)
	}
	act := actions[p.Kind]
	cache := state.NewCache(ctx.Store)
	sub := ctx.Sub(cache, &module.Signer{Dept: p.Proposer, Governance: true})
	if _, err := act.check(sub, p.Action); err != nil {
		return nil, nil, err
	}
	if err := act.apply(sub, p); err != nil {
		return nil, nil, err
	}
	if err := checkValidatorFloor(ctx.Store, cache, p); err != nil {
		return nil, nil, err
	}
	if err := checkPowerSafety(ctx.Store, cache); err != nil {
		return nil, nil, err
	}
	return cache, sub, nil
}

// EndBlock re-tallies open proposals (members may have left, which lowers
// the bar) and expires those past their deadline.
func (Module) EndBlock(ctx *module.Context) error {
	var ids []uint64
	err := state.IteratePrefix(ctx.Store, []byte("gov/open/"), true, func(k, _ []byte) (bool, error) {
		id, err := strconv.ParseUint(string(k[len("gov/open/"):]), 10, 64)
		ids = append(ids, id)
		return true, err
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		p, err := Get(ctx.Store, id)
		if err != nil {
			return err
		}
		if ctx.Height > p.Deadline {
			p.Status, p.Closed = govtypes.StatusExpired, ctx.Height
			if err := ctx.Store.Delete(openKey(id)); err != nil {
				return err
			}
			ctx.Emit(govtypes.EventExpired, "id", strconv.FormatUint(id, 10))
			if err := ctx.Store.Set(propKey(id), module.MustJSON(p)); err != nil {
				return err
			}
			continue
		}
		if err := settle(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func nextID(kv state.KV) (uint64, error) {
	b, err := kv.Get(nextIDKey)
	if err != nil {
		return 0, err
	}
	id := uint64(1)
	if b != nil {
		if id, err = strconv.ParseUint(string(b), 10, 64); err != nil {
			return 0, errs.Internal.Wrapf("gov next id: %v", err)
		}
	}
	return id, kv.Set(nextIDKey, []byte(strconv.FormatUint(id+1, 10)))
}

// loadDeadline reads the chain parameter proposal_deadline_blocks without
// importing the chain package (which imports the modules' interface only).
func loadDeadline(kv state.KV) (int64, error) {
	var p struct {
		ProposalDeadlineBlocks int64 `json:"proposal_deadline_blocks"`
		MinValidators          int   `json:"min_validators"`
	}
	if _, err := module.GetJSON(kv, []byte("params"), &p); err != nil {
		return 0, err
	}
	if p.ProposalDeadlineBlocks < 1 {
		return 1000, nil
	}
	return p.ProposalDeadlineBlocks, nil
}
