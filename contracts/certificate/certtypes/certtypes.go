// Package certtypes holds what a client of the e-certificate registry
// needs without the registry itself: its records (certificates, batches,
// types), message bodies, state keys, statuses and the batch file an
// issuer keeps. It imports no state store, so the API client and the
// browser can use it; package certificate re-exports every name, so the
// chain's code reads the same.
package certtypes

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/govchain/govchain/contracts/certificate/validity"
)

// Name is the module name and error codespace.
const Name = "certificate"

// Message types.
const (
	MsgDefineType  = "certificate.define_type"
	MsgAnchor      = "certificate.anchor"
	MsgAnchorBatch = "certificate.anchor_batch"
	MsgRevoke      = "certificate.revoke"
	MsgSuspend     = "certificate.suspend"
	MsgReinstate   = "certificate.reinstate"
	MsgReissue     = "certificate.reissue"
)

// Statuses of a certificate record. "expired" is never stored: it is
// derived from valid_until and the block time of the height read.
const (
	StatusValid     = "valid"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
	StatusExpired   = "expired"
)

// Actions recorded in a record's history.
const (
	ActionAnchor      = "anchor"
	ActionAnchorBatch = "anchor_batch"
	ActionSuspend     = "suspend"
	ActionReinstate   = "reinstate"
	ActionRevoke      = "revoke"
	ActionReissue     = "reissue"
	ActionReissueOf   = "reissue_of" // first entry of the replacement
)

// Reasons is the fixed table of reason codes (after GB/T 36901-36906's
// status-change reasons). Every status change and reissue names one.
var Reasons = []struct{ Code, Name, Chinese string }{
	{"01", "expired", "有效期届满"},
	{"02", "information changed", "证照信息变更"},
	{"03", "lost", "遗失"},
	{"04", "revoked by law", "依法撤销/吊销"},
	{"05", "error", "错误"},
	{"99", "other", "其他"},
}

// ReasonName returns the English name of a reason code ("" if unknown).
func ReasonName(code string) string {
	for _, r := range Reasons {
		if r.Code == code {
			return r.Name
		}
	}
	return ""
}

// Params are set at genesis and never change (holder references depend on
// the salt).
type Params struct {
	// HolderSalt (hex, at least 16 bytes) is mixed into person holder
	// references: ref = hex(SM3(salt || normalised citizen ID number)).
	// Clients read it from cert/params to compute references locally.
	HolderSalt string `json:"holder_salt"`
	// SaltSource says where the salt came from ("genesis" or "chain-id").
	SaltSource string `json:"salt_source"`
	// MaxBatch bounds the member count of one anchored batch.
	MaxBatch uint64 `json:"max_batch"`
	// IndexLayout is the layout of the listing indexes: absent (1) or 2
	// (contracts/certificate/index.go). Listings answer the same in both.
	IndexLayout int `json:"index_layout,omitempty"`
}

// Salt returns the holder salt bytes of p.
func (p *Params) Salt() []byte {
	b, _ := hex.DecodeString(p.HolderSalt)
	return b
}

// CertType is a certificate type, owned by the department that defined it.
type CertType struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// MaxValidityDays bounds valid_until - valid_from; 0 = no expiry limit.
	MaxValidityDays int64  `json:"max_validity_days"`
	Owner           string `json:"owner"`
	DefinedBy       string `json:"defined_by"` // key id
	Height          int64  `json:"height"`
	// RenewalNoticeDays: how many days before valid_until holders are told
	// to renew. It exists from version 2 of the module's state (the worked
	// example of a migration, MigrateRenewalNotice): absent before.
	RenewalNoticeDays int64 `json:"renewal_notice_days,omitempty"`
}

// Change is one entry of a record's status history.
type Change struct {
	Height int64  `json:"height"`
	Time   string `json:"time"` // block time, RFC 3339 UTC
	Action string `json:"action"`
	Status string `json:"status"` // status after the action
	Reason string `json:"reason,omitempty"`
	By     string `json:"by"` // signer key id
}

// Record is one certificate, stored at cert/rec/<hash>.
type Record struct {
	Hash       string   `json:"hash"`
	Type       string   `json:"type"`
	Issuer     string   `json:"issuer"` // department code
	Signer     string   `json:"signer"` // key id that anchored it (or its batch)
	LicenceNo  string   `json:"licence_no,omitempty"`
	HolderKind string   `json:"holder_kind,omitempty"`
	HolderRef  string   `json:"holder_ref,omitempty"`
	IssueDate  string   `json:"issue_date"`
	ValidFrom  string   `json:"valid_from,omitempty"`
	ValidUntil string   `json:"valid_until,omitempty"`
	Status     string   `json:"status"`
	History    []Change `json:"history"`
	// AnchoredHeight/Time: when the hash (or its batch root) went on chain.
	AnchoredHeight int64  `json:"anchored_height"`
	AnchoredTime   string `json:"anchored_time"`
	// BatchRoot and BatchIndex are set for a member of an anchored batch;
	// such a record is created by its first status change.
	BatchRoot  string  `json:"batch_root,omitempty"`
	BatchIndex *uint64 `json:"batch_index,omitempty"`
	ReplacedBy string  `json:"replaced_by,omitempty"`
	Replaces   string  `json:"replaces,omitempty"`
}

// Batch is an anchored Merkle root of Count certificates, at cert/batch/<root>.
type Batch struct {
	Root           string `json:"root"`
	Type           string `json:"type"`
	Issuer         string `json:"issuer"`
	Signer         string `json:"signer"`
	Count          uint64 `json:"count"`
	IssueDate      string `json:"issue_date"`
	FirstLicenceNo string `json:"first_licence_no,omitempty"`
	LastLicenceNo  string `json:"last_licence_no,omitempty"`
	Height         int64  `json:"height"`
	Time           string `json:"time"`
}

// State keys. Hashes and roots are 64 lower-case hex, type codes and
// department codes have no '/', holder refs are hex or a USCC.
const Prefix = "cert"

// key joins parts under Prefix with '/', as module.Key does.
func key(parts ...string) []byte { return []byte(Prefix + "/" + strings.Join(parts, "/")) }

func ParamsKey() []byte            { return key("params") }
func TypeKey(code string) []byte   { return key("type", code) }
func RecordKey(hash string) []byte { return key("rec", hash) }
func BatchKey(root string) []byte  { return key("batch", root) }

// EffectiveStatus is the record's status as of a block time: a valid record
// whose valid_until day has passed (in China Standard Time) is expired.
func (r *Record) EffectiveStatus(blockTime time.Time) string {
	return StatusAt(r.Status, r.ValidUntil, blockTime)
}

// StatusAt is EffectiveStatus from a record's status and valid_until alone
// (for readers that decode only those fields).
func StatusAt(status, validUntil string, blockTime time.Time) string {
	if status == StatusValid && validity.Passed(validUntil, blockTime) {
		return StatusExpired
	}
	return status
}

// ValidHash reports whether s is 64 lower-case hex characters (the one text
// form of an SM3 digest on chain).
func ValidHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Filter selects certificates by issuing department, type and holder
// reference (any combination, at least one).
type Filter struct {
	Issuer string `json:"issuer,omitempty"`
	Type   string `json:"type,omitempty"`
	Holder string `json:"holder,omitempty"`
}

// Item is one entry of a listing: a certificate record or an anchored
// batch (batches have no holder, so a holder listing has none). Key is the
// state key to read with a proof.
type Item struct {
	Kind   string  `json:"kind"` // "certificate" or "batch"
	ID     string  `json:"id"`   // certificate hash or batch root
	Key    string  `json:"key"`
	Height int64   `json:"height"`
	Record *Record `json:"record,omitempty"`
	Batch  *Batch  `json:"batch,omitempty"`
}

// Cursor is the item's position in a listing's order (the ?cursor= of
// the page after it).
func (it Item) Cursor() string { return fmt.Sprintf("%020d/%s", it.Height, it.ID) }

// DefineType defines a certificate type owned by the signer's department.
// Defining a type does not let the department issue it: anchoring needs the
// grant "issuer:<code>", given at genesis or by governance.
type DefineType struct {
	Code            string `json:"code"`
	Name            string `json:"name"`
	MaxValidityDays int64  `json:"max_validity_days"`
}

// Anchor records one certificate by the SM3 hash of its file. The holder
// is a reference, never an ID number: for holder_kind "org" the unified
// social credit code, for "person" hex(SM3(salt || ID number)) computed by
// the client with the salt in cert/params.
type Anchor struct {
	Hash       string `json:"hash"`
	Type       string `json:"type"`
	LicenceNo  string `json:"licence_no"`
	HolderKind string `json:"holder_kind"`
	HolderRef  string `json:"holder_ref"`
	IssueDate  string `json:"issue_date"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until,omitempty"`
}

// AnchorBatch records the Merkle root (merkle package: RFC 6962 with SM3,
// leaves = the members' 32-byte file hashes) of Count certificates.
type AnchorBatch struct {
	Type           string `json:"type"`
	Root           string `json:"root"`
	Count          uint64 `json:"count"`
	IssueDate      string `json:"issue_date"`
	FirstLicenceNo string `json:"first_licence_no,omitempty"`
	LastLicenceNo  string `json:"last_licence_no,omitempty"`
}

// Membership proves a hash is the index-th member of an anchored batch.
type Membership struct {
	Root  string   `json:"root"`
	Index uint64   `json:"index"`
	Path  []string `json:"path"`
}

// StatusChange suspends, reinstates or revokes a certificate. For a batch
// member that has no record yet, Batch proves its membership.
type StatusChange struct {
	Hash   string      `json:"hash"`
	Reason string      `json:"reason"`
	Batch  *Membership `json:"batch,omitempty"`
}

// Reissue replaces OldHash by New (anchored in the same tx, same type): the
// old record is revoked with replaced_by, the new one has replaces.
type Reissue struct {
	OldHash string      `json:"old_hash"`
	Reason  string      `json:"reason"`
	Batch   *Membership `json:"batch,omitempty"`
	New     Anchor      `json:"new"`
}
