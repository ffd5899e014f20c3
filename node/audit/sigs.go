package audit

import (
	"context"
	"sync"

	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
)

// The replay executes blocks one after another on one core; the SM2
// signatures of the blocks fetched ahead are verified meanwhile on every
// core (sigStage) and handed to the replaying app (chain.App.
// GivePreverified), which uses a result only when the tx's signer resolves
// to that very key at its turn in the block. A tx whose signer is not yet
// known in the replayed state (registered in a block still ahead) is left
// to FinalizeBlock, which verifies it in order.

// aheadBlocks is how many fetched blocks the signature stage may run ahead
// of the replay.
const aheadBlocks = 8

// sigBlock is a fetched block with its signature checks under way.
type sigBlock struct {
	fetched
	txs    []*tx.Tx   // decoded txs (nil: not a signed envelope)
	hashes [][32]byte // tx hashes, computed here off the replay's core
	pubs   []*smcrypto.PublicKey
	ok     []bool
	wg     sync.WaitGroup
	// repResults is the hash of the node's reported results (nil: none
	// reported), computed here off the replay's core.
	repResults []byte
}

// verified waits for the block's checks and returns the verified ones.
func (s *sigBlock) verified() map[[32]byte]*smcrypto.PublicKey {
	s.wg.Wait()
	m := make(map[[32]byte]*smcrypto.PublicKey, len(s.ok))
	for i, ok := range s.ok {
		if ok {
			m[s.hashes[i]] = s.pubs[i]
		}
	}
	return m
}

type sigJob struct {
	s *sigBlock
	i int
}

// sigStage decodes the txs of each fetched block, finds their signers'
// keys in the replayed state committed so far and verifies their
// signatures on workers goroutines, passing the blocks on in order at most
// aheadBlocks ahead of the consumer.
//
// The replayed state is read only under stateMu's read lock: IAVL's
// MutableTree, while the replay writes it, updates child pointers of nodes
// that committed versions share (iavl Node.clone), so reads of a committed
// version must not overlap the replay's FinalizeBlock and Commit, which
// hold the write lock. A key is read once per signer (then cached), so the
// stage rarely waits.
func sigStage(ctx context.Context, in <-chan fetched, store *state.Store, stateMu *sync.RWMutex, chainID string, workers int) <-chan *sigBlock {
	out := make(chan *sigBlock, aheadBlocks)
	jobs := make(chan sigJob, 1024)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				t := j.s.txs[j.i]
				j.s.ok[j.i] = j.s.pubs[j.i].Verify(t.SignBytes(), t.Signature) == nil
				j.s.wg.Done()
			}
		}()
	}
	go func() {
		defer func() {
			close(jobs)
			wg.Wait()
			close(out)
		}()
		// A key id names one public key (it is its SM3 digest), so a key
		// once read stays valid; whether its account may sign is decided
		// at execution.
		keys := map[smcrypto.KeyID]*smcrypto.PublicKey{}
		for item := range in {
			s := &sigBlock{fetched: item}
			if item.err == nil {
				if item.b.Results != nil {
					s.repResults = types.NewResults(item.b.Results.TxResults).Hash()
				}
				// the data hash (every tx hashed) is cached in the block for
				// the header checks
				item.b.Block.Data.Hash()
				raws := item.b.Block.Txs
				s.txs = make([]*tx.Tx, len(raws))
				s.hashes = make([][32]byte, len(raws))
				s.pubs = make([]*smcrypto.PublicKey, len(raws))
				s.ok = make([]bool, len(raws))
				// signers not in the replayed state yet, for this block
				missing := map[smcrypto.KeyID]bool{}
				for i, raw := range raws {
					s.hashes[i] = tx.Hash(raw)
					t, err := tx.Decode(raw, 0)
					if err != nil {
						continue
					}
					s.txs[i] = t
					if t.ChainID != chainID {
						continue
					}
					pub := keys[t.Signer]
					if pub == nil && !missing[t.Signer] {
						if pub = lookupKey(store, stateMu, t.Signer); pub != nil {
							keys[t.Signer] = pub
						} else {
							missing[t.Signer] = true
						}
					}
					if pub == nil {
						continue
					}
					s.pubs[i] = pub
					s.wg.Add(1)
					select {
					case jobs <- sigJob{s: s, i: i}:
					case <-ctx.Done():
						s.wg.Done()
						return
					}
				}
			}
			select {
			case out <- s:
			case <-ctx.Done():
				return
			}
			if item.err != nil {
				return
			}
		}
	}()
	return out
}

// lookupKey reads signer's public key from the replayed state committed so
// far (nil if the account is not there yet).
func lookupKey(store *state.Store, stateMu *sync.RWMutex, signer smcrypto.KeyID) *smcrypto.PublicKey {
	stateMu.RLock()
	defer stateMu.RUnlock()
	view, err := store.At(0)
	if err != nil {
		return nil
	}
	acct, err := identity.GetAccount(view, signer)
	if err != nil {
		return nil
	}
	p, err := smcrypto.ParsePublicKey(acct.PublicKey)
	if err != nil || p.ID() != signer {
		return nil
	}
	return p
}
