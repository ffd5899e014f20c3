package verify_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math/rand"
	"sort"
	"strconv"
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
	"github.com/govchain/govchain/node/verify"
)

// sweep flips bytes of raw (every byte, or a random sample of n) and
// requires each altered bundle to be rejected; it returns how many
// rejections each step made.
func sweep(t *testing.T, raw []byte, trust *bundle.TrustRoot, in bundle.Input, n int) map[string]int {
	t.Helper()
	idx := make([]int, len(raw))
	for i := range idx {
		idx[i] = i
	}
	if n > 0 && n < len(raw) {
		rand.New(rand.NewSource(7)).Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:n]
	}
	steps := map[string]int{}
	for k, i := range idx {
		bad := bytes.Clone(raw)
		bad[i] ^= byte(1 << (k % 8)) // a different bit each time
		res, err := bundle.Verify(bad, trust, in)
		if err == nil {
			t.Fatalf("flipping bit %d of byte %d (%q in %q) was accepted: %s", k%8, i, raw[i], raw[max(0, i-40):min(len(raw), i+40)], res.Verdict)
		}
		var be *bundle.Error
		if !errorsAs(err, &be) {
			t.Fatalf("byte %d: untyped error %v", i, err)
		}
		steps[be.Step]++
	}
	return steps
}

func errorsAs(err error, be **bundle.Error) bool {
	e, ok := err.(*bundle.Error)
	if ok {
		*be = e
	}
	return ok
}

// TestBundleTamperSweep flips every byte of a compact bundle and a random
// sample of a full one (SM2 part, department records, batch path): every
// change is rejected, with the step that caught it.
func TestBundleTamperSweep(t *testing.T) {
	cc := newCertChain(t)
	h := cc.bf.Members[42].Hash
	for _, tc := range []struct {
		name   string
		hash   string
		o      verify.Options
		sample int
	}{
		{"compact, every byte", cc.revoked, verify.Options{NoSM2: true, NoDepts: true}, 0},
		{"full batch member, every byte", h, verify.Options{BatchRoot: cc.bf.Root, Member: cc.member(42)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := cc.build(t, tc.hash, tc.o)
			in := bundle.Input{Hash: tc.hash, Now: cc.now()}
			if _, err := bundle.Verify(raw, cc.trust, in); err != nil {
				t.Fatal(err)
			}
			steps := sweep(t, raw, cc.trust, in, tc.sample)
			var keys []string
			for k, v := range steps {
				keys = append(keys, k+"="+itoa(v))
			}
			sort.Strings(keys)
			t.Logf("%d-byte bundle, rejections by step: %s", len(raw), strings.Join(keys, " "))
			for _, want := range []string{bundle.StepDecode, bundle.StepHeader, bundle.StepCommit} {
				if steps[want] == 0 {
					t.Errorf("no rejection at step %s", want)
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// edit decodes a bundle, lets f change it, and re-encodes it canonically
// (the tampering a forger would do: a well-formed bundle with other contents).
func edit(t *testing.T, raw []byte, f func(b *bundle.Bundle)) []byte {
	t.Helper()
	b, err := bundle.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	f(b)
	out, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantStep(t *testing.T, name string, raw []byte, trust *bundle.TrustRoot, in bundle.Input, step string) {
	t.Helper()
	_, err := bundle.Verify(raw, trust, in)
	if got := bundle.StepOf(err); got != step {
		t.Fatalf("%s: step %q (%v), want %q", name, got, err, step)
	}
	t.Logf("%s: rejected: %v", name, err)
}

// TestBundleForgeries: well-formed bundles with altered contents — a
// tampered header, a tampered proof, another validator set, a header
// signed by other keys, a stale trust root, another chain's trust root.
func TestBundleForgeries(t *testing.T) {
	cc := newCertChain(t)
	raw := cc.build(t, cc.revoked, verify.Options{})
	in := bundle.Input{Hash: cc.revoked, Now: cc.now()}
	lb, err := bundle.DecodeBlock(mustDecode(t, raw).Block)
	if err != nil {
		t.Fatal(err)
	}
	reblock := func(f func(lb *lightblock.LightBlock)) []byte {
		return edit(t, raw, func(b *bundle.Bundle) {
			l, _ := bundle.DecodeBlock(b.Block)
			f(l)
			b.Block, err = bundle.EncodeBlock(l)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	// the header claims another app hash (one where the record is valid)
	wantStep(t, "tampered header", reblock(func(l *lightblock.LightBlock) { l.AppHash = bytes.Repeat([]byte{7}, 32) }), cc.trust, in, bundle.StepHeader)
	// ... and the commit is made to name the new header hash: signatures fail
	wantStep(t, "tampered header, commit re-pointed", reblock(func(l *lightblock.LightBlock) {
		l.AppHash = bytes.Repeat([]byte{7}, 32)
		l.Commit.BlockID.Hash = l.Header.Hash()
	}), cc.trust, in, bundle.StepCommit)
	// the record proof is edited: "revoked" becomes "valid"
	wantStep(t, "tampered proof", edit(t, raw, func(b *bundle.Bundle) {
		b.Record = bytes.Replace(b.Record, []byte(`"status":"revoked"`), []byte(`"status":"valid"  `), 1)
	}), cc.trust, in, bundle.StepRecord)
	// the proof of another certificate's record
	other := mustDecode(t, cc.build(t, cc.valid, verify.Options{}))
	wantStep(t, "another record's proof", edit(t, raw, func(b *bundle.Bundle) { b.Record = other.Record }), cc.trust, in, bundle.StepRecord)
	// a proof from another height (another root)
	old := mustDecode(t, cc.build(t, cc.revoked, verify.Options{Height: cc.hExpiring}))
	wantStep(t, "proof from another height", edit(t, raw, func(b *bundle.Bundle) { b.Record = old.Record }), cc.trust, in, bundle.StepRecord)
	// the validator set is swapped for another
	fake := bundletest.LightSet([]bundletest.Val{{Key: ed25519.GenPrivKey(), Power: 10}, {Key: ed25519.GenPrivKey(), Power: 10}})
	wantStep(t, "wrong validator set", reblock(func(l *lightblock.LightBlock) { l.ValidatorSet = fake }), cc.trust, in, bundle.StepValidators)
	// a complete forgery: a header with the forger's app hash, signed by
	// the forger's own validators (and naming them)
	var fv []bundletest.Val
	for i := 0; i < 4; i++ {
		fv = append(fv, bundletest.Val{Key: ed25519.GenPrivKey(), Power: 10})
	}
	forged := bundletest.Make(bundletest.Block{ChainID: chaintest.ChainID, Height: lb.Height, Time: lb.Time, AppHash: lb.AppHash, Last: cmtBlockID(lb.LastBlockID), Vals: fv})
	fraw, _ := cmtblock.Encode(forged)
	wantStep(t, "header signed by other validators", edit(t, raw, func(b *bundle.Bundle) { b.Block = fraw }), cc.trust, in, bundle.StepTrust)
	// only 2 of 4 validators signed (not more than 2/3)
	var vals []bundletest.Val
	for _, d := range cc.c.Depts {
		vals = append(vals, bundletest.Val{Key: d.Val, Power: 10})
	}
	weak := bundletest.Make(bundletest.Block{ChainID: chaintest.ChainID, Height: lb.Height, Time: lb.Time, AppHash: lb.AppHash, Last: cmtBlockID(lb.LastBlockID), Vals: vals, Signers: []int{0, 1}})
	wraw, _ := cmtblock.Encode(weak)
	wantStep(t, "2 of 4 signatures", edit(t, raw, func(b *bundle.Bundle) { b.Block = wraw }), cc.trust, in, bundle.StepCommit)
	// a stale trust root: past its trusting period
	wantStep(t, "stale trust root", raw, cc.trust, bundle.Input{Hash: cc.revoked, Now: cc.now().Add(400 * 24 * time.Hour)}, bundle.StepTrust)
	// a trust root above the bundle's header
	top, _ := cc.src.LightBlock(context.Background(), lb.Height+1)
	high, _ := cmtblock.NewTrustRoot(top, 365*24*time.Hour, nil)
	wantStep(t, "trust root above the header", raw, high, in, bundle.StepTrust)
	// a trust root whose hash does not match its block
	bad := *cc.trust
	bad.Hash = strings.Repeat("AB", 32)
	wantStep(t, "trust root with a wrong hash", raw, &bad, in, bundle.StepTrust)
	// a trust root of a chain with other validators entirely
	alien := bundletest.Make(bundletest.Block{ChainID: chaintest.ChainID, Height: 2, Time: chaintest.Genesis0.Add(48 * time.Hour), AppHash: make([]byte, 32), Vals: fv})
	ar, _ := cmtblock.NewTrustRoot(alien, 365*24*time.Hour, nil)
	wantStep(t, "trust root of other validators", raw, ar, in, bundle.StepTrust)
	// the file is another one
	wantStep(t, "another file", raw, cc.trust, bundle.Input{Hash: smcrypto.SM3Hex([]byte("x")), Now: cc.now()}, bundle.StepInput)
	// the SM2 QC: a signature is altered, or a key proof dropped
	wantStep(t, "SM2 signature altered", edit(t, raw, func(b *bundle.Bundle) {
		b.SM2 = &bundle.SM2{QC: bytes.Clone(b.SM2.QC), Keys: b.SM2.Keys, Time: b.SM2.Time}
		i := bytes.Index(b.SM2.QC, []byte(`"sig":"`)) + 10
		b.SM2.QC[i] ^= 1
	}), cc.trust, in, bundle.StepQC)
	wantStep(t, "SM2 key proof missing", edit(t, raw, func(b *bundle.Bundle) { b.SM2 = &bundle.SM2{QC: b.SM2.QC, Keys: b.SM2.Keys[1:], Time: b.SM2.Time} }), cc.trust, in, bundle.StepQC)
	// the block time the keys are judged at: missing, or another key's proof
	wantStep(t, "SM2 block time proof missing", edit(t, raw, func(b *bundle.Bundle) { b.SM2 = &bundle.SM2{QC: b.SM2.QC, Keys: b.SM2.Keys} }), cc.trust, in, bundle.StepKeys)
	wantStep(t, "SM2 block time proof of another key", edit(t, raw, func(b *bundle.Bundle) { b.SM2 = &bundle.SM2{QC: b.SM2.QC, Keys: b.SM2.Keys, Time: b.SM2.Keys[0]} }), cc.trust, in, bundle.StepKeys)
	wantStep(t, "department proof missing", edit(t, raw, func(b *bundle.Bundle) { b.Depts = b.Depts[:1] }), cc.trust, in, bundle.StepQC)
	// reformatted bundles: re-encoded base64 is caught as an alteration
	wantStep(t, "non-canonical base64", bytes.Replace(raw, []byte(base64.StdEncoding.EncodeToString(mustDecode(t, raw).Block)),
		[]byte(base64.RawStdEncoding.EncodeToString(mustDecode(t, raw).Block)), 1), cc.trust, in, bundle.StepDecode)
	var pretty bytes.Buffer
	json.Indent(&pretty, raw, "", "  ")
	if _, err := bundle.Verify(pretty.Bytes(), cc.trust, in); err != nil {
		t.Fatalf("indented bundle rejected: %v", err)
	}
}

func mustDecode(t *testing.T, raw []byte) *bundle.Bundle {
	t.Helper()
	b, err := bundle.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cmtBlockID is id as CometBFT's type, to sign forged headers after it.
func cmtBlockID(id lightblock.BlockID) types.BlockID {
	return types.BlockID{Hash: id.Hash, PartSetHeader: types.PartSetHeader{Total: id.PartSetHeader.Total, Hash: id.PartSetHeader.Hash}}
}
