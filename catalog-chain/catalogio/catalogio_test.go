package catalogio_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/catalog-chain/catalogio"
	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/smcrypto"
)

var sampleDepts = []string{"ZWFW", "SCJG", "RSJ", "WJW"} // chaintest's first four departments, in order

func sampleDir(dept string) string { return filepath.Join("..", "testdata", "sample", dept) }

func readSample(t *testing.T, dept string) (*catalogio.Catalog, catalogio.Rows) {
	t.Helper()
	rows, probs, err := catalogio.ReadCSVDir(sampleDir(dept))
	if err != nil {
		t.Fatal(err)
	}
	c, more := catalogio.Parse(rows, dept)
	if probs = append(probs, more...); len(probs) > 0 {
		t.Fatalf("sample %s has bad rows: %v", dept, catalogio.ProblemsError(probs))
	}
	return c, rows
}

// importAll loads every department's sample into a fresh chain, each
// through as few catalog.import txs as the default size limit allows.
func importAll(t *testing.T, maxBody int) (*chaintest.Chain, map[string]*catalogio.Catalog, int) {
	t.Helper()
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{catalog.Module{}}})
	cats := map[string]*catalogio.Catalog{}
	txs := 0
	for i, dept := range sampleDepts {
		cat, _ := readSample(t, dept)
		cats[dept] = cat
		officer := c.Officer(i)
		batches, err := catalogio.Batches(cat, maxBody)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range batches {
			raw := c.Tx(officer, catalog.MsgImport, b)
			if p := chain.DefaultParams(); len(raw) > p.MaxTxBytes {
				t.Fatalf("batch tx is %d bytes, limit %d", len(raw), p.MaxTxBytes)
			}
			c.MustOK(raw)
			txs++
		}
	}
	return c, cats, txs
}

func TestSampleRoundTripsThroughChainCSV(t *testing.T) {
	c, cats, txs := importAll(t, catalogio.MaxBody(chain.DefaultParams().MaxTxBytes, chaintest.ChainID))
	total := 0
	for _, cat := range cats {
		total += len(cat.Resources)
	}
	if total < 200 {
		t.Fatalf("sample has %d resources, want hundreds", total)
	}
	t.Logf("%d resources imported in %d txs", total, txs)
	rd := &catalog.Reader{KV: c.View()}
	for _, dept := range sampleDepts {
		d, err := rd.Department(dept)
		if err != nil {
			t.Fatal(err)
		}
		got, err := catalogio.FromDepartment(d)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, cats[dept]) {
			t.Fatalf("%s: catalog read back from the chain differs from the sample", dept)
		}
		out := t.TempDir()
		if err := catalogio.WriteCSVDir(out, got); err != nil {
			t.Fatal(err)
		}
		for _, s := range catalogio.Sheets {
			want, err := os.ReadFile(filepath.Join(sampleDir(dept), s.File))
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(out, s.File))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, want) {
				t.Fatalf("%s/%s: export differs from the imported file", dept, s.File)
			}
		}
	}
}

func TestSampleRoundTripsThroughChainXLSX(t *testing.T) {
	c, cats, _ := importAll(t, catalogio.MaxBody(chain.DefaultParams().MaxTxBytes, chaintest.ChainID))
	rd := &catalog.Reader{KV: c.View()}
	for _, dept := range sampleDepts {
		path := filepath.Join("..", "testdata", "sample", dept+".xlsx")
		sampleRows, probs, err := catalogio.ReadXLSX(path)
		if err != nil || len(probs) > 0 {
			t.Fatalf("%s: %v %v", path, err, probs)
		}
		fromX, probs := catalogio.Parse(sampleRows, dept)
		if len(probs) > 0 {
			t.Fatalf("%s: %v", path, probs)
		}
		if !reflect.DeepEqual(fromX, cats[dept]) {
			t.Fatalf("%s: workbook and CSV files describe different catalogs", dept)
		}
		d, err := rd.Department(dept)
		if err != nil {
			t.Fatal(err)
		}
		got, err := catalogio.FromDepartment(d)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), dept+".xlsx")
		if err := catalogio.WriteXLSX(out, got); err != nil {
			t.Fatal(err)
		}
		exported, probs, err := catalogio.ReadXLSX(out)
		if err != nil || len(probs) > 0 {
			t.Fatalf("exported %s: %v %v", dept, err, probs)
		}
		// every cell of every sheet, and where it is, is identical
		if !reflect.DeepEqual(exported, sampleRows) {
			for _, s := range catalogio.Sheets {
				if !reflect.DeepEqual(exported[s.File], sampleRows[s.File]) {
					t.Errorf("%s sheet %s differs after the round trip", dept, s.Name)
				}
			}
			t.FailNow()
		}
	}
}

// TestBatchesAreMinimal: with a small size limit the sample needs many
// txs; each batch is full (the next entry would not have fit) and every
// batch respects the limit.
func TestBatchesAreMinimal(t *testing.T) {
	cat, _ := readSample(t, "SCJG")
	const limit = 48 << 10
	bs, err := catalogio.Batches(cat, limit)
	if err != nil {
		t.Fatal(err)
	}
	var flat []any
	for _, d := range cat.Duties {
		flat = append(flat, d)
	}
	for _, r := range cat.Resources {
		flat = append(flat, r)
	}
	for _, tb := range cat.Tables {
		flat = append(flat, tb)
	}
	total, used := 0, 0
	for i, b := range bs {
		body, _ := json.Marshal(b)
		if len(body) > limit {
			t.Fatalf("batch %d is %d bytes", i, len(body))
		}
		n := len(b.Duties) + len(b.Resources) + len(b.Tables)
		used += n
		if i < len(bs)-1 {
			next, _ := json.Marshal(flat[used])
			if len(body)+len(next)+1 <= limit-64 {
				t.Fatalf("batch %d (%d bytes) had room for the next entry (%d bytes)", i, len(body), len(next))
			}
		}
		total += len(body)
	}
	if used != len(flat) {
		t.Fatalf("batches carry %d entries, catalog has %d", used, len(flat))
	}
	if min := (total + limit - 1) / limit; len(bs) > min+1 {
		t.Fatalf("%d batches for %d bytes at %d per tx", len(bs), total, limit)
	}
	t.Logf("SCJG: %d entries, %d bytes, %d batches of at most %d bytes", len(flat), total, len(bs), limit)
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeChain answers dry-run lookups.
type fakeChain struct{}

func (fakeChain) DutyStatus(dept, code string) (string, error) {
	if dept == "RSJ" && code == "RSJ-ZZ-009" {
		return catalog.StatusActive, nil
	}
	return "", nil
}
func (fakeChain) ResourceProvider(code string) (string, error) {
	if code == "110108-SCJG-0001" {
		return "SCJG", nil
	}
	return "", nil
}
func (fakeChain) ItemOwner(key string) (string, string, error) {
	if key == "企业.统一社会信用代码" {
		return "SCJG", "110108-SCJG-0001", nil
	}
	return "", "", nil
}

func TestDryRunReportsEveryBadRow(t *testing.T) {
	dir := t.TempDir()
	h := func(s catalogio.Sheet) string { return strings.Join(s.Header, ",") + "\n" }
	write(t, dir, "duties.csv", h(catalogio.DutySheet)+
		"RSJ,RSJ-ZZ-001,社会保险登记,《社会保险法》第五十七条,有效\n"+
		"RSJ,RSJ ZZ 2,就业登记,《就业促进法》,有效\n"+ // line 3: bad code
		"SCJG,SCJG-ZZ-001,市场主体登记,x,有效\n") // line 4: other department
	write(t, dir, "resources.csv", h(catalogio.ResourceSheet)+
		"110108-RSJ-0001,参保单位信息,RSJ,RSJ-ZZ-001,基础信息资源,,有条件共享,,不予开放,涉及个人信息,每日,数据库,有效\n"+ // line 2: conditional without basis
		"110108-RSJ-0002,就业登记信息,RSJ,RSJ-ZZ-001;RSJ-ZZ-404,主题信息资源,,无条件共享,,无条件开放,,每时,数据库,有效\n"+ // line 3: bad cycle
		"110108-RSJ-0003,失业登记信息,RSJ,RSJ-ZZ-404;RSJ-ZZ-009,主题信息资源,,无条件共享,,无条件开放,,每月,数据库,有效\n"+ // line 4: duty nowhere
		"110108-SCJG-0001,企业登记信息,RSJ,RSJ-ZZ-001,基础信息资源,,无条件共享,,无条件开放,,每日,数据库,有效\n") // line 5: SCJG's resource
	write(t, dir, "items.csv", h(catalogio.ItemSheet)+
		"110108-RSJ-0001,参保单位.单位社保编号,单位社保编号,字符型,20,,是\n"+
		"110108-RSJ-0003,失业登记.失业登记证号,失业登记证号,字符型,abc,,是\n"+ // line 3: length
		"110108-RSJ-0003,企业.统一社会信用代码,统一社会信用代码,字符型,18,,是\n"+ // line 4: owned by SCJG
		"110108-RSJ-0003,失业登记.失业原因,失业原因,字符型,50,,否\n"+
		"110108-RSJ-0009,x.y,y,字符型,1,,否\n"+ // line 6: unknown resource
		"110108-SCJG-0001,企业.名称,名称,字符型,1,,否\n")
	write(t, dir, "tables.csv", h(catalogio.TableSheet)+
		"RSJ,cbdwxt,rsj_shbx,t_cbdw,110108-RSJ-0003,"+smcrypto.SM3Hex([]byte("ddl"))+",有效\n"+
		"RSJ,cbdwxt,rsj_shbx,t_bad,110108-RSJ-0003,ABC,有效\n") // line 3: bad SM3
	write(t, dir, "columns.csv", h(catalogio.ColumnSheet)+
		"RSJ,cbdwxt,rsj_shbx,t_cbdw,失业登记.失业原因,syyy\n"+
		"RSJ,cbdwxt,rsj_shbx,t_cbdw,失业登记.不存在,bcz\n"+ // line 3: item not in resource
		"RSJ,cbdwxt,rsj_shbx,t_none,失业登记.失业原因,syyy\n"+ // line 4: unknown table
		"RSJ,cbdwxt,rsj_shbx,t_cbdw,失业登记.失业原因,syyy2\n") // line 5: item mapped twice
	rows, probs, err := catalogio.ReadCSVDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, more := catalogio.Parse(rows, "RSJ")
	probs = append(probs, more...)
	chainProbs, err := catalogio.Check(c, rows, fakeChain{})
	if err != nil {
		t.Fatal(err)
	}
	probs = append(probs, chainProbs...)
	want := []struct{ where, reason string }{
		{"duties.csv line 3", "duty code"},
		{"duties.csv line 4", "belongs to SCJG"},
		{"resources.csv line 3", "更新周期"},
		{"items.csv line 3", "数据长度"},
		{"items.csv line 6", "110108-RSJ-0009"},
		{"resources.csv line 2", "legal basis"},
		{"tables.csv line 3", "schema_sm3"},
		{"columns.csv line 3", "has no data item 失业登记.不存在"},
		{"columns.csv line 4", "t_none"},
		{"columns.csv line 5", "maps data item 失业登记.失业原因 twice"},
		{"resources.csv line 4", "RSJ has no duty RSJ-ZZ-404"},
		{"items.csv line 4", "SCJG"},
		{"resources.csv line 5", "belongs to SCJG"},
	}
	got := map[string]string{}
	for _, p := range probs {
		got[p.Where] += p.Reason + " | "
	}
	for _, w := range want {
		if !strings.Contains(got[w.where], w.reason) {
			t.Errorf("%s: want a problem mentioning %q, got %q", w.where, w.reason, got[w.where])
		}
	}
	if len(probs) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(probs), len(want), catalogio.ProblemsError(probs))
	}
}
