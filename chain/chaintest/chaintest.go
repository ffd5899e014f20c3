// Package chaintest runs the real App in memory, block by block, for module
// and chain tests: genesis with N departments, signed txs, commits.
package chaintest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	gogotypes "github.com/cosmos/gogoproto/types"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/attest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
)

const ChainID = "govchain-test"

// Genesis0 is the genesis time of test chains; block h is at Genesis0 + h seconds.
var Genesis0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Dept is a founding department of a test chain.
type Dept struct {
	Code  string
	Admin *smcrypto.PrivateKey
	Val   ed25519.PrivKey
}

// Chain is an in-memory chain.
type Chain struct {
	T      testing.TB
	App    *chain.App
	Store  *state.Store
	Depts  []Dept
	Height int64
	seqs   map[smcrypto.KeyID]uint64
	attest bool
	// AttestBy lists the departments (indexes) whose keys sign QCs; nil = all.
	AttestBy []int
	// AttestKeys overrides the key department i attests with.
	AttestKeys map[int]*smcrypto.PrivateKey
	// Misbehavior goes into the next block's FinalizeBlock (as CometBFT
	// passes committed evidence), then is cleared.
	Misbehavior []abci.Misbehavior
}

// Options customise New.
type Options struct {
	Depts   int
	Modules []module.Module
	Params  *chain.Params
	// Genesis sections per module name.
	Genesis map[string]json.RawMessage
	// AdminKeys lets a test supply department admin keys (e.g. tjfoc ones).
	AdminKeys []*smcrypto.PrivateKey
	// IdentityRoots are root CA certificates (DER) for the identity genesis.
	IdentityRoots [][]byte
	// Grants per department code (chaintest codes: ZWFW SCJG RSJ WJW ZJW JW MZJ SFJ).
	Grants map[string][]string
	// Attest turns SM2 attestations on (vote extensions from height 1):
	// every block from 2 on opens with a QC of the previous height signed
	// by the departments in AttestBy (all by default).
	Attest bool
	// NoFirstBlock leaves genesis uncommitted (New commits an empty block 1
	// by default so tests start from committed state).
	NoFirstBlock bool
}

var deptCodes = []string{"ZWFW", "SCJG", "RSJ", "WJW", "ZJW", "JW", "MZJ", "SFJ"}

// New starts a chain with o.Depts departments (default 4) and runs InitChain.
func New(t testing.TB, o Options) *Chain {
	t.Helper()
	if o.Depts == 0 {
		o.Depts = 4
	}
	st, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	app, err := chain.NewApp(st, o.Modules...)
	if err != nil {
		t.Fatal(err)
	}
	c := &Chain{T: t, App: app, Store: st, seqs: map[smcrypto.KeyID]uint64{}}
	p := chain.DefaultParams()
	if o.Params != nil {
		p = *o.Params
	}
	g := chain.AppGenesis{Params: p, Modules: o.Genesis}
	g.Identity.RootCAs = o.IdentityRoots
	var vals []abci.ValidatorUpdate
	for i := 0; i < o.Depts; i++ {
		var k *smcrypto.PrivateKey
		if i < len(o.AdminKeys) {
			k = o.AdminKeys[i]
		} else if k, err = smcrypto.GenerateKey(); err != nil {
			t.Fatal(err)
		}
		d := Dept{Code: deptCodes[i], Admin: k, Val: ed25519.GenPrivKey()}
		c.Depts = append(c.Depts, d)
		pub := d.Val.PubKey()
		g.Identity.Departments = append(g.Identity.Departments, identity.GenesisDept{
			Code: d.Code, Name: d.Code + " department", AdminPublicKey: k.PublicKey().Bytes(), Grants: o.Grants[d.Code],
			Validator:        &identity.Validator{Type: ed25519.KeyType, PubKey: pub.Bytes(), Power: 10},
			ValidatorAddress: hex.EncodeToString(pub.Address()),
		})
		vals = append(vals, abci.ValidatorUpdate{PubKeyType: ed25519.KeyType, PubKeyBytes: pub.Bytes(), Power: 10})
	}
	raw, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	req := &abci.InitChainRequest{ChainId: ChainID, Time: Genesis0, InitialHeight: 1, AppStateBytes: raw, Validators: vals}
	if o.Attest {
		c.attest = true
		req.ConsensusParams = &cmtproto.ConsensusParams{Feature: &cmtproto.FeatureParams{VoteExtensionsEnableHeight: &gogotypes.Int64Value{Value: 1}}}
	}
	if _, err := app.InitChain(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if !o.NoFirstBlock {
		c.Block()
	}
	return c
}

// Sign builds a signed tx with an explicit sequence.
func Sign(k *smcrypto.PrivateKey, chainID, typ string, seq uint64, msg any) []byte {
	body, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	t := &tx.Tx{ChainID: chainID, Type: typ, Signer: k.PublicKey().ID(), Sequence: seq, Body: body}
	if err := t.Sign(k); err != nil {
		panic(err)
	}
	return t.Encode()
}

// Tx signs msg with k using the next sequence this harness tracks for k.
func (c *Chain) Tx(k *smcrypto.PrivateKey, typ string, msg any) []byte {
	id := k.PublicKey().ID()
	c.seqs[id]++
	return Sign(k, ChainID, typ, c.seqs[id], msg)
}

// ResetSeq makes the harness reuse seq-1's successor (after a rejected tx).
func (c *Chain) ResetSeq(k *smcrypto.PrivateKey, last uint64) { c.seqs[k.PublicKey().ID()] = last }

// Check runs CheckTx.
func (c *Chain) Check(raw []byte) *abci.CheckTxResponse {
	c.T.Helper()
	r, err := c.App.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: raw, Type: abci.CHECK_TX_TYPE_CHECK})
	if err != nil {
		c.T.Fatal(err)
	}
	return r
}

// Block finalizes and commits a block with txs, returning per-tx results.
func (c *Chain) Block(txs ...[]byte) *abci.FinalizeBlockResponse {
	c.T.Helper()
	return c.BlockAt(Genesis0.Add(time.Duration(c.Height+1)*time.Second), txs...)
}

// BlockAt is Block with an explicit header time.
func (c *Chain) BlockAt(t time.Time, txs ...[]byte) *abci.FinalizeBlockResponse {
	c.T.Helper()
	c.Height++
	req := &abci.FinalizeBlockRequest{Txs: txs, Height: c.Height, Time: t, Hash: BlockHash(c.Height), Misbehavior: c.Misbehavior}
	c.Misbehavior = nil
	if c.attest && c.Height >= 2 {
		req.DecidedLastCommit = c.LastCommit()
		req.Txs = append([][]byte{attest.EncodeTx(c.QC(c.Height - 1))}, txs...)
	}
	r, err := c.App.FinalizeBlock(context.Background(), req)
	if err != nil {
		c.T.Fatal(err)
	}
	if _, err := c.App.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		c.T.Fatal(err)
	}
	// A rejected tx consumes no sequence: resync the harness's counters
	// with what the chain committed.
	for id := range c.seqs {
		c.seqs[id] = c.App.PendingSequence(id)
	}
	return r
}

// BlockHash is the (fake) block hash the harness gives height h.
func BlockHash(h int64) []byte {
	d := smcrypto.SM3([]byte(fmt.Sprintf("block %d", h)))
	return d[:]
}

// LastCommit lists every department's validator with power 10.
func (c *Chain) LastCommit() abci.CommitInfo {
	var ci abci.CommitInfo
	for _, d := range c.Depts {
		ci.Votes = append(ci.Votes, abci.VoteInfo{Validator: abci.Validator{Address: d.Val.PubKey().Address(), Power: 10}, BlockIdFlag: cmtproto.BlockIDFlagCommit})
	}
	return ci
}

// QC builds the quorum certificate of height h signed by AttestBy.
func (c *Chain) QC(h int64) *attest.QC {
	q := &attest.QC{ChainID: ChainID, Height: h, BlockHash: BlockHash(h), TotalPower: int64(10 * len(c.Depts))}
	by := c.AttestBy
	if by == nil {
		for i := range c.Depts {
			by = append(by, i)
		}
	}
	for _, i := range by {
		k := c.Depts[i].Admin
		if o, ok := c.AttestKeys[i]; ok {
			k = o
		}
		sig, err := k.Sign(attest.SignBytes(ChainID, h, BlockHash(h)))
		if err != nil {
			c.T.Fatal(err)
		}
		q.Attestations = append(q.Attestations, attest.Attestation{Validator: attest.AddressHex(c.Depts[i].Val.PubKey().Address()), Power: 10, Dept: c.Depts[i].Code, KeyID: k.PublicKey().ID(), Sig: sig})
	}
	q.Sort()
	return q
}

// MustOK delivers raw in its own block and fails the test unless it succeeds.
func (c *Chain) MustOK(raw []byte) *abci.ExecTxResult {
	c.T.Helper()
	res := c.Block(raw).TxResults
	r := res[len(res)-1] // after the QC, if any
	if r.Code != 0 {
		c.T.Fatalf("tx failed: %s/%d %s", r.Codespace, r.Code, r.Log)
	}
	return r
}

// View is the latest committed state.
func (c *Chain) View() *state.View {
	v, err := c.Store.At(0)
	if err != nil {
		c.T.Fatal(err)
	}
	return v
}

// Officer registers a new operator key for department i and returns it.
func (c *Chain) Officer(i int) *smcrypto.PrivateKey {
	c.T.Helper()
	k, err := smcrypto.GenerateKey()
	if err != nil {
		c.T.Fatal(err)
	}
	c.MustOK(c.Tx(c.Depts[i].Admin, identity.MsgRegisterAccount, c.Register(i, k, "officer")))
	return k
}

// Register is the registration of k as an operator of department i, with
// k's proof of possession for that department on this chain.
func (c *Chain) Register(i int, k *smcrypto.PrivateKey, name string) identity.RegisterAccount {
	c.T.Helper()
	m, err := identity.NewRegisterAccount(ChainID, c.Depts[i].Code, k, name, []string{identity.RoleOperator})
	if err != nil {
		c.T.Fatal(err)
	}
	return m
}

// Bookkeeping are the keys the app rewrites at every block whatever its
// transactions do (block time and hash, attestation QCs).
func Bookkeeping(key string) bool {
	return key == "block_time" || key == "block_hash" || strings.HasPrefix(key, "attest/qc/")
}

// DumpData is Dump without the bookkeeping keys: what transactions changed.
func (c *Chain) DumpData() map[string]string {
	d := c.Dump()
	for k := range d {
		if Bookkeeping(k) {
			delete(d, k)
		}
	}
	return d
}

// Dump returns every key/value of the latest committed state (for
// "nothing changed" assertions and scans for personal data).
func (c *Chain) Dump() map[string]string {
	out := map[string]string{}
	_ = state.IteratePrefix(c.View(), nil, true, func(k, v []byte) (bool, error) {
		out[string(k)] = string(v)
		return true, nil
	})
	return out
}
