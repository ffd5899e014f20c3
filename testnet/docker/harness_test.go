package docker

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
)

// up generates a fresh 4-validator network in a temporary directory, starts
// it and removes it when the test ends (dumping container logs on failure).
func up(t *testing.T, validators int) *Network {
	t.Helper()
	return upWith(t, validators, nil)
}

// upWith is up with a step between generating the network and starting it
// (prepare, when not nil: a change to the generated homes, proxies).
func upWith(t testing.TB, validators int, prepare func(*Network) error) *Network {
	t.Helper()
	needDocker(t)
	net, err := Generate(t.TempDir(), Options{Validators: validators, Image: image, ChainID: "govchain-e2e"})
	if err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		if err := prepare(net); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if t.Failed() {
			for i := range net.Nodes {
				logs, _ := net.Logs(ctx, i, 25)
				t.Logf("--- last lines of %s ---\n%s", net.Nodes[i].Container, logs)
			}
		}
		_ = net.Heal(ctx)
		if err := net.Down(ctx); err != nil {
			t.Errorf("compose down: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.Up(ctx); err != nil {
		t.Fatal(err)
	}
	return net
}

// ---- signed-tx load ----

// ack is a tx the client was told is committed (wait=commit, code 0).
type ack struct {
	signer int
	node   int
	raw    []byte
	height int64
	id     smcrypto.KeyID
	sent   time.Time // submitted
	done   time.Time // acknowledged: sent..done is the commit latency
}

// load keeps one goroutine per signer (each department's admin key) sending
// register-account txs with wait=commit, one at a time, to the signer's own
// department's node or, when that one is out of the target set or failing,
// to the next one. A tx counts as acknowledged only when the node answered
// code 0 with a commit height; timeouts and errors are not acknowledged
// (such a tx may still commit later) and make the signer re-read its
// sequence.
type load struct {
	net      *Network
	mu       sync.Mutex
	targets  []bool
	acks     []ack
	failures int
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

func startLoad(t testing.TB, net *Network, maxDuration time.Duration) *load {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), maxDuration)
	l := &load{net: net, targets: make([]bool, len(net.Nodes)), cancel: cancel}
	for i := range l.targets {
		l.targets[i] = true
	}
	for i := range net.Nodes {
		k, err := net.DeptKey(i)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		l.wg.Add(1)
		go l.signer(ctx, i, k)
	}
	t.Cleanup(func() { l.stop() })
	return l
}

func (l *load) setTarget(i int, on bool) {
	l.mu.Lock()
	l.targets[i] = on
	l.mu.Unlock()
}

func (l *load) pick(pref, attempt int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.targets)
	for k := 0; k < n; k++ {
		j := (pref + attempt + k) % n
		if l.targets[j] {
			return j
		}
	}
	return -1
}

func (l *load) signer(ctx context.Context, i int, key *smcrypto.PrivateKey) {
	defer l.wg.Done()
	s := &client.Signer{ChainID: l.net.ChainID, Key: key, Dept: l.net.Nodes[i].Dept}
	synced := false
	attempt := 0
	pause := func(d time.Duration) {
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	for ctx.Err() == nil {
		nd := l.pick(i, attempt)
		if nd < 0 {
			pause(200 * time.Millisecond)
			continue
		}
		c := l.net.Client(nd)
		c.HTTP.Timeout = 20 * time.Second
		if !synced {
			rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			a, err := c.Account(rctx, key.PublicKey().ID())
			cancel()
			if err != nil {
				attempt++
				pause(300 * time.Millisecond)
				continue
			}
			s.Rewind(a.NextSequence)
			synced = true
		}
		officer, err := smcrypto.GenerateKey()
		if err != nil {
			panic(err)
		}
		reg, err := s.RegisterAccount(officer, fmt.Sprintf("officer of dept %d", i))
		if err != nil {
			panic(err)
		}
		raw, err := s.Build(identity.MsgRegisterAccount, reg)
		if err != nil {
			panic(err)
		}
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		sent := time.Now()
		r, err := c.Submit(rctx, raw, "commit")
		cancel()
		if err == nil && r.Code == 0 && r.Height > 0 {
			l.mu.Lock()
			l.acks = append(l.acks, ack{signer: i, node: nd, raw: raw, height: r.Height, id: officer.PublicKey().ID(), sent: sent, done: time.Now()})
			l.mu.Unlock()
			continue
		}
		l.mu.Lock()
		l.failures++
		l.mu.Unlock()
		synced = false
		attempt++
		pause(200 * time.Millisecond)
	}
}

func (l *load) acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acks)
}

// ackedAbove counts acknowledged txs committed above height h.
func (l *load) ackedAbove(h int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, a := range l.acks {
		if a.height > h {
			n++
		}
	}
	return n
}

// stop ends the load and returns every acknowledged tx.
func (l *load) stop() []ack {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ack(nil), l.acks...)
}

// waitAcks waits until at least n txs are acknowledged in total.
func (l *load) waitAcks(t testing.TB, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for l.acked() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d txs acknowledged after %s, want %d", l.acked(), within, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ---- heights ----

// height is node i's committed height, or -1 when it does not answer.
func height(net *Network, i int) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := net.Client(i).Status(ctx)
	if err != nil {
		return -1
	}
	return s.Height
}

// liveHeight is height for a node that is up (halted or isolated, not
// stopped): one slow status call on a loaded machine is retried rather
// than read as -1.
func liveHeight(net *Network, i int) int64 {
	h := height(net, i)
	for try := 0; h < 0 && try < 5; try++ {
		time.Sleep(time.Second)
		h = height(net, i)
	}
	return h
}

// top is the highest height among nodes.
func top(net *Network, nodes ...int) int64 {
	var h int64 = -1
	for _, i := range nodes {
		if x := height(net, i); x > h {
			h = x
		}
	}
	return h
}

func all(net *Network) []int {
	var out []int
	for i := range net.Nodes {
		out = append(out, i)
	}
	return out
}

func others(net *Network, except ...int) []int {
	var out []int
	for i := range net.Nodes {
		skip := false
		for _, e := range except {
			skip = skip || e == i
		}
		if !skip {
			out = append(out, i)
		}
	}
	return out
}

// monitor polls every node's height and records when the network's height
// (the highest any node reports) grows, to measure stalls.
type monitor struct {
	net    *Network
	mu     sync.Mutex
	top    int64
	incs   []time.Time // times the network height increased
	cancel context.CancelFunc
	done   chan struct{}
}

func startMonitor(t testing.TB, net *Network) *monitor {
	ctx, cancel := context.WithCancel(context.Background())
	m := &monitor{net: net, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			hs := make([]int64, len(net.Nodes))
			var wg sync.WaitGroup
			for i := range net.Nodes {
				wg.Add(1)
				go func(i int) { defer wg.Done(); hs[i] = heightCtx(ctx, net, i) }(i)
			}
			wg.Wait()
			now := time.Now()
			m.mu.Lock()
			for _, h := range hs {
				if h > m.top {
					m.top = h
					m.incs = append(m.incs, now)
				}
			}
			m.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(m.stop)
	return m
}

func heightCtx(ctx context.Context, net *Network, i int) int64 {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	s, err := net.Client(i).Status(ctx)
	if err != nil {
		return -1
	}
	return s.Height
}

func (m *monitor) stop() { m.cancel(); <-m.done }

// interval is the median time between new blocks within [from, to].
func (m *monitor) interval(from, to time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	var gaps []time.Duration
	var prev time.Time
	for _, at := range m.incs {
		if at.Before(from) || at.After(to) {
			continue
		}
		if !prev.IsZero() {
			gaps = append(gaps, at.Sub(prev))
		}
		prev = at
	}
	if len(gaps) == 0 {
		return 0
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	return gaps[len(gaps)/2]
}

// stall is the longest time within [from, to] during which no node
// committed a new block.
func (m *monitor) stall(from, to time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	prev, worst := from, time.Duration(0)
	for _, at := range m.incs {
		if at.Before(from) {
			continue
		}
		if at.After(to) {
			break
		}
		if d := at.Sub(prev); d > worst {
			worst = d
		}
		prev = at
	}
	if d := to.Sub(prev); d > worst {
		worst = d
	}
	return worst
}

// firstBlockAfter waits for the network height to grow after t0 and
// returns how long that took.
func (m *monitor) firstBlockAfter(t testing.TB, t0 time.Time, within time.Duration) time.Duration {
	t.Helper()
	deadline := t0.Add(within)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		for _, at := range m.incs {
			if at.After(t0) {
				m.mu.Unlock()
				return at.Sub(t0)
			}
		}
		m.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no new block within %s", within)
	return 0
}

// waitCaughtUp waits until node i has block-synced or gossiped its way to
// the others' height and returns how long it took.
func waitCaughtUp(t testing.TB, net *Network, i int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		s, err := net.Client(i).Status(ctx)
		cancel()
		if err == nil && !s.CatchingUp {
			if s.Height >= top(net, others(net, i)...)-1 {
				return time.Since(start)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("node %d did not catch up within %s (at %d, others at %d)", i, within, height(net, i), top(net, others(net, i)...))
	return 0
}

// ---- verification ----

type blockMeta struct {
	BlockID struct {
		Hash string `json:"hash"`
	} `json:"block_id"`
	Header struct {
		Height  string `json:"height"`
		AppHash string `json:"app_hash"`
	} `json:"header"`
}

func rpcGet(ctx context.Context, net *Network, i int, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", net.RPCURL(i)+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
			Data    string `json:"data"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("node %d RPC %s: %w", i, path, err)
	}
	if env.Error != nil {
		return fmt.Errorf("node %d RPC %s: %s %s", i, path, env.Error.Message, env.Error.Data)
	}
	return json.Unmarshal(env.Result, out)
}

// blockMetas returns node i's block id and header app hash for heights 1..h.
func blockMetas(ctx context.Context, net *Network, i int, h int64) (map[int64]blockMeta, error) {
	return blockMetasFrom(ctx, net, i, 1, h)
}

// blockMetasFrom is blockMetas for heights base..h.
func blockMetasFrom(ctx context.Context, net *Network, i int, base, h int64) (map[int64]blockMeta, error) {
	out := map[int64]blockMeta{}
	for lo := base; lo <= h; lo += 20 {
		hi := min(lo+19, h)
		var r struct {
			BlockMetas []blockMeta `json:"block_metas"`
		}
		if err := rpcGet(ctx, net, i, fmt.Sprintf("/blockchain?minHeight=%d&maxHeight=%d", lo, hi), &r); err != nil {
			return nil, err
		}
		for _, m := range r.BlockMetas {
			ht, _ := strconv.ParseInt(m.Header.Height, 10, 64)
			out[ht] = m
		}
	}
	if int64(len(out)) != h-base+1 {
		return nil, fmt.Errorf("node %d returned %d block metas for heights %d..%d", i, len(out), base, h)
	}
	return out, nil
}

// verify checks, after the faults are over and the load stopped, that
// every node reached a common height H+1, that all nodes have identical
// block hashes and header app hashes at every height 1..H+1 (no fork), that
// the app hash at H proven through the API (ICS23) is the same everywhere
// and equals header H+1's, and that every acknowledged tx is inside the
// block it was acknowledged at and its account is registered on every
// node. It returns H and the number of acknowledged txs missing anywhere.
func verify(t testing.TB, net *Network, acks []ack) (int64, int) {
	t.Helper()
	return verifyFrom(t, net, acks, nil)
}

// verifyFrom is verify where node i holds blocks only from base[i] on (it
// was restored from a snapshot or a backup at base[i]-1): its blocks are
// compared from there.
func verifyFrom(t testing.TB, net *Network, acks []ack, base map[int]int64) (int64, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h := top(net, all(net)...)
	for i := range net.Nodes {
		if _, err := net.Client(i).WaitHeight(ctx, h+1); err != nil {
			t.Fatalf("node %d never reached %d: %v", i, h+1, err)
		}
	}
	ref, err := blockMetas(ctx, net, 0, h+1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(net.Nodes); i++ {
		lo := max(base[i], 1)
		got, err := blockMetasFrom(ctx, net, i, lo, h+1)
		if err != nil {
			t.Fatal(err)
		}
		for ht := lo; ht <= h+1; ht++ {
			if got[ht].BlockID.Hash != ref[ht].BlockID.Hash || got[ht].Header.AppHash != ref[ht].Header.AppHash {
				t.Fatalf("FORK at height %d: node %d has block %s app hash %s, node 0 has %s / %s",
					ht, i, got[ht].BlockID.Hash, got[ht].Header.AppHash, ref[ht].BlockID.Hash, ref[ht].Header.AppHash)
			}
		}
	}
	for i := range net.Nodes {
		r, err := net.Client(i).State(ctx, "chain_id", h, true)
		if err != nil {
			t.Fatalf("node %d state at %d: %v", i, h, err)
		}
		if r.Height != h {
			t.Fatalf("node %d answered height %d, want %d", i, r.Height, h)
		}
		if err := r.Proof.Verify(r.AppHash); err != nil {
			t.Fatalf("node %d proof at %d: %v", i, h, err)
		}
		if got := fmt.Sprintf("%X", r.AppHash); got != ref[h+1].Header.AppHash {
			t.Fatalf("node %d proves app hash %s at %d; header %d carries %s", i, got, h, h+1, ref[h+1].Header.AppHash)
		}
	}
	// acknowledged txs: in the block they were acknowledged at (identical
	// on every node, checked above) and applied on every node
	blocks := map[int64][][]byte{}
	lost := 0
	for _, a := range acks {
		txs, ok := blocks[a.height]
		if !ok {
			var r struct {
				Block struct {
					Data struct {
						Txs []string `json:"txs"`
					} `json:"data"`
				} `json:"block"`
			}
			if err := rpcGet(ctx, net, 0, fmt.Sprintf("/block?height=%d", a.height), &r); err != nil {
				t.Fatal(err)
			}
			for _, s := range r.Block.Data.Txs {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					t.Fatal(err)
				}
				txs = append(txs, b)
			}
			blocks[a.height] = txs
		}
		found := false
		for _, b := range txs {
			found = found || bytes.Equal(b, a.raw)
		}
		if !found {
			lost++
			t.Errorf("LOST: tx of signer %d acknowledged by node %d at height %d is not in that block", a.signer, a.node, a.height)
			continue
		}
		for i := range net.Nodes {
			r, err := net.Client(i).Account(ctx, a.id)
			if err != nil || r.Account == nil {
				lost++
				t.Errorf("LOST: node %d lacks account %s registered at height %d: %v", i, a.id, a.height, err)
				break
			}
		}
	}
	return h, lost
}

// ---- results ----

type result struct {
	order    int
	Scenario string
	Baseline time.Duration // median block interval under load before the fault
	Stall    time.Duration // longest time without a new block in the fault window
	Recovery time.Duration // remedy (restart, heal, unpause) to progress / catch-up
	Acked    int
	Lost     int
	Height   int64
	Interval time.Duration // median block interval in the fault window (0: not measured)
	Latency  time.Duration // median commit latency of the txs acknowledged in it (0: not measured)
	Verdict  string
	Note     string
}

var (
	resultsMu sync.Mutex
	results   []*result
)

// record adds r to the summary; its verdict is decided when the test ends.
func record(t testing.TB, r *result) {
	resultsMu.Lock()
	r.order = len(results)
	results = append(results, r)
	resultsMu.Unlock()
	t.Cleanup(func() {
		resultsMu.Lock()
		defer resultsMu.Unlock()
		switch {
		case t.Failed():
			r.Verdict = "FAIL"
		case t.Skipped():
			r.Verdict = "SKIP"
		default:
			r.Verdict = "PASS"
		}
		t.Logf("%s: block interval before the fault %.2fs, stall %.1fs, recovery %.1fs, %d txs acknowledged, %d lost, height %d: %s",
			r.Scenario, r.Baseline.Seconds(), r.Stall.Seconds(), r.Recovery.Seconds(), r.Acked, r.Lost, r.Height, r.Verdict)
	})
}

func summaryTable() string {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	if len(results) == 0 {
		return ""
	}
	rs := append([]*result(nil), results...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].order < rs[j].order })
	var b strings.Builder
	var lo, hi time.Duration
	for _, r := range rs {
		if r.Baseline > 0 && (lo == 0 || r.Baseline < lo) {
			lo = r.Baseline
		}
		hi = max(hi, r.Baseline)
	}
	fmt.Fprintf(&b, "Median block interval under load before each fault: %.2f–%.2f s.\n\n", lo.Seconds(), hi.Seconds())
	b.WriteString("| scenario | stall s | recovery s | block interval s | commit latency s | txs acknowledged | txs lost | final height | verdict | measured as |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for _, r := range rs {
		v := r.Verdict
		if v == "" {
			v = "INCOMPLETE"
		}
		esc := strings.NewReplacer("|", `\|`).Replace
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %s | %s | %d | %d | %d | %s | %s |\n", esc(r.Scenario), r.Stall.Seconds(), r.Recovery.Seconds(),
			secs(r.Interval), secs(r.Latency), r.Acked, r.Lost, r.Height, v, esc(r.Note))
	}
	return b.String()
}

// secs is d in seconds for the table, or – when it was not measured.
func secs(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", d.Seconds())
}

// commitLatency is the median and 95th percentile of sent..done of the
// txs acknowledged within [from, to].
func (l *load) commitLatency(from, to time.Time) (median, p95 time.Duration) {
	l.mu.Lock()
	var ds []time.Duration
	for _, a := range l.acks {
		if !a.done.Before(from) && !a.done.After(to) {
			ds = append(ds, a.done.Sub(a.sent))
		}
	}
	l.mu.Unlock()
	if len(ds) == 0 {
		return 0, 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], ds[(len(ds)*95)/100]
}
