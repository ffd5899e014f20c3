package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Full disk. A write that fails half-way is what corrupts a store: CometBFT
// panics when its consensus WAL or block store cannot write, and badger
// writes its memtable and value log through mmap, where a full volume is a
// SIGBUS rather than an error. So the node never lets its data volume
// fill: it keeps a reserve (min_free_disk_mb), checks the free space every
// second and, below the reserve, stops everything in order (API, consensus,
// state store: the same clean stop as SIGTERM) while the volume still has
// room. It then waits, reporting the free space as metrics, and starts
// again by itself (re-executing `node start`) once the reserve and half as
// much again are free; block sync brings it back to the chain's head.

// DefaultMinFreeDiskMB is the reserve when min_free_disk_mb is 0: many
// seconds of writes at full load (a block, its WAL entries and its state
// versions are a few MiB at most).
const DefaultMinFreeDiskMB = 128

// diskPoll is how often a running node reads its free space.
const diskPoll = time.Second

var (
	diskMetricsOnce sync.Once
	diskFree        = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "govchain", Name: "disk_free_bytes", Help: "Free bytes on the volume of the node's data directory."})
	diskReserve     = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "govchain", Name: "disk_reserve_bytes", Help: "Free space the node keeps (min_free_disk_mb); below it the node stops until space is freed."})
	diskFull        = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "govchain", Name: "disk_full", Help: "1 while the node is stopped because its data volume is below the reserve, else 0."})
)

// diskMetrics registers the gauges once per process, on the registry
// CometBFT's Prometheus endpoint serves.
func diskMetrics() {
	diskMetricsOnce.Do(func() {
		for _, c := range []prometheus.Collector{diskFree, diskReserve, diskFull} {
			if err := prometheus.DefaultRegisterer.Register(c); err != nil {
				var are prometheus.AlreadyRegisteredError
				if !errors.As(err, &are) {
					panic(err)
				}
			}
		}
	})
}

// diskReserveBytes is the configured reserve; ok is false when the check
// is off (min_free_disk_mb < 0).
func (c *Config) diskReserveBytes() (reserve uint64, ok bool) {
	switch mb := c.MinFreeDiskMB; {
	case mb < 0:
		return 0, false
	case mb == 0:
		return DefaultMinFreeDiskMB << 20, true
	default:
		return uint64(mb) << 20, true
	}
}

// resumeBytes is the free space at which a stopped node starts again: the
// reserve and half as much again, so that it does not stop again at once.
func resumeBytes(reserve uint64) uint64 { return reserve + reserve/2 }

func mib(b uint64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }

// WaitForDisk returns at once when the volume of h's data directory has its
// reserve free. Otherwise it logs why, serves the disk metrics on the
// Prometheus address (the node's own endpoint is down) and waits until the
// reserve and half as much again are free, or ctx ends (then it returns
// ctx's error).
func WaitForDisk(ctx context.Context, h Home, logOut io.Writer) error {
	conf, err := h.LoadConfig()
	if err != nil {
		return err
	}
	if logOut == nil {
		logOut = os.Stdout
	}
	logger := cmtlog.NewTMLogger(cmtlog.NewSyncWriter(logOut)).With("module", "disk")
	return waitForDisk(ctx, h, conf, logger)
}

func waitForDisk(ctx context.Context, h Home, conf *Config, logger cmtlog.Logger) error {
	reserve, on := conf.diskReserveBytes()
	if !on {
		return nil
	}
	diskMetrics()
	dir := h.Path("data")
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		dir = string(h) // before the first start: data/ is made on the same volume
	}
	free, err := freeDisk(dir)
	if err != nil {
		if errors.Is(err, errNoStatfs) {
			return nil
		}
		return fmt.Errorf("free space on %s: %w", dir, err)
	}
	diskFree.Set(float64(free))
	diskReserve.Set(float64(reserve))
	if free >= reserve {
		diskFull.Set(0)
		return nil
	}
	diskFull.Set(1)
	resume := resumeBytes(reserve)
	logger.Error("DATA VOLUME NEARLY FULL: not starting until space is freed; the node starts by itself then",
		"dir", dir, "free_mib", mib(free), "reserve_mib", mib(reserve), "starts_at_mib", mib(resume))
	if srv := serveMetrics(h, logger); srv != nil {
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = srv.Shutdown(sctx)
			cancel()
		}()
	}
	tick := time.NewTicker(2 * diskPoll)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if free, err = freeDisk(dir); err != nil {
			return fmt.Errorf("free space on %s: %w", dir, err)
		}
		diskFree.Set(float64(free))
		if free >= resume {
			diskFull.Set(0)
			logger.Info("data volume has space again: starting", "dir", dir, "free_mib", mib(free))
			return nil
		}
		if time.Since(last) >= time.Minute {
			logger.Error("DATA VOLUME NEARLY FULL: still waiting for space", "dir", dir, "free_mib", mib(free), "starts_at_mib", mib(resume))
			last = time.Now()
		}
	}
}

// serveMetrics serves the process's Prometheus registry (the disk gauges
// among CometBFT's, frozen) on the node's Prometheus address while
// CometBFT, which normally serves it, is not running.
func serveMetrics(h Home, logger cmtlog.Logger) *http.Server {
	cfg, err := h.CometConfigNoGenesis()
	if err != nil || !cfg.Instrumentation.Prometheus || cfg.Instrumentation.PrometheusListenAddr == "" {
		return nil
	}
	srv := &http.Server{Addr: cfg.Instrumentation.PrometheusListenAddr, Handler: promhttp.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server", "err", err)
		}
	}()
	return srv
}

// watchDisk closes n.diskLow, once, when the data volume's free space falls
// below the reserve; the owner of the node then stops it (DiskLow).
func (n *Node) watchDisk(reserve uint64) {
	dir := n.Home.Path("data")
	tick := time.NewTicker(diskPoll)
	defer tick.Stop()
	for {
		select {
		case <-n.quit:
			return
		case <-tick.C:
		}
		free, err := freeDisk(dir)
		if err != nil {
			continue
		}
		diskFree.Set(float64(free))
		if free < reserve {
			diskFull.Set(1)
			n.logger.Error("DATA VOLUME NEARLY FULL: stopping the node before a write can fail, so its blocks, WAL and state stay consistent; it starts again by itself once space is freed",
				"module", "disk", "dir", dir, "free_mib", mib(free), "reserve_mib", mib(reserve), "starts_at_mib", mib(resumeBytes(reserve)))
			close(n.diskLow)
			return
		}
	}
}

// DiskLow is closed when the node's data volume fell below its reserve
// (min_free_disk_mb). Whoever runs the node should then Stop it,
// WaitForDisk and start it again (`node start` re-executes itself).
func (n *Node) DiskLow() <-chan struct{} { return n.diskLow }
