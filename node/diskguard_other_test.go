//go:build !(linux || darwin)

package node

import (
	"context"
	"errors"
	"testing"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// Where free space is not measured, the guard is off: waitForDisk lets the
// node start at once, whatever the reserve, and sets no gauge.
func TestWaitForDiskUnmeasured(t *testing.T) {
	dir := t.TempDir()
	if _, err := freeDisk(dir); !errors.Is(err, errNoStatfs) {
		t.Fatalf("freeDisk: %v, want errNoStatfs", err)
	}
	if err := waitForDisk(context.Background(), Home(dir), &Config{MinFreeDiskMB: 1 << 40}, cmtlog.NewNopLogger()); err != nil {
		t.Fatalf("waitForDisk: %v, want nil (the guard is off here)", err)
	}
	if v := gauge(t, "govchain_disk_full"); v > 0 {
		t.Fatalf("govchain_disk_full %v on a platform that does not measure it", v)
	}
}
