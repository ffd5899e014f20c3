package node

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"
	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/privval"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
)

// Key rotation on the node (docs/operator.md, "Key rotation"). Both the
// department's SM2 key and the validator's consensus key are rotated by a
// transaction; the node holds the current and the next key file and signs,
// at each height, with the one the chain says is in force then, so no
// restart has to be timed. After the switch the next file becomes the
// current one (at the node's next start, or at once for the SM2 key once
// the old one is retired).

// NextFile is where the key that will replace file waits: "x.json" →
// "x.next.json", "keys/dept.pem" → "keys/dept.next.pem".
func NextFile(file string) string {
	ext := filepath.Ext(file)
	return strings.TrimSuffix(file, ext) + ".next" + ext
}

func retiredFile(file, id string) string {
	ext := filepath.Ext(file)
	return strings.TrimSuffix(file, ext) + ".retired-" + id + ext
}

// NewValidatorKey writes the next consensus key of home h (and its empty
// sign state), unless one is already waiting, and returns it.
func NewValidatorKey(h Home) (*privval.FilePV, error) {
	cfg, err := h.CometConfigNoGenesis()
	if err != nil {
		return nil, err
	}
	keyFile, stateFile := NextFile(cfg.PrivValidatorKeyFile()), NextFile(cfg.PrivValidatorStateFile())
	if _, err := os.Stat(keyFile); err == nil {
		return loadPV(keyFile, stateFile)
	}
	pv, err := privval.GenFilePV(keyFile, stateFile, func() (crypto.PrivKey, error) { return ed25519.GenPrivKey(), nil })
	if err != nil {
		return nil, err
	}
	pv.Save()
	return pv, nil
}

// loadPV loads a FilePV without CometBFT's exit-on-error: a damaged next
// key must not take down a running validator.
func loadPV(keyFile, stateFile string) (*privval.FilePV, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	var k privval.FilePVKey
	if err := cmtjson.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	if k.PrivKey == nil {
		return nil, fmt.Errorf("%s: no private key", keyFile)
	}
	if _, err := os.Stat(stateFile); errors.Is(err, os.ErrNotExist) {
		pv := privval.NewFilePV(k.PrivKey, keyFile, stateFile)
		pv.LastSignState.Save()
		return pv, nil
	}
	return privval.LoadFilePV(keyFile, stateFile), nil
}

// rotatingPV is the node's CometBFT signer. It holds the validator key of
// priv_validator_key.json and, once one is waiting, the next key
// (priv_validator_key.next.json), and signs each height with the one the
// department's validator record names for it: identity.rotate_validator
// makes the new key sign from ActiveFrom (the rotation's height + 2, when
// CometBFT's validator update takes effect), the old one before. CometBFT
// asks for the public key again after every commit
// (updatePrivValidatorPubKey), so the consensus engine follows. Each key
// keeps its own last-sign state, so double-sign protection holds per key.
type rotatingPV struct {
	mu        sync.Mutex
	dept      string
	store     *state.Store
	logger    cmtlog.Logger
	nextKey   string
	nextState string
	pvs       []*privval.FilePV
	last      crypto.PubKey
}

func newRotatingPV(cfg *cmtcfg.Config, dept string, store *state.Store, logger cmtlog.Logger) (*rotatingPV, error) {
	keyFile, stateFile := cfg.PrivValidatorKeyFile(), cfg.PrivValidatorStateFile()
	p := &rotatingPV{dept: dept, store: store, logger: logger, nextKey: NextFile(keyFile), nextState: NextFile(stateFile)}
	if err := p.promote(keyFile, stateFile); err != nil {
		return nil, err
	}
	p.pvs = []*privval.FilePV{privval.LoadFilePV(keyFile, stateFile)}
	p.loadNext()
	return p, nil
}

// validator is the department's validator record in the last committed
// state (nil before genesis or for a non-validator).
func (p *rotatingPV) validator() (*identity.Validator, int64) {
	v, _ := p.store.LastCommit()
	if v == 0 {
		return nil, 0
	}
	view, err := p.store.At(v)
	if err != nil {
		return nil, v
	}
	d, err := identity.GetDept(view, p.dept)
	if err != nil {
		return nil, v
	}
	return d.Validator, v
}

// promote makes the next key the current one when the chain has switched
// to it for good: the old files are kept as *.retired-<address>.json.
func (p *rotatingPV) promote(keyFile, stateFile string) error {
	if _, err := os.Stat(p.nextKey); err != nil {
		return nil
	}
	next, err := loadPV(p.nextKey, p.nextState)
	if err != nil {
		return err
	}
	val, committed := p.validator()
	if val == nil || !bytes.Equal(val.PubKey, next.Key.PubKey.Bytes()) || committed+1 < val.ActiveFrom {
		return nil
	}
	old := privval.LoadFilePVEmptyState(keyFile, "")
	id := old.Key.Address.String()
	for _, mv := range [][2]string{{keyFile, retiredFile(keyFile, id)}, {stateFile, retiredFile(stateFile, id)},
		{p.nextKey, keyFile}, {p.nextState, stateFile}} {
		if err := os.Rename(mv[0], mv[1]); err != nil {
			return fmt.Errorf("promote the next validator key: %w", err)
		}
	}
	p.logger.Info("validator key rotated: the next key is now priv_validator_key.json", "retired", id, "current", next.Key.Address.String())
	return nil
}

func (p *rotatingPV) loadNext() {
	if len(p.pvs) > 1 {
		return
	}
	if _, err := os.Stat(p.nextKey); err != nil {
		return
	}
	pv, err := loadPV(p.nextKey, p.nextState)
	if err != nil {
		p.logger.Error("next validator key unreadable", "file", p.nextKey, "err", err)
		return
	}
	p.pvs = append(p.pvs, pv)
	p.logger.Info("next validator key loaded", "address", pv.Key.Address.String())
}

// forHeight picks the key that signs height h.
func (p *rotatingPV) forHeight(h int64) *privval.FilePV {
	p.mu.Lock()
	defer p.mu.Unlock()
	pick := p.pvs[0]
	if val, _ := p.validator(); val != nil {
		want := val.PubKey
		if h < val.ActiveFrom && len(val.PrevPubKey) > 0 {
			want = val.PrevPubKey
		}
		found := p.find(want)
		if found == nil {
			p.loadNext()
			found = p.find(want)
		}
		if found != nil {
			pick = found
		}
	}
	if p.last == nil || !bytes.Equal(p.last.Bytes(), pick.Key.PubKey.Bytes()) {
		if p.last != nil {
			p.logger.Info("validator signs with its rotated key", "height", h, "address", pick.Key.Address.String())
		}
		p.last = pick.Key.PubKey
	}
	return pick
}

func (p *rotatingPV) find(pub []byte) *privval.FilePV {
	for _, pv := range p.pvs {
		if bytes.Equal(pv.Key.PubKey.Bytes(), pub) {
			return pv
		}
	}
	return nil
}

func (p *rotatingPV) GetPubKey() (crypto.PubKey, error) {
	v, _ := p.store.LastCommit()
	return p.forHeight(v + 1).Key.PubKey, nil
}

func (p *rotatingPV) SignVote(chainID string, vote *cmtproto.Vote, signExtension bool) error {
	return p.forHeight(vote.Height).SignVote(chainID, vote, signExtension)
}

func (p *rotatingPV) SignProposal(chainID string, proposal *cmtproto.Proposal) error {
	return p.forHeight(proposal.Height).SignProposal(chainID, proposal)
}

func (p *rotatingPV) SignBytes(b []byte) ([]byte, error) {
	v, _ := p.store.LastCommit()
	return p.forHeight(v + 1).SignBytes(b)
}

// attesterKeys watches the department's SM2 key file and its successor
// (keys/dept.pem, keys/dept.next.pem) and hands both to the app, which
// attests with the one the chain accepts. Once the chain has retired the
// current key in favour of the next, the files are promoted.
type attesterKeys struct {
	app        *chain.App
	store      *state.Store
	file, next string
	pass       []byte
	logger     cmtlog.Logger
	seen       string
	keys       []*smcrypto.PrivateKey // as loaded: current, then next
}

func (w *attesterKeys) stamp() string {
	var b strings.Builder
	for _, f := range []string{w.file, w.next} {
		if st, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "%s:%d:%d;", f, st.Size(), st.ModTime().UnixNano())
		}
	}
	return b.String()
}

// load reads the key files when they changed and hands them to the app.
func (w *attesterKeys) load() error {
	if w.promote() {
		w.seen = ""
	}
	s := w.stamp()
	if s == w.seen {
		return nil
	}
	var keys []*smcrypto.PrivateKey
	for i, f := range []string{w.file, w.next} {
		b, err := os.ReadFile(f)
		if err != nil {
			if i == 0 {
				return err
			}
			continue
		}
		k, err := smcrypto.ParsePrivateKeyPEM(b, w.pass)
		if err != nil {
			if i == 0 {
				return fmt.Errorf("%s: %w", f, err)
			}
			w.logger.Error("next department key unreadable", "file", f, "err", err)
			continue
		}
		keys = append(keys, k)
	}
	w.seen, w.keys = s, keys
	w.app.SetAttesters(keys...)
	if len(keys) > 1 {
		w.logger.Info("department keys loaded for attestation", "current", keys[0].PublicKey().ID().String(), "next", keys[1].PublicKey().ID().String())
	}
	return nil
}

// promote renames keys/dept.next.pem to keys/dept.pem once the chain has
// retired the current key and the next one is its successor.
func (w *attesterKeys) promote() bool {
	if len(w.keys) < 2 {
		return false
	}
	ck, nk := w.keys[0], w.keys[1]
	view, err := w.store.At(0)
	if err != nil {
		return false
	}
	cur, err := identity.GetAccount(view, ck.PublicKey().ID())
	if err != nil || cur.Status != identity.StatusRetired || cur.RotatedTo != nk.PublicKey().ID().String() {
		return false
	}
	if err := os.Rename(w.file, retiredFile(w.file, cur.KeyID.String())); err != nil {
		w.logger.Error("promote the next department key", "err", err)
		return false
	}
	if err := os.Rename(w.next, w.file); err != nil {
		w.logger.Error("promote the next department key", "err", err)
		return false
	}
	w.logger.Info("department key rotated: keys/dept.next.pem is now the department key", "retired", cur.KeyID.String(), "current", nk.PublicKey().ID().String())
	return true
}

func (w *attesterKeys) watch(stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := w.load(); err != nil {
				w.logger.Error("department key", "err", err)
			}
		}
	}
}
