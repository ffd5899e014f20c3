package node_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/catalog-chain/catalogio"
	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/node"
)

// bigCatalog imports n resources of SCJG, each the source of one item and
// carrying the common item 企业.统一社会信用代码 (the source of which is
// resource 0), so the department, its resource list and the common item's
// chain all hold more than a page.
func bigCatalog(t *testing.T, n int) (*chaintest.Chain, *httptest.Server) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{catalog.Module{}}})
	cat := &catalogio.Catalog{Dept: "SCJG", Duties: []catalog.DutyMsg{{Code: "SCJG-ZZ-001", Name: "市场主体登记注册", LegalBasis: "《北京市海淀区机构职能规定》第三条"}}}
	for i := 0; i < n; i++ {
		r := catalog.ResourceMsg{Code: fmt.Sprintf("110108-SCJG-%06d", i), Name: fmt.Sprintf("资源%06d", i), Duties: []string{"SCJG-ZZ-001"},
			Category: "departmental", Sharing: catalog.Unconditional, Open: catalog.NotShared, OpenBasis: "涉及商业秘密", UpdateCycle: "daily", Format: "database",
			Items: []catalog.Item{{Key: fmt.Sprintf("资源%06d.编号", i), Name: "编号", Type: "string", Length: 32, Source: true},
				{Key: "企业.统一社会信用代码", Name: "统一社会信用代码", Type: "string", Length: 18, Source: i == 0}}}
		cat.Resources = append(cat.Resources, r)
	}
	batches, err := catalogio.Batches(cat, catalogio.MaxBody(chain.DefaultParams().MaxTxBytes, chaintest.ChainID))
	if err != nil {
		t.Fatal(err)
	}
	officer := c.Officer(1)
	for _, b := range batches {
		c.MustOK(c.Tx(officer, catalog.MsgImport, b))
	}
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	return c, srv
}

// pageOf fetches one page and returns its body size and the decoded answer.
func pageOf(t *testing.T, u string, out any) int {
	t.Helper()
	r, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != 200 {
		t.Fatalf("%s: HTTP %d %s", u, r.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return len(raw)
}

// pageBound is what one page may weigh: MaxPageBytes of entries plus the
// fixed part of an answer (one record with its proof).
const pageBound = node.MaxPageBytes + 64<<10

// TestCatalogPagesBounded: a department of 1,200 resources answers in
// pages of bounded size whose cursors cover every entry exactly once; a
// client that gives no limit gets the default page and a next cursor.
func TestCatalogPagesBounded(t *testing.T) {
	const n = 1200
	c, srv := bigCatalog(t, n)
	whole, err := (&catalog.Reader{KV: c.View()}).Department("SCJG")
	if err != nil {
		t.Fatal(err)
	}
	keys := func(d *catalog.Department) []string {
		var out []string
		for _, l := range [][]catalog.Entry{d.Duties, d.Resources, d.Tables, d.Items, d.Shares} {
			for _, e := range l {
				out = append(out, e.Key)
			}
		}
		return out
	}
	want := keys(whole)
	if len(want) != 1+n+n+1 {
		t.Fatalf("the department holds %d entries", len(want))
	}

	for _, limit := range []string{"", "1000", "7"} {
		var got []string
		cursor, pages, height := "", 0, int64(0)
		for {
			q := url.Values{"prove": {"true"}}
			if limit != "" {
				q.Set("limit", limit)
			}
			if cursor != "" {
				q.Set("cursor", cursor)
				q.Set("height", fmt.Sprint(height))
			}
			var page struct {
				node.CatalogResult
				Data catalog.Department `json:"data"`
			}
			size := pageOf(t, srv.URL+"/v1/catalog/departments/SCJG?"+q.Encode(), &page)
			pages++
			if size > pageBound {
				t.Fatalf("limit %q page %d: %d bytes, more than %d", limit, pages, size, pageBound)
			}
			if height == 0 {
				height = page.Height
			}
			es := keys(&page.Data)
			max := 1000
			switch limit {
			case "":
				max = node.DefaultPageLimit
			case "7":
				max = 7
			}
			if len(es) == 0 || len(es) > max {
				t.Fatalf("limit %q page %d has %d entries", limit, pages, len(es))
			}
			for _, l := range [][]catalog.Entry{page.Data.Duties, page.Data.Resources, page.Data.Items} {
				for _, e := range l {
					if err := e.CheckProof(page.AppHash); err != nil {
						t.Fatal(err)
					}
				}
			}
			got = append(got, es...)
			if page.NextCursor == "" {
				break
			}
			if pages == 1 && limit == "" && len(es) != node.DefaultPageLimit {
				t.Fatalf("no limit: first page has %d entries, want the default %d", len(es), node.DefaultPageLimit)
			}
			cursor = page.NextCursor
			if pages > 2*n {
				t.Fatal("cursors do not end")
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("limit %q: %d pages hold %d entries, want each of %d once", limit, pages, len(got), len(want))
		}
		if limit == "1000" && pages < 3 {
			t.Fatalf("limit 1000: %d pages; each should stop near %d bytes", pages, node.MaxPageBytes)
		}
	}

	// The common item is carried by every resource: its chain pages too.
	var refs []string
	cursor, pages := "", 0
	for {
		q := url.Values{"prove": {"true"}, "limit": {"1000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			node.CatalogResult
			Data catalog.ItemChain `json:"data"`
		}
		size := pageOf(t, srv.URL+"/v1/catalog/items/"+url.PathEscape("企业.统一社会信用代码")+"/chain?"+q.Encode(), &page)
		pages++
		if size > pageBound {
			t.Fatalf("item chain page %d: %d bytes", pages, size)
		}
		if pages == 1 && (!page.Data.Item.Found || page.Data.Source == nil) {
			t.Fatalf("the first page lacks the item and its source")
		}
		if pages > 1 && (page.Data.Source != nil || page.Data.Item.Record != nil) {
			t.Fatalf("page %d repeats the item", pages)
		}
		for _, e := range page.Data.References {
			refs = append(refs, e.Key)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(refs) != n || pages < 2 {
		t.Fatalf("item chain: %d references in %d pages, want %d", len(refs), pages, n)
	}
	slices.Sort(refs)
	if len(slices.Compact(refs)) != n {
		t.Fatal("item chain pages repeat references")
	}

	// A cursor this node never gave is refused, not misread.
	r, err := http.Get(srv.URL + "/v1/catalog/departments/SCJG?cursor=bm9wZQ")
	if err != nil {
		t.Fatal(err)
	}
	var e node.Error
	json.NewDecoder(r.Body).Decode(&e)
	r.Body.Close()
	if r.StatusCode != 400 || !strings.Contains(e.Message, "cursor") {
		t.Fatalf("bad cursor: HTTP %d %+v", r.StatusCode, e)
	}
}

// TestCertificateListCursors: GET /v1/certificates pages by cursor (every
// item once, in the order of the page-numbered list, which old clients
// still get without limit or cursor).
func TestCertificateListCursors(t *testing.T) {
	c, srv := certAPI(t)
	op := defineBL(c)
	var txs [][]byte
	for i := 0; i < 130; i++ {
		txs = append(txs, c.Tx(op, certificate.MsgAnchor, blAnchor(smcrypto.SM3Hex([]byte(fmt.Sprint("licence ", i))), fmt.Sprint("BL-", i), "2030-01-01")))
	}
	for _, r := range c.Block(txs...).TxResults {
		if r.Code != 0 {
			t.Fatalf("anchor: %s", r.Log)
		}
	}
	var byPage []string
	for page := 1; ; page++ {
		var l node.CertificateList
		pageOf(t, fmt.Sprintf("%s/v1/certificates?issuer=SCJG&page=%d", srv.URL, page), &l)
		if l.PageSize != certificate.PageSize || len(l.Items) > certificate.PageSize {
			t.Fatalf("page %d: %d items of %d", page, len(l.Items), l.PageSize)
		}
		for _, it := range l.Items {
			byPage = append(byPage, it.ID)
		}
		if !l.More {
			break
		}
		if l.NextCursor == "" {
			t.Fatal("a page with more has no next_cursor")
		}
	}
	var byCursor []string
	cursor := ""
	for pages := 1; ; pages++ {
		q := url.Values{"issuer": {"SCJG"}, "limit": {"7"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var l node.CertificateList
		pageOf(t, srv.URL+"/v1/certificates?"+q.Encode(), &l)
		if len(l.Items) > 7 || len(l.Items) == 0 {
			t.Fatalf("page %d: %d items", pages, len(l.Items))
		}
		for _, it := range l.Items {
			byCursor = append(byCursor, it.ID)
		}
		if cursor = l.NextCursor; cursor == "" {
			break
		}
		if pages > 100 {
			t.Fatal("cursors do not end")
		}
	}
	if len(byPage) != 130 || !slices.Equal(byPage, byCursor) {
		t.Fatalf("pages hold %d items, cursors %d; they should be the same 130", len(byPage), len(byCursor))
	}
}
