package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/node/audit"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet/proc"
)

// benchDirs are the subdirectories of Options.Dir a run creates.
var benchDirs = []string{AppNoop, AppIAVL, "govchain", "govchain-no-attest", "records"}

// Phases of a run, in order; Options.Only selects some (development).
var Phases = []string{"verify", "noop", "iavl", "govchain", "attest-off", "records"}

// Options of a bench run.
type Options struct {
	Quick bool
	// Dir holds the networks (a temporary directory by default); it is
	// removed at the end unless Keep.
	Dir  string
	Keep bool
	// Binary is the govchain binary the nodes run (default: this one).
	Binary string
	// Only runs these phases (nil: all). Rows needing a skipped phase say so.
	Only map[string]bool
	// Profile, when set, is a directory for CPU profiles of node 0 during
	// every saturated window (and a heap profile of the govchain node).
	Profile  string
	Progress io.Writer
	// Overrides of the mode's defaults (0: default).
	Warmup, Window time.Duration
	// MinWindowBlocks > 0 stretches each window until that many blocks
	// committed in it (the smoke test: a short window on a loaded machine).
	MinWindowBlocks int64
	Records         int
	SignersPerNode  int
	// Tune adjusts every node's CometBFT config (all networks alike).
	Tune func(*cmtcfg.Config)
	// MempoolSize and TimeoutCommit override the testnet defaults of
	// every network (0: defaults).
	MempoolSize   int
	TimeoutCommit time.Duration
	// SaturatedOnly skips the govchain network's other rows (tuning runs).
	SaturatedOnly bool
	// Command is recorded in the report.
	Command string
}

type durations struct {
	warmup, window         time.Duration
	latWarmup, latWindow   time.Duration
	batchWarmup, batchWin  time.Duration
	queries, quietMax      time.Duration
	auditMaxTxs            int
	records                int
	verify                 time.Duration
	maxRate                float64 // tx/s budget cap of saturated loads
	signersPerNode, queues int
}

func (o *Options) durations() durations {
	d := durations{warmup: 10 * time.Second, window: 30 * time.Second, latWarmup: 5 * time.Second, latWindow: 30 * time.Second,
		batchWarmup: 5 * time.Second, batchWin: 15 * time.Second, queries: 10 * time.Second, quietMax: 60 * time.Second, records: 1_000_000,
		verify: 3 * time.Second, maxRate: 7000, signersPerNode: 64, queues: 64}
	if o.Quick {
		// The warm-ups must outlast the first commit of a saturated
		// network (a few seconds on a busy machine).
		d = durations{warmup: 3 * time.Second, window: 6 * time.Second, latWarmup: 2 * time.Second, latWindow: 6 * time.Second,
			batchWarmup: 3 * time.Second, batchWin: 5 * time.Second, queries: 3 * time.Second, quietMax: 15 * time.Second, auditMaxTxs: 10_000, records: 100_000,
			verify: time.Second, maxRate: 7000, signersPerNode: 64, queues: 64}
	}
	// Overrides apply to every window of the run.
	if o.Warmup > 0 {
		d.warmup, d.latWarmup, d.batchWarmup = o.Warmup, o.Warmup, o.Warmup
	}
	if o.Window > 0 {
		d.window, d.latWindow, d.batchWin = o.Window, o.Window, o.Window
		d.queries = min(d.queries, o.Window)
	}
	if o.Records > 0 {
		d.records = o.Records
	}
	if o.SignersPerNode > 0 {
		d.signersPerNode = o.SignersPerNode
	}
	return d
}

// Row is one line of the table.
type Row struct {
	Name    string  `json:"name"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Text    string  `json:"text"` // value as printed
	Goal    string  `json:"goal,omitempty"`
	Met     *bool   `json:"met,omitempty"` // nil: no goal, or not measured
	Limited string  `json:"limited_by"`
	// Figures are the raw measurements behind Text (rates in tx/s,
	// times in s or µs as named, CPU in cores).
	Figures map[string]float64 `json:"figures,omitempty"`
}

// Report is the outcome of a run.
type Report struct {
	Command   string    `json:"command"`
	Quick     bool      `json:"quick"`
	Machine   string    `json:"machine"`
	Cores     int       `json:"cores"`
	LoadStart string    `json:"load_avg_start"`
	LoadEnd   string    `json:"load_avg_end"`
	Started   time.Time `json:"started"`
	Seconds   float64   `json:"seconds"`
	TxBytes   int       `json:"tx_bytes"`
	Rows      []Row     `json:"rows"`
	// Raw measurements behind the rows.
	VerifyMicros float64                `json:"sm2_verify_us"`
	Loads        map[string]*LoadResult `json:"loads"`
	Audit        *AuditResult           `json:"audit,omitempty"`
	Queries      *QueryResult           `json:"queries,omitempty"`
	Records      *RecordsResult         `json:"records,omitempty"`
	NodeRSS      []int64                `json:"govchain_node_rss_bytes,omitempty"`
	NodeRSSAnon  []int64                `json:"govchain_node_rss_anon_bytes,omitempty"`
	NodeDisk     int64                  `json:"govchain_node0_disk_bytes,omitempty"`
	NodeTxs      int64                  `json:"govchain_node0_txs,omitempty"`
	Notes        []string               `json:"notes,omitempty"`
}

// AuditResult is the replay row's measurement.
type AuditResult struct {
	Blocks    int64   `json:"blocks"`
	Txs       int64   `json:"txs"`
	ReplayTPS float64 `json:"replay_tps"`
	OK        bool    `json:"ok"`
	Via       string  `json:"via"`
}

// QueryResult is the proof-query row's measurement.
type QueryResult struct {
	Queries int     `json:"queries"`
	Seconds float64 `json:"seconds"`
	QPS     float64 `json:"qps"`
	Workers int     `json:"workers"`
	Bytes   int64   `json:"bytes_per_answer"`
	CPU     CPUUse  `json:"cpu"`
	// NodeMicros is the served node's own CPU time per answer (µs), from
	// /proc; StateKeys the number of keys in its state when the queries
	// started.
	NodeMicros float64 `json:"node_cpu_us_per_answer"`
	StateKeys  int64   `json:"state_keys"`
	// Certificates is how many distinct certificates the queries cycle
	// through.
	Certificates int `json:"certificates"`
}

type runner struct {
	o    Options
	d    durations
	rep  *Report
	dir  string
	logf func(string, ...any)
}

func (o *Options) want(p string) bool { return o.Only == nil || o.Only[p] }

// Run runs the benchmark and returns its report.
func Run(ctx context.Context, o Options) (*Report, error) {
	r := &runner{o: o, d: o.durations(), rep: &Report{Command: o.Command, Quick: o.Quick, Cores: runtime.NumCPU(), Started: time.Now().UTC(),
		Machine: machine(), LoadStart: loadAvg(), Loads: map[string]*LoadResult{}}}
	r.logf = func(f string, a ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "[%5.1fs] %s\n", time.Since(r.rep.Started).Seconds(), fmt.Sprintf(f, a...))
		}
	}
	if o.Dir == "" {
		d, err := os.MkdirTemp("", "govchain-bench-")
		if err != nil {
			return nil, err
		}
		o.Dir = d
		r.o.Dir = d
		if !o.Keep {
			defer os.RemoveAll(d)
		}
	} else if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	} else if !o.Keep {
		// Only what the run made: a --dir may hold other things.
		defer func() {
			for _, sub := range benchDirs {
				_ = os.RemoveAll(filepath.Join(o.Dir, sub))
			}
		}()
	}
	if o.Profile != "" {
		if err := os.MkdirAll(o.Profile, 0o755); err != nil {
			return nil, err
		}
	}
	size, err := AnchorTxSize()
	if err != nil {
		return nil, err
	}
	r.rep.TxBytes = size
	if err := r.run(ctx); err != nil {
		return r.rep, err
	}
	r.rep.LoadEnd = loadAvg()
	r.rep.Seconds = time.Since(r.rep.Started).Seconds()
	r.rows()
	return r.rep, nil
}

func (r *runner) run(ctx context.Context) error {
	d := r.d
	if r.o.want("verify") {
		us, err := VerifyMicros(d.verify)
		if err != nil {
			return err
		}
		r.rep.VerifyMicros = us
		r.logf("SM2 verify on one core: %.1f µs", us)
	}
	var noopTPS float64
	if r.o.want("noop") {
		res, err := r.unsigned(ctx, AppNoop, d.maxRate)
		if err != nil {
			return fmt.Errorf("no-op network: %w", err)
		}
		noopTPS = res.TPS
	}
	// The no-op rate bounds the others; the budgets of pre-built txs keep
	// a wide margin over it (the machine is shared: rates vary).
	cap := d.maxRate
	if noopTPS > 0 {
		// A no-op window on a busy machine can read low: keep a floor.
		cap = min(cap, max(noopTPS*1.5+500, 4000))
	}
	if r.o.want("iavl") {
		if _, err := r.unsigned(ctx, AppIAVL, cap); err != nil {
			return fmt.Errorf("IAVL-only network: %w", err)
		}
	}
	signedCap := cap
	if r.o.want("govchain") {
		if err := r.govchain(ctx, false, signedCap); err != nil {
			return fmt.Errorf("govchain network: %w", err)
		}
	}
	if r.o.want("attest-off") {
		if err := r.govchain(ctx, true, signedCap); err != nil {
			return fmt.Errorf("govchain network without attestations: %w", err)
		}
	}
	if r.o.want("records") {
		res, err := r.records(ctx)
		if err != nil {
			return fmt.Errorf("records: %w", err)
		}
		r.rep.Records = res
	}
	return nil
}

func (r *runner) netOptions(app string, noAttest bool) NetOptions {
	tune := func(c *cmtcfg.Config) {
		if r.o.MempoolSize > 0 {
			c.Mempool.Size = r.o.MempoolSize
		}
		if r.o.Tune != nil {
			r.o.Tune(c)
		}
	}
	return NetOptions{App: app, Validators: 4, NoAttestations: noAttest, Grants: Grants(4), Binary: r.o.Binary,
		Pprof: r.o.Profile != "", Tune: tune, TimeoutCommit: r.o.TimeoutCommit}
}

func (r *runner) startNet(ctx context.Context, name string, o NetOptions) (*Net, error) {
	dir := filepath.Join(r.o.Dir, name)
	_ = os.RemoveAll(dir)
	t0 := time.Now()
	n, err := StartNet(ctx, dir, o)
	if err != nil {
		return nil, err
	}
	r.logf("%s: 4 validator processes up in %.1fs (ports %d..)", name, time.Since(t0).Seconds(), n.Base)
	return n, nil
}

// saturate offers l as fast as the network takes it, with a CPU profile of
// node 0 during the window when asked.
func (r *runner) saturate(ctx context.Context, name string, n *Net, l *Load, warmup, window time.Duration) (*LoadResult, error) {
	var wg sync.WaitGroup
	if r.o.Profile != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(warmup):
			case <-ctx.Done():
				return
			}
			secs := max(1, int(window.Seconds())-1)
			if err := fetchProfile(n.PprofAddr(0), fmt.Sprintf("profile?seconds=%d", secs), filepath.Join(r.o.Profile, name+".cpu.pprof")); err != nil {
				r.logf("profile %s: %v", name, err)
			}
		}()
	}
	res, err := l.Run(ctx, n, RunOptions{Warmup: warmup, Window: window, MinWindowBlocks: r.o.MinWindowBlocks})
	wg.Wait()
	if err != nil {
		return nil, err
	}
	r.rep.Loads[name] = res
	r.logf("%s: %.0f tx/s over %.0fs (%d committed in window, p50 %.2fs p99 %.2fs, %d retries%s); %s", name, res.TPS, res.WindowSec, res.InWindow, res.P50Sec, res.P99Sec, res.Retries, exhaustedNote(res), res.CPU)
	if res.Rejected > 0 {
		r.rep.Notes = append(r.rep.Notes, fmt.Sprintf("%s: %d senders gave up: %s", name, res.Rejected, res.FirstErr))
	}
	return res, nil
}

func exhaustedNote(res *LoadResult) string {
	if res.Exhausted {
		return ", ran out of pre-built txs: window shortened"
	}
	return ""
}

func fetchProfile(addr, path, file string) error {
	c := &http.Client{Timeout: 5 * time.Minute}
	resp, err := c.Get("http://" + addr + "/debug/pprof/" + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("pprof: HTTP %d", resp.StatusCode)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// unsigned measures the no-op or IAVL-only network with unsigned txs of
// the signed txs' size.
func (r *runner) unsigned(ctx context.Context, app string, cap float64) (*LoadResult, error) {
	n, err := r.startNet(ctx, app, r.netOptions(app, false))
	if err != nil {
		return nil, err
	}
	defer n.Stop()
	count := int(cap * (r.d.warmup + r.d.window).Seconds())
	l := unsignedLoad(len(n.Nodes), r.d.queues, count, r.rep.TxBytes)
	return r.saturate(ctx, app, n, l, r.d.warmup, r.d.window)
}

// govchain measures the production node: saturated signed anchors, and
// with attestations on also latency at a fixed load, batches, proof
// queries, audit replay and the nodes' memory.
func (r *runner) govchain(ctx context.Context, noAttest bool, cap float64) error {
	name := "govchain"
	if noAttest {
		name = "govchain-no-attest"
	}
	n, err := r.startNet(ctx, name, r.netOptions(AppGovchain, noAttest))
	if err != nil {
		return err
	}
	defer n.Stop()
	signers, err := SetupSigners(ctx, n, r.d.signersPerNode)
	if err != nil {
		return err
	}
	r.logf("%s: %d signers registered", name, len(signers.Keys))
	count := int(cap * (r.d.warmup + r.d.window).Seconds())
	t0 := time.Now()
	l, err := signers.anchorLoad(count, "sat")
	if err != nil {
		return err
	}
	r.logf("%s: %d anchor txs signed in %.1fs", name, l.Len(), time.Since(t0).Seconds())
	res, err := r.saturate(ctx, name, n, l, r.d.warmup, r.d.window)
	if err != nil {
		return err
	}
	if err := r.checkSequences(ctx, name, n, signers, l); err != nil {
		return err
	}
	if noAttest || r.o.SaturatedOnly {
		return nil
	}
	// Queries go to every certificate the saturated phase anchored, not a
	// hot few: each answer walks its own path down the tree, as random
	// citizens' checks would.
	hashes := l.committedCertHashes()

	// Commit latency at half the capacity this run measured on this
	// network (the saturated window above): a network is run below its
	// capacity, and latency is judged there.
	rate := LatencyRate(res.TPS)
	lcount := int(rate * (r.d.latWarmup + r.d.latWindow).Seconds())
	ll, err := signers.anchorLoad(lcount, "lat")
	if err != nil {
		return err
	}
	lres, err := ll.Run(ctx, n, RunOptions{Rate: rate, Warmup: r.d.latWarmup, Window: r.d.latWindow, MinWindowBlocks: r.o.MinWindowBlocks})
	if err != nil {
		return err
	}
	r.rep.Loads["latency"] = lres
	r.logf("latency at %.0f tx/s offered (half of %.0f tx/s measured): %.0f tx/s committed, p50 %.2fs p99 %.2fs", rate, res.TPS, lres.TPS, lres.P50Sec, lres.P99Sec)
	if err := r.checkSequences(ctx, "latency", n, signers, ll); err != nil {
		return err
	}

	// Batches of 10,000 certificates a tx.
	bcount := int(cap * (r.d.batchWarmup + r.d.batchWin).Seconds())
	bl, err := signers.batchLoad(bcount, 10_000)
	if err != nil {
		return err
	}
	if _, err := r.saturate(ctx, "batch10000", n, bl, r.d.batchWarmup, r.d.batchWin); err != nil {
		return err
	}
	if err := r.checkSequences(ctx, "batch10000", n, signers, bl); err != nil {
		return err
	}

	// Verify-with-proof queries on node 0.
	pids := []int{n.Pid(0), n.Pid(1), n.Pid(2), n.Pid(3), os.Getpid()}
	// Measure on a quiet network: after the write phases the nodes go on
	// compacting badger tables and collecting garbage for a while.
	if waited, u := waitQuiet(ctx, pids, 0.4, r.d.quietMax); waited > 0 {
		r.logf("queries: waited %s for the nodes to settle (%.2f cores busy in the last 2 s)", waited.Round(time.Second), u.Nodes)
	}
	var pwg sync.WaitGroup
	if r.o.Profile != "" {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			secs := max(1, int(r.d.queries.Seconds())-1)
			_ = fetchProfile(n.PprofAddr(0), fmt.Sprintf("profile?seconds=%d", secs), filepath.Join(r.o.Profile, "queries.cpu.pprof"))
		}()
	}
	var keys int64
	if st, err := client.New("http://" + n.Nodes[0].API).Status(ctx); err == nil {
		keys = st.StateKeys
	}
	c0 := readCPU(pids)
	q, err := QueryRate(ctx, n.Nodes[0].API, hashes, r.d.queries, 16)
	if q != nil {
		c1 := readCPU(pids)
		q.CPU = c1.since(c0, runtime.NumCPU())
		if q.Queries > 0 {
			q.NodeMicros = (c1.procs[0] - c0.procs[0]) / clkTck * 1e6 / float64(q.Queries)
		}
		q.StateKeys = keys
	}
	pwg.Wait()
	if err != nil {
		return fmt.Errorf("queries: %w", err)
	}
	r.rep.Queries = q
	r.logf("proof queries on one node: %.0f/s (%d workers, %d B an answer, %.0f µs of node CPU an answer, %d certificates, %d keys in state); %s", q.QPS, q.Workers, q.Bytes, q.NodeMicros, q.Certificates, q.StateKeys, q.CPU)

	for i := range n.Nodes {
		rss, _ := n.RSS(i)
		anon, _ := procRSS(n.Pid(i), "RssAnon")
		r.rep.NodeRSS = append(r.rep.NodeRSS, rss)
		r.rep.NodeRSSAnon = append(r.rep.NodeRSSAnon, anon)
	}
	if r.o.Profile != "" {
		_ = fetchProfile(n.PprofAddr(0), "heap", filepath.Join(r.o.Profile, "govchain.heap.pprof"))
	}

	// Audit replay of the chain from node 0.
	a, err := r.audit(ctx, n, l, ll)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	r.rep.Audit = a
	r.logf("audit replay: %d txs in %d blocks at %.0f tx/s (ok=%v)", a.Txs, a.Blocks, a.ReplayTPS, a.OK)
	r.rep.NodeDisk = n.DiskBytes(0)
	r.rep.NodeTxs = int64(l.Committed() + ll.Committed() + bl.Committed())
	return nil
}

// LatencyRate is the load the latency row offers: half the saturated
// govchain rate measured in the same run, and at least 10 tx/s (a window
// on a very busy machine can commit almost nothing).
func LatencyRate(capacity float64) float64 { return max(10, capacity/2) }

// checkSequences compares the txs found in blocks with the signers'
// sequence bumps: every tx in a block must have succeeded.
func (r *runner) checkSequences(ctx context.Context, name string, n *Net, s *Signers, l *Load) error {
	ok, err := s.Committed(ctx, n)
	if err != nil {
		return err
	}
	if found := l.Committed(); uint64(found) != ok {
		r.rep.Notes = append(r.rep.Notes, fmt.Sprintf("%s: %d txs in blocks but %d succeeded (sequence bumps): %d failed in their block", name, found, ok, found-int(ok)))
	}
	return nil
}

func (r *runner) audit(ctx context.Context, n *Net, loads ...*Load) (*AuditResult, error) {
	src, err := audit.NewRPCSource(n.Nodes[0].RPC)
	if err != nil {
		return nil, err
	}
	o := audit.Options{Source: src, Label: n.Nodes[0].RPC}
	if r.d.auditMaxTxs > 0 {
		var hs []int64
		for _, l := range loads {
			for i := range l.items {
				if h := l.items[i].height; h > 0 {
					hs = append(hs, h)
				}
			}
		}
		slices.Sort(hs)
		if len(hs) > r.d.auditMaxTxs {
			o.To = hs[r.d.auditMaxTxs]
		}
	}
	// The audit runs in this process: its CPU profile is this process's.
	if r.o.Profile != "" {
		if f, err := os.Create(filepath.Join(r.o.Profile, "audit.cpu.pprof")); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer func() { pprof.StopCPUProfile(); f.Close() }()
			} else {
				f.Close()
			}
		}
	}
	pids := []int{n.Pid(0), n.Pid(1), n.Pid(2), n.Pid(3), os.Getpid()}
	c0 := readCPU(pids)
	rep, err := audit.Run(ctx, o)
	if err != nil {
		return nil, err
	}
	cpu := readCPU(pids).since(c0, runtime.NumCPU())
	r.logf("audit: %.1f s end to end (%.0f tx/s), replay alone %.1f s; %s (bench client = the auditor)", rep.Seconds, rep.TxsPerSecond, rep.ReplaySeconds, cpu)
	return &AuditResult{Blocks: rep.Blocks, Txs: rep.Txs, ReplayTPS: rep.ReplayTxsPerSecond, OK: rep.OK,
		Via: "node/audit (fresh in-memory chain.NewApp, blocks from CometBFT RPC)"}, nil
}

// records runs `govchain bench records` in a process of its own, so the
// resident memory measured is the app's alone.
func (r *runner) records(ctx context.Context) (*RecordsResult, error) {
	bin := r.o.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		bin = exe
	}
	dir := filepath.Join(r.o.Dir, "records")
	_ = os.RemoveAll(dir)
	r.logf("records: storing %d certificate records through the app (child process)", r.d.records)
	settle := "10s"
	if r.o.Quick {
		settle = "2s"
	}
	cmd := exec.CommandContext(ctx, bin, "bench", "records", "--dir", dir, "--records", fmt.Sprint(r.d.records), "--settle", settle, "-o", "json")
	cmd.Stderr = r.o.Progress
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := proc.Start(cmd); err != nil { // dies with the bench
		return nil, err
	}
	if err := cmd.Wait(); err != nil {
		return nil, err
	}
	var res RecordsResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("bench records output: %w", err)
	}
	r.logf("records: %d in %.1fs, RSS %.0f MiB, %.0f B/record on disk", res.Records, res.Seconds, mib(res.RSS), res.PerRecord)
	return &res, nil
}

// VerifyMicros measures one SM2 verification (of a real anchor tx, with
// the strict DER check) on one core, for about d: the median of 5 rounds.
func VerifyMicros(d time.Duration) (float64, error) {
	k, err := smcrypto.GenerateKey()
	if err != nil {
		return 0, err
	}
	s := &Signers{ChainID: "govchain-bench", Keys: []*smcrypto.PrivateKey{k}, Node: []int{0}, Next: []uint64{1}, nonce: "0000000000000000", day: time.Now()}
	l, err := s.anchorLoad(1, "verify")
	if err != nil {
		return 0, err
	}
	t, err := tx.Decode(l.items[0].raw, 0)
	if err != nil {
		return 0, err
	}
	msg, pub := t.SignBytes(), k.PublicKey()
	var rounds []float64
	for round := 0; round < 5; round++ {
		n := 0
		start := time.Now()
		for time.Since(start) < d/5 {
			for i := 0; i < 20; i++ {
				if err := pub.Verify(msg, t.Signature); err != nil {
					return 0, err
				}
			}
			n += 20
		}
		rounds = append(rounds, float64(time.Since(start).Microseconds())/float64(n))
	}
	slices.Sort(rounds)
	return rounds[2], nil
}

func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				if i := strings.Index(line, ":"); i >= 0 {
					model = strings.TrimSpace(line[i+1:])
				}
				break
			}
		}
	}
	return fmt.Sprintf("%d cores %s, %s, %s/%s", runtime.NumCPU(), model, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// waitQuiet waits until the validator processes (all of pids but the last)
// together use less than cores CPU over 2 s, or max has passed. It returns
// how long it waited and the last 2 s reading.
func waitQuiet(ctx context.Context, pids []int, cores float64, max time.Duration) (time.Duration, CPUUse) {
	start := time.Now()
	var u CPUUse
	for time.Since(start) < max && ctx.Err() == nil {
		c0 := readCPU(pids)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
		u = readCPU(pids).since(c0, runtime.NumCPU())
		if u.Nodes < cores {
			break
		}
	}
	return time.Since(start), u
}
