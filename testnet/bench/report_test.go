package bench

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRowsGoalsAndFigures builds the table from made-up measurements: the
// latency row is judged at half the govchain rate against p99 ≤ 1.5 s, the
// ratio rows carry the goals, and every measured row's JSON holds
// the raw figures its text was made from.
func TestRowsGoalsAndFigures(t *testing.T) {
	gov := &LoadResult{TPS: 800, P50Sec: 1, P99Sec: 2, CPU: CPUUse{Nodes: 1.6, Machine: 1.9}}
	r := &runner{o: Options{Quick: true}, d: (&Options{Quick: true}).durations(), rep: &Report{Cores: 2, TxBytes: 400, VerifyMicros: 50,
		Loads: map[string]*LoadResult{
			"noop":     {TPS: 4000, CPU: CPUUse{Nodes: 0.4}},
			"iavl":     {TPS: 2000, CPU: CPUUse{Nodes: 0.5}},
			"govchain": gov,
			"latency":  {Offered: LatencyRate(gov.TPS), TPS: 400, P50Sec: 0.8, P99Sec: 1.4, Latencies: 2400},
		}}}
	r.rows()
	byName := map[string]Row{}
	for _, row := range r.rep.Rows {
		byName[strings.SplitN(row.Name, " (", 2)[0]] = row
	}
	want := map[string]struct {
		goal string
		met  bool
	}{
		"govchain ÷ no-op":           {"≥ 0.35", false}, // 0.20
		"govchain ÷ CPU-model limit": {"≥ 0.8", false},  // 800 ÷ 1667
		"commit latency at 400 tx/s offered, half the govchain rate above": {"p99 ≤ 1.5 s", true},
	}
	for name, w := range want {
		row, ok := byName[name]
		if !ok {
			t.Fatalf("no row %q in %v", name, r.rep.Rows)
		}
		if row.Goal != w.goal || row.Met == nil || *row.Met != w.met {
			t.Errorf("%s: goal %q met %v, want %q %v", name, row.Goal, row.Met, w.goal, w.met)
		}
	}
	lat := byName["commit latency at 400 tx/s offered, half the govchain rate above"]
	if lat.Figures["offered_tps"] != 400 || lat.Figures["capacity_tps"] != 800 || lat.Figures["p99_s"] != 1.4 {
		t.Errorf("latency figures: %v", lat.Figures)
	}
	if f := byName["govchain ÷ CPU-model limit"].Figures; f["govchain_tps"] != 800 || f["model_tps"] < 1666 || f["model_tps"] > 1667 {
		t.Errorf("model ratio figures: %v", f)
	}
	b, err := json.Marshal(r.rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, row := range back.Rows {
		if row.Text != "not run" && len(row.Figures) == 0 {
			t.Errorf("row %q: no raw figures in the JSON", row.Name)
		}
	}
	if LatencyRate(0) <= 0 {
		t.Error("a run that committed nothing must still offer a load")
	}
}
