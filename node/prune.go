package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/rpc/grpc/client/privileged"
)

// A pruning node (retain_blocks > 0) asks CometBFT, through Commit's
// RetainHeight, to drop blocks older than the newest retain_blocks. That
// alone leaves three stores growing for ever: the ABCI results of every
// block and the tx and block-event indexes. CometBFT prunes those only at
// the request of a "data companion" through its privileged gRPC pruning
// service (docs: CometBFT ADR-101). The node is its own companion: it
// serves that service on a unix socket of its own and, as blocks commit,
// sets the companion's four retain heights to the app's, so everything
// below the same height goes. CometBFT also compacts its databases every
// storage.compaction_interval blocks, so the pruned space is returned.

// companionSocket is the privileged gRPC socket of the node at h. Unix
// socket paths are limited to 107 bytes; a deeper home gets one in the
// temporary directory named after the home.
func companionSocket(h Home) string {
	p := h.Path("data", "cmt-privileged.sock")
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if len(p) > 100 {
		sum := sha256.Sum256([]byte(p))
		p = filepath.Join(os.TempDir(), "govchain-priv-"+hex.EncodeToString(sum[:8])+".sock")
	}
	return p
}

// configurePruning sets CometBFT's pruning options for retain (the
// node's retain_blocks; 0 keeps everything and changes nothing).
func configurePruning(cfg *cmtcfg.Config, h Home, retain int64) {
	if retain <= 0 {
		return
	}
	sock := companionSocket(h)
	_ = os.Remove(sock) // left by a killed process; CometBFT cannot listen over it
	cfg.GRPC.Privileged.ListenAddress = "unix://" + sock
	cfg.GRPC.Privileged.PruningService.Enabled = true
	cfg.Storage.Pruning.DataCompanion.Enabled = true
	cfg.Storage.Compact = true
	if cfg.Storage.CompactionInterval <= 0 {
		cfg.Storage.CompactionInterval = 1000
	}
}

// companion keeps CometBFT's companion retain heights at the app's
// (height − retain + 1) until ctx ends.
type companion struct {
	client privileged.Client
	height func() int64
	retain int64
	every  time.Duration
	logger cmtlog.Logger
	last   int64
}

func startCompanion(ctx context.Context, h Home, retain int64, every time.Duration, height func() int64, logger cmtlog.Logger) (*companion, error) {
	c, err := privileged.New(ctx, "unix://"+companionSocket(h), privileged.WithInsecure())
	if err != nil {
		return nil, fmt.Errorf("pruning: connect to CometBFT's pruning service: %w", err)
	}
	if every <= 0 {
		every = 10 * time.Second
	}
	cp := &companion{client: c, height: height, retain: retain, every: every, logger: logger}
	go cp.run(ctx)
	return cp, nil
}

func (c *companion) run(ctx context.Context) {
	defer c.client.Close()
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		c.step(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// step raises the four retain heights to the app's, if it moved.
func (c *companion) step(ctx context.Context) {
	rh := c.height() - c.retain + 1
	if rh <= c.last || rh < 1 {
		return
	}
	u := uint64(rh)
	for _, set := range []struct {
		what string
		f    func(context.Context, uint64) error
	}{
		{"blocks", c.client.SetBlockRetainHeight},
		{"block results", c.client.SetBlockResultsRetainHeight},
		{"tx index", c.client.SetTxIndexerRetainHeight},
		{"block-event index", c.client.SetBlockIndexerRetainHeight},
	} {
		if err := set.f(ctx, u); err != nil {
			if ctx.Err() == nil {
				c.logger.Error("pruning: could not raise a retain height", "what", set.what, "height", rh, "err", err)
			}
			return
		}
	}
	c.last = rh
}
