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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
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
	// hc and postURL fetch blocks (blockBatch).
	hc      *http.Client
	postURL string
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
	pu := u
	if strings.HasPrefix(pu, "tcp://") {
		pu = "http://" + strings.TrimPrefix(pu, "tcp://")
	}
	hc := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}}
	return &RPCSource{Addr: u, c: c, hc: hc, postURL: pu}, nil
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
		var hs []int64
		for ; h <= to && len(hs)*2 < rpcBatch; h++ {
			hs = append(hs, h)
		}
		res, err := s.blockBatch(ctx, hs)
		if err != nil {
			return nil, fmt.Errorf("blocks %d..%d from %s: %w", hs[0], hs[len(hs)-1], s.Addr, err)
		}
		out = append(out, res...)
	}
	return out, nil
}

// blockBatch asks for /block and /block_results of heights hs in one
// JSON-RPC batch. It posts the batch itself rather than through CometBFT's
// client so that the results can be decoded by decodeBlockResults: the
// client decodes every ExecTxResult through gogoproto's jsonpb, which was
// the largest part of an audit's CPU (docs/benchmarks.md, 2026-12-03
// session 8). Blocks are decoded by CometBFT's own JSON decoder.
func (s *RPCSource) blockBatch(ctx context.Context, hs []int64) ([]*Block, error) {
	var body bytes.Buffer
	body.WriteByte('[')
	for i, h := range hs {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"jsonrpc":"2.0","id":%d,"method":"block","params":{"height":"%d"}},`, 2*i, h)
		fmt.Fprintf(&body, `{"jsonrpc":"2.0","id":%d,"method":"block_results","params":{"height":"%d"}}`, 2*i+1, h)
	}
	body.WriteByte(']')
	buf, err := s.postRetry(ctx, body.Bytes())
	if err != nil {
		return nil, err
	}
	defer bufPool.Put(buf)
	raw := buf.Bytes()
	var answers []struct {
		ID     json.RawMessage `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Data    string `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &answers); err != nil {
		return nil, fmt.Errorf("batch answer: %w", err)
	}
	if len(answers) != 2*len(hs) {
		return nil, fmt.Errorf("%d answers to %d calls", len(answers), 2*len(hs))
	}
	byID := make([]json.RawMessage, 2*len(hs))
	for _, a := range answers {
		id, err := strconv.Atoi(string(a.ID))
		if err != nil || id < 0 || id >= len(byID) || byID[id] != nil {
			return nil, fmt.Errorf("batch answer with id %s", a.ID)
		}
		if a.Error != nil {
			return nil, fmt.Errorf("RPC error %d: %s %s", a.Error.Code, a.Error.Message, a.Error.Data)
		}
		if len(a.Result) == 0 {
			return nil, fmt.Errorf("batch answer %d without a result", id)
		}
		byID[id] = a.Result
	}
	out := make([]*Block, len(hs))
	for i, h := range hs {
		rb := new(ctypes.ResultBlock)
		if err := cmtjson.Unmarshal(byID[2*i], rb); err != nil {
			return nil, fmt.Errorf("block %d: %w", h, err)
		}
		rr, err := decodeBlockResults(byID[2*i+1])
		if err != nil {
			return nil, fmt.Errorf("block_results %d: %w", h, err)
		}
		if rb.Block == nil {
			return nil, fmt.Errorf("block %d: unexpected answer", h)
		}
		out[i] = &Block{ID: rb.BlockID, Block: rb.Block, Results: rr}
	}
	return out, nil
}

// bufPool holds answer buffers: an answer of a few hundred KB grown from
// nothing and cleared was 5 % of an audit's CPU. Nothing decoded from an
// answer refers to its buffer (encoding/json copies).
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// postRetry posts a JSON-RPC request, retrying transient failures a few
// times (a busy node under load may time out). The answer's buffer is the
// caller's to put back into bufPool.
func (s *RPCSource) postRetry(ctx context.Context, body []byte) (*bytes.Buffer, error) {
	var last error
	for try := 0; try < 4; try++ {
		b, err := s.post(ctx, body)
		if err == nil {
			return b, nil
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

func (s *RPCSource) post(ctx context.Context, body []byte) (*bytes.Buffer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.postURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	if _, err := b.ReadFrom(resp.Body); err != nil {
		bufPool.Put(b)
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("HTTP %d: %s", resp.StatusCode, clip(b.Bytes()))
		bufPool.Put(b)
		return nil, err
	}
	return b, nil
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
