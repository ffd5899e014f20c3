package idtypes

import (
	"fmt"
	"strings"
)

// Evidence kinds, as CometBFT names the misbehaviour it commits.
const (
	EvidenceDuplicateVote     = "duplicate_vote"
	EvidenceLightClientAttack = "light_client_attack"
)

// Evidence is the chain's record of a validator's misbehaviour that
// CometBFT proved and committed (FinalizeBlock's Misbehavior): the
// validator's power went to zero in the block that carried it, and only a
// governance proposal (gov.set_validator) gives it back. The department
// keeps its status, identities and grants.
type Evidence struct {
	Kind      string `json:"kind"`
	Validator string `json:"validator"` // CometBFT address, upper-case hex
	Dept      string `json:"dept"`      // "" when the address belongs to no department
	Height    int64  `json:"height"`    // height of the misbehaviour
	Time      string `json:"time"`      // its time (RFC 3339, from the evidence)
	Committed int64  `json:"committed"` // height of the block that carried the evidence
	// PowerBefore is the department's validator power before the block;
	// PowerAfter is what the chain set (0, or PowerBefore when zeroing
	// would have left no validator at all).
	PowerBefore int64 `json:"power_before"`
	PowerAfter  int64 `json:"power_after"`
	// TotalPower is the set's voting power at the misbehaviour's height.
	TotalPower int64 `json:"total_power"`
}

// EvidencePrefix is where validator addrHex's evidence records are (all
// of them with addrHex "").
func EvidencePrefix(addrHex string) []byte {
	if addrHex == "" {
		return []byte("id/evidence/")
	}
	return key("id", "evidence", strings.ToUpper(addrHex), "")
}

// EvidenceKey is the record of the index-th misbehaviour (in the block's
// order) of validator addrHex committed at height committed; the zero
// padding keeps them in height order.
func EvidenceKey(addrHex string, committed int64, index int) []byte {
	return key("id", "evidence", strings.ToUpper(addrHex), fmt.Sprintf("%020d", committed), fmt.Sprintf("%d", index))
}
