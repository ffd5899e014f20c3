package bench

import (
	"strings"
	"testing"
)

// TestRecordsRowsMeasuredNotExtrapolated: the memory and disk rows report
// the measured half and end (own memory, total RSS, growth), judge the
// goals only at 1M records, and never print an extrapolated figure.
func TestRecordsRowsMeasuredNotExtrapolated(t *testing.T) {
	const mb = 1 << 20
	mk := func(n int, halfOwn, endOwn int64, perRecord float64) []Row {
		rc := &RecordsResult{Records: n, KeepRecent: 100, PerRecord: perRecord,
			Half: &MemPoint{Records: n / 2, RSS: 2 * halfOwn, RSSAnon: halfOwn, PerRecord: perRecord},
			End:  &MemPoint{Records: n, RSS: 2 * endOwn, RSSAnon: endOwn, HeapLive: endOwn / 2}}
		var rows []Row
		memRows(&Report{}, rc, func(r Row) { rows = append(rows, r) })
		if len(rows) != 2 {
			t.Fatalf("%d rows, want memory and disk", len(rows))
		}
		for _, r := range rows {
			if strings.Contains(strings.ToLower(r.Text), "extrapolat") {
				t.Errorf("row %q extrapolates: %s", r.Name, r.Text)
			}
		}
		return rows
	}
	rows := mk(1_000_000, 400*mb, 460*mb, 900)
	if rows[0].Value != 460 || rows[0].Met == nil || !*rows[0].Met {
		t.Errorf("460 MiB own, +15 %%: %+v", rows[0])
	}
	if !strings.Contains(rows[0].Text, "total RSS 920 MiB") || !strings.Contains(rows[0].Text, "growth +15 %") {
		t.Errorf("memory row text: %s", rows[0].Text)
	}
	if rows[1].Met == nil || !*rows[1].Met || !strings.Contains(rows[1].Text, "keep_recent 100") {
		t.Errorf("900 B/record: %+v", rows[1])
	}
	rows = mk(1_000_000, 300*mb, 400*mb, 1200)
	if rows[0].Met == nil || *rows[0].Met {
		t.Errorf("+33 %% growth met the goal: %+v", rows[0])
	}
	if rows[1].Met == nil || *rows[1].Met {
		t.Errorf("1,200 B/record met the goal: %+v", rows[1])
	}
	rows = mk(100_000, 300*mb, 310*mb, 900)
	for _, r := range rows {
		if r.Met != nil || !strings.HasPrefix(r.Text, "NOT 1M") {
			t.Errorf("a 100,000-record run judged %q: %+v", r.Name, r)
		}
	}
}
