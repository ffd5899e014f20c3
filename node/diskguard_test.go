package node

import (
	"context"
	"errors"
	"testing"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/prometheus/client_golang/prometheus"
)

func TestDiskReserveConfig(t *testing.T) {
	for _, c := range []struct {
		mb   int64
		want uint64
		on   bool
	}{{0, DefaultMinFreeDiskMB << 20, true}, {32, 32 << 20, true}, {-1, 0, false}} {
		got, on := (&Config{MinFreeDiskMB: c.mb}).diskReserveBytes()
		if got != c.want || on != c.on {
			t.Errorf("min_free_disk_mb %d: reserve %d on %v, want %d %v", c.mb, got, on, c.want, c.on)
		}
	}
}

// A volume below the reserve: the node does not start, reports it as a
// metric, and waits (here until its context ends).
func TestWaitForDiskBelowReserve(t *testing.T) {
	h := Home(t.TempDir())
	free, err := freeDisk(string(h))
	if errors.Is(err, errNoStatfs) {
		t.Skip(err)
	}
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

// gauge reads a gauge from the registry the Prometheus endpoint serves.
func gauge(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}
