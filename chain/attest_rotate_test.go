package chain_test

import (
	"context"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/attest"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
)

// TestAttesterFollowsRotation: a node holding its department's current and
// next key attests with the current one until the rotation commits, then
// with the new one (which the others accept from then on), and keeps the
// new one after the old is retired; the other nodes' VerifyVoteExtension
// accepts each of those extensions and refuses the retired key's.
func TestAttesterFollowsRotation(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Attest: true})
	oldK := c.Depts[0].Admin
	newK, err := smcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	c.App.SetAttesters(oldK, newK)
	signer := func() smcrypto.KeyID {
		t.Helper()
		h := c.Height + 1
		r, err := c.App.ExtendVote(context.Background(), &abci.ExtendVoteRequest{Height: h, Hash: chaintest.BlockHash(h)})
		if err != nil {
			t.Fatal(err)
		}
		e, err := attest.DecodeExtension(r.VoteExtension)
		if err != nil {
			t.Fatal(err)
		}
		return e.KeyID
	}
	accepted := func(k *smcrypto.PrivateKey) bool {
		t.Helper()
		h := c.Height + 1
		sig, err := k.Sign(attest.SignBytes(chaintest.ChainID, h, chaintest.BlockHash(h)))
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.App.VerifyVoteExtension(context.Background(), &abci.VerifyVoteExtensionRequest{Height: h, Hash: chaintest.BlockHash(h),
			ValidatorAddress: c.Depts[0].Val.PubKey().Address(), VoteExtension: attest.Extension{KeyID: k.PublicKey().ID(), Sig: sig}.Encode()})
		if err != nil {
			t.Fatal(err)
		}
		return r.Status == abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT
	}
	if signer() != oldK.PublicKey().ID() || accepted(newK) {
		t.Fatal("before the rotation the node must attest with the registered key")
	}
	rot, err := identity.NewRotateKey(chaintest.ChainID, "ZWFW", oldK.PublicKey().ID(), newK, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.MustOK(c.Tx(oldK, identity.MsgRotateKey, rot))
	if signer() != newK.PublicKey().ID() || !accepted(newK) || !accepted(oldK) {
		t.Fatal("after the rotation block the node must attest with the new key, and both must be accepted")
	}
	c.Block() // its QC is of the rotation block: signed with the old key
	c.AttestKeys = map[int]*smcrypto.PrivateKey{0: newK}
	c.Block() // the old key retires at the end of this block
	if signer() != newK.PublicKey().ID() || accepted(oldK) || !accepted(newK) {
		t.Fatal("after the window only the new key attests")
	}
}
