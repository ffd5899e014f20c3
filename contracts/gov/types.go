// Package gov is the governance contract: departments propose changes to
// the network (membership, validators, grants and roles, partner trust
// anchors, parameters, policies, and governance-only messages of other
// modules); the other departments vote; a proposal executes automatically
// once its policy is met, is rejected once the policy can no longer be met,
// and expires at its deadline. Policies follow ChainMaker's vocabulary:
// ALL, ANY, MAJORITY, an integer n (n of m), or a fraction such as 2/3.
package gov

import "github.com/govchain/govchain/contracts/gov/govtypes"

// The records, message bodies, action kinds, policies and keys a client
// reads are defined in govtypes (no state store); the names below keep the
// chain's code unchanged.
const (
	MsgPropose = govtypes.MsgPropose
	MsgVote    = govtypes.MsgVote

	KindAdmitDept       = govtypes.KindAdmitDept
	KindRemoveDept      = govtypes.KindRemoveDept
	KindSuspendDept     = govtypes.KindSuspendDept
	KindReinstateDept   = govtypes.KindReinstateDept
	KindSetValidator    = govtypes.KindSetValidator
	KindGrant           = govtypes.KindGrant
	KindRevokeGrant     = govtypes.KindRevokeGrant
	KindGrantRole       = govtypes.KindGrantRole
	KindRevokeRole      = govtypes.KindRevokeRole
	KindRegisterPartner = govtypes.KindRegisterPartner
	KindSetParams       = govtypes.KindSetParams
	KindSetPolicy       = govtypes.KindSetPolicy
	KindExecute         = govtypes.KindExecute
	KindSetCreditRules  = govtypes.KindSetCreditRules
	KindUpgrade         = govtypes.KindUpgrade
	KindCancelUpgrade   = govtypes.KindCancelUpgrade

	RuleAll      = govtypes.RuleAll
	RuleAny      = govtypes.RuleAny
	RuleMajority = govtypes.RuleMajority
	RuleN        = govtypes.RuleN
	RuleFraction = govtypes.RuleFraction

	Pending  = govtypes.Pending
	Passed   = govtypes.Passed
	Rejected = govtypes.Rejected

	VoteApprove = govtypes.VoteApprove
	VoteReject  = govtypes.VoteReject
	VoteAbstain = govtypes.VoteAbstain
)

type (
	Proposal      = govtypes.Proposal
	Vote          = govtypes.Vote
	Propose       = govtypes.Propose
	CastVote      = govtypes.CastVote
	Policy        = govtypes.Policy
	AdmitDept     = govtypes.AdmitDept
	DeptRef       = govtypes.DeptRef
	SetValidator  = govtypes.SetValidator
	GrantRef      = govtypes.GrantRef
	RoleRef       = govtypes.RoleRef
	Partner       = govtypes.Partner
	SetPolicy     = govtypes.SetPolicy
	Execute       = govtypes.Execute
	Upgrade       = govtypes.Upgrade
	CancelUpgrade = govtypes.CancelUpgrade
)

// ParsePolicy reads "ALL", "ANY", "MAJORITY", "3" or "2/3".
func ParsePolicy(s string) (Policy, error) { return govtypes.ParsePolicy(s) }

// AdmissionBinding is what a joining department signs.
func AdmissionBinding(chainID, code string, validatorKey []byte) []byte {
	return govtypes.AdmissionBinding(chainID, code, validatorKey)
}

// ValidatorAddress is CometBFT's address of an ed25519 key.
func ValidatorAddress(pub []byte) string { return govtypes.ValidatorAddress(pub) }
