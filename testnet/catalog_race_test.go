package testnet_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
)

// TestCatalogClaimRaceLoserGetsItsCode: two departments claim the same new
// data item at once, each through its own node, waiting for the commit.
// One wins; the other's client gets catalog/5 naming the owner — whether
// its tx failed CheckTx (the winner's tx had reached its node) or passed it
// and was evicted on recheck after the winner's block — never a mempool
// timeout.
func TestCatalogClaimRaceLoserGetsItsCode(t *testing.T) {
	net := startNet(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	signers := make([]*client.Signer, 2)
	for i := range signers {
		k, err := net.DeptKey(i)
		if err != nil {
			t.Fatal(err)
		}
		if signers[i], err = client.NewSigner(ctx, net.Client(i), net.ChainID, k); err != nil {
			t.Fatal(err)
		}
	}
	raws := make([][]byte, 2)
	for i, s := range signers {
		dept := net.Nodes[i].Dept
		duty := catalog.DutyMsg{Code: dept + "-ZZ-01", Name: "登记", LegalBasis: "《机构职能规定》"}
		if _, err := s.Send(ctx, net.Client(i), catalog.MsgDuty, duty, "commit"); err != nil {
			t.Fatal(err)
		}
		res := catalog.ResourceMsg{Code: "110108-" + dept + "-0001", Name: "登记信息", Duties: []string{duty.Code}, Category: "departmental",
			Sharing: catalog.Unconditional, Open: catalog.NotShared, OpenBasis: "涉及商业秘密", UpdateCycle: "daily", Format: "database",
			Items: []catalog.Item{{Key: "企业.竞争数据项", Name: "竞争数据项", Type: "string", Length: 18, Source: true}}}
		var err error
		if raws[i], err = s.Build(catalog.MsgResource, res); err != nil {
			t.Fatal(err)
		}
	}
	results := make([]*node.SubmitResult, 2)
	errs := make([]error, 2)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range raws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = net.Client(i).Submit(ctx, raws[i], "commit")
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", net.Nodes[i].Dept, err)
		}
	}
	won := -1
	for i, r := range results {
		if r.Code == 0 {
			if won >= 0 {
				t.Fatal("both claims of the item committed")
			}
			won = i
		}
	}
	if won < 0 {
		t.Fatalf("no claim committed: %+v %+v", results[0], results[1])
	}
	lost := results[1-won]
	owner := net.Nodes[won].Dept
	if lost.Codespace != catalog.Name || lost.Code != catalog.ErrItemOwned.Code || !strings.Contains(lost.Log, owner) {
		t.Fatalf("the loser (%s) got %s/%d %q, want catalog/%d naming %s", net.Nodes[1-won].Dept, lost.Codespace, lost.Code, lost.Log, catalog.ErrItemOwned.Code, owner)
	}
	t.Logf("winner %s; loser told: %s", owner, lost.Log)
}
