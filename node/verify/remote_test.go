package verify_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/node/verify"
)

// TestRemoteReadsState: Remote reads values and proofs through the node
// API's typed client, the same bytes as the store itself gives, and
// refuses an answer at another height than asked.
func TestRemoteReadsState(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{})
	c.Block()
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	defer srv.Close()
	r := &verify.Remote{Node: client.New(srv.URL)}
	m := &memSource{c: c}
	ctx := context.Background()
	h := c.Height
	for _, key := range [][]byte{idtypes.DeptKey(c.Depts[0].Code), []byte("id/dept/NOSUCH")} {
		want, err := m.Prove(ctx, key, h)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Prove(ctx, key, h)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Prove(%s): %d bytes, %v; want the store's %d bytes", key, len(got), err, len(want))
		}
		wantV, _ := m.Get(ctx, key, h)
		gotV, err := r.Get(ctx, key, h)
		if err != nil || !bytes.Equal(gotV, wantV) {
			t.Errorf("Get(%s) = %q, %v; want %q", key, gotV, err, wantV)
		}
	}
	if _, err := r.Get(ctx, idtypes.DeptKey(c.Depts[0].Code), 0); err == nil {
		t.Errorf("an answer at height %d for height 0 was accepted", h)
	}
}
