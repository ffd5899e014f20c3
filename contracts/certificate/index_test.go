package certificate_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/merkle"
	"github.com/govchain/govchain/contracts/identifier"
)

// fillIndexes anchors, in several blocks with several txs a block, BL
// certificates of SCJG and RSJ (org and person holders), MPL of
// WJW, two batches, a batch member's record (created by a suspension) and
// a reissue.
func fillIndexes(t *testing.T, c *chaintest.Chain) {
	op, wop := setup(t, c)
	rop := c.Officer(rsj)
	person := personRef(t, "11010519491231002X")
	n := 0
	for blk := 0; blk < 6; blk++ {
		var txs [][]byte
		for i := 0; i < 23; i++ {
			n++
			a := blAnchor(docHash(fmt.Sprint("ix ", n)))
			switch n % 4 {
			case 1:
				a.HolderRef = "91110000802100433B"
			case 2:
				a.HolderKind, a.HolderRef = identifier.HolderPerson, person
			}
			k := op
			if n%5 == 0 {
				k = rop
			}
			txs = append(txs, c.Tx(k, certificate.MsgAnchor, a))
		}
		if blk%2 == 1 {
			txs = append(txs, c.Tx(wop, certificate.MsgAnchor, certificate.Anchor{Hash: docHash(fmt.Sprint("mpl ", blk)), Type: "MPL",
				LicenceNo: "110350100012345", HolderKind: identifier.HolderPerson, HolderRef: person, IssueDate: "2026-01-01", ValidFrom: "2026-01-01"}))
		}
		for _, r := range c.Block(txs...).TxResults {
			if r.Code != 0 {
				t.Fatal(r.Log)
			}
		}
	}
	leaves, hexes := batchLeaves(20)
	tr, err := merkle.New(leaves)
	if err != nil {
		t.Fatal(err)
	}
	root := tr.Root()
	c.MustOK(c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: hex.EncodeToString(root[:]), Count: 20, IssueDate: "2026-01-01"}))
	c.MustOK(c.Tx(rop, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: docHash("rsj batch"), Count: 3, IssueDate: "2026-01-01"}))
	c.MustOK(c.Tx(op, certificate.MsgSuspend, certificate.StatusChange{Hash: hexes[7], Reason: "02", Batch: membership(t, tr, 7)}))
	nw := blAnchor(docHash("reissued"))
	c.MustOK(c.Tx(op, certificate.MsgReissue, certificate.Reissue{OldHash: docHash("ix 1"), Reason: "03", New: nw}))
}

var indexFilters = []certificate.Filter{
	{Issuer: "SCJG"}, {Issuer: "RSJ"}, {Issuer: "WJW"}, {Issuer: "ZWFW"},
	{Type: "BL"}, {Type: "MPL"}, {Type: "NONE"},
	{Type: "BL", Issuer: "RSJ"}, {Type: "MPL", Issuer: "SCJG"},
	{Holder: "91110000802100433B"}, {Holder: "91350100M000100Y43"},
	{Holder: "91350100M000100Y43", Issuer: "RSJ"}, {Holder: "91350100M000100Y43", Type: "BL", Issuer: "SCJG"},
}

// listings are every filter's pages (List) and its walk by cursor
// (ListAfter, 7 at a time), as JSON.
func listings(t *testing.T, v state.KV, person string) map[string]string {
	t.Helper()
	out := map[string]string{}
	fs := append(append([]certificate.Filter{}, indexFilters...), certificate.Filter{Holder: person}, certificate.Filter{Holder: person, Type: "MPL"})
	for _, f := range fs {
		var pages []certificate.Item
		for page := 1; ; page++ {
			items, more, err := certificate.List(v, f, page)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, items...)
			if !more {
				break
			}
		}
		var walk []certificate.Item
		after := ""
		for {
			items, more, err := certificate.ListAfter(v, f, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			walk = append(walk, items...)
			if !more {
				break
			}
			after = items[len(items)-1].Cursor()
		}
		if !reflect.DeepEqual(pages, walk) {
			t.Fatalf("%+v: pages and cursor walk differ (%d and %d items)", f, len(pages), len(walk))
		}
		for i := 1; i < len(pages); i++ {
			a, b := pages[i-1], pages[i]
			if a.Height < b.Height || a.Height == b.Height && a.ID <= b.ID {
				t.Fatalf("%+v: item %d (%d %s) is not before item %d (%d %s)", f, i-1, a.Height, a.ID, i, b.Height, b.ID)
			}
		}
		out[fmt.Sprintf("%+v", f)] = string(module.MustJSON(pages))
	}
	return out
}

// TestIndexMigration: a chain on layout 1 moves to layout 2 by
// MigrateIndexLayout2; every listing, page and cursor walk answers the
// same before and after, no layout 1 key is left, and a layout 2 chain
// built by the same transactions has the same index entries.
func TestIndexMigration(t *testing.T) {
	c := newChainLayout(t, defaultGrants(), 1)
	fillIndexes(t, c)
	person := personRef(t, "11010519491231002X")
	before := listings(t, c.View(), person)
	if n := len(before["{Issuer:SCJG Type: Holder:}"]); n < 1000 {
		t.Fatalf("SCJG listing is short: %d bytes", n)
	}
	cache := state.NewCache(c.Store.Working())
	ctx := &module.Context{ChainID: chaintest.ChainID, Height: c.Height + 1, Store: cache}
	if err := certificate.MigrateIndexLayout2(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cache.Write(); err != nil {
		t.Fatal(err)
	}
	c.Block()
	after := listings(t, c.View(), person)
	for f, want := range before {
		if after[f] != want {
			t.Errorf("%s: the listing changed with the migration", f)
		}
	}
	p, err := certificate.GetParams(c.View())
	if err != nil || p.IndexLayout != 2 {
		t.Fatalf("params after the migration: %+v %v", p, err)
	}
	migrated := indexKeys(c)
	for k := range migrated {
		if strings.HasPrefix(k, "cert/idx/") {
			t.Fatalf("layout 1 key %s left", k)
		}
	}
	// The same transactions on a new chain give the same index entries.
	c2 := newChainLayout(t, defaultGrants(), 2)
	fillIndexes(t, c2)
	if fresh := indexKeys(c2); !reflect.DeepEqual(fresh, migrated) {
		t.Fatalf("migrated chain has %d index entries, a new chain %d", len(migrated), len(fresh))
	}
	// Anchoring goes on in layout 2; running the migration again is harmless.
	c.MustOK(c.Tx(c.Officer(scjg), certificate.MsgAnchor, blAnchor(docHash("after migration"))))
	cache = state.NewCache(c.Store.Working())
	if err := certificate.MigrateIndexLayout2(&module.Context{Store: cache}); err != nil {
		t.Fatal(err)
	}
	items, _, err := certificate.List(c.View(), certificate.Filter{Issuer: "SCJG"}, 1)
	if err != nil || items[0].ID != docHash("after migration") {
		t.Fatalf("newest after migration: %v %+v", err, items[0])
	}
}

// indexKeys are the chain's index entries (keys and values).
func indexKeys(c *chaintest.Chain) map[string]string {
	out := map[string]string{}
	for k, v := range c.DumpData() {
		if strings.HasPrefix(k, "cert/idx/") || strings.HasPrefix(k, "cert/ti/") || strings.HasPrefix(k, "cert/ho/") {
			out[k] = v
		}
	}
	return out
}

// TestIndexWrites: the certificate keys one anchor writes, per layout.
func TestIndexWrites(t *testing.T) {
	for _, tc := range []struct {
		layout int
		want   []string
	}{
		{1, []string{"cert/idx/holder/91350100M000100Y43/", "cert/idx/issuer/SCJG/", "cert/idx/type/BL/", "cert/rec/"}},
		{2, []string{"cert/ho/91350100M000100Y43/", "cert/rec/", "cert/ti/BL/SCJG/"}},
	} {
		c := newChainLayout(t, defaultGrants(), tc.layout)
		op, _ := setup(t, c)
		c.Block()
		d0 := c.DumpData()
		c.MustOK(c.Tx(op, certificate.MsgAnchor, blAnchor(docHash("one"))))
		var got []string
		for k, v := range c.DumpData() {
			if strings.HasPrefix(k, "cert/") && d0[k] != v {
				i := strings.LastIndexByte(k, '/') + 1
				if strings.HasPrefix(k, "cert/idx/") {
					i -= 21 // the 20-digit height too
				}
				got = append(got, k[:i])
			}
		}
		if !reflectSorted(got, tc.want) {
			t.Errorf("layout %d: anchor wrote %v, want %v", tc.layout, got, tc.want)
		}
	}
}

func reflectSorted(a, b []string) bool {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}

// TestIndexGenesis: index_layout is 1 or 2.
func TestIndexGenesis(t *testing.T) {
	st, err := state.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"index_layout":3}`, `{"index_layout":-1}`} {
		ctx := &module.Context{ChainID: "c", Store: state.NewCache(st.Working())}
		if err := (certificate.Module{}).InitGenesis(ctx, json.RawMessage(bad)); err == nil {
			t.Errorf("genesis %s accepted", bad)
		}
	}
	// a bad cursor is refused in layout 2 as in layout 1
	c := newChain(t, defaultGrants())
	for _, cur := range []string{"x", "00000000000000000005/zz", strings.Repeat("9", 20) + "/" + docHash("a")} {
		if _, _, err := certificate.ListAfter(c.View(), certificate.Filter{Type: "BL"}, cur, 5); !errorsIs(err, certificate.ErrBadInput) {
			t.Errorf("cursor %q: %v", cur, err)
		}
	}
}
