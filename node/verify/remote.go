package verify

import (
	"context"
	"fmt"
	"strings"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/node/client"
)

// Remote reads state proofs from a node's HTTP API (node/client) and
// headers from a CometBFT RPC endpoint (possibly another node's): the
// CLI's way to build a bundle without asking any node to assemble it.
type Remote struct {
	Node *client.Client
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
	return &Remote{Node: client.New(api), RPC: c}, nil
}

// LatestHeight is the node's committed state version.
func (r *Remote) LatestHeight(ctx context.Context) (int64, error) {
	s, err := r.Node.Status(ctx)
	if err != nil {
		return 0, err
	}
	return s.Height, nil
}

func (r *Remote) state(ctx context.Context, key []byte, h int64, prove bool) (*client.StateResult, error) {
	a, err := r.Node.State(ctx, string(key), h, prove)
	if err != nil {
		return nil, err
	}
	if a.Height != h {
		return nil, fmt.Errorf("asked for %s at %d, the node answered at %d", key, h, a.Height)
	}
	return a, nil
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
