package cmtblock_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/proof/bundle/bundletest"
	"github.com/govchain/govchain/chain/proof/bundle/cmtblock"
)

// TestRoundTrip: a CometBFT light block in the wire form decodes to the
// verifier's light block with the same hashes and re-encodes to the same
// bytes, whichever validators signed.
func TestRoundTrip(t *testing.T) {
	var vals []bundletest.Val
	for i := 0; i < 5; i++ {
		vals = append(vals, bundletest.Val{Key: ed25519.GenPrivKey(), Power: int64(10 + i%2)})
	}
	t0 := time.Date(2026, 11, 25, 3, 0, 0, 123456789, time.UTC)
	for _, signers := range [][]int{nil, {0, 1, 2, 3}, {1, 3, 4}, {}} {
		lb := bundletest.Make(bundletest.Block{ChainID: "rt", Height: 7, Time: t0, AppHash: []byte{1, 2, 3}, Vals: vals, Signers: signers})
		raw, err := cmtblock.Encode(lb)
		if err != nil {
			t.Fatal(err)
		}
		l, err := bundle.DecodeBlock(raw)
		if err != nil {
			t.Fatal(err)
		}
		again, err := bundle.EncodeBlock(l)
		if err != nil || !bytes.Equal(again, raw) {
			t.Fatalf("signers %v: re-encoding differs (%v)", signers, err)
		}
		if !bytes.Equal(l.Hash(), lb.Hash()) || !bytes.Equal(l.ValidatorSet.Hash(), lb.ValidatorSet.Hash()) || !l.Time.Equal(lb.Time) {
			t.Fatalf("signers %v: hashes differ", signers)
		}
		for i, v := range lb.ValidatorSet.Validators {
			if !bytes.Equal(v.Address, l.ValidatorSet.Validators[i].Address) {
				t.Fatalf("signers %v: validator %d differs", signers, i)
			}
		}
	}
}

// TestIncomplete: a signed header without its commit or its header is
// refused at decoding, as a header problem.
func TestIncomplete(t *testing.T) {
	vals := []bundletest.Val{{Key: ed25519.GenPrivKey(), Power: 1}}
	lb := bundletest.Make(bundletest.Block{ChainID: "rt", Height: 7, Time: time.Now(), AppHash: []byte{1}, Vals: vals})
	for name, sh := range map[string]*types.SignedHeader{
		"no commit": {Header: lb.Header},
		"no header": {Commit: lb.Commit},
	} {
		raw, err := cmtblock.Encode(&types.LightBlock{SignedHeader: sh, ValidatorSet: lb.ValidatorSet})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bundle.DecodeBlock(raw); bundle.StepOf(err) != bundle.StepHeader {
			t.Fatalf("%s: %v, want step %s", name, err, bundle.StepHeader)
		}
	}
}
