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
	"github.com/govchain/govchain/contracts/certificate/certtypes"
	"github.com/govchain/govchain/contracts/certificate/validity"
	"github.com/govchain/govchain/contracts/identifier"
)

// The registry's records, message bodies, statuses and keys are defined in
// certtypes, which a client can import without the state store; the names
// below keep the chain's code unchanged.
const (
	Name = certtypes.Name

	MsgDefineType  = certtypes.MsgDefineType
	MsgAnchor      = certtypes.MsgAnchor
	MsgAnchorBatch = certtypes.MsgAnchorBatch
	MsgRevoke      = certtypes.MsgRevoke
	MsgSuspend     = certtypes.MsgSuspend
	MsgReinstate   = certtypes.MsgReinstate
	MsgReissue     = certtypes.MsgReissue

	StatusValid     = certtypes.StatusValid
	StatusSuspended = certtypes.StatusSuspended
	StatusRevoked   = certtypes.StatusRevoked
	StatusExpired   = certtypes.StatusExpired

	ActionAnchor      = certtypes.ActionAnchor
	ActionAnchorBatch = certtypes.ActionAnchorBatch
	ActionSuspend     = certtypes.ActionSuspend
	ActionReinstate   = certtypes.ActionReinstate
	ActionRevoke      = certtypes.ActionRevoke
	ActionReissue     = certtypes.ActionReissue
	ActionReissueOf   = certtypes.ActionReissueOf
)

type (
	Params       = certtypes.Params
	CertType     = certtypes.CertType
	Change       = certtypes.Change
	Record       = certtypes.Record
	Batch        = certtypes.Batch
	Filter       = certtypes.Filter
	Item         = certtypes.Item
	DefineType   = certtypes.DefineType
	Anchor       = certtypes.Anchor
	AnchorBatch  = certtypes.AnchorBatch
	Membership   = certtypes.Membership
	StatusChange = certtypes.StatusChange
	Reissue      = certtypes.Reissue
	BatchFile    = certtypes.BatchFile
	BatchMember  = certtypes.BatchMember
)

// Reasons is the fixed table of reason codes (certtypes.Reasons).
var Reasons = certtypes.Reasons

// ReasonName returns the English name of a reason code ("" if unknown).
func ReasonName(code string) string { return certtypes.ReasonName(code) }

func ParamsKey() []byte            { return certtypes.ParamsKey() }
func TypeKey(code string) []byte   { return certtypes.TypeKey(code) }
func RecordKey(hash string) []byte { return certtypes.RecordKey(hash) }
func BatchKey(root string) []byte  { return certtypes.BatchKey(root) }

// StatusAt is a record's effective status from its status and valid_until
// alone (certtypes.StatusAt).
func StatusAt(status, validUntil string, blockTime time.Time) string {
	return certtypes.StatusAt(status, validUntil, blockTime)
}

// civilDate is t's date in China Standard Time (identifier.CST).
func civilDate(t time.Time) string { return validity.CivilDate(t) }

// ValidHash reports whether s is 64 lower-case hex characters (the one text
// form of an SM3 digest on chain).
func ValidHash(s string) bool { return certtypes.ValidHash(s) }

// NewBatchFile builds the tree over hashes and every member's path
// (certtypes.NewBatchFile).
func NewBatchFile(hashes, names []string) (*BatchFile, error) {
	return certtypes.NewBatchFile(hashes, names)
}

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

// DefaultMaxBatch is the batch size limit when genesis sets none.
const DefaultMaxBatch = 1_000_000

// State keys. Hashes and roots are 64 lower-case hex, type codes and
// department codes have no '/', holder refs are hex or a USCC.
const prefix = certtypes.Prefix

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

// ---- input rules ----

var (
	typeCodeRe = regexp.MustCompile(`^[A-Z][A-Z0-9_-]{0,15}$`)
)

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
