package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/store/badgerdb"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node"
)

// RecordsResult is the memory and disk footprint of a node's app after
// storing Records certificate records.
type RecordsResult struct {
	Records  int     `json:"records"`
	PerBlock int     `json:"per_block"`
	Blocks   int64   `json:"blocks"`
	Seconds  float64 `json:"seconds"`
	// AppSeconds is the time spent in FinalizeBlock and Commit (signing,
	// the clients' work, runs alongside on the other cores).
	AppSeconds float64 `json:"app_seconds"`
	RSS        int64   `json:"rss_bytes"`      // VmRSS at the end: idle, after a GC
	RSSBusy    int64   `json:"rss_busy_bytes"` // VmRSS right after the last block
	RSSIdle    int64   `json:"rss_idle_bytes"` // after the settle time, before the GC
	HeapLive   int64   `json:"heap_live_bytes"`
	// RSSAnon is the process's own memory; RSSFile the pages of mapped
	// files in RSS (badger mmaps its tables; the kernel can drop them).
	RSSAnon   int64   `json:"rss_anon_bytes"`
	RSSFile   int64   `json:"rss_file_bytes"`
	Settle    []int64 `json:"settle_rss_bytes"`
	HWM       int64   `json:"rss_peak_bytes"` // VmHWM
	Disk      int64   `json:"disk_bytes"`     // state directory after close
	PerRecord float64 `json:"disk_bytes_per_record"`
	// Samples of RSS as records grow, while storing.
	Samples []RSSSample `json:"samples"`
	// Half is the same settled measurement (idle for the settle time,
	// then a GC) taken with half the records stored, the store open;
	// End is the one at the end (RSS, RSSAnon, ... above repeat it).
	// Both are measured: nothing is extrapolated.
	Half *MemPoint `json:"half,omitempty"`
	End  *MemPoint `json:"end,omitempty"`
	// KeepRecent, CacheSize and MemoryLimit are the store's pruning, its
	// IAVL node cache and the Go soft memory limit the records were
	// stored under (the node's defaults, node.DefaultConfig and
	// node.SetRuntimeDefaults).
	KeepRecent  int64 `json:"keep_recent"`
	CacheSize   int   `json:"cache_nodes"`
	MemoryLimit int64 `json:"memory_limit_bytes"`
	// Tune is the A/B change from the defaults (--tune), if any.
	Tune string `json:"tune,omitempty"`
}

// RSSSample is the resident memory after Records records.
type RSSSample struct {
	Records int   `json:"records"`
	RSS     int64 `json:"rss_bytes"`
}

// MemPoint is the settled footprint after Records records: the process
// idle for the settle time (badger's compactions and Go's scavenger run as
// they would between blocks), then a GC that returns free pages to the OS.
type MemPoint struct {
	Records int   `json:"records"`
	RSS     int64 `json:"rss_bytes"`
	// RSSAnon is the process's own memory; RSSFile the pages of mapped
	// files in RSS (badger mmaps its tables; the kernel can drop them).
	RSSAnon  int64 `json:"rss_anon_bytes"`
	RSSFile  int64 `json:"rss_file_bytes"`
	HeapLive int64 `json:"heap_live_bytes"`
	// GoHeld is what the Go runtime holds from the OS after the GC (Sys
	// less HeapReleased): the live heap, its fragmentation, stacks and the
	// runtime's own metadata. RSSAnon above it is memory outside Go.
	GoHeld    int64 `json:"go_held_bytes"`
	HeapInuse int64 `json:"heap_inuse_bytes"`
	// RSSIdle is VmRSS after the settle time, before the GC.
	RSSIdle int64   `json:"rss_idle_bytes"`
	Settle  []int64 `json:"settle_rss_bytes"`
	// Disk is the state directory's size with the store open (the
	// result's Disk is the size after close) and PerRecord that over
	// Records.
	Disk      int64   `json:"disk_bytes"`
	PerRecord float64 `json:"disk_bytes_per_record"`
}

// settled waits settle (one VmRSS sample a second), collects, returns free
// pages to the OS and reads the process's memory.
func settled(ctx context.Context, records int, settle time.Duration) (*MemPoint, error) {
	p := &MemPoint{Records: records}
	for i := 0; i < int(settle/time.Second); i++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
		rss, _ := procRSS(os.Getpid(), "VmRSS")
		p.Settle = append(p.Settle, rss)
	}
	p.RSSIdle, _ = procRSS(os.Getpid(), "VmRSS")
	// Go collects at least every two minutes and then returns free pages
	// to the OS; do that now rather than wait.
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.HeapLive = int64(ms.HeapAlloc)
	p.GoHeld = int64(ms.Sys - ms.HeapReleased)
	p.HeapInuse = int64(ms.HeapInuse)
	p.RSS, _ = procRSS(os.Getpid(), "VmRSS")
	p.RSSAnon, _ = procRSS(os.Getpid(), "RssAnon")
	p.RSSFile, _ = procRSS(os.Getpid(), "RssFile")
	return p, nil
}

// RunRecords stores n certificate records (one signed anchor tx each,
// perBlock txs a block) through the production app (node.Modules() on the
// node's badger store with its default options) in dir, without CometBFT:
// FinalizeBlock and Commit, as a node does. It measures this process's
// resident memory, so run it in a process of its own (`govchain bench
// records`).
//
// tune, if not empty, changes the node's defaults for an A/B run (see
// ParseTune); the result records what ran in Tune.
func RunRecords(ctx context.Context, dir string, n, perBlock int, settle time.Duration, progress io.Writer, heapProfile, tune string) (*RecordsResult, error) {
	if perBlock <= 0 {
		perBlock = 1000
	}
	// The node's defaults: the pruning `node init` writes and the runtime
	// settings of `node start`.
	node.SetRuntimeDefaults()
	opts := node.DefaultConfig().StateOptions()
	if err := applyTune(&opts, tune); err != nil {
		return nil, err
	}
	st, err := state.Open(dir, opts)
	if err != nil {
		return nil, err
	}
	closed := false
	defer func() {
		if !closed {
			st.Close()
		}
	}()
	app, err := chain.NewApp(st, node.Modules()...)
	if err != nil {
		return nil, err
	}
	admin, err := smcrypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	op, err := smcrypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	const chainID = "govchain-bench-records"
	// a new network's certificate section (node.BuildGenesis): index layout 2
	g := chain.AppGenesis{Params: chain.DefaultParams(), Modules: map[string]json.RawMessage{certificate.Name: json.RawMessage(`{"index_layout":2}`)}}
	g.Identity.Departments = []identity.GenesisDept{{Code: "SCJG", Name: "市场监督管理局", AdminPublicKey: admin.PublicKey().Bytes(), Grants: []string{certificate.IssuerGrant(CertType)}}}
	raw, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	g0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := app.InitChain(ctx, &abci.InitChainRequest{ChainId: chainID, Time: g0, InitialHeight: 1, AppStateBytes: raw}); err != nil {
		return nil, err
	}
	height := int64(0)
	block := func(txs [][]byte) error {
		height++
		res, err := app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Txs: txs, Height: height, Time: g0.Add(time.Duration(height) * time.Second)})
		if err != nil {
			return err
		}
		for i, r := range res.TxResults {
			if r.Code != 0 {
				return fmt.Errorf("block %d tx %d: %s/%d %s", height, i, r.Codespace, r.Code, r.Log)
			}
		}
		_, err = app.Commit(ctx, &abci.CommitRequest{})
		return err
	}
	sign := func(k *smcrypto.PrivateKey, seq uint64, typ string, m any) ([]byte, error) {
		body, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		t := &tx.Tx{ChainID: chainID, Type: typ, Signer: k.PublicKey().ID(), Sequence: seq, Body: body}
		if err := t.Sign(k); err != nil {
			return nil, err
		}
		return t.Encode(), nil
	}
	t1, err := sign(admin, 1, certificate.MsgDefineType, certificate.DefineType{Code: CertType, Name: "营业执照", MaxValidityDays: 1825})
	if err != nil {
		return nil, err
	}
	reg, err := identity.NewRegisterAccount(chainID, "SCJG", op, "bench", []string{identity.RoleOperator})
	if err != nil {
		return nil, err
	}
	t2, err := sign(admin, 2, identity.MsgRegisterAccount, reg)
	if err != nil {
		return nil, err
	}
	if err := block([][]byte{t1, t2}); err != nil {
		return nil, err
	}
	holder, err := benchUSCC()
	if err != nil {
		return nil, err
	}
	out := &RecordsResult{Records: n, PerBlock: perBlock, KeepRecent: opts.KeepRecent, CacheSize: opts.CacheSize, MemoryLimit: debug.SetMemoryLimit(-1), Tune: tune}
	// Signing is the clients' work: it runs on every core ahead of the
	// block that needs it, one block in advance.
	mk := func(from, count int) ([][]byte, error) {
		txs := make([][]byte, count)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var first error
		w := runtime.NumCPU()
		for g := 0; g < w; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < count; i += w {
					x := from + i
					a := certificate.Anchor{Hash: smcrypto.SM3Hex([]byte(fmt.Sprint("record ", x))), Type: CertType,
						LicenceNo: fmt.Sprintf("BL-%09d", x), HolderKind: identifier.HolderOrg, HolderRef: holder,
						IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2030-12-31"}
					raw, err := sign(op, uint64(x+1), certificate.MsgAnchor, a)
					if err != nil {
						mu.Lock()
						first = err
						mu.Unlock()
						return
					}
					txs[i] = raw
				}
			}()
		}
		wg.Wait()
		return txs, first
	}
	type next struct {
		txs [][]byte
		err error
	}
	ahead := make(chan next, 1)
	go func() {
		defer close(ahead)
		for from := 0; from < n; from += perBlock {
			txs, err := mk(from, min(perBlock, n-from))
			select {
			case ahead <- next{txs, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	start := time.Now()
	done, mark := 0, n/4
	lastReport := time.Now()
	for b := range ahead {
		if b.err != nil {
			return nil, b.err
		}
		t0 := time.Now()
		if err := block(b.txs); err != nil {
			return nil, err
		}
		out.AppSeconds += time.Since(t0).Seconds()
		done += len(b.txs)
		if out.Half == nil && done >= n/2 && done < n {
			// The same settled measurement as at the end, the store open
			// (the next block waits, as a node's would between blocks).
			p, err := settled(ctx, done, settle)
			if err != nil {
				return nil, err
			}
			p.Disk = dirBytes(dir)
			p.PerRecord = float64(p.Disk) / float64(done)
			out.Half = p
			if progress != nil {
				fmt.Fprintf(progress, "  records: settled at %d: RSS %d MiB, own %d MiB, live heap %d MiB, Go holds %d MiB, disk %.0f B/record\n",
					done, p.RSS>>20, p.RSSAnon>>20, p.HeapLive>>20, p.GoHeld>>20, p.PerRecord)
			}
			start = start.Add(time.Duration(len(p.Settle)) * time.Second)
		}
		if done >= mark || done == n {
			rss, _ := procRSS(os.Getpid(), "VmRSS")
			out.Samples = append(out.Samples, RSSSample{Records: done, RSS: rss})
			mark += n / 4
		}
		if progress != nil && time.Since(lastReport) > 5*time.Second {
			fmt.Fprintf(progress, "  records: %d/%d (%.0f/s)\n", done, n, float64(done)/time.Since(start).Seconds())
			lastReport = time.Now()
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	out.Seconds = time.Since(start).Seconds()
	out.Blocks = height
	// A node commits a block and then waits for the next one: let badger's
	// compactions and Go's scavenger settle as they would between blocks.
	out.RSSBusy, _ = procRSS(os.Getpid(), "VmRSS")
	end, err := settled(ctx, n, settle)
	if err != nil {
		return nil, err
	}
	end.Disk = dirBytes(dir)
	end.PerRecord = float64(end.Disk) / float64(n)
	out.End = end
	out.Settle, out.RSSIdle, out.HeapLive = end.Settle, end.RSSIdle, end.HeapLive
	out.RSS, out.RSSAnon, out.RSSFile = end.RSS, end.RSSAnon, end.RSSFile
	out.HWM, _ = procRSS(os.Getpid(), "VmHWM")
	if heapProfile != "" {
		f, err := os.Create(heapProfile)
		if err != nil {
			return nil, err
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			return nil, err
		}
		f.Close()
	}
	closed = true
	if err := st.Close(); err != nil {
		return nil, err
	}
	out.Disk = dirBytes(dir)
	out.PerRecord = float64(out.Disk) / float64(n)
	return out, nil
}

// applyTune changes opts (and the Go memory limit) by a comma-separated
// list of key=value: cache (IAVL nodes), keep (keep_recent), nofast (1:
// no fast index), memlimit (MiB, 0: none), and the badger options
// memtable (MiB), memtables (count), blockcache (MiB), indexcache (MiB),
// basetable (MiB), tablemult (TableSizeMultiplier), l0 (level-0 tables before compaction), compactors,
// compression (none, snappy, zstd), blocksize (KiB). For A/B runs only.
func applyTune(opts *state.Options, tune string) error {
	if tune == "" {
		return nil
	}
	var bt []func(*badger.Options)
	for _, kv := range strings.Split(tune, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return fmt.Errorf("--tune %q: want key=value", kv)
		}
		if k == "compression" {
			c := map[string]options.CompressionType{"none": options.None, "snappy": options.Snappy, "zstd": options.ZSTD}
			ct, ok := c[v]
			if !ok {
				return fmt.Errorf("--tune compression=%s: none, snappy or zstd", v)
			}
			bt = append(bt, func(o *badger.Options) { o.Compression = ct })
			continue
		}
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("--tune %s: %w", kv, err)
		}
		switch k {
		case "cache":
			opts.CacheSize = int(x)
		case "keep":
			opts.KeepRecent = x
		case "nofast":
			opts.NoFastIndex = x != 0
		case "memlimit":
			if x == 0 {
				debug.SetMemoryLimit(math.MaxInt64)
			} else {
				debug.SetMemoryLimit(x << 20)
			}
		case "memtable":
			bt = append(bt, func(o *badger.Options) { o.MemTableSize = x << 20 })
		case "memtables":
			bt = append(bt, func(o *badger.Options) { o.NumMemtables = int(x) })
		case "blockcache":
			bt = append(bt, func(o *badger.Options) { o.BlockCacheSize = x << 20 })
		case "indexcache":
			bt = append(bt, func(o *badger.Options) { o.IndexCacheSize = x << 20 })
		case "basetable":
			bt = append(bt, func(o *badger.Options) { o.BaseTableSize = x << 20 })
		case "tablemult":
			bt = append(bt, func(o *badger.Options) { o.TableSizeMultiplier = int(x) })
		case "l0":
			bt = append(bt, func(o *badger.Options) { o.NumLevelZeroTables = int(x) })
		case "compactors":
			bt = append(bt, func(o *badger.Options) { o.NumCompactors = int(x) })
		case "blocksize":
			bt = append(bt, func(o *badger.Options) { o.BlockSize = int(x) << 10 })
		default:
			return fmt.Errorf("--tune %s: unknown key", k)
		}
	}
	if len(bt) > 0 {
		bo := badgerdb.DefaultOptions()
		bo.Tune = func(o badger.Options) badger.Options {
			for _, f := range bt {
				f(&o)
			}
			return o
		}
		opts.Badger = &bo
	}
	return nil
}
