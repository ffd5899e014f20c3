package certificate_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/merkle"
	"github.com/govchain/govchain/contracts/identifier"
)

// Departments of chaintest chains: 0 ZWFW, 1 SCJG, 2 RSJ, 3 WJW.
const (
	zwfw = 0
	scjg = 1
	rsj  = 2
	wjw  = 3
)

const testSalt = "00112233445566778899aabbccddeeff0123456789abcdef"

// newChain is a chain of a new network: index layout 2.
func newChain(t testing.TB, grants map[string][]string) *chaintest.Chain {
	t.Helper()
	return newChainLayout(t, grants, 2)
}

// newChainLayout starts a chain on index layout 1 (a genesis without
// index_layout, as before layout 2) or 2.
func newChainLayout(t testing.TB, grants map[string][]string, layout int) *chaintest.Chain {
	t.Helper()
	g := `{"holder_salt":"` + testSalt + `"}`
	if layout == 2 {
		g = `{"holder_salt":"` + testSalt + `","index_layout":2}`
	}
	return chaintest.New(t, chaintest.Options{
		Modules: []module.Module{certificate.Module{}},
		Grants:  grants,
		Genesis: map[string]json.RawMessage{"certificate": json.RawMessage(g)},
	})
}

// defaultGrants: SCJG issues business licences (BL), WJW medical practitioner
// licences (MPL); RSJ also holds issuer:BL without owning the type.
func defaultGrants() map[string][]string {
	return map[string][]string{"SCJG": {"issuer:BL"}, "WJW": {"issuer:MPL"}, "RSJ": {"issuer:BL"}}
}

func docHash(s string) string { return smcrypto.SM3Hex([]byte(s)) }

// setup defines BL (SCJG, 1825 days) and MPL (WJW, no expiry) and returns
// operator keys for SCJG and WJW.
func setup(t testing.TB, c *chaintest.Chain) (scjgOp, wjwOp *smcrypto.PrivateKey) {
	t.Helper()
	c.MustOK(c.Tx(c.Depts[scjg].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照 business licence", MaxValidityDays: 1825}))
	c.MustOK(c.Tx(c.Depts[wjw].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "MPL", Name: "医师执业证书 medical practitioner licence"}))
	return c.Officer(scjg), c.Officer(wjw)
}

func blAnchor(hash string) certificate.Anchor {
	return certificate.Anchor{Hash: hash, Type: "BL", LicenceNo: "BL-2026-000001", HolderKind: identifier.HolderOrg,
		HolderRef: "91350100M000100Y43", IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2030-12-31"}
}

func personRef(t testing.TB, id string) string {
	t.Helper()
	salt, _ := hex.DecodeString(testSalt)
	ref, err := identifier.PersonRef(salt, id)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// expectCode delivers raw in a block, checks the exact code (also in
// CheckTx) and that the block changed nothing an empty block would not:
// the chain's own per-block bookkeeping keys (block time, ...) are found by
// committing an empty block first.
func expectCode(t *testing.T, c *chaintest.Chain, raw []byte, want *errs.Error, msgParts ...string) *abci.ExecTxResult {
	t.Helper()
	cr := c.Check(raw)
	if cr.Code != want.Code || cr.Codespace != want.Codespace {
		t.Fatalf("CheckTx: got %s/%d %q, want %s/%d", cr.Codespace, cr.Code, cr.Log, want.Codespace, want.Code)
	}
	d0 := c.Dump()
	c.Block()
	before := c.Dump()
	bookkeeping := map[string]bool{}
	for k, v := range before {
		if d0[k] != v {
			bookkeeping[k] = true
		}
	}
	r := c.Block(raw).TxResults[0]
	if r.Code != want.Code || r.Codespace != want.Codespace {
		t.Fatalf("FinalizeBlock: got %s/%d %q, want %s/%d", r.Codespace, r.Code, r.Log, want.Codespace, want.Code)
	}
	for _, p := range msgParts {
		if !strings.Contains(r.Log, p) {
			t.Errorf("log %q does not mention %q", r.Log, p)
		}
	}
	after := c.Dump()
	if len(before) != len(after) {
		t.Fatalf("rejected tx changed the number of keys: %d -> %d", len(before), len(after))
	}
	for k, v := range before {
		if !bookkeeping[k] && after[k] != v {
			t.Fatalf("rejected tx changed %s", k)
		}
	}
	return r
}

func record(t testing.TB, c *chaintest.Chain, height int64, hash string) *certificate.Record {
	t.Helper()
	v, err := c.Store.At(height)
	if err != nil {
		t.Fatal(err)
	}
	r, err := certificate.GetRecord(v, hash)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// provenRecord reads cert/rec/<hash> at height with an ICS23 proof,
// verifies it against that version's root and decodes the record (nil when
// the proof shows the key absent).
func provenRecord(t testing.TB, c *chaintest.Chain, height int64, hash string) *certificate.Record {
	t.Helper()
	return provenJSON[certificate.Record](t, c, height, certificate.RecordKey(hash))
}

func provenJSON[T any](t testing.TB, c *chaintest.Chain, height int64, key []byte) *T {
	t.Helper()
	v, err := c.Store.At(height)
	if err != nil {
		t.Fatal(err)
	}
	val, ops, err := v.Prove(key)
	if err != nil {
		t.Fatal(err)
	}
	p := proof.Proof{Key: key, Value: val, Height: height, Ops: ops}
	if err := p.Verify(v.Hash()); err != nil {
		t.Fatalf("proof of %s at %d: %v", key, height, err)
	}
	if val == nil {
		return nil
	}
	var out T
	if err := json.Unmarshal(val, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestOnlyGrantedIssuerAnchors(t *testing.T) {
	c := newChain(t, map[string][]string{"RSJ": {"issuer:BL"}})
	// an operator cannot define types (admin only)
	op := c.Officer(scjg)
	expectCode(t, c, c.Tx(op, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "x"}), tx.ErrUnauthorized)
	c.MustOK(c.Tx(c.Depts[scjg].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照", MaxValidityDays: 1825}))
	expectCode(t, c, c.Tx(c.Depts[wjw].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "again"}),
		certificate.ErrTypeExists, "defined by SCJG at height")
	ty := provenJSON[certificate.CertType](t, c, 0, certificate.TypeKey("BL"))
	if ty.Owner != "SCJG" || ty.MaxValidityDays != 1825 || ty.Name != "营业执照" {
		t.Fatalf("type %+v", ty)
	}

	// owning the type is not enough: SCJG has no issuer:BL grant
	expectCode(t, c, c.Tx(op, certificate.MsgAnchor, blAnchor(docHash("a"))), identity.ErrNoGrant, `SCJG lacks the "issuer:BL" grant`)
	expectCode(t, c, c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: docHash("root"), Count: 2, IssueDate: "2026-01-01"}), identity.ErrNoGrant)
	// WJW neither
	wop := c.Officer(wjw)
	expectCode(t, c, c.Tx(wop, certificate.MsgAnchor, blAnchor(docHash("a"))), identity.ErrNoGrant, "WJW")
	// RSJ holds the grant: it may issue BL even though SCJG owns the type
	rop := c.Officer(rsj)
	c.MustOK(c.Tx(rop, certificate.MsgAnchor, blAnchor(docHash("a"))))
	if r := provenRecord(t, c, 0, docHash("a")); r == nil || r.Issuer != "RSJ" || r.Signer != rop.PublicKey().ID().String() || r.Status != certificate.StatusValid {
		t.Fatalf("record %+v", r)
	}
	// unknown type
	a := blAnchor(docHash("b"))
	a.Type = "NOPE"
	expectCode(t, c, c.Tx(rop, certificate.MsgAnchor, a), certificate.ErrTypeUnknown, `"NOPE"`)
}

func TestAnchorRecordWithProof(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, _ := setup(t, c)
	h := docHash("business licence of 福州某某有限公司")
	res := c.MustOK(c.Tx(op, certificate.MsgAnchor, blAnchor(h)))
	if string(res.Data) != h {
		t.Fatalf("data %q", res.Data)
	}
	r := provenRecord(t, c, c.Height, h)
	want := certificate.Record{Hash: h, Type: "BL", Issuer: "SCJG", Signer: op.PublicKey().ID().String(), LicenceNo: "BL-2026-000001",
		HolderKind: "org", HolderRef: "91350100M000100Y43", IssueDate: "2026-01-01", ValidFrom: "2026-01-01", ValidUntil: "2030-12-31",
		Status: "valid", AnchoredHeight: c.Height, AnchoredTime: chaintest.Genesis0.Add(time.Duration(c.Height) * time.Second).Format(time.RFC3339)}
	want.History = []certificate.Change{{Height: c.Height, Time: want.AnchoredTime, Action: "anchor", Status: "valid", By: want.Signer}}
	if g, w := string(module.MustJSON(r)), string(module.MustJSON(want)); g != w {
		t.Fatalf("record\n got %s\nwant %s", g, w)
	}
	// the hash was absent, provably, one block earlier
	if r := provenRecord(t, c, c.Height-1, h); r != nil {
		t.Fatal("record present before anchoring")
	}
}

func TestDuplicateAnchorRejected(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, wop := setup(t, c)
	h := docHash("licence")
	c.MustOK(c.Tx(op, certificate.MsgAnchor, blAnchor(h)))
	at := c.Height
	expectCode(t, c, c.Tx(op, certificate.MsgAnchor, blAnchor(h)), certificate.ErrDuplicate,
		fmt.Sprintf("certificate %s was already anchored by SCJG at height %d", h, at))
	// another department anchoring the same file hash: same answer
	m := certificate.Anchor{Hash: h, Type: "MPL", LicenceNo: "110350100012345", HolderKind: "person", HolderRef: personRef(t, "11010519491231002X"), IssueDate: "2026-01-01", ValidFrom: "2026-01-01"}
	expectCode(t, c, c.Tx(wop, certificate.MsgAnchor, m), certificate.ErrDuplicate, "by SCJG at height")
	// the same batch root twice
	root := docHash("batch")
	c.MustOK(c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: root, Count: 3, IssueDate: "2026-01-01"}))
	expectCode(t, c, c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: root, Count: 3, IssueDate: "2026-01-01"}),
		certificate.ErrBatchExists, fmt.Sprintf("batch %s was already anchored by SCJG at height %d", root, c.Height))
	// two anchors of one hash in the same block: the second fails
	h2 := docHash("same block")
	r := c.Block(c.Tx(op, certificate.MsgAnchor, blAnchor(h2)), c.Tx(op, certificate.MsgAnchor, blAnchor(h2)))
	if r.TxResults[0].Code != 0 || r.TxResults[1].Code != certificate.ErrDuplicate.Code {
		t.Fatalf("same block: %v / %v", r.TxResults[0].Log, r.TxResults[1].Log)
	}
}

func TestRevokeByNonIssuerRejected(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, wop := setup(t, c)
	h := docHash("licence")
	c.MustOK(c.Tx(op, certificate.MsgAnchor, blAnchor(h)))
	for _, k := range []*smcrypto.PrivateKey{wop, c.Depts[wjw].Admin, c.Depts[zwfw].Admin} {
		for _, typ := range []string{certificate.MsgRevoke, certificate.MsgSuspend} {
			expectCode(t, c, c.Tx(k, typ, certificate.StatusChange{Hash: h, Reason: "04"}), certificate.ErrNotIssuer,
				"was issued by SCJG; the signer's department is")
		}
	}
	// RSJ holds issuer:BL, but did not issue this one
	rop := c.Officer(rsj)
	expectCode(t, c, c.Tx(rop, certificate.MsgRevoke, certificate.StatusChange{Hash: h, Reason: "04"}), certificate.ErrNotIssuer, "RSJ")
	// the issuing department's admin may (operator or admin)
	c.MustOK(c.Tx(c.Depts[scjg].Admin, certificate.MsgRevoke, certificate.StatusChange{Hash: h, Reason: "04"}))
	if r := record(t, c, 0, h); r.Status != "revoked" || r.History[1].By != c.Depts[scjg].Admin.PublicKey().ID().String() {
		t.Fatalf("record %+v", r)
	}
	// unknown hash, bad reason
	expectCode(t, c, c.Tx(op, certificate.MsgRevoke, certificate.StatusChange{Hash: docHash("none"), Reason: "04"}), certificate.ErrNotFound, "no certificate")
	expectCode(t, c, c.Tx(op, certificate.MsgSuspend, certificate.StatusChange{Hash: h, Reason: "07"}), certificate.ErrBadReason, `reason "07" is not in the table`)
}

func TestStatusAtHeights(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, _ := setup(t, c)
	h := docHash("licence")
	c.MustOK(c.Tx(op, certificate.MsgAnchor, blAnchor(h)))
	hAnchor := c.Height
	c.Block()
	c.MustOK(c.Tx(op, certificate.MsgSuspend, certificate.StatusChange{Hash: h, Reason: "02"}))
	hSuspend := c.Height
	expectCode(t, c, c.Tx(op, certificate.MsgSuspend, certificate.StatusChange{Hash: h, Reason: "02"}), certificate.ErrBadTransition, "is suspended; only a valid certificate can be suspended")
	c.MustOK(c.Tx(op, certificate.MsgReinstate, certificate.StatusChange{Hash: h, Reason: "05"}))
	hReinstate := c.Height
	expectCode(t, c, c.Tx(op, certificate.MsgReinstate, certificate.StatusChange{Hash: h, Reason: "05"}), certificate.ErrBadTransition, "is valid; only a suspended certificate can be reinstated")
	c.MustOK(c.Tx(op, certificate.MsgRevoke, certificate.StatusChange{Hash: h, Reason: "04"}))
	hRevoke := c.Height
	for _, typ := range []string{certificate.MsgRevoke, certificate.MsgReinstate, certificate.MsgSuspend} {
		expectCode(t, c, c.Tx(op, typ, certificate.StatusChange{Hash: h, Reason: "99"}), certificate.ErrBadTransition,
			fmt.Sprintf("was revoked at height %d; revocation is final", hRevoke))
	}
	c.Block()

	want := map[int64]string{hAnchor - 1: "", hAnchor: "valid", hAnchor + 1: "valid", hSuspend: "suspended", hReinstate - 1: "suspended",
		hReinstate: "valid", hRevoke - 1: "valid", hRevoke: "revoked", c.Height: "revoked"}
	for height, status := range want {
		r := provenRecord(t, c, height, h)
		switch {
		case status == "" && r != nil:
			t.Errorf("height %d: record present before anchoring", height)
		case status != "" && (r == nil || r.Status != status):
			t.Errorf("height %d: %+v, want status %s", height, r, status)
		}
		if r != nil && r.History[len(r.History)-1].Status != r.Status {
			t.Errorf("height %d: last history entry disagrees with status", height)
		}
	}
	r := record(t, c, 0, h)
	var acts []string
	for _, e := range r.History {
		acts = append(acts, fmt.Sprintf("%d:%s:%s:%s", e.Height, e.Action, e.Status, e.Reason))
	}
	if got, w := strings.Join(acts, " "), fmt.Sprintf("%d:anchor:valid: %d:suspend:suspended:02 %d:reinstate:valid:05 %d:revoke:revoked:04", hAnchor, hSuspend, hReinstate, hRevoke); got != w {
		t.Fatalf("history %s, want %s", got, w)
	}
}

// batchLeaves makes n distinct certificate hashes (as the CLI would from files).
func batchLeaves(n int) ([][]byte, []string) {
	leaves := make([][]byte, n)
	hexes := make([]string, n)
	for i := range leaves {
		d := smcrypto.SM3([]byte(fmt.Sprintf("营业执照 BL-2026-%06d", i)))
		leaves[i] = d[:]
		hexes[i] = hex.EncodeToString(d[:])
	}
	return leaves, hexes
}

func membership(t testing.TB, tr *merkle.Tree, i int) *certificate.Membership {
	t.Helper()
	p, err := tr.Path(i)
	if err != nil {
		t.Fatal(err)
	}
	r := tr.Root()
	return &certificate.Membership{Root: hex.EncodeToString(r[:]), Index: uint64(i), Path: merkle.HexPath(p)}
}

func TestBatchOf10000(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, wop := setup(t, c)
	leaves, hexes := batchLeaves(10_000)
	tr, err := merkle.New(leaves)
	if err != nil {
		t.Fatal(err)
	}
	root := tr.Root()
	rootHex := hex.EncodeToString(root[:])
	c.MustOK(c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: rootHex, Count: 10_000, IssueDate: "2026-01-01",
		FirstLicenceNo: "BL-2026-000000", LastLicenceNo: "BL-2026-009999"}))
	hBatch := c.Height

	// Any member is proven by its inclusion path plus the ICS23 proof of the
	// batch record (which fixes the root and the member count).
	for _, i := range []int{0, 1, 4095, 4096, 8191, 8192, 9998, 9999} {
		b := provenJSON[certificate.Batch](t, c, 0, certificate.BatchKey(rootHex))
		if b == nil || b.Count != 10_000 || b.Issuer != "SCJG" || b.Type != "BL" || b.Height != hBatch {
			t.Fatalf("batch %+v", b)
		}
		m := membership(t, tr, i)
		path, err := merkle.ParsePath(m.Path)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := merkle.ParseHash(b.Root)
		if err := merkle.VerifyPath(r, leaves[i], uint64(i), b.Count, path); err != nil {
			t.Fatalf("member %d: %v", i, err)
		}
		// and no individual record exists: the member is valid as anchored
		if provenRecord(t, c, 0, hexes[i]) != nil {
			t.Fatalf("member %d has a record before any status change", i)
		}
	}

	// Revoke member 1234 individually, by hash with its path.
	m := membership(t, tr, 1234)
	c.MustOK(c.Tx(op, certificate.MsgRevoke, certificate.StatusChange{Hash: hexes[1234], Reason: "03", Batch: m}))
	hRevoke := c.Height
	r := provenRecord(t, c, 0, hexes[1234])
	if r == nil || r.Status != "revoked" || r.BatchRoot != rootHex || r.BatchIndex == nil || *r.BatchIndex != 1234 ||
		r.AnchoredHeight != hBatch || r.Issuer != "SCJG" || r.Type != "BL" || len(r.History) != 2 ||
		r.History[0].Action != "anchor_batch" || r.History[0].Height != hBatch || r.History[1].Height != hRevoke {
		t.Fatalf("member record %s", module.MustJSON(r))
	}
	if provenRecord(t, c, hRevoke-1, hexes[1234]) != nil {
		t.Fatal("record existed before the revocation")
	}
	// once recorded, later changes need no path; a wrong index is refused
	expectCode(t, c, c.Tx(op, certificate.MsgRevoke, certificate.StatusChange{Hash: hexes[1234], Reason: "03"}), certificate.ErrBadTransition, "revocation is final")
	// Suspend and reinstate another member, the second time without a path.
	c.MustOK(c.Tx(op, certificate.MsgSuspend, certificate.StatusChange{Hash: hexes[77], Reason: "02", Batch: membership(t, tr, 77)}))
	c.MustOK(c.Tx(op, certificate.MsgReinstate, certificate.StatusChange{Hash: hexes[77], Reason: "02"}))
	bad := membership(t, tr, 77)
	bad.Index = 78
	expectCode(t, c, c.Tx(op, certificate.MsgSuspend, certificate.StatusChange{Hash: hexes[77], Reason: "02", Batch: bad}), certificate.ErrBadInclusion, "not as member 78")

	// Tampered inclusion paths are rejected and change nothing.
	tamper := func(name string, f func(m *certificate.Membership) string, want *errs.Error, msg string) {
		t.Run(name, func(t *testing.T) {
			m := membership(t, tr, 500)
			hash := f(m)
			expectCode(t, c, c.Tx(op, certificate.MsgRevoke, certificate.StatusChange{Hash: hash, Reason: "04", Batch: m}), want, msg)
		})
	}
	tamper("flipped bit", func(m *certificate.Membership) string {
		b, _ := hex.DecodeString(m.Path[3])
		b[0] ^= 0x80
		m.Path[3] = hex.EncodeToString(b)
		return hexes[500]
	}, certificate.ErrBadInclusion, "path does not lead to the root")
	tamper("dropped element", func(m *certificate.Membership) string {
		m.Path = m.Path[:len(m.Path)-1]
		return hexes[500]
	}, certificate.ErrBadInclusion, "path has 13 hashes, leaf 500 of a 10000-leaf tree needs 14")
	tamper("wrong index", func(m *certificate.Membership) string { m.Index = 501; return hexes[500] }, certificate.ErrBadInclusion, "path does not lead to the root")
	tamper("index past the end", func(m *certificate.Membership) string { m.Index = 10_000; return hexes[500] }, certificate.ErrBadInclusion, "index 10000 but the tree has 10000 leaves")
	tamper("hash not in the batch", func(m *certificate.Membership) string { return docHash("forged") }, certificate.ErrBadInclusion, "path does not lead to the root")
	tamper("upper-case path element", func(m *certificate.Membership) string {
		m.Path[0] = strings.ToUpper(m.Path[0])
		return hexes[500]
	}, certificate.ErrBadInclusion, "path element 0")
	tamper("unknown root", func(m *certificate.Membership) string { m.Root = docHash("other root"); return hexes[500] }, certificate.ErrBatchUnknown, "no batch with root")

	// Only the issuing department may change a member's status.
	expectCode(t, c, c.Tx(wop, certificate.MsgRevoke, certificate.StatusChange{Hash: hexes[9], Reason: "04", Batch: membership(t, tr, 9)}), certificate.ErrNotIssuer, "issued by SCJG")
	if got := provenRecord(t, c, 0, hexes[500]); got != nil {
		t.Fatal("tampered attempts created a record")
	}
}

func TestReissue(t *testing.T) {
	c := newChain(t, defaultGrants())
	_, wop := setup(t, c)
	ref := personRef(t, "11010519491231002X")
	old := certificate.Anchor{Hash: docHash("MPL v1"), Type: "MPL", LicenceNo: "110350100012345", HolderKind: "person", HolderRef: ref, IssueDate: "2020-05-01", ValidFrom: "2020-05-01"}
	c.MustOK(c.Tx(wop, certificate.MsgAnchor, old))
	nw := old
	nw.Hash, nw.IssueDate, nw.ValidFrom = docHash("MPL v2"), "2026-01-01", "2026-01-01"
	res := c.MustOK(c.Tx(wop, certificate.MsgReissue, certificate.Reissue{OldHash: old.Hash, Reason: "03", New: nw}))
	if string(res.Data) != nw.Hash {
		t.Fatalf("data %q", res.Data)
	}
	o, n := provenRecord(t, c, 0, old.Hash), provenRecord(t, c, 0, nw.Hash)
	if o.Status != "revoked" || o.ReplacedBy != nw.Hash || o.History[1].Action != "reissue" || o.History[1].Reason != "03" {
		t.Fatalf("old %s", module.MustJSON(o))
	}
	if n.Status != "valid" || n.Replaces != old.Hash || n.History[0].Action != "reissue_of" || n.AnchoredHeight != c.Height || n.HolderRef != ref {
		t.Fatalf("new %s", module.MustJSON(n))
	}
	// a replaced certificate cannot be reissued again; the type cannot change
	again := nw
	again.Hash = docHash("MPL v3")
	expectCode(t, c, c.Tx(wop, certificate.MsgReissue, certificate.Reissue{OldHash: old.Hash, Reason: "03", New: again}), certificate.ErrBadTransition, "replaced by "+nw.Hash)
	again.Type = "BL"
	expectCode(t, c, c.Tx(wop, certificate.MsgReissue, certificate.Reissue{OldHash: nw.Hash, Reason: "02", New: again}), certificate.ErrBadInput, "type MPL")
	again.Type = "MPL"
	again.Hash = nw.Hash
	expectCode(t, c, c.Tx(wop, certificate.MsgReissue, certificate.Reissue{OldHash: nw.Hash, Reason: "02", New: again}), certificate.ErrDuplicate, "same hash")
	again.Hash = old.Hash
	expectCode(t, c, c.Tx(wop, certificate.MsgReissue, certificate.Reissue{OldHash: nw.Hash, Reason: "02", New: again}), certificate.ErrDuplicate, "already anchored by WJW")

	// reissuing a batch member: membership is verified, both records written
	op := c.Officer(scjg)
	leaves, hexes := batchLeaves(5)
	tr, _ := merkle.New(leaves)
	m := membership(t, tr, 4)
	c.MustOK(c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: m.Root, Count: 5, IssueDate: "2026-01-01"}))
	repl := blAnchor(docHash("replacement of member 4"))
	c.MustOK(c.Tx(op, certificate.MsgReissue, certificate.Reissue{OldHash: hexes[4], Reason: "02", Batch: m, New: repl}))
	if o := record(t, c, 0, hexes[4]); o.Status != "revoked" || o.ReplacedBy != repl.Hash || o.BatchRoot != m.Root {
		t.Fatalf("old member %s", module.MustJSON(o))
	}
}

func TestInputRules(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, wop := setup(t, c)
	mod := func(f func(a *certificate.Anchor)) certificate.Anchor {
		a := blAnchor(docHash("input"))
		f(&a)
		return a
	}
	cases := []struct {
		name string
		a    certificate.Anchor
		want *errs.Error
		msg  string
	}{
		{"short hash", mod(func(a *certificate.Anchor) { a.Hash = a.Hash[:62] }), certificate.ErrBadInput, "64 lower-case hex"},
		{"upper-case hash", mod(func(a *certificate.Anchor) { a.Hash = strings.ToUpper(a.Hash) }), certificate.ErrBadInput, "64 lower-case hex"},
		{"ID number as person ref", mod(func(a *certificate.Anchor) { a.HolderKind, a.HolderRef = "person", "11010519491231002X" }), certificate.ErrPersonalData, "in clear"},
		{"ID number as org holder", mod(func(a *certificate.Anchor) { a.HolderRef = "11010519491231002X" }), certificate.ErrPersonalData, "in clear"},
		{"ID number as licence number", mod(func(a *certificate.Anchor) { a.LicenceNo = "11010519491231002x" }), certificate.ErrPersonalData, "licence_no is a citizen identity number"},
		{"bad USCC", mod(func(a *certificate.Anchor) { a.HolderRef = "91350100M000100Y44" }), certificate.ErrBadHolder, "check character is 4, computed 3"},
		{"lower-case USCC", mod(func(a *certificate.Anchor) { a.HolderRef = "91350100m000100y43" }), certificate.ErrBadHolder, "not in normal form"},
		{"O in USCC", mod(func(a *certificate.Anchor) { a.HolderRef = "9135O100M000100Y43" }), certificate.ErrBadHolder, "character 'O' not allowed at position 5"},
		{"unknown holder kind", mod(func(a *certificate.Anchor) { a.HolderKind = "company" }), certificate.ErrBadHolder, `holder kind "company"`},
		{"no licence number", mod(func(a *certificate.Anchor) { a.LicenceNo = "" }), certificate.ErrBadInput, "licence_no is required"},
		{"control character", mod(func(a *certificate.Anchor) { a.LicenceNo = "BL\n1" }), certificate.ErrBadInput, "control character"},
		{"not a date", mod(func(a *certificate.Anchor) { a.ValidUntil = "2027-02-29" }), certificate.ErrBadDates, "valid_until 2027-02-29 is not a date"},
		{"bad date format", mod(func(a *certificate.Anchor) { a.IssueDate = "2026/01/01" }), certificate.ErrBadDates, "YYYY-MM-DD"},
		{"until before from", mod(func(a *certificate.Anchor) { a.ValidUntil = "2025-12-31" }), certificate.ErrBadDates, "before valid_from"},
		{"too long validity", mod(func(a *certificate.Anchor) { a.ValidUntil = "2031-01-01" }), certificate.ErrBadDates, "is 1826 days; type BL allows at most 1825"},
		{"no valid_until for an expiring type", mod(func(a *certificate.Anchor) { a.ValidUntil = "" }), certificate.ErrBadDates, "valid_until is required"},
		{"issue date after the block date", mod(func(a *certificate.Anchor) { a.IssueDate = "2026-01-02" }), certificate.ErrBadDates, "after the block date 2026-01-01"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectCode(t, c, c.Tx(op, certificate.MsgAnchor, tc.a), tc.want, tc.msg)
		})
	}
	// a plaintext holder_id field is not part of the message at all
	body := strings.Replace(string(module.MustJSON(blAnchor(docHash("x")))), `"holder_ref"`, `"holder_id":"11010519491231002X","holder_ref"`, 1)
	expectCode(t, c, c.Tx(op, certificate.MsgAnchor, json.RawMessage(body)), tx.ErrBadBody, "holder_id")
	// a type without expiry accepts no valid_until, and an explicit one
	p := certificate.Anchor{Hash: docHash("p"), Type: "MPL", LicenceNo: "110350100012345", HolderKind: "person", HolderRef: personRef(t, "11010519491231002X"), IssueDate: "2026-01-01", ValidFrom: "2026-01-01"}
	c.MustOK(c.Tx(wop, certificate.MsgAnchor, p))
	// bad type definitions
	for _, d := range []certificate.DefineType{{Code: "bl", Name: "x"}, {Code: "B/L", Name: "x"}, {Code: "X", Name: ""}, {Code: "X", Name: "x", MaxValidityDays: -1}} {
		expectCode(t, c, c.Tx(c.Depts[scjg].Admin, certificate.MsgDefineType, d), certificate.ErrBadInput)
	}
	// batch limits
	expectCode(t, c, c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: docHash("r"), Count: 0, IssueDate: "2026-01-01"}), certificate.ErrBadInput, "count 0 must be 1..1000000")
	expectCode(t, c, c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: docHash("r"), Count: 1_000_001, IssueDate: "2026-01-01"}), certificate.ErrBadInput, "count 1000001")
}

// TestNamesPeopleRead: a type name (or licence number) with an invisible
// or reordering character could pass for another department's, so it is
// refused with certificate/630 naming the code point; a name that is not
// NFC is refused with the NFC form to send, and that form is accepted.
func TestNamesPeopleRead(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, _ := setup(t, c)
	admin := c.Depts[scjg].Admin
	for _, tc := range []struct{ name, msg string }{
		{"营业\u200B执照 business licence", "type name contains U+200B ZERO WIDTH SPACE at byte 6 (format/bidi control characters are not allowed)"},
		{"营业执照\u202E", "type name contains U+202E RIGHT-TO-LEFT OVERRIDE at byte 12 (format/bidi control characters are not allowed)"},
		{"\u2067营业执照\u2069", "U+2067 RIGHT-TO-LEFT ISOLATE"},
		{"营业执照\uFEFF", "U+FEFF ZERO WIDTH NO-BREAK SPACE"},
		{"营业执照\u00A0business licence", "U+00A0 NO-BREAK SPACE"},
		{"营业执照 ", "type name ends with a space"},
		{"Cafe\u0301 licence", `type name is not in Unicode normalization form NFC (from byte 3, U+0065); send the NFC form "Caf\u00e9 licence"`},
	} {
		expectCode(t, c, c.Tx(admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL2", Name: tc.name}), certificate.ErrUnreadable, tc.msg)
	}
	c.MustOK(c.Tx(admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL2", Name: "Caf\u00e9 licence"}))
	a := blAnchor(docHash("rlo"))
	a.LicenceNo = "BL-2026-\u202E100000"
	expectCode(t, c, c.Tx(op, certificate.MsgAnchor, a), certificate.ErrUnreadable, "licence_no contains U+202E RIGHT-TO-LEFT OVERRIDE")
}

// TestNoPersonalDataOnChain anchors person certificates through the same
// path the CLI uses and scans every key and value for the ID numbers.
func TestNoPersonalDataOnChain(t *testing.T) {
	c := newChain(t, defaultGrants())
	_, wop := setup(t, c)
	ids := []string{"11010519491231002X", "440524188001010014"}
	for i, id := range ids {
		c.MustOK(c.Tx(wop, certificate.MsgAnchor, certificate.Anchor{Hash: docHash(id), Type: "MPL", LicenceNo: fmt.Sprintf("11035010001234%d", i),
			HolderKind: "person", HolderRef: personRef(t, id), IssueDate: "2026-01-01", ValidFrom: "2026-01-01"}))
	}
	for k, v := range c.Dump() {
		for _, id := range ids {
			for _, s := range []string{id, strings.ToLower(id), id[6:14]} {
				if strings.Contains(k, s) || strings.Contains(v, s) {
					t.Errorf("%s (or its birth date) found in %s = %s", id, k, v)
				}
			}
		}
	}
	// the salt clients need is on chain and matches genesis
	p := provenJSON[certificate.Params](t, c, 0, certificate.ParamsKey())
	if p.HolderSalt != testSalt || p.SaltSource != "genesis" {
		t.Fatalf("params %+v", p)
	}
	// the holder can find their certificates by recomputing the reference
	items, more, err := certificate.List(c.View(), certificate.Filter{Holder: personRef(t, " 11010519491231002x")}, 1)
	if err != nil || more || len(items) != 1 || items[0].ID != docHash(ids[0]) {
		t.Fatalf("holder listing %v %v %+v", err, more, items)
	}
	if _, _, err := certificate.List(c.View(), certificate.Filter{Holder: ids[0]}, 1); !errorsIs(err, certificate.ErrPersonalData) {
		t.Fatalf("listing by ID number: %v", err)
	}
}

func errorsIs(err error, want *errs.Error) bool {
	e, ok := err.(*errs.Error)
	return ok && e.Codespace == want.Codespace && e.Code == want.Code
}

func TestList(t *testing.T) {
	for _, layout := range []int{1, 2} {
		t.Run(fmt.Sprint("layout", layout), func(t *testing.T) { testList(t, newChainLayout(t, defaultGrants(), layout)) })
	}
}

func testList(t *testing.T, c *chaintest.Chain) {
	op, wop := setup(t, c)
	var txs [][]byte
	for i := 0; i < 120; i++ {
		a := blAnchor(docHash(fmt.Sprint("bl ", i)))
		if i%2 == 1 {
			a.HolderRef = "91110000802100433B"
		}
		txs = append(txs, c.Tx(op, certificate.MsgAnchor, a))
	}
	for _, r := range c.Block(txs...).TxResults {
		if r.Code != 0 {
			t.Fatal(r.Log)
		}
	}
	c.MustOK(c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: docHash("batch"), Count: 9, IssueDate: "2026-01-01"}))
	c.MustOK(c.Tx(wop, certificate.MsgAnchor, certificate.Anchor{Hash: docHash("mpl"), Type: "MPL", LicenceNo: "110350100012345", HolderKind: "org", HolderRef: "91350100M000100Y43", IssueDate: "2026-01-01", ValidFrom: "2026-01-01"}))
	v := c.View()
	count := func(f certificate.Filter) (n int, first certificate.Item) {
		for page := 1; ; page++ {
			items, more, err := certificate.List(v, f, page)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) > certificate.PageSize || more && len(items) != certificate.PageSize {
				t.Fatalf("page %d has %d items, more=%v", page, len(items), more)
			}
			if page == 1 && len(items) > 0 {
				first = items[0]
			}
			n += len(items)
			if !more {
				return n, first
			}
		}
	}
	n, first := count(certificate.Filter{Issuer: "SCJG"})
	if n != 121 || first.Kind != "batch" || first.ID != docHash("batch") || first.Batch.Count != 9 {
		t.Fatalf("SCJG: %d, newest %+v", n, first)
	}
	if n, _ := count(certificate.Filter{Type: "BL"}); n != 121 {
		t.Fatalf("BL: %d", n)
	}
	if n, first := count(certificate.Filter{Type: "MPL"}); n != 1 || first.Record.Issuer != "WJW" || first.Key != "cert/rec/"+docHash("mpl") {
		t.Fatalf("MPL: %d %+v", n, first)
	}
	if n, _ := count(certificate.Filter{Holder: "91350100M000100Y43"}); n != 61 {
		t.Fatalf("holder 91350100M000100Y43: %d", n)
	}
	if n, _ := count(certificate.Filter{Holder: "91350100M000100Y43", Issuer: "SCJG"}); n != 60 {
		t.Fatalf("holder+issuer: %d", n)
	}
	if n, _ := count(certificate.Filter{Issuer: "WJW", Type: "BL"}); n != 0 {
		t.Fatalf("WJW BL: %d", n)
	}
	if _, _, err := certificate.List(v, certificate.Filter{}, 1); !errorsIs(err, certificate.ErrBadInput) {
		t.Fatalf("empty filter: %v", err)
	}
}

func TestExpiryIsDerived(t *testing.T) {
	r := &certificate.Record{Status: "valid", ValidUntil: "2026-03-31"}
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	for _, tc := range []struct{ t, want string }{
		{"2026-03-31T15:59:59Z", "valid"},   // 23:59:59 CST on the last day
		{"2026-03-31T16:00:00Z", "expired"}, // 00:00 CST the next day
	} {
		if got := r.EffectiveStatus(at(tc.t)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.t, got, tc.want)
		}
	}
	r.Status = "suspended"
	if r.EffectiveStatus(at("2030-01-01T00:00:00Z")) != "suspended" {
		t.Fatal("suspended shown as expired")
	}
}

func TestGenesis(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{certificate.Module{}}})
	p, err := certificate.GetParams(c.View())
	if err != nil {
		t.Fatal(err)
	}
	if p.HolderSalt != certificate.ChainIDSalt(chaintest.ChainID) || p.SaltSource != "chain-id" || p.MaxBatch != certificate.DefaultMaxBatch {
		t.Fatalf("default params %+v", p)
	}
	st, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"holder_salt":"abcd"}`, `{"holder_salt":"ZZ112233445566778899aabbccddeeff"}`,
		`{"holder_salt":"00112233445566778899AABBCCDDEEFF"}`, `{"salt":"00112233445566778899aabbccddeeff"}`} {
		ctx := &module.Context{ChainID: "c", Store: state.NewCache(st.Working())}
		if err := (certificate.Module{}).InitGenesis(ctx, json.RawMessage(bad)); err == nil {
			t.Errorf("genesis %s accepted", bad)
		}
	}
}
