package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtcfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/rpc/grpc/client/privileged"
	sm "github.com/cometbft/cometbft/state"
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
// (height − retain + 1) until ctx ends. The blocks' retain height is held
// back further, to the end of the evidence window (evidenceRetain): CometBFT
// keeps the header and commit of a pruned block while evidence against it
// may still be submitted, and never looks at those heights again once its
// base has moved past them (store.PruneBlocks starts each prune at the
// base), so pruning inside the window would leave one header and commit a
// block behind for ever. Held back, a block is pruned whole once it has
// left the window, and the block store stays at max(retain, window) blocks.
type companion struct {
	client privileged.Client
	height func() int64
	retain int64
	every  time.Duration
	logger cmtlog.Logger
	// evidence is the chain's latest state (its height, time and evidence
	// parameters); blockTime the header time of a stored block.
	evidence   func() sm.State
	blockTime  func(int64) (time.Time, bool)
	base       func() int64
	last       int64 // retain height of block results and indexes
	lastBlocks int64 // retain height of blocks
	// blockDB is CometBFT's block store database (nil: not known), for
	// dropExtCommits; extFrom the lowest height whose extended commit may
	// still be there (0: not scanned yet).
	blockDB dbm.DB
	extFrom int64
}

// blockStoreDB is CometBFT's default database provider that also keeps the
// block store's database, for the companion's dropExtCommits, and gives the
// tx index's database iterators that close themselves (closingDB).
type blockStoreDB struct{ db dbm.DB }

func (b *blockStoreDB) provider(ctx *cmtcfg.DBContext) (dbm.DB, error) {
	db, err := cmtcfg.DefaultDBProvider(ctx)
	if err != nil {
		return nil, err
	}
	switch ctx.ID {
	case "blockstore":
		b.db = db
	case "tx_index":
		return closingDB{db}, nil
	}
	return db, nil
}

// closingDB hands out iterators that close themselves once exhausted.
// CometBFT v1.0.1's index pruning never closes its iterators (the block
// indexer's Prune over the whole tx_index.db, the tx indexer's deleteEvents
// once per indexed attribute of each pruned tx: state/indexer/block/kv/kv.go
// and state/txindex/kv/kv.go), and an open pebble iterator pins the files it
// reads: the files its compactions replace are never deleted, so the pruned
// index's space is not returned until the node restarts. Both loops read to
// the end, so closing on exhaustion releases every one.
type closingDB struct{ dbm.DB }

func (d closingDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	it, err := d.DB.Iterator(start, end)
	if err != nil {
		return nil, err
	}
	return &closingIterator{Iterator: it}, nil
}

func (d closingDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	it, err := d.DB.ReverseIterator(start, end)
	if err != nil {
		return nil, err
	}
	return &closingIterator{Iterator: it}, nil
}

type closingIterator struct {
	dbm.Iterator
	closed bool
	err    error // the iterator's error when it closed itself
}

func (it *closingIterator) Valid() bool {
	if it.closed {
		return false
	}
	if it.Iterator.Valid() {
		return true
	}
	it.err = it.Iterator.Error()
	it.closed = true
	if err := it.Iterator.Close(); it.err == nil {
		it.err = err
	}
	return false
}

func (it *closingIterator) Error() error {
	if it.closed {
		return it.err
	}
	return it.Iterator.Error()
}

func (it *closingIterator) Close() error {
	if it.closed {
		return nil
	}
	it.closed = true
	return it.Iterator.Close()
}

func startCompanion(ctx context.Context, h Home, retain int64, every time.Duration, n *cmtnode.Node, blockDB dbm.DB, logger cmtlog.Logger) (*companion, error) {
	c, err := privileged.New(ctx, "unix://"+companionSocket(h), privileged.WithInsecure())
	if err != nil {
		return nil, fmt.Errorf("pruning: connect to CometBFT's pruning service: %w", err)
	}
	if every <= 0 {
		every = 10 * time.Second
	}
	bs := n.BlockStore()
	cp := &companion{client: c, height: bs.Height, retain: retain, every: every, logger: logger,
		evidence: n.EvidencePool().State, base: bs.Base, blockDB: blockDB,
		blockTime: func(h int64) (time.Time, bool) {
			m := bs.LoadBlockMeta(h)
			if m == nil {
				return time.Time{}, false
			}
			return m.Header.Time, true
		}}
	// Before the node serves: what an earlier run (or an older version)
	// left below the base goes now.
	cp.dropExtCommits()
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

// step raises the four retain heights to the app's, if it moved, the
// blocks' no further than the evidence window allows.
func (c *companion) step(ctx context.Context) {
	rh := c.height() - c.retain + 1
	if rh < 1 {
		return
	}
	blocks := rh
	if c.evidence != nil {
		blocks = min(rh, evidenceRetain(c.evidence(), c.base(), c.blockTime))
	}
	set := func(what string, f func(context.Context, uint64) error, h int64) bool {
		if err := f(ctx, uint64(h)); err != nil {
			if ctx.Err() == nil {
				c.logger.Error("pruning: could not raise a retain height", "what", what, "height", h, "err", err)
			}
			return false
		}
		return true
	}
	if blocks > c.lastBlocks && blocks >= 1 {
		if !set("blocks", c.client.SetBlockRetainHeight, blocks) {
			return
		}
		c.lastBlocks = blocks
	}
	c.dropExtCommits()
	if rh <= c.last {
		return
	}
	for _, s := range []struct {
		what string
		f    func(context.Context, uint64) error
	}{
		{"block results", c.client.SetBlockResultsRetainHeight},
		{"tx index", c.client.SetTxIndexerRetainHeight},
		{"block-event index", c.client.SetBlockIndexerRetainHeight},
	} {
		if !set(s.what, s.f, rh) {
			return
		}
	}
	c.last = rh
}

// evidenceRetain is the lowest height at or above which evidence may still
// be submitted against the chain in state st: every height below it is
// older than both evidence.max_age_num_blocks and max_age_duration (the
// test of CometBFT's evidence.IsEvidenceExpired, which store.PruneBlocks
// applies). blockTime gives the header time of the stored heights from
// base; a height it cannot read is taken as not expired.
func evidenceRetain(st sm.State, base int64, blockTime func(int64) (time.Time, bool)) int64 {
	ev := st.ConsensusParams.Evidence
	top := st.LastBlockHeight - ev.MaxAgeNumBlocks // h < top ⇔ age in blocks > max
	if top <= base {
		return top
	}
	cutoff := st.LastBlockTime.Add(-ev.MaxAgeDuration) // expired ⇔ time < cutoff
	// Header times only grow with the height: the first height not older
	// than the cutoff ends the expired run.
	i := sort.Search(int(top-base), func(i int) bool {
		t, ok := blockTime(base + int64(i))
		return !ok || !t.Before(cutoff)
	})
	return base + int64(i)
}

// dropExtCommits deletes the extended commits (the precommits with their
// vote extensions, here the departments' SM2 attestations) of the heights
// below the block store's base. CometBFT v1.0.1's store.PruneBlocks deletes
// a pruned block's header, parts, commit and seen commit but not its
// extended commit, so on a chain with vote extensions each pruned block
// would leave about 340 bytes per validator behind for ever (fixed upstream
// by cometbft/cometbft#5276, in v0.38.19, which deletes the same key in
// PruneBlocks). The key is the block store's v1 layout's ("EC:<height>",
// store/db_key_layout.go); a store of another layout is left alone.
func (c *companion) dropExtCommits() {
	if c.blockDB == nil {
		return
	}
	base := c.base()
	if c.extFrom >= base {
		return
	}
	if v, err := c.blockDB.Get([]byte("version")); err != nil || (len(v) > 0 && string(v) != "v1") {
		c.logger.Info("pruning: the block store's key layout is not v1; extended commits of pruned blocks are kept", "version", string(v), "err", err)
		c.blockDB = nil
		return
	}
	var heights []int64
	if c.extFrom == 0 {
		// First time: the heights below the base that still have one (their
		// keys do not sort by height, so read them all once).
		it, err := dbm.IteratePrefix(c.blockDB, []byte("EC:"))
		if err != nil {
			c.logger.Error("pruning: could not read the extended commits", "err", err)
			return
		}
		for ; it.Valid(); it.Next() {
			if h, err := strconv.ParseInt(string(it.Key()[3:]), 10, 64); err == nil && h < base {
				heights = append(heights, h)
			}
		}
		err = it.Error()
		it.Close()
		if err != nil {
			c.logger.Error("pruning: could not read the extended commits", "err", err)
			return
		}
	} else {
		for h := c.extFrom; h < base; h++ {
			heights = append(heights, h)
		}
	}
	b := c.blockDB.NewBatch()
	defer b.Close()
	for _, h := range heights {
		if err := b.Delete([]byte("EC:" + strconv.FormatInt(h, 10))); err != nil {
			c.logger.Error("pruning: could not delete an extended commit", "height", h, "err", err)
			return
		}
	}
	if err := b.Write(); err != nil {
		c.logger.Error("pruning: could not delete the extended commits", "below", base, "err", err)
		return
	}
	c.extFrom = base
}
