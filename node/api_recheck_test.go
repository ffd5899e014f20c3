package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	cmttypes "github.com/cometbft/cometbft/types"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/node"
)

// mempoolRPC is CometBFT as broadcast_tx_commit sees it: the tx is
// checked into the mempool, then waits for a block that (on this node)
// never includes it; checked reports the CheckTx result.
type mempoolRPC struct {
	rpcclient.Client
	app     *chain.App
	checked chan uint32
}

func (m *mempoolRPC) BroadcastTxCommit(ctx context.Context, raw cmttypes.Tx) (*coretypes.ResultBroadcastTxCommit, error) {
	r, err := m.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: raw, Type: abci.CHECK_TX_TYPE_CHECK})
	if err != nil {
		return nil, err
	}
	m.checked <- r.Code
	if r.Code != 0 {
		return &coretypes.ResultBroadcastTxCommit{CheckTx: *r}, nil
	}
	<-ctx.Done()
	return nil, errors.New("timed out waiting for tx to be included in a block")
}

func (m *mempoolRPC) BroadcastTxSync(ctx context.Context, raw cmttypes.Tx) (*coretypes.ResultBroadcastTx, error) {
	r, err := m.app.CheckTx(ctx, &abci.CheckTxRequest{Tx: raw, Type: abci.CHECK_TX_TYPE_CHECK})
	if err != nil {
		return nil, err
	}
	return &coretypes.ResultBroadcastTx{Code: r.Code, Codespace: r.Codespace, Log: r.Log, Hash: raw.Hash()}, nil
}

func (m *mempoolRPC) Tx(context.Context, []byte, bool) (*coretypes.ResultTx, error) {
	return nil, errors.New("tx not found")
}

// TestRaceLoserGetsItsCode: RSJ's claim of a new data item passes CheckTx;
// SCJG's claim of the same item is committed first (it reached the
// proposer through another node); the recheck evicts RSJ's tx, and RSJ's
// client, waiting for the commit, is told catalog/5 naming the owner at
// once instead of timing out.
func TestRaceLoserGetsItsCode(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{catalog.Module{}}})
	rpc := &mempoolRPC{app: c.App, checked: make(chan uint32, 1)}
	srv := httptest.NewServer((&node.API{App: c.App, RPC: rpc, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)

	scjg, rsj := c.Officer(1), c.Officer(2)
	c.MustOK(c.Tx(scjg, catalog.MsgDuty, catalog.DutyMsg{Code: "SCJG-ZZ-01", Name: "市场主体登记注册", LegalBasis: "《机构职能规定》"}))
	c.MustOK(c.Tx(rsj, catalog.MsgDuty, catalog.DutyMsg{Code: "RSJ-ZZ-01", Name: "社会保险登记", LegalBasis: "《机构职能规定》"}))
	claim := func(code, duty string) catalog.ResourceMsg {
		return catalog.ResourceMsg{Code: code, Name: "资源" + code, Duties: []string{duty}, Category: "departmental",
			Sharing: catalog.Unconditional, Open: catalog.NotShared, OpenBasis: "涉及商业秘密", UpdateCycle: "daily", Format: "database",
			Items: []catalog.Item{{Key: "企业.统一社会信用代码", Name: "统一社会信用代码", Type: "string", Length: 18, Source: true}}}
	}
	winner := c.Tx(scjg, catalog.MsgResource, claim("110108-SCJG-0001", "SCJG-ZZ-01"))
	loser := c.Tx(rsj, catalog.MsgResource, claim("110108-RSJ-0001", "RSJ-ZZ-01"))

	type answer struct {
		status int
		res    node.SubmitResult
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		body, _ := json.Marshal(node.SubmitRequest{Tx: loser})
		r, err := http.Post(srv.URL+"/v1/txs?wait=commit", "application/json", bytes.NewReader(body))
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer r.Body.Close()
		var a answer
		a.status, a.err = r.StatusCode, json.NewDecoder(r.Body).Decode(&a.res)
		got <- a
	}()
	if code := <-rpc.checked; code != 0 {
		t.Fatalf("the loser's CheckTx failed (%d): no race to test", code)
	}
	c.MustOK(winner)
	// The mempool rechecks what it holds against the new state.
	re, err := c.App.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: loser, Type: abci.CHECK_TX_TYPE_RECHECK})
	if err != nil || re.Code != catalog.ErrItemOwned.Code {
		t.Fatalf("recheck: %+v %v", re, err)
	}
	a := <-got
	if a.err != nil {
		t.Fatal(a.err)
	}
	if a.status != http.StatusUnprocessableEntity || a.res.Codespace != catalog.Name || a.res.Code != catalog.ErrItemOwned.Code ||
		!strings.Contains(a.res.Log, "SCJG") || !strings.Contains(a.res.Log, "110108-SCJG-0001") || a.res.Hash != tx.HashHex(loser) {
		t.Fatalf("loser's client got HTTP %d %+v, want catalog/%d naming SCJG's resource", a.status, a.res, catalog.ErrItemOwned.Code)
	}
	// Asking for the tx afterwards tells the same.
	var e node.Error
	if st := getJSON(t, srv.URL+"/v1/txs/"+tx.HashHex(loser), &e); st != 404 || e.Codespace != catalog.Name || e.Code != catalog.ErrItemOwned.Code {
		t.Fatalf("GET the evicted tx: HTTP %d %+v", st, e)
	}
}
