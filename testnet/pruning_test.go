package testnet_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"

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
func TestPruningNode(t *testing.T) {
	const retain = 100
	base, err := testnet.FreeBasePort(1)
	if err != nil {
		t.Fatal(err)
	}
	net, err := testnet.Create(t.TempDir(), testnet.Options{Validators: 1, BasePort: base, Binary: binary,
		TimeoutCommit: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
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
	if info, err := c.Tx(ctx, res.Hash); err != nil || info.Height != early {
		t.Fatalf("tx %s before pruning: %v %+v", res.Hash, err, info)
	}

	// Wait (by condition) until the blocks up to the early height are gone.
	for {
		st, err := c.Status(ctx)
		if err != nil {
			t.Fatal(err)
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

// BenchmarkDiskGrowth measures how the data directory of an archive node
// and of a pruning node grow over a long run of empty blocks (SM2
// attestations on), side by side: the figures in docs/benchmarks.md.
// GOVCHAIN_DISK_BLOCKS sets the run's length (default 2,000 blocks; the
// documented run used 30,000, about an hour).
//
//	GOVCHAIN_DISK_BLOCKS=30000 go test -p 1 -count=1 -timeout 3h -run XXX -bench DiskGrowth -benchtime 1x -v ./testnet
func BenchmarkDiskGrowth(t *testing.B) {
	blocks, _ := strconv.ParseInt(os.Getenv("GOVCHAIN_DISK_BLOCKS"), 10, 64)
	if blocks <= 0 {
		blocks = 2000
	}
	const retain = 1000
	type side struct {
		name string
		net  *testnet.Network
	}
	var sides []side
	for _, s := range []struct {
		name         string
		keep, retain int64
	}{{"archive (keep everything)", 0, 0}, {"pruning (keep_recent 1000, retain_blocks 1000)", retain, retain}} {
		base, err := testnet.FreeBasePort(1)
		if err != nil {
			t.Fatal(err)
		}
		net, err := testnet.Create(t.TempDir(), testnet.Options{Validators: 1, BasePort: base, Binary: binary, TimeoutCommit: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
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
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = net.Start(ctx, 2)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		sides = append(sides, side{s.name, net})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Hour)
	defer cancel()
	parts := []string{"app", "blockstore.db", "state.db", "tx_index.db"}
	type sample struct {
		height int64
		sizes  map[string]int64
	}
	samples := make([][]sample, len(sides))
	step := max(blocks/10, 1)
	for target := step; target <= blocks; target += step {
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
			samples[i] = append(samples[i], sample{st.Height, sz})
			t.Logf("%s at %d: %v", s.name, st.Height, sz)
		}
	}
	// Growth per 10,000 blocks over the second half of the run (after the
	// pruning node's window has filled and its stores have compacted).
	cols := append([]string{"data/"}, parts...)
	t.Logf("| per 10,000 blocks, heights %d..%d | %s |", samples[0][len(samples[0])/2].height, samples[0][len(samples[0])-1].height, strings.Join(cols, " | "))
	for i, s := range sides {
		a, b := samples[i][len(samples[i])/2], samples[i][len(samples[i])-1]
		row := "| " + s.name + " |"
		for _, c := range cols {
			row += " " + strconv.FormatFloat(float64(b.sizes[c]-a.sizes[c])/float64(b.height-a.height)*10000/1e6, 'f', 1, 64) + " MB |"
		}
		t.Log(row)
		t.ReportMetric(float64(b.sizes["data/"]-a.sizes["data/"])/float64(b.height-a.height)*10000, []string{"archive-B/10kblocks", "pruning-B/10kblocks"}[i])
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
