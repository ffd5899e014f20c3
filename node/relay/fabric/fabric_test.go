package fabric_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/node/relay/fabric"
	"github.com/govchain/govchain/testnet/fabricnet"
)

// TestSDKGatewayOnFabric: fabric-sdk-go submits and queries the licence
// chaincode on the Fabric v2.1.1 test network, and the relayer source
// produces an attest transaction's committed block.
func TestSDKGatewayOnFabric(t *testing.T) {
	if _, err := fabricnet.Bin(); err != nil {
		t.Skipf("SKIPPING the Fabric relayer test: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	n, err := fabricnet.Start(ctx, t.TempDir())
	if n != nil {
		defer n.Stop()
	}
	if err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(t.TempDir(), "profile.yaml")
	org, err := n.ConnectionProfile(profile, "User1")
	if err != nil {
		t.Fatal(err)
	}
	gw, err := fabric.NewSDKGateway(profile, fabricnet.Channel, fabricnet.Chaincode, org, "User1")
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	hash := strings.Repeat("cd", 32)
	txID, payload, err := gw.Submit(ctx, "anchor", `{"hash":"`+hash+`","type":"BL","licence_no":"津BL-SDK-1","issue_date":"2026-01-01"}`)
	if err != nil {
		t.Fatalf("submit: %v\n%s", err, n.Logs())
	}
	t.Logf("anchored in %s: %s", txID, payload)
	src := &fabric.Source{Partner: "TJF", GW: gw}
	rec, err := src.Lookup(ctx, hash)
	if err != nil || rec == nil || rec.Issuer != fabricnet.PeerMSP || rec.Status != "valid" {
		t.Fatalf("lookup: %+v %v", rec, err)
	}
	list, err := src.List(ctx, "BL")
	if err != nil || len(list) != 1 || list[0] != hash {
		t.Fatalf("list: %v %v", list, err)
	}
	ev, rec2, err := src.Evidence(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	if rec2.Hash != hash || ev.Fabric == nil || len(ev.Fabric.Block) == 0 {
		t.Fatalf("evidence: %+v %+v", ev, rec2)
	}
	b, _ := json.Marshal(ev)
	t.Logf("evidence: %d bytes of JSON, tx index %d", len(b), ev.Fabric.TxIndex)
}
