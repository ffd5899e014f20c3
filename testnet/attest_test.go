package testnet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/attest"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

// verifyQCs checks, as an outside client would, every stored QC in
// [from, to]: the block hash from the header, the validator powers from
// CometBFT, the department keys from the identity registry.
func verifyQCs(ctx context.Context, t *testing.T, net *testnet.Network, i int, from, to int64) map[int64][]string {
	t.Helper()
	c := net.Client(i)
	rpc, err := rpchttp.New("tcp://" + net.Nodes[i].RPC)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64][]string{}
	for h := from; h <= to; h++ {
		r, err := c.State(ctx, string(chain.AttestKey(h)), 0, false)
		if err != nil || !r.Found {
			t.Fatalf("node %d: no QC for height %d (%v)", i, h, err)
		}
		var q attest.QC
		if err := json.Unmarshal(r.Value, &q); err != nil {
			t.Fatal(err)
		}
		blk, err := rpc.Block(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		vals, err := rpc.Validators(ctx, &h, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		powers := map[string]int64{}
		for _, v := range vals.Validators {
			powers[attest.AddressHex(v.Address)] = v.VotingPower
		}
		resolve := func(validator string, keyID smcrypto.KeyID) (string, *smcrypto.PublicKey, error) {
			d, err := c.State(ctx, string(identity.ValidatorKey(validator)), 0, false)
			if err != nil || !d.Found {
				return "", nil, fmt.Errorf("validator %s unknown", validator)
			}
			a, err := c.Account(ctx, keyID)
			if err != nil {
				return "", nil, err
			}
			pk, err := smcrypto.ParsePublicKey(a.Account.PublicKey)
			return string(d.Value), pk, err
		}
		if err := attest.Verify(&q, net.ChainID, h, blk.BlockID.Hash, powers, resolve); err != nil {
			t.Fatalf("node %d: QC of height %d: %v", i, h, err)
		}
		out[h] = q.Depts()
	}
	return out
}

func TestSM2Attestations(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := net.WaitHeight(ctx, 6); err != nil {
		t.Fatal(err)
	}
	for i := range net.Nodes {
		for h, depts := range verifyQCs(ctx, t, net, i, 1, 4) {
			if len(depts) < 3 {
				t.Fatalf("node %d height %d: only %v attested", i, h, depts)
			}
		}
	}
	// the CA revokes WJW's department certificate; its key stops attesting
	root, err := net.CA()
	if err != nil {
		t.Fatal(err)
	}
	victim := net.Nodes[3].Dept
	var serial string
	for _, e := range root.Index.Issued {
		if e.Dept == victim && e.Kind == ca.KindDepartment {
			serial = e.Serial
		}
	}
	if serial == "" {
		t.Fatalf("no department certificate for %s in the testnet CA", victim)
	}
	crl, err := root.Revoke(serial, 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k0, _ := net.DeptKey(0)
	s0, err := client.NewSigner(ctx, net.Client(0), net.ChainID, k0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s0.Send(ctx, net.Client(0), identity.MsgRevokeCerts, identity.RevokeCerts{CRL: crl}, "commit")
	if err != nil {
		t.Fatal(err)
	}
	revokedAt := res.Height
	if err := net.WaitHeight(ctx, revokedAt+6); err != nil {
		t.Fatalf("chain stalled after the revocation: %v", err)
	}
	qcs := verifyQCs(ctx, t, net, 0, revokedAt+1, revokedAt+4)
	for h, depts := range qcs {
		if slices.Contains(depts, victim) {
			t.Fatalf("height %d: QC still has the revoked department %s: %v", h, victim, depts)
		}
		if len(depts) != 3 {
			t.Fatalf("height %d: %v attested, want the 3 others", h, depts)
		}
	}
	// and node 3 logs that its precommits' extensions are refused
	t.Logf("QCs after revocation at %d: %v", revokedAt, qcs)
}
