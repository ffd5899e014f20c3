package node

import (
	"testing"

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
