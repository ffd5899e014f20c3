package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtversion "github.com/cometbft/cometbft/api/cometbft/version/v1"
	"github.com/cometbft/cometbft/crypto/ed25519"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node"
)

// sim produces a real CometBFT-shaped chain in memory: blocks built with
// cometbft's own types, executed by the govchain app with node.Modules(),
// headers carrying the real app and results hashes, commits signed by the
// validators' ed25519 keys. Tests then corrupt what "the node" serves.
type sim struct {
	t       testing.TB
	chainID string
	gen     *types.GenesisDoc
	pvs     map[string]types.MockPV // by validator address
	admins  []*smcrypto.PrivateKey
	depts   []string
	app     *chain.App
	store   *state.Store
	seqs    map[smcrypto.KeyID]uint64
	epochs  []valEpoch
	blocks  []*Block
	commits map[int64]*types.Commit
	appHash []byte
	results []byte
	lastID  types.BlockID
	// badAppHashAt makes the validators sign a header with a wrong app hash
	// at that height (a colluding majority).
	badAppHashAt int64
}

var simDepts = []string{"ZWFW", "SCJG", "RSJ", "WJW"}

var simGenesisTime = time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)

// simGenesis makes the genesis document and keys; two sims built from the
// same simGenesis share a chain.
type simKeys struct {
	gen    *types.GenesisDoc
	pvs    []types.MockPV
	admins []*smcrypto.PrivateKey
}

func newSimKeys(t testing.TB) *simKeys {
	t.Helper()
	k := &simKeys{}
	g := chain.AppGenesis{Params: chain.DefaultParams(), Modules: map[string]json.RawMessage{}}
	salt := make([]byte, 32)
	_, _ = rand.Read(salt)
	g.Modules[certificate.Name] = json.RawMessage(fmt.Sprintf(`{"holder_salt":%q}`, hex.EncodeToString(salt)))
	var gvals []types.GenesisValidator
	for _, code := range simDepts {
		admin, err := smcrypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		pv := types.NewMockPV()
		pub, _ := pv.GetPubKey()
		k.pvs = append(k.pvs, pv)
		k.admins = append(k.admins, admin)
		var grants []string
		if code == "SCJG" {
			grants = []string{"issuer:BL"}
		}
		g.Identity.Departments = append(g.Identity.Departments, identity.GenesisDept{
			Code: code, Name: code + " dept", AdminPublicKey: admin.PublicKey().Bytes(), Grants: grants,
			Validator:        &identity.Validator{Type: ed25519.KeyType, PubKey: pub.Bytes(), Power: 10},
			ValidatorAddress: hex.EncodeToString(pub.Address()),
		})
		gvals = append(gvals, types.GenesisValidator{Address: pub.Address(), PubKey: pub, Power: 10, Name: code})
	}
	raw, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	k.gen = &types.GenesisDoc{ChainID: "govchain-audit-sim", GenesisTime: simGenesisTime, InitialHeight: 1,
		ConsensusParams: types.DefaultConsensusParams(), Validators: gvals, AppState: raw}
	if err := k.gen.ValidateAndComplete(); err != nil {
		t.Fatal(err)
	}
	return k
}

func newSim(t testing.TB, k *simKeys) *sim {
	t.Helper()
	s := &sim{t: t, chainID: k.gen.ChainID, gen: k.gen, pvs: map[string]types.MockPV{}, admins: k.admins, depts: simDepts,
		seqs: map[smcrypto.KeyID]uint64{}, commits: map[int64]*types.Commit{}}
	for _, pv := range k.pvs {
		pub, _ := pv.GetPubKey()
		s.pvs[pub.Address().String()] = pv
	}
	vals, err := GenesisValidators(k.gen)
	if err != nil {
		t.Fatal(err)
	}
	s.epochs = []valEpoch{{from: 1, set: vals}}
	if s.store, err = state.OpenMemory(); err != nil {
		t.Fatal(err)
	}
	if s.app, err = chain.NewApp(s.store, node.Modules()...); err != nil {
		t.Fatal(err)
	}
	pbparams := k.gen.ConsensusParams.ToProto()
	res, err := s.app.InitChain(context.Background(), &abci.InitChainRequest{Time: k.gen.GenesisTime, ChainId: k.gen.ChainID,
		InitialHeight: 1, ConsensusParams: &pbparams, Validators: types.TM2PB.ValidatorUpdates(vals), AppStateBytes: k.gen.AppState})
	if err != nil {
		t.Fatal(err)
	}
	s.appHash = res.AppHash
	s.results = types.NewResults(nil).Hash()
	return s
}

func (s *sim) valsAt(h int64) *types.ValidatorSet {
	i := sort.Search(len(s.epochs), func(i int) bool { return s.epochs[i].from > h }) - 1
	return s.epochs[i].set
}

func (s *sim) height() int64 { return int64(len(s.blocks)) }

// tx signs msg as the next tx of admin i (or of key k when given).
func (s *sim) tx(k *smcrypto.PrivateKey, typ string, msg any) []byte {
	body, err := json.Marshal(msg)
	if err != nil {
		s.t.Fatal(err)
	}
	id := k.PublicKey().ID()
	s.seqs[id]++
	t := &tx.Tx{ChainID: s.chainID, Type: typ, Signer: id, Sequence: s.seqs[id], Body: body}
	if err := t.Sign(k); err != nil {
		s.t.Fatal(err)
	}
	return t.Encode()
}

func (s *sim) blockTime(h int64) time.Time { return simGenesisTime.Add(time.Duration(h) * time.Second) }

// block produces the next block with txs (and evidence), executes it and
// signs its commit with every validator of its height.
func (s *sim) block(txs [][]byte, ev ...types.Evidence) *Block {
	s.t.Helper()
	h := s.height() + 1
	last := s.commits[h-1]
	if last == nil {
		last = &types.Commit{}
	}
	ttxs := make([]types.Tx, len(txs))
	for i, t := range txs {
		ttxs[i] = t
	}
	blk := types.MakeBlock(h, ttxs, last, ev)
	vals := s.valsAt(h)
	appHash := s.appHash
	if h == s.badAppHashAt {
		appHash = append([]byte(nil), appHash...)
		appHash[0] ^= 0xff
	}
	blk.Header.Populate(cmtversion.Consensus{Block: version.BlockProtocol, App: chain.AppVersion}, s.chainID, s.blockTime(h), s.lastID,
		vals.Hash(), s.valsAt(h+1).Hash(), s.gen.ConsensusParams.Hash(), appHash, s.results, vals.GetProposer().Address)
	ps, err := blk.MakePartSet(types.BlockPartSizeBytes)
	if err != nil {
		s.t.Fatal(err)
	}
	id := types.BlockID{Hash: blk.Hash(), PartSetHeader: ps.Header()}
	req := &abci.FinalizeBlockRequest{Txs: blk.Txs.ToSliceOfBytes(), Height: h, Time: blk.Time, Hash: id.Hash,
		NextValidatorsHash: blk.NextValidatorsHash, ProposerAddress: blk.ProposerAddress, Misbehavior: blk.Evidence.Evidence.ToABCI()}
	res, err := s.app.FinalizeBlock(context.Background(), req)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.app.Commit(context.Background(), &abci.CommitRequest{}); err != nil {
		s.t.Fatal(err)
	}
	for id := range s.seqs {
		s.seqs[id] = s.app.PendingSequence(id)
	}
	if len(res.ValidatorUpdates) > 0 {
		next, err := ApplyUpdates(s.valsAt(h+1), res.ValidatorUpdates)
		if err != nil {
			s.t.Fatal(err)
		}
		s.epochs = append(s.epochs, valEpoch{from: h + 2, set: next})
	}
	b := &Block{ID: id, Block: blk, Results: &ctypes.ResultBlockResults{Height: h, TxResults: res.TxResults,
		FinalizeBlockEvents: res.Events, ValidatorUpdates: res.ValidatorUpdates, AppHash: res.AppHash}}
	s.blocks = append(s.blocks, b)
	s.commits[h] = s.sign(h, id, vals)
	s.appHash, s.results, s.lastID = res.AppHash, types.NewResults(res.TxResults).Hash(), id
	return b
}

func (s *sim) sign(h int64, id types.BlockID, vals *types.ValidatorSet) *types.Commit {
	sigs := make([]types.CommitSig, vals.Size())
	for i, v := range vals.Validators {
		vote := &types.Vote{Type: types.PrecommitType, Height: h, Round: 0, BlockID: id, Timestamp: s.blockTime(h).Add(500 * time.Millisecond),
			ValidatorAddress: v.Address, ValidatorIndex: int32(i)}
		p := vote.ToProto()
		if err := s.pvs[v.Address.String()].SignVote(s.chainID, p, false); err != nil {
			s.t.Fatal(err)
		}
		vote.Signature = p.Signature
		sigs[i] = vote.CommitSig()
	}
	return &types.Commit{Height: h, Round: 0, BlockID: id, Signatures: sigs}
}

// mustOK fails unless every tx of b succeeded.
func (s *sim) mustOK(b *Block) {
	s.t.Helper()
	for i, r := range b.Results.TxResults {
		if r.Code != 0 {
			s.t.Fatalf("block %d tx %d: %s/%d %s", b.Block.Height, i, r.Codespace, r.Code, r.Log)
		}
	}
}

// register makes n officers for department i, in one block.
func (s *sim) register(i, n int) []*smcrypto.PrivateKey {
	var keys []*smcrypto.PrivateKey
	var txs [][]byte
	for j := 0; j < n; j++ {
		k, err := smcrypto.GenerateKey()
		if err != nil {
			s.t.Fatal(err)
		}
		keys = append(keys, k)
		txs = append(txs, s.tx(s.admins[i], identity.MsgRegisterAccount, s.registration(i, k, fmt.Sprintf("officer %d", j))))
	}
	s.mustOK(s.block(txs))
	return keys
}

// registration is department i's registration of k, with k's proof of
// possession.
func (s *sim) registration(i int, k *smcrypto.PrivateKey, name string) identity.RegisterAccount {
	m, err := identity.NewRegisterAccount(s.chainID, s.depts[i], k, name, []string{identity.RoleOperator})
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

func simUSCC(serial int) string {
	body := fmt.Sprintf("91350100MA%07d", serial)
	c, err := identifier.USCCCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// anchor returns a certificate.anchor tx of a business licence by k (an
// SCJG key) for company serial.
func (s *sim) anchor(k *smcrypto.PrivateKey, serial int) []byte {
	day := s.blockTime(s.height() + 1).In(time.FixedZone("CST", 8*3600))
	issue := day.Format("2006-01-02")
	content := fmt.Sprintf("licence %d", serial)
	return s.tx(k, certificate.MsgAnchor, certificate.Anchor{Hash: smcrypto.SM3Hex([]byte(content)), Type: "BL", LicenceNo: fmt.Sprintf("BL-%06d", serial),
		HolderKind: identifier.HolderOrg, HolderRef: simUSCC(serial), IssueDate: issue, ValidFrom: issue, ValidUntil: day.AddDate(1, 0, 0).Format("2006-01-02")})
}

// memSource serves the sim as a node would.
type memSource struct {
	s *sim
	// commitOverride replaces /commit answers (for the newest height).
	commitOverride map[int64]*types.Commit
}

func (m *memSource) Genesis(context.Context) (*types.GenesisDoc, error) { return m.s.gen, nil }
func (m *memSource) Latest(context.Context) (int64, error)              { return m.s.height(), nil }
func (m *memSource) Blocks(_ context.Context, from, to int64) ([]*Block, error) {
	if from < 1 || to > m.s.height() {
		return nil, fmt.Errorf("heights %d..%d not available (have 1..%d)", from, to, m.s.height())
	}
	return append([]*Block(nil), m.s.blocks[from-1:to]...), nil
}
func (m *memSource) Commit(_ context.Context, h int64) (*types.SignedHeader, error) {
	if h < 1 || h > m.s.height() {
		return nil, fmt.Errorf("no commit %d", h)
	}
	c := m.s.commits[h]
	if o := m.commitOverride[h]; o != nil {
		c = o
	}
	return &types.SignedHeader{Header: &m.s.blocks[h-1].Block.Header, Commit: c}, nil
}
func (m *memSource) Header(_ context.Context, h int64) (*types.Header, error) {
	if h < 1 || h > m.s.height() {
		return nil, fmt.Errorf("no header %d", h)
	}
	return &m.s.blocks[h-1].Block.Header, nil
}
func (m *memSource) Validators(_ context.Context, h int64) (*types.ValidatorSet, error) {
	return m.s.valsAt(h), nil
}
func (m *memSource) HeadersRange(ctx context.Context, lo, hi int64) ([]*types.Header, error) {
	var out []*types.Header
	for h := lo; h <= hi && h <= m.s.height(); h++ {
		x, _ := m.Header(ctx, h)
		out = append(out, x)
	}
	return out, nil
}
func (m *memSource) Block(_ context.Context, h int64) (*types.Block, error) {
	return m.s.blocks[h-1].Block, nil
}
