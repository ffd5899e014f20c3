package chain

import (
	"bytes"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
)

type blockCtx struct {
	chainID string
	height  int64
	time    time.Time
}

type txResult struct {
	Code       uint32
	Codespace  string
	Log        string
	Data       []byte
	events     []abci.Event
	valUpdates []module.ValidatorUpdate
	tx         *tx.Tx // the decoded tx, when it succeeded
}

func (r *txResult) exec() *abci.ExecTxResult {
	return &abci.ExecTxResult{Code: r.Code, Codespace: r.Codespace, Log: r.Log, Data: r.Data, Events: r.events}
}

func failed(err error) txResult {
	e := errs.From(err)
	return txResult{Code: e.Code, Codespace: e.Codespace, Log: e.Error()}
}

// checkCtx is the block context of CheckTx: the next block's height with
// the last block's time, the best available estimate.
func (a *App) checkCtx() blockCtx {
	v, _ := a.store.LastCommit()
	return blockCtx{chainID: a.chainID, height: v + 1, time: a.lastBlockTime}
}

// runTxAt authenticates raw and applies it to base atomically: either all of
// the message's writes (and the signer's sequence bump) land or none do.
// In FinalizeBlock (!check) it reuses what CheckTx learnt and then forgets
// the tx: once in a block it is out of the mempool.
func (a *App) runTxAt(base state.KV, raw []byte, b blockCtx, check bool) txResult {
	hash := tx.Hash(raw)
	e := a.txs.get(hash)
	if !check && e != nil {
		a.txs.remove(hash)
	}
	return a.execTx(base, raw, hash, e, b, check)
}

// execTx is runTxAt with the tx's hash and what this node's CheckTx kept of
// it (nil: nothing): the decoded envelope and its verified signature, and
// (e.passed) that the body is canonical.
func (a *App) execTx(base state.KV, raw []byte, hash [32]byte, e *cachedTx, b blockCtx, check bool) (res txResult) {
	typ := "undecodable"
	defer func() { a.metrics.observe(typ, res.Codespace, res.Code, check) }()

	var t *tx.Tx
	if e != nil && a.fits(len(raw)) {
		t = e.t
	} else {
		var err error
		if t, err = tx.Decode(raw, a.params.MaxTxBytes); err != nil {
			return failed(err)
		}
		e = nil
	}
	typ = t.Type
	if t.ChainID != b.chainID {
		return failed(tx.ErrChainID.Wrapf("tx is for %q, this chain is %q", t.ChainID, b.chainID))
	}
	route, ok := a.routes[t.Type]
	if !ok {
		typ = "unknown"
		return failed(tx.ErrUnknownMsgType.Wrapf("%q", t.Type))
	}
	pub, signer, err := a.auth.authenticate(base, t.Signer, b.time)
	if err != nil {
		return failed(err)
	}
	last, err := identity.Sequence(base, t.Signer)
	if err != nil {
		return failed(err)
	}
	if t.Sequence != last+1 {
		return failed(tx.ErrSequence.Wrapf("signer %s: expected sequence %d, got %d", t.Signer, last+1, t.Sequence))
	}
	if e == nil {
		// A signature verified before execution (preverify) counts only
		// if it was checked against the key that signs now.
		if k := a.preverifiedKey(hash); k == nil || !k.Equal(pub) {
			if err := pub.Verify(t.SignBytes(), t.Signature); err != nil {
				if errors.Is(err, smcrypto.ErrNonCanonicalSignature) {
					return failed(tx.ErrNonCanonical.Wrapf("%v", err))
				}
				return failed(tx.ErrSignature.Wrapf("signature does not verify under key %s", t.Signer))
			}
		}
		// Remember the verification (with the decoded tx) so rechecks and
		// FinalizeBlock on this node do not repeat it, even if the tx
		// fails below; a passing CheckTx completes the entry (checkTx).
		if check {
			e = verifiedOnly(t, len(raw))
			a.txs.put(hash, e)
		}
	}
	if len(route.AnyRole) > 0 && !hasAny(signer, route.AnyRole) {
		return failed(tx.ErrUnauthorized.Wrapf("%s needs one of the roles %v; signer %s of %s has %v", t.Type, route.AnyRole, t.Signer, signer.Dept, signer.Roles))
	}

	cache := state.NewCache(base)
	if err := identity.SetSequence(cache, t.Signer, t.Sequence); err != nil {
		return failed(err)
	}
	ctx := &module.Context{ChainID: b.chainID, Height: b.height, Time: b.time, TxHash: hash[:], Signer: signer, Store: cache, CheckOnly: check, Route: a.route}
	if e != nil && e.passed {
		ctx.CanonicalBody = t.Body // its handler accepted these bytes before
	}
	if err := safeHandle(route, ctx, t.Body); err != nil {
		return failed(err)
	}
	if err := cache.Write(); err != nil {
		return failed(err)
	}
	// CheckTx's answer carries no events: build them for blocks only.
	var evs []abci.Event
	if !check {
		evs = append([]abci.Event{{Type: "tx", Attributes: []abci.EventAttribute{
			{Key: "type", Value: t.Type, Index: true},
			{Key: "signer", Value: t.Signer.String(), Index: true},
			{Key: "dept", Value: signer.Dept, Index: true},
		}}}, toABCIEvents(ctx.Events())...)
	}
	return txResult{Data: ctx.Data(), events: evs, valUpdates: ctx.ValidatorUpdates(), tx: t}
}

// safeHandle turns a panicking handler into an internal error for this tx
// only; a bug in one module must not take the node down with a tx any
// client can send.
func safeHandle(r module.Route, ctx *module.Context, body []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errs.Internal.Wrapf("handler %s panicked: %v", r.Type, p)
		}
	}()
	return r.Handle(ctx, body)
}

func (a *App) route(t string) (module.Route, bool) {
	r, ok := a.routes[t]
	return r, ok
}

func hasAny(s *module.Signer, roles []string) bool {
	for _, r := range roles {
		if s.HasRole(r) {
			return true
		}
	}
	return false
}

type metrics struct {
	txs *prometheus.CounterVec
}

var (
	metricsOnce sync.Once
	theMetrics  *metrics
)

// appMetrics registers the app's counters once per process on the default
// registry, which CometBFT's Prometheus endpoint also serves.
func appMetrics() *metrics {
	metricsOnce.Do(func() {
		m := &metrics{txs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "govchain", Name: "txs_total",
			Help: "Transactions processed by the app, by message type, phase (check|deliver) and result code.",
		}, []string{"type", "phase", "codespace", "code"})}
		_ = prometheus.DefaultRegisterer.Register(m.txs)
		theMetrics = m
	})
	return theMetrics
}

func (m *metrics) observe(typ, codespace string, code uint32, check bool) {
	phase := "deliver"
	if check {
		phase = "check"
	}
	if codespace == "" {
		codespace = "ok"
	}
	m.txs.WithLabelValues(typ, phase, codespace, itoa(code)).Inc()
}

func itoa(u uint32) string {
	if u == 0 {
		return "0"
	}
	var b [10]byte
	i := len(b)
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	return string(b[i:])
}

// preverify checks, on every core, the signatures of the block's txs this
// node has not verified yet (a block it did not see in its mempool, block
// sync, a replay), each against the signer's key in the state at the start
// of the block. Execution stays sequential and unchanged: runTxAt skips its
// own verification only for a tx verified here under the very key it
// resolves then; a failed or skipped tx (unknown signer, key registered in
// this block, undecodable) is verified, and its error reported, in order.
func (a *App) preverify(kv state.KV, b blockCtx, txs [][]byte) map[[32]byte]*smcrypto.PublicKey {
	type job struct {
		hash [32]byte
		t    *tx.Tx
		pub  *smcrypto.PublicKey
	}
	var jobs []job
	for _, raw := range txs {
		h := tx.Hash(raw)
		if a.txs.get(h) != nil || a.given[h] != nil {
			continue
		}
		t, err := tx.Decode(raw, a.params.MaxTxBytes)
		if err != nil || t.ChainID != b.chainID {
			continue
		}
		acct, err := identity.GetAccount(kv, t.Signer)
		if err != nil {
			continue
		}
		pub, err := smcrypto.ParsePublicKey(acct.PublicKey)
		if err != nil {
			continue
		}
		jobs = append(jobs, job{hash: h, t: t, pub: pub})
	}
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	if workers < 2 {
		return nil // in order is as fast
	}
	ok := make([]bool, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				ok[i] = jobs[i].pub.Verify(jobs[i].t.SignBytes(), jobs[i].t.Signature) == nil
			}
		}()
	}
	wg.Wait()
	out := make(map[[32]byte]*smcrypto.PublicKey, len(jobs))
	for i, j := range jobs {
		if ok[i] {
			out[j.hash] = j.pub
		}
	}
	return out
}

// preverifiedKey is the key a signature was verified under before
// execution (by preverify or by the caller, GivePreverified), or nil.
func (a *App) preverifiedKey(h [32]byte) *smcrypto.PublicKey {
	if k := a.preverified[h]; k != nil {
		return k
	}
	return a.given[h]
}

// authCache remembers identity.Authenticate's answers. Authenticate is a
// function of the signer's account record, its department's record and the
// block time only (status, certificate window, department status, the
// parsed key), and of the time only through the account certificate's
// window; an answer is reused only when both records hold the very same
// bytes and the time is within that window, so it cannot differ from
// calling Authenticate again. It saves the JSON decoding of both records and the
// SM2 point parsing (a field inversion) that every CheckTx, recheck and
// FinalizeBlock of a tx would otherwise repeat. Callers hold App.mu.
type authCache struct {
	entries map[smcrypto.KeyID]*authEntry
}

type authEntry struct {
	acct, dept []byte // the records' bytes the answer was computed from
	// the account certificate's window, as identity.Authenticate checks
	// it (notAfter 0: no certificate, any time)
	notBefore, notAfter int64
	pub                 *smcrypto.PublicKey
	signer              module.Signer
}

const authCacheMax = 50_000

func (c *authCache) authenticate(kv state.KV, id smcrypto.KeyID, t time.Time) (*smcrypto.PublicKey, *module.Signer, error) {
	if e := c.entries[id]; e != nil && e.validAt(t) {
		acct, err1 := kv.Get(identity.AccountKey(id))
		dept, err2 := kv.Get(identity.DeptKey(e.signer.Dept))
		if err1 == nil && err2 == nil && bytes.Equal(acct, e.acct) && bytes.Equal(dept, e.dept) {
			s := e.signer
			s.Roles = slices.Clone(e.signer.Roles)
			return e.pub, &s, nil
		}
	}
	acct, pub, signer, err := identity.Authenticate(kv, id, t)
	if err != nil {
		return nil, nil, err
	}
	acctRaw, err1 := kv.Get(identity.AccountKey(id))
	deptRaw, err2 := kv.Get(identity.DeptKey(acct.Dept))
	if err1 == nil && err2 == nil && acctRaw != nil && deptRaw != nil {
		if c.entries == nil || len(c.entries) >= authCacheMax {
			c.entries = make(map[smcrypto.KeyID]*authEntry)
		}
		e := &authEntry{acct: bytes.Clone(acctRaw), dept: bytes.Clone(deptRaw), notBefore: acct.NotBefore, notAfter: acct.NotAfter, pub: pub, signer: *signer}
		e.signer.Roles = slices.Clone(signer.Roles)
		c.entries[id] = e
	}
	return pub, signer, nil
}

func (e *authEntry) validAt(t time.Time) bool {
	return e.notAfter == 0 || t.Unix() >= e.notBefore && t.Unix() <= e.notAfter
}
