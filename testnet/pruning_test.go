package testnet_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/store"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

// TestPruningNode: a node with keep_recent and retain_blocks prunes its
// state versions, its blocks, their ABCI results and CometBFT's tx and
// block-event indexes (the node is its own data companion, node/prune.go),
// says so when asked for what it pruned, and still serves current proofs.
// The chain's evidence window (150 blocks) is longer than retain_blocks: the
// node keeps whole blocks until they leave it, then prunes them whole, so
// no header or commit of a pruned height is left behind in the block store.
func TestPruningNode(t *testing.T) {
	const retain, window = 100, 150
	base, err := testnet.FreeBasePort(1)
	if err != nil {
		t.Fatal(err)
	}
	net, err := testnet.Create(t.TempDir(), testnet.Options{Validators: 1, BasePort: base, Binary: binary,
		TimeoutCommit: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	shortEvidence(t, net, window, time.Second)
	h := node.Home(net.Nodes[0].Home)
	conf, err := h.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	conf.KeepRecent, conf.RetainBlocks, conf.SnapshotInterval = retain, retain, 0
	if err := h.SaveConfig(conf); err != nil {
		t.Fatal(err)
	}
	cfg, err := h.CometConfigNoGenesis()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Storage.Pruning.Interval = 200 * time.Millisecond
	cfg.Storage.CompactionInterval = 20
	cmtcfg.WriteConfigFile(h.Path("config", "config.toml"), cfg)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(net.Nodes[0].Home, "node.log"))
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			t.Logf("--- tail of node.log ---\n%s", b)
		}
		_ = net.Stop()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := net.Start(ctx, 2); err != nil {
		t.Fatal(err)
	}
	c := net.Client(0)

	// A tx committed early: once its block is pruned, the tx index no
	// longer has it and the node says why.
	admin, err := net.DeptKey(0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.NewSigner(ctx, c, net.ChainID, admin)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := smcrypto.GenerateKey()
	reg, err := s.RegisterAccount(k, "officer pruned")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Send(ctx, c, identity.MsgRegisterAccount, reg, "commit")
	if err != nil || res.Code != 0 || res.Height == 0 {
		t.Fatalf("register: %v %+v", err, res)
	}
	early := res.Height
	// CometBFT indexes a block's txs just after it commits: wait for it.
	for {
		info, err := c.Tx(ctx, res.Hash)
		if err == nil && info.Height == early {
			break
		}
		if ctx.Err() != nil || (err == nil && info.Height != early) {
			t.Fatalf("tx %s before pruning: %v %+v", res.Hash, err, info)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Wait (by condition) until the blocks up to the early height are gone.
	for {
		st, err := c.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.EarliestBlockHeight > 1 && st.EarliestBlockHeight > st.Height-window {
			t.Fatalf("height %d: blocks kept from %d, inside the evidence window of %d blocks", st.Height, st.EarliestBlockHeight, window)
		}
		if st.EarliestBlockHeight > early+1 && st.StateVersions[0] > early+1 {
			t.Logf("height %d: blocks from %d, state versions %d..%d", st.Height, st.EarliestBlockHeight, st.StateVersions[0], st.StateVersions[1])
			if got := st.StateVersions[1] - st.StateVersions[0] + 1; got > retain+100 {
				t.Errorf("state keeps %d versions, want about %d (keep_recent; pruned every 100 commits)", got, retain)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("never pruned past height %d: %+v", early, st)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The block results and both indexes were pruned with the blocks.
	rpc := net.Nodes[0].RPC
	waitRPC := func(what, path, want string) {
		t.Helper()
		for {
			body := rpcGet(ctx, t, rpc, path)
			if strings.Contains(body, want) {
				return
			}
			if ctx.Err() != nil {
				t.Fatalf("%s: %s still answers %.300s; want %q", what, path, body, want)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitRPC("block results", "/block_results?height=2", "is not available")
	waitRPC("block", "/block?height=2", "is not available")
	// tx index: the early register-account tx is no longer found by search
	waitRPC("tx index", "/tx_search?query=%22tx.height%3D"+strconv.FormatInt(early, 10)+"%22", `"total_count":"0"`)
	waitRPC("block-event index", "/block_search?query=%22block.height%3D"+strconv.FormatInt(early, 10)+"%22", `"total_count":"0"`)

	// The govchain API says what a pruning node cannot answer.
	if _, err := c.Tx(ctx, res.Hash); err == nil || !strings.Contains(err.Error(), "archive node") {
		t.Errorf("tx %s after pruning: %v, want a pointer to an archive node", res.Hash, err)
	}
	if _, err := c.State(ctx, "chain_id", early, true); err == nil || !strings.Contains(err.Error(), "ask an archive node") {
		t.Errorf("state at pruned height %d: %v, want a pointer to an archive node", early, err)
	}
	// Current proofs still verify.
	st, _ := c.Status(ctx)
	r, err := c.State(ctx, "chain_id", st.Height, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		t.Fatal(err)
	}

	// No header, commit or extended commit of a pruned height is left in
	// the block store (CometBFT keeps the first two for heights inside the
	// evidence window when it prunes, and never returns to them; it never
	// deletes the third). The node deletes the extended commits below the
	// base as it prunes and, once more, when it starts; the last prune
	// before a stop can leave a few until then, so: stop, restart, stop,
	// and none below the first stop's base may remain.
	openStore := func() (*store.BlockStore, func()) {
		t.Helper()
		if err := net.Stop(); err != nil {
			t.Fatal(err)
		}
		cfg, err := h.CometConfig()
		if err != nil {
			t.Fatal(err)
		}
		db, err := dbm.NewDB("blockstore", dbm.BackendType(cfg.DBBackend), cfg.DBDir())
		if err != nil {
			t.Fatal(err)
		}
		return store.NewBlockStore(db), func() { db.Close() }
	}
	bs, closeStore := openStore()
	storeBase, left := bs.Base(), 0
	for ht := int64(1); ht < storeBase; ht++ {
		if bs.LoadBlockMeta(ht) != nil || bs.LoadBlockCommit(ht) != nil {
			t.Fatalf("block store from %d still has the header or commit of pruned height %d", storeBase, ht)
		}
		if bs.LoadBlockExtendedCommit(ht) != nil {
			left++
		}
	}
	closeStore()
	t.Logf("stopped with blocks %d..%d; %d extended commits below %d left by the last prune", storeBase, bs.Height(), left, storeBase)
	if err := net.Start(ctx, bs.Height()+1); err != nil {
		t.Fatal(err)
	}
	bs, closeStore = openStore()
	defer closeStore()
	for ht := int64(1); ht < storeBase; ht++ {
		// the precommits with the SM2 attestations (vote extensions)
		if bs.LoadBlockExtendedCommit(ht) != nil {
			t.Fatalf("after a restart the block store (from %d) still has the extended commit of pruned height %d", bs.Base(), ht)
		}
	}
	t.Logf("after a restart: blocks %d..%d, no extended commit below %d", bs.Base(), bs.Height(), storeBase)
}

// rpcGet reads a CometBFT RPC path (errors included) as text.
func rpcGet(ctx context.Context, t *testing.T, rpc, path string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+rpc+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// shortEvidence gives the network's genesis an evidence window of blocks
// and d (consensus params evidence.max_age_num_blocks and max_age_duration;
// CometBFT's defaults are 100,000 blocks and 48 h). A pruning node keeps
// whole blocks until they leave that window (node/prune.go), so a test that
// wants to see pruning within minutes needs a short one.
func shortEvidence(t testing.TB, net *testnet.Network, blocks int64, d time.Duration) {
	t.Helper()
	for _, n := range net.Nodes {
		f := node.Home(n.Home).GenesisFile()
		doc, err := cmttypes.GenesisDocFromFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc.ConsensusParams.Evidence.MaxAgeNumBlocks, doc.ConsensusParams.Evidence.MaxAgeDuration = blocks, d
		if err := doc.SaveAs(f); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkDiskGrowth measures how the data directory of an archive node
// and of a pruning node grow over a long run, side by side: the figures in
// docs/benchmarks.md. Both chains have a short evidence window
// (GOVCHAIN_DISK_EVIDENCE blocks, default 2,000, and 1 minute) so that the
// pruning node's block store reaches its bound within the run, and carry a
// light load (an admin suspending and reactivating one operator, one tx at a
// time) besides the SM2 block attestations. Sizes are sampled every
// GOVCHAIN_DISK_STEP blocks (default a twentieth of the run) until
// GOVCHAIN_DISK_BLOCKS (default 2,000) or GOVCHAIN_DISK_MINUTES (default no
// limit), whichever comes first. At the end the pruning node must still
// serve a current state proof that verifies.
//
//	GOVCHAIN_DISK_BLOCKS=30000 GOVCHAIN_DISK_STEP=1000 go test -p 1 -count=1 -timeout 3h -run XXX -bench DiskGrowth -benchtime 1x -v ./testnet
func BenchmarkDiskGrowth(t *testing.B) {
	env := func(name string, def int64) int64 {
		if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil && v > 0 {
			return v
		}
		return def
	}
	blocks := env("GOVCHAIN_DISK_BLOCKS", 2000)
	step := env("GOVCHAIN_DISK_STEP", max(blocks/20, 1))
	evidence := env("GOVCHAIN_DISK_EVIDENCE", 2000)
	var until time.Time
	if m := env("GOVCHAIN_DISK_MINUTES", 0); m > 0 {
		until = time.Now().Add(time.Duration(m) * time.Minute)
	}
	const retain = 1000
	type side struct {
		name string
		net  *testnet.Network
		txs  atomic.Int64
	}
	var sides []*side
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Hour)
	defer cancel()
	for _, s := range []struct {
		name         string
		keep, retain int64
	}{{"archive", 0, 0}, {"pruning", retain, retain}} {
		base, err := testnet.FreeBasePort(1)
		if err != nil {
			t.Fatal(err)
		}
		net, err := testnet.Create(t.TempDir(), testnet.Options{Validators: 1, BasePort: base, Binary: binary, TimeoutCommit: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		shortEvidence(t, net, evidence, time.Minute)
		h := node.Home(net.Nodes[0].Home)
		conf, err := h.LoadConfig()
		if err != nil {
			t.Fatal(err)
		}
		conf.KeepRecent, conf.RetainBlocks, conf.SnapshotInterval = s.keep, s.retain, 0
		if err := h.SaveConfig(conf); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = net.Stop() })
		sctx, scancel := context.WithTimeout(ctx, time.Minute)
		err = net.Start(sctx, 2)
		scancel()
		if err != nil {
			t.Fatal(err)
		}
		sd := &side{name: s.name, net: net}
		sides = append(sides, sd)
		go diskLoad(ctx, t, sd.net, &sd.txs)
	}
	parts := []string{"app", "blockstore.db", "state.db", "tx_index.db", "evidence.db", "cs.wal"}
	cols := append([]string{"data/", "data/ − cs.wal"}, parts...)
	type sample struct {
		height int64
		sizes  map[string]int64
	}
	samples := make([][]sample, len(sides))
	for target := step; target <= blocks && (until.IsZero() || time.Now().Before(until)); target += step {
		for i, s := range sides {
			if err := s.net.WaitHeight(ctx, target); err != nil {
				t.Fatal(err)
			}
			st, err := s.net.Client(0).Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(s.net.Nodes[0].Home, "data")
			sz := map[string]int64{"data/": dirSize(data)}
			for _, p := range parts {
				sz[p] = dirSize(filepath.Join(data, p))
			}
			sz["data/ − cs.wal"] = sz["data/"] - sz["cs.wal"]
			samples[i] = append(samples[i], sample{st.Height, sz})
			t.Logf("%s at %d (blocks from %d, %d txs): %v", s.name, st.Height, st.EarliestBlockHeight, s.txs.Load(), sz)
		}
	}
	if len(samples[0]) < 6 {
		t.Fatalf("only %d samples; run longer (GOVCHAIN_DISK_BLOCKS, GOVCHAIN_DISK_STEP)", len(samples[0]))
	}
	mb := func(b int64) string { return strconv.FormatFloat(float64(b)/1e6, 'f', 1, 64) }
	for i, s := range sides {
		t.Logf("%s node, MB on disk (%d txs in all):", s.name, s.txs.Load())
		t.Logf("| height | %s |", strings.Join(cols, " | "))
		for _, sm := range samples[i] {
			row := "| " + strconv.FormatInt(sm.height, 10) + " |"
			for _, c := range cols {
				row += " " + mb(sm.sizes[c]) + " |"
			}
			t.Log(row)
		}
	}
	// Growth per 10,000 blocks in the first and the last third of the run:
	// the slope of a least-squares line through that third's samples (a
	// line, not two end points, because compactions make a saw-tooth).
	n := len(samples[0])
	thirds := []struct {
		name   string
		lo, hi int
	}{{"first third", 0, n / 3}, {"last third", n - n/3, n}}
	t.Logf("| per 10,000 blocks | %s |", strings.Join(cols, " | "))
	for i, s := range sides {
		for _, th := range thirds {
			part := samples[i][th.lo:th.hi]
			row := fmt.Sprintf("| %s, %s (heights %d–%d) |", s.name, th.name, part[0].height, part[len(part)-1].height)
			for _, c := range cols {
				row += " " + strconv.FormatFloat(slope(part, func(x sample) (float64, float64) { return float64(x.height), float64(x.sizes[c]) })*10000/1e6, 'f', 1, 64) + " MB |"
			}
			t.Log(row)
			if c := "data/ − cs.wal"; th.name == "last third" {
				t.ReportMetric(slope(part, func(x sample) (float64, float64) { return float64(x.height), float64(x.sizes[c]) })*10000, s.name+"-B/10kblocks-late")
			}
		}
	}
	// The pruning node still serves current proofs that verify.
	c := sides[1].net.Client(0)
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.State(ctx, "chain_id", st.Height, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		t.Fatal(err)
	}
	t.Logf("pruning node at %d (blocks from %d, state versions %d..%d): the state proof at %d verifies", st.Height, st.EarliestBlockHeight, st.StateVersions[0], st.StateVersions[1], r.Height)
}

// slope is the least-squares slope of y over x through the samples.
func slope[S any](ss []S, xy func(S) (float64, float64)) float64 {
	var n, sx, sy, sxx, sxy float64
	for _, s := range ss {
		x, y := xy(s)
		n, sx, sy, sxx, sxy = n+1, sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	if d := n*sxx - sx*sx; d != 0 {
		return (n*sxy - sx*sy) / d
	}
	return 0
}

// diskLoad keeps net busy until ctx ends: its admin registers an operator,
// then suspends and reactivates it, one tx a block at most, so the live
// state stays the same size while every block's results and index grow.
func diskLoad(ctx context.Context, t testing.TB, net *testnet.Network, txs *atomic.Int64) {
	c := net.Client(0)
	admin, err := net.DeptKey(0)
	if err != nil {
		t.Error(err)
		return
	}
	s, err := client.NewSigner(ctx, c, net.ChainID, admin)
	if err != nil {
		t.Error(err)
		return
	}
	k, _ := smcrypto.GenerateKey()
	reg, err := s.RegisterAccount(k, "operator toggled by the disk benchmark")
	if err != nil {
		t.Error(err)
		return
	}
	if _, err := s.Send(ctx, c, identity.MsgRegisterAccount, reg, "commit"); err != nil {
		t.Error(err)
		return
	}
	txs.Add(1)
	status := []string{"suspended", "active"}
	for i := 0; ctx.Err() == nil; i++ {
		m := identity.SetAccountStatus{KeyID: k.PublicKey().ID(), Status: status[i%2], Reason: "disk benchmark"}
		if _, err := s.Send(ctx, c, identity.MsgSetAccountStatus, m, "commit"); err != nil {
			if ctx.Err() == nil {
				t.Logf("load: %v (stopping the load)", err)
			}
			return
		}
		txs.Add(1)
	}
}

// dirSize is the bytes the files under dir take on disk (du -B1).
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				if st, ok := fi.Sys().(*syscall.Stat_t); ok {
					n += st.Blocks * 512
				} else {
					n += fi.Size()
				}
			}
		}
		return nil
	})
	return n
}
