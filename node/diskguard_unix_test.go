//go:build linux || darwin

package node

import (
	"context"
	"errors"
	"testing"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// A volume below the reserve: the node does not start, reports it as a
// metric, and waits (here until its context ends).
func TestWaitForDiskBelowReserve(t *testing.T) {
	h := Home(t.TempDir())
	free, err := freeDisk(string(h))
	if err != nil {
		t.Fatal(err)
	}
	conf := &Config{MinFreeDiskMB: int64(free>>20) + 1<<20} // a TiB more than there is
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- waitForDisk(ctx, h, conf, cmtlog.NewNopLogger()) }()
	for gauge(t, "govchain_disk_full") != 1 {
		select {
		case err := <-done:
			t.Fatalf("waitForDisk returned %v with the volume below its reserve", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("waitForDisk: %v, want context.Canceled", err)
	}
	// enough space: returns at once and clears the metric
	if err := waitForDisk(context.Background(), h, &Config{MinFreeDiskMB: 1}, cmtlog.NewNopLogger()); err != nil {
		t.Fatal(err)
	}
	if v := gauge(t, "govchain_disk_full"); v != 0 {
		t.Fatalf("disk_full %v after space was found", v)
	}
}
