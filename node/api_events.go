package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/proof/bundle/cmtblock"
	"github.com/govchain/govchain/node/apikit"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/node/verify"
)

// Events (GET /v1/events, GET /v1/events/stream) are read from the
// committed blocks' FinalizeBlock results in CometBFT's block store, the
// results CometBFT saves before the app commits: there is no index of
// their own that could disagree with the blocks, and a cursor names the
// same event on every node and across restarts (docs/integration.md).

const (
	// defaultEventLimit and maxEventLimit bound a page of events.
	defaultEventLimit = 100
	maxEventLimit     = 1000
	// maxScanBlocks bounds the blocks one page reads: a narrow filter over
	// a long history answers with More and the end of the last block read.
	maxScanBlocks = 500
	// eventPoll is how often a caught-up stream looks for a new block.
	eventPoll = 100 * time.Millisecond
	// keepAlive is how often an idle stream writes a comment, so proxies
	// and the client see the connection is alive.
	keepAlive = 15 * time.Second
)

type (
	Event       = client.Event
	EventPage   = client.EventPage
	EventFilter = client.EventFilter
	Cursor      = client.Cursor
)

// hiddenEvent are ABCI events that are no state change of their own: the
// tx envelope's event (its type, signer and department are in every event
// of the tx) and the block's quorum certificate, consensus bookkeeping.
// They still count in the cursor's index, which numbers every ABCI event.
func hiddenEvent(typ string) bool { return typ == "tx" || typ == "attest.qc" }

// blockEvents caches the events of recent blocks: every stream reads the
// newest blocks, and a committed block's events never change.
type blockEvents struct {
	mu     sync.Mutex
	blocks map[int64][]Event
	order  []int64
}

const eventCacheBlocks = 256

func (c *blockEvents) get(h int64) ([]Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	evs, ok := c.blocks[h]
	return evs, ok
}

func (c *blockEvents) put(h int64, evs []Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blocks == nil {
		c.blocks = map[int64][]Event{}
	}
	if _, ok := c.blocks[h]; ok {
		return
	}
	c.blocks[h] = evs
	c.order = append(c.order, h)
	if len(c.order) > eventCacheBlocks {
		delete(c.blocks, c.order[0])
		c.order = c.order[1:]
	}
}

// errEventsPruned is a height whose block or results this node no longer
// (or never) had: pruned by retain_blocks, or before a state-sync height.
var errEventsPruned = errors.New("events pruned")

// BlockEvents are the events of committed block h, in cursor order.
func (a *API) BlockEvents(ctx context.Context, h int64) ([]Event, error) {
	if evs, ok := a.events.get(h); ok {
		return evs, nil
	}
	res, err := a.RPC.BlockResults(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("%w: results of block %d: %v", errEventsPruned, h, err)
	}
	blk, err := a.RPC.Block(ctx, &h)
	if err != nil || blk.Block == nil {
		return nil, fmt.Errorf("%w: block %d: %v", errEventsPruned, h, err)
	}
	if len(blk.Block.Txs) != len(res.TxResults) {
		return nil, fmt.Errorf("block %d has %d txs but %d results", h, len(blk.Block.Txs), len(res.TxResults))
	}
	tm := blk.Block.Time.UTC().Format(time.RFC3339Nano)
	var out []Event
	idx := 0
	add := func(ev abci.Event, txIndex int, hash string, meta *abci.Event) {
		defer func() { idx++ }()
		if hiddenEvent(ev.Type) {
			return
		}
		e := Event{Cursor: Cursor{Height: h, Index: idx}.String(), Height: h, Index: idx, Time: tm, Type: ev.Type,
			Attrs: make([]client.EventAttr, 0, len(ev.Attributes)), TxIndex: txIndex, TxHash: hash}
		e.Module, _, _ = strings.Cut(ev.Type, ".")
		for _, at := range ev.Attributes {
			e.Attrs = append(e.Attrs, client.EventAttr{Key: at.Key, Value: at.Value})
		}
		if meta != nil {
			for _, at := range meta.Attributes {
				switch at.Key {
				case "type":
					e.TxType = at.Value
				case "signer":
					e.Signer = at.Value
				case "dept":
					e.Dept = at.Value
				}
			}
		}
		out = append(out, e)
	}
	for i, r := range res.TxResults {
		hash := fmt.Sprintf("%X", blk.Block.Txs[i].Hash())
		var meta *abci.Event
		for j := range r.Events {
			if r.Events[j].Type == "tx" {
				meta = &r.Events[j]
				break
			}
		}
		for _, ev := range r.Events {
			add(ev, i, hash, meta)
		}
	}
	for _, ev := range res.FinalizeBlockEvents {
		add(ev, -1, "", nil)
	}
	a.events.put(h, out)
	return out, nil
}

// latestEvents is the newest height whose events are served: the app's
// last committed block (CometBFT saved its results before the commit).
func (a *API) latestEvents() int64 {
	v, _ := a.App.Store().LastCommit()
	return v
}

// EventsAfter is one page of the events after cursor passing f, at most
// limit of them, read up to the newest committed block.
func (a *API) EventsAfter(ctx context.Context, after Cursor, f EventFilter, limit int) (*EventPage, error) {
	latest := a.latestEvents()
	p := &EventPage{Events: []Event{}, Latest: latest, Next: after.String()}
	h := after.Height
	if after.Index < 0 {
		h++
	}
	next := after
	for scanned := 0; h <= latest; h++ {
		if scanned == maxScanBlocks {
			p.More = true
			break
		}
		scanned++
		evs, err := a.BlockEvents(ctx, h)
		if err != nil {
			return nil, err
		}
		for i := range evs {
			ev := &evs[i]
			if !ev.At().After(after) || !f.Match(ev) {
				continue
			}
			if len(p.Events) == limit {
				p.Next, p.More = next.String(), true
				return p, nil
			}
			p.Events = append(p.Events, *ev)
			next = ev.At()
		}
		next = Cursor{Height: h, Index: -1}
	}
	p.Next = next.String()
	return p, nil
}

// eventParams reads ?after= (or Last-Event-ID) and ?filter=.
func eventParams(w http.ResponseWriter, r *http.Request) (Cursor, EventFilter, bool) {
	q := r.URL.Query()
	s := q.Get("after")
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		s = id // a reconnecting EventSource resumes where it was
	}
	c, err := client.ParseCursor(s)
	if err != nil {
		apikit.BadParam(w, err.Error())
		return c, EventFilter{}, false
	}
	f, err := client.ParseEventFilter(q.Get("filter"))
	if err != nil {
		apikit.BadParam(w, err.Error())
		return c, f, false
	}
	return c, f, true
}

// eventErr answers a failed page read.
func eventErr(w http.ResponseWriter, err error) {
	if errors.Is(err, errEventsPruned) {
		apikit.WriteErr(w, http.StatusGone, "api", 410, err.Error()+"; this node no longer has these blocks (retain_blocks or state sync): ask an archive node, or a later cursor")
		return
	}
	apikit.WriteErr(w, http.StatusInternalServerError, "api", 500, err.Error())
}

func (a *API) listEvents(w http.ResponseWriter, r *http.Request) {
	c, f, ok := eventParams(w, r)
	if !ok {
		return
	}
	limit := defaultEventLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxEventLimit {
			apikit.BadParam(w, fmt.Sprintf("limit must be 1..%d", maxEventLimit))
			return
		}
		limit = n
	}
	p, err := a.EventsAfter(r.Context(), c, f, limit)
	if err != nil {
		eventErr(w, err)
		return
	}
	apikit.WriteJSON(w, p)
}

// streamEvents serves Server-Sent Events: each event as "id: <cursor>"
// and "data: <event JSON>", and after blocks read with nothing to send an
// "id: <end of block>" alone (a progress mark: EventSource keeps it as
// its last event id; node/client hands it to the follower to store). A
// client resumes with Last-Event-ID (or ?after=).
func (a *API) streamEvents(w http.ResponseWriter, r *http.Request) {
	cur, f, ok := eventParams(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	p, err := a.EventsAfter(ctx, cur, f, maxEventLimit)
	if err != nil {
		eventErr(w, err) // before the stream starts: a JSON error answer
		return
	}
	rc := http.NewResponseController(w)
	// the server's read and write timeouts are for answers, not streams
	// (the read deadline would also cancel the request's context)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, ": govchain events\n\n"); err != nil {
		return
	}
	_ = rc.Flush()
	done := a.streamsDone()
	idle := time.Now()
	for {
		for _, ev := range p.Events {
			b, _ := json.Marshal(ev)
			if _, err := fmt.Fprintf(w, "id: %s\ndata: %s\n\n", ev.Cursor, b); err != nil {
				return
			}
		}
		if n := len(p.Events); n == 0 || p.Events[n-1].Cursor != p.Next {
			if p.Next != cur.String() {
				if _, err := fmt.Fprintf(w, "id: %s\n\n", p.Next); err != nil {
					return
				}
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
		if len(p.Events) > 0 || p.Next != cur.String() {
			idle = time.Now()
		}
		cur, _ = client.ParseCursor(p.Next)
		for !p.More && a.latestEvents() <= p.Latest {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-time.After(eventPoll):
			}
			if time.Since(idle) >= keepAlive {
				if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
					return
				}
				idle = time.Now()
			}
		}
		if p, err = a.EventsAfter(ctx, cur, f, maxEventLimit); err != nil {
			return // the client reconnects from its cursor
		}
	}
}

// streamsDone is closed when the API shuts down, ending every stream (a
// server's Shutdown waits for handlers, and a stream never returns).
func (a *API) streamsDone() <-chan struct{} {
	a.stopOnce.Do(func() { a.stop = make(chan struct{}) })
	return a.stop
}

// CloseStreams ends every event stream (http.Server.RegisterOnShutdown).
func (a *API) CloseStreams() {
	a.streamsDone()
	a.closeOnce.Do(func() { close(a.stop) })
}

// eventProof answers GET /v1/events/{cursor}/proof (client.EventProof).
func (a *API) eventProof(w http.ResponseWriter, r *http.Request) {
	c, err := client.ParseCursor(r.PathValue("cursor"))
	if err != nil || c.Index < 0 {
		apikit.BadParam(w, "cursor must be an event's cursor, HEIGHT.INDEX (e.g. 1234.5)")
		return
	}
	ctx := r.Context()
	if c.Height < 1 || c.Height > a.latestEvents() {
		apikit.WriteErr(w, http.StatusNotFound, "api", 404, fmt.Sprintf("no committed block %d", c.Height))
		return
	}
	evs, err := a.BlockEvents(ctx, c.Height)
	if err != nil {
		eventErr(w, err)
		return
	}
	var ev *Event
	for i := range evs {
		if evs[i].Index == c.Index {
			ev = &evs[i]
		}
	}
	if ev == nil {
		apikit.WriteErr(w, http.StatusNotFound, "api", 404, fmt.Sprintf("block %d has no event at index %d", c.Height, c.Index))
		return
	}
	if ev.TxIndex < 0 {
		apikit.WriteErr(w, http.StatusUnprocessableEntity, "api", 422, "a block's own event (end-block work such as a proposal settled at its deadline) is in no tx result and no header hash covers it; prove the state it changed with /v1/state?prove=true")
		return
	}
	if a.latestEvents() < c.Height+1 {
		w.Header().Set("Retry-After", "1")
		apikit.WriteErr(w, http.StatusServiceUnavailable, "api", 503, fmt.Sprintf("header %d, which commits block %d's results, is not committed yet", c.Height+1, c.Height))
		return
	}
	h := c.Height
	res, err := a.RPC.BlockResults(ctx, &h)
	if err != nil {
		eventErr(w, fmt.Errorf("%w: %v", errEventsPruned, err))
		return
	}
	blk, err := a.RPC.Block(ctx, &h)
	if err != nil {
		eventErr(w, fmt.Errorf("%w: %v", errEventsPruned, err))
		return
	}
	results, err := abci.MarshalTxResults(res.TxResults)
	if err != nil {
		apikit.WriteErr(w, http.StatusInternalServerError, "api", 500, err.Error())
		return
	}
	p := client.EventProof{Cursor: ev.Cursor, ChainID: blk.Block.ChainID, Height: h, TxIndex: ev.TxIndex, Tx: blk.Block.Txs[ev.TxIndex], Results: results}
	for _, t := range blk.Block.Txs {
		p.TxHashes = append(p.TxHashes, t.Hash())
	}
	for i, hh := range []int64{h, h + 1} {
		lb, err := verify.LightBlockRPC(ctx, a.RPC, hh)
		if err == nil {
			var b []byte
			if b, err = cmtblock.Encode(lb); err == nil {
				if i == 0 {
					p.Block = b
				} else {
					p.Next = b
				}
			}
		}
		if err != nil {
			apikit.WriteErr(w, http.StatusServiceUnavailable, "api", 503, fmt.Sprintf("light block %d: %v", hh, err))
			return
		}
	}
	apikit.WriteJSON(w, p)
}
