package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Checkpoint records how far an earlier audit verified a chain. Height is
// the last height whose commit signatures verified and whose replayed app
// hash matched the signed header Height+1; HeaderHash pins header Height
// and, through the LastBlockID links, every header below it.
//
// Resuming does not restore the replayed state (it is not saved): the run
// replays from the genesis again, compares every app hash again, and skips
// only the commit signature checks at or below Height, after checking that
// header Height still hashes to HeaderHash and the replayed app hash still
// equals AppHash.
type Checkpoint struct {
	ChainID     string    `json:"chain_id"`
	GenesisHash string    `json:"genesis_hash"`
	Height      int64     `json:"height"`
	HeaderHash  string    `json:"header_hash"`
	AppHash     string    `json:"app_hash"`
	Saved       time.Time `json:"saved"`
}

// LoadCheckpoint reads a checkpoint file (os.ErrNotExist if there is none).
func LoadCheckpoint(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cp Checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if cp.ChainID == "" || cp.Height < 1 || len(cp.HeaderHash) != 64 || cp.AppHash == "" {
		return nil, fmt.Errorf("checkpoint %s is incomplete (chain %q height %d)", path, cp.ChainID, cp.Height)
	}
	return &cp, nil
}

// Save writes the checkpoint atomically (temporary file, then rename).
func (cp *Checkpoint) Save(path string) error {
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
