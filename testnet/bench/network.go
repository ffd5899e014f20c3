package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/testnet"
	"github.com/govchain/govchain/testnet/proc"
)

// NetOptions describe one bench network. Every network of a run uses the
// same options except App (and NoAttestations for that row), so their
// throughputs are comparable.
type NetOptions struct {
	App            string // AppNoop, AppIAVL or AppGovchain
	Validators     int
	NoAttestations bool
	Grants         map[string][]string
	Binary         string // default: the running executable
	Pprof          bool   // serve pprof on node i at base+10i+4
	TimeoutCommit  time.Duration
	// Tune adjusts every node's CometBFT config (mempool, p2p, logging).
	Tune func(*cmtcfg.Config)
}

// Net is a running bench network: separate processes, one per validator.
type Net struct {
	*testnet.Network
	App  string
	Base int
	cmds []*exec.Cmd
	// exited[i] is closed when node i's process has ended.
	exited []chan struct{}
	rpcs   []*rpchttp.HTTP
}

// StartNet creates a network in dir and starts its processes; it returns
// when every node has committed block 2 and is not catching up.
func StartNet(ctx context.Context, dir string, o NetOptions) (*Net, error) {
	if o.Validators == 0 {
		o.Validators = 4
	}
	base, err := testnet.FreeBasePort(o.Validators)
	if err != nil {
		return nil, err
	}
	tn, err := testnet.Create(dir, testnet.Options{Validators: o.Validators, ChainID: "govchain-bench", BasePort: base,
		Binary: o.Binary, TimeoutCommit: o.TimeoutCommit, Grants: o.Grants, NoAttestations: o.NoAttestations})
	if err != nil {
		return nil, err
	}
	n := &Net{Network: tn, App: o.App, Base: base}
	for i, ni := range tn.Nodes {
		h := node.Home(ni.Home)
		cfg, err := h.CometConfigNoGenesis()
		if err != nil {
			return nil, err
		}
		if o.Pprof {
			cfg.RPC.PprofListenAddress = n.PprofAddr(i)
		}
		if o.Tune != nil {
			o.Tune(cfg)
		}
		cmtcfg.WriteConfigFile(h.Path("config", "config.toml"), cfg)
		c, err := rpchttp.New("tcp://" + ni.RPC)
		if err != nil {
			return nil, err
		}
		n.rpcs = append(n.rpcs, c)
	}
	for i := range tn.Nodes {
		if err := n.startNode(i); err != nil {
			n.Stop()
			return nil, err
		}
	}
	if err := n.waitReady(ctx, 2); err != nil {
		n.Stop()
		return nil, err
	}
	return n, nil
}

// PprofAddr is node i's pprof listener (when NetOptions.Pprof).
func (n *Net) PprofAddr(i int) string { return "127.0.0.1:" + strconv.Itoa(n.Base+10*i+4) }

// RPC is node i's CometBFT RPC client.
func (n *Net) RPC(i int) *rpchttp.HTTP { return n.rpcs[i] }

func (n *Net) startNode(i int) error {
	ni := n.Nodes[i]
	logf, err := os.OpenFile(filepath.Join(ni.Home, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	var cmd *exec.Cmd
	if n.App == AppGovchain {
		cmd = exec.Command(n.Binary, "node", "start", "--home", ni.Home)
	} else {
		cmd = exec.Command(n.Binary, "bench", "node", "--app", n.App, "--home", ni.Home)
	}
	cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group: a Ctrl-C on the bench reaches the bench, which
	// stops its nodes in order; and the nodes die with the bench.
	if err := proc.Start(cmd); err != nil {
		return err
	}
	n.cmds = append(n.cmds, cmd)
	done := make(chan struct{})
	n.exited = append(n.exited, done)
	go func() { _ = cmd.Wait(); close(done) }()
	// The same pid file as `govchain testnet`, so `testnet stop --dir`
	// cleans up after a bench that died.
	return os.WriteFile(filepath.Join(ni.Home, "node.pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
}

func (n *Net) waitReady(ctx context.Context, h int64) error {
	// No deadline for a slow machine: a node is waited for while its
	// process lives; the bound only keeps a hung node from hanging the run.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for i := range n.Nodes {
		for {
			s, err := n.rpcs[i].Status(ctx)
			if err == nil && s.SyncInfo.LatestBlockHeight >= h && !s.SyncInfo.CatchingUp {
				break
			}
			var exited <-chan struct{}
			if i < len(n.exited) {
				exited = n.exited[i]
			}
			select {
			case <-exited:
				return fmt.Errorf("node %d exited (%s); %s", i, n.cmds[i].ProcessState, n.logTail(i))
			case <-ctx.Done():
				return fmt.Errorf("node %d not ready at height %d (%v); %s", i, h, err, n.logTail(i))
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

// logTail is the end of node i's log, for an error message (the log
// itself goes with the test's temporary directory).
func (n *Net) logTail(i int) string {
	p := filepath.Join(n.Nodes[i].Home, "node.log")
	b, err := os.ReadFile(p)
	if err != nil {
		return "no log: " + err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "tail of " + p + ":\n" + string(b)
}

// Height is node i's latest block height.
func (n *Net) Height(ctx context.Context, i int) (int64, error) {
	s, err := n.rpcs[i].Status(ctx)
	if err != nil {
		return 0, err
	}
	return s.SyncInfo.LatestBlockHeight, nil
}

// Pid of node i's process.
func (n *Net) Pid(i int) int { return n.cmds[i].Process.Pid }

// RSS is node i's resident memory in bytes (VmRSS).
func (n *Net) RSS(i int) (int64, error) { return procRSS(n.Pid(i), "VmRSS") }

// Stop terminates the processes this network started (SIGTERM, then
// SIGKILL after 20 s) and waits for them.
func (n *Net) Stop() {
	for _, c := range n.cmds {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	for i, c := range n.cmds {
		select {
		case <-n.exited[i]:
		case <-time.After(20 * time.Second):
			_ = c.Process.Kill()
			<-n.exited[i]
		}
		_ = os.Remove(filepath.Join(n.Nodes[i].Home, "node.pid"))
	}
	n.cmds, n.exited = nil, nil
}

// DiskBytes is the size on disk of node i's data directory (CometBFT block
// store, indexes and app state).
func (n *Net) DiskBytes(i int) int64 { return dirBytes(filepath.Join(n.Nodes[i].Home, "data")) }

// dirBytes sums the allocated size of the files under dir.
func dirBytes(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		} else {
			total += fi.Size()
		}
		return nil
	})
	return total
}

// procRSS reads a memory field (VmRSS, VmHWM) of /proc/<pid>/status in bytes.
func procRSS(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line[len(field)+1:])
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}
