package validity

import (
	"testing"
	"time"
)

func TestPassed(t *testing.T) {
	// 2024-03-31 16:30 UTC is 2024-04-01 00:30 in China Standard Time.
	late := time.Date(2024, 3, 31, 16, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		until string
		at    time.Time
		want  bool
	}{
		{"", late, false},
		{"2024-03-31", late, true}, // already April 1st in Beijing
		{"2024-04-01", late, false},
		{"2024-03-31", late.Add(-time.Hour), false},
		{"2024-03-31", time.Time{}, false},
	} {
		if got := Passed(c.until, c.at); got != c.want {
			t.Errorf("Passed(%q, %s) = %v, want %v", c.until, c.at, got, c.want)
		}
	}
}
