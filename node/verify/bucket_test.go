package verify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/proof/bundle/bundletest"
	"github.com/govchain/govchain/chain/proof/bundle/cmtblock"
	"github.com/govchain/govchain/chain/proof/lightblock"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/node/verify"
)

// TestPrivateLookup: the bucket of a hash prefix proves every record in
// it; the client finds its own, or proves it absent; a bucket with a proof
// removed, or for another prefix, is rejected.
func TestPrivateLookup(t *testing.T) {
	cc := newCertChain(t)
	bld := verify.NewBuilder(cc.src)
	ctx := context.Background()
	unknown := smcrypto.SM3Hex([]byte("never anchored"))
	for _, tc := range []struct {
		name, hash string
		digits     int
		want       string
	}{
		{"revoked, 16 bits", cc.revoked, 4, bundle.Revoked},
		{"valid, 20 bits", cc.valid, 5, bundle.Valid},
		{"valid, 4 bits (a big bucket)", cc.valid, 1, bundle.Valid},
		{"suspended member, 8 bits", cc.bf.Members[7].Hash, 2, bundle.Suspended},
		{"unknown, 16 bits", unknown, 4, bundle.Unknown},
		{"unknown, 4 bits", unknown, 1, bundle.Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := bld.Bucket(ctx, tc.hash[:tc.digits], verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := b.Encode()
			res, err := bundle.Verify(raw, cc.trust, bundle.Input{Hash: tc.hash, Now: cc.now()})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != tc.want || res.Private == nil || res.Private.Bits != 4*tc.digits {
				t.Fatalf("%s %+v", res.Verdict, res.Private)
			}
			t.Logf("%d records in bucket %s, %d proofs, %d bytes", res.Private.Records, b.Prefix, len(b.Bucket), len(raw))
			if len(b.Bucket) > 1 {
				wantStep(t, "proof removed", edit(t, raw, func(b *bundle.Bundle) { b.Bucket = b.Bucket[:len(b.Bucket)-1] }), cc.trust, bundle.Input{Hash: tc.hash, Now: cc.now()}, bundle.StepBucket)
				wantStep(t, "proof dropped in the middle", edit(t, raw, func(b *bundle.Bundle) { b.Bucket = append(b.Bucket[:0:0], b.Bucket[1:]...) }), cc.trust, bundle.Input{Hash: tc.hash, Now: cc.now()}, bundle.StepBucket)
			}
			if tc.digits > 1 {
				other := "0"
				if tc.hash[0] == '0' {
					other = "1"
				}
				wantStep(t, "another prefix", edit(t, raw, func(b *bundle.Bundle) { b.Prefix = other + b.Prefix[1:] }), cc.trust, bundle.Input{Hash: tc.hash, Now: cc.now()}, bundle.StepInput)
			}
		})
	}
	// many records: 300 more certificates, so a 4-bit bucket holds ~20
	op := cc.c.Officer(1)
	var many []string
	for i := 0; i < 300; i++ {
		h := smcrypto.SM3Hex([]byte(fmt.Sprint("many ", i)))
		many = append(many, h)
		cc.c.MustOK(cc.c.Tx(op, certificate.MsgAnchor, certificate.Anchor{Hash: h, Type: "BL", LicenceNo: fmt.Sprint("M-", i), HolderKind: "org",
			HolderRef: "91350100M000100Y43", IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2030-01-01"}))
	}
	cc.c.Block()
	cc.c.Block()
	now := chaintest.Genesis0.Add(time.Duration(cc.c.Height+2) * 24 * time.Hour)
	b, err := bld.Bucket(ctx, many[0][:1], verify.Options{NoSM2: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := b.Encode()
	res, err := bundle.Verify(raw, cc.trust, bundle.Input{Hash: many[0], Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != bundle.Valid || res.Private.Records < 10 {
		t.Fatalf("%s, %d records", res.Verdict, res.Private.Records)
	}
	t.Logf("4-bit bucket: %d records, %d bytes", res.Private.Records, len(raw))
	// every proof in the chain matters: drop any one
	for i := range b.Bucket {
		bad := edit(t, raw, func(b *bundle.Bundle) { b.Bucket = append(append(b.Bucket[:0:0], b.Bucket[:i]...), b.Bucket[i+1:]...) })
		if _, err := bundle.Verify(bad, cc.trust, bundle.Input{Hash: many[0], Now: now}); bundle.StepOf(err) != bundle.StepBucket {
			t.Fatalf("proof %d of %d dropped: %v", i, len(b.Bucket), err)
		}
	}
	// more than MaxBucket records under one prefix: refused, asking for a longer prefix
	if _, err := bld.Bucket(ctx, "", verify.Options{}); !errors.Is(err, verify.ErrBucketTooLarge) {
		t.Fatalf("305 records in one bucket: %v", err)
	}
}

// lbSource serves a synthetic header chain (no state) for bisection.
type lbSource struct{ blocks map[int64]*types.LightBlock }

func (s *lbSource) LatestHeight(context.Context) (int64, error) { return int64(len(s.blocks)), nil }
func (s *lbSource) Prove(context.Context, []byte, int64) ([]byte, error) {
	return nil, errors.New("no state")
}
func (s *lbSource) Get(context.Context, []byte, int64) ([]byte, error) { return nil, nil }
func (s *lbSource) LightBlock(_ context.Context, h int64) (*types.LightBlock, error) {
	return s.blocks[h], nil
}

// TestSequentialWhenValidatorsChanged: the validator set is replaced one
// validator every few heights; skipping from the old trust root to the
// last header fails (too few trusted signers), the builder finds
// intermediate headers by bisection, and the verifier accepts the chain.
func TestSequentialWhenValidatorsChanged(t *testing.T) {
	const chainID = "govchain-bisect"
	var vals []bundletest.Val
	for i := 0; i < 4; i++ {
		vals = append(vals, bundletest.Val{Key: ed25519.GenPrivKey(), Power: 10})
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	src := &lbSource{blocks: map[int64]*types.LightBlock{}}
	var last types.BlockID
	set := vals
	for h := int64(1); h <= 40; h++ {
		next := set
		if h%10 == 0 { // replace the oldest validator
			next = append(append([]bundletest.Val{}, set[1:]...), bundletest.Val{Key: ed25519.GenPrivKey(), Power: 10})
		}
		lb := bundletest.Make(bundletest.Block{ChainID: chainID, Height: h, Time: t0.Add(time.Duration(h) * time.Minute), AppHash: make([]byte, 32), Last: last, Vals: set, Next: next})
		src.blocks[h] = lb
		last = lb.Commit.BlockID
		set = next
	}
	root, err := cmtblock.NewTrustRoot(src.blocks[2], 24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	rootLB, _ := root.Check()
	target := src.blocks[40]
	now := t0.Add(2 * time.Hour)
	err = bundle.VerifyChain(chainID, rootLB, 24*time.Hour, nil, bundletest.Light(target), now)
	if bundle.StepOf(err) != bundle.StepTrust || !bundle.NotEnoughTrust(err) {
		t.Fatalf("skipping over a replaced validator set: %v", err)
	}
	t.Logf("direct skip refused: %v", err)
	via, err := verify.NewBuilder(src).Via(context.Background(), 2, target)
	if err != nil {
		t.Fatal(err)
	}
	if len(via) == 0 {
		t.Fatal("no intermediate headers found")
	}
	var hs []string
	for _, v := range via {
		hs = append(hs, itoa(int(v.Height)))
	}
	t.Logf("intermediate headers: %s", strings.Join(hs, " "))
	var lvia []*lightblock.LightBlock
	for _, v := range via {
		lvia = append(lvia, bundletest.Light(v))
	}
	if err := bundle.VerifyChain(chainID, rootLB, 24*time.Hour, lvia, bundletest.Light(target), now); err != nil {
		t.Fatal(err)
	}
	// the trust root's validators signing the newest header alone is not
	// enough: drop one intermediate header and the chain breaks
	if len(via) > 1 {
		if err := bundle.VerifyChain(chainID, rootLB, 24*time.Hour, lvia[1:], bundletest.Light(target), now); err == nil {
			t.Fatal("chain with a missing intermediate header accepted")
		}
	}
}
