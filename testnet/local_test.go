package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

var binary string

// TestMain builds the govchain binary once; the networks run it as real
// separate processes talking CometBFT p2p over 127.0.0.1.
func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		runNetworkHelper(dir, os.Getenv("GOVCHAIN_TEST_BINARY"))
		return
	}
	dir, err := os.MkdirTemp("", "govchain-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "govchain")
	out, err := exec.Command("go", "build", "-o", binary, "../cmd/govchain").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build govchain: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func startNet(t *testing.T, n int) *testnet.Network {
	return startNetWith(t, testnet.Options{Validators: n})
}

// startNetWith creates and starts a network of separate processes on free
// ports (o.BasePort is filled in; o.Binary, the test binary, and
// o.TimeoutCommit, 300 ms, when not set), dumps the nodes' logs if the
// test fails, and stops it after.
func startNetWith(t *testing.T, o testnet.Options) *testnet.Network {
	t.Helper()
	base, err := testnet.FreeBasePort(o.Validators)
	if err != nil {
		t.Fatal(err)
	}
	o.BasePort = base
	if o.Binary == "" {
		o.Binary = binary
	}
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = 300 * time.Millisecond
	}
	net, err := testnet.Create(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, ni := range net.Nodes {
				b, _ := os.ReadFile(filepath.Join(ni.Home, "node.log"))
				if len(b) > 3000 {
					b = b[len(b)-3000:]
				}
				t.Logf("--- tail of %s node.log ---\n%s", ni.Dept, b)
			}
		}
		_ = net.Stop()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := net.Start(ctx, 2); err != nil {
		t.Fatal(err)
	}
	return net
}

// load sends count register-account txs from department i's admin key to
// node i, returning the officer key ids it registered.
var submitted atomic.Int64

func load(ctx context.Context, t *testing.T, net *testnet.Network, i, count int, nodeFor func(int) int) []smcrypto.KeyID {
	t.Helper()
	admin, err := net.DeptKey(i)
	if err != nil {
		t.Error(err)
		return nil
	}
	c := net.Client(nodeFor(i))
	s, err := client.NewSigner(ctx, c, net.ChainID, admin)
	if err != nil {
		t.Error(err)
		return nil
	}
	var ids []smcrypto.KeyID
	for j := 0; j < count; j++ {
		k, _ := smcrypto.GenerateKey()
		reg, err := s.RegisterAccount(k, fmt.Sprintf("officer %d", j))
		if err != nil {
			t.Error(err)
			return ids
		}
		raw, err := s.Build(identity.MsgRegisterAccount, reg)
		if err != nil {
			t.Error(err)
			return ids
		}
		r, err := c.Submit(ctx, raw, "sync")
		if err != nil || r.Code != 0 {
			t.Errorf("dept %d tx %d: %v %+v", i, j, err, r)
			return ids
		}
		ids = append(ids, k.PublicKey().ID())
		submitted.Add(1)
	}
	return ids
}

// agree waits until every running node has committed height h and checks
// they report the same app hash for it, returning that hash.
func agree(ctx context.Context, t *testing.T, net *testnet.Network, h int64) []byte {
	t.Helper()
	if err := net.WaitHeight(ctx, h+1); err != nil {
		t.Fatal(err)
	}
	var ref []byte
	for i := range net.Nodes {
		if !net.Running(i) {
			continue
		}
		r, err := net.Client(i).State(ctx, "chain_id", h, true)
		if err != nil {
			t.Fatalf("node %d state at %d: %v", i, h, err)
		}
		if r.Height != h {
			t.Fatalf("node %d answered height %d, want %d", i, r.Height, h)
		}
		if err := r.Proof.Verify(r.AppHash); err != nil {
			t.Fatalf("node %d proof: %v", i, err)
		}
		if ref == nil {
			ref = r.AppHash
		} else if !bytes.Equal(ref, r.AppHash) {
			t.Fatalf("node %d app hash at %d is %X, node 0 has %X", i, h, r.AppHash, ref)
		}
	}
	return ref
}

// allPresent waits until every id is registered on every running node.
func allPresent(ctx context.Context, t *testing.T, net *testnet.Network, ids []smcrypto.KeyID) {
	t.Helper()
	for i := range net.Nodes {
		if !net.Running(i) {
			continue
		}
		c := net.Client(i)
		for _, id := range ids {
			for {
				_, err := c.Account(ctx, id)
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					t.Fatalf("node %d never committed account %s: %v", i, id, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
}

func TestFourValidatorsCommitSignedTxs(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var mu sync.Mutex
	var ids []smcrypto.KeyID
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got := load(ctx, t, net, i, 55, func(i int) int { return i })
			mu.Lock()
			ids = append(ids, got...)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	if len(ids) != 220 {
		t.Fatalf("submitted %d txs, want 220", len(ids))
	}
	allPresent(ctx, t, net, ids)
	s, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	agree(ctx, t, net, s.Height)
	// every department's admin sequence advanced by exactly 55 on every node
	for i := range net.Nodes {
		for d := 0; d < 4; d++ {
			k, _ := net.DeptKey(d)
			a, err := net.Client(i).Account(ctx, k.PublicKey().ID())
			if err != nil || a.Sequence != 55 {
				t.Fatalf("node %d: dept %d admin sequence %v %v, want 55", i, d, a, err)
			}
		}
	}
}

func TestRejectedTxSurfacesCode(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	k, _ := smcrypto.GenerateKey() // not registered
	s := &client.Signer{ChainID: net.ChainID, Key: k}
	s.Rewind(1)
	reg, err := identity.NewRegisterAccount(net.ChainID, net.Nodes[0].Dept, k, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(ctx, net.Client(0), identity.MsgRegisterAccount, reg, "sync")
	rej, ok := err.(*client.RejectedError)
	if !ok {
		t.Fatalf("want a RejectedError, got %v", err)
	}
	if rej.Result.Codespace != "tx" || rej.Result.Code != 6 {
		t.Fatalf("unknown signer surfaced as %s/%d %q, want tx/6", rej.Result.Codespace, rej.Result.Code, rej.Result.Log)
	}
}

// TestCrashRecovery kills a validator with SIGKILL in the middle of a load,
// keeps the load going on the others, restarts it, and checks it rejoins
// with the same app hash and every acknowledged tx.
func TestCrashRecovery(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var mu sync.Mutex
	var ids []smcrypto.KeyID
	var wg sync.WaitGroup
	submitted.Store(0)
	// departments 0-2 load through nodes 0-2; node 3 is the victim
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got := load(ctx, t, net, i, 100, func(i int) int { return i })
			mu.Lock()
			ids = append(ids, got...)
			mu.Unlock()
		}(i)
	}
	for submitted.Load() < 30 {
		if ctx.Err() != nil {
			t.Fatalf("only %d txs submitted before the deadline", submitted.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := net.KillNode(3); err != nil {
		t.Fatal(err)
	}
	if n := submitted.Load(); n >= 300 {
		t.Fatalf("kill came after the load finished (%d txs); it must hit mid-load", n)
	} else {
		t.Logf("node 3 killed with SIGKILL after %d of 300 txs", n)
	}
	wg.Wait()
	allPresent(ctx, t, net, ids)
	if err := net.StartNode(3); err != nil {
		t.Fatal(err)
	}
	s, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Client(3).WaitHeight(ctx, s.Height+1); err != nil {
		t.Fatalf("restarted node did not catch up: %v", err)
	}
	agree(ctx, t, net, s.Height)
	allPresent(ctx, t, net, ids)
	if len(ids) != 300 {
		t.Fatalf("acknowledged %d txs, want 300", len(ids))
	}
}

var jsonMarshal = json.Marshal

// caughtUp waits until every node of net has the height node from is at:
// a write committed through one node can be a block away on another.
func caughtUp(ctx context.Context, t *testing.T, net *testnet.Network, from int) {
	t.Helper()
	st, err := net.Client(from).Status(ctx)
	if err == nil {
		err = net.WaitHeight(ctx, st.Height)
	}
	if err != nil {
		t.Fatal(err)
	}
}
