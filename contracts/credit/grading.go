package credit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/credit/grade"
)

// Credit evaluation: the scoring model's versions (set by governance),
// the department watch lists and the risk alerts. Grades themselves are
// computed on read (GradeAt) from a subject's events, the rule in force
// and the block time, so a new rule version is two writes whatever the
// number of subjects; the one grade the contract computes is a subject's
// before and after each new event, to raise an alert when its class
// worsens.

type (
	RulesRecord = credittypes.RulesRecord
	SetRules    = credittypes.SetRules
	Watch       = credittypes.Watch
	WatchEntry  = credittypes.WatchEntry
	Alert       = credittypes.Alert
)

const (
	MsgSetRules = credittypes.MsgSetRules
	MsgWatch    = credittypes.MsgWatch
)

var (
	ErrBadRules      = credittypes.ErrBadRules
	ErrRuleOverflow  = credittypes.ErrRuleOverflow
	ErrBadThresholds = credittypes.ErrBadThresholds
	ErrNotGovernance = credittypes.ErrNotGovernance
	ErrNoRules       = credittypes.ErrNoRules
	ErrWatch         = credittypes.ErrWatch
)

func putRules(ctx *module.Context, rr *RulesRecord) error {
	b := module.MustJSON(rr)
	if err := ctx.Store.Set(credittypes.RulesVersionKey(rr.Version), b); err != nil {
		return err
	}
	return ctx.Store.Set(credittypes.RulesCurrentKey(), b)
}

// GetRules returns the version in force in kv (nil when the chain has none:
// a genesis from before the evaluation).
func GetRules(kv state.KV) (*RulesRecord, error) {
	return module.Load[RulesRecord](kv, credittypes.RulesCurrentKey())
}

// GetRulesVersion returns version v as stored in kv (0: the one in force).
func GetRulesVersion(kv state.KV, v int64) (*RulesRecord, error) {
	var rr *RulesRecord
	var err error
	if v == 0 {
		rr, err = GetRules(kv)
	} else {
		rr, err = module.Load[RulesRecord](kv, credittypes.RulesVersionKey(v))
	}
	if err != nil {
		return nil, err
	}
	if rr == nil {
		if v == 0 {
			return nil, ErrNoRules.Wrapf("no credit rules in force (a chain from before the evaluation: governance sets them with set_credit_rules)")
		}
		return nil, ErrNoRules.Wrapf("rules version %d does not exist at this height", v)
	}
	return rr, nil
}

func setRules(ctx *module.Context, m *SetRules) error {
	if !ctx.Signer.Governance {
		return ErrNotGovernance.Wrapf("the scoring model changes only by a passed governance proposal: govchain gov propose set-credit-rules --file rules.json")
	}
	if err := credittypes.ValidateRules(&m.Rules); err != nil {
		return err
	}
	old, err := GetRules(ctx.Store)
	if err != nil {
		return err
	}
	v := int64(1)
	if old != nil {
		v = old.Version + 1
	}
	if err := putRules(ctx, &RulesRecord{Version: v, Height: ctx.Height, Time: blockTime(ctx), Rules: m.Rules}); err != nil {
		return err
	}
	ctx.SetData([]byte(strconv.FormatInt(v, 10)))
	ctx.Emit(credittypes.EventRulesSet, "version", strconv.FormatInt(v, 10), "title", m.Rules.Title)
	return nil
}

func watch(ctx *module.Context, m *Watch) error {
	if err := ValidateSubject(m.SubjectKind, m.SubjectRef); err != nil {
		return err
	}
	dept := ctx.Signer.Dept
	wk := credittypes.WatchKey(dept, m.SubjectRef)
	has, err := ctx.Store.Has(wk)
	if err != nil {
		return err
	}
	switch {
	case m.Watch && has:
		return ErrWatch.Wrapf("%s already watches %s", dept, m.SubjectRef)
	case !m.Watch && !has:
		return ErrWatch.Wrapf("%s does not watch %s", dept, m.SubjectRef)
	}
	if m.Watch {
		signer := ctx.Signer.KeyID.String()
		if ctx.Signer.Governance {
			signer = "governance"
		}
		e := WatchEntry{Dept: dept, SubjectKind: m.SubjectKind, SubjectRef: m.SubjectRef, Height: ctx.Height, Signer: signer}
		if err := ctx.Store.Set(wk, module.MustJSON(e)); err != nil {
			return err
		}
		if err := ctx.Store.Set(credittypes.WatcherKey(m.SubjectRef, dept), []byte(m.SubjectKind)); err != nil {
			return err
		}
	} else {
		if err := ctx.Store.Delete(wk); err != nil {
			return err
		}
		if err := ctx.Store.Delete(credittypes.WatcherKey(m.SubjectRef, dept)); err != nil {
			return err
		}
	}
	ctx.Emit(credittypes.EventWatch, "dept", dept, "subject_ref", m.SubjectRef, "watch", strconv.FormatBool(m.Watch))
	return nil
}

// Watchers lists the departments watching ref, in code order.
func Watchers(kv state.KV, ref string) ([]string, error) {
	out := []string{}
	p := credittypes.WatcherPrefix(ref)
	err := state.IteratePrefix(kv, p, true, func(k, _ []byte) (bool, error) {
		out = append(out, string(k[len(p):]))
		return true, nil
	})
	return out, err
}

// WatchList lists dept's watch list, in subject order.
func WatchList(kv state.KV, dept string) ([]WatchEntry, error) {
	out := []WatchEntry{}
	err := state.IteratePrefix(kv, credittypes.WatchPrefix(dept), true, func(_, v []byte) (bool, error) {
		var e WatchEntry
		_, err := module.GetJSONBytes(v, &e)
		out = append(out, e)
		return err == nil, err
	})
	return out, err
}

// monitor holds a subject's grade before an event.
type monitor struct {
	rules  *RulesRecord
	facts  []grade.Fact
	before *grade.Grade // nil: the subject had no events
	cache  factCache
}

// factCache keeps, within one transaction, the grading facts of the
// subjects its events touched, so that a batch of many events on one
// subject reads and parses its records once (a lookup table only: never
// iterated).
type factCache map[string][]grade.Fact

// startMonitor grades s (nil: a new subject) before the event.
func startMonitor(ctx *module.Context, s *Subject, cache factCache) (*monitor, error) {
	rr, err := GetRules(ctx.Store)
	if err != nil || rr == nil {
		return &monitor{}, err
	}
	m := &monitor{rules: rr, cache: cache}
	if s == nil {
		return m, nil
	}
	if f, ok := cache[s.Ref]; ok && len(f) == len(s.Events) {
		m.facts = f
	} else {
		m.facts = make([]grade.Fact, len(s.Events))
		for i, id := range s.Events {
			r, err := GetRecord(ctx.Store, id)
			if err != nil {
				return nil, err
			}
			if r == nil {
				return nil, fmt.Errorf("credit: subject %s lists missing event %s", s.Ref, id)
			}
			if m.facts[i], err = credittypes.FactOf(r); err != nil {
				return nil, err
			}
		}
	}
	m.before, err = grade.Compute(&rr.Rules, rr.Version, m.facts, credittypes.BlockSeconds(ctx.Time))
	return m, err
}

// finish grades the subject with the new record r (and the repaired
// target) and raises an alert when its class worsened.
func (m *monitor) finish(ctx *module.Context, r, target *Record) error {
	if m.rules == nil {
		return nil
	}
	f, err := credittypes.FactOf(r)
	if err != nil {
		return err
	}
	facts := make([]grade.Fact, 0, len(m.facts)+1)
	for _, x := range m.facts {
		if target != nil && x.ID == target.ID {
			x.Repaired = true
		}
		facts = append(facts, x)
	}
	facts = append(facts, f)
	if m.cache != nil {
		m.cache[r.SubjectRef] = facts
	}
	after, err := grade.Compute(&m.rules.Rules, m.rules.Version, facts, credittypes.BlockSeconds(ctx.Time))
	if err != nil {
		return err
	}
	from, fromScore := "-", int64(0)
	worse := grade.ClassRank(after.Class) >= grade.ClassRank(grade.ClassC)
	if m.before != nil {
		from, fromScore = m.before.Class, m.before.Score
		worse = grade.ClassRank(after.Class) > grade.ClassRank(m.before.Class)
	}
	if !worse {
		return nil
	}
	w, err := Watchers(ctx.Store, r.SubjectRef)
	if err != nil {
		return err
	}
	a := Alert{Event: r.ID, Kind: r.Kind, Dept: r.Dept, SubjectKind: r.SubjectKind, SubjectRef: r.SubjectRef, From: from, To: after.Class,
		FromScore: fromScore, Score: after.Score, RulesVersion: m.rules.Version, Height: ctx.Height, Time: blockTime(ctx), Watchers: w}
	if err := ctx.Store.Set(credittypes.AlertKey(r.ID), module.MustJSON(a)); err != nil {
		return err
	}
	ctx.Emit(credittypes.EventClassWorsened, "id", r.ID, "subject_kind", r.SubjectKind, "subject_ref", r.SubjectRef,
		"from", from, "to", after.Class, "score", strconv.FormatInt(after.Score, 10),
		"rules_version", strconv.FormatInt(m.rules.Version, 10), "watchers", strings.Join(w, ","))
	return nil
}

// SubjectRecords reads a subject's summary and records from kv (nil, nil
// when it has no events).
func SubjectRecords(kv state.KV, ref string) (*Subject, []*Record, error) {
	s, err := GetSubject(kv, ref)
	if err != nil || s == nil {
		return nil, nil, err
	}
	recs := make([]*Record, len(s.Events))
	for i, id := range s.Events {
		if recs[i], err = GetRecord(kv, id); err != nil {
			return nil, nil, err
		}
		if recs[i] == nil {
			return nil, nil, fmt.Errorf("credit: subject %s lists missing event %s", ref, id)
		}
	}
	return s, recs, nil
}

// GradeAt grades ref in state version kv at its block time under rules
// version v (0: the version in force); nil grade when the subject has no
// events.
func GradeAt(kv state.KV, ref string, v int64) (*grade.Grade, *RulesRecord, error) {
	rr, err := GetRulesVersion(kv, v)
	if err != nil {
		return nil, nil, err
	}
	_, recs, err := SubjectRecords(kv, ref)
	if err != nil || recs == nil {
		return nil, rr, err
	}
	bt, err := BlockTime(kv)
	if err != nil {
		return nil, nil, err
	}
	g, err := credittypes.GradeRecords(rr, recs, bt)
	return g, rr, err
}

// GradeItem is one subject of a grades listing.
type GradeItem = credittypes.GradeItem

// GradesAfter walks the subjects after ref after ("" = from the first) in
// reference order, grading each at block time bt under rr, and returns at
// most limit of those in class (any class when ""), having looked at no
// more than scan subjects; next is the last subject looked at when the
// walk stopped before the end.
func GradesAfter(kv state.KV, rr *RulesRecord, bt time.Time, class, after string, limit, scan int) (items []GradeItem, next string, err error) {
	p := credittypes.SubjectKey("")
	start := p
	if after != "" {
		start = append(credittypes.SubjectKey(after), 0)
	}
	items = []GradeItem{}
	looked := 0
	err = state.IterateRange(kv, start, state.PrefixEnd(p), true, func(k, v []byte) (bool, error) {
		if len(items) == limit || looked == scan {
			return false, nil
		}
		looked++
		next = string(k[len(p):])
		var s Subject
		if _, err := module.GetJSONBytes(v, &s); err != nil {
			return false, err
		}
		recs := make([]*Record, len(s.Events))
		for i, id := range s.Events {
			if recs[i], err = GetRecord(kv, id); err != nil {
				return false, err
			}
			if recs[i] == nil {
				return false, fmt.Errorf("credit: subject %s lists missing event %s", s.Ref, id)
			}
		}
		g, err := credittypes.GradeRecords(rr, recs, bt)
		if err != nil {
			return false, err
		}
		if class == "" || g.Class == class {
			items = append(items, GradeItem{SubjectKind: s.Kind, SubjectRef: s.Ref, Score: g.Score, Class: g.Class, Events: len(s.Events)})
		}
		return true, nil
	})
	if err != nil {
		return nil, "", err
	}
	// the walk ended at the end of the subjects: no next
	if len(items) < limit && looked < scan {
		next = ""
	}
	return items, next, nil
}

// AlertsAfter lists alerts newest first, after event id after ("" = the
// newest), at most limit, only those whose watchers include dept when set.
func AlertsAfter(kv state.KV, dept, after string, limit int) ([]Alert, bool, error) {
	p := credittypes.AlertPrefix()
	end := state.PrefixEnd(p)
	if after != "" {
		if !ValidID(after) {
			return nil, false, ErrBadInput.Wrapf("cursor %q is not an event id", after)
		}
		end = credittypes.AlertKey(after)
	}
	out := []Alert{}
	more := false
	err := state.IterateRange(kv, p, end, false, func(_, v []byte) (bool, error) {
		var a Alert
		if _, err := module.GetJSONBytes(v, &a); err != nil {
			return false, err
		}
		if dept != "" {
			found := false
			for _, w := range a.Watchers {
				found = found || w == dept
			}
			if !found {
				return true, nil
			}
		}
		if len(out) == limit {
			more = true
			return false, nil
		}
		out = append(out, a)
		return true, nil
	})
	return out, more, err
}
