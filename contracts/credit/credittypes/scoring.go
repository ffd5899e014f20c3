package credittypes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/contracts/credit/grade"
)

// Credit evaluation (公共信用评价): the scoring model is a versioned rule set
// by governance (credit.set_rules, executed by a passed set_credit_rules
// proposal); a grade is computed on read from a subject's proven events,
// the rule in force and the block time (package grade).

// Messages of the evaluation.
const (
	// MsgSetRules installs a new version of the scoring model; only a
	// passed governance proposal (kind set_credit_rules) executes it.
	MsgSetRules = "credit.set_rules"
	// MsgWatch adds a subject to (or takes it off) the signer's
	// department's watch list.
	MsgWatch = "credit.watch"
)

// Error codes of the evaluation.
var (
	ErrBadRules      = errs.Register(Name, 515, "invalid credit rules")
	ErrRuleOverflow  = errs.Register(Name, 516, "rule numbers out of range")
	ErrBadThresholds = errs.Register(Name, 517, "invalid class thresholds")
	ErrNotGovernance = errs.Register(Name, 518, "only governance sets credit rules")
	ErrNoRules       = errs.Register(Name, 519, "no such credit rules version")
	ErrWatch         = errs.Register(Name, 520, "watch list unchanged")
)

// SetRules is the body of credit.set_rules: the new model. The chain
// numbers the version (the current one + 1).
type SetRules struct {
	Rules grade.Rules `json:"rules"`
}

// RulesRecord is one version of the model: at credit/rules/v/<version>,
// and the version in force at credit/rules/current. It applies from
// Height, the height whose block executed it (genesis: 0), on.
type RulesRecord struct {
	Version int64       `json:"version"`
	Height  int64       `json:"height"`
	Time    string      `json:"time"`
	Rules   grade.Rules `json:"rules"`
}

// RulesCurrentKey holds the RulesRecord in force: read at height H (with
// its proof) it is the version in force at H.
func RulesCurrentKey() []byte { return key("rules", "current") }

// RulesVersionKey holds version v for good.
func RulesVersionKey(v int64) []byte { return key("rules", "v", fmt.Sprintf("%06d", v)) }

// KindNames are the event kinds, in Kinds order.
func KindNames() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = k.Kind
	}
	return out
}

// ValidateRules checks a model with the credit codes: unknown event kinds
// credit/513, numbers that could overflow credit/516, negative or
// unordered thresholds credit/517, an ID number in the title credit/503,
// anything else credit/515.
func ValidateRules(r *grade.Rules) error {
	if len(r.Title) > 256 {
		return ErrBadRules.Wrapf("title is %d bytes; at most 256", len(r.Title))
	}
	if r.Title != "" {
		if err := readable.Text(r.Title); err != nil {
			return ErrUnreadable.Wrapf("title %s", err)
		}
		if at := citizenIDIn(r.Title); at >= 0 {
			return ErrPersonalData.Wrapf("title contains a citizen identity number at byte %d", at)
		}
	}
	err := r.Validate(KindNames())
	var re *grade.RuleError
	if err == nil || !errors.As(err, &re) {
		return err
	}
	switch re.Problem {
	case grade.ProblemKind:
		return ErrUnknownKind.Wrapf("%s", re.Msg)
	case grade.ProblemOverflow:
		return ErrRuleOverflow.Wrapf("%s", re.Msg)
	case grade.ProblemThreshold:
		return ErrBadThresholds.Wrapf("%s", re.Msg)
	}
	return ErrBadRules.Wrapf("%s", re.Msg)
}

// DefaultRules is version 1 unless genesis sets another: a subject with no
// events scores 850 (class A); see docs/credit.md for the model.
func DefaultRules() grade.Rules {
	return grade.Rules{
		Title: "公共信用评价 v1 (default)",
		Base:  850, Min: 0, Max: 1000,
		Kinds: []grade.KindRule{
			{Kind: KindBlacklist, Weights: []int64{-200, -250, -300, -400, -500}, Cap: 800},
			{Kind: KindCommitment, Weights: []int64{20, 20, 20, 20, 20}, Cap: 40},
			{Kind: KindLicence, Weights: []int64{10, 10, 10, 10, 10}, Cap: 50},
			{Kind: KindPenalty, Weights: []int64{-30, -60, -120, -200, -300}, Cap: 600},
			{Kind: KindRedlist, Weights: []int64{30, 40, 50, 60, 80}, Cap: 100},
		},
		Decay:            []grade.DecayStep{{UntilDays: 365, Permille: 1000}, {UntilDays: 730, Permille: 600}, {UntilDays: 1095, Permille: 300}},
		EndedPermille:    500,
		RepairedPermille: 0,
		Thresholds:       grade.Thresholds{A: 850, B: 700, C: 550},
		BlacklistForcesD: true,
		RedlistRaise:     1,
	}
}

// EventTime is when an event counts from: the start of its effective date
// (China Standard Time), in unix seconds.
func EventTime(r *Record) (int64, error) {
	t, err := ParseDate("effective_date", r.EffectiveDate)
	if err != nil {
		return 0, err
	}
	return t.Unix(), nil
}

// FactOf is what the grade reads of a record.
func FactOf(r *Record) (grade.Fact, error) {
	et, err := EventTime(r)
	if err != nil {
		return grade.Fact{}, fmt.Errorf("event %s: %w", r.ID, err)
	}
	pe, err := time.Parse(time.RFC3339, r.PublishEnd)
	if err != nil {
		return grade.Fact{}, fmt.Errorf("event %s: publish_end %q: %w", r.ID, r.PublishEnd, err)
	}
	return grade.Fact{ID: r.ID, Kind: r.Kind, Severity: r.Severity, EventTime: et, PublishEnd: pe.Unix(), Repaired: r.RepairedBy != ""}, nil
}

// BlockSeconds is a block time in whole unix seconds (rounded down): the
// grade's clock.
func BlockSeconds(bt time.Time) int64 { return bt.Unix() }

// GradeRecords grades a subject's records (in summary order) under rr at
// block time bt.
func GradeRecords(rr *RulesRecord, recs []*Record, bt time.Time) (*grade.Grade, error) {
	facts := make([]grade.Fact, len(recs))
	for i, r := range recs {
		f, err := FactOf(r)
		if err != nil {
			return nil, err
		}
		facts[i] = f
	}
	return grade.Compute(&rr.Rules, rr.Version, facts, BlockSeconds(bt))
}

// Alert is a subject whose class worsened on a new event, at
// credit/alert/<event id>: from its class before the event to after, both
// at the block time of the event's block under the rule then in force. A
// subject's first event counts when it leaves the subject in C or D (From
// is "-").
type Alert struct {
	Event        string   `json:"event"`
	Kind         string   `json:"kind"`
	Dept         string   `json:"dept"`
	SubjectKind  string   `json:"subject_kind"`
	SubjectRef   string   `json:"subject_ref"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	FromScore    int64    `json:"from_score"`
	Score        int64    `json:"score"`
	RulesVersion int64    `json:"rules_version"`
	Height       int64    `json:"height"`
	Time         string   `json:"time"`
	Watchers     []string `json:"watchers"` // departments watching the subject then
}

// AlertKey is the alert raised by event id.
func AlertKey(id string) []byte { return key("alert", id) }

// AlertPrefix is the prefix of every AlertKey.
func AlertPrefix() []byte { return key("alert", "") }

// Watch adds (Watch true) or removes a subject on the signer's
// department's watch list.
type Watch struct {
	SubjectKind string `json:"subject_kind"`
	SubjectRef  string `json:"subject_ref"`
	Watch       bool   `json:"watch"`
}

// WatchEntry is credit/watch/<dept>/<ref>; credit/watcher/<ref>/<dept>
// indexes it by subject.
type WatchEntry struct {
	Dept        string `json:"dept"`
	SubjectKind string `json:"subject_kind"`
	SubjectRef  string `json:"subject_ref"`
	Height      int64  `json:"height"`
	Signer      string `json:"signer"`
}

func WatchKey(dept, ref string) []byte   { return key("watch", dept, ref) }
func WatchPrefix(dept string) []byte     { return key("watch", dept, "") }
func WatcherKey(ref, dept string) []byte { return key("watcher", ref, dept) }
func WatcherPrefix(ref string) []byte    { return key("watcher", ref, "") }

// DecodeRules reads a rules JSON file as governance would: strict, every
// field known.
func DecodeRules(b []byte) (*grade.Rules, error) {
	var r grade.Rules
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, ErrBadRules.Wrapf("rules JSON: %v", err)
	}
	return &r, ValidateRules(&r)
}

// GradeItem is one subject of a grades listing.
type GradeItem struct {
	SubjectKind string `json:"subject_kind"`
	SubjectRef  string `json:"subject_ref"`
	Score       int64  `json:"score"`
	Class       string `json:"class"`
	Events      int    `json:"events"`
}
