// Package fabricnet runs a one-orderer, one-peer Hyperledger Fabric v2.1.1
// network on 127.0.0.1 for the recognition tests: a partner province whose
// licence registry is the licence chaincode (testnet/fabric/chaincode) on
// channel "licences". No Docker: the orderer and the peer are plain
// processes, and the chaincode is a plain process started by the peer's
// external builder (testnet/fabric/builder).
//
// The binaries come from testnet/fabric/build.sh, which caches them outside
// the repository (Bin finds them); the crypto material is committed in
// testnet/fabric/network/crypto.
package fabricnet

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/govchain/govchain/testnet/proc"
)

// Names of the test network.
const (
	Channel    = "licences"
	Chaincode  = "licence"
	PeerMSP    = "TJSCJGMSP"
	OrdererMSP = "TJOrdererMSP"
)

// Root is testnet/fabric (the wrapper module) relative to this package.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "fabric")
}

// Key is build.sh's cache key: SHA-256 over go.sum, go.mod, the chaincode
// source and the Go version (as `go env GOVERSION` prints it), 16 hex digits.
func Key(goVersion string) (string, error) {
	h := sha256.New()
	for _, f := range []string{"go.sum", "go.mod", "chaincode/licence/main.go"} {
		b, err := os.ReadFile(filepath.Join(Root(), f))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	h.Write([]byte(goVersion + "\n"))
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Bin returns the directory with peer, orderer, configtxgen, cryptogen and
// licence: $GOVCHAIN_FABRIC_BIN, else build.sh's cache entry for this
// dependency set. The error says how to build them.
func Bin() (string, error) {
	dir := os.Getenv("GOVCHAIN_FABRIC_BIN")
	if dir == "" {
		out, err := exec.Command("go", "env", "GOVERSION").Output()
		if err != nil {
			return "", fmt.Errorf("go env GOVERSION: %v", err)
		}
		key, err := Key(strings.TrimSpace(string(out)))
		if err != nil {
			return "", err
		}
		cache := os.Getenv("GOVCHAIN_FABRIC_CACHE")
		if cache == "" {
			c, err := os.UserCacheDir()
			if err != nil {
				return "", err
			}
			cache = filepath.Join(c, "govchain", "fabric")
		}
		dir = filepath.Join(cache, key, "bin")
	}
	for _, b := range []string{"peer", "orderer", "configtxgen", "licence"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("Fabric binaries not found in %s (%v): build them once with testnet/fabric/build.sh (about 5 minutes; .ci/run does)", dir, err)
		}
	}
	return dir, nil
}

// Crypto is the committed crypto material.
func Crypto() string { return filepath.Join(Root(), "network", "crypto") }

// PeerOrg and OrdererOrg are the organisations' directories in Crypto().
func PeerOrg() string { return filepath.Join(Crypto(), "peerOrganizations", "scjg.tianjin.example") }
func OrdererOrg() string {
	return filepath.Join(Crypto(), "ordererOrganizations", "orderer.tianjin.example")
}

// PeerTLSCA and OrdererTLSCA are the organisations' TLS CA certificates.
func PeerTLSCA() string {
	return filepath.Join(PeerOrg(), "tlsca", "tlsca.scjg.tianjin.example-cert.pem")
}
func OrdererTLSCA() string {
	return filepath.Join(OrdererOrg(), "tlsca", "tlsca.orderer.tianjin.example-cert.pem")
}

// UserMSP is the MSP directory of a peer-org user (Admin or User1).
func UserMSP(user string) string {
	return filepath.Join(PeerOrg(), "users", user+"@scjg.tianjin.example", "msp")
}

// Network is a running test network.
type Network struct {
	Dir                     string
	Bin                     string
	OrdererAddr, PeerAddr   string
	ordererPort, peerPort   int
	procs                   []*exec.Cmd
	PackageID               string
	cfgDir, ordererLog, log string
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// Start lays the network out in dir and starts it: orderer, peer, channel
// "licences" joined, licence chaincode installed, approved and committed.
// Orderer, peer and chaincode talk TLS (cryptogen's TLS certificates, for
// 127.0.0.1): fabric-sdk-go v1.0.0 under current gRPC panics on plaintext
// connections (it takes every authenticated peer for a TLS one).
func Start(ctx context.Context, dir string) (*Network, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	n := &Network{Dir: dir, Bin: bin, ordererPort: ports[0], peerPort: ports[2],
		OrdererAddr: "127.0.0.1:" + strconv.Itoa(ports[0]), PeerAddr: "127.0.0.1:" + strconv.Itoa(ports[2]),
		cfgDir: filepath.Join(dir, "config")}
	ok := false
	defer func() {
		if !ok {
			n.Stop()
		}
	}()
	if err := n.writeConfig(ports); err != nil {
		return nil, err
	}
	arts := filepath.Join(dir, "artifacts")
	if err := os.MkdirAll(arts, 0o755); err != nil {
		return nil, err
	}
	if _, err := n.run(ctx, nil, "configtxgen", "-configPath", n.cfgDir, "-profile", "TJGenesis", "-channelID", "system-channel", "-outputBlock", filepath.Join(arts, "genesis.block")); err != nil {
		return nil, err
	}
	if _, err := n.run(ctx, nil, "configtxgen", "-configPath", n.cfgDir, "-profile", "TJChannel", "-channelID", Channel, "-outputCreateChannelTx", filepath.Join(arts, Channel+".tx")); err != nil {
		return nil, err
	}
	ordDir := filepath.Join(OrdererOrg(), "orderers", "orderer0.orderer.tianjin.example")
	if err := n.start("orderer", []string{
		"FABRIC_CFG_PATH=" + n.cfgDir,
		"ORDERER_GENERAL_LISTENADDRESS=127.0.0.1", "ORDERER_GENERAL_LISTENPORT=" + strconv.Itoa(ports[0]),
		"ORDERER_GENERAL_BOOTSTRAPMETHOD=file", "ORDERER_GENERAL_BOOTSTRAPFILE=" + filepath.Join(arts, "genesis.block"),
		"ORDERER_GENERAL_LOCALMSPDIR=" + filepath.Join(ordDir, "msp"), "ORDERER_GENERAL_LOCALMSPID=" + OrdererMSP,
		"ORDERER_FILELEDGER_LOCATION=" + filepath.Join(dir, "orderer"),
		"ORDERER_OPERATIONS_LISTENADDRESS=127.0.0.1:" + strconv.Itoa(ports[1]),
		"ORDERER_GENERAL_TLS_ENABLED=true",
		"ORDERER_GENERAL_TLS_PRIVATEKEY=" + filepath.Join(ordDir, "tls", "server.key"),
		"ORDERER_GENERAL_TLS_CERTIFICATE=" + filepath.Join(ordDir, "tls", "server.crt"),
		"ORDERER_GENERAL_TLS_ROOTCAS=[" + filepath.Join(ordDir, "tls", "ca.crt") + "]",
		"FABRIC_LOGGING_SPEC=warning",
	}); err != nil {
		return nil, err
	}
	if err := n.waitPort(ctx, n.OrdererAddr, 0); err != nil {
		return n, fmt.Errorf("orderer: %w\n%s", err, n.Logs())
	}
	peerDir := filepath.Join(PeerOrg(), "peers", "peer0.scjg.tianjin.example")
	if err := n.start("peer", []string{
		"FABRIC_CFG_PATH=" + n.cfgDir,
		"CORE_PEER_ID=peer0.scjg.tianjin.example", "CORE_PEER_NETWORKID=tianjin",
		"CORE_PEER_LISTENADDRESS=" + n.PeerAddr, "CORE_PEER_ADDRESS=" + n.PeerAddr,
		"CORE_PEER_CHAINCODELISTENADDRESS=127.0.0.1:" + strconv.Itoa(ports[3]), "CORE_PEER_CHAINCODEADDRESS=127.0.0.1:" + strconv.Itoa(ports[3]),
		"CORE_PEER_GOSSIP_BOOTSTRAP=" + n.PeerAddr, "CORE_PEER_GOSSIP_EXTERNALENDPOINT=" + n.PeerAddr, "CORE_PEER_GOSSIP_ENDPOINT=" + n.PeerAddr,
		"CORE_PEER_MSPCONFIGPATH=" + filepath.Join(peerDir, "msp"), "CORE_PEER_LOCALMSPID=" + PeerMSP,
		"CORE_PEER_FILESYSTEMPATH=" + filepath.Join(dir, "peer"),
		"CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:" + strconv.Itoa(ports[4]),
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_TLS_CERT_FILE=" + filepath.Join(peerDir, "tls", "server.crt"),
		"CORE_PEER_TLS_KEY_FILE=" + filepath.Join(peerDir, "tls", "server.key"),
		"CORE_PEER_TLS_ROOTCERT_FILE=" + filepath.Join(peerDir, "tls", "ca.crt"),
		"FABRIC_LOGGING_SPEC=warning:chaincode=info:lifecycle=info",
	}, "node", "start"); err != nil {
		return nil, err
	}
	if err := n.waitPort(ctx, n.PeerAddr, 1); err != nil {
		return n, fmt.Errorf("peer: %w\n%s", err, n.Logs())
	}
	admin := n.adminEnv()
	block := filepath.Join(arts, Channel+".block")
	if _, err := n.retry(ctx, admin, "peer", "channel", "create", "-o", n.OrdererAddr, "--tls", "--cafile", OrdererTLSCA(), "-c", Channel, "-f", filepath.Join(arts, Channel+".tx"), "--outputBlock", block); err != nil {
		return nil, err
	}
	if _, err := n.retry(ctx, admin, "peer", "channel", "join", "-b", block); err != nil {
		return nil, err
	}
	pkg := filepath.Join(arts, "licence.tar.gz")
	if err := writePackage(pkg, filepath.Join(bin, "licence")); err != nil {
		return nil, err
	}
	if _, err := n.run(ctx, admin, "peer", "lifecycle", "chaincode", "install", pkg); err != nil {
		return n, err
	}
	// The package id is the label and the SHA-256 of the package.
	pb, err := os.ReadFile(pkg)
	if err != nil {
		return n, err
	}
	sum := sha256.Sum256(pb)
	n.PackageID = "licence_1:" + hex.EncodeToString(sum[:])
	out, err := n.run(ctx, admin, "peer", "lifecycle", "chaincode", "queryinstalled")
	if err != nil {
		return n, err
	}
	if !strings.Contains(out, n.PackageID) {
		return n, fmt.Errorf("package %s not installed:\n%s", n.PackageID, out)
	}
	if _, err := n.retry(ctx, admin, "peer", "lifecycle", "chaincode", "approveformyorg", "-o", n.OrdererAddr, "--tls", "--cafile", OrdererTLSCA(), "--channelID", Channel,
		"--name", Chaincode, "--version", "1", "--package-id", n.PackageID, "--sequence", "1", "--waitForEvent"); err != nil {
		return nil, err
	}
	if _, err := n.retry(ctx, admin, "peer", "lifecycle", "chaincode", "commit", "-o", n.OrdererAddr, "--tls", "--cafile", OrdererTLSCA(), "--channelID", Channel,
		"--name", Chaincode, "--version", "1", "--sequence", "1", "--peerAddresses", n.PeerAddr, "--tlsRootCertFiles", PeerTLSCA(), "--waitForEvent"); err != nil {
		return nil, err
	}
	ok = true
	return n, nil
}

// adminEnv is the environment of the peer CLI acting as the org's admin.
func (n *Network) adminEnv() []string {
	return []string{"FABRIC_CFG_PATH=" + n.cfgDir, "CORE_PEER_LOCALMSPID=" + PeerMSP, "CORE_PEER_MSPCONFIGPATH=" + UserMSP("Admin"),
		"CORE_PEER_ADDRESS=" + n.PeerAddr, "CORE_PEER_TLS_ENABLED=true", "CORE_PEER_TLS_ROOTCERT_FILE=" + PeerTLSCA(),
		"FABRIC_LOGGING_SPEC=warning"}
}

// Invoke runs the licence chaincode through the peer CLI as the admin and
// waits for the transaction to commit.
func (n *Network) Invoke(ctx context.Context, args ...string) (string, error) {
	b, err := json.Marshal(map[string][]string{"Args": args})
	if err != nil {
		return "", err
	}
	return n.run(ctx, n.adminEnv(), "peer", "chaincode", "invoke", "-o", n.OrdererAddr, "--tls", "--cafile", OrdererTLSCA(), "-C", Channel, "-n", Chaincode,
		"--peerAddresses", n.PeerAddr, "--tlsRootCertFiles", PeerTLSCA(), "-c", string(b), "--waitForEvent")
}

// Query evaluates the licence chaincode on the peer (no transaction).
func (n *Network) Query(ctx context.Context, args ...string) (string, error) {
	b, err := json.Marshal(map[string][]string{"Args": args})
	if err != nil {
		return "", err
	}
	return n.run(ctx, n.adminEnv(), "peer", "chaincode", "query", "-C", Channel, "-n", Chaincode, "-c", string(b))
}

// ConnectionProfile writes a fabric-sdk-go connection profile for this
// network to path, with user (Admin or User1) of the peer org embedded by
// the paths of its certificate and key, and returns the org name to pass
// to the SDK ("TJSCJG"). Logging is "warning" ("warn" panics the SDK).
func (n *Network) ConnectionProfile(path, user string) (string, error) {
	msp := UserMSP(user)
	certs, err := filepath.Glob(filepath.Join(msp, "signcerts", "*.pem"))
	if err != nil || len(certs) != 1 {
		return "", fmt.Errorf("certificate of %s: %v", user, err)
	}
	store := filepath.Join(n.Dir, "sdk-store")
	y := `version: 1.0.0
client:
  organization: TJSCJG
  logging:
    level: warning
  cryptoconfig:
    path: ` + Crypto() + `
  credentialStore:
    path: ` + store + `/state
    cryptoStore:
      path: ` + store + `/msp
  BCCSP:
    security:
      enabled: true
      default:
        provider: SW
      hashAlgorithm: SHA2
      softVerify: true
      level: 256
channels:
  ` + Channel + `:
    orderers: [orderer0.orderer.tianjin.example]
    peers:
      peer0.scjg.tianjin.example:
        endorsingPeer: true
        chaincodeQuery: true
        ledgerQuery: true
        eventSource: true
organizations:
  TJSCJG:
    mspid: ` + PeerMSP + `
    cryptoPath: peerOrganizations/scjg.tianjin.example/users/{username}@scjg.tianjin.example/msp
    peers: [peer0.scjg.tianjin.example]
    users:
      ` + user + `:
        cert:
          path: ` + certs[0] + `
        key:
          path: ` + filepath.Join(msp, "keystore", "priv_sk") + `
orderers:
  orderer0.orderer.tianjin.example:
    url: grpcs://` + n.OrdererAddr + `
    tlsCACerts:
      path: ` + OrdererTLSCA() + `
peers:
  peer0.scjg.tianjin.example:
    url: grpcs://` + n.PeerAddr + `
    tlsCACerts:
      path: ` + PeerTLSCA() + `
entityMatchers:
  peer:
    - pattern: ` + regexpQuote(n.PeerAddr) + `
      urlSubstitutionExp: grpcs://` + n.PeerAddr + `
      mappedHost: peer0.scjg.tianjin.example
`
	return "TJSCJG", os.WriteFile(path, []byte(y), 0o644)
}

func regexpQuote(s string) string { return strings.ReplaceAll(s, ".", `\.`) }

// Height is the peer's ledger height of the channel (blocks 0..Height-1).
func (n *Network) Height(ctx context.Context) (uint64, error) {
	out, err := n.run(ctx, n.adminEnv(), "peer", "channel", "getinfo", "-c", Channel)
	if err != nil {
		return 0, err
	}
	i := strings.Index(out, "{")
	if i < 0 {
		return 0, fmt.Errorf("getinfo: %s", out)
	}
	var info struct {
		Height uint64 `json:"height"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out[i:])), &info); err != nil {
		return 0, fmt.Errorf("getinfo %q: %v", out, err)
	}
	return info.Height, nil
}

// LedgerBlock returns block num as the peer committed it (with the
// transaction validation flags the peer set), through the qscc system
// chaincode.
func (n *Network) LedgerBlock(ctx context.Context, num uint64) ([]byte, error) {
	out, err := n.run(ctx, n.adminEnv(), "peer", "chaincode", "query", "-C", Channel, "-n", "qscc", "--hex",
		"-c", fmt.Sprintf(`{"Args":["GetBlockByNumber","%s","%d"]}`, Channel, num))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(strings.TrimSpace(out))
}

func (n *Network) logFile(name string) string { return filepath.Join(n.Dir, name+".log") }

// Logs returns the tail of the orderer's and the peer's logs.
func (n *Network) Logs() string {
	var sb strings.Builder
	for _, name := range []string{"orderer", "peer"} {
		b, _ := os.ReadFile(n.logFile(name))
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		fmt.Fprintf(&sb, "--- tail of %s ---\n%s\n", n.logFile(name), b)
	}
	return sb.String()
}

func (n *Network) start(name string, env []string, args ...string) error {
	f, err := os.Create(n.logFile(name))
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(n.Bin, name), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so Stop also ends the chaincode the peer
	// started; and it dies with the test or relayer that started it.
	if err := proc.Start(cmd); err != nil {
		f.Close()
		return err
	}
	f.Close()
	n.procs = append(n.procs, cmd)
	go func() { _ = cmd.Wait() }()
	return nil
}

// Stop ends the processes this network started (and their process groups).
func (n *Network) Stop() {
	for i := len(n.procs) - 1; i >= 0; i-- {
		p := n.procs[i].Process
		_ = syscall.Kill(-p.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() {
			for j := 0; j < 100; j++ {
				if syscall.Kill(p.Pid, 0) != nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			close(done)
		}()
		<-done
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	}
	n.procs = nil
}

func (n *Network) run(ctx context.Context, env []string, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(n.Bin, name), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = n.Dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// retry runs a CLI command until it succeeds (the peer and orderer take a
// moment to elect, connect and deliver).
func (n *Network) retry(ctx context.Context, env []string, name string, args ...string) (string, error) {
	for i := 0; ; i++ {
		out, err := n.run(ctx, env, name, args...)
		if err == nil || i >= 20 || ctx.Err() != nil {
			return out, err
		}
		time.Sleep(time.Second)
	}
}

// waitPort waits until addr accepts connections, failing early when
// process i has exited.
func (n *Network) waitPort(ctx context.Context, addr string, i int) error {
	for {
		if i < len(n.procs) && syscall.Kill(n.procs[i].Process.Pid, 0) != nil {
			return fmt.Errorf("%s exited", filepath.Base(n.procs[i].Path))
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never listened: %w", addr, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// writePackage writes a chaincode package for the external builder: the
// metadata names type govchain-binary, the code is the licence binary.
func writePackage(path, binary string) error {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return err
	}
	code, err := tgz(map[string][]byte{"licence": bin}, 0o755)
	if err != nil {
		return err
	}
	pkg, err := tgz(map[string][]byte{
		"metadata.json": []byte(`{"path":"","type":"govchain-binary","label":"licence_1"}`),
		"code.tar.gz":   code,
	}, 0o644)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pkg, 0o644)
}

func tgz(files map[string][]byte, mode int64) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range []string{"metadata.json", "code.tar.gz", "licence"} {
		b, ok := files[name]
		if !ok {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(b)), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeConfig writes FABRIC_CFG_PATH: Fabric's sample core.yaml (Docker
// off, the external builder on) and orderer.yaml from build.sh's cache, and
// configtx.yaml for the system channel and "licences".
func (n *Network) writeConfig(ports []int) error {
	if err := os.MkdirAll(n.cfgDir, 0o755); err != nil {
		return err
	}
	src := filepath.Join(filepath.Dir(n.Bin), "config")
	core, err := os.ReadFile(filepath.Join(src, "core.yaml"))
	if err != nil {
		return err
	}
	builder, err := filepath.Abs(filepath.Join(Root(), "builder"))
	if err != nil {
		return err
	}
	for _, r := range [][2]string{
		{"endpoint: unix:///var/run/docker.sock", `endpoint: ""`},
		{"externalBuilders: []", "externalBuilders:\n        - path: " + builder + "\n          name: govchain-binary"},
	} {
		if !bytes.Contains(core, []byte(r[0])) {
			return fmt.Errorf("core.yaml: %q not found", r[0])
		}
		core = bytes.Replace(core, []byte(r[0]), []byte(r[1]), 1)
	}
	if err := os.WriteFile(filepath.Join(n.cfgDir, "core.yaml"), core, 0o644); err != nil {
		return err
	}
	ord, err := os.ReadFile(filepath.Join(src, "orderer.yaml"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.cfgDir, "orderer.yaml"), ord, 0o644); err != nil {
		return err
	}
	ctx := strings.NewReplacer("@PEERMSP@", filepath.Join(PeerOrg(), "msp"), "@ORDMSP@", filepath.Join(OrdererOrg(), "msp"),
		"@ORDERER@", n.OrdererAddr, "@PEERHOST@", "127.0.0.1", "@PEERPORT@", strconv.Itoa(n.peerPort),
		"@PEERMSPID@", PeerMSP, "@ORDMSPID@", OrdererMSP).Replace(configtx)
	return os.WriteFile(filepath.Join(n.cfgDir, "configtx.yaml"), []byte(ctx), 0o644)
}

// configtx: a solo orderer (TJOrdererMSP) and one application org
// (TJSCJGMSP) whose members endorse; blocks are cut after 200 ms.
const configtx = `---
Organizations:
    - &Orderer
        Name: TJOrderer
        ID: @ORDMSPID@
        MSPDir: @ORDMSP@
        Policies:
            Readers: {Type: Signature, Rule: "OR('@ORDMSPID@.member')"}
            Writers: {Type: Signature, Rule: "OR('@ORDMSPID@.member')"}
            Admins: {Type: Signature, Rule: "OR('@ORDMSPID@.admin')"}
        OrdererEndpoints: ["@ORDERER@"]
    - &SCJG
        Name: TJSCJG
        ID: @PEERMSPID@
        MSPDir: @PEERMSP@
        Policies:
            Readers: {Type: Signature, Rule: "OR('@PEERMSPID@.member')"}
            Writers: {Type: Signature, Rule: "OR('@PEERMSPID@.member')"}
            Admins: {Type: Signature, Rule: "OR('@PEERMSPID@.admin')"}
            Endorsement: {Type: Signature, Rule: "OR('@PEERMSPID@.member')"}
        AnchorPeers:
            - Host: @PEERHOST@
              Port: @PEERPORT@
Capabilities:
    Channel: &ChannelCapabilities
        V2_0: true
    Orderer: &OrdererCapabilities
        V2_0: true
    Application: &ApplicationCapabilities
        V2_0: true
Application: &ApplicationDefaults
    Organizations:
    Policies:
        LifecycleEndorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
        Endorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
        Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
        Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
        Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    Capabilities:
        <<: *ApplicationCapabilities
Orderer: &OrdererDefaults
    OrdererType: solo
    Addresses: ["@ORDERER@"]
    BatchTimeout: 200ms
    BatchSize:
        MaxMessageCount: 10
        AbsoluteMaxBytes: 10 MB
        PreferredMaxBytes: 2 MB
    Organizations:
    Policies:
        Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
        Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
        Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
        BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Capabilities:
        <<: *OrdererCapabilities
Channel: &ChannelDefaults
    Policies:
        Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
        Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
        Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    Capabilities:
        <<: *ChannelCapabilities
Profiles:
    TJGenesis:
        <<: *ChannelDefaults
        Orderer:
            <<: *OrdererDefaults
            Organizations: [*Orderer]
        Consortiums:
            TJConsortium:
                Organizations: [*SCJG]
    TJChannel:
        <<: *ChannelDefaults
        Consortium: TJConsortium
        Application:
            <<: *ApplicationDefaults
            Organizations: [*SCJG]
`
