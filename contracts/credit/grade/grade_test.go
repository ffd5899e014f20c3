package grade_test

import (
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/credit/grade"
)

var cst = time.FixedZone("CST", 8*3600)

func day(s string) int64 {
	t, err := time.ParseInLocation("2006-01-02", s, cst)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

func instant(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

// The worked example of docs/credit.md ("A worked example"): the block
// time is 2027-01-01 12:00 China Standard Time.
var exampleTime = instant("2027-01-01T04:00:00Z")

func exampleFacts() []grade.Fact {
	open := instant("2029-01-01T00:00:00Z")
	return []grade.Fact{
		{ID: "000000000001", Kind: "licence", Severity: 1, EventTime: day("2026-06-01"), PublishEnd: open},
		{ID: "000000000002", Kind: "commitment", Severity: 1, EventTime: day("2026-06-01"), PublishEnd: open},
		{ID: "000000000003", Kind: "penalty", Severity: 3, EventTime: day("2025-10-01"), PublishEnd: open},
		{ID: "000000000004", Kind: "penalty", Severity: 2, EventTime: day("2026-09-01"), PublishEnd: instant("2026-12-01T00:00:00Z")},
		{ID: "000000000005", Kind: "blacklist", Severity: 1, EventTime: day("2026-11-01"), PublishEnd: open},
	}
}

// RulesV2 is the stricter model of the worked example (version 2).
func RulesV2() grade.Rules {
	r := credittypes.DefaultRules()
	r.Title = "公共信用评价 v2 (stricter)"
	r.Kinds = []grade.KindRule{
		{Kind: "blacklist", Weights: []int64{-200, -250, -300, -400, -500}, Cap: 800},
		{Kind: "commitment", Weights: []int64{20, 20, 20, 20, 20}, Cap: 40},
		{Kind: "licence", Weights: []int64{10, 10, 10, 10, 10}, Cap: 50},
		{Kind: "penalty", Weights: []int64{-50, -100, -200, -300, -400}, Cap: 800},
		{Kind: "redlist", Weights: []int64{30, 40, 50, 60, 80}, Cap: 100},
	}
	r.Decay = []grade.DecayStep{{UntilDays: 365, Permille: 1000}, {UntilDays: 1095, Permille: 500}, {UntilDays: 1825, Permille: 250}}
	r.EndedPermille, r.RepairedPermille = 700, 250
	r.Thresholds = grade.Thresholds{A: 900, B: 750, C: 600}
	return r
}

func compute(t *testing.T, r grade.Rules, v int64, facts []grade.Fact, bt int64) *grade.Grade {
	t.Helper()
	if err := credittypes.ValidateRules(&r); err != nil {
		t.Fatal(err)
	}
	g, err := grade.Compute(&r, v, facts, bt)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Check(r.Thresholds); err != nil {
		t.Fatalf("%s: %v", g, err)
	}
	return g
}

func points(g *grade.Grade) []int64 {
	var out []int64
	for _, l := range g.Lines {
		out = append(out, l.Points)
	}
	return out
}

func eqInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTwoRuleVersions: the same events give the documented grades under
// version 1 (the default) and version 2, before and after the black list
// entry is repaired.
func TestTwoRuleVersions(t *testing.T) {
	v1, v2 := credittypes.DefaultRules(), RulesV2()
	facts := exampleFacts()
	repaired := append(exampleFacts(), grade.Fact{ID: "000000000006", Kind: "repair", Severity: 1, EventTime: day("2026-12-20"), PublishEnd: instant("2029-01-01T00:00:00Z")})
	repaired[4].Repaired = true
	for _, c := range []struct {
		name       string
		rules      grade.Rules
		version    int64
		facts      []grade.Fact
		score      int64
		scoreClass string
		class      string
		lines      []int64
	}{
		// 850 + 10 + 20 - 120×600‰ - 60×500‰ - 200 = 578: C by score, D by the black list
		{"v1", v1, 1, facts, 578, "C", "D", []int64{850, 10, 20, -72, -30, -200}},
		// the repair: the black list entry counts 0‰ and no longer forces D
		{"v1 repaired", v1, 1, repaired, 778, "B", "B", []int64{850, 10, 20, -72, -30, 0, 0}},
		// 850 + 10 + 20 - 200×500‰ - 100×700‰ - 200 = 510
		{"v2", v2, 2, facts, 510, "D", "D", []int64{850, 10, 20, -100, -70, -200}},
		// a repaired entry still counts 250‰ under v2
		{"v2 repaired", v2, 2, repaired, 660, "C", "C", []int64{850, 10, 20, -100, -70, -50, 0}},
	} {
		g := compute(t, c.rules, c.version, c.facts, exampleTime)
		if g.Score != c.score || g.ScoreClass != c.scoreClass || g.Class != c.class || g.RulesVersion != c.version || !eqInts(points(g), c.lines) {
			t.Errorf("%s: got %s score class %s lines %v; want %s %d score class %s lines %v", c.name, g, g.ScoreClass, points(g), c.class, c.score, c.scoreClass, c.lines)
		}
	}
}

// TestDecayByBlockTime: a severity-3 penalty weighs -120 for its first
// year, 600‰ in the second, 300‰ in the third, nothing after; ended, it
// counts half.
func TestDecayByBlockTime(t *testing.T) {
	r := credittypes.DefaultRules()
	ev := day("2026-01-01")
	f := []grade.Fact{{ID: "000000000001", Kind: "penalty", Severity: 3, EventTime: ev, PublishEnd: ev + 10*365*86400}}
	for _, c := range []struct {
		age    int64 // seconds
		points int64
	}{
		{0, -120}, {365*86400 - 1, -120}, {365 * 86400, -72}, {730*86400 - 1, -72}, {730 * 86400, -36}, {1095*86400 - 1, -36}, {1095 * 86400, 0},
		{-86400, -120}, // effective tomorrow: counts from now
	} {
		g := compute(t, r, 1, f, ev+c.age)
		if got := g.Lines[1].Points; got != c.points || g.Score != 850+c.points {
			t.Errorf("age %ds: %d points (score %d), want %d", c.age, got, g.Score, c.points)
		}
	}
	// publication over: 500‰ on top of the decay
	f[0].PublishEnd = ev + 400*86400
	if g := compute(t, r, 1, f, ev+400*86400); g.Lines[1].Points != -36 || g.Lines[1].Status != grade.StatusEnded {
		t.Errorf("ended: %+v", g.Lines[1])
	}
}

// TestBlacklistOverrideAndRepair: a published black list entry forces D
// whatever the score; its end of publication or its repair lifts the
// override; a red list entry raises the class by one, but never over a
// black list entry.
func TestBlacklistOverrideAndRepair(t *testing.T) {
	r := credittypes.DefaultRules()
	now := day("2026-06-01")
	open := now + 1000*86400
	lic := grade.Fact{ID: "000000000001", Kind: "licence", Severity: 1, EventTime: now, PublishEnd: open}
	red := grade.Fact{ID: "000000000002", Kind: "redlist", Severity: 5, EventTime: now, PublishEnd: open}
	black := grade.Fact{ID: "000000000003", Kind: "blacklist", Severity: 1, EventTime: now - 800*86400, PublishEnd: open} // 300‰: -60
	g := compute(t, r, 1, []grade.Fact{lic, black}, now)
	if g.Score != 800 || g.ScoreClass != "B" || g.Class != "D" || len(g.Overrides) != 1 || g.Overrides[0].Event != black.ID {
		t.Fatalf("black listed: %s %+v", g, g.Overrides)
	}
	g = compute(t, r, 1, []grade.Fact{lic, red}, now)
	if g.Score != 940 || g.Class != "A" || len(g.Overrides) != 0 {
		t.Fatalf("red listed, already A: %s %+v", g, g.Overrides)
	}
	black.Repaired = true
	g = compute(t, r, 1, []grade.Fact{lic, black}, now)
	if g.Score != 860 || g.Class != "A" || len(g.Overrides) != 0 || g.Lines[2].Status != grade.StatusRepaired || g.Lines[2].Points != 0 {
		t.Fatalf("repaired: %s %+v", g, g.Lines)
	}
	black.Repaired = false
	if g := compute(t, r, 1, []grade.Fact{lic, black}, open); g.Class == "D" {
		t.Fatalf("publication over, still forced: %s", g)
	}
	// a red list entry lifts a C to B
	pen := grade.Fact{ID: "000000000004", Kind: "penalty", Severity: 5, EventTime: now, PublishEnd: open}
	g = compute(t, r, 1, []grade.Fact{pen, red}, now)
	if g.Score != 630 || g.ScoreClass != "C" || g.Class != "B" {
		t.Fatalf("red list raise: %s score class %s", g, g.ScoreClass)
	}
	// and a black list entry wins over it: C, raised to B, forced to D
	black.Repaired = false
	g = compute(t, r, 1, []grade.Fact{pen, red, black}, now)
	if g.Score != 570 || g.Class != "D" || len(g.Overrides) != 2 || g.Overrides[0].Kind != "redlist" || g.Overrides[0].To != "B" || g.Overrides[1].Kind != "blacklist" || g.Overrides[1].From != "B" {
		t.Fatalf("red and black: %s %+v", g, g.Overrides)
	}
}

// TestExplanationSumsToScore: caps and the clamp are lines too, so the
// lines always sum to the score; Check catches an altered line.
func TestExplanationSumsToScore(t *testing.T) {
	r := credittypes.DefaultRules()
	now := day("2026-06-01")
	var facts []grade.Fact
	for i := 0; i < 8; i++ { // 8 × -300: capped at -600, then clamped at 0? no: 850-600-... below
		facts = append(facts, grade.Fact{ID: "00000000000" + string(rune('1'+i)), Kind: "penalty", Severity: 5, EventTime: now, PublishEnd: now + 86400})
	}
	for i := 0; i < 7; i++ {
		facts = append(facts, grade.Fact{ID: "0000000001" + string(rune('0'+i)) + "0", Kind: "blacklist", Severity: 5, EventTime: now, PublishEnd: now + 86400})
	}
	g := compute(t, r, 1, facts, now)
	var caps, clamps int
	for _, l := range g.Lines {
		switch l.Item {
		case "cap":
			caps++
		case "clamp":
			clamps++
		}
	}
	// penalties -2400 capped to -600, black list -3500 capped to -800:
	// 850-1400 = -550, clamped to 0
	if g.Score != 0 || caps != 2 || clamps != 1 || g.Class != "D" {
		t.Fatalf("%s caps %d clamps %d: %+v", g, caps, clamps, g.Lines)
	}
	good := compute(t, r, 1, exampleFacts(), exampleTime)
	for i, alter := range []func(g *grade.Grade){
		func(g *grade.Grade) { g.Lines[3].Points++ },
		func(g *grade.Grade) { g.Lines[3].Points++; g.Score++ },
		func(g *grade.Grade) { g.Score = 900; g.Lines[0].Points += 322 },
		func(g *grade.Grade) { g.Class = "C" },
		func(g *grade.Grade) { g.Overrides = nil },
	} {
		g := *good
		g.Lines = append([]grade.Line(nil), good.Lines...)
		alter(&g)
		if err := g.Check(r.Thresholds); err == nil {
			t.Errorf("alteration %d not caught: %s", i, &g)
		}
	}
}

// TestRuleValidation: each kind of bad rule has its own code.
func TestRuleValidation(t *testing.T) {
	for _, c := range []struct {
		name  string
		alter func(r *grade.Rules)
		code  uint32
		msg   string
	}{
		{"overflow-prone weight", func(r *grade.Rules) { r.Kinds[3].Weights[4] = -1 << 62 }, credittypes.ErrRuleOverflow.Code, "beyond"},
		{"huge cap", func(r *grade.Rules) { r.Kinds[0].Cap = 1 << 40 }, credittypes.ErrRuleOverflow.Code, "cap"},
		{"negative threshold", func(r *grade.Rules) { r.Thresholds.C = -5 }, credittypes.ErrBadThresholds.Code, "never negative"},
		{"unordered thresholds", func(r *grade.Rules) { r.Thresholds.B = 900 }, credittypes.ErrBadThresholds.Code, "c < b < a"},
		{"unknown event kind", func(r *grade.Rules) { r.Kinds[4].Kind = "warning" }, credittypes.ErrUnknownKind.Code, `"warning"`},
		{"ID number in the title", func(r *grade.Rules) { r.Title = "model for 11010519491231002X" }, credittypes.ErrPersonalData.Code, "citizen identity number"},
		{"decay not ascending", func(r *grade.Rules) { r.Decay[1].UntilDays = 100 }, credittypes.ErrBadRules.Code, "ascend"},
		{"four weights", func(r *grade.Rules) { r.Kinds[0].Weights = r.Kinds[0].Weights[:4] }, credittypes.ErrBadRules.Code, "4 weights"},
	} {
		r := credittypes.DefaultRules()
		c.alter(&r)
		err := credittypes.ValidateRules(&r)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want a message with %q", c.name, err, c.msg)
			continue
		}
		if got := errs.From(err).Code; got != c.code {
			t.Errorf("%s: code %d, want %d (%v)", c.name, got, c.code, err)
		}
	}
}

// BenchmarkCompute100: the arithmetic alone, 100 events.
func BenchmarkCompute100(b *testing.B) {
	r := credittypes.DefaultRules()
	var facts []grade.Fact
	for i := 0; i < 100; i++ {
		f := exampleFacts()[i%5]
		f.ID = strings.Repeat("0", 9) + string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
		facts = append(facts, f)
	}
	for n := 0; n < b.N; n++ {
		if _, err := grade.Compute(&r, 1, facts, exampleTime); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grades/s")
}
