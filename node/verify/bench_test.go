package verify_test

import (
	"context"
	"testing"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/node/verify"
)

// BenchmarkVerifyOffline is the time to verify one bundle with no network
// (what `govchain verify --bundle` and the browser do after fetching).
func BenchmarkVerifyOffline(b *testing.B) {
	cc := newCertChain(b)
	for _, tc := range []struct {
		name string
		o    verify.Options
		hash string
	}{
		{"full", verify.Options{}, cc.revoked},
		{"compact", verify.Options{NoSM2: true, NoDepts: true}, cc.revoked},
		{"batch-member", verify.Options{BatchRoot: cc.bf.Root, Member: cc.member(42)}, cc.bf.Members[42].Hash},
	} {
		bd, err := verify.NewBuilder(cc.src).Certificate(context.Background(), tc.hash, tc.o)
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := bd.Encode()
		in := bundle.Input{Hash: tc.hash, Now: cc.now()}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportMetric(float64(len(raw)), "bytes")
			for i := 0; i < b.N; i++ {
				if _, err := bundle.Verify(raw, cc.trust, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuildBundle is the node's work per bundle once the height's
// shared parts (header, commit, validators, QC, key proofs) are cached:
// one ICS23 proof and the encoding.
func BenchmarkBuildBundle(b *testing.B) {
	cc := newCertChain(b)
	bld := verify.NewBuilder(cc.src)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bd, err := bld.Certificate(ctx, cc.valid, verify.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bd.Encode(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
