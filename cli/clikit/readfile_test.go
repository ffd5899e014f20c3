package clikit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadFileMaxStopsAtLimit: /dev/zero is refused after the limit, with
// an error naming the file and the limit.
func TestReadFileMaxStopsAtLimit(t *testing.T) {
	for _, limit := range []int64{MaxSmallFile, MaxDataFile} {
		_, err := ReadFileMax("/dev/zero", limit)
		if err == nil || !strings.Contains(err.Error(), "/dev/zero is larger than "+sizeString(limit)) {
			t.Fatalf("limit %d: %v", limit, err)
		}
	}
	small := filepath.Join(t.TempDir(), "f")
	os.WriteFile(small, []byte("exactly"), 0o644)
	if b, err := ReadFileMax(small, 7); err != nil || string(b) != "exactly" {
		t.Fatalf("a file of exactly the limit: %q %v", b, err)
	}
}
