// Package node wires a department's validator: CometBFT consensus and p2p,
// the govchain app on IAVL/badger, and the HTTP API, all in one process.
package node

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/spf13/viper"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/readable"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
)

// Config is govchain's own part of a node's configuration
// (HOME/config/govchain.json); CometBFT's is HOME/config/config.toml.
type Config struct {
	Dept      string `json:"dept"`
	DeptName  string `json:"dept_name"`
	APIListen string `json:"api_listen"` // HTTP API, e.g. 127.0.0.1:26680
	KeyFile   string `json:"key_file"`   // department SM2 key (encrypted PKCS#8), relative to home
	// KeepRecent is how many of the newest state versions are kept: 0 keeps
	// every one (an archive node); otherwise at least 2, because the SM2
	// quorum certificate of block H is checked in block H+1 against the
	// state before H. `node init` writes DefaultKeepRecent.
	KeepRecent int64 `json:"keep_recent"`
	// StateCacheNodes is how many IAVL nodes the state keeps in memory
	// (0: 200,000). A node serving many verification queries over a large
	// state answers faster with more, at the cost of memory
	// (docs/benchmarks.md, BenchmarkProveAtScale).
	StateCacheNodes int `json:"state_cache_nodes,omitempty"`
	// MaxBodyBytes caps every API request body.
	MaxBodyBytes int64 `json:"max_body_bytes"`
	// SnapshotInterval takes a state snapshot every so many blocks, served
	// to nodes that join by state sync (0: none; `node init` writes 1000).
	SnapshotInterval int64 `json:"snapshot_interval"`
	// SnapshotKeep is how many snapshots stay on disk (0: 2).
	SnapshotKeep int `json:"snapshot_keep,omitempty"`
	// RetainBlocks > 0 keeps only the newest so many blocks in CometBFT's
	// block store (0: every block, an archive node). It must cover the
	// snapshots kept (interval × keep) so joining nodes can block-sync from
	// a snapshot to the head; see docs/operator.md, "Pruning".
	RetainBlocks int64 `json:"retain_blocks,omitempty"`
	// VerifyPeers are the public API base URLs of other departments' nodes
	// (e.g. "https://api.scjg.example.gov.cn"), served to the /verify page
	// at GET /v1/verify/peers: the page asks them for the chain's latest
	// height, so one node answering with an older state is STALE there.
	VerifyPeers []string `json:"verify_peers,omitempty"`
	// ExpiryHorizonDays is how many days ahead the node warns of
	// certificates, CAs and keys that expire (GET /v1/expiry, `govchain
	// status`, the govchain_expiring metrics; 0: 30).
	ExpiryHorizonDays int `json:"expiry_horizon_days,omitempty"`
	// MinFreeDiskMB is the free space, in MiB, the node keeps on the volume
	// of its data directory (0: 128; negative: no check). Below it the node
	// stops before a write can fail and starts again by itself once half as
	// much again is free (diskguard.go, docs/operator.md "Full disk").
	MinFreeDiskMB int64 `json:"min_free_disk_mb,omitempty"`
}

// CheckVerifyPeers refuses a verify_peers entry the page could not fetch:
// each is an http or https base URL with a host and nothing after the path.
func (c *Config) CheckVerifyPeers() error {
	for _, p := range c.VerifyPeers {
		u, err := url.Parse(p)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(p, ", ") {
			return fmt.Errorf("verify_peers %q: want a node's public API base URL, e.g. https://api.dept.example or http://10.0.0.2:26680", p)
		}
	}
	return nil
}

// SetVerifyPeers writes verify_peers into h's govchain.json (the node
// reads it at start).
func SetVerifyPeers(h Home, peers []string) error {
	c, err := h.LoadConfig()
	if err != nil {
		return err
	}
	c.VerifyPeers = peers
	if err := c.CheckVerifyPeers(); err != nil {
		return err
	}
	return writeJSON(h.ConfigFile(), c, 0o644)
}

// CheckPruning refuses a pruning policy under which the node could not
// serve what it must: the SM2 quorum check needs two state versions, and a
// node that serves snapshots needs the blocks after its oldest snapshot.
func (c *Config) CheckPruning() error {
	if err := chain.CheckKeepRecent(c.KeepRecent); err != nil {
		return err
	}
	if c.RetainBlocks < 0 {
		return fmt.Errorf("retain_blocks %d: use 0 (keep every block) or a positive number", c.RetainBlocks)
	}
	keep := int64(c.SnapshotKeep)
	if keep == 0 {
		keep = 2
	}
	if c.RetainBlocks > 0 && c.SnapshotInterval > 0 && c.RetainBlocks < c.SnapshotInterval*keep+MinRetainMargin {
		return fmt.Errorf("retain_blocks %d is below snapshot_interval × snapshot_keep + %d = %d: nodes restoring the oldest snapshot could not fetch the blocks after it",
			c.RetainBlocks, MinRetainMargin, c.SnapshotInterval*keep+MinRetainMargin)
	}
	if c.RetainBlocks > 0 && c.RetainBlocks < MinRetainMargin {
		return fmt.Errorf("retain_blocks %d: keep at least %d blocks (light clients and bundles read recent headers)", c.RetainBlocks, MinRetainMargin)
	}
	return nil
}

// MinRetainMargin is the fewest blocks a pruning node keeps beyond its
// snapshots: light clients, bundles and peers catching up read recent
// headers and blocks.
const MinRetainMargin = 100

// DefaultSnapshotInterval is what `node init` writes: at one block a
// second, a snapshot about every 17 minutes.
const DefaultSnapshotInterval = 1000

// DefaultKeepRecent is the keep_recent `node init` writes: the newest 100
// state versions stay (between 100 and 200, as pruning runs every 100
// commits), the rest are pruned. It covers what a node serves itself: the
// SM2 quorum check reads the state 2 below the head (CheckKeepRecent), the
// API keeps views of the 4 newest versions, bundles and light clients ask
// a little behind the head. Snapshots hold their version until they are
// written (state.Store.Hold), whatever this is. Historical proofs
// (?height= further back) and an audit whose replay outlasts 100 blocks
// ask an archive node (keep_recent 0). Badger frees pruned nodes as it
// compacts; measured savings: docs/benchmarks.md, "memory and disk of the
// store".
const DefaultKeepRecent = 100

// DefaultConfig is the govchain.json `node init` writes before the
// department's own fields: the defaults a new node runs with (the bench
// stores its records under the same state options).
func DefaultConfig() *Config {
	return &Config{MaxBodyBytes: 2 << 20, SnapshotInterval: DefaultSnapshotInterval, KeepRecent: DefaultKeepRecent}
}

// Home is a node's directory.
type Home string

func (h Home) Path(p ...string) string { return filepath.Join(append([]string{string(h)}, p...)...) }
func (h Home) ConfigFile() string      { return h.Path("config", "govchain.json") }
func (h Home) DeptInfoFile() string    { return h.Path("config", "dept.json") }
func (h Home) StateDir() string        { return h.Path("data", "app") }
func (h Home) GenesisFile() string     { return h.Path("config", "genesis.json") }
func (h Home) SnapshotDir() string     { return h.Path("data", "snapshots") }

func (h Home) LoadConfig() (*Config, error) {
	b, err := os.ReadFile(h.ConfigFile())
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a govchain home (no config/govchain.json); run `govchain node init --home %s` first", h, h)
		}
		return nil, err
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", h.ConfigFile(), err)
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 2 << 20
	}
	if err := c.CheckPruning(); err != nil {
		return nil, fmt.Errorf("%s: %w", h.ConfigFile(), err)
	}
	if err := c.CheckVerifyPeers(); err != nil {
		return nil, fmt.Errorf("%s: %w", h.ConfigFile(), err)
	}
	if c.SnapshotInterval < 0 || c.SnapshotKeep < 0 {
		return nil, fmt.Errorf("%s: snapshot_interval %d and snapshot_keep %d must not be negative", h.ConfigFile(), c.SnapshotInterval, c.SnapshotKeep)
	}
	return &c, nil
}

// SaveConfig writes c as h's govchain.json after checking its pruning
// policy (the node reads it at start).
func (h Home) SaveConfig(c *Config) error {
	if err := c.CheckPruning(); err != nil {
		return err
	}
	return writeJSON(h.ConfigFile(), c, 0o644)
}

// StateOptions are the state store's options under this configuration.
func (c *Config) StateOptions() state.Options {
	o := state.DefaultOptions()
	o.KeepRecent = c.KeepRecent
	if c.StateCacheNodes > 0 {
		o.CacheSize = c.StateCacheNodes
	}
	return o
}

// CometConfig reads HOME/config/config.toml the way CometBFT's own CLI does.
func (h Home) CometConfig() (*cmtcfg.Config, error) {
	cfg := cmtcfg.DefaultConfig()
	v := viper.New()
	v.SetConfigFile(h.Path("config", "config.toml"))
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("read CometBFT config: %w", err)
	}
	if err := v.Unmarshal(cfg); err != nil {
		return nil, fmt.Errorf("parse CometBFT config: %w", err)
	}
	cfg.SetRoot(string(h))
	if _, err := os.Stat(cfg.GenesisFile()); err != nil {
		return nil, fmt.Errorf("no genesis at %s: build one with `govchain genesis build` and copy it there", cfg.GenesisFile())
	}
	return cfg, cfg.ValidateBasic()
}

// DeptInfo is what one department contributes to a genesis: produced by
// `node init`, collected by `genesis build`.
type DeptInfo struct {
	Code             string `json:"code"`
	Name             string `json:"name"`
	AdminPublicKey   []byte `json:"admin_public_key"`
	ValidatorPubKey  []byte `json:"validator_pub_key"`
	ValidatorAddress string `json:"validator_address"`
	NodeID           string `json:"node_id"`
	P2PAddress       string `json:"p2p_address"` // host:port peers dial
	APIAddress       string `json:"api_address"`
	RPCAddress       string `json:"rpc_address"`
}

// InitOptions are the inputs to InitHome.
type InitOptions struct {
	Dept, DeptName string
	Passphrase     []byte
	P2PListen      string // host:port to listen on
	P2PExternal    string // host:port peers dial (default: P2PListen)
	RPCListen      string
	APIListen      string
	PromListen     string
	TimeoutCommit  time.Duration
	// SnapshotInterval (0: DefaultSnapshotInterval; -1: none).
	SnapshotInterval int64
	// KeepRecent (0: DefaultKeepRecent; -1: keep every state version, an
	// archive node).
	KeepRecent int64
}

// InitHome creates a node home: CometBFT config, ed25519 consensus and node
// keys, the department's SM2 key (PKCS#8 encrypted with the passphrase) and
// config/dept.json for the genesis builder. It never overwrites keys.
func InitHome(h Home, o InitOptions) (*DeptInfo, error) {
	if !identity.ValidDeptCode(o.Dept) {
		return nil, fmt.Errorf("department code %q: use 2-32 characters A-Z 0-9 _ -, starting with a letter or digit", o.Dept)
	}
	// The genesis refuses a department name with invisible or bidi
	// characters or not in NFC: say so now, not when the network starts.
	if err := readable.Name(o.DeptName); err != nil {
		return nil, fmt.Errorf("department name %w", err)
	}
	if _, err := os.Stat(h.ConfigFile()); err == nil {
		return nil, fmt.Errorf("%s is already initialised (found %s); refusing to overwrite keys", h, h.ConfigFile())
	}
	if len(o.Passphrase) < 8 {
		return nil, fmt.Errorf("passphrase must be at least 8 characters (it encrypts the department's SM2 key)")
	}
	setDefaults(&o)
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(string(h))
	cmtcfg.EnsureRoot(string(h))
	cfg.Moniker = o.Dept
	cfg.P2P.ListenAddress = "tcp://" + o.P2PListen
	cfg.P2P.ExternalAddress = o.P2PExternal
	cfg.P2P.AllowDuplicateIP = true
	cfg.P2P.AddrBookStrict = false
	cfg.RPC.ListenAddress = "tcp://" + o.RPCListen
	cfg.Instrumentation.Prometheus = true
	cfg.Instrumentation.PrometheusListenAddr = o.PromListen
	cfg.Consensus.TimeoutCommit = o.TimeoutCommit
	cfg.TxIndex.Indexer = "kv"
	cfg.LogLevel = "info"
	cmtcfg.WriteConfigFile(h.Path("config", "config.toml"), cfg)

	pv, err := privval.GenFilePV(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile(), func() (crypto.PrivKey, error) { return ed25519.GenPrivKey(), nil })
	if err != nil {
		return nil, err
	}
	pv.Save()
	nk, err := p2p.LoadOrGenNodeKey(cfg.NodeKeyFile())
	if err != nil {
		return nil, err
	}
	sk, err := smcrypto.GenerateKey()
	if err != nil {
		return nil, err
	}
	pem, err := smcrypto.MarshalPrivateKeyPEM(sk, o.Passphrase)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(h.Path("keys"), 0o700); err != nil {
		return nil, err
	}
	keyFile := filepath.Join("keys", "dept.pem")
	if err := os.WriteFile(h.Path(keyFile), pem, 0o600); err != nil {
		return nil, err
	}
	pub := pv.Key.PubKey
	info := &DeptInfo{
		Code: o.Dept, Name: o.DeptName,
		AdminPublicKey:   sk.PublicKey().Bytes(),
		ValidatorPubKey:  pub.Bytes(),
		ValidatorAddress: hex.EncodeToString(pub.Address()),
		NodeID:           string(nk.ID()),
		P2PAddress:       o.P2PExternal,
		APIAddress:       o.APIListen,
		RPCAddress:       o.RPCListen,
	}
	if err := writeJSON(h.DeptInfoFile(), info, 0o644); err != nil {
		return nil, err
	}
	c := DefaultConfig()
	c.Dept, c.DeptName, c.APIListen, c.KeyFile = o.Dept, o.DeptName, o.APIListen, keyFile
	switch {
	case o.SnapshotInterval > 0:
		c.SnapshotInterval = o.SnapshotInterval
	case o.SnapshotInterval < 0:
		c.SnapshotInterval = 0
	}
	switch {
	case o.KeepRecent > 0:
		c.KeepRecent = o.KeepRecent
	case o.KeepRecent < 0:
		c.KeepRecent = 0
	}
	if err := c.CheckPruning(); err != nil {
		return nil, err
	}
	if err := writeJSON(h.ConfigFile(), c, 0o644); err != nil {
		return nil, err
	}
	return info, nil
}

func setDefaults(o *InitOptions) {
	if o.P2PListen == "" {
		o.P2PListen = "0.0.0.0:26656"
	}
	if o.P2PExternal == "" {
		o.P2PExternal = o.P2PListen
	}
	if o.RPCListen == "" {
		o.RPCListen = "127.0.0.1:26657"
	}
	if o.APIListen == "" {
		o.APIListen = "127.0.0.1:26680"
	}
	if o.PromListen == "" {
		o.PromListen = "127.0.0.1:26660"
	}
	if o.TimeoutCommit == 0 {
		o.TimeoutCommit = time.Second
	}
	if o.DeptName == "" {
		o.DeptName = o.Dept
	}
}

// SetPeers writes the persistent peer list into config.toml.
func SetPeers(h Home, peers []string) error {
	cfg, err := h.CometConfigNoGenesis()
	if err != nil {
		return err
	}
	// Drop the node's own entry so one peer list serves every node.
	if nk, err := p2p.LoadNodeKey(cfg.NodeKeyFile()); err == nil {
		self := string(nk.ID()) + "@"
		kept := peers[:0:0]
		for _, p := range peers {
			if len(p) < len(self) || p[:len(self)] != self {
				kept = append(kept, p)
			}
		}
		peers = kept
	}
	cfg.P2P.PersistentPeers = joinComma(peers)
	cmtcfg.WriteConfigFile(h.Path("config", "config.toml"), cfg)
	return nil
}

// StateSyncOptions configure a new node to join by state sync.
type StateSyncOptions struct {
	// RPCServers are CometBFT RPC addresses (host:port) of at least two
	// nodes; the light client reads headers from them.
	RPCServers []string
	// TrustHeight and TrustHash name a header the operator trusts (from
	// `govchain verify init-trust` against two departments' nodes, or the
	// district's publication); TrustPeriod bounds how old it may be.
	TrustHeight int64
	TrustHash   string
	TrustPeriod time.Duration
	// DiscoveryTime is how long the node collects snapshot offers before
	// choosing one (CometBFT's default 15 s; at least 5 s).
	DiscoveryTime time.Duration
}

// ConfigureStateSync turns CometBFT's state sync on in config.toml: on its
// first start the node restores the newest snapshot its peers offer whose
// app hash the light client verifies from the trusted header, then block
// syncs the rest. It refuses a node that already has state.
func ConfigureStateSync(h Home, o StateSyncOptions) error {
	if len(o.RPCServers) < 2 {
		return fmt.Errorf("state sync needs the RPC addresses of at least two nodes (got %d); the light client cross-checks them", len(o.RPCServers))
	}
	if o.TrustHeight <= 0 {
		return fmt.Errorf("trust height %d: give the height of a header you trust (govchain verify init-trust prints one)", o.TrustHeight)
	}
	if b, err := hex.DecodeString(o.TrustHash); err != nil || len(b) != 32 {
		return fmt.Errorf("trust hash %q: want the 64-hex-digit header hash", o.TrustHash)
	}
	if o.TrustPeriod <= 0 {
		o.TrustPeriod = 168 * time.Hour
	}
	if st, err := state.Open(h.StateDir(), state.DefaultOptions()); err == nil {
		v, _ := st.LastCommit()
		st.Close()
		if v > 0 {
			return fmt.Errorf("%s already has state at height %d: state sync is for a new or wiped node (restore a backup, or remove data/ first)", h, v)
		}
	} else {
		return fmt.Errorf("open state in %s: %w", h.StateDir(), err)
	}
	cfg, err := h.CometConfigNoGenesis()
	if err != nil {
		return err
	}
	servers := make([]string, len(o.RPCServers))
	for i, s := range o.RPCServers {
		if !strings.Contains(s, "://") {
			s = "tcp://" + s
		}
		servers[i] = s
	}
	cfg.StateSync.Enable = true
	cfg.StateSync.RPCServers = servers
	cfg.StateSync.TrustHeight = o.TrustHeight
	cfg.StateSync.TrustHash = strings.ToUpper(o.TrustHash)
	cfg.StateSync.TrustPeriod = o.TrustPeriod
	if o.DiscoveryTime > 0 {
		cfg.StateSync.DiscoveryTime = o.DiscoveryTime
	}
	if err := cfg.StateSync.ValidateBasic(); err != nil {
		return fmt.Errorf("state sync config: %w", err)
	}
	cmtcfg.WriteConfigFile(h.Path("config", "config.toml"), cfg)
	return nil
}

// CometConfigNoGenesis reads config.toml without requiring a genesis yet.
func (h Home) CometConfigNoGenesis() (*cmtcfg.Config, error) {
	cfg := cmtcfg.DefaultConfig()
	v := viper.New()
	v.SetConfigFile(h.Path("config", "config.toml"))
	if err := v.ReadInConfig(); err != nil {
		return nil, err
	}
	if err := v.Unmarshal(cfg); err != nil {
		return nil, err
	}
	cfg.SetRoot(string(h))
	return cfg, nil
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

func writeJSON(path string, v any, mode os.FileMode) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), mode)
}

// LoadDeptKey decrypts the department's SM2 key.
func (h Home) LoadDeptKey(passphrase []byte) (*smcrypto.PrivateKey, error) {
	c, err := h.LoadConfig()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(h.Path(c.KeyFile))
	if err != nil {
		return nil, err
	}
	return smcrypto.ParsePrivateKeyPEM(b, passphrase)
}
