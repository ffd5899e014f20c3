package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/certdemo"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

// anchorLoad anchors certificates from every department's admin key in
// parallel (one signer per department, its txs back to back), until count
// are accepted or stop is closed. It returns how many were accepted.
func anchorLoad(ctx context.Context, t *testing.T, net *testnet.Network, depts, count int, tag string, stop <-chan struct{}) int64 {
	t.Helper()
	body := "91350100MA0000002"
	c, _ := identifier.USCCCheckChar(body)
	holder := body + string(c)
	day := time.Now().Format("2006-01-02")
	until := time.Now().AddDate(4, 0, 0).Format("2006-01-02")
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for d := 0; d < depts; d++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := net.DeptKey(d)
			if err != nil {
				t.Error(err)
				return
			}
			cl := net.Client(d)
			s, err := client.NewSigner(ctx, cl, net.ChainID, k)
			if err != nil {
				t.Error(err)
				return
			}
			for x := 0; count <= 0 || x < (count+depts-1)/depts; x++ {
				select {
				case <-stop:
					return
				default:
				}
				h := smcrypto.SM3Hex([]byte(fmt.Sprintf("statesync/%s/%d/%d", tag, d, x)))
				raw, err := s.Build(certificate.MsgAnchor, certificate.Anchor{Hash: h, Type: "BL", LicenceNo: fmt.Sprintf("BL-%s-%d-%d", tag, d, x),
					HolderKind: identifier.HolderOrg, HolderRef: holder, IssueDate: day, ValidFrom: day, ValidUntil: until})
				if err != nil {
					t.Error(err)
					return
				}
				for tries := 0; ; tries++ {
					r, err := cl.Submit(ctx, raw, "sync")
					// a tx already in the cache was admitted by an earlier
					// attempt that timed out
					if (err == nil && r.Code == 0) || (tries > 0 && inCache(err, r)) {
						accepted.Add(1)
						break
					}
					if ctx.Err() != nil {
						t.Errorf("dept %d: %v", d, ctx.Err())
						return
					}
					// on a swamped machine the node may answer after the
					// client's timeout: send the same tx again
					if err != nil && strings.Contains(err.Error(), "Client.Timeout") && tries < 10 {
						continue
					}
					// a full mempool drains as blocks commit: wait and resend
					if full := (err != nil && strings.Contains(err.Error(), "mempool is full")) || (r != nil && r.Codespace == "mempool" && strings.Contains(r.Log, "mempool is full")); full {
						time.Sleep(200 * time.Millisecond)
						continue
					}
					t.Errorf("dept %d anchor %d: %v %+v", d, x, err, r)
					return
				}
			}
		}()
	}
	wg.Wait()
	return accepted.Load()
}

// inCache: the node refused a tx because this exact tx is in its mempool
// cache (an earlier attempt reached it).
func inCache(err error, r *client.SubmitResult) bool {
	if err != nil && (strings.Contains(err.Error(), "already exists in cache") || strings.Contains(err.Error(), "already submitted")) {
		return true
	}
	return r != nil && (strings.Contains(r.Log, "already exists in cache") || strings.Contains(r.Log, "already submitted"))
}

// snapshotAt is the newest complete snapshot height in node i's home.
func snapshotAt(net *testnet.Network, i int) int64 {
	dir := node.Home(net.Nodes[i].Home).SnapshotDir()
	ents, _ := os.ReadDir(dir)
	var best int64
	for _, e := range ents {
		h, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "meta.json")); err == nil && h > best {
			best = h
		}
	}
	return best
}

// catchUp starts node i and returns how long it took to reach height h
// with the app hash the validators have there.
func catchUp(ctx context.Context, t *testing.T, net *testnet.Network, i int, h int64) time.Duration {
	t.Helper()
	start := time.Now()
	if err := net.StartNode(i); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Client(i).WaitHeight(ctx, h+1); err != nil {
		t.Fatalf("node %d never reached %d: %v; see %s", i, h+1, err, filepath.Join(net.Nodes[i].Home, "node.log"))
	}
	took := time.Since(start)
	want, err := net.Client(0).State(ctx, "chain_id", h, true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := net.Client(i).State(ctx, "chain_id", h, true)
	if err != nil {
		t.Fatalf("node %d state at %d: %v", i, h, err)
	}
	if string(got.AppHash) != string(want.AppHash) {
		t.Fatalf("node %d app hash at %d is %X, validators have %X", i, h, got.AppHash, want.AppHash)
	}
	return took
}

// TestJoinByStateSync: a new department's node joins a loaded network by
// state sync, under load, and agrees with the validators; for comparison
// another new node block-syncs the same chain from genesis.
// GOVCHAIN_STATESYNC_RECORDS sets the records loaded first (default 1,500;
// docs/benchmarks.md has the 100,000-record run).
func TestJoinByStateSync(t *testing.T) {
	records := 1500
	if s := os.Getenv("GOVCHAIN_STATESYNC_RECORDS"); s != "" {
		records, _ = strconv.Atoi(s)
	}
	// generous bounds: a 100,000-record run on a shared 2-core machine
	// takes most of an hour
	ctx, cancel := context.WithTimeout(context.Background(), 75*time.Minute)
	defer cancel()
	net := startAnchorNet(ctx, t, 20)
	loadStart := time.Now()
	n := anchorLoad(ctx, t, net, 4, records, "before", nil)
	if t.Failed() {
		t.FailNow()
	}
	loaded, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d certificate records in %s; chain at height %d, %d state keys", n, time.Since(loadStart).Round(time.Second), loaded.Height, loaded.StateKeys)

	// A snapshot taken after the load, on the two nodes the joiner trusts.
	for deadline := time.Now().Add(20 * time.Minute); snapshotAt(net, 0) <= loaded.Height || snapshotAt(net, 1) <= loaded.Height; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot above height %d (node 0 has %d, node 1 %d)", loaded.Height, snapshotAt(net, 0), snapshotAt(net, 1))
		}
	}
	// The trust root: a header two departments' nodes agree on.
	var roots [2]bundle.TrustRoot
	for k := range roots {
		if err := net.Client(k).Get(ctx, fmt.Sprintf("/v1/verify/trust?height=%d", loaded.Height), &roots[k]); err != nil {
			t.Fatal(err)
		}
	}
	if roots[0].Hash == "" || roots[0].Hash != roots[1].Hash {
		t.Fatalf("nodes 0 and 1 disagree on header %d: %s vs %s", loaded.Height, roots[0].Hash, roots[1].Hash)
	}

	// Under load from here on.
	stop := make(chan struct{})
	var during atomic.Int64
	done := make(chan struct{})
	go func() { during.Store(anchorLoad(ctx, t, net, 4, 0, "during", stop)); close(done) }()
	defer func() {
		select {
		case <-done:
		default:
			close(stop)
			<-done
		}
	}()

	joinBase, err := testnet.FreeBasePort(2)
	if err != nil {
		t.Fatal(err)
	}
	ss, _, err := net.AddNode("ZJW", testnet.Departments[4].Name, joinBase)
	if err != nil {
		t.Fatal(err)
	}
	err = node.ConfigureStateSync(node.Home(net.Nodes[ss].Home), node.StateSyncOptions{
		RPCServers:    []string{net.Nodes[0].RPC, net.Nodes[1].RPC},
		TrustHeight:   roots[0].Height,
		TrustHash:     roots[0].Hash,
		DiscoveryTime: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	target, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ssStart := time.Now()
	stateSync := catchUp(ctx, t, net, ss, target.Height)
	logTimeline(t, net, ss, ssStart, joinMarks, false)
	logTimeline(t, net, 0, loadStart, []string{"snapshot taken", "snapshot skipped", "snapshot failed"}, true)
	st, err := net.Client(ss).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.StateVersions[0] <= loaded.Height {
		t.Fatalf("the joined node holds state from version %d: it replayed blocks instead of restoring a snapshot above %d", st.StateVersions[0], loaded.Height)
	}

	// The same chain by block sync, from genesis, for comparison.
	bs, _, err := net.AddNode("JW", testnet.Departments[5].Name, joinBase+10)
	if err != nil {
		t.Fatal(err)
	}
	bsStart := time.Now()
	blockSync := catchUp(ctx, t, net, bs, target.Height)
	logTimeline(t, net, bs, bsStart, []string{"Version info", "Block Sync Rate", "Time to switch to consensus", "Finalized block"}, false)
	close(stop)
	<-done
	t.Logf("join at height %d (%d records before, %d accepted during the joins): state sync %s (restored at %d), block sync %s, ratio %.2f",
		target.Height, n, during.Load(), stateSync.Round(100*time.Millisecond), st.StateVersions[0], blockSync.Round(100*time.Millisecond), stateSync.Seconds()/blockSync.Seconds())
	// Both followers keep agreeing with the validators after the load.
	agree(ctx, t, net, top(ctx, t, net)-1)
}

// top is node 0's height.
func top(ctx context.Context, t *testing.T, net *testnet.Network) int64 {
	t.Helper()
	s, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s.Height
}

// TestBackupWipeRestore: a validator's backup is taken while it runs; its
// data is lost; restored from the backup (state checked against the light
// client's app hash) it rejoins under load, agrees, and signs blocks again.
func TestBackupWipeRestore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	net := startAnchorNet(ctx, t, 10)
	n := anchorLoad(ctx, t, net, 4, 400, "before", nil)
	loaded := top(ctx, t, net)
	const victim = 3
	home := node.Home(net.Nodes[victim].Home)
	for deadline := time.Now().Add(5 * time.Minute); snapshotAt(net, victim) <= loaded; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("node %d took no snapshot above %d", victim, loaded)
		}
	}
	backup := filepath.Join(t.TempDir(), "backup")
	info, err := node.Backup(home, backup)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backup of node %d at height %d: %d chunks, %d bytes (%d records loaded)", victim, info.Height, info.Chunks, info.Bytes, n)

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { anchorLoad(ctx, t, net, 3, 0, "during", stop); close(done) }()
	defer func() {
		select {
		case <-done:
		default:
			close(stop)
			<-done
		}
	}()
	if err := net.KillNode(victim); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(home.Path("data")); err != nil { // the disk is lost
		t.Fatal(err)
	}
	if err := net.WaitHeight(ctx, top(ctx, t, net)+3); err != nil { // the others go on
		t.Fatal(err)
	}
	var root bundle.TrustRoot
	if err := net.Client(0).Get(ctx, fmt.Sprintf("/v1/verify/trust?height=%d", info.Height), &root); err != nil {
		t.Fatal(err)
	}
	if _, err := node.Restore(ctx, home, backup, node.RestoreOptions{StateSyncOptions: node.StateSyncOptions{
		RPCServers: []string{net.Nodes[0].RPC, net.Nodes[1].RPC}, TrustHeight: root.Height, TrustHash: root.Hash}}); err != nil {
		t.Fatal(err)
	}
	restart := top(ctx, t, net)
	catchUp(ctx, t, net, victim, restart)
	// It validates again: a commit after its restart carries its signature.
	addr := validatorAddress(t, home)
	rpc := rpcClient(t, net, 0)
	for h := restart + 1; ; h++ {
		if err := net.WaitHeight(ctx, h+1); err != nil {
			t.Fatal(err)
		}
		c, err := rpc.Commit(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		if signedBy(c.Commit.Signatures, addr) {
			t.Logf("restored validator signs again at height %d (restarted at %d)", h, restart)
			break
		}
		if h > restart+200 {
			t.Fatalf("restored validator signed none of blocks %d..%d", restart+1, h)
		}
	}
	close(stop)
	<-done
	agree(ctx, t, net, top(ctx, t, net)-1)
}

// startAnchorNet starts 4 validators that snapshot every interval blocks,
// every department may issue BL certificates, and the BL type is defined.
func startAnchorNet(ctx context.Context, t *testing.T, interval int64) *testnet.Network {
	t.Helper()
	grants := map[string][]string{}
	for _, d := range testnet.Departments[:4] {
		grants[d.Code] = []string{"issuer:BL"}
	}
	net := startNetWith(t, testnet.Options{Validators: 4, SnapshotInterval: interval, Grants: grants,
		GenesisModules: map[string]json.RawMessage{certificate.Name: certdemo.Genesis()}})
	defineBL(ctx, t, net)
	return net
}

func defineBL(ctx context.Context, t *testing.T, net *testnet.Network) {
	t.Helper()
	scjg, err := net.DeptKey(1)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := client.NewSigner(ctx, net.Client(1), net.ChainID, scjg)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := sg.Send(ctx, net.Client(1), certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照 business licence", MaxValidityDays: 1825}, "commit"); err != nil || r.Code != 0 {
		t.Fatalf("define BL: %v %+v", err, r)
	}
	if err := net.WaitHeight(ctx, top(ctx, t, net)+1); err != nil { // every node has the type
		t.Fatal(err)
	}
}

func rpcClient(t *testing.T, net *testnet.Network, i int) *rpchttp.HTTP {
	t.Helper()
	c, err := rpchttp.New("tcp://" + net.Nodes[i].RPC)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// validatorAddress is the consensus address of the node in home.
func validatorAddress(t *testing.T, home node.Home) []byte {
	t.Helper()
	cfg, err := home.CometConfig()
	if err != nil {
		t.Fatal(err)
	}
	return privval.LoadFilePVEmptyState(cfg.PrivValidatorKeyFile(), "").GetAddress()
}

func signedBy(sigs []cmttypes.CommitSig, addr []byte) bool {
	for _, s := range sigs {
		if s.BlockIDFlag == cmttypes.BlockIDFlagCommit && bytes.Equal(s.ValidatorAddress, addr) {
			return true
		}
	}
	return false
}

// joinMarks are the node.log messages that mark the stages of a join.
var joinMarks = []string{"Version info", "Starting state sync", "Discovering snapshots", "Discovered new snapshot",
	"Offering snapshot", "restoring snapshot", "Fetching snapshot chunk", "Applied snapshot chunk", "importing snapshot",
	"snapshot restored", "Verified ABCI app", "Snapshot restored", "Block Sync Rate", "Time to switch to consensus",
	"SwitchToConsensus", "Finalized block"}

// logTimeline logs, for each of marks, the first and the last line of
// node i's node.log containing it, with its offset from start, so the
// test's log shows where a join's time went (all: every such line).
func logTimeline(t *testing.T, net *testnet.Network, i int, start time.Time, marks []string, all bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(net.Nodes[i].Home, "node.log"))
	if err != nil {
		t.Log(err)
		return
	}
	type hit struct {
		at   time.Time
		line string
	}
	var hits []hit
	first, last := map[string]int{}, map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		// CometBFT's logger: "I[2006-01-02|15:04:05.000] msg key=value ..." in UTC
		if len(line) < 27 || line[1] != '[' || line[25] != ']' {
			continue
		}
		for _, m := range marks {
			if !strings.Contains(line, m) {
				continue
			}
			at, err := time.Parse("2006-01-02|15:04:05.000", line[2:25])
			if err != nil {
				break
			}
			if len(line) > 200 {
				line = line[:200]
			}
			if _, ok := first[m]; !ok {
				first[m] = len(hits)
			} else {
				last[m] = len(hits)
			}
			hits = append(hits, hit{at, strings.Join(strings.Fields(line[27:]), " ")})
			break
		}
	}
	var out strings.Builder
	for k, h := range hits {
		keep := all
		for m, f := range first {
			keep = keep || f == k || last[m] == k
		}
		if keep {
			fmt.Fprintf(&out, "  %+8.1fs %s\n", h.at.Sub(start).Seconds(), h.line)
		}
	}
	t.Logf("node %d (%s) timeline from its start:\n%s", i, net.Nodes[i].Dept, out.String())
}
