package chain

import (
	"sync"

	"github.com/govchain/govchain/chain/tx"
)

// A tx that passed CheckTx and then fails the mempool's recheck (after a
// block changed the state it was checked against, e.g. another
// department's claim of the same data item won the race) is evicted
// silently: CometBFT tells no one, and a client waiting for it to commit
// would only time out. The app keeps the last failures, so the node can
// tell that client the real code at once.

// RejectedTx is the result of a tx that failed its recheck.
type RejectedTx struct {
	Code      uint32
	Codespace string
	Log       string
	seq       uint64
}

// maxRecheckFailures bounds the log; a waiting client reads its entry
// within a block, so a few blocks' worth of failures is plenty.
const maxRecheckFailures = 4096

type recheckLog struct {
	mu      sync.Mutex
	seq     uint64
	byHash  map[[32]byte]RejectedTx
	order   [][32]byte // oldest first
	changed chan struct{}
}

func (l *recheckLog) init() {
	if l.byHash == nil {
		l.byHash = map[[32]byte]RejectedTx{}
		l.changed = make(chan struct{})
	}
}

func (l *recheckLog) add(h [32]byte, r RejectedTx) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	l.seq++
	r.seq = l.seq
	if _, ok := l.byHash[h]; !ok {
		l.order = append(l.order, h)
	}
	l.byHash[h] = r
	for len(l.order) > maxRecheckFailures {
		delete(l.byHash, l.order[0])
		l.order = l.order[1:]
	}
	close(l.changed)
	l.changed = make(chan struct{})
}

// RecheckWatch returns the position of the recheck log now and a channel
// closed at the next recheck failure. A waiter takes it before it submits,
// then asks RecheckFailure(hash, since) each time the channel closes.
func (a *App) RecheckWatch() (since uint64, changed <-chan struct{}) {
	l := &a.rechecks
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	return l.seq, l.changed
}

// RecheckFailure returns the recheck failure of the tx with hash recorded
// after position since (0 = any still held), if any.
func (a *App) RecheckFailure(hash [32]byte, since uint64) (RejectedTx, bool) {
	l := &a.rechecks
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.byHash[hash]
	if !ok || r.seq <= since {
		return RejectedTx{}, false
	}
	return r, true
}

// noteRecheck records a failed recheck of raw.
func (a *App) noteRecheck(raw []byte, res txResult) {
	a.rechecks.add(tx.Hash(raw), RejectedTx{Code: res.Code, Codespace: res.Codespace, Log: res.Log})
}
