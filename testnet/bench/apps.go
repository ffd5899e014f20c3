// Package bench measures a local govchain network against the engine it
// runs on: the same four validator processes with a no-op app and with an
// IAVL-only app give the limits the real app is compared with, in one run.
// `govchain bench` prints its table; docs/benchmarks.md explains the rows.
package bench

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"

	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/node"
)

// App kinds a bench node runs.
const (
	AppNoop     = "noop"     // accepts every tx, stores nothing: the engine limit
	AppIAVL     = "iavl"     // writes every tx to IAVL on badger, no signatures
	AppGovchain = "govchain" // the production node (`govchain node start`)
)

// NoopApp accepts every transaction and keeps only a counter of them; its
// app hash is that counter, so blocks still commit to something.
type NoopApp struct {
	abci.BaseApplication
	mu      sync.Mutex
	height  int64
	txs     uint64
	pending uint64
}

func (a *NoopApp) hash(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func (a *NoopApp) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.height == 0 {
		return &abci.InfoResponse{Data: "bench-noop"}, nil
	}
	return &abci.InfoResponse{Data: "bench-noop", LastBlockHeight: a.height, LastBlockAppHash: a.hash(a.txs)}, nil
}

func (a *NoopApp) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	res := make([]*abci.ExecTxResult, len(req.Txs))
	for i := range res {
		res[i] = &abci.ExecTxResult{}
	}
	a.pending = a.txs + uint64(len(req.Txs))
	a.height = req.Height
	return &abci.FinalizeBlockResponse{TxResults: res, AppHash: a.hash(a.pending)}, nil
}

func (a *NoopApp) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.txs = a.pending
	return &abci.CommitResponse{}, nil
}

// IAVLApp writes every transaction into the same IAVL-on-badger store the
// govchain app uses (key = SHA-256 of the tx, value = the tx) and commits a
// version per block; CheckTx accepts everything. It is govchain minus
// signatures, identities and contract logic.
type IAVLApp struct {
	abci.BaseApplication
	mu    sync.Mutex
	store *state.Store
}

// NewIAVLApp opens the store in dir with the node's default options.
func NewIAVLApp(dir string) (*IAVLApp, error) {
	st, err := state.Open(dir, state.DefaultOptions())
	if err != nil {
		return nil, err
	}
	return &IAVLApp{store: st}, nil
}

func (a *IAVLApp) Close() error { return a.store.Close() }

func (a *IAVLApp) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	v, h := a.store.LastCommit()
	return &abci.InfoResponse{Data: "bench-iavl", LastBlockHeight: v, LastBlockAppHash: h}, nil
}

func (a *IAVLApp) InitChain(context.Context, *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	return &abci.InitChainResponse{AppHash: a.store.WorkingHash()}, nil
}

func (a *IAVLApp) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.store.Working()
	res := make([]*abci.ExecTxResult, len(req.Txs))
	for i, t := range req.Txs {
		k := sha256.Sum256(t)
		if err := w.Set(append([]byte("tx/"), k[:]...), t); err != nil {
			return nil, err
		}
		res[i] = &abci.ExecTxResult{}
	}
	return &abci.FinalizeBlockResponse{TxResults: res, AppHash: a.store.WorkingHash()}, nil
}

func (a *IAVLApp) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, _, err := a.store.Commit(); err != nil {
		return nil, err
	}
	return &abci.CommitResponse{}, nil
}

// RunNode runs a bench validator with the no-op or IAVL-only app from a
// govchain node home until ctx ends (`govchain bench node`). The production
// node is `govchain node start`; this never replaces it.
// Profiles come from CometBFT's own pprof server (rpc.pprof_laddr).
func RunNode(ctx context.Context, h node.Home, kind string, logOut io.Writer) error {
	cfg, err := h.CometConfig()
	if err != nil {
		return err
	}
	var app abci.Application
	switch kind {
	case AppNoop:
		app = &NoopApp{}
	case AppIAVL:
		ia, err := NewIAVLApp(h.StateDir())
		if err != nil {
			return err
		}
		defer ia.Close()
		app = ia
	default:
		return fmt.Errorf("bench node: --app must be %s or %s (the govchain app runs with `govchain node start`)", AppNoop, AppIAVL)
	}
	if logOut == nil {
		logOut = os.Stdout
	}
	logger := cmtlog.NewTMLogger(cmtlog.NewSyncWriter(logOut))
	if opt, err := cmtlog.AllowLevel(cfg.LogLevel); err == nil {
		logger = cmtlog.NewFilter(logger, opt)
	}
	nodeKey, err := p2p.LoadNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return fmt.Errorf("load node key: %w", err)
	}
	pv := privval.LoadFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	n, err := cmtnode.NewNode(ctx, cfg, pv, nodeKey,
		proxy.NewLocalClientCreator(app),
		cmtnode.DefaultGenesisDocProviderFunc(cfg),
		cmtcfg.DefaultDBProvider,
		cmtnode.DefaultMetricsProvider(cfg.Instrumentation),
		logger)
	if err != nil {
		return fmt.Errorf("create CometBFT node: %w", err)
	}
	if err := n.Start(); err != nil {
		return fmt.Errorf("start CometBFT node: %w", err)
	}
	logger.Info("bench node started", "app", kind)
	<-ctx.Done()
	if err := n.Stop(); err != nil {
		logger.Error("stop", "err", err)
	}
	n.Wait()
	return nil
}
