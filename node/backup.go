package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/privval"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/statesync"

	cmtcfg "github.com/cometbft/cometbft/config"

	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/node/snapshot"
)

// BackupInfo describes a backup directory (DIR/backup.json).
type BackupInfo struct {
	Dept     string    `json:"dept"`
	ChainID  string    `json:"chain_id"`
	Height   int64     `json:"height"`
	Chunks   int       `json:"chunks"`
	Bytes    int64     `json:"bytes"`
	TakenAt  time.Time `json:"taken_at"`
	Snapshot string    `json:"snapshot"` // the snapshot's SM3 hash (hex)
}

// backupFiles are the home's files a restore needs besides the state:
// configuration, genesis and keys (the department key stays encrypted).
var backupFiles = []string{
	"config/govchain.json", "config/config.toml", "config/genesis.json", "config/dept.json",
	"config/node_key.json", "config/priv_validator_key.json", "keys/dept.pem",
	// a key rotation under way (docs/operator.md, "Key rotation")
	"config/priv_validator_key.next.json", "keys/dept.next.pem",
}

// Backup copies a node's newest complete state snapshot and its
// configuration and keys into dir (which must not exist). The node may be
// running: snapshots are written whole before they are listed, each of a
// committed height, so the copy is consistent. A node takes one every
// snapshot_interval blocks; the backup is of the newest.
func Backup(h Home, dir string) (*BackupInfo, error) {
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("%s exists; a backup goes into a new directory", dir)
	}
	conf, err := h.LoadConfig()
	if err != nil {
		return nil, err
	}
	snaps := snapshot.ListDir(h.SnapshotDir())
	if len(snaps) == 0 {
		return nil, fmt.Errorf("%s has no complete state snapshot yet (one is taken every snapshot_interval = %d blocks; 0 takes none)", h, conf.SnapshotInterval)
	}
	s := snaps[0]
	tmp := dir + ".partial"
	_ = os.RemoveAll(tmp)
	if err := copyTree(filepath.Join(h.SnapshotDir(), strconv.FormatInt(s.Height, 10)), filepath.Join(tmp, "snapshot")); err != nil {
		return nil, fmt.Errorf("copy snapshot %d: %w", s.Height, err)
	}
	for _, f := range backupFiles {
		if err := copyFile(h.Path(f), filepath.Join(tmp, "home", f)); err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	gen, err := sm.MakeGenesisStateFromFile(h.GenesisFile())
	if err != nil {
		return nil, err
	}
	info := &BackupInfo{Dept: conf.Dept, ChainID: gen.ChainID, Height: s.Height, Chunks: len(s.Chunks), Bytes: dirSize(filepath.Join(tmp, "snapshot")), TakenAt: time.Now().UTC(), Snapshot: fmt.Sprintf("%X", s.Hash)}
	b, _ := json.MarshalIndent(info, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, "backup.json"), b, 0o644); err != nil {
		return nil, err
	}
	return info, os.Rename(tmp, dir)
}

// RestoreOptions: where the restored node learns, through CometBFT's light
// client, the app hash its backup must rebuild and the chain's height.
type RestoreOptions struct {
	StateSyncOptions
	Logger cmtlog.Logger
}

// Restore brings a backup into a home whose data was lost: the keys and
// configuration (files the home lacks), the state from the snapshot —
// accepted only if it rebuilds the app hash the light client verifies
// from the trust root — and CometBFT's state at that height (its
// BootstrapState), so the node block-syncs from there when started. The
// validator's last-signed height is set past the chain's current height,
// so a validator restored from an older backup cannot sign a height twice.
func Restore(ctx context.Context, h Home, backupDir string, o RestoreOptions) (*BackupInfo, error) {
	raw, err := os.ReadFile(filepath.Join(backupDir, "backup.json"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a backup (no backup.json): %w", backupDir, err)
	}
	var info BackupInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, fmt.Errorf("%s/backup.json: %w", backupDir, err)
	}
	if o.Logger == nil {
		o.Logger = cmtlog.NewNopLogger()
	}
	for _, f := range backupFiles {
		if _, err := os.Stat(h.Path(f)); os.IsNotExist(err) {
			if err := copyFile(filepath.Join(backupDir, "home", f), h.Path(f)); err != nil && !os.IsNotExist(err) {
				return nil, err
			}
		}
	}
	if o.TrustPeriod <= 0 {
		o.TrustPeriod = 168 * time.Hour
	}
	// Validate the trust options the same way state sync does, and write
	// them: BootstrapState reads them from the config.
	if err := ConfigureStateSync(h, o.StateSyncOptions); err != nil {
		return nil, err
	}
	cfg, err := h.CometConfig()
	if err != nil {
		return nil, err
	}
	gen, err := sm.MakeGenesisStateFromFile(cfg.GenesisFile())
	if err != nil {
		return nil, err
	}
	if gen.ChainID != info.ChainID {
		return nil, fmt.Errorf("backup is of chain %s, this home's genesis of %s", info.ChainID, gen.ChainID)
	}
	sp, err := statesync.NewLightClientStateProvider(ctx, gen.ChainID, gen.Version, gen.InitialHeight, cfg.StateSync.RPCServers,
		light.TrustOptions{Period: cfg.StateSync.TrustPeriod, Height: cfg.StateSync.TrustHeight, Hash: cfg.StateSync.TrustHashBytes()}, o.Logger)
	if err != nil {
		return nil, fmt.Errorf("light client: %w", err)
	}
	appHash, err := sp.AppHash(ctx, uint64(info.Height))
	if err != nil {
		return nil, fmt.Errorf("app hash of height %d from the light client: %w", info.Height, err)
	}
	conf, err := h.LoadConfig()
	if err != nil {
		return nil, err
	}
	st, err := state.Open(h.StateDir(), conf.StateOptions())
	if err != nil {
		return nil, err
	}
	if err := restoreSnapshot(st, filepath.Join(backupDir, "snapshot"), appHash); err != nil {
		st.Close()
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	// BootstrapState logs to os.Stdout with a logger of its own; a CLI
	// printing JSON must keep stdout clean, so its log goes to stderr.
	stdout := os.Stdout
	os.Stdout = os.Stderr
	err = cmtnode.BootstrapState(ctx, cfg, cmtcfg.DefaultDBProvider, cmtnode.DefaultGenesisDocProviderFunc(cfg), uint64(info.Height), appHash)
	os.Stdout = stdout
	if err != nil {
		return nil, fmt.Errorf("CometBFT state at %d: %w", info.Height, err)
	}
	// The node block-syncs from the backup's height; it must not state
	// sync again on start.
	if err := disableStateSync(h); err != nil {
		return nil, err
	}
	if err := fenceSigning(ctx, cfg); err != nil {
		return nil, err
	}
	return &info, nil
}

// restoreSnapshot applies a snapshot directory's chunks through the same
// code that restores a state-sync snapshot (each chunk checked, the root
// checked against appHash, nothing kept otherwise).
func restoreSnapshot(st *state.Store, dir string, appHash []byte) error {
	s, err := snapshot.ReadDir(dir)
	if err != nil {
		return err
	}
	spool, err := os.MkdirTemp("", "govchain-restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(spool)
	m, err := snapshot.New(spool, st, snapshot.Options{}, nil)
	if err != nil {
		return err
	}
	abs := &abci.Snapshot{Height: uint64(s.Height), Format: s.Format, Chunks: uint32(len(s.Chunks)), Hash: s.Hash, Metadata: s.Metadata}
	if r := m.Offer(abs, appHash); r != abci.OFFER_SNAPSHOT_RESULT_ACCEPT {
		return fmt.Errorf("backup snapshot refused (%v): see the log", r)
	}
	for i := range s.Chunks {
		c, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("chunk-%06d", i)))
		if err != nil {
			return err
		}
		res, restored := m.ApplyChunk(uint32(i), c, "")
		switch {
		case restored:
			return nil
		case res.Result != abci.APPLY_SNAPSHOT_CHUNK_RESULT_ACCEPT:
			return fmt.Errorf("backup chunk %d refused (%v): the backup is damaged or is not of the trusted chain state at %d", i, res.Result, s.Height)
		}
	}
	return fmt.Errorf("backup snapshot incomplete")
}

func disableStateSync(h Home) error {
	cfg, err := h.CometConfigNoGenesis()
	if err != nil {
		return err
	}
	cfg.StateSync.Enable = false
	cmtcfg.WriteConfigFile(h.Path("config", "config.toml"), cfg)
	return nil
}

// fenceSigning sets the validator's last-signed height to one past the
// chain's latest (as the RPC servers report it): a validator restored
// from a backup older than what it signed before its data was lost will
// not sign any of those heights again.
func fenceSigning(ctx context.Context, cfg *cmtcfg.Config) error {
	var latest int64
	for _, s := range cfg.StateSync.RPCServers {
		c, err := rpchttp.New(s)
		if err != nil {
			continue
		}
		st, err := c.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight > latest {
			latest = st.SyncInfo.LatestBlockHeight
		}
	}
	if latest == 0 {
		return fmt.Errorf("no RPC server answered with the chain's height; the validator's signing state cannot be fenced")
	}
	if _, err := os.Stat(cfg.PrivValidatorKeyFile()); err != nil {
		return fmt.Errorf("validator key: %w", err)
	}
	load := privval.LoadFilePV
	if _, err := os.Stat(cfg.PrivValidatorStateFile()); os.IsNotExist(err) { // lost with the data
		if err := os.MkdirAll(filepath.Dir(cfg.PrivValidatorStateFile()), 0o700); err != nil {
			return err
		}
		load = privval.LoadFilePVEmptyState
	}
	pv := load(cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile())
	if pv.LastSignState.Height <= latest {
		pv.LastSignState.Height, pv.LastSignState.Round, pv.LastSignState.Step = latest+1, 0, 0
		pv.LastSignState.Signature, pv.LastSignState.SignBytes = nil, nil
		pv.Save()
	}
	return nil
}

func copyTree(src, dst string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := copyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
			continue
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
