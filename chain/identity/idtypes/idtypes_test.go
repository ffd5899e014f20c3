package idtypes

import (
	"regexp"
	"testing"
)

// TestValidDeptCode: the loop accepts exactly what the rule's regular
// expression does (every string of up to 33 bytes over a small alphabet
// that includes the edge characters, plus a few longer and non-ASCII ones).
func TestValidDeptCode(t *testing.T) {
	re := regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)
	for _, s := range []string{"", "A", "AB", "SCJG", "SCJG-01", "SCJG_X", "_AB", "-AB", "ab", "AB\n", "A B", "ÄB", "A/B",
		"A0000000000000000000000000000000", "A00000000000000000000000000000000", "0-", "9_"} {
		if got, want := ValidDeptCode(s), re.MatchString(s); got != want {
			t.Errorf("ValidDeptCode(%q) = %v, want %v", s, got, want)
		}
	}
	alphabet := []byte{'A', 'Z', '0', '9', '_', '-', 'a', '@', '[', '/', ':', '`', 0x80}
	var walk func(prefix []byte)
	walk = func(prefix []byte) {
		if got, want := ValidDeptCode(string(prefix)), re.MatchString(string(prefix)); got != want {
			t.Fatalf("ValidDeptCode(%q) = %v, want %v", prefix, got, want)
		}
		if len(prefix) == 3 {
			return
		}
		for _, c := range alphabet {
			walk(append(prefix, c))
		}
	}
	walk(nil)
	for n := 30; n <= 34; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = "A_-9"[i%4]
		}
		if got, want := ValidDeptCode(string(b)), re.MatchString(string(b)); got != want {
			t.Errorf("length %d: ValidDeptCode = %v, want %v", n, got, want)
		}
	}
}
