package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	sm "github.com/cometbft/cometbft/state"
	"github.com/cometbft/cometbft/types"
	"github.com/schollz/progressbar/v3"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/node"
)

// Options configure an audit.
type Options struct {
	Source Source
	// Label names the audited node in the report (its API or RPC address).
	Label string
	// From is the first height whose commit signatures are verified and
	// whose transactions are counted in the report (default: the genesis
	// height). Blocks below it are still replayed: the state must be
	// rebuilt from the genesis.
	From int64
	// To is the last height replayed (default: the node's latest height
	// minus one, whose app hash is in the latest header).
	To int64
	// Workers verify commit signatures in parallel (default: all cores).
	Workers int
	// Checkpoint is a file recording the last fully verified height (see
	// Checkpoint); an existing one is resumed from.
	Checkpoint string
	// CheckpointEvery is how often the checkpoint is saved (default 10 s).
	CheckpointEvery time.Duration
	// Progress receives a progress bar (nil: none).
	Progress io.Writer
	// Modules replayed after identity (default node.Modules(): exactly what
	// every node runs).
	Modules []module.Module
	// Upgrades are the migrations of governed upgrade plans the replay
	// runs at their heights (default node.Upgrades(), as a node of this
	// binary would); without a plan's migration the replay stops there.
	Upgrades []chain.Migration
	// MaxFindings caps the failures and anomalies listed (the counts are
	// always complete); default 1000.
	MaxFindings int
	// Genesis, when set, is the genesis document the auditor obtained
	// independently (e.g. from the district's published genesis.json); the
	// node's must be identical. Without it the node's genesis is trusted.
	Genesis *types.GenesisDoc
	// FetchChunk heights per fetch and FetchParallel chunks in flight.
	FetchChunk, FetchParallel int
	// State, when set, is the audited node's state API: after the replay,
	// every key of the replayed state at To is read from the node with a
	// proof and compared (see StateReader). StateSample > 1 checks every
	// n-th key only.
	State       StateReader
	StateSample int
}

// Run audits the chain served by o.Source. A non-nil error means the audit
// could not run to completion (unreachable node, unusable genesis); what it
// found is in the report (Report.OK is false when anything failed).
func Run(ctx context.Context, o Options) (*Report, error) {
	a, err := newAuditor(ctx, o)
	if err != nil {
		return nil, err
	}
	return a.run(ctx)
}

type valEpoch struct {
	from int64
	set  *types.ValidatorSet
}

type auditor struct {
	o     Options
	rep   *Report
	gen   *types.GenesisDoc
	store *state.Store
	// stateMu: the replay (FinalizeBlock, Commit) writes the store under
	// the write lock; the signature stage reads it under the read lock.
	stateMu sync.RWMutex
	app     *chain.App
	pool    *commitPool
	epochs  []valEpoch
	cp      *Checkpoint
	verify0 int64 // commits of heights below this are not verified

	counts  map[[2]string]*DeptCount
	missed  map[string]int64
	commits int64

	fmu          sync.Mutex
	failures     int64
	anomalies    int64
	appDiverged  int64
	appMismatchN int64
}

func newAuditor(ctx context.Context, o Options) (*auditor, error) {
	if o.Source == nil {
		return nil, errors.New("audit: no source")
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 10 * time.Second
	}
	if o.Modules == nil {
		o.Modules = node.Modules()
	}
	if o.Upgrades == nil {
		o.Upgrades = node.Upgrades()
	}
	if o.MaxFindings <= 0 {
		o.MaxFindings = 1000
	}
	if o.FetchChunk <= 0 {
		// One JSON-RPC batch a chunk, so that the chunks in flight fetch
		// and decode in parallel even on a short chain.
		o.FetchChunk = rpcBatch / 2
	}
	if o.FetchParallel <= 0 {
		o.FetchParallel = 4
	}
	gen, err := o.Source.Genesis(ctx)
	if err != nil {
		return nil, err
	}
	if err := gen.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	nodeGenesis := GenesisHash(gen)
	if o.Genesis != nil {
		if err := o.Genesis.ValidateAndComplete(); err != nil {
			return nil, fmt.Errorf("--genesis: %w", err)
		}
		if h := GenesisHash(o.Genesis); h != nodeGenesis {
			return nil, fmt.Errorf("the node serves genesis %s (chain %s), not the given genesis %s (chain %s): it is not the network you mean to audit",
				short(nodeGenesis), gen.ChainID, short(h), o.Genesis.ChainID)
		}
		gen = o.Genesis
	}
	a := &auditor{o: o, gen: gen, counts: map[[2]string]*DeptCount{}, missed: map[string]int64{}}
	a.rep = &Report{Node: o.Label, ChainID: gen.ChainID, GenesisHash: nodeGenesis, InitialHeight: gen.InitialHeight, GenesisGiven: o.Genesis != nil,
		Started: time.Now().UTC(), Workers: o.Workers, Cores: runtime.NumCPU()}
	vals, err := GenesisValidators(gen)
	if err != nil {
		return nil, err
	}
	a.epochs = []valEpoch{{from: gen.InitialHeight, set: vals}}
	if o.Checkpoint != "" {
		cp, err := LoadCheckpoint(o.Checkpoint)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if cp.ChainID != gen.ChainID || cp.GenesisHash != a.rep.GenesisHash {
				return nil, fmt.Errorf("checkpoint %s is for chain %s (genesis %s), this node serves %s (genesis %s)",
					o.Checkpoint, cp.ChainID, short(cp.GenesisHash), gen.ChainID, short(a.rep.GenesisHash))
			}
			a.cp = cp
		}
	}
	return a, nil
}

// GenesisHash identifies a genesis document: SHA-256 of its canonical JSON.
func GenesisHash(g *types.GenesisDoc) string {
	b, err := cmtjson.Marshal(g)
	if err != nil {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// valsAt is the validator set that signs height h.
func (a *auditor) valsAt(h int64) *types.ValidatorSet {
	i := sort.Search(len(a.epochs), func(i int) bool { return a.epochs[i].from > h }) - 1
	if i < 0 {
		i = 0
	}
	return a.epochs[i].set
}

func (a *auditor) fail(f Finding) {
	a.fmu.Lock()
	defer a.fmu.Unlock()
	a.failures++
	if len(a.rep.Failures) < a.o.MaxFindings {
		a.rep.Failures = append(a.rep.Failures, f)
	}
}

func (a *auditor) anomaly(f Finding) {
	a.fmu.Lock()
	defer a.fmu.Unlock()
	a.anomalies++
	if len(a.rep.Anomalies) < a.o.MaxFindings {
		a.rep.Anomalies = append(a.rep.Anomalies, f)
	}
}

func (a *auditor) failureCount() int64 {
	a.fmu.Lock()
	defer a.fmu.Unlock()
	return a.failures
}

func (a *auditor) run(ctx context.Context) (*Report, error) {
	o, rep := a.o, a.rep
	latest, err := o.Source.Latest(ctx)
	if err != nil {
		return nil, err
	}
	first := a.gen.InitialHeight
	to := o.To
	if to == 0 {
		to = latest - 1
	}
	if to < first {
		return nil, fmt.Errorf("the node is at height %d: nothing to audit yet (the app hash of height H is only signed in header H+1)", latest)
	}
	if to+1 > latest {
		return nil, fmt.Errorf("--to %d: the node is at height %d; the highest auditable height is %d (its app hash is in header %d)", to, latest, latest-1, latest)
	}
	from := o.From
	if from < first {
		from = first
	}
	if from > to {
		return nil, fmt.Errorf("--from %d is above --to %d", from, to)
	}
	a.verify0 = from
	rep.From, rep.To, rep.Latest = from, to, latest
	if a.cp != nil {
		if a.cp.Height > to {
			return nil, fmt.Errorf("checkpoint %s is at height %d, above --to %d", o.Checkpoint, a.cp.Height, to)
		}
		if a.cp.Height+1 > a.verify0 {
			a.verify0 = a.cp.Height + 1
		}
		rep.Resumed = &Resumed{Height: a.cp.Height, AppHash: a.cp.AppHash, HeaderHash: a.cp.HeaderHash, Saved: a.cp.Saved,
			Skipped: fmt.Sprintf("commit signatures of heights %d..%d were verified by the run that wrote the checkpoint and are not re-verified; "+
				"those blocks were fetched and replayed again (the replayed state is not saved) and header %d must hash to the checkpoint's header hash, "+
				"which pins every earlier header through the LastBlockID chain", first, a.cp.Height, a.cp.Height)}
	}

	if a.store, err = state.OpenMemoryWith(state.Options{CacheSize: 200_000, NoFastIndex: true}); err != nil {
		return nil, err
	}
	defer a.store.Close()
	if a.app, err = chain.NewApp(a.store, o.Modules...); err != nil {
		return nil, err
	}
	if err := a.app.SetUpgrades(o.Upgrades...); err != nil {
		return nil, err
	}
	appHash, err := a.initChain(ctx)
	if err != nil {
		return nil, err
	}

	a.pool = newCommitPool(a, o.Workers)
	defer a.pool.close() // on early returns; idempotent
	var bar *progressbar.ProgressBar
	if o.Progress != nil {
		bar = progressbar.NewOptions64(to+1-first+1,
			progressbar.OptionSetWriter(o.Progress),
			progressbar.OptionSetDescription("audit"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("blocks"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(250*time.Millisecond),
			progressbar.OptionFullWidth(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(o.Progress) }),
		)
	}

	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocks := sigStage(fctx, fetchAll(fctx, o.Source, first, to+1, o.FetchChunk, o.FetchParallel), a.store, &a.stateMu, a.gen.ChainID, o.Workers)

	start := time.Now()
	lastCP := time.Now()
	var (
		prevID          types.BlockID
		prevRepResults  []byte // results hash of the previous block as reported
		prevOwnResults  []byte // and as replayed
		replayDur       time.Duration
		txs, failedTxs  int64
		lastH           int64
		lastBlock       *Block
		firstFetchError error
	)
	for item := range blocks {
		if item.err != nil {
			firstFetchError = item.err
			break
		}
		b := item.b
		h := b.Block.Height
		if h != lastH+1 && lastH != 0 {
			return nil, fmt.Errorf("source returned height %d after %d", h, lastH)
		}
		lastH = h
		blockID, ok := a.checkHeader(b, h, prevID, appHash, prevRepResults, prevOwnResults)
		if !ok {
			blockID = b.ID
		}
		// The commit of h-1 travels in block h.
		if h > first {
			a.submitCommit(h-1, prevID, b.Block.LastCommit)
			a.countMissed(b.Block.LastCommit)
		}
		a.checkEvidence(b)
		if a.cp != nil && h == a.cp.Height {
			if hex.EncodeToString(blockID.Hash) != a.cp.HeaderHash {
				a.fail(Finding{Height: h, Kind: KindCheckpoint, Reason: fmt.Sprintf("header %d hashes to %X but the checkpoint recorded %s: the chain served now differs from the one audited before", h, blockID.Hash, a.cp.HeaderHash)})
			}
		}
		if h <= to {
			t0 := time.Now()
			res, err := a.replay(item)
			replayDur += time.Since(t0)
			if err != nil {
				return nil, err
			}
			appHash = res.appHash
			prevRepResults, prevOwnResults = res.repResults, res.ownResults
			txs += int64(len(b.Block.Txs))
			failedTxs += res.failed
			if a.cp != nil && h == a.cp.Height && hex.EncodeToString(appHash) != a.cp.AppHash {
				a.fail(Finding{Height: h, Kind: KindCheckpoint, Reason: fmt.Sprintf("replayed app hash after %d is %X but the checkpoint recorded %s", h, appHash, a.cp.AppHash)})
			}
		} else {
			// The newest header is checked against its own commit.
			sh, err := o.Source.Commit(ctx, h)
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(sh.Header.Hash(), blockID.Hash) {
				a.fail(Finding{Height: h, Kind: KindHeaderLink, Reason: fmt.Sprintf("/commit?height=%d returns header %X but /block returned %X", h, sh.Header.Hash(), blockID.Hash)})
			}
			a.submitCommit(h, blockID, sh.Commit)
			a.countMissed(sh.Commit)
		}
		prevID = blockID
		lastBlock = b
		if bar != nil {
			el := time.Since(start).Seconds()
			if el > 0 {
				bar.Describe(fmt.Sprintf("audit h=%d %.0f tx/s", h, float64(txs)/el))
			}
			_ = bar.Add64(1)
		}
		if o.Checkpoint != "" && time.Since(lastCP) >= o.CheckpointEvery && h > first {
			a.pool.flush()
			a.saveCheckpoint(h-1, hex.EncodeToString(b.Block.LastBlockID.Hash), hex.EncodeToString(b.Block.AppHash))
			lastCP = time.Now()
		}
	}
	a.pool.close()
	if bar != nil {
		_ = bar.Finish()
	}
	if firstFetchError != nil {
		return nil, firstFetchError
	}
	if lastH != to+1 {
		return nil, fmt.Errorf("source stopped at height %d, expected %d", lastH, to+1)
	}
	if o.State != nil {
		// Header to+1 (its commit verified above) carries the signed app
		// hash of the state after to.
		sc, err := a.checkServedState(ctx, o.State, to, lastBlock.Block.AppHash, o.StateSample, max(4, o.Workers))
		if err != nil {
			return nil, fmt.Errorf("served-state check: %w", err)
		}
		rep.StateChecked = &StateChecked{Height: to, Keys: sc.keys, Mismatched: sc.mismatched, Extra: sc.extra, Sample: o.StateSample}
	}
	if o.Checkpoint != "" {
		// Block to+1 carries the hash of header to and the app hash after to.
		a.saveCheckpoint(to, hex.EncodeToString(lastBlock.Block.LastBlockID.Hash), hex.EncodeToString(lastBlock.Block.AppHash))
	}
	el := time.Since(start)
	rep.Finished = time.Now().UTC()
	rep.Blocks = to - first + 1
	rep.Txs, rep.RejectedTxs = txs, failedTxs
	rep.CommitsVerified = a.pool.verified.Load()
	rep.SignaturesVerified = a.pool.sigs.Load()
	rep.CommitsSkipped = a.pool.skipped.Load()
	rep.AppHash = fmt.Sprintf("%X", appHash)
	rep.Seconds = el.Seconds()
	rep.ReplaySeconds = replayDur.Seconds()
	if el > 0 {
		rep.TxsPerSecond = float64(txs) / el.Seconds()
	}
	if replayDur > 0 {
		rep.ReplayTxsPerSecond = float64(txs) / replayDur.Seconds()
	}
	a.finishCounts()
	a.finishMissed()
	a.fmu.Lock()
	if a.appMismatchN > 1 {
		a.failures++
		rep.Failures = append(rep.Failures, Finding{Height: a.appDiverged, Kind: KindAppHash,
			Reason: fmt.Sprintf("after the first divergence at height %d, %d further headers disagree with the replayed state", a.appDiverged, a.appMismatchN-1)})
	}
	rep.FailureCount, rep.AnomalyCount = a.failures, a.anomalies
	a.fmu.Unlock()
	sort.SliceStable(rep.Failures, func(i, j int) bool { return rep.Failures[i].Height < rep.Failures[j].Height })
	sort.SliceStable(rep.Anomalies, func(i, j int) bool { return rep.Anomalies[i].Height < rep.Anomalies[j].Height })
	rep.OK = rep.FailureCount == 0
	return rep, nil
}

func (a *auditor) initChain(ctx context.Context) ([]byte, error) {
	g := a.gen
	vals := a.epochs[0].set
	pbparams := g.ConsensusParams.ToProto()
	res, err := a.app.InitChain(ctx, &abci.InitChainRequest{
		Time: g.GenesisTime, ChainId: g.ChainID, InitialHeight: g.InitialHeight,
		ConsensusParams: &pbparams, Validators: types.TM2PB.ValidatorUpdates(vals), AppStateBytes: g.AppState,
	})
	if err != nil {
		return nil, fmt.Errorf("replay InitChain from the node's genesis: %w", err)
	}
	if len(res.Validators) > 0 {
		// CometBFT replaces the genesis set with the app's answer.
		vs, err := types.PB2TM.ValidatorUpdates(res.Validators)
		if err != nil {
			return nil, err
		}
		a.epochs[0].set = types.NewValidatorSet(vs)
	}
	if len(res.AppHash) == 0 {
		return g.AppHash, nil
	}
	return res.AppHash, nil
}

// checkHeader checks block b against everything already established:
// structure, its own hash, the link to the previous header, the validator
// set hashes, and the app and results hashes the previous replay produced.
// It returns the block ID computed from the block itself.
func (a *auditor) checkHeader(b *Block, h int64, prevID types.BlockID, appHash, repResults, ownResults []byte) (types.BlockID, bool) {
	hd := &b.Block.Header
	if hd.ChainID != a.gen.ChainID {
		a.fail(Finding{Height: h, Kind: KindHeader, Reason: fmt.Sprintf("header names chain %q, genesis is %q", hd.ChainID, a.gen.ChainID)})
	}
	if err := b.Block.ValidateBasic(); err != nil {
		a.fail(Finding{Height: h, Kind: KindHeader, Reason: fmt.Sprintf("block %d is malformed (data, evidence or last-commit hash does not match the header): %v", h, err)})
		return types.BlockID{}, false
	}
	id := types.BlockID{Hash: b.Block.Hash(), PartSetHeader: b.ID.PartSetHeader}
	if !bytes.Equal(id.Hash, b.ID.Hash) {
		a.fail(Finding{Height: h, Kind: KindHeader, Reason: fmt.Sprintf("the node says block %d has ID %X but its header hashes to %X", h, b.ID.Hash, id.Hash)})
	}
	if h > a.gen.InitialHeight && !hd.LastBlockID.Equals(prevID) {
		a.fail(Finding{Height: h, Kind: KindHeaderLink, Reason: fmt.Sprintf("header %d links to previous block %X, but block %d hashes to %X", h, hd.LastBlockID.Hash, h-1, prevID.Hash)})
	}
	if want := a.valsAt(h).Hash(); !bytes.Equal(hd.ValidatorsHash, want) {
		a.fail(Finding{Height: h, Kind: KindValidators, Reason: fmt.Sprintf("header %d names validator set %X; the set derived from the genesis and the replayed validator updates hashes to %X", h, hd.ValidatorsHash, want)})
	}
	if want := a.valsAt(h + 1).Hash(); !bytes.Equal(hd.NextValidatorsHash, want) {
		a.fail(Finding{Height: h, Kind: KindValidators, Reason: fmt.Sprintf("header %d names next validator set %X; the derived set for %d hashes to %X", h, hd.NextValidatorsHash, h+1, want)})
	}
	if !bytes.Equal(hd.AppHash, appHash) {
		a.fmu.Lock()
		a.appMismatchN++
		first := a.appMismatchN == 1
		if first {
			a.appDiverged = h - 1
		}
		a.fmu.Unlock()
		if first {
			a.fail(Finding{Height: h - 1, Kind: KindAppHash, Reason: fmt.Sprintf("the state replayed through height %d has app hash %X, but header %d (signed by the validators) says %X", h-1, appHash, h, []byte(hd.AppHash))})
		}
	}
	if h > a.gen.InitialHeight {
		if !bytes.Equal(hd.LastResultsHash, repResults) {
			a.fail(Finding{Height: h - 1, Kind: KindResultsHash, Reason: fmt.Sprintf("the node's /block_results for height %d hash to %X, but header %d (signed) says LastResultsHash %X: the node's stored results were altered", h-1, repResults, h, []byte(hd.LastResultsHash))})
		}
		if !bytes.Equal(hd.LastResultsHash, ownResults) && !bytes.Equal(repResults, ownResults) {
			a.fail(Finding{Height: h - 1, Kind: KindResultsHash, Reason: fmt.Sprintf("the replayed results of height %d hash to %X, header %d says %X", h-1, ownResults, h, []byte(hd.LastResultsHash))})
		}
	} else if want := types.NewResults(nil).Hash(); !bytes.Equal(hd.LastResultsHash, want) {
		a.fail(Finding{Height: h, Kind: KindResultsHash, Reason: fmt.Sprintf("first header has LastResultsHash %X, want the empty hash %X", []byte(hd.LastResultsHash), want)})
	}
	return id, true
}

func (a *auditor) submitCommit(h int64, id types.BlockID, c *types.Commit) {
	if h < a.verify0 {
		a.pool.skipped.Add(1)
		return
	}
	a.pool.submit(commitJob{height: h, vals: a.valsAt(h), id: id, commit: c})
}

func (a *auditor) countMissed(c *types.Commit) {
	if c == nil {
		return
	}
	a.commits++
	vals := a.valsAt(c.Height)
	for i, s := range c.Signatures {
		if s.BlockIDFlag != types.BlockIDFlagCommit && i < vals.Size() {
			// an absent signature carries no address: take it from the set
			a.missed[vals.Validators[i].Address.String()]++
		}
	}
}

func (a *auditor) checkEvidence(b *Block) {
	for _, ev := range b.Block.Evidence.Evidence {
		h := b.Block.Height
		switch e := ev.(type) {
		case *types.DuplicateVoteEvidence:
			addr := e.VoteA.ValidatorAddress.String()
			if err := CheckDuplicateVote(a.gen.ChainID, e, a.valsAt(e.Height())); err != nil {
				a.fail(Finding{Height: h, Kind: KindEvidence, Reason: fmt.Sprintf("block %d carries duplicate-vote evidence against %s that does not verify: %v", h, addr, err)})
				continue
			}
			eq := Equivocation{Height: e.Height(), Round: e.VoteA.Round, Validator: addr, BlockA: e.VoteA.BlockID.Hash.String(), BlockB: e.VoteB.BlockID.Hash.String(), Source: fmt.Sprintf("evidence in block %d", h)}
			a.fmu.Lock()
			a.rep.Equivocations = append(a.rep.Equivocations, eq)
			a.fmu.Unlock()
			a.anomaly(Finding{Height: h, Kind: KindEquivocation, Reason: fmt.Sprintf("validator %s signed two blocks at height %d round %d (%s and %s); both signatures verify", addr, e.Height(), e.VoteA.Round, short(eq.BlockA), short(eq.BlockB))})
		case *types.LightClientAttackEvidence:
			a.anomaly(Finding{Height: h, Kind: KindEquivocation, Reason: fmt.Sprintf("light-client attack evidence: a conflicting block at height %d (common height %d), byzantine validators %d", e.ConflictingBlock.Height, e.CommonHeight, len(e.ByzantineValidators))})
		default:
			a.anomaly(Finding{Height: h, Kind: KindEvidence, Reason: fmt.Sprintf("evidence of unknown kind %T", ev)})
		}
	}
}

type replayResult struct {
	appHash    []byte
	repResults []byte
	ownResults []byte
	failed     int64
}

// replay runs block b through the fresh app and compares everything the node
// reported about its execution.
func (a *auditor) replay(s *sigBlock) (*replayResult, error) {
	b := s.b
	blk := b.Block
	h := blk.Height
	req := &abci.FinalizeBlockRequest{
		Txs: blk.Txs.ToSliceOfBytes(), Height: h, Time: blk.Time, Hash: blk.Hash(),
		NextValidatorsHash: blk.NextValidatorsHash, ProposerAddress: blk.ProposerAddress,
		Misbehavior: blk.Evidence.Evidence.ToABCI(),
	}
	if h > a.gen.InitialHeight {
		if lv := a.valsAt(h - 1); blk.LastCommit != nil && blk.LastCommit.Size() == lv.Size() {
			req.DecidedLastCommit = sm.BuildLastCommitInfo(blk, lv, a.gen.InitialHeight)
		}
	}
	a.app.GivePreverified(s.verified())
	a.stateMu.Lock()
	res, err := a.app.FinalizeBlock(context.Background(), req)
	if err == nil {
		_, err = a.app.Commit(context.Background(), &abci.CommitRequest{})
		if err != nil {
			err = fmt.Errorf("replay commit of block %d: %w", h, err)
		}
	} else {
		err = fmt.Errorf("replay of block %d stopped: %w", h, err)
	}
	a.stateMu.Unlock()
	if err != nil {
		return nil, err
	}
	rr := &replayResult{appHash: res.AppHash, ownResults: types.NewResults(res.TxResults).Hash()}
	rep := b.Results
	if rep == nil || rep.Height != h {
		a.fail(Finding{Height: h, Kind: KindResults, Reason: fmt.Sprintf("the node returned no block_results for height %d", h)})
		rep = &ctypes.ResultBlockResults{Height: h}
	}
	if rep == b.Results && s.repResults != nil {
		rr.repResults = s.repResults // hashed by the signature stage
	} else {
		rr.repResults = types.NewResults(rep.TxResults).Hash()
	}
	if len(rep.TxResults) != len(blk.Txs) {
		a.fail(Finding{Height: h, Kind: KindResults, Reason: fmt.Sprintf("block %d has %d txs, the node reports %d results", h, len(blk.Txs), len(rep.TxResults))})
	}
	countFrom := h >= a.rep.From
	for i := range blk.Txs {
		got := res.TxResults[i]
		hash := func() string { return tx.HexOf(s.hashes[i]) } // for findings only
		typ := "undecodable"
		if t := s.txs[i]; t != nil {
			typ = t.Type
		} else if got.Code == 0 && len(got.Events) > 0 {
			// not a signed envelope but accepted by the chain: a consensus
			// pseudo-tx (e.g. the SM2 quorum certificate), named by its event
			typ = got.Events[0].Type
		}
		dept := eventAttr(got.Events, "tx", "dept")
		if got.Code != 0 {
			rr.failed++
			if t := s.txs[i]; dept == "" && t != nil {
				dept = a.deptOf(t.Signer.String())
			}
			a.anomaly(Finding{Height: h, Index: i, Tx: hash(), Dept: dept, Type: typ, Kind: KindTxRejected,
				Reason: fmt.Sprintf("tx included in the block but rejected on execution: %s/%d %s", got.Codespace, got.Code, got.Log)})
		}
		if countFrom {
			k := [2]string{dept, typ}
			c := a.counts[k]
			if c == nil {
				c = &DeptCount{Dept: dept, Type: typ}
				a.counts[k] = c
			}
			c.Txs++
			if got.Code != 0 {
				c.Rejected++
			}
		}
		if i >= len(rep.TxResults) {
			continue
		}
		r := rep.TxResults[i]
		if r.Code != got.Code || r.Codespace != got.Codespace || !bytes.Equal(r.Data, got.Data) {
			a.fail(Finding{Height: h, Index: i, Tx: hash(), Dept: dept, Type: typ, Kind: KindResults,
				Reason: fmt.Sprintf("the node reports result %s/%d data %q; the replay gives %s/%d data %q%s", space(r.Codespace), r.Code, r.Data, space(got.Codespace), got.Code, got.Data, paren(got.Log))})
		} else if !sameEvents(r.Events, got.Events) {
			a.fail(Finding{Height: h, Index: i, Tx: hash(), Dept: dept, Type: typ, Kind: KindEvents,
				Reason: fmt.Sprintf("the node reports events %s; the replay emits %s (search results from this node would mislead)", eventsString(r.Events), eventsString(got.Events))})
		} else if r.Log != got.Log {
			a.anomaly(Finding{Height: h, Index: i, Tx: hash(), Dept: dept, Type: typ, Kind: KindLog,
				Reason: fmt.Sprintf("same result code, different log: node %q, replay %q", r.Log, got.Log)})
		}
	}
	if !sameEvents(rep.FinalizeBlockEvents, res.Events) {
		a.fail(Finding{Height: h, Kind: KindEvents, Reason: fmt.Sprintf("the node reports block events %s; the replay emits %s", eventsString(rep.FinalizeBlockEvents), eventsString(res.Events))})
	}
	if !sameUpdates(rep.ValidatorUpdates, res.ValidatorUpdates) {
		a.fail(Finding{Height: h, Kind: KindValidators, Reason: fmt.Sprintf("the node reports validator updates %s; the replay produces %s", updatesString(rep.ValidatorUpdates), updatesString(res.ValidatorUpdates))})
	}
	if b.Results != nil && len(rep.AppHash) > 0 && !bytes.Equal(rep.AppHash, res.AppHash) {
		a.fail(Finding{Height: h, Kind: KindAppHash, Reason: fmt.Sprintf("the node's block_results say app hash %X after %d; the replay gives %X", rep.AppHash, h, res.AppHash)})
	}
	if len(res.ValidatorUpdates) > 0 {
		next, err := ApplyUpdates(a.valsAt(h+1), res.ValidatorUpdates)
		if err != nil {
			a.fail(Finding{Height: h, Kind: KindValidators, Reason: err.Error()})
		} else {
			a.epochs = append(a.epochs, valEpoch{from: h + 2, set: next})
			a.anomaly(Finding{Height: h, Kind: KindValidatorChange, Reason: fmt.Sprintf("validator updates %s take effect at height %d (%d validators, total power %d)", updatesString(res.ValidatorUpdates), h+2, next.Size(), next.TotalVotingPower())})
		}
	}
	return rr, nil
}

func (a *auditor) deptOf(signer string) string {
	id, err := smcrypto.ParseKeyID(signer)
	if err != nil {
		return ""
	}
	v, err := a.store.At(0)
	if err != nil {
		return ""
	}
	acct, err := identity.GetAccount(v, id)
	if err != nil {
		return ""
	}
	return acct.Dept
}

func (a *auditor) finishCounts() {
	for _, c := range a.counts {
		a.rep.ByDept = append(a.rep.ByDept, *c)
	}
	sort.Slice(a.rep.ByDept, func(i, j int) bool {
		x, y := a.rep.ByDept[i], a.rep.ByDept[j]
		if x.Dept != y.Dept {
			return x.Dept < y.Dept
		}
		return x.Type < y.Type
	})
}

func (a *auditor) finishMissed() {
	if a.commits == 0 {
		return
	}
	view, _ := a.store.At(0)
	var addrs []string
	for addr := range a.missed {
		addrs = append(addrs, addr)
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		dept := ""
		if view != nil {
			if b, err := view.Get(identity.ValidatorKey(addr)); err == nil && b != nil {
				dept = string(b)
			}
		}
		n := a.missed[addr]
		a.anomaly(Finding{Kind: KindMissedSignatures, Dept: dept,
			Reason: fmt.Sprintf("validator %s (%s) did not sign %d of %d commits seen (absent or voted nil; a validator outside the set at a height is not counted)", addr, orDash(dept), n, a.commits)})
	}
}

func (a *auditor) saveCheckpoint(h int64, headerHash, appHash string) {
	if a.failureCount() > 0 {
		return
	}
	cp := &Checkpoint{ChainID: a.gen.ChainID, GenesisHash: a.rep.GenesisHash, Height: h, HeaderHash: headerHash, AppHash: appHash, Saved: time.Now().UTC()}
	if err := cp.Save(a.o.Checkpoint); err != nil {
		a.anomaly(Finding{Height: h, Kind: KindCheckpoint, Reason: "checkpoint not saved: " + err.Error()})
		return
	}
	a.rep.CheckpointHeight = h
}

// commitPool verifies commit signatures on all cores while the replay runs.
type commitPool struct {
	a        *auditor
	jobs     chan commitJob
	once     sync.Once
	wg       sync.WaitGroup
	pending  sync.WaitGroup
	verified atomic.Int64
	sigs     atomic.Int64
	skipped  atomic.Int64
}

type commitJob struct {
	height int64
	vals   *types.ValidatorSet
	id     types.BlockID
	commit *types.Commit
}

func newCommitPool(a *auditor, n int) *commitPool {
	p := &commitPool{a: a, jobs: make(chan commitJob, 4*n)}
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for j := range p.jobs {
				p.do(j)
				p.pending.Done()
			}
		}()
	}
	return p
}

func (p *commitPool) submit(j commitJob) {
	p.pending.Add(1)
	p.jobs <- j
}

func (p *commitPool) do(j commitJob) {
	if err := VerifyCommit(p.a.gen.ChainID, j.vals, j.id, j.height, j.commit); err != nil {
		p.a.fail(Finding{Height: j.height, Kind: KindCommit, Reason: err.Error()})
		return
	}
	p.verified.Add(1)
	n := 0
	for _, s := range j.commit.Signatures {
		if s.BlockIDFlag == types.BlockIDFlagCommit {
			n++
		}
	}
	p.sigs.Add(int64(n))
}

// flush waits for every submitted job.
func (p *commitPool) flush() { p.pending.Wait() }

func (p *commitPool) close() {
	p.once.Do(func() { close(p.jobs) })
	p.wg.Wait()
}

type fetched struct {
	b   *Block
	err error
}

// fetchAll streams blocks from..to in order, fetching up to par chunks at
// once (JSON decoding runs on other cores while the replay runs).
func fetchAll(ctx context.Context, src Source, from, to int64, chunk, par int) <-chan fetched {
	out := make(chan fetched, chunk)
	futures := make(chan chan fetched, par)
	go func() {
		defer close(futures)
		for lo := from; lo <= to; lo += int64(chunk) {
			hi := min(lo+int64(chunk)-1, to)
			f := make(chan fetched, chunk)
			select {
			case futures <- f:
			case <-ctx.Done():
				return
			}
			go func(lo, hi int64, f chan fetched) {
				defer close(f)
				bs, err := src.Blocks(ctx, lo, hi)
				if err != nil {
					f <- fetched{err: err}
					return
				}
				for _, b := range bs {
					f <- fetched{b: b}
				}
			}(lo, hi, f)
		}
	}()
	go func() {
		defer close(out)
		for f := range futures {
			for item := range f {
				select {
				case out <- item:
				case <-ctx.Done():
					return
				}
				if item.err != nil {
					return
				}
			}
		}
	}()
	return out
}

func eventAttr(evs []abci.Event, typ, key string) string {
	for _, e := range evs {
		if e.Type != typ {
			continue
		}
		for _, at := range e.Attributes {
			if at.Key == key {
				return at.Value
			}
		}
	}
	return ""
}

func sameEvents(x, y []abci.Event) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i].Type != y[i].Type || len(x[i].Attributes) != len(y[i].Attributes) {
			return false
		}
		for j := range x[i].Attributes {
			p, q := x[i].Attributes[j], y[i].Attributes[j]
			if p.Key != q.Key || p.Value != q.Value || p.Index != q.Index {
				return false
			}
		}
	}
	return true
}

func eventsString(evs []abci.Event) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, e := range evs {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(e.Type)
		b.WriteByte('{')
		for j, at := range e.Attributes {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s=%s", at.Key, at.Value)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

func sameUpdates(x, y []abci.ValidatorUpdate) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i].Power != y[i].Power || x[i].PubKeyType != y[i].PubKeyType || !bytes.Equal(x[i].PubKeyBytes, y[i].PubKeyBytes) {
			return false
		}
	}
	return true
}

func updatesString(us []abci.ValidatorUpdate) string {
	if len(us) == 0 {
		return "none"
	}
	var b bytes.Buffer
	for i, u := range us {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%X power %d", u.PubKeyBytes, u.Power)
	}
	return b.String()
}

func space(s string) string {
	if s == "" {
		return "ok"
	}
	return s
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
