package node

import (
	"bytes"
	"fmt"

	cmtcfg "github.com/cometbft/cometbft/config"
	sm "github.com/cometbft/cometbft/state"

	"github.com/govchain/govchain/chain/state"
)

// checkAppHash compares the application store's last commit with the app
// hash CometBFT's own state recorded for that height, before CometBFT
// starts: when they differ, one of the two stores is damaged and CometBFT
// would only panic in its handshake ("state.AppHash does not match
// AppHash after replay"). Heights that differ are CometBFT's to reconcile
// (it replays the blocks the app lacks).
func checkAppHash(cfg *cmtcfg.Config, st *state.Store) error {
	v, hash := st.LastCommit()
	if v == 0 {
		return nil
	}
	db, err := cmtcfg.DefaultDBProvider(&cmtcfg.DBContext{ID: "state", Config: cfg})
	if err != nil {
		return fmt.Errorf("open CometBFT's state in %s: %w", cfg.DBDir(), err)
	}
	defer db.Close()
	cs, err := sm.NewStore(db, sm.StoreOptions{}).Load()
	if err != nil {
		return fmt.Errorf("CometBFT's state in %s is damaged: %w; restore the node (docs/operator.md, \"A damaged store\")", cfg.DBDir(), err)
	}
	if cs.LastBlockHeight == v && !bytes.Equal(cs.AppHash, hash) {
		return fmt.Errorf("the application store is at height %d with app hash %X, but CometBFT's state in %s records app hash %X for that height: one of the two is damaged; do not start on it: restore the node (docs/operator.md, \"A damaged store\")",
			v, hash, cfg.DBDir(), cs.AppHash)
	}
	return nil
}
