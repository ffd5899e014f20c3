// Package audit re-derives a govchain network's history from what any node
// serves over CometBFT's RPC, trusting nothing the node says: it checks every
// commit's validator signatures against the validator set that evolves from
// the genesis, the hash links between headers, and replays every
// transaction into a fresh in-memory state with the same modules the nodes
// run, comparing results and app hashes with the signed headers.
//
// It also compares nodes (first divergent header, by binary search) and
// reports equivocation evidence. See docs/audit.md for what an audit proves
// and what it cannot.
package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
)

// Block is one height as a node serves it: the block, the node's claimed
// block ID, and the node's claimed execution results. Nothing here is
// trusted; the auditor checks each part against signed headers.
type Block struct {
	ID      types.BlockID
	Block   *types.Block
	Results *ctypes.ResultBlockResults
}

// Source is where the auditor reads the chain.
type Source interface {
	// Genesis is the genesis document the node started from.
	Genesis(ctx context.Context) (*types.GenesisDoc, error)
	// Latest is the latest height the node has committed.
	Latest(ctx context.Context) (int64, error)
	// Blocks returns heights from..to (inclusive), in order.
	Blocks(ctx context.Context, from, to int64) ([]*Block, error)
	// Commit returns the header and commit of height h (for the newest
	// height, whose canonical commit is not yet inside a block).
	Commit(ctx context.Context, h int64) (*types.SignedHeader, error)
}

// RPCSource reads from a CometBFT RPC endpoint.
type RPCSource struct {
	Addr string
	c    *rpchttp.HTTP
}

// RPCAddr normalises host:port, tcp://host:port or http(s)://host:port into
// a URL the CometBFT HTTP client accepts.
func RPCAddr(addr string) string {
	switch {
	case strings.HasPrefix(addr, "http://"), strings.HasPrefix(addr, "https://"), strings.HasPrefix(addr, "tcp://"):
		return strings.TrimRight(addr, "/")
	default:
		return "http://" + strings.TrimRight(addr, "/")
	}
}

// NewRPCSource connects (lazily) to a CometBFT RPC address.
func NewRPCSource(addr string) (*RPCSource, error) {
	u := RPCAddr(addr)
	c, err := rpchttp.NewWithTimeout(u, 60)
	if err != nil {
		return nil, fmt.Errorf("CometBFT RPC %s: %w", addr, err)
	}
	return &RPCSource{Addr: u, c: c}, nil
}

// Client is the underlying CometBFT RPC client.
func (s *RPCSource) Client() *rpchttp.HTTP { return s.c }

func (s *RPCSource) Genesis(ctx context.Context) (*types.GenesisDoc, error) {
	g, err := s.c.Genesis(ctx)
	if err == nil {
		return g.Genesis, nil
	}
	// Large genesis documents are only served in chunks.
	var b strings.Builder
	for i := uint(0); ; i++ {
		ch, cerr := s.c.GenesisChunked(ctx, i)
		if cerr != nil {
			return nil, fmt.Errorf("genesis from %s: %v (chunked: %v)", s.Addr, err, cerr)
		}
		raw, derr := decodeBase64(ch.Data)
		if derr != nil {
			return nil, fmt.Errorf("genesis chunk %d: %w", i, derr)
		}
		b.Write(raw)
		if i+1 >= uint(ch.TotalChunks) {
			break
		}
	}
	return types.GenesisDocFromJSON([]byte(b.String()))
}

func (s *RPCSource) Latest(ctx context.Context) (int64, error) {
	st, err := s.c.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("status from %s: %w", s.Addr, err)
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// rpcBatch is the number of JSON-RPC calls per HTTP request; CometBFT's
// default max_request_batch_size is 10.
const rpcBatch = 10

func (s *RPCSource) Blocks(ctx context.Context, from, to int64) ([]*Block, error) {
	var out []*Block
	for h := from; h <= to; {
		b := s.c.NewBatch()
		var hs []int64
		for ; h <= to && len(hs)*2 < rpcBatch; h++ {
			hh := h
			hs = append(hs, hh)
			if _, err := b.Block(ctx, &hh); err != nil {
				return nil, err
			}
			if _, err := b.BlockResults(ctx, &hh); err != nil {
				return nil, err
			}
		}
		res, err := sendRetry(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("blocks %d..%d from %s: %w", hs[0], hs[len(hs)-1], s.Addr, err)
		}
		if len(res) != 2*len(hs) {
			return nil, fmt.Errorf("blocks %d..%d from %s: %d answers to %d calls", hs[0], hs[len(hs)-1], s.Addr, len(res), 2*len(hs))
		}
		for i, hh := range hs {
			rb, ok1 := res[2*i].(*ctypes.ResultBlock)
			rr, ok2 := res[2*i+1].(*ctypes.ResultBlockResults)
			if !ok1 || !ok2 || rb.Block == nil {
				return nil, fmt.Errorf("block %d from %s: unexpected answer", hh, s.Addr)
			}
			out = append(out, &Block{ID: rb.BlockID, Block: rb.Block, Results: rr})
		}
	}
	return out, nil
}

// sendRetry sends a batch, retrying transient failures a few times (a busy
// node under load may time out).
func sendRetry(ctx context.Context, b *rpchttp.BatchHTTP) ([]any, error) {
	var last error
	for try := 0; try < 4; try++ {
		res, err := b.Send(ctx)
		if err == nil {
			return res, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(200*(try+1)) * time.Millisecond):
		}
	}
	return nil, last
}

func (s *RPCSource) Commit(ctx context.Context, h int64) (*types.SignedHeader, error) {
	c, err := s.c.Commit(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("commit %d from %s: %w", h, s.Addr, err)
	}
	if c.Header == nil || c.Commit == nil {
		return nil, errors.New("commit answer without header or commit")
	}
	return &c.SignedHeader, nil
}
