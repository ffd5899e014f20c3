package chain

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/govchain/govchain/chain/attest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
)

var (
	attestEnableKey = []byte("attest/enable_height")
	blockHashKey    = []byte("block_hash")
)

// AttestKey is where the SM2 quorum certificate of height h is stored (in
// the state of block h+1).
func AttestKey(h int64) []byte { return module.Key("attest", "qc", fmt.Sprintf("%020d", h)) }

// SetAttester gives the app its department's SM2 key, used to sign every
// block this validator precommits. Without it the node's precommits carry
// no attestation and the other validators reject them.
func (a *App) SetAttester(k *smcrypto.PrivateKey) { a.SetAttesters(k) }

// SetAttesters gives the app the department keys it may attest with: the
// current key and, during a key rotation, its successor. Each precommit is
// signed by the one the chain accepts (pickAttester), so the node moves to
// the new key in the block the rotation commits and never signs with a key
// the others would refuse.
func (a *App) SetAttesters(keys ...*smcrypto.PrivateKey) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attestKeys = slices.DeleteFunc(slices.Clone(keys), func(k *smcrypto.PrivateKey) bool { return k == nil })
}

// pickAttester chooses among the candidate keys one that is an active
// admin key in the last committed state at the last block time (what
// VerifyVoteExtension of the other nodes judges by), preferring a key that
// is not being rotated away; with none accepted, the first candidate.
// Callers hold a.mu.
func (a *App) pickAttester() *smcrypto.PrivateKey {
	if len(a.attestKeys) <= 1 {
		if len(a.attestKeys) == 0 {
			return nil
		}
		return a.attestKeys[0]
	}
	view, err := a.readState()
	if err != nil {
		return a.attestKeys[0]
	}
	var fallback *smcrypto.PrivateKey
	for _, k := range a.attestKeys {
		acct, _, signer, err := identity.Authenticate(view, k.PublicKey().ID(), a.lastBlockTime)
		if err != nil || !signer.HasRole(identity.RoleAdmin) {
			continue
		}
		if acct.RetireHeight == 0 {
			return k
		}
		if fallback == nil {
			fallback = k
		}
	}
	if fallback != nil {
		return fallback
	}
	return a.attestKeys[0]
}

// attestRequired: block h must open with the QC of h-1.
func (a *App) attestRequired(h int64) bool { return a.veEnable > 0 && h-1 >= a.veEnable }

func loadInt64(kv state.KV, k []byte) int64 {
	b, _ := kv.Get(k)
	if len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

func int64Bytes(v int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	return b[:]
}

// ExtendVote signs the block being precommitted with the department key.
func (a *App) ExtendVote(_ context.Context, req *abci.ExtendVoteRequest) (*abci.ExtendVoteResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := a.pickAttester()
	if k == nil {
		return &abci.ExtendVoteResponse{}, nil
	}
	sig, err := k.Sign(attest.SignBytes(a.chainID, req.Height, req.Hash))
	if err != nil {
		return nil, err
	}
	return &abci.ExtendVoteResponse{VoteExtension: attest.Extension{KeyID: k.PublicKey().ID(), Sig: sig}.Encode()}, nil
}

// VerifyVoteExtension accepts a precommit's attestation only if an active
// admin key of the validator's department signed this block: a validator
// whose department key was revoked can no longer help commit blocks.
func (a *App) VerifyVoteExtension(_ context.Context, req *abci.VerifyVoteExtensionRequest) (*abci.VerifyVoteExtensionResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	reject := &abci.VerifyVoteExtensionResponse{Status: abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT}
	ext, err := attest.DecodeExtension(req.VoteExtension)
	if err != nil {
		return reject, nil
	}
	view, err := a.readState()
	if err != nil {
		return reject, nil
	}
	dept, key, err := a.resolver(view, a.lastBlockTime)(attest.AddressHex(req.ValidatorAddress), ext.KeyID)
	if err != nil || dept == "" {
		return reject, nil
	}
	if key.Verify(attest.SignBytes(a.chainID, req.Height, req.Hash), ext.Sig) != nil {
		return reject, nil
	}
	return &abci.VerifyVoteExtensionResponse{Status: abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT}, nil
}

// resolver maps (validator, key) to the department's attestation key under
// kv: the key must be an active admin identity of the validator's
// department (certificate window judged at time at).
func (a *App) resolver(kv state.KV, at time.Time) attest.Resolver {
	return func(validator string, keyID smcrypto.KeyID) (string, *smcrypto.PublicKey, error) {
		d, err := kv.Get(identity.ValidatorKey(validator))
		if err != nil || d == nil {
			return "", nil, fmt.Errorf("validator %s belongs to no department", validator)
		}
		acct, pub, signer, err := identity.Authenticate(kv, keyID, at)
		if err != nil {
			return "", nil, err
		}
		if acct.Dept != string(d) {
			return "", nil, fmt.Errorf("key %s is of %s, validator %s of %s", keyID, acct.Dept, validator, d)
		}
		if !signer.HasRole(identity.RoleAdmin) {
			return "", nil, fmt.Errorf("key %s is not an admin key of %s", keyID, d)
		}
		return string(d), pub, nil
	}
}

// readState is the last committed state, or the genesis state before the
// first commit (block 1's precommits are verified then).
func (a *App) readState() (state.KV, error) {
	if v, _ := a.store.LastCommit(); v == 0 {
		return a.store.Working(), nil
	}
	return a.store.At(0)
}

// attestView is the state and time the attestations of height h are judged
// by: the state committed by block h-1 and that block's time, which is what
// VerifyVoteExtension judged them by while height h was being decided. A
// QC of h is checked in block h+1, after block h committed; judging it by
// the state after h would refuse the key of a department revoked by block
// h itself, although that key signed h before the revocation took effect,
// and when its precommit was one of the quorum's no valid QC of h could
// exist: the chain halted (TestRevocationBlockKeepsItsQC). An offline
// bundle follows the same rule: for the QC of header v+1 it proves the keys
// and the block time in state v (chain/proof/bundle). Height 1's
// attestations were judged by the genesis state, which is no stored
// version: version 1 stands in for it.
//
// Version h-1 must still be stored when block h+1 is built: the store keeps
// at least the two newest versions (CheckKeepRecent).
//
// A node restored from a snapshot of height R (state sync) never had the
// state before R, so it cannot judge the QC of R (in block R+1):
// errBeforeRestore. That block was decided by more than 2/3 of the voting
// power, every one of which checked the QC; the restored node stores it as
// decided (the stored bytes, so the app hash, do not depend on the check)
// and judges every QC after it.
func (a *App) attestView(h int64) (state.KV, time.Time, error) {
	if r := a.store.RestoredAt(); r > 0 && h-1 < r {
		return nil, time.Time{}, errBeforeRestore
	}
	view, err := a.store.At(max(h-1, 1))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("state of the attestations of height %d: %w", h, err)
	}
	return view, loadBlockTime(view), nil
}

var errBeforeRestore = errors.New("state before the snapshot this node was restored from")

// CheckKeepRecent refuses a pruning setting under which block H+1 could not
// read the state after H-1 (attestView): 0 keeps every version, otherwise
// at least 2 are kept. NewApp checks its store with it.
func CheckKeepRecent(n int64) error {
	if n < 0 || n == 1 {
		return fmt.Errorf("keep_recent is %d; use 0 (keep every state version) or at least 2 "+
			"(the SM2 quorum certificate of block H is checked in block H+1 against the state before H)", n)
	}
	return nil
}

func powersOf(votes []abci.VoteInfo) map[string]int64 {
	m := make(map[string]int64, len(votes))
	for _, v := range votes {
		m[attest.AddressHex(v.Validator.Address)] = v.Validator.Power
	}
	return m
}

// buildQC collects the verified attestations of the last commit.
func (a *App) buildQC(height int64, votes []abci.ExtendedVoteInfo) *attest.QC {
	view, at, err := a.attestView(height)
	if err != nil {
		return nil
	}
	q := &attest.QC{ChainID: a.chainID, Height: height, BlockHash: a.lastBlockHash}
	res := a.resolver(view, at)
	msg := attest.SignBytes(a.chainID, height, a.lastBlockHash)
	for _, v := range votes {
		q.TotalPower += v.Validator.Power
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit || len(v.VoteExtension) == 0 {
			continue
		}
		ext, err := attest.DecodeExtension(v.VoteExtension)
		if err != nil {
			continue
		}
		addr := attest.AddressHex(v.Validator.Address)
		dept, key, err := res(addr, ext.KeyID)
		if err != nil || key.Verify(msg, ext.Sig) != nil {
			continue
		}
		q.Attestations = append(q.Attestations, attest.Attestation{Validator: addr, Power: v.Validator.Power, Dept: dept, KeyID: ext.KeyID, Sig: ext.Sig})
	}
	q.Sort()
	return q
}

// checkQCTx verifies the QC pseudo-tx of block h against the last commit's
// validator set and the state.
func (a *App) checkQCTx(raw []byte, h int64, votes []abci.VoteInfo) (*attest.QC, error) {
	q, err := attest.DecodeTx(raw)
	if err != nil {
		return nil, err
	}
	view, at, err := a.attestView(h - 1)
	if errors.Is(err, errBeforeRestore) {
		return q, nil
	}
	if err != nil {
		return nil, err
	}
	if err := attest.Verify(q, a.chainID, h-1, a.lastBlockHash, powersOf(votes), a.resolver(view, at)); err != nil {
		return nil, err
	}
	return q, nil
}

// prepareWithQC puts the QC of the last height first and keeps what fits.
func (a *App) prepareWithQC(req *abci.PrepareProposalRequest) [][]byte {
	var out [][]byte
	var total int64
	if a.attestRequired(req.Height) {
		if q := a.buildQC(req.Height-1, req.LocalLastCommit.Votes); q != nil {
			qtx := attest.EncodeTx(q)
			out = append(out, qtx)
			total += int64(len(qtx))
		}
	}
	for _, t := range req.Txs {
		if attest.IsTx(t) {
			continue
		}
		if total+int64(len(t)) > req.MaxTxBytes {
			break
		}
		total += int64(len(t))
		out = append(out, t)
	}
	return out
}

// processQC accepts a proposal only with a valid QC first (when required)
// and no QC anywhere else.
func (a *App) processQC(req *abci.ProcessProposalRequest) error {
	txs := req.Txs
	if a.attestRequired(req.Height) {
		if len(txs) == 0 || !attest.IsTx(txs[0]) {
			return fmt.Errorf("block %d lacks the SM2 quorum certificate of height %d", req.Height, req.Height-1)
		}
		if _, err := a.checkQCTx(txs[0], req.Height, req.ProposedLastCommit.Votes); err != nil {
			return fmt.Errorf("block %d: %w", req.Height, err)
		}
		txs = txs[1:]
	}
	if slices.ContainsFunc(txs, attest.IsTx) {
		return fmt.Errorf("block %d carries a misplaced QC", req.Height)
	}
	return nil
}

// finalizeQC verifies and stores the QC opening block h; it returns the
// remaining txs.
func (a *App) finalizeQC(working state.KV, req *abci.FinalizeBlockRequest) (*abci.ExecTxResult, [][]byte, error) {
	if !a.attestRequired(req.Height) {
		return nil, req.Txs, nil
	}
	if len(req.Txs) == 0 || !attest.IsTx(req.Txs[0]) {
		return nil, nil, fmt.Errorf("decided block %d lacks its SM2 quorum certificate", req.Height)
	}
	q, err := a.checkQCTx(req.Txs[0], req.Height, req.DecidedLastCommit.Votes)
	if err != nil {
		// More than 2/3 of the validators accepted this block in
		// ProcessProposal; failing here means this node's state differs.
		return nil, nil, fmt.Errorf("decided block %d: %w", req.Height, err)
	}
	if err := working.Set(AttestKey(q.Height), req.Txs[0][1:]); err != nil {
		return nil, nil, err
	}
	res := &abci.ExecTxResult{Events: []abci.Event{{Type: "attest.qc", Attributes: []abci.EventAttribute{
		{Key: "height", Value: fmt.Sprint(q.Height), Index: true},
		{Key: "depts", Value: fmt.Sprint(q.Depts())},
		{Key: "power", Value: fmt.Sprintf("%d/%d", q.SignedPower(), q.TotalPower)},
	}}}}
	return res, req.Txs[1:], nil
}
