package node_test

import (
	"context"
	"testing"

	rpclocal "github.com/cometbft/cometbft/rpc/client/local"

	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
)

// BenchmarkEventPageCold reads every block of the shared one-node chain
// for one unfiltered page of events, with an empty block cache each time
// (a fresh API): the cost of a follower catching up from far back, per
// block read (block store and block results, decoded in process).
func BenchmarkEventPageCold(b *testing.B) {
	n, net := startOne(b)
	ctx := context.Background()
	if _, err := net.Client(0).WaitHeight(ctx, 40); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var blocks int64
	for i := 0; i < b.N; i++ {
		a := &node.API{App: n.App, RPC: rpclocal.New(n.Comet)}
		p, err := a.EventsAfter(ctx, client.Cursor{Index: -1}, client.EventFilter{}, 1000)
		if err != nil {
			b.Fatal(err)
		}
		blocks += min(p.Latest, 500)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(blocks), "ns/block")
}
