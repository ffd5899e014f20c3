// Package govtypes holds what a client of governance needs without the
// contract: the proposal and vote records, the message bodies and the
// action kinds with their bodies, policies, state keys and event names. It
// imports no state store, so the CLI and node/explore can use it; package
// gov re-exports every name, so the chain's code reads the same.
package govtypes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/govchain/govchain/chain/smcrypto"
)

// Name is the module name and error codespace.
const Name = "gov"

// Message types.
const (
	MsgPropose = Name + ".propose"
	MsgVote    = Name + ".vote"
)

// Action kinds.
const (
	KindAdmitDept       = "admit_department"
	KindRemoveDept      = "remove_department"
	KindSuspendDept     = "suspend_department"
	KindReinstateDept   = "reinstate_department"
	KindSetValidator    = "set_validator"
	KindGrant           = "grant"
	KindRevokeGrant     = "revoke_grant"
	KindGrantRole       = "grant_role"
	KindRevokeRole      = "revoke_role"
	KindRegisterPartner = "register_partner"
	KindSetParams       = "set_params"
	KindSetPolicy       = "set_policy"
	KindExecute         = "execute"
	// KindSetCreditRules installs a new version of the credit scoring
	// model: its action is the body of the credit module's
	// governance-only message MsgSetCreditRules, executed under this
	// kind's own policy (execute cannot run it).
	KindSetCreditRules = "set_credit_rules"
	KindUpgrade        = "upgrade"
	KindCancelUpgrade  = "cancel_upgrade"
)

// MsgSetCreditRules is the credit module's message a set_credit_rules
// proposal executes (credittypes.MsgSetRules).
const MsgSetCreditRules = "credit.set_rules"

// Proposal is "gov/prop/<id>".
type Proposal struct {
	ID         uint64          `json:"id"`
	Kind       string          `json:"kind"`
	Action     json.RawMessage `json:"action"`
	Summary    string          `json:"summary"`
	Reason     string          `json:"reason,omitempty"`
	Proposer   string          `json:"proposer"`     // department
	ProposerID string          `json:"proposer_key"` // key id
	Policy     Policy          `json:"policy"`
	Created    int64           `json:"created"`
	Deadline   int64           `json:"deadline"` // last height at which votes count
	Status     string          `json:"status"`   // open | passed | rejected | expired | failed
	Approvals  int             `json:"approvals"`
	Needed     int             `json:"needed"`
	Eligible   int             `json:"eligible"`
	Closed     int64           `json:"closed,omitempty"`
	Error      string          `json:"error,omitempty"` // why execution failed
}

// Vote is "gov/vote/<id>/<dept>".
type Vote struct {
	Dept   string `json:"dept"`
	Vote   string `json:"vote"`
	Key    string `json:"key_id"`
	Height int64  `json:"height"`
}

// Propose opens a proposal; the proposer's department approves it.
type Propose struct {
	Kind   string          `json:"kind"`
	Action json.RawMessage `json:"action"`
	Reason string          `json:"reason"`
	// RequireAll raises the policy to ALL for this proposal (needed to take
	// the validator set below the minimum; a change of a safety parameter
	// gets ALL without it).
	RequireAll bool `json:"require_all"`
	// Deadline in blocks from now; 0 = the chain parameter.
	DeadlineBlocks int64 `json:"deadline_blocks"`
}

// CastVote votes on an open proposal for the signer's department.
type CastVote struct {
	ID   uint64 `json:"id"`
	Vote string `json:"vote"`
}

// Statuses of a closed proposal besides the tally's outcomes (Passed,
// Rejected; Pending is "open").
const (
	StatusExpired = "expired"
	StatusFailed  = "failed"
)

// Prefix is the module's state key prefix.
const Prefix = "gov"

// key joins parts under Prefix with '/', as module.Key does.
func key(parts ...string) []byte { return []byte(Prefix + "/" + strings.Join(parts, "/")) }

func pad(id uint64) string { return fmt.Sprintf("%020d", id) }

// PropKey is the state key of proposal id: gov/prop/<id, 20 digits>.
func PropKey(id uint64) []byte { return key("prop", pad(id)) }

// VoteKey is a department's vote on proposal id: gov/vote/<id>/<dept>.
func VoteKey(id uint64, dept string) []byte { return key("vote", pad(id), dept) }

// VotePrefix is the prefix of proposal id's VoteKeys.
func VotePrefix(id uint64) string { return Prefix + "/vote/" + pad(id) + "/" }

// PropPrefix is the prefix of every PropKey.
const PropPrefix = Prefix + "/prop/"

// PartnerKey holds a partner province's trust anchor: gov/partner/<id>.
func PartnerKey(id string) []byte { return key("partner", id) }

// AdmitDept admits a new department with its admin key and validator.
type AdmitDept struct {
	Code           string `json:"code"`
	Name           string `json:"name"`
	AdminPublicKey []byte `json:"admin_public_key"`
	ValidatorKey   []byte `json:"validator_key"` // ed25519, 32 bytes
	Power          int64  `json:"power"`
	// Binding is the new department's SM2 signature (admin key) over
	// AdmissionBinding: it proves the department holds the admin key and
	// asks for exactly this validator key.
	Binding []byte `json:"binding"`
}

// AdmissionBinding is what a joining department signs.
func AdmissionBinding(chainID, code string, validatorKey []byte) []byte {
	d := smcrypto.SM3([]byte("govchain/admit/v1\x00"), []byte(chainID), []byte{0}, []byte(code), []byte{0}, validatorKey)
	return d[:]
}

// ValidatorAddress is CometBFT's address of an ed25519 key: the first 20
// bytes of SHA-256 of the key, upper-case hex.
func ValidatorAddress(pub []byte) string {
	h := sha256.Sum256(pub)
	return strings.ToUpper(hex.EncodeToString(h[:20]))
}

// DeptRef names a department.
type DeptRef struct {
	Code string `json:"code"`
}

// SetValidator re-weights (or removes, power 0) a department's validator.
type SetValidator struct {
	Code  string `json:"code"`
	Power int64  `json:"power"`
}

// GrantRef is a department grant.
type GrantRef struct {
	Dept  string `json:"dept"`
	Grant string `json:"grant"`
}

// RoleRef is a role of one identity.
type RoleRef struct {
	KeyID smcrypto.KeyID `json:"key_id"`
	Role  string         `json:"role"`
}

// Partner is a partner province's trust anchor (used by recognition).
type Partner struct {
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	Kind   string          `json:"kind"` // govchain | fabric
	Config json.RawMessage `json:"config"`
}

// SetPolicy changes the policy of an action kind.
type SetPolicy struct {
	Kind   string `json:"kind"`
	Policy string `json:"policy"`
}

// Execute runs another module's message with governance authority (e.g.
// catalog.transfer_item, which moves a data item's authoritative source).
type Execute struct {
	Type string          `json:"type"`
	Body json.RawMessage `json:"body"`
}

// Upgrade schedules a software upgrade: at Height every node halts before
// executing the block unless its binary knows the plan Name (and then
// runs the plan's state migration); SHA256 names the release to install
// (chain/upgrade).
type Upgrade struct {
	Name   string `json:"name"`
	Height int64  `json:"height"`
	SHA256 string `json:"sha256"`
	Notes  string `json:"notes"`
}

// CancelUpgrade removes the pending plan Name before its height.
type CancelUpgrade struct {
	Name string `json:"name"`
}
