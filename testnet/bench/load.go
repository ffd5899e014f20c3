package bench

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/jsonrpc/client"
	rpctypes "github.com/cometbft/cometbft/rpc/jsonrpc/types"
	cmttypes "github.com/cometbft/cometbft/types"
)

// Load is a set of pre-built transactions split into queues. A queue's txs
// go, in order, to one node, one at a time: a signer's txs must reach the
// chain in sequence order, so each signer is one queue.
type Load struct {
	Queues []*Queue
	items  []item
	byHash map[[32]byte]int32
}

// Queue is one sender's txs, all for node Node.
type Queue struct {
	Node  int
	items []int32
	next  int
	tries int
}

type item struct {
	raw    []byte
	sent   int64 // unix ns of the first submission, 0 = never sent
	height int64 // inclusion height, 0 = not found in a block
}

// NewLoad builds an empty load with room for n txs.
func NewLoad(n int) *Load {
	return &Load{items: make([]item, 0, n), byHash: make(map[[32]byte]int32, n)}
}

// NewQueue adds a queue bound to node i.
func (l *Load) NewQueue(node int) *Queue {
	q := &Queue{Node: node}
	l.Queues = append(l.Queues, q)
	return q
}

// Add appends raw to q.
func (l *Load) Add(q *Queue, raw []byte) {
	i := int32(len(l.items))
	l.items = append(l.items, item{raw: raw})
	l.byHash[sha256.Sum256(raw)] = i
	q.items = append(q.items, i)
}

// Len is the number of txs in the load.
func (l *Load) Len() int { return len(l.items) }

// RunOptions say how to offer the load.
type RunOptions struct {
	// Rate > 0 offers that many txs per second in total (open loop, spread
	// evenly over the nodes); 0 sends as fast as the nodes accept (every
	// queue keeps one tx in flight).
	Rate float64
	// Warmup is excluded from the measurement; Window follows it.
	Warmup, Window time.Duration
	// MinWindowBlocks > 0 extends the window past Window until node 0 has
	// committed that many blocks inside it, at least one of them with txs
	// (at most 60 × Window), so a short window measures something however
	// slow the machine is.
	MinWindowBlocks int64
}

// LoadResult is what one offered load achieved.
type LoadResult struct {
	Offered   float64 `json:"offered_tps,omitempty"`
	Sent      int     `json:"sent"`      // distinct txs submitted
	Accepted  int     `json:"accepted"`  // accepted into a mempool
	Committed int     `json:"committed"` // found in a committed block
	InWindow  int     `json:"in_window"` // committed inside the window
	Retries   int64   `json:"retries"`   // resubmissions (mempool full, stale sequence)
	Rejected  int     `json:"rejected"`  // queues abandoned after repeated rejections
	FirstErr  string  `json:"first_error,omitempty"`
	WindowSec float64 `json:"window_s"`
	TPS       float64 `json:"tps"`
	P50Sec    float64 `json:"p50_s"`
	P99Sec    float64 `json:"p99_s"`
	Latencies int     `json:"latency_samples"`
	FromH     int64   `json:"from_height"`
	ToH       int64   `json:"to_height"`
	Exhausted bool    `json:"exhausted,omitempty"` // ran out of pre-built txs inside the window
	CPU       CPUUse  `json:"cpu"`                 // during the window
}

// maxTries: a queue that keeps failing (not for a full mempool) is given
// up; its error is reported.
const maxTries = 200

// Run offers the load to the network and measures, from node 0's commit
// events, how many txs committed in the window and each tx's latency from
// its first submission to the commit of its block.
func (l *Load) Run(ctx context.Context, n *Net, o RunOptions) (*LoadResult, error) {
	commits, stopWatch, err := watchCommits(ctx, n, 0)
	if err != nil {
		return nil, err
	}
	defer stopWatch()
	h0, err := n.Height(ctx, 0)
	if err != nil {
		return nil, err
	}
	res := &LoadResult{Offered: o.Rate, FromH: h0 + 1}
	start := time.Now()
	wStart, wEnd := start.Add(o.Warmup), start.Add(o.Warmup+o.Window)
	var runCtx context.Context
	var cancel context.CancelFunc
	var endMu sync.Mutex
	ender := make(chan struct{})
	if o.MinWindowBlocks <= 0 {
		close(ender)
		runCtx, cancel = context.WithDeadline(ctx, wEnd)
	} else {
		runCtx, cancel = context.WithDeadline(ctx, wStart.Add(60*o.Window))
		// End the window on time and blocks, whichever is later, and not
		// before a block with txs has committed inside it and node 0's
		// commit watcher has seen that height (so its commit time is inside
		// the window): on a slow or loaded machine the first blocks of the
		// window can be empty while the mempools fill.
		go func() {
			defer close(ender)
			select {
			case <-time.After(time.Until(wStart)):
			case <-runCtx.Done():
				return
			}
			hStart, _ := n.Height(runCtx, 0)
			next, sawTxs := hStart+1, false
			for runCtx.Err() == nil {
				h, err := n.Height(runCtx, 0)
				for err == nil && !sawTxs && next <= h {
					to := min(h, next+19) // BlockchainInfo answers at most 20 heights
					bi, berr := n.RPC(0).BlockchainInfo(runCtx, next, to)
					if berr != nil {
						break
					}
					for _, m := range bi.BlockMetas {
						sawTxs = sawTxs || m.NumTxs > 0
					}
					next = to + 1
				}
				if err == nil && sawTxs && time.Now().After(wEnd) && h >= hStart+o.MinWindowBlocks && commits.seen(h) {
					endMu.Lock()
					wEnd = time.Now()
					endMu.Unlock()
					cancel()
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	defer cancel()

	var senders []*sender
	for i := range n.Nodes {
		s, err := newSender(l, n, i)
		if err != nil {
			cancel()
			for _, s := range senders {
				s.close()
			}
			return nil, err
		}
		senders = append(senders, s)
	}
	// CPU use of the machine, the nodes and this process in the window.
	pids := make([]int, 0, len(n.Nodes)+1)
	for i := range n.Nodes {
		pids = append(pids, n.Pid(i))
	}
	pids = append(pids, os.Getpid())
	cpuC := make(chan CPUUse, 1)
	go func() {
		select {
		case <-time.After(time.Until(wStart)):
		case <-runCtx.Done():
			cpuC <- CPUUse{}
			return
		}
		a := readCPU(pids)
		<-runCtx.Done()
		cpuC <- readCPU(pids).since(a, runtime.NumCPU())
	}()
	var wg sync.WaitGroup
	for _, s := range senders {
		rate := 0.0
		if o.Rate > 0 {
			rate = o.Rate / float64(len(senders))
		}
		wg.Add(1)
		go func() { defer wg.Done(); s.run(runCtx, rate, start) }()
	}
	wg.Wait()
	cancel()
	res.CPU = <-cpuC
	<-ender
	endMu.Lock()
	if o.MinWindowBlocks > 0 && time.Now().Before(wEnd) {
		wEnd = time.Now() // ended by the 60 × Window bound
	}
	endMu.Unlock()
	exhaustedAt := time.Time{}
	for _, s := range senders {
		s.close()
		res.Retries += s.retries.Load()
		res.Rejected += int(s.rejected.Load())
		if res.FirstErr == "" {
			res.FirstErr = s.firstErr()
		}
		if t := s.doneAt(); !t.IsZero() && t.After(exhaustedAt) {
			exhaustedAt = t
		}
	}
	if !exhaustedAt.IsZero() && exhaustedAt.Before(wEnd) {
		res.Exhausted = true
		wEnd = exhaustedAt
	}
	// Let the mempools drain so every accepted tx is committed.
	if err := n.drain(ctx, 60*time.Second); err != nil {
		return nil, err
	}
	// Empty mempools mean every accepted tx is in a block that some node
	// has committed, not necessarily node 0, which locate reads (a tx only
	// node 3 held leaves node 3's mempool when node 3 commits its block):
	// take the highest height any node reports and wait for all to reach it.
	h1, err := n.topHeight(ctx)
	if err != nil {
		return nil, err
	}
	if err := n.waitReady(ctx, h1); err != nil {
		return nil, err
	}
	res.ToH = h1
	times, err := commits.until(ctx, h1, 2*time.Minute) // node 0 has committed h1: its event is on the way
	if err != nil {
		return nil, err
	}
	if err := l.locate(ctx, n, res.FromH, h1); err != nil {
		return nil, err
	}
	var lat []float64
	for i := range l.items {
		it := &l.items[i]
		if it.sent == 0 {
			continue
		}
		res.Sent++
		if it.height == 0 {
			continue
		}
		res.Committed++
		ct, ok := times[it.height]
		if !ok {
			continue
		}
		if !ct.Before(wStart) && !ct.After(wEnd) {
			res.InWindow++
		}
		sent := time.Unix(0, it.sent)
		if !sent.Before(wStart) && !sent.After(wEnd) {
			lat = append(lat, ct.Sub(sent).Seconds())
		}
	}
	for _, s := range senders {
		res.Accepted += int(s.accepted.Load())
	}
	res.WindowSec = wEnd.Sub(wStart).Seconds()
	if res.WindowSec > 0 {
		res.TPS = float64(res.InWindow) / res.WindowSec
	}
	slices.Sort(lat)
	res.Latencies = len(lat)
	res.P50Sec, res.P99Sec = quantile(lat, 0.50), quantile(lat, 0.99)
	return res, nil
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

// locate finds every tx of the load in blocks from..to of node 0.
func (l *Load) locate(ctx context.Context, n *Net, from, to int64) error {
	type blk struct {
		h   int64
		txs cmttypes.Txs
		err error
	}
	hs := make(chan int64)
	out := make(chan blk)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range hs {
				b, err := n.RPC(0).Block(ctx, &h)
				if err != nil {
					out <- blk{h: h, err: err}
					continue
				}
				out <- blk{h: h, txs: b.Block.Data.Txs}
			}
		}()
	}
	go func() {
		for h := from; h <= to; h++ {
			hs <- h
		}
		close(hs)
		wg.Wait()
		close(out)
	}()
	var first error
	for b := range out {
		if b.err != nil {
			if first == nil {
				first = fmt.Errorf("block %d: %w", b.h, b.err)
			}
			continue
		}
		for _, t := range b.txs {
			if i, ok := l.byHash[sha256.Sum256(t)]; ok {
				l.items[i].height = b.h
			}
		}
	}
	return first
}

// Committed reports how many of the load's txs were found in blocks.
func (l *Load) Committed() int {
	c := 0
	for i := range l.items {
		if l.items[i].height > 0 {
			c++
		}
	}
	return c
}

// sender submits queues to one node over one CometBFT RPC websocket with
// broadcast_tx_sync. The node handles a connection's requests in order; a
// queue has at most one tx in flight, so its order is kept.
type sender struct {
	l        *Load
	ws       *rpcclient.WSClient
	ready    chan *Queue
	mu       sync.Mutex
	pending  map[int64]*Queue
	nextID   int64
	live     atomic.Int64 // queues not finished
	accepted atomic.Int64
	retries  atomic.Int64
	rejected atomic.Int64
	errMsg   atomic.Value
	done     atomic.Int64 // unix ns when the last queue finished
	readerWG sync.WaitGroup
}

func newSender(l *Load, n *Net, i int) (*sender, error) {
	ws, err := rpcclient.NewWS("tcp://"+n.Nodes[i].RPC, "/websocket", rpcclient.MaxReconnectAttempts(3))
	if err != nil {
		return nil, err
	}
	if err := ws.Start(); err != nil {
		return nil, fmt.Errorf("websocket to node %d: %w", i, err)
	}
	s := &sender{l: l, ws: ws, pending: map[int64]*Queue{}}
	var qs []*Queue
	for _, q := range l.Queues {
		if q.Node == i && q.next < len(q.items) {
			qs = append(qs, q)
		}
	}
	s.ready = make(chan *Queue, len(qs)+1)
	for _, q := range qs {
		s.ready <- q
	}
	s.live.Store(int64(len(qs)))
	if len(qs) == 0 {
		s.done.Store(time.Now().UnixNano())
	}
	s.readerWG.Add(1)
	go s.read()
	return s, nil
}

func (s *sender) firstErr() string {
	if v, ok := s.errMsg.Load().(string); ok {
		return v
	}
	return ""
}

func (s *sender) doneAt() time.Time {
	if v := s.done.Load(); v > 0 {
		return time.Unix(0, v)
	}
	return time.Time{}
}

// run sends until ctx ends or every queue is done. With rate > 0 the k-th
// first submission is due at start + k/rate.
func (s *sender) run(ctx context.Context, rate float64, start time.Time) {
	k := 0
	for {
		var q *Queue
		select {
		case <-ctx.Done():
			return
		case q = <-s.ready:
		}
		it := &s.l.items[q.items[q.next]]
		if it.sent == 0 && rate > 0 {
			due := start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
			k++
			if d := time.Until(due); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(d):
				}
			}
		}
		now := time.Now().UnixNano()
		if it.sent == 0 {
			it.sent = now
		}
		s.mu.Lock()
		s.nextID++
		id := s.nextID
		s.pending[id] = q
		s.mu.Unlock()
		req, err := rpctypes.MapToRequest(rpctypes.JSONRPCIntID(id), "broadcast_tx_sync", map[string]any{"tx": it.raw})
		if err == nil {
			err = s.ws.Send(ctx, req)
		}
		if err != nil {
			return
		}
	}
}

// retryable: the tx was not admitted for a reason that passes (a full
// mempool; a sequence the app still holds from a tx the mempool then
// dropped, cleared at the next commit).
func retryable(msg string) bool {
	return strings.Contains(msg, "mempool is full") || strings.Contains(msg, "expected sequence")
}

func (s *sender) read() {
	defer s.readerWG.Done()
	for resp := range s.ws.ResponsesCh {
		id, ok := resp.ID.(rpctypes.JSONRPCIntID)
		if !ok {
			continue
		}
		s.mu.Lock()
		q := s.pending[int64(id)]
		delete(s.pending, int64(id))
		s.mu.Unlock()
		if q == nil {
			continue
		}
		msg := ""
		if resp.Error != nil {
			msg = resp.Error.Message + " " + resp.Error.Data
		} else {
			var r struct {
				Code uint32 `json:"code"`
				Log  string `json:"log"`
			}
			if err := json.Unmarshal(resp.Result, &r); err == nil && r.Code != 0 {
				msg = fmt.Sprintf("code %d: %s", r.Code, r.Log)
			}
		}
		// A tx already in the cache was admitted by an earlier attempt.
		if msg == "" || strings.Contains(msg, "already exists in cache") {
			s.accepted.Add(1)
			q.next++
			q.tries = 0
			if q.next < len(q.items) {
				s.ready <- q
			} else if s.live.Add(-1) == 0 {
				s.done.Store(time.Now().UnixNano())
			}
			continue
		}
		q.tries++
		if q.tries > maxTries || !retryable(msg) && q.tries > 3 {
			s.rejected.Add(1)
			s.errMsg.CompareAndSwap(nil, msg)
			if s.live.Add(-1) == 0 {
				s.done.Store(time.Now().UnixNano())
			}
			continue
		}
		s.retries.Add(1)
		back := time.Duration(min(q.tries, 8)) * 25 * time.Millisecond
		time.AfterFunc(back, func() { s.ready <- q })
	}
}

func (s *sender) close() {
	// Give in-flight answers a moment so accepted txs are counted.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		n := len(s.pending)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = s.ws.Stop()
	s.readerWG.Wait()
}

// commitWatch records when node i reported each new block (NewBlockHeader
// events arrive after the block is committed).
type commitWatch struct {
	mu    sync.Mutex
	times map[int64]time.Time
}

func watchCommits(ctx context.Context, n *Net, i int) (*commitWatch, func(), error) {
	ws, err := rpcclient.NewWS("tcp://"+n.Nodes[i].RPC, "/websocket", rpcclient.MaxReconnectAttempts(3))
	if err != nil {
		return nil, nil, err
	}
	if err := ws.Start(); err != nil {
		return nil, nil, err
	}
	w := &commitWatch{times: map[int64]time.Time{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for resp := range ws.ResponsesCh {
			now := time.Now()
			if resp.Error != nil || len(resp.Result) == 0 {
				continue
			}
			var ev struct {
				Data struct {
					Value struct {
						Header struct {
							Height string `json:"height"` // int64 as a JSON string
						} `json:"header"`
					} `json:"value"`
				} `json:"data"`
			}
			if json.Unmarshal(resp.Result, &ev) != nil {
				continue
			}
			h, err := strconv.ParseInt(ev.Data.Value.Header.Height, 10, 64)
			if err != nil || h == 0 {
				continue
			}
			w.mu.Lock()
			w.times[h] = now
			w.mu.Unlock()
		}
	}()
	if err := ws.Subscribe(ctx, cmttypes.EventQueryNewBlockHeader.String()); err != nil {
		_ = ws.Stop()
		return nil, nil, err
	}
	stop := func() { _ = ws.Stop(); <-done }
	return w, stop, nil
}

// seen reports whether the commit of height h has been seen.
func (w *commitWatch) seen(h int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.times[h]
	return ok
}

// until waits until height h has been seen and returns the commit times.
func (w *commitWatch) until(ctx context.Context, h int64, timeout time.Duration) (map[int64]time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		w.mu.Lock()
		_, ok := w.times[h]
		w.mu.Unlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no commit event for height %d", h)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[int64]time.Time, len(w.times))
	for k, v := range w.times {
		out[k] = v
	}
	return out, nil
}

// topHeight is the highest latest-block height the nodes report.
func (n *Net) topHeight(ctx context.Context) (int64, error) {
	var top int64
	for i := range n.Nodes {
		h, err := n.Height(ctx, i)
		if err != nil {
			return 0, err
		}
		top = max(top, h)
	}
	return top, nil
}

// drain waits until every node's mempool is empty.
func (n *Net) drain(ctx context.Context, timeout time.Duration) error {
	// timeout bounds a stall, not the drain: on a slow machine draining
	// takes as long as it takes while blocks keep committing.
	deadline := time.Now().Add(timeout)
	var lastH int64
	for i := range n.Nodes {
		for {
			r, err := n.RPC(i).NumUnconfirmedTxs(ctx)
			if err == nil && r.Total == 0 {
				break
			}
			if h, herr := n.Height(ctx, i); herr == nil && h > lastH {
				lastH, deadline = h, time.Now().Add(timeout)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("node %d mempool not drained: no new block for %s (%v)", i, timeout, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}
