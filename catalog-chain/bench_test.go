package catalog_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/catalog-chain/catalogio"
	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
)

// benchCatalog is one department's catalog of n resources with 20 data
// items each: 5 it is the source of, 15 references to 300 common items.
func benchCatalog(dept string, n int) *catalogio.Catalog {
	c := &catalogio.Catalog{Dept: dept}
	for d := 0; d < 50; d++ {
		c.Duties = append(c.Duties, catalog.DutyMsg{Code: fmt.Sprintf("%s-ZZ-%03d", dept, d), Name: fmt.Sprintf("职责%03d", d), LegalBasis: "《北京市海淀区机构职能规定》"})
	}
	for i := 0; i < n; i++ {
		r := catalog.ResourceMsg{Code: fmt.Sprintf("110108-%s-%06d", dept, i), Name: fmt.Sprintf("基准资源%06d登记信息", i),
			Duties: []string{fmt.Sprintf("%s-ZZ-%03d", dept, i%50)}, Category: "departmental", Summary: "基准测试资源",
			Sharing: catalog.Conditional, SharingBasis: "《政务信息资源共享管理暂行办法》第九条", Open: catalog.NotShared, OpenBasis: "涉及个人隐私",
			UpdateCycle: "daily", Format: "database"}
		for k := 0; k < 5; k++ {
			r.Items = append(r.Items, catalog.Item{Key: fmt.Sprintf("基准%06d.数据项%d", i, k), Name: fmt.Sprintf("数据项%d", k), Type: "string", Length: 64, Description: "基准数据项", Source: true})
		}
		for k := 0; k < 15; k++ {
			j := (i*15 + k) % 300
			r.Items = append(r.Items, catalog.Item{Key: fmt.Sprintf("公共.数据项%03d", j), Name: fmt.Sprintf("公共数据项%03d", j), Type: "string", Length: 32})
		}
		c.Resources = append(c.Resources, r)
	}
	return c
}

// BenchmarkImport10k imports 10,000 resources (200,000 data items) of one
// department through catalog.import txs of at most max_tx_bytes, each run
// through CheckTx and then FinalizeBlock+Commit (one tx per block), as a
// validator does.
//
//	go test -run XXX -bench BenchmarkImport10k -benchtime 1x -count 3 ./catalog-chain/
func BenchmarkImport10k(b *testing.B) {
	const n = 10_000
	cat := benchCatalog("SCJG", n)
	if cat.Items() != 200_000 {
		b.Fatalf("%d items", cat.Items())
	}
	batches, err := catalogio.Batches(cat, catalogio.MaxBody(chain.DefaultParams().MaxTxBytes, chaintest.ChainID))
	if err != nil {
		b.Fatal(err)
	}
	var elapsed time.Duration
	var bytes int
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		c := chaintest.New(b, chaintest.Options{Modules: []module.Module{catalog.Module{}}})
		officer := c.Officer(1)
		raws := make([][]byte, len(batches))
		bytes = 0
		for i, m := range batches {
			raws[i] = c.Tx(officer, catalog.MsgImport, m)
			bytes += len(raws[i])
		}
		b.StartTimer()
		start := time.Now()
		for _, raw := range raws {
			if r := c.Check(raw); r.Code != 0 {
				b.Fatalf("CheckTx: %s/%d %s", r.Codespace, r.Code, r.Log)
			}
			res := c.Block(raw).TxResults[0]
			if res.Code != 0 {
				b.Fatalf("deliver: %s/%d %s", res.Codespace, res.Code, res.Log)
			}
			var out catalog.ImportResult
			if err := json.Unmarshal(res.Data, &out); err != nil || out.Resources.Unchanged != 0 {
				b.Fatalf("result %s", res.Data)
			}
		}
		elapsed += time.Since(start)
		b.StopTimer()
		// the catalog is all there
		d, err := (&catalog.Reader{KV: c.View()}).Department("SCJG")
		if err != nil || len(d.Resources) != n || len(d.Items) != 5*n {
			b.Fatalf("department after import: %d resources, %d items, %v", len(d.Resources), len(d.Items), err)
		}
		b.StartTimer()
	}
	sec := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(float64(n)/sec, "resources/s")
	b.ReportMetric(float64(cat.Items())/sec, "items/s")
	b.ReportMetric(float64(len(batches)), "txs")
	b.ReportMetric(float64(bytes)/float64(len(batches))/1024, "KiB/tx")
}
