package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"
)

// Remote reads state proofs from a node's HTTP API and headers from a
// CometBFT RPC endpoint (possibly another node's): the CLI's way to build
// a bundle without asking any node to assemble it.
type Remote struct {
	API  string // base URL of a node API
	HTTP *http.Client
	RPC  rpcclient.SignClient
}

// NewRemote connects to a node API and a CometBFT RPC address
// (host:port, tcp://host:port or http://host:port).
func NewRemote(api, rpc string) (*Remote, error) {
	if !strings.Contains(rpc, "://") {
		rpc = "tcp://" + rpc
	}
	c, err := rpchttp.New(rpc)
	if err != nil {
		return nil, fmt.Errorf("CometBFT RPC %s: %w", rpc, err)
	}
	if !strings.HasPrefix(api, "http://") && !strings.HasPrefix(api, "https://") {
		api = "http://" + api
	}
	return &Remote{API: strings.TrimRight(api, "/"), HTTP: &http.Client{Timeout: 30 * time.Second}, RPC: c}, nil
}

func (r *Remote) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", r.API+path, nil)
	if err != nil {
		return err
	}
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, out)
}

// LatestHeight is the node's committed state version.
func (r *Remote) LatestHeight(ctx context.Context) (int64, error) {
	var s struct {
		Height int64 `json:"height"`
	}
	return s.Height, r.get(ctx, "/v1/status", &s)
}

type stateAnswer struct {
	Value  []byte `json:"value"`
	Height int64  `json:"height"`
	Proof  *struct {
		Ops []byte `json:"ops"`
	} `json:"proof"`
}

func (r *Remote) state(ctx context.Context, key []byte, h int64, prove bool) (*stateAnswer, error) {
	q := url.Values{"key": {string(key)}, "height": {strconv.FormatInt(h, 10)}}
	if prove {
		q.Set("prove", "true")
	}
	var a stateAnswer
	if err := r.get(ctx, "/v1/state?"+q.Encode(), &a); err != nil {
		return nil, err
	}
	if a.Height != h {
		return nil, fmt.Errorf("asked for %s at %d, the node answered at %d", key, h, a.Height)
	}
	return &a, nil
}

// Prove returns the node's ICS23 proof of key at version h.
func (r *Remote) Prove(ctx context.Context, key []byte, h int64) ([]byte, error) {
	a, err := r.state(ctx, key, h, true)
	if err != nil {
		return nil, err
	}
	if a.Proof == nil {
		return nil, fmt.Errorf("no proof of %s", key)
	}
	return a.Proof.Ops, nil
}

// Get reads key at version h.
func (r *Remote) Get(ctx context.Context, key []byte, h int64) ([]byte, error) {
	a, err := r.state(ctx, key, h, false)
	if err != nil {
		return nil, err
	}
	return a.Value, nil
}

// LightBlock reads header h, its commit and validators from CometBFT RPC.
func (r *Remote) LightBlock(ctx context.Context, h int64) (*types.LightBlock, error) {
	return LightBlockRPC(ctx, r.RPC, h)
}
