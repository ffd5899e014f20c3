// Package chain is govchain's ABCI++ application. The life cycle reads top to
// bottom in this file: Info, InitChain, CheckTx, PrepareProposal,
// ProcessProposal, FinalizeBlock, Commit, Query. Module logic lives in the
// modules; this file only authenticates, routes and commits.
package chain

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/api/cometbft/crypto/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
)

const AppVersion = 1

// App is the state machine CometBFT drives in-process.
type App struct {
	abci.BaseApplication

	store   *state.Store
	modules []module.Module
	routes  map[string]module.Route

	mu      sync.Mutex // guards everything below; ABCI calls may interleave with API queries
	chainID string
	params  Params
	// checkState accumulates the effects of txs accepted into the mempool
	// since the last commit, so dependent txs can follow each other without
	// waiting a block. Rebuilt on every Commit (CometBFT then rechecks).
	checkState *state.Cache
	// block in progress between FinalizeBlock and Commit
	pending struct {
		height int64
		time   time.Time
	}
	lastBlockTime time.Time
	// SM2 attestations (vote extensions), see attest_app.go
	attestKeys    []*smcrypto.PrivateKey // candidates; see pickAttester
	veEnable      int64
	lastBlockHash []byte
	pendingHash   []byte
	metrics       *metrics
	auth          authCache
	// preverified holds, during FinalizeBlock, the txs whose signature
	// verified (in parallel, before execution) and under which key.
	preverified map[[32]byte]*smcrypto.PublicKey
	// given holds signatures the caller verified for the next
	// FinalizeBlock (see GivePreverified).
	given map[[32]byte]*smcrypto.PublicKey
	// snaps takes, serves and restores state snapshots (nil: none).
	snaps Snapshots
	// retainBlocks > 0 lets CometBFT prune blocks older than the newest
	// retainBlocks (RetainHeight); 0 keeps every block.
	retainBlocks int64
	// rechecks holds the txs the mempool's recheck evicted (recheck.go).
	rechecks recheckLog
	// txs holds what CheckTx learnt of each tx: decoded, signature
	// verified, its result and effects if it passed (checktx.go).
	txs txCache
	// upg: governed software upgrades (upgrade_app.go).
	upg upgrades
}

// SetRetainBlocks makes Commit ask CometBFT to keep only the newest n
// blocks (0: all). The node checks n against its snapshot interval.
func (a *App) SetRetainBlocks(n int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.retainBlocks = n
}

// Snapshots takes, serves and restores state snapshots for CometBFT's state
// sync (node/snapshot). The app only routes the ABCI calls to it and
// reloads its own fields after a restore; the files are the node's.
type Snapshots interface {
	// Committed is told each committed height (to snapshot at intervals).
	Committed(height int64)
	List() []*abci.Snapshot
	LoadChunk(height uint64, format, index uint32) []byte
	Offer(s *abci.Snapshot, appHash []byte) abci.OfferSnapshotResult
	// ApplyChunk reports restored once the store holds the snapshot.
	ApplyChunk(index uint32, chunk []byte, sender string) (res *abci.ApplySnapshotChunkResponse, restored bool)
}

// SetSnapshots turns state sync on (serving and restoring).
func (a *App) SetSnapshots(s Snapshots) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.snaps = s
}

// NewApp builds the application over store with the given modules; the
// identity module is always present and first.
func NewApp(store *state.Store, mods ...module.Module) (*App, error) {
	if err := CheckKeepRecent(store.Options().KeepRecent); err != nil {
		return nil, fmt.Errorf("chain: %w", err)
	}
	a := &App{store: store, routes: map[string]module.Route{}, metrics: appMetrics()}
	a.modules = append([]module.Module{identity.Module{}}, mods...)
	names := map[string]bool{}
	for _, m := range a.modules {
		if names[m.Name()] {
			return nil, fmt.Errorf("chain: module %q registered twice", m.Name())
		}
		names[m.Name()] = true
		for _, r := range m.Routes() {
			if _, dup := a.routes[r.Type]; dup {
				return nil, fmt.Errorf("chain: message type %q registered twice", r.Type)
			}
			a.routes[r.Type] = r
		}
	}
	if err := a.load(); err != nil {
		return nil, err
	}
	return a, nil
}

// load reads what the app keeps in memory from the last committed state
// (at start, and after a snapshot restore): everything it needs is state.
func (a *App) load() error {
	if v, _ := a.store.LastCommit(); v > 0 {
		view, err := a.store.At(v)
		if err != nil {
			return err
		}
		if a.params, err = LoadParams(view); err != nil {
			return err
		}
		a.chainID = loadChainID(view)
		a.lastBlockTime = loadBlockTime(view)
		a.veEnable = loadInt64(view, attestEnableKey)
		a.lastBlockHash, _ = view.Get(blockHashKey)
		if err := a.loadUpgrade(view); err != nil {
			return err
		}
	}
	a.auth = authCache{}
	a.txs = txCache{}
	a.checkState = a.newCheckState()
	return nil
}

var chainIDKey = []byte("chain_id")

// blockTimeKey holds the last block's header time, so CheckTx after a
// restart judges time-dependent rules (certificate validity) sensibly.
var blockTimeKey = []byte("block_time")

func loadBlockTime(kv state.KV) time.Time {
	b, _ := kv.Get(blockTimeKey)
	t, _ := time.Parse(time.RFC3339Nano, string(b))
	return t
}

func loadChainID(kv state.KV) string {
	b, _ := kv.Get(chainIDKey)
	return string(b)
}

// Routes lists the message types and their permissions (for docs and API).
func (a *App) Routes() []module.Route {
	out := make([]module.Route, 0, len(a.routes))
	for _, r := range a.routes {
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y module.Route) int {
		if x.Type < y.Type {
			return -1
		}
		return 1
	})
	return out
}

func (a *App) Store() *state.Store { return a.store }

func (a *App) ChainID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.chainID
}

func (a *App) Params() Params {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.params
}

func (a *App) newCheckState() *state.Cache {
	v, _ := a.store.LastCommit()
	view, err := a.store.At(v)
	if err != nil {
		panic(fmt.Sprintf("chain: committed version %d unreadable: %v", v, err))
	}
	return state.NewCache(view)
}

// Info tells CometBFT where the app is, so the handshake replays any blocks
// committed by CometBFT but not by the app (e.g. after kill -9).
func (a *App) Info(context.Context, *abci.InfoRequest) (*abci.InfoResponse, error) {
	v, h := a.store.LastCommit()
	return &abci.InfoResponse{Data: "govchain", Version: "1", AppVersion: a.appVersion(), LastBlockHeight: v, LastBlockAppHash: h}, nil
}

func (a *App) InitChain(_ context.Context, req *abci.InitChainRequest) (*abci.InitChainResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var g AppGenesis
	if err := json.Unmarshal(req.AppStateBytes, &g); err != nil {
		return nil, fmt.Errorf("chain: app_state: %w", err)
	}
	if err := g.Params.Validate(); err != nil {
		return nil, fmt.Errorf("chain: genesis params: %w", err)
	}
	if err := checkGenesisValidators(&g, req.Validators); err != nil {
		return nil, err
	}
	cache := state.NewCache(a.store.Working())
	ctx := &module.Context{ChainID: req.ChainId, Height: req.InitialHeight, Time: req.Time, Store: cache}
	if err := cache.Set(ParamsKey, module.MustJSON(g.Params)); err != nil {
		return nil, err
	}
	if err := cache.Set(chainIDKey, []byte(req.ChainId)); err != nil {
		return nil, err
	}
	if cp := req.ConsensusParams; cp != nil && cp.Feature != nil && cp.Feature.VoteExtensionsEnableHeight != nil {
		a.veEnable = cp.Feature.VoteExtensionsEnableHeight.Value
	}
	if err := cache.Set(attestEnableKey, int64Bytes(a.veEnable)); err != nil {
		return nil, err
	}
	idRaw, _ := json.Marshal(g.Identity)
	for _, m := range a.modules {
		raw := g.Modules[m.Name()]
		if m.Name() == "identity" {
			raw = idRaw
		}
		if err := m.InitGenesis(ctx, raw); err != nil {
			return nil, fmt.Errorf("chain: genesis of %s: %w", m.Name(), err)
		}
	}
	for name := range g.Modules {
		if !slices.ContainsFunc(a.modules, func(m module.Module) bool { return m.Name() == name }) {
			return nil, fmt.Errorf("chain: genesis has a section for unknown module %q", name)
		}
	}
	if err := cache.Write(); err != nil {
		return nil, err
	}
	a.chainID, a.params = req.ChainId, g.Params
	// Until block 1, "the last block time" is the genesis time: certificate
	// windows (txs, attestations) are judged against it.
	a.lastBlockTime = req.Time
	// Until block 1 commits, mempool txs must see the genesis state; the
	// check cache never writes back, so reading the working tree is safe.
	a.checkState = state.NewCache(a.store.Working())
	return &abci.InitChainResponse{AppHash: a.store.WorkingHash()}, nil
}

// checkGenesisValidators insists that every consensus validator belongs to a
// founding department, so no key outside the registry can vote.
func checkGenesisValidators(g *AppGenesis, vals []abci.ValidatorUpdate) error {
	byKey := map[string]string{}
	for _, d := range g.Identity.Departments {
		if d.Validator != nil {
			byKey[string(d.Validator.PubKey)] = d.Code
			addr := ed25519.PubKey(d.Validator.PubKey).Address()
			if d.Validator.Type != ed25519.KeyType || len(d.Validator.PubKey) != ed25519.PubKeySize ||
				!equalFoldHex(d.ValidatorAddress, addr.String()) {
				return fmt.Errorf("chain: department %s: validator must be an ed25519 key with its address", d.Code)
			}
		}
	}
	for _, v := range vals {
		if _, ok := byKey[string(v.PubKeyBytes)]; !ok {
			return fmt.Errorf("chain: genesis validator %X belongs to no department", v.PubKeyBytes)
		}
	}
	return nil
}

func equalFoldHex(a, b string) bool {
	x, err1 := hex.DecodeString(a)
	y, err2 := hex.DecodeString(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// CheckTx runs the full transaction against the mempool's state: the same
// code path as FinalizeBlock, so a client learns of any rejection at once.
// A recheck skips the handler when nothing the tx read has changed
// (checktx.go).
func (a *App) CheckTx(_ context.Context, req *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	res := a.checkTx(req.Tx, req.Type == abci.CHECK_TX_TYPE_RECHECK)
	if res.Code != 0 && req.Type == abci.CHECK_TX_TYPE_RECHECK {
		a.noteRecheck(req.Tx, res) // evicted: tell whoever waits for it
	}
	return &abci.CheckTxResponse{Code: res.Code, Codespace: res.Codespace, Log: res.Log, Data: res.Data}, nil
}

// PrepareProposal opens the block with the SM2 quorum certificate of the
// previous height (when attestations are on), then keeps CometBFT's order
// (except that a signer's own txs are put in sequence order) and drops what
// does not fit.
func (a *App) PrepareProposal(_ context.Context, req *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &abci.PrepareProposalResponse{Txs: inSequenceOrder(a.prepareWithQC(req))}, nil
}

// inSequenceOrder puts each signer's txs in sequence order within the
// positions they occupy in the proposal; nothing is added or dropped.
// CometBFT's mempool can hold a signer's txs out of order: with the
// in-process ABCI client, CheckTx calls are serialised but the insertion
// into the mempool list that follows each is not, so when tx n arrives from
// one peer and n+1 from another at the same time, n+1 can be listed first.
// Executed in that order n+1 fails (tx/7), and so does every later tx of
// the signer in the block.
func inSequenceOrder(txs [][]byte) [][]byte {
	type slot struct {
		seq uint64
		at  int
	}
	bySigner := map[smcrypto.KeyID][]slot{}
	for i, raw := range txs {
		t, err := tx.Decode(raw, 0)
		if err != nil {
			continue // the QC pseudo-tx, or a tx that will fail anyway
		}
		bySigner[t.Signer] = append(bySigner[t.Signer], slot{t.Sequence, i})
	}
	bySeq := func(x, y slot) int { return cmp.Compare(x.seq, y.seq) }
	var out [][]byte
	for _, slots := range bySigner {
		if slices.IsSortedFunc(slots, bySeq) {
			continue
		}
		if out == nil {
			out = slices.Clone(txs)
		}
		sorted := slices.Clone(slots)
		slices.SortStableFunc(sorted, bySeq)
		for k, s := range slots {
			out[s.at] = txs[sorted[k].at]
		}
	}
	if out == nil {
		return txs
	}
	return out
}

// ProcessProposal rejects a block without a valid quorum certificate;
// otherwise it accepts: invalid txs inside a block are recorded with their
// error code rather than halting the chain.
func (a *App) ProcessProposal(_ context.Context, req *abci.ProcessProposalRequest) (*abci.ProcessProposalResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.processQC(req); err != nil || a.upgradeBlocks(req.Height) != nil {
		return &abci.ProcessProposalResponse{Status: abci.PROCESS_PROPOSAL_STATUS_REJECT}, nil
	}
	return &abci.ProcessProposalResponse{Status: abci.PROCESS_PROPOSAL_STATUS_ACCEPT}, nil
}

func (a *App) FinalizeBlock(_ context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	defer func() { a.given = nil }() // GivePreverified is for this block only
	working := a.store.Working()
	upgraded, err := a.upgradeAt(working, req.Height, req.Time) // a plan's migration, first
	if err != nil {
		return nil, err
	}
	bctx := blockCtx{chainID: a.chainID, height: req.Height, time: req.Time}
	results := make([]*abci.ExecTxResult, 0, len(req.Txs))
	qcRes, txs, err := a.finalizeQC(working, req)
	if err != nil {
		return nil, err
	}
	if qcRes != nil {
		results = append(results, qcRes)
	}
	var updates []module.ValidatorUpdate
	a.preverified = a.preverify(working, bctx, txs)
	defer func() { a.preverified = nil }()
	for _, raw := range txs {
		r := a.runTxAt(working, raw, bctx, false)
		results = append(results, r.exec())
		updates = append(updates, r.valUpdates...)
	}
	events := upgraded.events
	for _, m := range a.modules {
		eb, ok := m.(module.EndBlocker)
		if !ok {
			continue
		}
		cache := state.NewCache(working)
		ctx := &module.Context{ChainID: a.chainID, Height: req.Height, Time: req.Time, Store: cache, Route: a.route}
		if err := eb.EndBlock(ctx); err != nil {
			// End-block logic is the chain's own; failing it must stop the
			// node rather than fork the state silently.
			return nil, fmt.Errorf("chain: end block of %s at %d: %w", m.Name(), req.Height, err)
		}
		if err := cache.Write(); err != nil {
			return nil, err
		}
		events = append(events, toABCIEvents(ctx.Events())...)
		updates = append(updates, ctx.ValidatorUpdates()...)
	}
	// Misbehaviour CometBFT proved (misbehavior.go): recorded, power to 0.
	// Its updates come last, so they win over the block's earlier ones.
	punished, evEvents, err := punish(working, req.Height, req.Misbehavior)
	if err != nil {
		return nil, fmt.Errorf("chain: evidence at %d: %w", req.Height, err)
	}
	updates = append(updates, punished...)
	events = append(events, evEvents...)
	if err := working.Set(blockTimeKey, []byte(req.Time.UTC().Format(time.RFC3339Nano))); err != nil {
		return nil, err
	}
	if len(req.Hash) > 0 {
		if err := working.Set(blockHashKey, req.Hash); err != nil {
			return nil, err
		}
	}
	a.pendingHash = req.Hash
	// Parameters may have been changed by governance in this block.
	if p, err := LoadParams(working); err == nil {
		a.params = p
	}
	a.pending.height, a.pending.time = req.Height, req.Time
	return &abci.FinalizeBlockResponse{
		TxResults:             results,
		Events:                events,
		ValidatorUpdates:      toABCIValidatorUpdates(updates),
		ConsensusParamUpdates: upgraded.params,
		AppHash:               a.store.WorkingHash(),
	}, nil
}

func (a *App) Commit(context.Context, *abci.CommitRequest) (*abci.CommitResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, _, err := a.store.Commit(); err != nil {
		return nil, fmt.Errorf("chain: commit height %d: %w", a.pending.height, err)
	}
	a.lastBlockTime = a.pending.time
	a.lastBlockHash = a.pendingHash
	a.checkState = a.newCheckState()
	a.upgradeAfterCommit(a.pending.height)
	if a.snaps != nil {
		a.snaps.Committed(a.pending.height)
	}
	res := &abci.CommitResponse{}
	if a.retainBlocks > 0 && a.pending.height > a.retainBlocks {
		res.RetainHeight = a.pending.height - a.retainBlocks + 1
	}
	return res, nil
}

// ListSnapshots, LoadSnapshotChunk, OfferSnapshot and ApplySnapshotChunk
// are CometBFT's state sync (docs/operator.md, "join by state sync").
func (a *App) ListSnapshots(context.Context, *abci.ListSnapshotsRequest) (*abci.ListSnapshotsResponse, error) {
	if s := a.snapshots(); s != nil {
		return &abci.ListSnapshotsResponse{Snapshots: s.List()}, nil
	}
	return &abci.ListSnapshotsResponse{}, nil
}

func (a *App) LoadSnapshotChunk(_ context.Context, req *abci.LoadSnapshotChunkRequest) (*abci.LoadSnapshotChunkResponse, error) {
	if s := a.snapshots(); s != nil {
		return &abci.LoadSnapshotChunkResponse{Chunk: s.LoadChunk(req.Height, req.Format, req.Chunk)}, nil
	}
	return &abci.LoadSnapshotChunkResponse{}, nil
}

func (a *App) OfferSnapshot(_ context.Context, req *abci.OfferSnapshotRequest) (*abci.OfferSnapshotResponse, error) {
	s := a.snapshots()
	if s == nil {
		return &abci.OfferSnapshotResponse{Result: abci.OFFER_SNAPSHOT_RESULT_ABORT}, nil
	}
	return &abci.OfferSnapshotResponse{Result: s.Offer(req.Snapshot, req.AppHash)}, nil
}

func (a *App) ApplySnapshotChunk(_ context.Context, req *abci.ApplySnapshotChunkRequest) (*abci.ApplySnapshotChunkResponse, error) {
	s := a.snapshots()
	if s == nil {
		return &abci.ApplySnapshotChunkResponse{Result: abci.APPLY_SNAPSHOT_CHUNK_RESULT_ABORT}, nil
	}
	res, restored := s.ApplyChunk(req.Index, req.Chunk, req.Sender)
	if restored {
		a.mu.Lock()
		defer a.mu.Unlock()
		if err := a.load(); err != nil {
			return nil, fmt.Errorf("chain: load the restored state: %w", err)
		}
	}
	return res, nil
}

func (a *App) snapshots() Snapshots {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.snaps
}

// Query answers ABCI queries: path "store", data = key, optional height and
// proof (one ICS23 op of type "ics23:iavl").
func (a *App) Query(_ context.Context, req *abci.QueryRequest) (*abci.QueryResponse, error) {
	if req.Path != "store" && req.Path != "/store" {
		return &abci.QueryResponse{Code: errs.Internal.Code, Codespace: "query", Log: "unknown path; use \"store\""}, nil
	}
	view, err := a.store.At(req.Height)
	if err != nil {
		return &abci.QueryResponse{Code: 2, Codespace: "query", Log: err.Error()}, nil
	}
	res := &abci.QueryResponse{Key: req.Data, Height: view.Version()}
	if req.Prove {
		val, p, err := view.Prove(req.Data)
		if err != nil {
			return &abci.QueryResponse{Code: 3, Codespace: "query", Log: err.Error()}, nil
		}
		res.Value = val
		res.ProofOps = &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{{Type: "ics23:iavl", Key: req.Data, Data: p}}}
		return res, nil
	}
	res.Value, err = view.Get(req.Data)
	if err != nil {
		return &abci.QueryResponse{Code: 3, Codespace: "query", Log: err.Error()}, nil
	}
	return res, nil
}

func toABCIEvents(evs []module.Event) []abci.Event {
	out := make([]abci.Event, 0, len(evs))
	for _, e := range evs {
		ae := abci.Event{Type: e.Type}
		for _, at := range e.Attrs {
			ae.Attributes = append(ae.Attributes, abci.EventAttribute{Key: at.Key, Value: at.Value, Index: true})
		}
		out = append(out, ae)
	}
	return out
}

// toABCIValidatorUpdates keeps one update per key, the last one: CometBFT
// refuses a block's updates that name a key twice (and would halt), while
// two changes of one key in a block (a rotation, then a governance
// re-weighting of the new key) mean its final power.
func toABCIValidatorUpdates(us []module.ValidatorUpdate) []abci.ValidatorUpdate {
	out := make([]abci.ValidatorUpdate, 0, len(us))
	at := map[string]int{}
	for _, u := range us {
		v := abci.ValidatorUpdate{PubKeyType: u.PubKeyType, PubKeyBytes: u.PubKey, Power: u.Power}
		if i, ok := at[string(u.PubKey)]; ok {
			out[i] = v
			continue
		}
		at[string(u.PubKey)] = len(out)
		out = append(out, v)
	}
	return out
}

// PendingSequence is the last sequence of id including txs accepted into
// the mempool since the last commit (what a client should build on).
func (a *App) PendingSequence(id smcrypto.KeyID) uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, _ := identity.Sequence(a.checkState, id)
	return s
}

// GivePreverified hands the next FinalizeBlock signatures the caller has
// already verified, tx hash → the public key the signature verified under:
// a block replayer (the auditor) verifies the signatures of the blocks
// ahead on every core while this one executes. FinalizeBlock uses an
// entry only when the tx's signer resolves, at its turn in the block, to
// that very key; a tx without an entry is verified by FinalizeBlock as
// usual. The caller vouches for every entry (the signature of that tx
// verifies under that key); results never differ from verifying in order.
// The map is dropped when that FinalizeBlock returns, even with an error.
func (a *App) GivePreverified(m map[[32]byte]*smcrypto.PublicKey) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.given = m
}
