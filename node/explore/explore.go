// Package explore reads a govchain network for people: blocks, transactions,
// searches over the indexed events, a department's activity and the full
// version history of any state record. It reads a node's govchain API and
// its CometBFT RPC; what it shows is that node's word, except where it says
// it checked a proof. `govchain audit` is the tool that trusts nothing.
package explore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/audit"
	"github.com/govchain/govchain/node/client"
)

// Explorer reads one node.
type Explorer struct {
	API *client.Client
	RPC *rpchttp.HTTP

	mu      sync.Mutex
	valDept map[string]string // validator address -> department
	headers map[int64]*types.Header
}

// New connects to a node's API (apiAddr) and CometBFT RPC (rpcAddr).
func New(apiAddr, rpcAddr string) (*Explorer, error) {
	c, err := rpchttp.NewWithTimeout(audit.RPCAddr(rpcAddr), 30)
	if err != nil {
		return nil, fmt.Errorf("CometBFT RPC %s: %w", rpcAddr, err)
	}
	return &Explorer{API: client.New(apiAddr), RPC: c, headers: map[int64]*types.Header{}}, nil
}

// ValidatorDept maps a validator address to its department (id/val/<ADDR>
// in state), cached.
func (e *Explorer) ValidatorDept(ctx context.Context, addr string) string {
	addr = strings.ToUpper(addr)
	e.mu.Lock()
	if e.valDept == nil {
		e.valDept = map[string]string{}
	}
	d, ok := e.valDept[addr]
	e.mu.Unlock()
	if ok {
		return d
	}
	r, err := e.API.State(ctx, string(identity.ValidatorKey(addr)), 0, false)
	if err == nil && r.Found {
		d = string(r.Value)
	}
	e.mu.Lock()
	e.valDept[addr] = d
	e.mu.Unlock()
	return d
}

// Header reads header h (cached).
func (e *Explorer) Header(ctx context.Context, h int64) (*types.Header, error) {
	e.mu.Lock()
	x := e.headers[h]
	e.mu.Unlock()
	if x != nil {
		return x, nil
	}
	r, err := e.RPC.Header(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("header %d: %w", h, err)
	}
	if r.Header == nil {
		return nil, fmt.Errorf("header %d: not available", h)
	}
	e.mu.Lock()
	e.headers[h] = r.Header
	e.mu.Unlock()
	return r.Header, nil
}

// ---------------------------------------------------------------- status

// Validator is one row of the validator table.
type Validator struct {
	Address string `json:"address"`
	Dept    string `json:"dept"`
	Power   int64  `json:"power"`
	Signed  bool   `json:"signed_latest"`
}

// Status is `explore status`.
type Status struct {
	ChainID      string                `json:"chain_id"`
	Height       int64                 `json:"height"`
	Time         string                `json:"time"`
	AppHash      string                `json:"app_hash"`
	BlockHash    string                `json:"block_hash"`
	EarliestH    int64                 `json:"earliest_height"`
	CatchingUp   bool                  `json:"catching_up"`
	NodeDept     string                `json:"node_dept"`
	Validators   []Validator           `json:"validators"`
	TotalPower   int64                 `json:"total_power"`
	Txs          int                   `json:"txs"`
	Departments  []identity.Department `json:"departments"`
	StateVersion [2]int64              `json:"state_versions"`
}

func (e *Explorer) Status(ctx context.Context) (*Status, error) {
	st, err := e.RPC.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("CometBFT status: %w", err)
	}
	s := &Status{ChainID: st.NodeInfo.Network, Height: st.SyncInfo.LatestBlockHeight, Time: st.SyncInfo.LatestBlockTime.UTC().Format(time.RFC3339),
		AppHash: st.SyncInfo.LatestAppHash.String(), BlockHash: st.SyncInfo.LatestBlockHash.String(), EarliestH: st.SyncInfo.EarliestBlockHeight,
		CatchingUp: st.SyncInfo.CatchingUp, Validators: []Validator{}}
	if ns, err := e.API.Status(ctx); err == nil {
		s.NodeDept, s.StateVersion = ns.Dept, ns.StateVersions
	}
	h := s.Height
	vals, err := e.RPC.Validators(ctx, &h, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("validators: %w", err)
	}
	signed := map[string]bool{}
	if c, err := e.RPC.Commit(ctx, &h); err == nil && c.Commit != nil {
		for _, sig := range c.Commit.Signatures {
			if sig.BlockIDFlag == types.BlockIDFlagCommit {
				signed[sig.ValidatorAddress.String()] = true
			}
		}
	}
	for _, v := range vals.Validators {
		a := v.PubKey.Address().String()
		s.Validators = append(s.Validators, Validator{Address: a, Dept: e.ValidatorDept(ctx, a), Power: v.VotingPower, Signed: signed[a]})
		s.TotalPower += v.VotingPower
	}
	if n, err := e.countTxs(ctx, "tx.height>0"); err == nil {
		s.Txs = n
	}
	if d, err := e.API.Departments(ctx); err == nil {
		s.Departments = d.Departments
	}
	return s, nil
}

func (e *Explorer) countTxs(ctx context.Context, q string) (int, error) {
	one, page := 1, 1
	r, err := e.RPC.TxSearch(ctx, q, false, &page, &one, "asc")
	if err != nil {
		return 0, err
	}
	return r.TotalCount, nil
}

// ---------------------------------------------------------------- blocks

// BlockRow is one line of `explore blocks`.
type BlockRow struct {
	Height   int64  `json:"height"`
	Time     string `json:"time"`
	Txs      int    `json:"txs"`
	Proposer string `json:"proposer"`
	Dept     string `json:"proposer_dept"`
	Hash     string `json:"hash"`
	AppHash  string `json:"app_hash"`
}

// BlockPage is a page of blocks, newest first. Older is the --to of the
// next (older) page, 0 at the start of the chain.
type BlockPage struct {
	From   int64      `json:"from"`
	To     int64      `json:"to"`
	Latest int64      `json:"latest"`
	Blocks []BlockRow `json:"blocks"`
	Older  int64      `json:"older,omitempty"`
}

// Blocks lists blocks from..to (0 = latest for to; from = to-limit+1).
func (e *Explorer) Blocks(ctx context.Context, from, to int64, limit int) (*BlockPage, error) {
	st, err := e.RPC.Status(ctx)
	if err != nil {
		return nil, err
	}
	latest, earliest := st.SyncInfo.LatestBlockHeight, st.SyncInfo.EarliestBlockHeight
	if limit <= 0 {
		limit = 20
	}
	if to <= 0 && from > 0 {
		to = from + int64(limit) - 1
	}
	if to <= 0 || to > latest {
		to = latest
	}
	if from <= 0 {
		from = to - int64(limit) + 1
	}
	if from < earliest {
		from = earliest
	}
	if to-from+1 > int64(limit) {
		from = to - int64(limit) + 1
	}
	if from > to {
		return nil, fmt.Errorf("--from %d is above --to %d", from, to)
	}
	p := &BlockPage{From: from, To: to, Latest: latest, Blocks: []BlockRow{}}
	for hi := to; hi >= from; {
		lo := max(from, hi-19)
		r, err := e.RPC.BlockchainInfo(ctx, lo, hi)
		if err != nil {
			return nil, err
		}
		if len(r.BlockMetas) == 0 {
			break
		}
		for _, m := range r.BlockMetas {
			a := m.Header.ProposerAddress.String()
			p.Blocks = append(p.Blocks, BlockRow{Height: m.Header.Height, Time: m.Header.Time.UTC().Format(time.RFC3339Nano), Txs: m.NumTxs,
				Proposer: a, Dept: e.ValidatorDept(ctx, a), Hash: m.BlockID.Hash.String(), AppHash: m.Header.AppHash.String()})
		}
		hi = r.BlockMetas[len(r.BlockMetas)-1].Header.Height - 1
	}
	if from > earliest {
		p.Older = from - 1
	}
	return p, nil
}

// ---------------------------------------------------------------- block

// TxRow is one transaction in a table.
type TxRow struct {
	Height    int64  `json:"height"`
	Index     uint32 `json:"index"`
	Hash      string `json:"hash"`
	Type      string `json:"type"`
	Signer    string `json:"signer"`
	Dept      string `json:"dept"`
	Sequence  uint64 `json:"sequence"`
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace,omitempty"`
	Log       string `json:"log,omitempty"`
	Time      string `json:"time,omitempty"`
}

// Signature is one validator's part in a commit.
type Signature struct {
	Validator string `json:"validator"`
	Dept      string `json:"dept"`
	Flag      string `json:"flag"` // commit, nil, absent
	Time      string `json:"time,omitempty"`
}

// BlockDetail is `explore block H`.
type BlockDetail struct {
	Height          int64         `json:"height"`
	Hash            string        `json:"hash"`
	Time            string        `json:"time"`
	ChainID         string        `json:"chain_id"`
	Proposer        string        `json:"proposer"`
	ProposerDept    string        `json:"proposer_dept"`
	AppHash         string        `json:"app_hash"`
	LastBlock       string        `json:"last_block"`
	DataHash        string        `json:"data_hash"`
	ValidatorsHash  string        `json:"validators_hash"`
	LastResultsHash string        `json:"last_results_hash"`
	Txs             []TxRow       `json:"txs"`
	BlockEvents     []Event       `json:"block_events"`
	ValidatorUpdate []string      `json:"validator_updates"`
	Evidence        []string      `json:"evidence"`
	Commit          []Signature   `json:"commit"`
	CommitNote      string        `json:"commit_note,omitempty"`
	LastCommit      []Signature   `json:"last_commit"`
	Results         *BlockResults `json:"-"`
}

// BlockResults is kept for callers that want the raw results.
type BlockResults = ctypes.ResultBlockResults

// Event is an ABCI event for people and JSON.
type Event struct {
	Type  string            `json:"type"`
	Attrs map[string]string `json:"attrs"`
	Keys  []string          `json:"-"` // attribute order
}

func toEvents(evs []abci.Event) []Event {
	out := []Event{}
	for _, ev := range evs {
		x := Event{Type: ev.Type, Attrs: map[string]string{}}
		for _, a := range ev.Attributes {
			x.Attrs[a.Key] = a.Value
			x.Keys = append(x.Keys, a.Key)
		}
		out = append(out, x)
	}
	return out
}

// String renders type{k=v,...} in attribute order.
func (ev Event) String() string {
	var b strings.Builder
	b.WriteString(ev.Type)
	b.WriteByte('{')
	keys := ev.Keys
	if keys == nil {
		for k := range ev.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
	}
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", k, ev.Attrs[k])
	}
	b.WriteByte('}')
	return b.String()
}

func attr(evs []abci.Event, typ, key string) string {
	for _, e := range evs {
		if e.Type == typ {
			for _, a := range e.Attributes {
				if a.Key == key {
					return a.Value
				}
			}
		}
	}
	return ""
}

func txRow(h int64, i uint32, raw []byte, r *abci.ExecTxResult) TxRow {
	row := TxRow{Height: h, Index: i, Hash: tx.HashHex(raw), Type: "undecodable"}
	if t, err := tx.Decode(raw, 0); err == nil {
		row.Type, row.Signer, row.Sequence = t.Type, t.Signer.String(), t.Sequence
	}
	if r != nil {
		row.Code, row.Codespace, row.Log = r.Code, r.Codespace, r.Log
		row.Dept = attr(r.Events, "tx", "dept")
		if row.Type == "undecodable" && r.Code == 0 && len(r.Events) > 0 {
			row.Type = r.Events[0].Type // a consensus pseudo-tx such as attest.qc
		}
	}
	return row
}

func (e *Explorer) signatures(ctx context.Context, c *types.Commit) []Signature {
	out := []Signature{}
	if c == nil {
		return out
	}
	for _, s := range c.Signatures {
		flag := "absent"
		switch s.BlockIDFlag {
		case types.BlockIDFlagCommit:
			flag = "commit"
		case types.BlockIDFlagNil:
			flag = "nil"
		}
		x := Signature{Validator: s.ValidatorAddress.String(), Flag: flag}
		if flag != "absent" {
			x.Dept = e.ValidatorDept(ctx, x.Validator)
			x.Time = s.Timestamp.UTC().Format(time.RFC3339Nano)
		}
		out = append(out, x)
	}
	return out
}

// Block reads block h with its results and the commit that finalised it.
func (e *Explorer) Block(ctx context.Context, h int64) (*BlockDetail, error) {
	b, err := e.RPC.Block(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", h, err)
	}
	res, err := e.RPC.BlockResults(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("block_results %d: %w", h, err)
	}
	hd := b.Block.Header
	d := &BlockDetail{Height: h, Hash: b.BlockID.Hash.String(), Time: hd.Time.UTC().Format(time.RFC3339Nano), ChainID: hd.ChainID,
		Proposer: hd.ProposerAddress.String(), AppHash: hd.AppHash.String(), LastBlock: hd.LastBlockID.Hash.String(), DataHash: hd.DataHash.String(),
		ValidatorsHash: hd.ValidatorsHash.String(), LastResultsHash: hd.LastResultsHash.String(), Txs: []TxRow{},
		BlockEvents: toEvents(res.FinalizeBlockEvents), ValidatorUpdate: []string{}, Evidence: []string{}, Results: res}
	d.ProposerDept = e.ValidatorDept(ctx, d.Proposer)
	for i, raw := range b.Block.Txs {
		var r *abci.ExecTxResult
		if i < len(res.TxResults) {
			r = res.TxResults[i]
		}
		row := txRow(h, uint32(i), raw, r)
		row.Time = hd.Time.UTC().Format(time.RFC3339)
		d.Txs = append(d.Txs, row)
	}
	for _, u := range res.ValidatorUpdates {
		d.ValidatorUpdate = append(d.ValidatorUpdate, fmt.Sprintf("%s %X power %d", u.PubKeyType, u.PubKeyBytes, u.Power))
	}
	for _, ev := range b.Block.Evidence.Evidence {
		d.Evidence = append(d.Evidence, ev.String())
	}
	d.LastCommit = e.signatures(ctx, b.Block.LastCommit)
	if c, err := e.RPC.Commit(ctx, &h); err == nil {
		d.Commit = e.signatures(ctx, c.Commit)
		if !c.CanonicalCommit {
			d.CommitNote = "the newest block: this is the commit the node saw, not yet the canonical one in the next block"
		}
	} else {
		d.CommitNote = err.Error()
	}
	return d, nil
}

// ---------------------------------------------------------------- tx

// TxDetail is `explore tx HASH`.
type TxDetail struct {
	TxRow
	ChainID   string          `json:"chain_id"`
	Body      json.RawMessage `json:"body"`
	Data      string          `json:"data,omitempty"`
	Events    []Event         `json:"events"`
	BlockHash string          `json:"block_hash"`
	// Included says whether the Merkle proof of the tx against the data
	// hash of its block header verified (the header is the node's word;
	// `govchain audit` checks headers against validator signatures).
	Included string `json:"included"`
}

// Tx reads a committed transaction by its hash (64 hex).
func (e *Explorer) Tx(ctx context.Context, hash string) (*TxDetail, error) {
	h, err := hex.DecodeString(hash)
	if err != nil || len(h) != 32 {
		return nil, fmt.Errorf("HASH must be 64 hex characters (SHA-256 of the tx bytes)")
	}
	r, err := e.RPC.Tx(ctx, h, true)
	if err != nil {
		return nil, fmt.Errorf("tx %s: %w", strings.ToUpper(hash), err)
	}
	d := &TxDetail{TxRow: txRow(r.Height, r.Index, r.Tx, &r.TxResult), Events: toEvents(r.TxResult.Events), Body: json.RawMessage("null")}
	if t, err := tx.Decode(r.Tx, 0); err == nil {
		d.ChainID = t.ChainID
		if json.Valid(t.Body) {
			d.Body = t.Body
		}
	}
	if len(r.TxResult.Data) > 0 {
		d.Data = printable(r.TxResult.Data)
	}
	hd, err := e.Header(ctx, r.Height)
	if err == nil {
		d.Time = hd.Time.UTC().Format(time.RFC3339Nano)
		d.BlockHash = hd.Hash().String()
		if err := r.Proof.Validate(hd.DataHash); err != nil {
			d.Included = "PROOF INVALID: " + err.Error()
		} else if !bFold(r.Proof.Leaf(), r.Tx.Hash()) {
			d.Included = "PROOF INVALID: the proof is for another tx"
		} else {
			d.Included = fmt.Sprintf("tx %d of %d in block %d: Merkle proof verified against the header's data hash %s", r.Proof.Proof.Index+1, r.Proof.Proof.Total, r.Height, hd.DataHash)
		}
	} else {
		d.Included = "not checked: " + err.Error()
	}
	return d, nil
}

func bFold(a, b []byte) bool { return hex.EncodeToString(a) == hex.EncodeToString(b) }

func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
			return "0x" + hex.EncodeToString(b)
		}
	}
	return string(b)
}

// ---------------------------------------------------------------- helpers

// HeightAtTime returns the first height whose block time is at or after t
// (atOrAfter) or the last one at or before t, by binary search over headers.
// ok is false when no block lies on that side of t.
func (e *Explorer) HeightAtTime(ctx context.Context, t time.Time, atOrAfter bool) (int64, bool, error) {
	st, err := e.RPC.Status(ctx)
	if err != nil {
		return 0, false, err
	}
	lo, hi := st.SyncInfo.EarliestBlockHeight, st.SyncInfo.LatestBlockHeight
	timeOf := func(h int64) (time.Time, error) {
		x, err := e.Header(ctx, h)
		if err != nil {
			return time.Time{}, err
		}
		return x.Time, nil
	}
	// smallest h with time(h) >= t
	first, last := lo, hi+1
	for first < last {
		mid := first + (last-first)/2
		tm, err := timeOf(mid)
		if err != nil {
			return 0, false, err
		}
		if !tm.Before(t) {
			last = mid
		} else {
			first = mid + 1
		}
	}
	if atOrAfter {
		return first, first <= hi, nil
	}
	// last h with time(h) <= t
	if first <= hi {
		tm, err := timeOf(first)
		if err != nil {
			return 0, false, err
		}
		if tm.Equal(t) {
			return first, true, nil
		}
	}
	return first - 1, first-1 >= lo, nil
}

// ErrNotFound is returned when a search or record has nothing to show.
var ErrNotFound = errors.New("not found")

var _ = node.Status{}
