package testnet_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
)

// collector keeps what a follower was handed, refusing any event that is
// not strictly after the one before (a repeat or a step back).
type collector struct {
	mu     sync.Mutex
	events []client.Event
	cursor string // the last event's or progress mark's cursor
	errs   []string
}

func (c *collector) event(ev client.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cursor != "" {
		prev, _ := client.ParseCursor(c.cursor)
		if !ev.At().After(prev) {
			c.errs = append(c.errs, fmt.Sprintf("event %s handed after cursor %s (a repeat or out of order)", ev.Cursor, c.cursor))
		}
	}
	c.events = append(c.events, ev)
	c.cursor = ev.Cursor
	return nil
}

func (c *collector) progress(cur string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cursor = cur
	return nil
}

func (c *collector) state() (int, client.Cursor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur, _ := client.ParseCursor(c.cursor)
	return len(c.events), cur
}

// blockEvents derives the events of heights 1..h from the blocks as
// CometBFT's RPC serves them (block results and block txs), independently
// of the node's /v1/events: every ABCI event numbered in block order, the
// tx envelope and quorum certificate events left out.
func blockEvents(ctx context.Context, t *testing.T, rpcAddr string, h int64) []client.Event {
	t.Helper()
	rpc, err := rpchttp.New("http://" + rpcAddr)
	if err != nil {
		t.Fatal(err)
	}
	var out []client.Event
	for height := int64(1); height <= h; height++ {
		res, err := rpc.BlockResults(ctx, &height)
		if err != nil {
			t.Fatalf("block results %d: %v", height, err)
		}
		blk, err := rpc.Block(ctx, &height)
		if err != nil {
			t.Fatalf("block %d: %v", height, err)
		}
		idx := 0
		for i, r := range res.TxResults {
			for _, ev := range r.Events {
				if ev.Type != "tx" && ev.Type != "attest.qc" {
					e := client.Event{Cursor: fmt.Sprintf("%d.%d", height, idx), Type: ev.Type, TxIndex: i, TxHash: fmt.Sprintf("%X", blk.Block.Txs[i].Hash())}
					for _, a := range ev.Attributes {
						e.Attrs = append(e.Attrs, client.EventAttr{Key: a.Key, Value: a.Value})
					}
					out = append(out, e)
				}
				idx++
			}
		}
		for _, ev := range res.FinalizeBlockEvents {
			if ev.Type != "attest.qc" {
				e := client.Event{Cursor: fmt.Sprintf("%d.%d", height, idx), Type: ev.Type, TxIndex: -1}
				for _, a := range ev.Attributes {
					e.Attrs = append(e.Attrs, client.EventAttr{Key: a.Key, Value: a.Value})
				}
				out = append(out, e)
			}
			idx++
		}
	}
	return out
}

// sameEvents compares what a follower got (up to height h) with the
// blocks, event by event.
func sameEvents(t *testing.T, got, want []client.Event, h int64) {
	t.Helper()
	var upTo []client.Event
	for _, ev := range got {
		if ev.Height <= h {
			upTo = append(upTo, ev)
		}
	}
	if len(upTo) != len(want) {
		t.Errorf("follower got %d events up to height %d, the blocks hold %d", len(upTo), h, len(want))
	}
	for i := range min(len(upTo), len(want)) {
		g, w := upTo[i], want[i]
		if g.Cursor != w.Cursor || g.Type != w.Type || g.TxIndex != w.TxIndex || g.TxHash != w.TxHash || fmt.Sprint(g.Attrs) != fmt.Sprint(w.Attrs) {
			t.Fatalf("event %d: follower got %s %s tx %d %s %v; the block has %s %s tx %d %s %v", i,
				g.Cursor, g.Type, g.TxIndex, g.TxHash, g.Attrs, w.Cursor, w.Type, w.TxIndex, w.TxHash, w.Attrs)
		}
	}
}

// TestEventStreamSurvivesNodeRestart follows the event stream of node 3
// while three departments load the chain through nodes 0-2, kills node 3
// (SIGKILL) in the middle, restarts it, and checks the follower, resuming
// from its cursor, got every event of the blocks exactly once.
func TestEventStreamSurvivesNodeRestart(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const victim, perDept = 3, 60

	var got collector
	var reconnects sync.Map
	fctx, stop := context.WithCancel(ctx)
	followDone := make(chan error, 1)
	go func() {
		followDone <- net.Client(victim).FollowEvents(fctx, "", client.EventFilter{}, 500*time.Millisecond, got.event, got.progress,
			func(err error) { reconnects.Store(err.Error(), true) })
	}()

	var mu sync.Mutex
	var ids []smcrypto.KeyID
	var wg sync.WaitGroup
	submitted.Store(0)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got := load(ctx, t, net, i, perDept, func(i int) int { return i })
			mu.Lock()
			ids = append(ids, got...)
			mu.Unlock()
		}(i)
	}
	// kill the node serving the stream once the follower has events of
	// the load (identity.registered): the stream is mid-flow
	for {
		n, _ := got.state()
		if n >= 20 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("follower got %d events before the deadline", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := net.KillNode(victim); err != nil {
		t.Fatal(err)
	}
	nKill, at := got.state()
	t.Logf("node %d killed after the follower got %d events (cursor %s), %d of %d txs submitted", victim, nKill, at, submitted.Load(), 3*perDept)
	wg.Wait()
	// more events while the node is down
	for i := 0; i < 3; i++ {
		ids = append(ids, load(ctx, t, net, i, 10, func(i int) int { return i })...)
	}
	if len(ids) != 3*perDept+30 {
		t.Fatalf("acknowledged %d txs, want %d", len(ids), 3*perDept+30)
	}
	allPresent(ctx, t, net, ids)
	if err := net.StartNode(victim); err != nil {
		t.Fatal(err)
	}
	st, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := st.Height
	for {
		_, at := got.state()
		if at.Height >= h && at.Index < 0 || at.Height > h {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the follower did not get past height %d after the restart (at %s)", h, at)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-followDone; err != nil && err != context.Canceled {
		t.Fatalf("follow: %v", err)
	}
	var seen []string
	reconnects.Range(func(k, _ any) bool { seen = append(seen, k.(string)); return true })
	if len(seen) == 0 {
		t.Fatal("the follower never lost its connection: the kill did not hit the stream")
	}
	t.Logf("the follower reconnected after: %s", strings.Join(seen[:min(3, len(seen))], "; "))
	got.mu.Lock()
	defer got.mu.Unlock()
	for _, e := range got.errs {
		t.Error(e)
	}
	want := blockEvents(ctx, t, net.Nodes[0].RPC, h)
	if nKill >= len(want) {
		t.Fatalf("the follower had all %d events before the kill; it must hit mid-flow", nKill)
	}
	sameEvents(t, got.events, want, h)
	// and each registration the load made is there once
	reg := map[string]int{}
	for _, ev := range got.events {
		if ev.Type == "identity.registered" {
			reg[ev.Attr("key_id")]++
		}
	}
	for _, id := range ids {
		if reg[id.String()] != 1 {
			t.Errorf("account %s: %d identity.registered events, want 1", id, reg[id.String()])
		}
	}
	t.Logf("%d events up to height %d, each once, as in the blocks", len(want), h)
}
