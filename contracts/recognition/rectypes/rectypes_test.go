package rectypes

import (
	"testing"
	"time"
)

// TestEffectiveStatus: a recognition expires by the local certificates'
// rule, the day after valid_until in China Standard Time; a revoked one
// stays revoked, and without a block time nothing expires.
func TestEffectiveStatus(t *testing.T) {
	lastMinute := time.Date(2026, 2, 1, 15, 59, 0, 0, time.UTC) // 23:59 on 1 Feb, CST
	nextDay := time.Date(2026, 2, 1, 16, 0, 0, 0, time.UTC)     // 00:00 on 2 Feb, CST
	for _, tc := range []struct {
		status, until string
		at            time.Time
		want          string
	}{
		{StatusRecognised, "2026-02-01", lastMinute, StatusRecognised},
		{StatusRecognised, "2026-02-01", nextDay, "expired"},
		{StatusRecognised, "", nextDay, StatusRecognised},
		{StatusRecognised, "2026-02-01", time.Time{}, StatusRecognised},
		{StatusRevoked, "2026-02-01", nextDay, StatusRevoked},
	} {
		r := Record{Status: tc.status, ValidUntil: tc.until}
		if got := r.EffectiveStatus(tc.at); got != tc.want {
			t.Errorf("%s until %q at %s: %s, want %s", tc.status, tc.until, tc.at, got, tc.want)
		}
	}
}
