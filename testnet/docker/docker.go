// Package docker runs a govchain network as Docker containers: one
// validator per container, built FROM scratch around a static govchain
// binary, laid out by Generate and driven through docker compose.
//
// Every pair of validators shares a private, internal /29 bridge network
// (a "link"); each container resolves its peers' hostnames (node0, node1,
// ...) through /etc/hosts entries to the peer's address on their common
// link. So any partition of the validators is a set of
// `docker network disconnect` calls, and healing it is the matching
// `docker network connect --ip`. A separate "api" bridge network carries
// the published API and RPC ports, bound on 127.0.0.1 only.
package docker

import (
	"bytes"
	"context"
	"crypto/rand"
	"debug/elf"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

// Dockerfile is the image recipe (testnet/docker/Dockerfile).
//
//go:embed Dockerfile
var Dockerfile []byte

// DefaultImage is the tag `govchain testnet docker up` builds and runs.
const DefaultImage = "govchain:local"

// Ports inside every container.
const (
	P2PPort  = 26656
	RPCPort  = 26657
	APIPort  = 26680
	PromPort = 26660
)

// Node is one validator container.
type Node struct {
	Index     int    `json:"index"`
	Dept      string `json:"dept"`
	Service   string `json:"service"`   // compose service and hostname, e.g. node0
	Container string `json:"container"` // docker container name
	Home      string `json:"home"`      // host directory bind-mounted at /govchain
	NodeID    string `json:"node_id"`
	API       string `json:"api"` // 127.0.0.1:port published for the API
	RPC       string `json:"rpc"` // 127.0.0.1:port published for CometBFT RPC
}

// Link is the private network two validators talk over.
type Link struct {
	Key     string `json:"key"`     // compose network key, e.g. l0_1
	Network string `json:"network"` // docker network name (project_key)
	A       int    `json:"a"`
	B       int    `json:"b"`
	Subnet  string `json:"subnet"`
	IPA     string `json:"ip_a"`
	IPB     string `json:"ip_b"`
}

// IP is node i's address on this link.
func (l Link) IP(i int) string {
	if i == l.A {
		return l.IPA
	}
	return l.IPB
}

// Manifest is DIR/docker.json.
type Manifest struct {
	ChainID       string `json:"chain_id"`
	Project       string `json:"project"` // compose project name
	Image         string `json:"image"`
	Subnet        string `json:"subnet"` // /24 carved into the links' /29s
	TimeoutCommit string `json:"timeout_commit"`
	User          string `json:"user"` // uid:gid the containers run as
	Nodes         []Node `json:"nodes"`
	Links         []Link `json:"links"`
	Proxy         *Proxy `json:"proxy,omitempty"` // p2p through toxiproxy (UseProxy)
}

// Network is a generated network directory.
type Network struct {
	Dir string
	Manifest

	mu  sync.Mutex
	cut map[string]bool // link keys currently disconnected (by Partition)
}

// Options for Generate.
type Options struct {
	Validators    int
	ChainID       string
	Image         string
	BasePort      int // host ports: node i publishes its API on 127.0.0.1:BasePort+10i+2 and RPC on +1
	Subnet        string
	TimeoutCommit time.Duration
	Project       string
}

// ComposeFile is the compose file Generate writes into the directory.
const ComposeFile = "docker-compose.yml"

// PassphraseEnvFile holds GOVCHAIN_PASSPHRASE for the containers (the
// testnet-only passphrase), kept out of the compose file.
const PassphraseEnvFile = "passphrase.env"

func manifestPath(dir string) string { return filepath.Join(dir, "docker.json") }

// Generate creates N validator homes in dir (node0..nodeN-1) with
// node.InitHome, using the container hostnames as P2P external addresses,
// a shared genesis from node.BuildGenesis, persistent peers, and the
// compose file. It does not need Docker.
func Generate(dir string, o Options) (*Network, error) {
	if o.Validators < 1 || o.Validators > len(testnet.Departments) {
		return nil, fmt.Errorf("validators must be 1..%d", len(testnet.Departments))
	}
	if o.ChainID == "" {
		o.ChainID = "govchain-docker"
	}
	if o.Image == "" {
		o.Image = DefaultImage
	}
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = 500 * time.Millisecond
	}
	if _, err := os.Stat(manifestPath(dir)); err == nil {
		return nil, fmt.Errorf("%s already holds a docker testnet; `govchain testnet docker down --dir %s` and remove it, or pick another --dir", dir, dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, err
	}
	if o.BasePort == 0 {
		if o.BasePort, err = testnet.FreeBasePort(o.Validators); err != nil {
			return nil, err
		}
	}
	if o.Project == "" {
		o.Project = "govchain-" + randHex(4)
	}
	if o.Subnet == "" {
		if o.Subnet, err = PickSubnet(context.Background()); err != nil {
			return nil, err
		}
	}
	n := &Network{Dir: abs, Manifest: Manifest{ChainID: o.ChainID, Project: o.Project, Image: o.Image,
		TimeoutCommit: o.TimeoutCommit.String(), User: fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())}}
	var infos []node.DeptInfo
	for i := 0; i < o.Validators; i++ {
		d := testnet.Departments[i]
		svc := "node" + strconv.Itoa(i)
		nd := Node{Index: i, Dept: d.Code, Service: svc, Container: o.Project + "-" + svc,
			Home: filepath.Join(abs, svc),
			RPC:  "127.0.0.1:" + strconv.Itoa(o.BasePort+10*i+1),
			API:  "127.0.0.1:" + strconv.Itoa(o.BasePort+10*i+2)}
		info, err := node.InitHome(node.Home(nd.Home), node.InitOptions{Dept: d.Code, DeptName: d.Name, Passphrase: []byte(testnet.Passphrase),
			P2PListen:     "0.0.0.0:" + strconv.Itoa(P2PPort),
			P2PExternal:   svc + ":" + strconv.Itoa(P2PPort),
			RPCListen:     "0.0.0.0:" + strconv.Itoa(RPCPort),
			APIListen:     "0.0.0.0:" + strconv.Itoa(APIPort),
			PromListen:    "0.0.0.0:" + strconv.Itoa(PromPort),
			TimeoutCommit: o.TimeoutCommit})
		if err != nil {
			return nil, err
		}
		nd.NodeID = info.NodeID
		infos = append(infos, *info)
		n.Nodes = append(n.Nodes, nd)
	}
	doc, err := node.BuildGenesis(node.GenesisOptions{ChainID: o.ChainID}, infos)
	if err != nil {
		return nil, err
	}
	var peers []string
	for i, nd := range n.Nodes {
		peers = append(peers, nd.NodeID+"@"+infos[i].P2PAddress)
	}
	for _, nd := range n.Nodes {
		h := node.Home(nd.Home)
		if err := doc.SaveAs(h.GenesisFile()); err != nil {
			return nil, err
		}
		if err := node.SetPeers(h, peers); err != nil {
			return nil, err
		}
		// Peers come only from the persistent list, resolved through
		// /etc/hosts to the shared link: no peer exchange, so a node never
		// learns a route around a partition.
		cfg, err := h.CometConfigNoGenesis()
		if err != nil {
			return nil, err
		}
		cfg.P2P.PexReactor = false
		cmtcfg.WriteConfigFile(h.Path("config", "config.toml"), cfg)
	}
	if err := os.WriteFile(filepath.Join(abs, "passphrase.txt"), []byte(testnet.Passphrase+"\n"), 0o600); err != nil {
		return nil, err
	}
	// `node start` reads the department key's passphrase from the
	// environment (the key signs the node's block attestations)
	if err := os.WriteFile(filepath.Join(abs, PassphraseEnvFile), []byte("GOVCHAIN_PASSPHRASE="+testnet.Passphrase+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := n.layoutLinks(o.Subnet); err != nil {
		return nil, err
	}
	return n, n.save()
}

// layoutLinks carves subnet (a /24) into one /29 per pair of validators.
func (n *Network) layoutLinks(subnet string) error {
	p, err := netip.ParsePrefix(subnet)
	if err != nil || !p.Addr().Is4() || p.Bits() > 24 {
		return fmt.Errorf("subnet %q: want an IPv4 /24 (or larger), e.g. 10.213.7.0/24", subnet)
	}
	p = p.Masked()
	n.Subnet = p.String()
	n.Links = nil
	base := p.Addr().As4()
	k := 0
	for a := 0; a < len(n.Nodes); a++ {
		for b := a + 1; b < len(n.Nodes); b++ {
			off := 8 * k
			if off+8 > 256 {
				return errors.New("too many validators for one /24")
			}
			ip := func(d int) string {
				x := base
				x[3] += byte(off + d)
				return netip.AddrFrom4(x).String()
			}
			key := fmt.Sprintf("l%d_%d", a, b)
			n.Links = append(n.Links, Link{Key: key, Network: n.Project + "_" + key, A: a, B: b,
				Subnet: ip(0) + "/29", IPA: ip(2), IPB: ip(3)})
			k++
		}
	}
	return nil
}

// LinkBetween is the link of validators a and b.
func (n *Network) LinkBetween(a, b int) Link {
	if a > b {
		a, b = b, a
	}
	for _, l := range n.Links {
		if l.A == a && l.B == b {
			return l
		}
	}
	panic(fmt.Sprintf("no link %d-%d", a, b))
}

// WriteCompose writes DIR/docker-compose.yml from the manifest.
func (n *Network) WriteCompose() error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by `govchain testnet docker` for chain %s; regenerate rather than edit.\n", n.ChainID)
	fmt.Fprintf(&b, "# Run with: docker compose -p %s -f %s up -d   (or docker-compose)\n", n.Project, ComposeFile)
	b.WriteString("# Each pair of validators shares a private internal network (l<a>_<b>); peers'\n")
	b.WriteString("# hostnames resolve to their address on that link, so\n")
	b.WriteString("# `docker network disconnect <project>_l<a>_<b> <container>` cuts exactly that pair.\n")
	b.WriteString("version: \"2.4\"\n\nservices:\n")
	for _, nd := range n.Nodes {
		fmt.Fprintf(&b, "  %s:\n", nd.Service)
		fmt.Fprintf(&b, "    image: %q\n", n.Image)
		fmt.Fprintf(&b, "    container_name: %q\n", nd.Container)
		fmt.Fprintf(&b, "    hostname: %q\n", nd.Service)
		fmt.Fprintf(&b, "    user: %q\n", n.User)
		b.WriteString("    command: [\"node\", \"start\", \"--home\", \"/govchain\"]\n")
		fmt.Fprintf(&b, "    env_file: [%q]\n", filepath.Join(n.Dir, PassphraseEnvFile))
		b.WriteString("    stop_grace_period: 20s\n")
		b.WriteString("    logging:\n      driver: json-file\n      options: {max-size: \"20m\", max-file: \"2\"}\n")
		fmt.Fprintf(&b, "    volumes:\n      - %q\n", nd.Home+":/govchain")
		fmt.Fprintf(&b, "    ports:\n      - %q   # govchain API\n      - %q   # CometBFT RPC\n",
			nd.API+":"+strconv.Itoa(APIPort), nd.RPC+":"+strconv.Itoa(RPCPort))
		b.WriteString("    networks:\n      api: {}\n")
		var hosts []string
		for _, l := range n.Links {
			if l.A != nd.Index && l.B != nd.Index {
				continue
			}
			fmt.Fprintf(&b, "      %s:\n        ipv4_address: %s\n", l.Key, l.IP(nd.Index))
			peer := l.A
			if peer == nd.Index {
				peer = l.B
			}
			to := l.IP(peer)
			if n.Proxy != nil {
				to = l.ProxyIP()
			}
			hosts = append(hosts, fmt.Sprintf("%s:%s", n.Nodes[peer].Service, to))
		}
		if len(hosts) > 0 {
			b.WriteString("    extra_hosts:\n")
			for _, h := range hosts {
				fmt.Fprintf(&b, "      - %q\n", h)
			}
		}
	}
	if n.Proxy != nil {
		if err := n.writeProxy(&b); err != nil {
			return err
		}
	}
	b.WriteString("\nnetworks:\n  api:\n    driver: bridge\n")
	for _, l := range n.Links {
		fmt.Fprintf(&b, "  %s:\n    driver: bridge\n    internal: true\n    ipam:\n      config:\n        - subnet: %s\n", l.Key, l.Subnet)
	}
	return os.WriteFile(filepath.Join(n.Dir, ComposeFile), []byte(b.String()), 0o644)
}

func (n *Network) save() error {
	if err := n.WriteCompose(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(n.Manifest, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(manifestPath(n.Dir), append(b, '\n'), 0o644)
}

// Load opens a generated network directory.
func Load(dir string) (*Network, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(manifestPath(abs))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no docker testnet in %s (create one with `govchain testnet docker up --dir %s`)", dir, dir)
		}
		return nil, err
	}
	n := &Network{Dir: abs}
	return n, json.Unmarshal(b, &n.Manifest)
}

// Client is the API client of node i (through its published port).
func (n *Network) Client(i int) *client.Client { return client.New(n.Nodes[i].API) }

// DeptKey decrypts node i's department SM2 admin key.
func (n *Network) DeptKey(i int) (*smcrypto.PrivateKey, error) {
	return node.Home(n.Nodes[i].Home).LoadDeptKey([]byte(testnet.Passphrase))
}

// RPCURL is node i's CometBFT RPC base URL (through its published port).
func (n *Network) RPCURL(i int) string { return "http://" + n.Nodes[i].RPC }

// ---- docker and compose ----

// Available reports why Docker cannot be used, or nil.
func Available(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return errors.New("the docker CLI is not installed")
	}
	if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		return fmt.Errorf("the Docker daemon is not reachable: %v: %s", err, bytes.TrimSpace(out))
	}
	if _, err := ComposeCommand(ctx); err != nil {
		return err
	}
	return nil
}

var (
	composeOnce sync.Once
	composeCmd  []string
	composeErr  error
)

// ComposeCommand is `docker compose` (the v2 plugin) when present, else the
// standalone `docker-compose`.
func ComposeCommand(ctx context.Context) ([]string, error) {
	composeOnce.Do(func() {
		if exec.CommandContext(ctx, "docker", "compose", "version").Run() == nil {
			composeCmd = []string{"docker", "compose"}
			return
		}
		if p, err := exec.LookPath("docker-compose"); err == nil && exec.CommandContext(ctx, p, "version").Run() == nil {
			composeCmd = []string{p}
			return
		}
		composeErr = errors.New("neither `docker compose` nor `docker-compose` works (apt-get install docker-compose)")
	})
	return composeCmd, composeErr
}

// Docker runs the docker CLI and returns its trimmed combined output.
func Docker(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	out, err := cmd.CombinedOutput()
	s := strings.TrimSpace(string(out))
	if err != nil {
		return s, fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, s)
	}
	return s, nil
}

// Compose runs a compose subcommand for this network's project.
func (n *Network) Compose(ctx context.Context, args ...string) (string, error) {
	cc, err := ComposeCommand(ctx)
	if err != nil {
		return "", err
	}
	full := append(append(append([]string{}, cc[1:]...), "-p", n.Project, "-f", filepath.Join(n.Dir, ComposeFile)), args...)
	cmd := exec.CommandContext(ctx, cc[0], full...)
	cmd.Dir = n.Dir
	out, err := cmd.CombinedOutput()
	s := strings.TrimSpace(string(out))
	if err != nil {
		return s, fmt.Errorf("%s %s: %v: %s", strings.Join(cc, " "), strings.Join(full[len(cc)-1:], " "), err, s)
	}
	return s, nil
}

// ImageExists reports whether tag is in the local image store.
func ImageExists(ctx context.Context, tag string) bool {
	_, err := Docker(ctx, "image", "inspect", "--format", "{{.Id}}", tag)
	return err == nil
}

// BuildCommand builds the binary the image holds, from the repository
// root: static (the image is FROM scratch: no libc) and with the browser
// verifier embedded (no Go toolchain in the image to build it on first
// use of /verify).
const BuildCommand = "go generate ./node/verify/web && CGO_ENABLED=0 go build -tags embedwasm -trimpath -o testnet/docker/govchain ./cmd/govchain"

// CheckStatic refuses a binary that needs a dynamic loader: a FROM scratch
// image has no libc.
func CheckStatic(bin string) error {
	f, err := elf.Open(bin)
	if err != nil {
		return fmt.Errorf("%s: %w (build it with %s)", bin, err, BuildCommand)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; the image is FROM scratch: rebuild with %s", bin, BuildCommand)
		}
	}
	return nil
}

// CheckVerifier refuses a binary that does not embed the browser
// verifier: in the image /verify could not get one. It asks the binary
// (`govchain version --output json`); a binary this machine cannot run
// (another architecture) is not checked.
func CheckVerifier(ctx context.Context, bin string) error {
	out, err := exec.CommandContext(ctx, bin, "version", "--output", "json").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s version: %v\n%s", bin, err, ee.Stderr)
		}
		return nil // cannot run it here
	}
	var v struct {
		Verifier struct {
			Embedded bool `json:"embedded"`
		} `json:"verifier"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return fmt.Errorf("%s version --output json: %w", bin, err)
	}
	if !v.Verifier.Embedded {
		return fmt.Errorf("%s does not embed the browser verifier, so /verify would not work in the FROM scratch image: rebuild with %s", bin, BuildCommand)
	}
	return nil
}

// BuildImage builds tag from the embedded Dockerfile and a static govchain
// binary that embeds the verifier, in a temporary build context holding
// just those two files.
func BuildImage(ctx context.Context, tag, bin string) error {
	if err := CheckStatic(bin); err != nil {
		return err
	}
	if err := CheckVerifier(ctx, bin); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "govchain-image")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), Dockerfile, 0o644); err != nil {
		return err
	}
	if err := copyFile(bin, filepath.Join(dir, "govchain"), 0o755); err != nil {
		return err
	}
	_, err = Docker(ctx, "build", "--quiet", "-t", tag, dir)
	return err
}

func copyFile(src, dst string, mode os.FileMode) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, mode)
}

// Up starts every container (compose up -d) and waits until every node has
// committed height 2. If the links' subnet collides with a network created
// meanwhile, it picks another and retries.
func (n *Network) Up(ctx context.Context) error {
	if !ImageExists(ctx, n.Image) {
		return fmt.Errorf("image %s is not built (there is no registry to pull from): `govchain testnet docker up --build`, or docker build -t %s testnet/docker", n.Image, n.Image)
	}
	for try := 0; ; try++ {
		_, err := n.Compose(ctx, "up", "-d", "--no-build")
		if err == nil {
			break
		}
		if try < 3 && strings.Contains(err.Error(), "overlaps") {
			_, _ = n.Compose(ctx, "down", "--remove-orphans")
			s, perr := PickSubnet(ctx)
			if perr != nil {
				return perr
			}
			if perr := n.layoutLinks(s); perr != nil {
				return perr
			}
			if perr := n.save(); perr != nil {
				return perr
			}
			continue
		}
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for i := range n.Nodes {
		if _, err := n.Client(i).WaitHeight(wctx, 2); err != nil {
			logs, _ := n.Logs(ctx, i, 30)
			return fmt.Errorf("node %d (%s) did not reach height 2: %w\n%s", i, n.Nodes[i].Container, err, logs)
		}
	}
	return nil
}

// Down removes the containers and networks; the homes stay on disk.
func (n *Network) Down(ctx context.Context) error {
	_, err := n.Compose(ctx, "down", "--remove-orphans", "-t", "20")
	return err
}

// Kill sends SIGKILL to node i's process (docker kill).
func (n *Network) Kill(ctx context.Context, i int) error {
	_, err := Docker(ctx, "kill", "--signal", "KILL", n.Nodes[i].Container)
	if err != nil {
		return err
	}
	for j := 0; j < 100; j++ {
		if st, _ := n.State(ctx, i); st != "running" {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s still running after docker kill", n.Nodes[i].Container)
}

// Start starts node i's stopped container.
func (n *Network) Start(ctx context.Context, i int) error {
	_, err := Docker(ctx, "start", n.Nodes[i].Container)
	return err
}

// Stop stops node i gracefully (SIGTERM, SIGKILL after 20 s).
func (n *Network) Stop(ctx context.Context, i int) error {
	_, err := Docker(ctx, "stop", "-t", "20", n.Nodes[i].Container)
	return err
}

// Pause freezes every process of node i (cgroup freezer, like SIGSTOP).
func (n *Network) Pause(ctx context.Context, i int) error {
	_, err := Docker(ctx, "pause", n.Nodes[i].Container)
	return err
}

// Unpause thaws node i.
func (n *Network) Unpause(ctx context.Context, i int) error {
	_, err := Docker(ctx, "unpause", n.Nodes[i].Container)
	return err
}

// State is node i's container state: running, paused, exited, ... or
// "missing".
func (n *Network) State(ctx context.Context, i int) (string, error) {
	s, err := Docker(ctx, "inspect", "--format", "{{.State.Status}}", n.Nodes[i].Container)
	if err != nil {
		return "missing", err
	}
	return s, nil
}

// Logs returns the last lines of node i's output.
func (n *Network) Logs(ctx context.Context, i, tail int) (string, error) {
	return Docker(ctx, "logs", "--tail", strconv.Itoa(tail), n.Nodes[i].Container)
}

// Partition cuts every link between validators in different groups: after
// Partition([]int{0,1}, []int{2,3}) nodes 0 and 1 only reach each other.
func (n *Network) Partition(ctx context.Context, groups ...[]int) error {
	side := map[int]int{}
	for g, members := range groups {
		for _, m := range members {
			side[m] = g
		}
	}
	for _, l := range n.Links {
		if side[l.A] == side[l.B] {
			continue
		}
		n.mu.Lock()
		done := n.cut == nil || !n.cut[l.Key]
		n.mu.Unlock()
		if !done {
			continue
		}
		// disconnecting one end is enough: the link then has one member
		if _, err := Docker(ctx, "network", "disconnect", "--force", l.Network, n.Nodes[l.B].Container); err != nil {
			return err
		}
		n.mu.Lock()
		if n.cut == nil {
			n.cut = map[string]bool{}
		}
		n.cut[l.Key] = true
		n.mu.Unlock()
	}
	return nil
}

// Heal reconnects every link Partition cut, with the same addresses.
func (n *Network) Heal(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, l := range n.Links {
		if !n.cut[l.Key] {
			continue
		}
		nd := n.Nodes[l.B]
		if _, err := Docker(ctx, "network", "connect", "--ip", l.IPB, "--alias", nd.Service, l.Network, nd.Container); err != nil {
			return err
		}
		delete(n.cut, l.Key)
	}
	return nil
}

// WipeData deletes node i's chain data (data/, including the application
// state in data/app) but keeps its keys, config and
// data/priv_validator_state.json, the consensus key's last signed
// height/round/step that stops it from ever double-signing. The node must
// be stopped; on start it block-syncs everything from its peers.
func (n *Network) WipeData(ctx context.Context, i int) error {
	if st, _ := n.State(ctx, i); st == "running" || st == "paused" {
		return fmt.Errorf("stop %s before wiping its data", n.Nodes[i].Container)
	}
	h := node.Home(n.Nodes[i].Home)
	pvs := h.Path("data", "priv_validator_state.json")
	keep, err := os.ReadFile(pvs)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(h.Path("data")); err != nil {
		return err
	}
	if err := os.MkdirAll(h.Path("data"), 0o700); err != nil {
		return err
	}
	return os.WriteFile(pvs, keep, 0o600)
}

// PickSubnet chooses a random 10.x.y.0/24 that overlaps no Docker network
// and no address of this host.
func PickSubnet(ctx context.Context) (string, error) {
	var used []netip.Prefix
	if ids, err := Docker(ctx, "network", "ls", "-q"); err == nil && ids != "" {
		args := append([]string{"network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"}, strings.Fields(ids)...)
		if out, err := Docker(ctx, args...); err == nil {
			for _, f := range strings.Fields(out) {
				if p, err := netip.ParsePrefix(f); err == nil {
					used = append(used, p)
				}
			}
		}
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				used = append(used, p)
			}
		}
	}
	for try := 0; try < 200; try++ {
		x, _ := rand.Int(rand.Reader, big.NewInt(90*256))
		v := int(x.Int64())
		cand := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(160 + v/256), byte(v % 256), 0}), 24)
		ok := true
		for _, u := range used {
			if u.Overlaps(cand) {
				ok = false
				break
			}
		}
		if ok {
			return cand.String(), nil
		}
	}
	return "", errors.New("no free 10.160-249.x.0/24 subnet")
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}
