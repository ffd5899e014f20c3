package testnet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	stdnet "net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/node/webhook"
	"github.com/govchain/govchain/testnet/proc"
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

	// each event is proven: its tx and its success, up to a header verified
	// from a trust root (another node's)
	if _, err := net.Client(1).WaitHeight(ctx, h+1); err != nil { // header h+1 commits block h's results
		t.Fatal(err)
	}
	trust, err := net.Client(0).VerifyTrust(ctx, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var proven int
	for i := 0; i < len(want); i += max(1, len(want)/5) {
		ev := got.events[i]
		p, err := net.Client(1).EventProof(ctx, ev.Cursor)
		if err != nil {
			t.Fatalf("proof of %s: %v", ev.Cursor, err)
		}
		if err := p.Verify(&ev, trust, time.Now()); err != nil {
			t.Fatalf("proof of %s: %v", ev.Cursor, err)
		}
		forged := ev
		forged.Signer = strings.Repeat("0", 40)
		if err := p.Verify(&forged, trust, time.Now()); err == nil {
			t.Fatalf("the proof of %s also proves the event with another signer", ev.Cursor)
		}
		p.Results[ev.TxIndex] = append(p.Results[ev.TxIndex], 0x08, 0x01) // code 1
		if err := p.Verify(&ev, trust, time.Now()); err == nil {
			t.Fatalf("the proof of %s holds with an altered result", ev.Cursor)
		}
		proven++
	}
	t.Logf("%d events proven up to a header verified from the trust root at height %d", proven, trust.Height)
}

// receiver is a webhook endpoint that can be down (answering 503, or not
// listening at all) and records what it accepted.
type receiver struct {
	secret []byte
	mu     sync.Mutex
	down   bool
	tries  int // deliveries refused while down
	got    []client.Event
	errs   []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.down {
		rc.tries++
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	if !webhook.Verify(rc.secret, body, r.Header.Get(webhook.HeaderSignature)) {
		rc.errs = append(rc.errs, "a delivery with a bad signature: "+r.Header.Get(webhook.HeaderSignature))
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev client.Event
	if err := json.Unmarshal(body, &ev); err != nil || ev.Cursor != r.Header.Get(webhook.HeaderCursor) || ev.Type != r.Header.Get(webhook.HeaderEvent) {
		rc.errs = append(rc.errs, fmt.Sprintf("delivery %s: body and headers disagree (%v)", r.Header.Get(webhook.HeaderCursor), err))
	}
	if n := len(rc.got); n > 0 && !ev.At().After(rc.got[n-1].At()) {
		rc.errs = append(rc.errs, fmt.Sprintf("event %s delivered after %s (a repeat or out of order)", ev.Cursor, rc.got[n-1].Cursor))
	}
	rc.got = append(rc.got, ev)
}

func (rc *receiver) state() (n, tries int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got), rc.tries
}

func (rc *receiver) setDown(d bool) {
	rc.mu.Lock()
	rc.down = d
	rc.mu.Unlock()
}

// TestWebhookReceiverDown runs `govchain webhook` as a process against a
// receiver that goes down (first refusing deliveries with 503, then not
// listening at all) while the chain keeps making events; the webhook
// process is killed and restarted in between. Once the receiver is back
// it must get every event of the filter, in order, each once, signed.
func TestWebhookReceiverDown(t *testing.T) {
	net := startNet(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	secret := "webhook-test-secret"
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rc := &receiver{secret: []byte(secret)}
	ln, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	srv := &http.Server{Handler: rc}
	go srv.Serve(ln)
	defer func() { srv.Close() }()

	var hook *exec.Cmd
	startHook := func() {
		t.Helper()
		hook = exec.Command(binary, "webhook", "--node", net.Nodes[0].API, "--url", "http://"+addr+"/hook",
			"--secret-file", filepath.Join(dir, "secret"), "--state", filepath.Join(dir, "cursor"),
			"--filter", "module=identity", "--min-backoff", "50ms", "--max-backoff", "400ms")
		logf, err := os.OpenFile(filepath.Join(dir, "webhook.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		hook.Stdout, hook.Stderr = logf, logf
		if err := proc.Start(hook); err != nil {
			t.Fatal(err)
		}
		logf.Close()
	}
	killHook := func() {
		_ = proc.KillGroup(hook.Process.Pid, syscall.SIGKILL)
		_ = hook.Wait()
	}
	startHook()
	t.Cleanup(func() {
		killHook()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "webhook.log"))
			t.Logf("--- webhook.log ---\n%s", b[max(0, len(b)-4000):])
		}
	})
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if ctx.Err() != nil {
				n, tries := rc.state()
				t.Fatalf("%s: not before the deadline (received %d, refused %d)", what, n, tries)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	var ids []smcrypto.KeyID
	ids = append(ids, load(ctx, t, net, 0, 10, func(int) int { return 0 })...)
	waitFor("first deliveries", func() bool { n, _ := rc.state(); return n >= 5 })

	// down (503): the chain goes on; the webhook retries with back-off
	rc.setDown(true)
	ids = append(ids, load(ctx, t, net, 0, 15, func(int) int { return 0 })...)
	waitFor("retries while the receiver is down", func() bool { _, tries := rc.state(); return tries >= 3 })
	// the relay itself restarts (SIGKILL) while the receiver is down
	killHook()
	startHook()
	_, before := rc.state()
	waitFor("retries of the restarted webhook", func() bool { _, tries := rc.state(); return tries >= before+2 })
	// and then the receiver is not even listening
	srv.Close()
	ids = append(ids, load(ctx, t, net, 0, 15, func(int) int { return 0 })...)
	allPresent(ctx, t, net, ids)
	rc.setDown(false)
	if ln, err = stdnet.Listen("tcp", addr); err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv = &http.Server{Handler: rc}
	go srv.Serve(ln)

	st, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []client.Event
	for _, ev := range blockEvents(ctx, t, net.Nodes[0].RPC, st.Height) {
		if strings.HasPrefix(ev.Type, "identity.") {
			want = append(want, ev)
		}
	}
	waitFor("every event after the receiver is back", func() bool { n, _ := rc.state(); return n >= len(want) })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, e := range rc.errs {
		t.Error(e)
	}
	got := rc.got
	sameEvents(t, got, want, st.Height)
	reg := map[string]int{}
	for _, ev := range got {
		reg[ev.Attr("key_id")]++
	}
	for _, id := range ids {
		if reg[id.String()] != 1 {
			t.Errorf("account %s: delivered %d times, want once", id, reg[id.String()])
		}
	}
	t.Logf("%d events delivered in order, each once; %d deliveries refused while down", len(got), rc.tries)

	// `govchain watch --no-follow` (docs/integration.md) prints the same
	// events, and with a cursor file a second run prints none
	cursorFile := filepath.Join(dir, "watch.cursor")
	watch := func() []string {
		out, err := exec.Command(binary, "watch", "--node", net.Nodes[0].API, "--no-follow", "--filter", "module=identity",
			"--cursor-file", cursorFile, "--limit", "7", "-o", "json").Output()
		if err != nil {
			t.Fatalf("govchain watch: %v", err)
		}
		return strings.Fields(string(out))
	}
	lines := watch()
	var printed []client.Event
	for _, l := range lines {
		var ev client.Event
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("watch -o json printed %q: %v", l, err)
		}
		printed = append(printed, ev)
	}
	sameEvents(t, printed, want, st.Height)
	if again := watch(); len(again) != 0 {
		t.Fatalf("watch resumed from its cursor file and printed %d events again", len(again))
	}
}
