package node

import (
	"strings"
	"testing"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto/ed25519"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/state"
)

// A node whose app store and CometBFT state disagree on the app hash of
// the same height refuses to start, saying so (CometBFT would panic in its
// handshake); the same hash, or different heights, pass.
func TestCheckAppHash(t *testing.T) {
	dir := t.TempDir()
	cfg := cmtcfg.DefaultConfig()
	cfg.SetRoot(dir)
	st, err := state.Open(t.TempDir(), state.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Working().Set([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	v, hash, err := st.Commit()
	if err != nil {
		t.Fatal(err)
	}
	save := func(h int64, app []byte) {
		db, err := cmtcfg.DefaultDBProvider(&cmtcfg.DBContext{ID: "state", Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		vals := types.NewValidatorSet([]*types.Validator{types.NewValidator(ed25519.GenPrivKey().PubKey(), 10)})
		if err := sm.NewStore(db, sm.StoreOptions{}).Save(sm.State{ChainID: "c", InitialHeight: 1, LastBlockHeight: h, AppHash: app,
			Validators: vals, NextValidators: vals, LastValidators: vals, ConsensusParams: *types.DefaultConsensusParams()}); err != nil {
			t.Fatal(err)
		}
	}
	save(v, hash)
	if err := checkAppHash(cfg, st); err != nil {
		t.Fatalf("agreeing stores: %v", err)
	}
	save(v+1, []byte("other"))
	if err := checkAppHash(cfg, st); err != nil {
		t.Fatalf("CometBFT a block ahead (it replays): %v", err)
	}
	save(v, []byte("other hash of the same height"))
	err = checkAppHash(cfg, st)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("disagreeing stores: %v", err)
	}
	t.Log(err)
}
