// Package catalogdemo is the data catalog's demo data: the four demo
// departments' sample catalogs, cross-checks and one sharing request of
// each kind. The test network seeds Demo from its list (testnet/demo.go).
package catalogdemo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/govchain/govchain/catalog-chain/catalogio"
	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/params"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet/demokit"
)

// Demo data-catalog: the four demo departments import the sample catalog
// (catalog-chain/testdata/sample, 228 resources), RSJ cross-checks an item
// SCJG is the source of and WJW disputes one of SCJG's table mappings, and
// there is one sharing request of each kind. ZWFW, the district's catalog
// authority, holds gov:catalog here (governance elsewhere).
var Demo = demokit.Demo{Module: catalogtypes.Name, Title: "catalog (目录区块链)",
	Grants: map[string][]string{"ZWFW": {catalogtypes.GovGrant}}, Seed: Seed}

// SampleDir finds catalog-chain/testdata/sample: $GOVCHAIN_CATALOG_SAMPLE,
// then relative to the working directory (repository root or a package
// directory), then next to this source file.
func SampleDir() (string, error) {
	var cands []string
	if d := os.Getenv("GOVCHAIN_CATALOG_SAMPLE"); d != "" {
		cands = append(cands, d)
	}
	rel := filepath.Join("catalog-chain", "testdata", "sample")
	cands = append(cands, rel, filepath.Join("..", rel))
	if _, file, _, ok := runtime.Caller(0); ok {
		cands = append(cands, filepath.Join(filepath.Dir(file), "..", "testdata", "sample"))
	}
	for _, c := range cands {
		if st, err := os.Stat(filepath.Join(c, "SCJG")); err == nil && st.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("sample catalog not found (looked in %v); run the demo from the repository root or set GOVCHAIN_CATALOG_SAMPLE", cands)
}

// Format says which departments import from xlsx (the others
// from CSV), so the demo exercises both readers.
var Format = map[string]string{"SCJG": "xlsx", "WJW": "xlsx"}

// Result is what the seeder did, for tests and the walkthrough.
type Result struct {
	Resources     map[string]int // per department
	Unconditional string         // granted request (with a delivery and its ack)
	Conditional   string         // pending request, waiting for the provider
	NotShared     string         // automatically rejected request
	Delivery      string
	Confirm       string // attestation ids
	Dispute       string
}

// Last is filled by Seed.
var Last Result

func findResource(c *catalogio.Catalog, name string) (*catalogtypes.ResourceMsg, error) {
	for i := range c.Resources {
		if c.Resources[i].Name == name {
			return &c.Resources[i], nil
		}
	}
	return nil, fmt.Errorf("sample catalog of %s has no resource %q", c.Dept, name)
}

// Seed is the catalog demo seeder.
func Seed(ctx context.Context, n *demokit.Net, w io.Writer) error {
	dir, err := SampleDir()
	if err != nil {
		return err
	}
	demo := Result{Resources: map[string]int{}}
	cats := map[string]*catalogio.Catalog{}
	signers := map[string]*client.Signer{}
	c := n.Client(0)
	maxBody := catalogio.MaxBody(params.Default().MaxTxBytes, n.ChainID)
	for _, dept := range []string{"ZWFW", "SCJG", "RSJ", "WJW"} {
		i := n.DeptIndex(dept)
		if i < 0 {
			fmt.Fprintf(w, "  %s is not in this network; its catalog is skipped\n", dept)
			continue
		}
		k, err := n.OperatorKey(i)
		if err != nil {
			return err
		}
		s, err := client.NewSigner(ctx, c, n.ChainID, k)
		if err != nil {
			return err
		}
		signers[dept] = s
		var rows catalogio.Rows
		var probs []catalogio.Problem
		src, name := filepath.Join(dir, dept), dept+"/*.csv"
		if Format[dept] == "xlsx" {
			src, name = src+".xlsx", dept+".xlsx"
			rows, probs, err = catalogio.ReadXLSX(src)
		} else {
			rows, probs, err = catalogio.ReadCSVDir(src)
		}
		if err != nil {
			return err
		}
		cat, more := catalogio.Parse(rows, dept)
		if probs = append(probs, more...); len(probs) > 0 {
			return catalogio.ProblemsError(probs)
		}
		cats[dept] = cat
		batches, err := catalogio.Batches(cat, maxBody)
		if err != nil {
			return err
		}
		var last int64
		for _, b := range batches {
			res, err := s.Send(ctx, c, catalogtypes.MsgImport, b, "commit")
			if err != nil {
				return fmt.Errorf("%s catalog: %w", dept, err)
			}
			last = res.Height
		}
		demo.Resources[dept] = len(cat.Resources)
		fmt.Fprintf(w, "  %-5s imported %s: %d duties, %d resources (%d data items), %d tables in %d tx (block %d)\n",
			dept, name, len(cat.Duties), len(cat.Resources), cat.Items(), len(cat.Tables), len(batches), last)
	}
	zw, sc, rs, wj := signers["ZWFW"], signers["SCJG"], signers["RSJ"], signers["WJW"]
	if zw == nil || sc == nil || rs == nil || wj == nil {
		fmt.Fprintln(w, "  cross-checks and sharing need ZWFW, SCJG, RSJ and WJW; skipped")
		Last = demo
		return nil
	}
	send := func(s *client.Signer, typ string, msg any) (string, error) {
		res, err := s.Send(ctx, c, typ, msg, "commit")
		if err != nil {
			return "", fmt.Errorf("%s: %w", typ, err)
		}
		return res.Data, nil
	}
	// 多元校核: RSJ confirms the credit code SCJG is the source of; WJW
	// disputes how one SCJG table maps the legal representative.
	qy, err := findResource(cats["SCJG"], "企业设立登记信息")
	if err != nil {
		return err
	}
	if demo.Confirm, err = send(rs, catalogtypes.MsgAttest, catalogtypes.Attest{Target: catalogtypes.TargetItem, Subject: "企业.统一社会信用代码",
		Verdict: catalogtypes.VerdictConfirm, EvidenceSM3: smcrypto.SM3Hex([]byte("RSJ 参保单位与企业登记信息比对报告 2026-01")), Comment: "与参保单位登记比对一致"}); err != nil {
		return err
	}
	var qyTable string
	for _, t := range cats["SCJG"].Tables {
		if t.Resource == qy.Code {
			qyTable = catalogtypes.TableID("SCJG", t.System, t.Database, t.Table)
		}
	}
	if demo.Dispute, err = send(wj, catalogtypes.MsgAttest, catalogtypes.Attest{Target: catalogtypes.TargetTable, Subject: qyTable, Item: "企业.法定代表人",
		Verdict: catalogtypes.VerdictDispute, EvidenceSM3: smcrypto.SM3Hex([]byte("WJW 公共场所卫生许可核查记录 2026-01")), Comment: "fddbr 列中部分记录为负责人而非法定代表人"}); err != nil {
		return err
	}
	fmt.Fprintf(w, "  RSJ   confirmed 企业.统一社会信用代码 (%s); WJW disputed the 企业.法定代表人 mapping of %s (%s, open)\n", demo.Confirm, qyTable, demo.Dispute)

	// sharing: one request of each kind
	type reply struct{ ID, Status string }
	request := func(s *client.Signer, m catalogtypes.ShareRequest) (reply, error) {
		var r reply
		data, err := send(s, catalogtypes.MsgShareRequest, m)
		if err == nil {
			err = json.Unmarshal([]byte(data), &r)
		}
		return r, err
	}
	r1, err := request(zw, catalogtypes.ShareRequest{Resource: qy.Code, Items: []string{"企业.统一社会信用代码", "企业.企业名称", "企业.法定代表人", "企业.登记日期"},
		Purpose: "企业开办一网通办：核验企业登记信息", PeriodDays: 365})
	if err != nil {
		return err
	}
	batch := smcrypto.SM3Hex([]byte("110108-SCJG-0001 增量 2026-01-01..2026-01-31"))
	if demo.Delivery, err = send(sc, catalogtypes.MsgShareDeliver, catalogtypes.Deliver{ID: r1.ID, Rows: 1873, BatchSM3: batch, Note: "2026年1月增量"}); err != nil {
		return err
	}
	if _, err := send(zw, catalogtypes.MsgShareAck, catalogtypes.Ack{ID: demo.Delivery, Rows: 1873, BatchSM3: batch}); err != nil {
		return err
	}
	cb, err := findResource(cats["RSJ"], "参保单位基本信息")
	if err != nil {
		return err
	}
	r2, err := request(zw, catalogtypes.ShareRequest{Resource: cb.Code, Items: []string{"参保单位.单位社保编号", "企业.统一社会信用代码", "参保单位.缴费状态"},
		Purpose: "企业开办：核验社保登记办理结果", LegalBasis: "《优化营商环境条例》第三十五条；《北京市优化营商环境条例》第二十条", PeriodDays: 180})
	if err != nil {
		return err
	}
	crb, err := findResource(cats["WJW"], "传染病疫情基本信息")
	if err != nil {
		return err
	}
	r3, err := request(rs, catalogtypes.ShareRequest{Resource: crb.Code, Items: []string{"传染病疫情.病种", "传染病疫情.报告日期"},
		Purpose: "工伤认定中职业病核查", LegalBasis: "《工伤保险条例》第十九条", PeriodDays: 30})
	if err != nil {
		return err
	}
	demo.Unconditional, demo.Conditional, demo.NotShared = r1.ID, r2.ID, r3.ID
	fmt.Fprintf(w, "  sharing: %s ZWFW<-SCJG %s %s (unconditional; delivery %s acknowledged)\n", r1.ID, qy.Code, r1.Status, demo.Delivery)
	fmt.Fprintf(w, "           %s ZWFW<-RSJ  %s %s (conditional; RSJ decides: govchain catalog share approve %s --key rsj-officer)\n", r2.ID, cb.Code, r2.Status, r2.ID)
	fmt.Fprintf(w, "           %s RSJ<-WJW   %s %s (not shared)\n", r3.ID, crb.Code, r3.Status)
	Last = demo
	return nil
}
