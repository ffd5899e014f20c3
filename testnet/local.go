// Package testnet creates and runs local govchain networks: N validator
// processes on 127.0.0.1 ports, one home directory each, a shared genesis.
package testnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet/proc"
)

// Departments used for local networks: real district departments, in the
// order validators are created.
var Departments = []struct{ Code, Name string }{
	{"ZWFW", "政务服务管理局 Government Services Administration"},
	{"SCJG", "市场监督管理局 Market Supervision Administration"},
	{"RSJ", "人力资源和社会保障局 Human Resources and Social Security Bureau"},
	{"WJW", "卫生健康委员会 Health Commission"},
	{"ZJW", "住房和城乡建设委员会 Housing and Urban-Rural Development Commission"},
	{"JW", "教育委员会 Education Commission"},
	{"MZJ", "民政局 Civil Affairs Bureau"},
	{"SFJ", "司法局 Justice Bureau"},
}

// Passphrase protects the testnet's department keys. A local network is
// for development only; production homes use `govchain node init` with a
// passphrase of the operator's choosing.
const Passphrase = "govchain-testnet-only"

// NodeInfo is one validator of the network.
type NodeInfo struct {
	Index  int    `json:"index"`
	Dept   string `json:"dept"`
	Home   string `json:"home"`
	P2P    string `json:"p2p"`
	RPC    string `json:"rpc"`
	API    string `json:"api"`
	Prom   string `json:"prom"`
	NodeID string `json:"node_id"`
}

// Manifest is DIR/testnet.json.
type Manifest struct {
	ChainID string     `json:"chain_id"`
	Binary  string     `json:"binary"`
	Nodes   []NodeInfo `json:"nodes"`
}

// Options for Create.
type Options struct {
	Validators    int
	ChainID       string
	BasePort      int // node i uses BasePort+10*i .. +3
	Binary        string
	TimeoutCommit time.Duration
	// Genesis lets callers add module genesis sections (demo data).
	GenesisModules map[string]json.RawMessage
	// Grants per department code (e.g. "issuer:BL").
	Grants map[string][]string
	// NoAttestations turns SM2 block attestations off (benchmarks).
	NoAttestations bool
	// SnapshotInterval: a state snapshot every so many blocks (0: the
	// node's default, node.DefaultSnapshotInterval).
	SnapshotInterval int64
	// KeepRecent: state versions each node keeps (0: every one, an archive:
	// test networks run blocks 50–100 ms apart and their tests prove at
	// heights far behind the head; -1: the node's default,
	// node.DefaultKeepRecent).
	KeepRecent int64
}

// Network is a local network on disk, optionally with processes it started.
type Network struct {
	Dir string
	Manifest
	// Detach makes the nodes this value starts outlive the caller (the
	// background network of `govchain testnet start` and `demo`). Otherwise
	// (tests, --foreground) each node is started attached (testnet/proc):
	// in its own process group, killed when the caller dies.
	Detach bool
	mu     sync.Mutex
	procs  map[int]*exec.Cmd
}

func manifestPath(dir string) string { return filepath.Join(dir, "testnet.json") }

// Create lays out homes, keys and a shared genesis in dir.
func Create(dir string, o Options) (*Network, error) {
	if o.Validators < 1 || o.Validators > len(Departments) {
		return nil, fmt.Errorf("--validators must be 1..%d", len(Departments))
	}
	if o.ChainID == "" {
		o.ChainID = "govchain-local"
	}
	if o.BasePort == 0 {
		o.BasePort = 26600
	}
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = 500 * time.Millisecond
	}
	if _, err := os.Stat(manifestPath(dir)); err == nil {
		return nil, fmt.Errorf("%s already holds a testnet; stop it and remove the directory, or pick another --dir", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	bin, err := installBinary(dir, o.Binary)
	if err != nil {
		return nil, err
	}
	n := &Network{Dir: dir, Manifest: Manifest{ChainID: o.ChainID, Binary: bin}, procs: map[int]*exec.Cmd{}}
	var infos []node.DeptInfo
	for i := 0; i < o.Validators; i++ {
		d := Departments[i]
		port := o.BasePort + 10*i
		ni := NodeInfo{Index: i, Dept: d.Code, Home: filepath.Join(dir, "node"+strconv.Itoa(i)),
			P2P: addr(port), RPC: addr(port + 1), API: addr(port + 2), Prom: addr(port + 3)}
		for _, a := range []string{ni.P2P, ni.RPC, ni.API, ni.Prom} {
			if err := portFree(a); err != nil {
				return nil, fmt.Errorf("%w (choose another --base-port)", err)
			}
		}
		info, err := node.InitHome(node.Home(ni.Home), node.InitOptions{Dept: d.Code, DeptName: d.Name, Passphrase: []byte(Passphrase),
			P2PListen: ni.P2P, RPCListen: ni.RPC, APIListen: ni.API, PromListen: ni.Prom, TimeoutCommit: o.TimeoutCommit, SnapshotInterval: o.SnapshotInterval, KeepRecent: initKeepRecent(o.KeepRecent)})
		if err != nil {
			return nil, err
		}
		ni.NodeID = info.NodeID
		infos = append(infos, *info)
		n.Nodes = append(n.Nodes, ni)
	}
	// A district root CA for the network, in DIR/ca (same passphrase).
	root, err := ca.InitRoot(filepath.Join(dir, "ca"), ca.RootOptions{District: "CY", Name: "朝阳区政务根CA (testnet)", Passphrase: []byte(Passphrase), Now: time.Now().Add(-time.Hour)})
	if err != nil {
		return nil, err
	}
	// Each department's admin key gets a department certificate from it, so
	// a CRL can revoke a whole department's key (and its attestations).
	adminCerts := map[string][]byte{}
	for _, info := range infos {
		pub, err := smcrypto.ParsePublicKey(info.AdminPublicKey)
		if err != nil {
			return nil, err
		}
		_, der, err := root.Issue(ca.Request{Kind: ca.KindDepartment, Dept: info.Code, DeptName: info.Name, Name: info.Name, PublicKey: pub, NotBefore: time.Now().Add(-time.Hour)})
		if err != nil {
			return nil, err
		}
		adminCerts[info.Code] = der
	}
	doc, err := node.BuildGenesis(node.GenesisOptions{ChainID: o.ChainID, Modules: o.GenesisModules, Grants: o.Grants, RootCAs: [][]byte{root.Cert.Raw}, AdminCerts: adminCerts, NoAttestations: o.NoAttestations}, infos)
	if err != nil {
		return nil, err
	}
	for _, ni := range n.Nodes {
		if err := doc.SaveAs(node.Home(ni.Home).GenesisFile()); err != nil {
			return nil, err
		}
		var peers, verifyPeers []string
		for _, p := range n.Nodes {
			if p.Index != ni.Index {
				peers = append(peers, p.NodeID+"@"+p.P2P)
				verifyPeers = append(verifyPeers, "http://"+p.API)
			}
		}
		// the /verify page asks the other nodes for the latest height
		if err := node.SetVerifyPeers(node.Home(ni.Home), verifyPeers); err != nil {
			return nil, err
		}
		if err := node.SetPeers(node.Home(ni.Home), peers); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "passphrase.txt"), []byte(Passphrase+"\n"), 0o600); err != nil {
		return nil, err
	}
	return n, n.save()
}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func portFree(a string) error {
	ln, err := net.Listen("tcp", a)
	if err != nil {
		return fmt.Errorf("port %s is in use", a)
	}
	return ln.Close()
}

// FreeBasePort finds a base port with 10*n free ports above it.
func FreeBasePort(n int) (int, error) {
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		base := 20000 + (p % 30000)
		ok := true
		for i := 0; i < 10*n && ok; i++ {
			ok = portFree(addr(base+i)) == nil
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("no free port range found")
}

// installBinary copies the running binary (or the given one) into dir/bin,
// so the network keeps working after a `go run` build directory is removed.
func installBinary(dir, bin string) (string, error) {
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", err
		}
		bin = exe
	}
	dst, err := filepath.Abs(filepath.Join(dir, "bin", "govchain"))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	in, err := os.Open(bin)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	return dst, os.Rename(dst+".tmp", dst)
}

func (n *Network) save() error {
	b, err := json.MarshalIndent(n.Manifest, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(manifestPath(n.Dir), b, 0o644)
}

// Load opens an existing network directory.
func Load(dir string) (*Network, error) {
	b, err := os.ReadFile(manifestPath(dir))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no testnet in %s (create one with `govchain testnet start --dir %s`)", dir, dir)
		}
		return nil, err
	}
	n := &Network{Dir: dir, procs: map[int]*exec.Cmd{}}
	return n, json.Unmarshal(b, &n.Manifest)
}

func pidFile(home string) string { return filepath.Join(home, "node.pid") }

// StartNode starts validator i as a separate process: attached to the
// caller (dies with it), or detached from the caller's session so it
// survives the CLI that started it when n.Detach is set.
func (n *Network) StartNode(i int) error {
	ni := n.Nodes[i]
	if pid := readPID(ni.Home); pid > 0 && alive(pid) {
		return fmt.Errorf("node %d (%s) already running as pid %d", i, ni.Dept, pid)
	}
	logf, err := os.OpenFile(filepath.Join(ni.Home, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(n.Binary, "node", "start", "--home", ni.Home)
	cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+Passphrase)
	cmd.Stdout, cmd.Stderr = logf, logf
	start := proc.Start
	if n.Detach {
		start = proc.StartDetached
	}
	if err := start(cmd); err != nil {
		logf.Close()
		return err
	}
	logf.Close()
	n.mu.Lock()
	n.procs[i] = cmd
	n.mu.Unlock()
	go func() { _ = cmd.Wait() }() // reap; liveness is checked by pid
	return os.WriteFile(pidFile(ni.Home), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
}

// Start starts every validator and waits until all have committed block h.
func (n *Network) Start(ctx context.Context, h int64) error {
	for i := range n.Nodes {
		if err := n.StartNode(i); err != nil {
			return err
		}
	}
	return n.WaitHeight(ctx, h)
}

// WaitHeight waits until every running node reports height >= h.
func (n *Network) WaitHeight(ctx context.Context, h int64) error {
	for i := range n.Nodes {
		if !n.Running(i) {
			continue
		}
		if _, err := n.Client(i).WaitHeight(ctx, h); err != nil {
			return fmt.Errorf("node %d (%s): %w; see %s", i, n.Nodes[i].Dept, err, filepath.Join(n.Nodes[i].Home, "node.log"))
		}
	}
	return nil
}

// WaitReady waits until every running node has committed block 2 and is
// no longer catching up (a restarted network block-syncs first, and nodes
// refuse transactions until it has).
func (n *Network) WaitReady(ctx context.Context) error {
	for i := range n.Nodes {
		if !n.Running(i) {
			continue
		}
		c := n.Client(i)
		for {
			s, err := c.Status(ctx)
			if err == nil && s.Height >= 2 && !s.CatchingUp {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("node %d (%s) not ready: %w (last: %+v, %v); see %s", i, n.Nodes[i].Dept, ctx.Err(), s, err, filepath.Join(n.Nodes[i].Home, "node.log"))
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

// Running reports whether node i's process is alive.
func (n *Network) Running(i int) bool {
	pid := readPID(n.Nodes[i].Home)
	return pid > 0 && alive(pid)
}

// Signal sends sig to node i (SIGKILL for crash tests, SIGSTOP to pause).
func (n *Network) Signal(i int, sig syscall.Signal) error {
	pid := readPID(n.Nodes[i].Home)
	if pid <= 0 {
		return fmt.Errorf("node %d has no pid file", i)
	}
	return syscall.Kill(pid, sig)
}

// StopNode stops node i gracefully (SIGTERM), killing it after timeout.
func (n *Network) StopNode(i int, timeout time.Duration) error {
	pid := readPID(n.Nodes[i].Home)
	if pid <= 0 || !alive(pid) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(timeout)
	for alive(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			time.Sleep(100 * time.Millisecond)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = proc.KillGroup(pid, syscall.SIGKILL) // anything the node started
	return os.Remove(pidFile(n.Nodes[i].Home))
}

// KillNode kills node i with SIGKILL and waits for it to be gone.
func (n *Network) KillNode(i int) error {
	pid := readPID(n.Nodes[i].Home)
	if pid <= 0 {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	// A killed process is gone once reaped; wait for that condition (a
	// loaded machine may take a while), not a fixed time.
	for j := 0; alive(pid); j++ {
		if j == 1200 {
			return fmt.Errorf("node %d (pid %d) still alive 60 s after SIGKILL", i, pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = proc.KillGroup(pid, syscall.SIGKILL)
	return os.Remove(pidFile(n.Nodes[i].Home))
}

// Stop stops all nodes.
func (n *Network) Stop() error {
	var errs []error
	for i := range n.Nodes {
		errs = append(errs, n.StopNode(i, 20*time.Second))
	}
	return errors.Join(errs...)
}

// AddNode creates a home for a new department's node that joins the
// existing network (same genesis, peers = all current nodes) without being
// a validator yet: governance admits it. It returns the node's index and
// its dept.json.
func (n *Network) AddNode(dept, name string, basePort int) (int, *node.DeptInfo, error) {
	i := len(n.Nodes)
	ni := NodeInfo{Index: i, Dept: dept, Home: filepath.Join(n.Dir, "node"+strconv.Itoa(i)),
		P2P: addr(basePort), RPC: addr(basePort + 1), API: addr(basePort + 2), Prom: addr(basePort + 3)}
	for _, a := range []string{ni.P2P, ni.RPC, ni.API, ni.Prom} {
		if err := portFree(a); err != nil {
			return 0, nil, err
		}
	}
	c0, err := node.Home(n.Nodes[0].Home).CometConfigNoGenesis()
	if err != nil {
		return 0, nil, err
	}
	info, err := node.InitHome(node.Home(ni.Home), node.InitOptions{Dept: dept, DeptName: name, Passphrase: []byte(Passphrase),
		P2PListen: ni.P2P, RPCListen: ni.RPC, APIListen: ni.API, PromListen: ni.Prom, TimeoutCommit: c0.Consensus.TimeoutCommit, KeepRecent: -1})
	if err != nil {
		return 0, nil, err
	}
	ni.NodeID = info.NodeID
	gen, err := os.ReadFile(node.Home(n.Nodes[0].Home).GenesisFile())
	if err != nil {
		return 0, nil, err
	}
	if err := os.WriteFile(node.Home(ni.Home).GenesisFile(), gen, 0o644); err != nil {
		return 0, nil, err
	}
	var peers, verifyPeers []string
	for _, p := range n.Nodes {
		peers = append(peers, p.NodeID+"@"+p.P2P)
		verifyPeers = append(verifyPeers, "http://"+p.API)
	}
	if err := node.SetPeers(node.Home(ni.Home), peers); err != nil {
		return 0, nil, err
	}
	if err := node.SetVerifyPeers(node.Home(ni.Home), verifyPeers); err != nil {
		return 0, nil, err
	}
	// the current nodes' pages learn of the new node at their next start
	for _, p := range n.Nodes {
		h := node.Home(p.Home)
		c, err := h.LoadConfig()
		if err != nil {
			return 0, nil, err
		}
		if err := node.SetVerifyPeers(h, append(c.VerifyPeers, "http://"+ni.API)); err != nil {
			return 0, nil, err
		}
	}
	n.Nodes = append(n.Nodes, ni)
	return i, info, n.save()
}

// CA opens the network's root CA (DIR/ca).
func (n *Network) CA() (*ca.Authority, error) {
	return ca.Load(filepath.Join(n.Dir, "ca"), []byte(Passphrase))
}

func (n *Network) Client(i int) *client.Client { return client.New(n.Nodes[i].API) }

// DeptKey decrypts the SM2 admin key of node i's department.
func (n *Network) DeptKey(i int) (*smcrypto.PrivateKey, error) {
	return node.Home(n.Nodes[i].Home).LoadDeptKey([]byte(Passphrase))
}

func readPID(home string) int {
	b, err := os.ReadFile(pidFile(home))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(string(b))
	return pid
}

// alive is true for a running (not zombie) process.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// field 3 is the state; Z = zombie (killed but not yet reaped)
	for i := 0; i < len(b); i++ {
		if b[i] == ')' && i+2 < len(b) {
			return b[i+2] != 'Z'
		}
	}
	return true
}

// initKeepRecent maps Options.KeepRecent (0: archive, -1: the node's
// default) to node.InitOptions.KeepRecent (0: the default, -1: archive).
func initKeepRecent(k int64) int64 {
	switch k {
	case 0:
		return -1
	case -1:
		return 0
	}
	return k
}
