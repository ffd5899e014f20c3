package certificate

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/identifier"
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

// Error codes of the certificate codespace: 601..699.
var (
	ErrBadInput      = errs.Register(Name, 601, "invalid input")
	ErrTypeExists    = errs.Register(Name, 602, "certificate type already defined")
	ErrTypeUnknown   = errs.Register(Name, 603, "unknown certificate type")
	ErrDuplicate     = errs.Register(Name, 604, "certificate already anchored")
	ErrNotFound      = errs.Register(Name, 605, "certificate not anchored")
	ErrNotIssuer     = errs.Register(Name, 606, "not the issuing department")
	ErrBadTransition = errs.Register(Name, 607, "invalid status change")
	ErrBadReason     = errs.Register(Name, 608, "unknown reason code")
	ErrBadHolder     = errs.Register(Name, 609, "invalid holder reference")
	ErrPersonalData  = errs.Register(Name, 610, "personal data in clear")
	ErrBadDates      = errs.Register(Name, 611, "invalid dates")
	ErrBatchUnknown  = errs.Register(Name, 612, "unknown batch")
	ErrBadInclusion  = errs.Register(Name, 613, "inclusion path does not verify")
	ErrBatchExists   = errs.Register(Name, 614, "batch already anchored")
	// ErrUnreadable: a name or licence number with an invisible or
	// reordering character, or not NFC (chain/readable).
	ErrUnreadable = errs.Register(Name, 630, "name not plainly readable")
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

func checkReason(code string) error {
	if ReasonName(code) != "" {
		return nil
	}
	var codes []string
	for _, r := range Reasons {
		codes = append(codes, r.Code+" "+r.Name)
	}
	return ErrBadReason.Wrapf("reason %q is not in the table (%s)", code, strings.Join(codes, ", "))
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
}

// DefaultMaxBatch is the batch size limit when genesis sets none.
const DefaultMaxBatch = 1_000_000

// CertType is a certificate type, owned by the department that defined it.
type CertType struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// MaxValidityDays bounds valid_until - valid_from; 0 = no expiry limit.
	MaxValidityDays int64  `json:"max_validity_days"`
	Owner           string `json:"owner"`
	DefinedBy       string `json:"defined_by"` // key id
	Height          int64  `json:"height"`
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
const prefix = "cert"

func ParamsKey() []byte              { return module.Key(prefix, "params") }
func TypeKey(code string) []byte     { return module.Key(prefix, "type", code) }
func RecordKey(hash string) []byte   { return module.Key(prefix, "rec", hash) }
func BatchKey(root string) []byte    { return module.Key(prefix, "batch", root) }
func heightPart(h int64) string      { return fmt.Sprintf("%020d", h) }
func issuerIndex(dept string) []byte { return module.Key(prefix, "idx", "issuer", dept, "") }
func typeIndex(typ string) []byte    { return module.Key(prefix, "idx", "type", typ, "") }
func holderIndex(ref string) []byte  { return module.Key(prefix, "idx", "holder", ref, "") }
func indexKey(p []byte, h int64, id string) []byte {
	return append(append(append([]byte{}, p...), heightPart(h)+"/"...), id...)
}

// Index values name what the entry points at.
const (
	kindRecord = "certificate"
	kindBatch  = "batch"
)

func GetParams(kv state.KV) (*Params, error) {
	var p Params
	ok, err := module.GetJSON(kv, ParamsKey(), &p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.Internal.Wrapf("certificate params missing (genesis did not run)")
	}
	return &p, nil
}

func GetType(kv state.KV, code string) (*CertType, error) {
	var t CertType
	ok, err := module.GetJSON(kv, TypeKey(code), &t)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrTypeUnknown.Wrapf("certificate type %q is not defined", code)
	}
	return &t, nil
}

// GetRecord returns the record of hash, or nil if there is none.
func GetRecord(kv state.KV, hash string) (*Record, error) {
	return module.Load[Record](kv, RecordKey(hash))
}

// GetBatch returns the batch anchored with root, or nil.
func GetBatch(kv state.KV, root string) (*Batch, error) {
	return module.Load[Batch](kv, BatchKey(root))
}

// EffectiveStatus is the record's status as of a block time: a valid record
// whose valid_until day has passed (in China Standard Time) is expired.
func (r *Record) EffectiveStatus(blockTime time.Time) string {
	return StatusAt(r.Status, r.ValidUntil, blockTime)
}

// StatusAt is EffectiveStatus from a record's status and valid_until alone
// (for readers that decode only those fields).
func StatusAt(status, validUntil string, blockTime time.Time) string {
	if status == StatusValid && validUntil != "" && !blockTime.IsZero() {
		if today := civilDate(blockTime); today > validUntil {
			return StatusExpired
		}
	}
	return status
}

// civilDate is t's date in China Standard Time (identifier.CST).
func civilDate(t time.Time) string { return t.In(identifier.CST).Format("2006-01-02") }

// ---- input rules ----

var (
	typeCodeRe = regexp.MustCompile(`^[A-Z][A-Z0-9_-]{0,15}$`)
)

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

func checkHash(field, s string) error {
	if !ValidHash(s) {
		return ErrBadInput.Wrapf("%s %q must be an SM3 digest as 64 lower-case hex characters", field, s)
	}
	return nil
}

// dayNumber parses YYYY-MM-DD into days since 1970-01-01, rejecting
// non-dates ("2026-02-30").
func dayNumber(field, s string) (int64, error) {
	y, m, d, ok := identifier.SplitDate(s)
	if !ok {
		return 0, ErrBadDates.Wrapf("%s %q must be a date YYYY-MM-DD", field, s)
	}
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > identifier.DaysIn(y, m) {
		return 0, ErrBadDates.Wrapf("%s %s is not a date", field, s)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400, nil
}

// checkText: valid UTF-8, no control characters, 1..max bytes, and a name
// people read as exactly one string (chain/readable: no format/bidi or
// invisible characters, NFC).
func checkText(field, s string, max int, required bool) error {
	if s == "" {
		if required {
			return ErrBadInput.Wrapf("%s is required", field)
		}
		return nil
	}
	if len(s) > max || !utf8.ValidString(s) {
		return ErrBadInput.Wrapf("%s must be valid UTF-8 of at most %d bytes", field, max)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return ErrBadInput.Wrapf("%s contains control character %U", field, r)
		}
	}
	if err := readable.Name(s); err != nil {
		return ErrUnreadable.Wrapf("%s %s", field, err)
	}
	return nil
}

// checkLicenceNo refuses ID numbers typed into the licence number field:
// a person's ID must never reach the chain in clear.
func checkLicenceNo(field, s string, required bool) error {
	if err := checkText(field, s, 64, required); err != nil {
		return err
	}
	if s != "" && identifier.LooksLikeCitizenID(s) {
		return ErrPersonalData.Wrapf("%s is a citizen identity number; personal data may not be put on chain in clear", field)
	}
	return nil
}
