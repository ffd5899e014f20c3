// Package grade is the public credit evaluation (公共信用评价) of one
// subject: a score and a risk class (A 低, B 一般, C 较高, D 高) computed from
// the subject's credit events under a scoring model (Rules) at a block
// time, with an explanation whose lines sum to the score.
//
// It is pure: integer arithmetic only, no clock, no maps, no floats, and
// it imports only the standard library, so the contract (for alerts), the
// node (for answers), the client kit and the browser verifier all run the
// same code and get the same grade from the same proven inputs.
package grade

import (
	"fmt"
	"strconv"
)

// Classes, best first (市场监管风险分类: A 低风险, B 一般风险, C 较高风险, D 高风险).
const (
	ClassA = "A"
	ClassB = "B"
	ClassC = "C"
	ClassD = "D"
)

// Classes lists the classes, best first.
var Classes = []string{ClassA, ClassB, ClassC, ClassD}

// ClassRank is 0 for A .. 3 for D, -1 for anything else.
func ClassRank(c string) int {
	for i, x := range Classes {
		if x == c {
			return i
		}
	}
	return -1
}

// Bounds that keep every intermediate value far inside int64: a weight
// times two permille factors is at most MaxMagnitude * 10^6 = 10^12, and a
// sum over even 10^6 events stays below 10^18.
const (
	MaxMagnitude = 1_000_000 // |weight|, cap, base, min, max, thresholds
	Permille     = 1000
	MaxDecayDays = 100 * 366
	MaxSeverity  = 5
	daySeconds   = 86400
)

// KindRule weighs the events of one kind.
type KindRule struct {
	Kind string `json:"kind"`
	// Weights by severity 1..5 (index 0 is severity 1): points an event
	// adds (positive) or takes (negative) before its factors.
	Weights []int64 `json:"weights"`
	// Cap bounds the magnitude of the kind's summed points (0: no cap).
	Cap int64 `json:"cap"`
}

// DecayStep: an event younger than UntilDays days (by block time) counts
// Permille thousandths of its weight. Steps ascend; an event older than
// the last step counts nothing.
type DecayStep struct {
	UntilDays int64 `json:"until_days"`
	Permille  int64 `json:"permille"`
}

// Thresholds: a score >= A is class A, >= B is B, >= C is C, else D.
type Thresholds struct {
	A int64 `json:"a"`
	B int64 `json:"b"`
	C int64 `json:"c"`
}

// Rules is the scoring model. Governance sets it, as a new version, with
// the proposal kind set_credit_rules.
type Rules struct {
	Title string `json:"title"`
	// Base is every subject's starting score; the result is clamped to
	// Min..Max.
	Base  int64       `json:"base"`
	Min   int64       `json:"min"`
	Max   int64       `json:"max"`
	Kinds []KindRule  `json:"kinds"` // sorted by kind; a kind not listed weighs 0
	Decay []DecayStep `json:"decay"`
	// Factors, in permille, of an event whose publication period is over
	// and of a repaired event (信用修复).
	EndedPermille    int64      `json:"ended_permille"`
	RepairedPermille int64      `json:"repaired_permille"`
	Thresholds       Thresholds `json:"thresholds"`
	// BlacklistForcesD: a published, unrepaired black list entry makes the
	// class D whatever the score.
	BlacklistForcesD bool `json:"blacklist_forces_d"`
	// RedlistRaise: a published, unrepaired red list entry raises the
	// class by this many steps (0..3, not above A); a black list override
	// wins over it.
	RedlistRaise int64 `json:"redlist_raise"`
}

// Problems with a rule, by what a client should fix.
const (
	ProblemShape     = "shape"     // malformed: decay order, permille range, severities, title
	ProblemOverflow  = "overflow"  // a number beyond MaxMagnitude
	ProblemThreshold = "threshold" // thresholds negative, unordered or outside min..max
	ProblemKind      = "kind"      // an event kind the registry does not know, or listed twice
)

// RuleError says what is wrong with a rule.
type RuleError struct {
	Problem string
	Msg     string
}

func (e *RuleError) Error() string { return e.Msg }

func bad(problem, format string, args ...any) error {
	return &RuleError{Problem: problem, Msg: fmt.Sprintf(format, args...)}
}

func magnitude(v int64) bool { return v >= -MaxMagnitude && v <= MaxMagnitude }

// Validate checks a rule against the bounds above; kinds are the event
// kinds the registry knows.
func (r *Rules) Validate(kinds []string) error {
	for _, v := range []struct {
		name string
		v    int64
	}{{"base", r.Base}, {"min", r.Min}, {"max", r.Max}} {
		if !magnitude(v.v) {
			return bad(ProblemOverflow, "%s %d is beyond ±%d", v.name, v.v, MaxMagnitude)
		}
	}
	if r.Min < 0 || r.Min > r.Base || r.Base > r.Max {
		return bad(ProblemShape, "scores must satisfy 0 <= min <= base <= max, got min %d, base %d, max %d", r.Min, r.Base, r.Max)
	}
	t := r.Thresholds
	for _, v := range []struct {
		name string
		v    int64
	}{{"a", t.A}, {"b", t.B}, {"c", t.C}} {
		if v.v < 0 {
			return bad(ProblemThreshold, "threshold %s is %d; thresholds are scores, never negative", v.name, v.v)
		}
		if !magnitude(v.v) {
			return bad(ProblemOverflow, "threshold %s %d is beyond %d", v.name, v.v, MaxMagnitude)
		}
	}
	if !(t.A > t.B && t.B > t.C && t.C > r.Min && t.A <= r.Max) {
		return bad(ProblemThreshold, "thresholds must satisfy min < c < b < a <= max, got min %d, c %d, b %d, a %d, max %d", r.Min, t.C, t.B, t.A, r.Max)
	}
	for i, k := range r.Kinds {
		known := false
		for _, x := range kinds {
			known = known || x == k.Kind
		}
		if !known {
			return bad(ProblemKind, "kinds[%d]: event kind %q is not one of %v", i, k.Kind, kinds)
		}
		if i > 0 && k.Kind <= r.Kinds[i-1].Kind {
			return bad(ProblemKind, "kinds[%d]: %q after %q: kinds must be sorted, each once", i, k.Kind, r.Kinds[i-1].Kind)
		}
		if len(k.Weights) != MaxSeverity {
			return bad(ProblemShape, "kind %s: %d weights; want one per severity 1..%d", k.Kind, len(k.Weights), MaxSeverity)
		}
		for s, w := range k.Weights {
			if !magnitude(w) {
				return bad(ProblemOverflow, "kind %s severity %d: weight %d is beyond ±%d (the sum of many events must not overflow)", k.Kind, s+1, w, MaxMagnitude)
			}
		}
		if k.Cap < 0 || k.Cap > MaxMagnitude {
			return bad(ProblemOverflow, "kind %s: cap %d must be 0 (none) .. %d", k.Kind, k.Cap, MaxMagnitude)
		}
	}
	if len(r.Decay) == 0 || len(r.Decay) > 32 {
		return bad(ProblemShape, "decay has %d steps; want 1..32", len(r.Decay))
	}
	for i, d := range r.Decay {
		if d.UntilDays < 1 || d.UntilDays > MaxDecayDays {
			return bad(ProblemShape, "decay[%d]: until_days %d must be 1..%d", i, d.UntilDays, MaxDecayDays)
		}
		if i > 0 && d.UntilDays <= r.Decay[i-1].UntilDays {
			return bad(ProblemShape, "decay[%d]: until_days %d after %d: steps must ascend", i, d.UntilDays, r.Decay[i-1].UntilDays)
		}
		if d.Permille < 0 || d.Permille > Permille {
			return bad(ProblemShape, "decay[%d]: permille %d must be 0..1000", i, d.Permille)
		}
	}
	for _, v := range []struct {
		name string
		v    int64
	}{{"ended_permille", r.EndedPermille}, {"repaired_permille", r.RepairedPermille}} {
		if v.v < 0 || v.v > Permille {
			return bad(ProblemShape, "%s %d must be 0..1000", v.name, v.v)
		}
	}
	if r.RedlistRaise < 0 || r.RedlistRaise > 3 {
		return bad(ProblemShape, "redlist_raise %d must be 0..3", r.RedlistRaise)
	}
	return nil
}

// Fact is what the grade reads of one event: its public fields.
type Fact struct {
	ID       string
	Kind     string
	Severity int
	// EventTime is when the event counts from (unix seconds): the start of
	// its effective date. Age = block time - EventTime (0 if negative).
	EventTime int64
	// PublishEnd (unix seconds): published while block time < PublishEnd.
	PublishEnd int64
	Repaired   bool
}

// Event statuses as the grade counts them.
const (
	StatusPublished = "published"
	StatusEnded     = "ended"
	StatusRepaired  = "repaired"
)

// Line is one line of the explanation. Item is "base", "event" (one
// event's points: Weight × StatusPermille × DecayPermille / 10^6, rounded
// toward zero), "cap" (the adjustment that brings a kind's sum to its cap)
// or "clamp" (the adjustment into min..max). The lines' Points sum to the
// score.
type Line struct {
	Item           string `json:"item"`
	Event          string `json:"event,omitempty"`
	Kind           string `json:"kind,omitempty"`
	Severity       int    `json:"severity,omitempty"`
	Weight         int64  `json:"weight,omitempty"`
	AgeDays        int64  `json:"age_days,omitempty"`
	DecayPermille  int64  `json:"decay_permille,omitempty"`
	Status         string `json:"status,omitempty"`
	StatusPermille int64  `json:"status_permille,omitempty"`
	Points         int64  `json:"points"`
}

// Override is a list entry that set the class regardless of the score.
type Override struct {
	Kind  string `json:"kind"` // blacklist | redlist
	Event string `json:"event"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Grade is a subject's evaluation at one block time under one rule
// version.
type Grade struct {
	RulesVersion int64      `json:"rules_version"`
	Score        int64      `json:"score"`
	ScoreClass   string     `json:"score_class"` // by thresholds alone
	Class        string     `json:"class"`       // after overrides
	Lines        []Line     `json:"lines"`
	Overrides    []Override `json:"overrides,omitempty"`
}

// ClassOf is the class of score by thresholds t.
func ClassOf(t Thresholds, score int64) string {
	switch {
	case score >= t.A:
		return ClassA
	case score >= t.B:
		return ClassB
	case score >= t.C:
		return ClassC
	}
	return ClassD
}

// DecayPermille is the decay factor of an event age seconds old.
func (r *Rules) DecayPermille(age int64) int64 {
	for _, d := range r.Decay {
		if age < d.UntilDays*daySeconds {
			return d.Permille
		}
	}
	return 0
}

func (r *Rules) kind(k string) *KindRule {
	for i := range r.Kinds {
		if r.Kinds[i].Kind == k {
			return &r.Kinds[i]
		}
	}
	return nil
}

// Compute grades facts (in event order) at block time bt (unix seconds)
// under rules r, version version. r must have passed Validate.
func Compute(r *Rules, version int64, facts []Fact, bt int64) (*Grade, error) {
	g := &Grade{RulesVersion: version, Lines: make([]Line, 1, len(facts)+len(r.Kinds)+2)}
	g.Lines[0] = Line{Item: "base", Points: r.Base}
	score := r.Base
	// per-kind sums, in r.Kinds order, for the caps
	sums := make([]int64, len(r.Kinds))
	var black, red string
	for _, f := range facts {
		if f.Severity < 1 || f.Severity > MaxSeverity {
			return nil, fmt.Errorf("event %s: severity %d outside 1..%d", f.ID, f.Severity, MaxSeverity)
		}
		l := Line{Item: "event", Event: f.ID, Kind: f.Kind, Severity: f.Severity}
		age := bt - f.EventTime
		if age < 0 {
			age = 0
		}
		l.AgeDays = age / daySeconds
		switch {
		case f.Repaired:
			l.Status, l.StatusPermille = StatusRepaired, r.RepairedPermille
		case bt >= f.PublishEnd:
			l.Status, l.StatusPermille = StatusEnded, r.EndedPermille
		default:
			l.Status, l.StatusPermille = StatusPublished, Permille
			switch f.Kind {
			case "blacklist":
				if black == "" {
					black = f.ID
				}
			case "redlist":
				if red == "" {
					red = f.ID
				}
			}
		}
		l.DecayPermille = r.DecayPermille(age)
		if k := r.kind(f.Kind); k != nil {
			l.Weight = k.Weights[f.Severity-1]
			l.Points = l.Weight * l.StatusPermille * l.DecayPermille / (Permille * Permille)
			for i := range r.Kinds {
				if r.Kinds[i].Kind == f.Kind {
					sums[i] += l.Points
				}
			}
		}
		score += l.Points
		g.Lines = append(g.Lines, l)
	}
	for i, k := range r.Kinds {
		var adj int64
		switch {
		case k.Cap == 0:
		case sums[i] > k.Cap:
			adj = k.Cap - sums[i]
		case sums[i] < -k.Cap:
			adj = -k.Cap - sums[i]
		}
		if adj != 0 {
			g.Lines = append(g.Lines, Line{Item: "cap", Kind: k.Kind, Weight: k.Cap, Points: adj})
			score += adj
		}
	}
	switch {
	case score > r.Max:
		g.Lines = append(g.Lines, Line{Item: "clamp", Weight: r.Max, Points: r.Max - score})
		score = r.Max
	case score < r.Min:
		g.Lines = append(g.Lines, Line{Item: "clamp", Weight: r.Min, Points: r.Min - score})
		score = r.Min
	}
	g.Score = score
	g.ScoreClass = ClassOf(r.Thresholds, score)
	g.Class = g.ScoreClass
	if red != "" && r.RedlistRaise > 0 {
		rank := int64(ClassRank(g.Class)) - r.RedlistRaise
		if rank < 0 {
			rank = 0
		}
		if to := Classes[rank]; to != g.Class {
			g.Overrides = append(g.Overrides, Override{Kind: "redlist", Event: red, From: g.Class, To: to})
			g.Class = to
		}
	}
	if black != "" && r.BlacklistForcesD && g.Class != ClassD {
		g.Overrides = append(g.Overrides, Override{Kind: "blacklist", Event: black, From: g.Class, To: ClassD})
		g.Class = ClassD
	}
	return g, nil
}

// Check verifies a grade's arithmetic on its own: the lines sum to the
// score, each event line's points follow from its weight and factors, the
// score class follows from thresholds t, and the overrides chain from the
// score class to the class. (Recomputing from proven events, as
// credittypes does, checks everything else.)
func (g *Grade) Check(t Thresholds) error {
	var sum int64
	for i, l := range g.Lines {
		if l.Item == "event" && l.Points != l.Weight*l.StatusPermille*l.DecayPermille/(Permille*Permille) {
			return fmt.Errorf("line %d (event %s): %d × %d‰ × %d‰ is not %d points", i, l.Event, l.Weight, l.StatusPermille, l.DecayPermille, l.Points)
		}
		sum += l.Points
	}
	if sum != g.Score {
		return fmt.Errorf("the explanation's lines sum to %d, not the score %d", sum, g.Score)
	}
	if c := ClassOf(t, g.Score); c != g.ScoreClass {
		return fmt.Errorf("score %d is class %s under the thresholds, not %s", g.Score, c, g.ScoreClass)
	}
	c := g.ScoreClass
	for _, o := range g.Overrides {
		if o.From != c {
			return fmt.Errorf("override by %s %s starts from class %s, not %s", o.Kind, o.Event, o.From, c)
		}
		c = o.To
	}
	if c != g.Class {
		return fmt.Errorf("class %s does not follow from score class %s and the overrides (%s)", g.Class, g.ScoreClass, c)
	}
	return nil
}

// String is a one-line summary: "B 740 (rules v1)".
func (g *Grade) String() string {
	return g.Class + " " + strconv.FormatInt(g.Score, 10) + " (rules v" + strconv.FormatInt(g.RulesVersion, 10) + ")"
}
