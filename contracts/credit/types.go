package credit

import (
	"time"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/credit/credittypes"
)

// The events, records, summaries, profile, keys and statuses a client
// reads are defined in credittypes (no state store); the names below keep
// the chain's code unchanged.
const (
	Name = credittypes.Name

	MsgRecord      = credittypes.MsgRecord
	MsgRecordBatch = credittypes.MsgRecordBatch

	KindLicence    = credittypes.KindLicence
	KindPenalty    = credittypes.KindPenalty
	KindRedlist    = credittypes.KindRedlist
	KindBlacklist  = credittypes.KindBlacklist
	KindCommitment = credittypes.KindCommitment
	KindRepair     = credittypes.KindRepair

	SubjectOrg    = credittypes.SubjectOrg
	SubjectPerson = credittypes.SubjectPerson

	Scheme = credittypes.Scheme
	IDLen  = credittypes.IDLen

	StatusPublished = credittypes.StatusPublished
	StatusEnded     = credittypes.StatusEnded
	StatusRepaired  = credittypes.StatusRepaired
)

type (
	Params      = credittypes.Params
	Wrap        = credittypes.Wrap
	Envelope    = credittypes.Envelope
	Event       = credittypes.Event
	RecordBatch = credittypes.RecordBatch
	Record      = credittypes.Record
	Counts      = credittypes.Counts
	Open        = credittypes.Open
	Subject     = credittypes.Subject
	ListEntry   = credittypes.ListEntry
	EventView   = credittypes.EventView
	Lists       = credittypes.Lists
	Profile     = credittypes.Profile
	DeptItem    = credittypes.DeptItem
	ListItem    = credittypes.ListItem
)

var (
	// Kinds lists every kind with its Chinese name, in a fixed order.
	Kinds = credittypes.Kinds
	// BlockTimeKey holds the header time of the block a state version was
	// made by.
	BlockTimeKey = credittypes.BlockTimeKey
)

func KindChinese(kind string) string { return credittypes.KindChinese(kind) }
func ValidKind(kind string) bool     { return credittypes.ValidKind(kind) }
func Grant(kind string) string       { return credittypes.Grant(kind) }
func Repairable(kind string) bool    { return credittypes.Repairable(kind) }
func FormatID(n uint64) string       { return credittypes.FormatID(n) }
func ValidID(s string) bool          { return credittypes.ValidID(s) }

func DetailsAAD(kind, subjectRef, decisionNo string) []byte {
	return credittypes.DetailsAAD(kind, subjectRef, decisionNo)
}

func ParamsKey() []byte                   { return credittypes.ParamsKey() }
func EventKey(id string) []byte           { return credittypes.EventKey(id) }
func SubjectKey(ref string) []byte        { return credittypes.SubjectKey(ref) }
func DeptPrefix(dept string) []byte       { return credittypes.DeptPrefix(dept) }
func ListPrefix(list string) []byte       { return credittypes.ListPrefix(list) }
func ListKey(list, ref, id string) []byte { return credittypes.ListKey(list, ref, id) }
func DecisionKey(dept, kind, ref, decisionNo string) []byte {
	return credittypes.DecisionKey(dept, kind, ref, decisionNo)
}
func SealedKey(ciphertext []byte) []byte { return credittypes.SealedKey(ciphertext) }

// BuildProfile computes a profile from a subject summary and its event
// records at block time bt (credittypes.BuildProfile).
func BuildProfile(s *Subject, recs []*Record, bt time.Time) (*Profile, error) {
	return credittypes.BuildProfile(s, recs, bt)
}

// ParseListKey splits credit/list/<list>/<ref>/<id>.
func ParseListKey(list string, k []byte) (ref, id string, err error) {
	return credittypes.ParseListKey(list, k)
}

func publishedAt(publishEnd string, bt time.Time) bool {
	return credittypes.PublishedAt(publishEnd, bt)
}

// Error codes of the credit codespace: 501..599, registered in
// credittypes (clients check the same values).
var (
	ErrBadInput        = credittypes.ErrBadInput
	ErrBadSubject      = credittypes.ErrBadSubject
	ErrPersonalData    = credittypes.ErrPersonalData
	ErrBadDates        = credittypes.ErrBadDates
	ErrBadEnvelope     = credittypes.ErrBadEnvelope
	ErrNotFound        = credittypes.ErrNotFound
	ErrNotRepairable   = credittypes.ErrNotRepairable
	ErrNotRecorder     = credittypes.ErrNotRecorder
	ErrAlreadyRepair   = credittypes.ErrAlreadyRepair
	ErrDuplicate       = credittypes.ErrDuplicate
	ErrBatchTooLarge   = credittypes.ErrBatchTooLarge
	ErrBadSeverity     = credittypes.ErrBadSeverity
	ErrUnknownKind     = credittypes.ErrUnknownKind
	ErrSubjectUnknown  = credittypes.ErrSubjectUnknown
	ErrUnreadable      = credittypes.ErrUnreadable
	ErrSealedElsewhere = credittypes.ErrSealedElsewhere
)

// Defaults when genesis sets none.
const (
	DefaultMaxBatch   = 1000
	DefaultMaxDetails = 16 << 10
	DefaultMaxWraps   = 64
)

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
//	credit/rules/current                   RulesRecord in force (grading.go)
//	credit/rules/v/<version>               RulesRecord of each version
//	credit/alert/<id>                      Alert raised by event id
//	credit/watch/<dept>/<ref>              WatchEntry (a department's watch list)
//	credit/watcher/<ref>/<dept>            -> subject kind (watchers of a subject)
const prefix = credittypes.Prefix

func counterKey() []byte             { return module.Key(prefix, "next") }
func deptKey(dept, id string) []byte { return module.Key(prefix, "dept", dept, id) }

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

// ---- input rules (credittypes: clients run them before sending) ----

func ParseDate(field, s string) (time.Time, error)    { return credittypes.ParseDate(field, s) }
func ParseInstant(field, s string) (time.Time, error) { return credittypes.ParseInstant(field, s) }
func PublishEndOfDay(day string) (string, error)      { return credittypes.PublishEndOfDay(day) }
func ValidateSubject(kind, ref string) error          { return credittypes.ValidateSubject(kind, ref) }
func ValidateFields(m *Event) error                   { return credittypes.ValidateFields(m) }

// SubjectRef turns a subject identifier into its on-chain reference,
// client-side (credittypes.SubjectRef).
func SubjectRef(salt []byte, kind, id string) (k, ref string, err error) {
	return credittypes.SubjectRef(salt, kind, id)
}
