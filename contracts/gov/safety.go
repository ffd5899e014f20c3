package gov

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/params"
	"github.com/govchain/govchain/chain/state"
)

// Safety invariants. Governance must not be able to defeat the safety of
// the network it governs, so these hold for every proposal, whatever its
// policy; they are checked when the proposal is made (on a dry run) and
// again when it executes, against the state of that block:
//
//  1. the validator floor (checkValidatorFloor): a change may not shrink
//     the set below min_validators unless every department approves, and
//     never to nothing;
//  2. power (checkPowerSafety): no department holds 1/3 or more of the
//     voting power, nor more than max_dept_power_permille of it. With
//     CometBFT's 2/3 quorum this is what "the chain stays live if any one
//     department goes down" means: for every department D the others hold
//     more than 2/3, 3*(total-P_D) > 2*total, which is 3*P_D < total;
//  3. safety parameters (safetyChange): min_validators,
//     max_dept_power_permille and governance's own policies change only by
//     a proposal of policy ALL.

// deptPower is one department's validator in the set.
type deptPower struct {
	Code  string
	Power int64
}

// validatorSet lists the departments whose validators are in CometBFT's
// set (not removed, power > 0; suspended departments still validate), in
// code order, and their total power.
func validatorSet(kv state.KV) ([]deptPower, int64, error) {
	var out []deptPower
	var total int64
	err := state.IteratePrefix(kv, []byte("id/dept/"), true, func(_, v []byte) (bool, error) {
		var d identity.Department
		if _, err := module.GetJSONBytes(v, &d); err != nil {
			return false, err
		}
		if d.Status != identity.StatusRemoved && d.Validator != nil && d.Validator.Power > 0 {
			out = append(out, deptPower{d.Code, d.Validator.Power})
			total += d.Validator.Power
		}
		return true, nil
	})
	return out, total, err
}

// largest is the department with the most power, the first in code order
// on ties (deterministic error messages).
func largest(set []deptPower) deptPower {
	var m deptPower
	for _, d := range set {
		if d.Power > m.Power {
			m = d
		}
	}
	return m
}

// powerViolation says how set breaks the power invariant under cap
// (permille), or "" if it does not. Both conditions grow with a
// department's power, so checking the largest checks every department.
// Integer arithmetic only.
func powerViolation(set []deptPower, total int64, cap int) string {
	if total <= 0 {
		return "" // an empty set is the floor's concern
	}
	d := largest(set)
	switch {
	case 3*(total-d.Power) <= 2*total:
		// without D the others hold at most 2/3: D going down halts the
		// chain (and above 2/3, D makes blocks alone)
		return fmt.Sprintf("would give department %s %d of %d voting power (>= 1/3)", d.Code, d.Power, total)
	case 1000*d.Power > int64(cap)*total:
		return fmt.Sprintf("would give department %s %d of %d voting power (above max_dept_power_permille %d)", d.Code, d.Power, total, cap)
	}
	return ""
}

// checkPowerSafety refuses a change (before → after) that leaves the set
// breaking the power invariant. A set that already broke it before (only a
// genesis of fewer than four departments, or unequal founders, can) may
// still change if no department's share grows beyond the largest share of
// before: that lets a one- or two-validator network admit members, and no
// more.
func checkPowerSafety(before, after state.KV) error {
	pb, err := params.Load(before)
	if err != nil {
		return err
	}
	pa, err := params.Load(after)
	if err != nil {
		return err
	}
	sa, ta, err := validatorSet(after)
	if err != nil {
		return err
	}
	msg := powerViolation(sa, ta, pa.DeptPowerCap())
	if msg == "" {
		return nil
	}
	sb, tb, err := validatorSet(before)
	if err != nil {
		return err
	}
	if powerViolation(sb, tb, pb.DeptPowerCap()) != "" && largest(sa).Power*tb <= largest(sb).Power*ta {
		return nil
	}
	return ErrUnsafePower.Wrapf("%s", msg)
}

// checkValidatorFloor refuses a change that shrinks the set of active
// validators below min_validators unless the proposal needed every
// department (ALL). A set already below the floor (a small genesis) may
// grow or stay as it is. It never allows an empty set.
func checkValidatorFloor(before, after state.KV, p *Proposal) error {
	params, err := params.Load(after)
	if err != nil {
		return err
	}
	sb, _, err := validatorSet(before)
	if err != nil {
		return err
	}
	sa, _, err := validatorSet(after)
	if err != nil {
		return err
	}
	n := len(sa)
	if n == 0 {
		return ErrMinValidators.Wrapf("the network cannot run without validators")
	}
	if n < params.MinValidators && n < len(sb) && p.Policy.Rule != RuleAll {
		return ErrMinValidators.Wrapf("%d validators would remain, minimum %d; only a proposal with require_all can go below it", n, params.MinValidators)
	}
	return nil
}

// safetyChange says which safety parameter the action would change against
// kv's state ("" for none). A malformed action changes nothing here: its
// check refuses it.
func safetyChange(kv state.KV, kind string, raw json.RawMessage) (string, error) {
	switch kind {
	case KindSetPolicy:
		var m SetPolicy
		if json.Unmarshal(raw, &m) != nil {
			return "", nil
		}
		return "the policy of " + m.Kind, nil
	case KindSetParams:
		var m params.Params
		if json.Unmarshal(raw, &m) != nil {
			return "", nil
		}
		old, err := params.Load(kv)
		if err != nil {
			return "", err
		}
		var ch []string
		if m.MinValidators != old.MinValidators {
			ch = append(ch, fmt.Sprintf("min_validators %d → %d", old.MinValidators, m.MinValidators))
		}
		if m.DeptPowerCap() != old.DeptPowerCap() {
			ch = append(ch, fmt.Sprintf("max_dept_power_permille %d → %d", old.DeptPowerCap(), m.DeptPowerCap()))
		}
		return strings.Join(ch, ", "), nil
	}
	return "", nil
}
