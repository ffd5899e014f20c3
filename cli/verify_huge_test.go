package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyRefusesHugeFiles: the CLI names the limit instead of reading
// a trust root or a bundle of any size into memory.
func TestVerifyRefusesHugeFiles(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 2<<20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	root := NewRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"verify", "--home", dir, "--hash", strings.Repeat("ab", 32), "--trust", huge})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), huge+" is larger than 1 MiB") {
		t.Fatalf("verify --trust of 2 MiB: %v", err)
	}
}
