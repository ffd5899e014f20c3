package testnet_test

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet"
)

// TestGovernanceAdmitsAndRemovesValidator: a fifth department's node joins,
// is admitted by proposal, signs blocks as a validator, and is removed again
// by proposal; every node agrees on the app hash throughout.
func TestGovernanceAdmitsAndRemovesValidator(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	base, err := testnet.FreeBasePort(1)
	if err != nil {
		t.Fatal(err)
	}
	idx, info, err := net.AddNode("MZJ", "民政局 Civil Affairs Bureau", base)
	if err != nil {
		t.Fatal(err)
	}
	if err := net.StartNode(idx); err != nil {
		t.Fatal(err)
	}
	s0, err := net.Client(0).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.Client(idx).WaitHeight(ctx, s0.Height); err != nil {
		t.Fatalf("new node did not sync: %v", err)
	}
	newKey, err := net.DeptKey(idx)
	if err != nil {
		t.Fatal(err)
	}
	bind, err := newKey.Sign(gov.AdmissionBinding(net.ChainID, "MZJ", info.ValidatorPubKey))
	if err != nil {
		t.Fatal(err)
	}
	signers := make([]*client.Signer, 4)
	for i := range signers {
		k, _ := net.DeptKey(i)
		if signers[i], err = client.NewSigner(ctx, net.Client(i), net.ChainID, k); err != nil {
			t.Fatal(err)
		}
	}
	run := func(kind string, action any, voters ...int) int64 {
		t.Helper()
		res, err := signers[0].Send(ctx, net.Client(0), gov.MsgPropose, gov.Propose{Kind: kind, Action: mustRaw(action), Reason: "integration test"}, "commit")
		if err != nil {
			t.Fatal(err)
		}
		id, _ := strconv.ParseUint(res.Data, 10, 64)
		var h int64
		for _, v := range voters {
			r, err := signers[v].Send(ctx, net.Client(v), gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}, "commit")
			if err != nil {
				t.Fatal(err)
			}
			h = r.Height
		}
		if _, err := net.Client(0).WaitHeight(ctx, h); err != nil {
			t.Fatal(err)
		}
		st, err := net.Client(0).State(ctx, string(gov.PropKey(id)), 0, false)
		if err != nil || !strings.Contains(string(st.Value), `"status":"passed"`) {
			t.Fatalf("proposal %d not passed: %s %v", id, st.Value, err)
		}
		return h
	}
	admittedAt := run(gov.KindAdmitDept, gov.AdmitDept{Code: "MZJ", Name: info.Name, AdminPublicKey: info.AdminPublicKey, ValidatorKey: info.ValidatorPubKey, Power: 10, Binding: bind}, 1, 2)
	// validator updates apply two blocks later; give it a few more (up to
	// +6, so that the commits of +3..+5 read below are canonical ones, not
	// the newest block's "seen" commit, which holds only the precommits
	// received by then)
	if err := net.WaitHeight(ctx, admittedAt+6); err != nil {
		t.Fatal(err)
	}
	for i := range net.Nodes {
		s, err := net.Client(i).Status(ctx)
		if err != nil || s.Validators != 5 {
			t.Fatalf("node %d: %d validators after admission (%v)", i, s.Validators, err)
		}
	}
	addr := strings.ToUpper(gov.ValidatorAddress(info.ValidatorPubKey))
	rpc, err := rpchttp.New("tcp://" + net.Nodes[0].RPC)
	if err != nil {
		t.Fatal(err)
	}
	signed := 0
	for h := admittedAt + 3; h <= admittedAt+5; h++ {
		c, err := rpc.Commit(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		for _, sig := range c.Commit.Signatures {
			if strings.ToUpper(hex.EncodeToString(sig.ValidatorAddress)) == addr && len(sig.Signature) > 0 {
				signed++
			}
		}
	}
	if signed == 0 {
		t.Fatalf("the admitted validator %s signed none of the commits after admission", addr)
	}
	// removal needs 2/3 of 5 active departments = 4 approvals
	removedAt := run(gov.KindRemoveDept, gov.DeptRef{Code: "MZJ"}, 1, 2, 3)
	if err := net.WaitHeight(ctx, removedAt+4); err != nil {
		t.Fatal(err)
	}
	for i := range net.Nodes {
		s, err := net.Client(i).Status(ctx)
		if err != nil || s.Validators != 4 {
			t.Fatalf("node %d: %d validators after removal (%v)", i, s.Validators, err)
		}
	}
	s, _ := net.Client(0).Status(ctx)
	agree(ctx, t, net, s.Height)
}

func mustRaw(v any) []byte {
	b, err := jsonMarshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
