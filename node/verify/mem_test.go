package verify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain/attest"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/proof/bundle/bundletest"
	"github.com/govchain/govchain/chain/proof/bundle/cmtblock"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/node/verify"
)

// memSource serves an in-memory chain's state with headers signed by the
// chain's own validator keys: header h commits the state root of version
// h-1 and is one day after header h-1. The QC of header h is signed by
// the departments' admin keys over that header's hash.
type memSource struct {
	c      *chaintest.Chain
	mu     sync.Mutex
	blocks map[int64]*types.LightBlock
	// attest lists the departments (indexes) that sign QCs; nil = all.
	attest []int
}

func (m *memSource) vals() []bundletest.Val {
	var out []bundletest.Val
	for _, d := range m.c.Depts {
		out = append(out, bundletest.Val{Key: d.Val, Power: 10})
	}
	return out
}

func (m *memSource) LatestHeight(context.Context) (int64, error) { return m.c.Height, nil }

func (m *memSource) Prove(_ context.Context, key []byte, h int64) ([]byte, error) {
	v, err := m.c.Store.At(h)
	if err != nil {
		return nil, err
	}
	_, ops, err := v.Prove(key)
	return ops, err
}

func (m *memSource) Get(_ context.Context, key []byte, h int64) ([]byte, error) {
	if strings.HasPrefix(string(key), "attest/qc/") {
		var qh int64
		fmt.Sscanf(string(key), "attest/qc/%d", &qh)
		lb, _ := m.LightBlock(context.Background(), qh)
		q := &attest.QC{ChainID: chaintest.ChainID, Height: qh, BlockHash: lb.Hash(), TotalPower: int64(10 * len(m.c.Depts))}
		by := m.attest
		if by == nil {
			by = []int{0, 1, 2, 3}
		}
		for _, i := range by {
			d := m.c.Depts[i]
			sig, err := d.Admin.Sign(attest.SignBytes(chaintest.ChainID, qh, lb.Hash()))
			if err != nil {
				return nil, err
			}
			q.Attestations = append(q.Attestations, attest.Attestation{Validator: attest.AddressHex(d.Val.PubKey().Address()), Power: 10,
				Dept: d.Code, KeyID: d.Admin.PublicKey().ID(), Sig: sig})
		}
		q.Sort()
		return json.Marshal(q)
	}
	v, err := m.c.Store.At(h)
	if err != nil {
		return nil, err
	}
	return v.Get(key)
}

func (m *memSource) LightBlock(_ context.Context, h int64) (*types.LightBlock, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.block(h)
}

func (m *memSource) block(h int64) (*types.LightBlock, error) {
	if lb := m.blocks[h]; lb != nil {
		return lb, nil
	}
	if h > m.c.Height+1 || h < 1 {
		return nil, fmt.Errorf("no header %d", h)
	}
	var last types.BlockID
	if h > 1 {
		prev, err := m.block(h - 1)
		if err != nil {
			return nil, err
		}
		last = prev.Commit.BlockID
	}
	app := make([]byte, 32)
	if h > 1 {
		v, err := m.c.Store.At(h - 1)
		if err != nil {
			return nil, err
		}
		app = v.Hash()
	}
	lb := bundletest.Make(bundletest.Block{ChainID: chaintest.ChainID, Height: h, Time: chaintest.Genesis0.Add(time.Duration(h) * 24 * time.Hour),
		AppHash: app, Last: last, Vals: m.vals()})
	if m.blocks == nil {
		m.blocks = map[int64]*types.LightBlock{}
	}
	m.blocks[h] = lb
	return lb, nil
}

// certChain is a chain with: a valid certificate, a revoked one, an
// expiring one, a batch of 100 with member 7 suspended.
type certChain struct {
	c                        *chaintest.Chain
	src                      *memSource
	valid, revoked, expiring string
	hExpiring                int64
	bf                       *certificate.BatchFile
	trust                    *bundle.TrustRoot
}

func newCertChain(t testing.TB) *certChain {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{certificate.Module{}}, Grants: map[string][]string{"SCJG": {"issuer:BL"}}})
	op := c.Officer(1)
	c.MustOK(c.Tx(c.Depts[1].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照", MaxValidityDays: 1825}))
	anchor := func(name, until string) string {
		h := smcrypto.SM3Hex([]byte(name))
		c.MustOK(c.Tx(op, certificate.MsgAnchor, certificate.Anchor{Hash: h, Type: "BL", LicenceNo: "BL-" + name, HolderKind: "org",
			HolderRef: "91350100M000100Y43", IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: until}))
		return h
	}
	cc := &certChain{c: c}
	cc.valid = anchor("valid", "2030-12-31")
	cc.revoked = anchor("revoked", "2030-12-31")
	// headers are a day apart: valid at the anchoring height, expired two
	// headers later
	cc.expiring = anchor("expiring", chaintest.Genesis0.Add(time.Duration(c.Height+2)*24*time.Hour).Format("2006-01-02"))
	cc.hExpiring = c.Height
	var hashes []string
	for i := 0; i < 100; i++ {
		hashes = append(hashes, smcrypto.SM3Hex([]byte(fmt.Sprint("member ", i))))
	}
	bf, err := certificate.NewBatchFile(hashes, nil)
	if err != nil {
		t.Fatal(err)
	}
	cc.bf = bf
	c.MustOK(c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: bf.Root, Count: bf.Count, IssueDate: "2026-01-01"}))
	c.MustOK(c.Tx(op, certificate.MsgSuspend, certificate.StatusChange{Hash: hashes[7], Reason: "02", Batch: bf.Membership(&bf.Members[7])}))
	c.MustOK(c.Tx(op, certificate.MsgRevoke, certificate.StatusChange{Hash: cc.revoked, Reason: "04"}))
	for i := 0; i < 3; i++ {
		c.Block()
	}
	cc.src = &memSource{c: c}
	lb, err := cc.src.LightBlock(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if cc.trust, err = cmtblock.NewTrustRoot(lb, 365*24*time.Hour, []string{"test"}); err != nil {
		t.Fatal(err)
	}
	return cc
}

// now is a clock for the in-memory chain's headers (a day apart).
func (cc *certChain) now() time.Time {
	return chaintest.Genesis0.Add(time.Duration(cc.c.Height+2) * 24 * time.Hour)
}

func (cc *certChain) member(i int) *bundle.Member {
	m := cc.bf.Members[i]
	return &bundle.Member{Root: cc.bf.Root, Index: m.Index, Path: m.Path}
}

func (cc *certChain) build(t testing.TB, hash string, o verify.Options) []byte {
	t.Helper()
	b, err := verify.NewBuilder(cc.src).Certificate(context.Background(), hash, o)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestBundleVerdicts(t *testing.T) {
	cc := newCertChain(t)
	unknown := smcrypto.SM3Hex([]byte("a file nobody anchored"))
	for _, tc := range []struct {
		name, hash string
		o          verify.Options
		member     *bundle.Member
		want       string
	}{
		{"valid", cc.valid, verify.Options{}, nil, bundle.Valid},
		{"revoked", cc.revoked, verify.Options{}, nil, bundle.Revoked},
		{"expired", cc.expiring, verify.Options{}, nil, bundle.Expired},
		{"valid before expiry", cc.expiring, verify.Options{Height: cc.hExpiring}, nil, bundle.Valid},
		{"suspended member", cc.bf.Members[7].Hash, verify.Options{}, nil, bundle.Suspended},
		{"member with path in the bundle", cc.bf.Members[42].Hash, verify.Options{BatchRoot: cc.bf.Root, Member: cc.member(42)}, nil, bundle.Valid},
		{"member with path from the holder", cc.bf.Members[42].Hash, verify.Options{BatchRoot: cc.bf.Root}, cc.member(42), bundle.Valid},
		{"member without path", cc.bf.Members[42].Hash, verify.Options{BatchRoot: cc.bf.Root}, nil, bundle.Unknown},
		{"unknown", unknown, verify.Options{}, nil, bundle.Unknown},
		{"compact", cc.valid, verify.Options{NoSM2: true, NoDepts: true}, nil, bundle.Valid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := cc.build(t, tc.hash, tc.o)
			res, err := bundle.Verify(raw, cc.trust, bundle.Input{Hash: tc.hash, Member: tc.member, Now: cc.now()})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s: %s\n%s", res.Verdict, tc.want, res.Note, strings.Join(res.Checks, "\n"))
			}
			if res.Header.Signed != 4 || res.Header.Validators != 4 {
				t.Fatalf("header: %+v", res.Header)
			}
			if tc.o.NoSM2 {
				if res.SM2 != nil || res.Certificate.IssuerName != "" {
					t.Fatalf("compact bundle has SM2 or names: %+v", res)
				}
			} else if res.SM2 == nil || len(res.SM2.Depts) != 4 {
				t.Fatalf("SM2: %+v", res.SM2)
			}
			if res.Certificate != nil && tc.o.NoDepts == false && res.Certificate.IssuerName != "SCJG department" {
				t.Fatalf("issuer name %q", res.Certificate.IssuerName)
			}
			t.Logf("%s: %d bytes; %s", tc.name, len(raw), strings.Join(res.Checks, "; "))
		})
	}
	res, err := bundle.Verify(cc.build(t, cc.revoked, verify.Options{}), cc.trust, bundle.Input{Hash: cc.revoked, Now: cc.now()})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Certificate; c.Reason != "04" || c.ReasonChinese != "依法撤销/吊销" || c.ChangedHeight == 0 || c.Issuer != "SCJG" || c.Type != "BL" {
		t.Fatalf("revoked: %+v", c)
	}
}

// TestStaleBundles: a full bundle of the revoked certificate from before
// its revocation verifies (VALID as of then), and the freshness rule
// makes it STALE both by its header's age and by the chain's latest
// height; the current bundle is REVOKED and fresh. Moving the old
// header's time forward to look fresh breaks its signatures.
func TestStaleBundles(t *testing.T) {
	cc := newCertChain(t)
	ctx := context.Background()
	var before int64 // the last state in which the revoked certificate was valid
	for h := cc.c.Height - bundle.BundleLag; h > 2 && before == 0; h-- {
		raw := cc.build(t, cc.revoked, verify.Options{Height: h})
		res, err := bundle.Verify(raw, cc.trust, bundle.Input{Hash: cc.revoked, Now: cc.now()})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict == bundle.Valid {
			before = h
		}
	}
	if before == 0 {
		t.Fatal("no state with the certificate valid")
	}
	latest, _ := cc.src.LatestHeight(ctx)
	// the verifier's clock: just after the newest header (headers are a day apart)
	lb, _ := cc.src.LightBlock(ctx, latest-1)
	now := lb.Time.Add(time.Minute)
	online := bundle.Policy{MaxAge: bundle.DefaultMaxAge, Latest: latest, MinHeight: latest - bundle.BundleLag}

	old := cc.build(t, cc.revoked, verify.Options{Height: before})
	for _, tc := range []struct {
		name   string
		p      bundle.Policy
		reason string
	}{
		{"online", online, "is below"},
		{"age only", bundle.Policy{MaxAge: bundle.DefaultMaxAge}, "maximum age"},
		{"latest height only", bundle.Policy{MinHeight: online.MinHeight, Latest: latest}, "is below"},
	} {
		res, err := bundle.Verify(old, cc.trust, bundle.Input{Hash: cc.revoked, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Judge(now, tc.p); err != nil {
			t.Fatal(err)
		}
		if res.Verdict != bundle.Stale || res.Proven != bundle.Valid || !strings.Contains(res.Freshness.Reason, tc.reason) {
			t.Fatalf("%s: %s (proven %s) %+v", tc.name, res.Verdict, res.Proven, res.Freshness)
		}
	}
	// offline with no bound: what the bundle says, as of its time
	res, err := bundle.Verify(old, cc.trust, bundle.Input{Hash: cc.revoked, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Judge(now, bundle.Policy{}); err != nil || res.Verdict != bundle.Valid || res.Freshness.AgeSeconds < 86400 {
		t.Fatalf("offline, no bound: %v %s %+v", err, res.Verdict, res.Freshness)
	}

	cur := cc.build(t, cc.revoked, verify.Options{})
	res, err = bundle.Verify(cur, cc.trust, bundle.Input{Hash: cc.revoked, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Judge(now, online); err != nil || res.Verdict != bundle.Revoked || res.Freshness.Stale {
		t.Fatalf("current: %v %s %+v", err, res.Verdict, res.Freshness)
	}

	// the old header re-dated to look fresh
	wantStep(t, "old header re-dated", edit(t, old, func(b *bundle.Bundle) {
		lb, _ := bundle.DecodeBlock(b.Block)
		lb.Time = now
		b.Block, _ = bundle.EncodeBlock(lb)
	}), cc.trust, bundle.Input{Hash: cc.revoked, Now: now}, bundle.StepHeader)
}
