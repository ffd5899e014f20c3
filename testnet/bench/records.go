package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
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
	// SettledHalf is the RSS after a GC with half the records stored (the
	// end's is RSS): short runs extrapolate from the two.
	SettledHalf RSSSample `json:"settled_half"`
}

// RSSSample is the resident memory after Records records.
type RSSSample struct {
	Records int   `json:"records"`
	RSS     int64 `json:"rss_bytes"`
}

// RunRecords stores n certificate records (one signed anchor tx each,
// perBlock txs a block) through the production app (node.Modules() on the
// node's badger store with its default options) in dir, without CometBFT:
// FinalizeBlock and Commit, as a node does. It measures this process's
// resident memory, so run it in a process of its own (`govchain bench
// records`).
func RunRecords(ctx context.Context, dir string, n, perBlock int, settle time.Duration, progress io.Writer, heapProfile string) (*RecordsResult, error) {
	if perBlock <= 0 {
		perBlock = 1000
	}
	st, err := state.Open(dir, state.DefaultOptions())
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
	out := &RecordsResult{Records: n, PerBlock: perBlock}
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
		if out.SettledHalf.Records == 0 && done >= n/2 && done < n {
			runtime.GC()
			debug.FreeOSMemory()
			rss, _ := procRSS(os.Getpid(), "VmRSS")
			out.SettledHalf = RSSSample{Records: done, RSS: rss}
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
	for i := 0; i < int(settle/time.Second); i++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
		rss, _ := procRSS(os.Getpid(), "VmRSS")
		out.Settle = append(out.Settle, rss)
	}
	out.RSSIdle, _ = procRSS(os.Getpid(), "VmRSS")
	// Go collects at least every two minutes and then returns free pages
	// to the OS; do that now rather than wait.
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out.HeapLive = int64(ms.HeapAlloc)
	out.RSS, _ = procRSS(os.Getpid(), "VmRSS")
	out.RSSAnon, _ = procRSS(os.Getpid(), "RssAnon")
	out.RSSFile, _ = procRSS(os.Getpid(), "RssFile")
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
