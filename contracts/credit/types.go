package credit

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/identifier"
)

// Name is the module name and error codespace.
const Name = "credit"

// Message types.
const (
	MsgRecord      = "credit.record"
	MsgRecordBatch = "credit.record_batch"
)

// Event kinds (信用信息类别).
const (
	KindLicence    = "licence"    // 行政许可
	KindPenalty    = "penalty"    // 行政处罚
	KindRedlist    = "redlist"    // 守信激励 (红名单)
	KindBlacklist  = "blacklist"  // 失信联合惩戒 (黑名单)
	KindCommitment = "commitment" // 信用承诺
	KindRepair     = "repair"     // 信用修复
)

// Kinds lists every kind with its Chinese name, in a fixed order.
var Kinds = []struct{ Kind, Chinese string }{
	{KindLicence, "行政许可"},
	{KindPenalty, "行政处罚"},
	{KindRedlist, "守信激励"},
	{KindBlacklist, "失信联合惩戒"},
	{KindCommitment, "信用承诺"},
	{KindRepair, "信用修复"},
}

// KindChinese returns the Chinese name of kind ("" if unknown).
func KindChinese(kind string) string {
	for _, k := range Kinds {
		if k.Kind == kind {
			return k.Chinese
		}
	}
	return ""
}

// ValidKind reports whether kind is one of Kinds.
func ValidKind(kind string) bool { return KindChinese(kind) != "" }

// Grant is the department grant needed to record events of kind.
func Grant(kind string) string { return "credit:" + kind }

// Repairable reports whether events of kind can be repaired (credit repair
// ends the publication of a penalty and takes a subject off the black list).
func Repairable(kind string) bool { return kind == KindPenalty || kind == KindBlacklist }

// Subject kinds: organisations by unified social credit code, natural
// persons by salted SM3 of their citizen ID number.
const (
	SubjectOrg    = identifier.HolderOrg    // "org"
	SubjectPerson = identifier.HolderPerson // "person"
)

// Error codes of the credit codespace: 501..599.
var (
	ErrBadInput       = errs.Register(Name, 501, "invalid input")
	ErrBadSubject     = errs.Register(Name, 502, "invalid subject")
	ErrPersonalData   = errs.Register(Name, 503, "personal data in clear")
	ErrBadDates       = errs.Register(Name, 504, "invalid dates")
	ErrBadEnvelope    = errs.Register(Name, 505, "invalid details envelope")
	ErrNotFound       = errs.Register(Name, 506, "unknown credit event")
	ErrNotRepairable  = errs.Register(Name, 507, "event cannot be repaired")
	ErrNotRecorder    = errs.Register(Name, 508, "not the recording department")
	ErrAlreadyRepair  = errs.Register(Name, 509, "event already repaired")
	ErrDuplicate      = errs.Register(Name, 510, "event already recorded")
	ErrBatchTooLarge  = errs.Register(Name, 511, "batch too large")
	ErrBadSeverity    = errs.Register(Name, 512, "invalid severity")
	ErrUnknownKind    = errs.Register(Name, 513, "unknown event kind")
	ErrSubjectUnknown = errs.Register(Name, 514, "no credit events for subject")
	// ErrUnreadable: a decision number or legal basis with an invisible or
	// reordering character, or not NFC (chain/readable).
	ErrUnreadable = errs.Register(Name, 530, "text not plainly readable")
	// ErrSealedElsewhere: the sealed details (their ciphertext) are already
	// the details of another event.
	ErrSealedElsewhere = errs.Register(Name, 531, "details sealed for another event")
)

// Scheme names the details envelope format: SM4-GCM under a fresh 16-byte
// data key, the data key wrapped with SM2 public-key encryption (GM/T 0009
// ASN.1, C1C3C2) for each reader key.
const Scheme = "sm4-gcm+sm2/v1"

// Params are set at genesis and never change (subject references depend on
// the salt).
type Params struct {
	// SubjectSalt (hex, at least 16 bytes) is mixed into person subject
	// references: ref = hex(SM3(salt || normalised citizen ID number)).
	SubjectSalt string `json:"subject_salt"`
	SaltSource  string `json:"salt_source"` // "genesis" or "chain-id"
	// MaxBatch bounds the events of one credit.record_batch.
	MaxBatch int `json:"max_batch"`
	// MaxDetails bounds the sealed details (ciphertext) of one event.
	MaxDetails int `json:"max_details"`
	// MaxWraps bounds the reader keys of one event.
	MaxWraps int `json:"max_wraps"`
}

// Salt returns the subject salt bytes.
func (p *Params) Salt() []byte {
	b, _ := hexDecode(p.SubjectSalt)
	return b
}

// Defaults when genesis sets none.
const (
	DefaultMaxBatch   = 1000
	DefaultMaxDetails = 16 << 10
	DefaultMaxWraps   = 64
)

// Wrap is the event's data key encrypted to one reader key: SM2
// public-key encryption (ASN.1 C1C3C2) to the public key of the identity
// KeyID of department Dept.
type Wrap struct {
	Dept       string `json:"dept"`
	KeyID      string `json:"key_id"`
	WrappedKey []byte `json:"wrapped_key"`
}

// Envelope holds an event's details: Ciphertext is nonce(12) ||
// SM4-GCM(data key, details, aad = DetailsAAD(...)) || tag(16). The data
// key and the nonce are generated by the client; the chain checks the shape
// and that every wrap names an active key of an active department.
type Envelope struct {
	Scheme     string `json:"scheme"`
	Ciphertext []byte `json:"ciphertext"`
	Wraps      []Wrap `json:"wraps"`
}

// DetailsAAD binds sealed details to the public fields of their event, so
// a ciphertext cannot be moved to another event and still open.
func DetailsAAD(kind, subjectRef, decisionNo string) []byte {
	return []byte("govchain/credit/details/v1\x00" + kind + "\x00" + subjectRef + "\x00" + decisionNo)
}

// Event is one credit event as submitted (credit.record, or an element of
// credit.record_batch).
type Event struct {
	Kind string `json:"kind"`
	// SubjectKind "org": SubjectRef is the unified social credit code.
	// SubjectKind "person": SubjectRef is hex(SM3(salt || citizen ID)),
	// computed by the client with the salt in credit/params.
	SubjectKind string `json:"subject_kind"`
	SubjectRef  string `json:"subject_ref"`
	LegalBasis  string `json:"legal_basis"` // 法律依据, e.g. "《食品安全法》第一百二十四条"
	DecisionNo  string `json:"decision_no"` // 决定文书号, e.g. "榕市监罚〔2026〕12号"
	// EffectiveDate YYYY-MM-DD; PublishEnd is the end of the publication
	// period as an instant, RFC 3339 UTC to the second: the event is
	// published while block time < PublishEnd.
	EffectiveDate string `json:"effective_date"`
	PublishEnd    string `json:"publish_end"`
	Severity      int    `json:"severity"` // 1 (minor) .. 5 (most serious)
	// Repairs is the id of the penalty or blacklist event a repair event
	// repairs (kind repair only).
	Repairs string   `json:"repairs,omitempty"`
	Details Envelope `json:"details"`
}

// RecordBatch records many events in one transaction, all or none.
type RecordBatch struct {
	Events []Event `json:"events"`
}

// Record is one recorded event, at credit/ev/<id>.
type Record struct {
	ID            string   `json:"id"`
	Kind          string   `json:"kind"`
	SubjectKind   string   `json:"subject_kind"`
	SubjectRef    string   `json:"subject_ref"`
	Dept          string   `json:"dept"`   // recording department
	Signer        string   `json:"signer"` // key id, or "governance"
	LegalBasis    string   `json:"legal_basis"`
	DecisionNo    string   `json:"decision_no"`
	EffectiveDate string   `json:"effective_date"`
	PublishEnd    string   `json:"publish_end"`
	Severity      int      `json:"severity"`
	Repairs       string   `json:"repairs,omitempty"`
	Details       Envelope `json:"details"`
	Height        int64    `json:"height"`
	Time          string   `json:"time"` // block time, RFC 3339 UTC
	// Set on a penalty or blacklist event by the repair that repaired it.
	RepairedBy     string `json:"repaired_by,omitempty"`
	RepairedHeight int64  `json:"repaired_height,omitempty"`
	RepairedTime   string `json:"repaired_time,omitempty"`
}

// Counts are numbers of events by kind.
type Counts struct {
	Licence    int `json:"licence"`
	Penalty    int `json:"penalty"`
	Redlist    int `json:"redlist"`
	Blacklist  int `json:"blacklist"`
	Commitment int `json:"commitment"`
	Repair     int `json:"repair"`
}

// Add counts one event of kind.
func (c *Counts) Add(kind string) {
	switch kind {
	case KindLicence:
		c.Licence++
	case KindPenalty:
		c.Penalty++
	case KindRedlist:
		c.Redlist++
	case KindBlacklist:
		c.Blacklist++
	case KindCommitment:
		c.Commitment++
	case KindRepair:
		c.Repair++
	}
}

// Total is the sum of all kinds.
func (c Counts) Total() int {
	return c.Licence + c.Penalty + c.Redlist + c.Blacklist + c.Commitment + c.Repair
}

// Open is an unrepaired penalty, red list or black list event of a subject
// (whether it is still published depends on the block time of the read).
type Open struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Dept       string `json:"dept"`
	PublishEnd string `json:"publish_end"`
	Severity   int    `json:"severity"`
}

// Subject is a subject's summary at credit/subject/<ref>: one key that
// proves the subject's complete history (every event id, oldest first),
// its counts by kind and its open list entries.
type Subject struct {
	Kind        string   `json:"kind"`
	Ref         string   `json:"ref"`
	Counts      Counts   `json:"counts"`
	Events      []string `json:"events"`
	Open        []Open   `json:"open,omitempty"`
	FirstHeight int64    `json:"first_height"`
	LastHeight  int64    `json:"last_height"`
}

// ListEntry is the value of an active-list index key
// credit/list/<blacklist|redlist>/<ref>/<id>; the key is deleted when the
// event is repaired.
type ListEntry struct {
	Dept       string `json:"dept"`
	PublishEnd string `json:"publish_end"`
	Severity   int    `json:"severity"`
}

// counter is the value of credit/next.
type counter struct {
	Next uint64 `json:"next"`
}

// ---- state keys ----
//
//	credit/params                          Params
//	credit/next                            next event number
//	credit/ev/<id>                         Record (id = 12 decimal digits, in recording order)
//	credit/subject/<ref>                   Subject summary
//	credit/dept/<dept>/<id>                -> kind (events by recording department)
//	credit/list/<list>/<ref>/<id>          -> ListEntry (unrepaired red and black list events)
//	credit/dno/<dept>/<sm3(kind,ref,no)>   -> id (one event per department, kind, subject and decision)
//	credit/sealed/<sm3(ciphertext)>        -> id (sealed details belong to one event)
const prefix = "credit"

func ParamsKey() []byte                   { return module.Key(prefix, "params") }
func counterKey() []byte                  { return module.Key(prefix, "next") }
func EventKey(id string) []byte           { return module.Key(prefix, "ev", id) }
func SubjectKey(ref string) []byte        { return module.Key(prefix, "subject", ref) }
func DeptPrefix(dept string) []byte       { return module.Key(prefix, "dept", dept, "") }
func deptKey(dept, id string) []byte      { return module.Key(prefix, "dept", dept, id) }
func ListPrefix(list string) []byte       { return module.Key(prefix, "list", list, "") }
func ListKey(list, ref, id string) []byte { return module.Key(prefix, "list", list, ref, id) }

// DecisionKey is the duplicate guard of (department, kind, subject,
// decision number); the decision number is hashed because it is free text.
func DecisionKey(dept, kind, ref, decisionNo string) []byte {
	return module.Key(prefix, "dno", dept, smcrypto.SM3Hex([]byte(kind+"\x00"+ref+"\x00"+decisionNo)))
}

// SealedKey is the owner index of sealed details: the SM3 of an event's
// details ciphertext (nonce, ciphertext, tag) names the one event they were
// recorded with. Every seal draws a fresh data key and nonce, so two events
// never share a ciphertext unless one copied the other's.
func SealedKey(ciphertext []byte) []byte {
	return module.Key(prefix, "sealed", smcrypto.SM3Hex(ciphertext))
}

// IDLen is the length of an event id.
const IDLen = 12

// FormatID renders event number n as its id.
func FormatID(n uint64) string { return fmt.Sprintf("%0*d", IDLen, n) }

// ValidID reports whether s is an event id (12 decimal digits).
func ValidID(s string) bool {
	if len(s) != IDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// GetParams reads credit/params.
func GetParams(kv state.KV) (*Params, error) {
	var p Params
	ok, err := module.GetJSON(kv, ParamsKey(), &p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.Internal.Wrapf("credit params missing (genesis did not run)")
	}
	return &p, nil
}

// GetRecord returns the event id, or nil if there is none.
func GetRecord(kv state.KV, id string) (*Record, error) {
	return module.Load[Record](kv, EventKey(id))
}

// GetSubject returns the summary of ref, or nil if it has no events.
func GetSubject(kv state.KV, ref string) (*Subject, error) {
	return module.Load[Subject](kv, SubjectKey(ref))
}

// ---- input rules ----

// ParseDate parses YYYY-MM-DD (a real calendar date, year 1949 or later)
// as midnight China Standard Time.
func ParseDate(field, s string) (time.Time, error) {
	y, m, d, ok := identifier.SplitDate(s)
	if !ok {
		return time.Time{}, ErrBadDates.Wrapf("%s %q must be a date YYYY-MM-DD", field, s)
	}
	if y < 1949 || y > 9998 || m < 1 || m > 12 || d < 1 || d > identifier.DaysIn(y, m) {
		return time.Time{}, ErrBadDates.Wrapf("%s %s is not a date (1949 or later)", field, s)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, identifier.CST), nil
}

// ParseInstant parses an RFC 3339 instant in its one accepted form: UTC,
// whole seconds ("2027-06-30T16:00:00Z").
func ParseInstant(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.UTC().Format(time.RFC3339) != s {
		return time.Time{}, ErrBadDates.Wrapf("%s %q must be an RFC 3339 UTC instant to the second, e.g. 2027-06-30T16:00:00Z", field, s)
	}
	return t, nil
}

// PublishEndOfDay is the publish_end for "published through day" (a
// YYYY-MM-DD date, China Standard Time): the next midnight CST, in UTC.
func PublishEndOfDay(day string) (string, error) {
	t, err := ParseDate("publication end date", day)
	if err != nil {
		return "", err
	}
	return t.AddDate(0, 0, 1).UTC().Format(time.RFC3339), nil
}

// Published reports whether an event with publish end pe is published at
// block time bt (bt < pe), and not repaired.
func (r *Record) Published(bt time.Time) bool {
	if r.RepairedBy != "" {
		return false
	}
	return publishedAt(r.PublishEnd, bt)
}

func publishedAt(publishEnd string, bt time.Time) bool {
	pe, err := time.Parse(time.RFC3339, publishEnd)
	return err == nil && bt.Before(pe)
}

// checkText: valid UTF-8, no control characters, 1..max bytes, no
// citizen ID number anywhere in it, and text people read as what it is
// (chain/readable).
func checkText(field, s string, max int) error {
	if s == "" {
		return ErrBadInput.Wrapf("%s is required", field)
	}
	if len(s) > max || !utf8.ValidString(s) {
		return ErrBadInput.Wrapf("%s must be valid UTF-8 of at most %d bytes, got %d bytes", field, max, len(s))
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return ErrBadInput.Wrapf("%s contains control character %U", field, r)
		}
	}
	if err := readable.Text(s); err != nil {
		return ErrUnreadable.Wrapf("%s %s", field, err)
	}
	if at := citizenIDIn(s); at >= 0 {
		return ErrPersonalData.Wrapf("%s contains a citizen identity number at byte %d; personal data goes in the encrypted details only", field, at)
	}
	return nil
}

// citizenIDIn returns the byte offset of the first valid citizen ID number
// (18 characters, 17 digits and a digit or X/x) inside s, or -1.
func citizenIDIn(s string) int {
	for i := 0; i+identifier.CitizenIDLen <= len(s); i++ {
		if s[i] < '1' || s[i] > '9' {
			continue
		}
		if identifier.LooksLikeCitizenID(s[i : i+identifier.CitizenIDLen]) {
			return i
		}
	}
	return -1
}

// ValidateSubject checks a subject as stored on chain: an organisation by
// its canonical unified social credit code (check character verified), a
// person by a 64-hex salted reference; an ID number in clear is refused.
func ValidateSubject(kind, ref string) error {
	switch kind {
	case SubjectOrg:
		if n := identifier.Normalize(ref); n != ref {
			return ErrBadSubject.Wrapf("unified social credit code %q is not in normal form (want %q)", ref, n)
		}
		if err := identifier.ValidateUSCC(ref); err != nil {
			return ErrBadSubject.Wrapf("unified social credit code %q: %v", ref, err)
		}
		return nil
	case SubjectPerson:
		if identifier.LooksLikeCitizenID(ref) {
			return ErrPersonalData.Wrapf("subject_ref is a citizen identity number in clear; send hex(SM3(salt || ID)) computed locally with the salt in credit/params (govchain credit record --subject-id does this)")
		}
		if err := identifier.ValidateHolderRef(identifier.HolderPerson, ref); err != nil {
			return ErrBadSubject.Wrapf("%v", err)
		}
		return nil
	}
	return ErrBadSubject.Wrapf("subject_kind %q is neither %q nor %q", kind, SubjectOrg, SubjectPerson)
}

// SubjectRef turns a subject identifier into its on-chain reference,
// client-side: a USCC is normalised and validated (it is its own
// reference); a citizen ID number is validated and hashed with salt. kind
// "" detects which of the two id is.
func SubjectRef(salt []byte, kind, id string) (k, ref string, err error) {
	n := identifier.Normalize(id)
	if kind == "" {
		switch {
		case identifier.LooksLikeCitizenID(n):
			kind = SubjectPerson
		case identifier.ValidateUSCC(n) == nil:
			kind = SubjectOrg
		default:
			if len(n) == identifier.USCCLen && n[0] >= '0' && n[0] <= '9' && isDigits(n[:17]) {
				_, err := identifier.NormalizeCitizenID(n)
				return "", "", fmt.Errorf("citizen identity number: %v", err)
			}
			_, err := identifier.NormalizeUSCC(n)
			return "", "", fmt.Errorf("neither a valid citizen identity number nor a unified social credit code: %v", err)
		}
	}
	switch kind {
	case SubjectOrg:
		if err := identifier.ValidateUSCC(n); err != nil {
			return "", "", fmt.Errorf("unified social credit code: %w", err)
		}
		return kind, n, nil
	case SubjectPerson:
		if err := identifier.ValidateCitizenID(n); err != nil {
			return "", "", fmt.Errorf("citizen identity number: %w", err)
		}
		if len(salt) < 16 {
			return "", "", fmt.Errorf("subject salt shorter than 16 bytes")
		}
		return kind, identifier.HolderRef(salt, n), nil
	}
	return "", "", fmt.Errorf("subject kind %q is neither org nor person", kind)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
