package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/proxy"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/node/snapshot"
)

// Node is a running validator.
type Node struct {
	Home   Home
	Config *Config
	App    *chain.App
	Comet  *cmtnode.Node
	api    *http.Server
	apiLn  net.Listener
	store  *state.Store
	logger cmtlog.Logger
	// stopPruning ends the pruning companion (prune.go), if any.
	stopPruning context.CancelFunc
	stop        chan struct{} // ends the key watcher

	diskLow  chan struct{} // closed when the data volume falls below its reserve
	quit     chan struct{} // closed by Stop
	stopOnce sync.Once
	halted   chan error
}

// Halted delivers the error with which the app stopped this node's part in
// the chain (an upgrade plan this binary does not know, a failed
// migration): the caller should Stop the node and exit with it.
func (n *Node) Halted() <-chan error { return n.halted }

// Start opens state, starts CometBFT with the app in-process and serves the
// HTTP API. Stop it with Stop.
//
// passphrase decrypts the department's SM2 key, with which the node signs
// an attestation of every block it precommits; nil runs without it (the
// other validators then reject this node's precommits).
func Start(ctx context.Context, h Home, logOut io.Writer, passphrase []byte) (*Node, error) {
	conf, err := h.LoadConfig()
	if err != nil {
		return nil, err
	}
	cfg, err := h.CometConfig()
	if err != nil {
		return nil, err
	}
	configurePruning(cfg, h, conf.RetainBlocks)
	if logOut == nil {
		logOut = os.Stdout
	}
	logger := cmtlog.NewTMLogger(cmtlog.NewSyncWriter(logOut))
	if opt, err := cmtlog.AllowLevel(cfg.LogLevel); err == nil {
		logger = cmtlog.NewFilter(logger, opt)
	} else {
		logger = cmtlog.NewFilter(logger, cmtlog.AllowInfo())
	}
	// a volume below its reserve: wait for space before writing anything
	if err := waitForDisk(ctx, h, conf, logger.With("module", "disk")); err != nil {
		return nil, err
	}
	store, err := state.Open(h.StateDir(), conf.StateOptions())
	if err != nil {
		return nil, fmt.Errorf("open state in %s: %w", h.StateDir(), err)
	}
	app, err := chain.NewApp(store, Modules()...)
	if err != nil {
		store.Close()
		return nil, err
	}
	if err := checkAppHash(cfg, store); err != nil {
		store.Close()
		return nil, err
	}
	// Governed upgrades: refuse to run a state this binary is too old for,
	// and stop (Halted) at the height of a plan it does not know.
	haltReq := make(chan error, 1)
	if err := app.SetUpgrades(Upgrades()...); err != nil {
		store.Close()
		return nil, err
	}
	if err := app.CheckUpgrade(); err != nil {
		store.Close()
		logger.Error(err.Error())
		return nil, err
	}
	app.OnHalt(func(err error) {
		logger.Error(err.Error())
		select {
		case haltReq <- err:
		default:
		}
	})
	if p, known := app.PendingUpgrade(); p != nil {
		if known {
			logger.Info("upgrade plan pending: this binary knows it and will migrate the state at its height", "plan", p.Name, "height", p.Height)
			if sum, err := executableSHA256(); err == nil && sum != p.SHA256 {
				// a fixed release of a plan whose migration failed differs
				// from the one voted on; say so, do not refuse
				logger.Error("this binary is not the release the upgrade plan names", "plan", p.Name, "plan_sha256", p.SHA256, "binary_sha256", sum)
			}
		} else {
			logger.Error("upgrade plan pending: this binary does not know it and will halt before its height; install the release before then", "plan", p.Name, "height", p.Height, "sha256", p.SHA256)
		}
	}
	snaps, err := snapshot.New(h.SnapshotDir(), store, snapshot.Options{Interval: conf.SnapshotInterval, Keep: conf.SnapshotKeep}, logger.With("module", "snapshot"))
	if err != nil {
		store.Close()
		return nil, err
	}
	app.SetSnapshots(snaps)
	app.SetRetainBlocks(conf.RetainBlocks)
	stop := make(chan struct{})
	if passphrase != nil {
		w := &attesterKeys{app: app, store: store, file: h.Path(conf.KeyFile), next: NextFile(h.Path(conf.KeyFile)),
			pass: passphrase, logger: logger.With("module", "attest")}
		if err := w.load(); err != nil {
			store.Close()
			return nil, fmt.Errorf("department key (needed to attest blocks): %w", err)
		}
		go w.watch(stop)
	} else {
		logger.Error("no department key loaded: this validator's precommits carry no SM2 attestation and will be rejected; pass --passphrase-file or set GOVCHAIN_PASSPHRASE")
	}
	pv, err := newRotatingPV(cfg, conf.Dept, store, logger.With("module", "privval"))
	if err != nil {
		close(stop)
		store.Close()
		return nil, err
	}
	var blockDB blockStoreDB
	n, err := startComet(ctx, cfg, app, pv, blockDB.provider, logger)
	if err != nil {
		close(stop)
		store.Close()
		return nil, err
	}
	nd := &Node{Home: h, Config: conf, App: app, Comet: n, store: store, logger: logger, stop: stop,
		diskLow: make(chan struct{}), quit: make(chan struct{}), halted: make(chan error, 1)}
	go nd.watchHalt(haltReq)
	if conf.RetainBlocks > 0 {
		pctx, cancel := context.WithCancel(context.Background())
		nd.stopPruning = cancel
		if _, err := startCompanion(pctx, h, conf.RetainBlocks, cfg.Storage.Pruning.Interval, n, blockDB.db, logger.With("module", "pruning")); err != nil {
			nd.Stop()
			return nil, err
		}
	}
	if err := nd.serveAPI(); err != nil {
		nd.Stop()
		return nil, err
	}
	if reserve, on := conf.diskReserveBytes(); on {
		go nd.watchDisk(reserve)
	}
	logger.Info("govchain node started", "dept", conf.Dept, "api", nd.APIAddr(), "height", n.BlockStore().Height())
	return nd, nil
}

func startComet(ctx context.Context, cfg *cmtcfg.Config, app *chain.App, pv *rotatingPV, dbs cmtcfg.DBProvider, logger cmtlog.Logger) (*cmtnode.Node, error) {
	nodeKey, err := p2p.LoadNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("load node key: %w", err)
	}
	n, err := cmtnode.NewNode(ctx, cfg, pv, nodeKey,
		proxy.NewLocalClientCreator(app),
		cmtnode.DefaultGenesisDocProviderFunc(cfg),
		dbs,
		cmtnode.DefaultMetricsProvider(cfg.Instrumentation),
		logger)
	if err != nil {
		return nil, fmt.Errorf("create CometBFT node: %w", err)
	}
	if err := n.Start(); err != nil {
		return nil, fmt.Errorf("start CometBFT node: %w", err)
	}
	return n, nil
}

// APIAddr is the address the HTTP API listens on.
func (n *Node) APIAddr() string {
	if n.apiLn == nil {
		return ""
	}
	return n.apiLn.Addr().String()
}

func (n *Node) serveAPI() error {
	ln, err := net.Listen("tcp", n.Config.APIListen)
	if err != nil {
		return fmt.Errorf("API listen %s: %w", n.Config.APIListen, err)
	}
	n.apiLn = ln
	api := &API{App: n.App, RPC: rpclocal.New(n.Comet), MaxBody: n.Config.MaxBodyBytes, Dept: n.Config.Dept, VerifyPeers: n.Config.VerifyPeers, RetainBlocks: n.Config.RetainBlocks, Logger: n.logger.With("module", "api"),
		ExpiryHorizon: n.Config.ExpiryHorizon()}
	go api.watchExpiry(n.stop, n.logger.With("module", "expiry"))
	n.api = &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
	n.api.RegisterOnShutdown(api.CloseStreams)
	go func() {
		if err := n.api.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.logger.Error("API server stopped", "err", err)
		}
	}()
	return nil
}

// Stop shuts everything down in order: API (no new txs), CometBFT (no new
// blocks), then the state store.
func (n *Node) Stop() {
	if n.stopPruning != nil {
		n.stopPruning()
	}
	if n.stop != nil {
		close(n.stop)
		n.stop = nil
	}
	n.stopOnce.Do(func() {
		if n.quit != nil {
			close(n.quit)
		}
	})
	if n.api != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = n.api.Shutdown(ctx)
		cancel()
	}
	if n.Comet != nil && n.Comet.IsRunning() {
		if err := n.Comet.Stop(); err != nil {
			n.logger.Error("stop CometBFT", "err", err)
		}
		n.Comet.Wait()
	}
	if n.store != nil {
		if err := n.store.Close(); err != nil {
			n.logger.Error("close state", "err", err)
		}
	}
}

// executableSHA256 is the hex SHA-256 of the running binary.
func executableSHA256() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// watchHalt passes the app's halt on to Halted once the peers this node
// is connected to have the last block it committed: a node that stops
// right after committing the block before an upgrade plan's height would
// otherwise strand a peer still waiting for that block's precommits
// (every node of the old release halts there). It waits on that
// condition, however long the peers take, until every peer still
// connected is past the block or gone, or the node is stopped. Only
// haltHangGuard, far beyond any catch-up, ends a wait on a peer that
// never moves (it then says so in the log).
func (n *Node) watchHalt(req <-chan error) {
	err := <-req
	v, _ := n.store.LastCommit()
	n.waitPeersHave(rpclocal.New(n.Comet), v)
	n.halted <- err
}

// haltHangGuard ends the halting node's wait for lagging peers only when
// something is broken (a peer connected but stuck); haltLogEvery is how
// often the wait says which peers it still waits for.
const (
	haltHangGuard = time.Hour
	haltLogEvery  = time.Minute
)

// waitPeersHave polls CometBFT's consensus state until every connected
// peer's round is past height v (it has block v), there are no peers, the
// node is stopped, or haltHangGuard has passed.
func (n *Node) waitPeersHave(rpc *rpclocal.Local, v int64) {
	start, logged := time.Now(), time.Time{}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		d, derr := rpc.DumpConsensusState(ctx)
		cancel()
		if derr != nil {
			n.logger.Error("halting: cannot read the peers' heights; not waiting for them", "height", v, "err", derr)
			return
		}
		var behind []string
		for _, p := range d.Peers {
			if peerHeight(p.PeerState) <= v {
				behind = append(behind, string(p.NodeAddress))
			}
		}
		if len(behind) == 0 {
			return
		}
		waited := time.Since(start)
		if waited >= haltHangGuard {
			n.logger.Error("halting although peers still lack the last block this node committed: they did not move for a long time",
				"height", v, "peers_behind", behind, "waited", waited.Round(time.Second))
			return
		}
		if time.Since(logged) >= haltLogEvery {
			n.logger.Info("halting: waiting for peers to have the last block this node committed", "height", v, "peers_behind", behind, "waited", waited.Round(time.Second))
			logged = time.Now()
		}
		select {
		case <-n.quit:
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// peerHeight reads the height a peer is at from CometBFT's peer state
// dump ({"round_state":{"height":"37",...}}; 0 when unknown).
func peerHeight(raw json.RawMessage) int64 {
	var ps struct {
		RoundState struct {
			Height json.RawMessage `json:"height"`
		} `json:"round_state"`
	}
	if json.Unmarshal(raw, &ps) != nil {
		return 0
	}
	h, _ := strconv.ParseInt(strings.Trim(string(ps.RoundState.Height), `"`), 10, 64)
	return h
}
