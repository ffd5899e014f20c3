package catalog_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/chain/proof"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/state"
	"github.com/govchain/govchain/contracts/gov"
)

const (
	iZWFW = 0
	iSCJG = 1
	iRSJ  = 2
	iWJW  = 3
)

type env struct {
	t        *testing.T
	c        *chaintest.Chain
	officers []*smcrypto.PrivateKey
	// clock, when set, is the time of the last block send made; each send
	// then runs one second later (to test past a grant's expiry)
	clock time.Time
	// results are every accepted tx's result, in order (TestEventsAsDeclared)
	results []*abci.ExecTxResult
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{catalog.Module{}},
		Grants: map[string][]string{"ZWFW": {catalog.GovGrant}}})
	e := &env{t: t, c: c}
	for i := range c.Depts {
		e.officers = append(e.officers, c.Officer(i))
	}
	return e
}

// send delivers msg signed by key in its own block and returns the result;
// a rejected tx does not use up the signer's sequence.
func (e *env) send(k *smcrypto.PrivateKey, typ string, msg any) *abci.ExecTxResult {
	e.t.Helper()
	var r *abci.ExecTxResult
	if e.clock.IsZero() {
		r = e.c.Block(e.c.Tx(k, typ, msg)).TxResults[0]
	} else {
		e.clock = e.clock.Add(time.Second)
		r = e.c.BlockAt(e.clock, e.c.Tx(k, typ, msg)).TxResults[0]
	}
	if r.Code != 0 {
		seq, err := identity.Sequence(e.c.View(), k.PublicKey().ID())
		if err != nil {
			e.t.Fatal(err)
		}
		e.c.ResetSeq(k, seq)
	} else {
		e.results = append(e.results, r)
	}
	return r
}

func (e *env) ok(i int, typ string, msg any) *abci.ExecTxResult {
	e.t.Helper()
	r := e.send(e.officers[i], typ, msg)
	if r.Code != 0 {
		e.t.Fatalf("%s by %s: %s/%d %s", typ, e.c.Depts[i].Code, r.Codespace, r.Code, r.Log)
	}
	return r
}

// rejected sends msg, expects want, checks the message mentions every
// string in mention, and checks the state is exactly as before.
func (e *env) rejected(i int, typ string, msg any, want *errs.Error, mention ...string) {
	e.t.Helper()
	before := e.dump()
	r := e.send(e.officers[i], typ, msg)
	if r.Code != want.Code || r.Codespace != want.Codespace {
		e.t.Fatalf("%s by %s: got %s/%d %q, want %s/%d", typ, e.c.Depts[i].Code, r.Codespace, r.Code, r.Log, want.Codespace, want.Code)
	}
	for _, m := range mention {
		if !strings.Contains(r.Log, m) {
			e.t.Errorf("%s: message %q does not mention %q", typ, r.Log, m)
		}
	}
	after := e.dump()
	if len(before) != len(after) {
		e.t.Fatalf("rejected %s changed the number of keys: %d -> %d", typ, len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			e.t.Fatalf("rejected %s changed %s", typ, k)
		}
	}
}

// dump is the state without the per-block time.
func (e *env) dump() map[string]string {
	d := e.c.Dump()
	for k := range d {
		if chaintest.Bookkeeping(k) {
			delete(d, k)
		}
	}
	return d
}

func (e *env) reader() *catalog.Reader { return &catalog.Reader{KV: e.c.View()} }

func get[T any](e *env, kind, id string) *T {
	e.t.Helper()
	en, err := e.reader().Record(kind, id)
	if err != nil {
		e.t.Fatal(err)
	}
	if !en.Found {
		e.t.Fatalf("%s %s not found", kind, id)
	}
	var v T
	if err := en.Decode(&v); err != nil {
		e.t.Fatal(err)
	}
	return &v
}

func duty(code, name string) catalog.DutyMsg {
	return catalog.DutyMsg{Code: code, Name: name, LegalBasis: "《北京市海淀区机构职能规定》第三条"}
}

func uscc(source bool) catalog.Item {
	return catalog.Item{Key: "企业.统一社会信用代码", Name: "统一社会信用代码", Type: "string", Length: 18, Description: "GB 32100", Source: source}
}

func resource(code, sharing string, duties []string, items ...catalog.Item) catalog.ResourceMsg {
	r := catalog.ResourceMsg{Code: code, Name: "资源" + code, Duties: duties, Category: "departmental", Items: items,
		Sharing: sharing, Open: catalog.NotShared, OpenBasis: "涉及商业秘密", UpdateCycle: "daily", Format: "database"}
	if sharing != catalog.Unconditional {
		r.SharingBasis = "《政务信息资源共享管理暂行办法》第九条"
	}
	return r
}

// seedSCJG gives SCJG a duty and the enterprise registration resource that
// is the source of the credit code.
func (e *env) seedSCJG() {
	e.ok(iSCJG, catalog.MsgImport, catalog.Import{
		Duties: []catalog.DutyMsg{duty("SCJG-ZZ-01", "市场主体登记注册")},
		Resources: []catalog.ResourceMsg{
			resource("110108-SCJG-0001", catalog.Unconditional, []string{"SCJG-ZZ-01"}, uscc(true),
				catalog.Item{Key: "企业.法定代表人", Name: "法定代表人", Type: "string", Length: 50, Source: true},
				catalog.Item{Key: "企业.经营范围", Name: "经营范围", Type: "text", Length: 4000, Source: true}),
			resource("110108-SCJG-0002", catalog.Conditional, []string{"SCJG-ZZ-01"}, uscc(false),
				catalog.Item{Key: "企业.登记日期", Name: "登记日期", Type: "date", Source: true}),
			resource("110108-SCJG-0003", catalog.NotShared, []string{"SCJG-ZZ-01"}, uscc(false),
				catalog.Item{Key: "企业.举报线索", Name: "举报线索", Type: "text", Length: 2000, Source: true}),
		},
		Tables: []catalog.TableMsg{{System: "qydj", Database: "djdb", Table: "t_qy_jbxx", Resource: "110108-SCJG-0001",
			SchemaSM3: smcrypto.SM3Hex([]byte("create table t_qy_jbxx (tyshxydm char(18), fddbr varchar(50))")),
			Columns:   []catalog.Column{{Item: "企业.统一社会信用代码", Column: "tyshxydm"}, {Item: "企业.法定代表人", Column: "fddbr"}}}},
	})
}

func TestCrossDepartmentWriteRejected(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG()
	e.ok(iZWFW, catalog.MsgDuty, duty("ZWFW-01", "政务服务事项管理"))
	// ZWFW rewriting SCJG's resource
	e.rejected(iZWFW, catalog.MsgResource, resource("110108-SCJG-0001", catalog.Unconditional, []string{"ZWFW-01"}, uscc(false)),
		catalog.ErrOtherDept, "110108-SCJG-0001", "belongs to SCJG")
	// ... or mapping a table onto it
	e.rejected(iZWFW, catalog.MsgTable, catalog.TableMsg{System: "zwfw", Database: "db", Table: "t", Resource: "110108-SCJG-0001",
		SchemaSM3: smcrypto.SM3Hex([]byte("x")), Columns: []catalog.Column{{Item: "企业.统一社会信用代码", Column: "c"}}},
		catalog.ErrOtherDept, "belongs to SCJG")
	// ... or inside a batch: the whole batch is rejected, its own duty included
	e.rejected(iZWFW, catalog.MsgImport, catalog.Import{
		Duties:    []catalog.DutyMsg{duty("ZWFW-02", "政务服务评价")},
		Resources: []catalog.ResourceMsg{resource("110108-SCJG-0002", catalog.Unconditional, []string{"ZWFW-01"}, uscc(false))}},
		catalog.ErrOtherDept, "resources[0] 110108-SCJG-0002")
	// a duty always lands under the signer's own department
	e.ok(iZWFW, catalog.MsgDuty, duty("SCJG-ZZ-01", "同名职责"))
	if d := get[catalog.Duty](e, catalog.KindDuty, "ZWFW:SCJG-ZZ-01"); d.Dept != "ZWFW" {
		t.Fatalf("duty dept %s", d.Dept)
	}
	if d := get[catalog.Duty](e, catalog.KindDuty, "SCJG:SCJG-ZZ-01"); d.Name != "市场主体登记注册" || d.Version != 1 {
		t.Fatalf("SCJG's duty changed: %+v", d)
	}
	if r := get[catalog.Resource](e, catalog.KindResource, "110108-SCJG-0001"); r.Provider != "SCJG" || r.Version != 1 {
		t.Fatalf("resource %+v", r)
	}
}

func TestOneSourceRuleNamesOwner(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG()
	e.ok(iRSJ, catalog.MsgDuty, duty("RSJ-01", "社会保险登记"))
	// RSJ may carry the credit code (a reference) ...
	e.ok(iRSJ, catalog.MsgResource, resource("110108-RSJ-0001", catalog.Conditional, []string{"RSJ-01"}, uscc(false)))
	// ... but not claim to be its source
	e.rejected(iRSJ, catalog.MsgResource, resource("110108-RSJ-0002", catalog.Conditional, []string{"RSJ-01"}, uscc(true)),
		catalog.ErrItemOwned, "企业.统一社会信用代码", "SCJG", "110108-SCJG-0001")
	it := get[catalog.ItemRecord](e, catalog.KindItem, "企业.统一社会信用代码")
	if it.Owner != "SCJG" || it.Source != "110108-SCJG-0001" || it.Length != 18 {
		t.Fatalf("item %+v", it)
	}
	// SCJG moving the source between its own resources must clear the old flag first
	r2 := resource("110108-SCJG-0002", catalog.Conditional, []string{"SCJG-ZZ-01"}, uscc(true), catalog.Item{Key: "企业.登记日期", Name: "登记日期", Type: "date", Source: true})
	e.rejected(iSCJG, catalog.MsgResource, r2, catalog.ErrItemOwned, "110108-SCJG-0001")

	// governance moves ownership: RSJ (no gov:catalog grant) cannot, ZWFW (granted) can
	tr := catalog.TransferItem{Key: "企业.统一社会信用代码", To: "RSJ", Resource: "110108-RSJ-0001", Reason: "区政府第12次常务会议决定"}
	e.rejected(iRSJ, catalog.MsgTransferItem, tr, identity.ErrNoGrant, "gov:catalog")
	e.ok(iZWFW, catalog.MsgTransferItem, tr)
	it = get[catalog.ItemRecord](e, catalog.KindItem, "企业.统一社会信用代码")
	if it.Owner != "RSJ" || it.Source != "110108-RSJ-0001" || it.Version != 2 {
		t.Fatalf("after transfer: %+v", it)
	}
	// both resources got a new version with the flag moved
	old := get[catalog.Resource](e, catalog.KindResource, "110108-SCJG-0001")
	nw := get[catalog.Resource](e, catalog.KindResource, "110108-RSJ-0001")
	if old.Version != 2 || old.Items[0].Source || nw.Version != 2 || !nw.Items[0].Source {
		t.Fatalf("source flags after transfer: SCJG v%d %v, RSJ v%d %v", old.Version, old.Items[0].Source, nw.Version, nw.Items[0].Source)
	}
	// and now SCJG is the one rejected
	e.rejected(iSCJG, catalog.MsgResource, r2, catalog.ErrItemOwned, "RSJ")
}

func TestResourceNeedsProviderDuty(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG()
	e.ok(iWJW, catalog.MsgDuty, duty("WJW-01", "医疗机构执业登记"))
	item := catalog.Item{Key: "医疗机构.登记号", Name: "登记号", Type: "string", Length: 22, Source: true}
	// no duty at all
	e.rejected(iWJW, catalog.MsgResource, resource("110108-WJW-0001", catalog.Conditional, nil, item), catalog.ErrNoDuty, "at least one duty")
	// another department's duty code
	e.rejected(iWJW, catalog.MsgResource, resource("110108-WJW-0001", catalog.Conditional, []string{"SCJG-ZZ-01"}, item), catalog.ErrNoDuty, "WJW has no duty SCJG-ZZ-01")
	// a revoked duty
	e.ok(iWJW, catalog.MsgDuty, catalog.DutyMsg{Code: "WJW-02", Name: "旧职责", LegalBasis: "已废止", Status: catalog.StatusRevoked})
	e.rejected(iWJW, catalog.MsgResource, resource("110108-WJW-0001", catalog.Conditional, []string{"WJW-02"}, item), catalog.ErrNoDuty, "revoked")
	e.ok(iWJW, catalog.MsgResource, resource("110108-WJW-0001", catalog.Conditional, []string{"WJW-01"}, item))
	// revoking a duty an active resource derives from is refused
	e.rejected(iWJW, catalog.MsgDuty, catalog.DutyMsg{Code: "WJW-01", Name: "医疗机构执业登记", LegalBasis: "x", Status: catalog.StatusRevoked}, catalog.ErrInUse, "110108-WJW-0001")
}

func (e *env) request(i int, code string, items ...string) (id, status string) {
	e.t.Helper()
	r := e.ok(i, catalog.MsgShareRequest, catalog.ShareRequest{Resource: code, Items: items, Purpose: "企业开办一网通办核验",
		LegalBasis: "《优化营商环境条例》第三十七条", PeriodDays: 30})
	var out struct{ ID, Status string }
	if err := json.Unmarshal(r.Data, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.ID, out.Status
}

func TestConditionalSharingNeedsProviderApproval(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG()
	// unconditional: granted at once
	id1, st := e.request(iZWFW, "110108-SCJG-0001", "企业.统一社会信用代码", "企业.法定代表人")
	if st != catalog.ShareGranted {
		t.Fatalf("unconditional request is %s", st)
	}
	// conditional: pending until the provider decides
	id2, st := e.request(iZWFW, "110108-SCJG-0002", "企业.登记日期")
	if st != catalog.SharePending {
		t.Fatalf("conditional request is %s", st)
	}
	// conditional without a legal basis is refused
	e.rejected(iZWFW, catalog.MsgShareRequest, catalog.ShareRequest{Resource: "110108-SCJG-0002", Items: []string{"企业.登记日期"}, Purpose: "x", PeriodDays: 3},
		catalog.ErrBadInput, "legal basis")
	// nobody but the provider approves: not the requester, not a third department
	e.rejected(iZWFW, catalog.MsgShareApprove, catalog.ShareDecision{ID: id2}, catalog.ErrOtherDept, "only the provider SCJG")
	e.rejected(iRSJ, catalog.MsgShareApprove, catalog.ShareDecision{ID: id2}, catalog.ErrOtherDept, "only the provider SCJG")
	e.rejected(iZWFW, catalog.MsgShareDeliver, catalog.Deliver{ID: id2, Rows: 1, BatchSM3: smcrypto.SM3Hex([]byte("b"))}, catalog.ErrOtherDept)
	e.rejected(iSCJG, catalog.MsgShareDeliver, catalog.Deliver{ID: id2, Rows: 1, BatchSM3: smcrypto.SM3Hex([]byte("b"))}, catalog.ErrBadState, "pending")
	if s := get[catalog.Share](e, catalog.KindShare, id2); s.Status != catalog.SharePending || s.ExpiresAt != "" {
		t.Fatalf("share %+v", s)
	}
	e.ok(iSCJG, catalog.MsgShareApprove, catalog.ShareDecision{ID: id2, Reason: "同意，限企业开办核验使用"})
	s := get[catalog.Share](e, catalog.KindShare, id2)
	if s.Status != catalog.ShareGranted || s.Version != 2 || s.GrantedAt == "" {
		t.Fatalf("approved share %+v", s)
	}
	exp, _ := catalog.ParseTime(s.ExpiresAt)
	granted, _ := catalog.ParseTime(s.GrantedAt)
	if exp.Sub(granted) != 30*24*time.Hour {
		t.Fatalf("grant runs %v, want 30 days", exp.Sub(granted))
	}
	e.rejected(iSCJG, catalog.MsgShareApprove, catalog.ShareDecision{ID: id2}, catalog.ErrBadState, "granted")
	// a third request is rejected with a reason
	id3, _ := e.request(iRSJ, "110108-SCJG-0002", "企业.登记日期")
	e.rejected(iSCJG, catalog.MsgShareReject, catalog.ShareDecision{ID: id3}, catalog.ErrBadInput, "reason")
	e.ok(iSCJG, catalog.MsgShareReject, catalog.ShareDecision{ID: id3, Reason: "用途与登记日期无关"})

	// deliveries and receipts under the grant
	batch := smcrypto.SM3Hex([]byte("2026-01 batch"))
	r := e.ok(iSCJG, catalog.MsgShareDeliver, catalog.Deliver{ID: id2, Rows: 1250, BatchSM3: batch})
	dl := string(r.Data)
	e.rejected(iRSJ, catalog.MsgShareAck, catalog.Ack{ID: dl, Rows: 1250, BatchSM3: batch}, catalog.ErrOtherDept, "only the requester ZWFW")
	e.ok(iZWFW, catalog.MsgShareAck, catalog.Ack{ID: dl, Rows: 1250, BatchSM3: batch})
	if d := get[catalog.Delivery](e, catalog.KindDelivery, dl); d.Status != catalog.DeliveryAcknowledged || d.Version != 2 {
		t.Fatalf("delivery %+v", d)
	}
	r = e.ok(iSCJG, catalog.MsgShareDeliver, catalog.Deliver{ID: id1, Rows: 10, BatchSM3: batch})
	e.ok(iZWFW, catalog.MsgShareAck, catalog.Ack{ID: string(r.Data), Rows: 9, BatchSM3: batch})
	if d := get[catalog.Delivery](e, catalog.KindDelivery, string(r.Data)); d.Status != catalog.DeliveryMismatch || d.AckRows != 9 {
		t.Fatalf("short delivery %+v", d)
	}
	// revocation by the provider, with a reason
	e.ok(iSCJG, catalog.MsgShareRevoke, catalog.ShareDecision{ID: id2, Reason: "合作协议终止"})
	e.rejected(iSCJG, catalog.MsgShareDeliver, catalog.Deliver{ID: id2, Rows: 1, BatchSM3: batch}, catalog.ErrBadState, "revoked")

	// the sharing query by state
	rd := e.reader()
	for _, tc := range []struct {
		state string
		want  []string
	}{{catalog.ShareGranted, []string{id1}}, {catalog.SharePending, nil}, {catalog.ShareRejected, []string{id3}}, {catalog.ShareRevoked, []string{id2}}} {
		got, err := rd.Sharing(tc.state, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, g := range got {
			var s catalog.Share
			_ = g.Decode(&s)
			ids = append(ids, s.ID)
		}
		if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
			t.Errorf("state %s: %v, want %v", tc.state, ids, tc.want)
		}
	}
}

func TestNotSharedNeverGranted(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG()
	id, st := e.request(iZWFW, "110108-SCJG-0003", "企业.举报线索")
	s := get[catalog.Share](e, catalog.KindShare, id)
	if st != catalog.ShareRejected || s.Status != catalog.ShareRejected || !strings.Contains(s.Reason, "not shared") || s.ExpiresAt != "" {
		t.Fatalf("request of a not-shared resource: %s %+v", st, s)
	}
	e.rejected(iSCJG, catalog.MsgShareApprove, catalog.ShareDecision{ID: id}, catalog.ErrBadState)
	e.rejected(iSCJG, catalog.MsgShareDeliver, catalog.Deliver{ID: id, Rows: 1, BatchSM3: smcrypto.SM3Hex(nil)}, catalog.ErrBadState)
	// a pending request whose resource turns not-shared cannot be approved either
	id2, _ := e.request(iRSJ, "110108-SCJG-0002", "企业.登记日期")
	r := resource("110108-SCJG-0002", catalog.NotShared, []string{"SCJG-ZZ-01"}, uscc(false), catalog.Item{Key: "企业.登记日期", Name: "登记日期", Type: "date", Source: true})
	e.ok(iSCJG, catalog.MsgResource, r)
	e.rejected(iSCJG, catalog.MsgShareApprove, catalog.ShareDecision{ID: id2}, catalog.ErrNotShared, "can never be granted")
	// and a not-shared resource always needs its legal basis
	r.SharingBasis = ""
	e.rejected(iSCJG, catalog.MsgResource, r, catalog.ErrBadInput, "legal basis")
	got, err := e.reader().Sharing(catalog.ShareGranted, "", 0)
	if err != nil || len(got) != 0 {
		t.Fatalf("granted requests: %v %v", got, err)
	}
}

func TestExpiredGrantReportedExpired(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG()
	r := e.ok(iRSJ, catalog.MsgShareRequest, catalog.ShareRequest{Resource: "110108-SCJG-0001", Items: []string{"企业.统一社会信用代码"}, Purpose: "参保单位核验", PeriodDays: 1})
	var out struct{ ID string }
	_ = json.Unmarshal(r.Data, &out)
	s := get[catalog.Share](e, catalog.KindShare, out.ID)
	exp, err := catalog.ParseTime(s.ExpiresAt)
	if err != nil {
		t.Fatal(err)
	}
	grantHeight := e.c.Height
	state := func(height int64) string {
		v, err := e.c.Store.At(height)
		if err != nil {
			t.Fatal(err)
		}
		list, err := (&catalog.Reader{KV: v}).Sharing("", "RSJ", 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("sharing of RSJ at %d: %v %v", height, list, err)
		}
		return list[0].State
	}
	if st := state(grantHeight); st != catalog.ShareGranted {
		t.Fatalf("right after the grant: %s", st)
	}
	// one second before expiry: still granted, a delivery goes through
	e.c.BlockAt(exp.Add(-time.Second))
	if st := state(e.c.Height); st != catalog.ShareGranted {
		t.Fatalf("1 s before expiry: %s", st)
	}
	// a block at exactly the expiry time: expired (block time >= expiry)
	e.c.BlockAt(exp)
	if st := state(e.c.Height); st != catalog.ShareExpired {
		t.Fatalf("at expiry: %s", st)
	}
	// the stored record still says granted: expiry is computed from the block time
	if s := get[catalog.Share](e, catalog.KindShare, out.ID); s.Status != catalog.ShareGranted || s.Version != 1 {
		t.Fatalf("stored %+v", s)
	}
	if st := state(grantHeight); st != catalog.ShareGranted {
		t.Fatalf("history changed: at the grant height the request is %s", st)
	}
	exps, _ := e.reader().Sharing(catalog.ShareExpired, "", 0)
	grs, _ := e.reader().Sharing(catalog.ShareGranted, "", 0)
	if len(exps) != 1 || len(grs) != 0 {
		t.Fatalf("expired %d granted %d", len(exps), len(grs))
	}
	// deliveries and revocations need a live grant (the next blocks are later still)
	e.clock = exp
	e.rejected(iSCJG, catalog.MsgShareDeliver, catalog.Deliver{ID: out.ID, Rows: 1, BatchSM3: smcrypto.SM3Hex(nil)}, catalog.ErrExpired, "expired at")
	e.rejected(iSCJG, catalog.MsgShareRevoke, catalog.ShareDecision{ID: out.ID, Reason: "x"}, catalog.ErrExpired)
}

func TestHistoryReturnsEveryVersion(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG()
	base := catalog.TableMsg{System: "qydj", Database: "djdb", Table: "t_qy_jbxx", Resource: "110108-SCJG-0001",
		Columns: []catalog.Column{{Item: "企业.统一社会信用代码", Column: "tyshxydm"}, {Item: "企业.法定代表人", Column: "fddbr"}}}
	schemas := []string{"create table t_qy_jbxx (tyshxydm char(18), fddbr varchar(50))"}
	for _, extra := range []string{", jyfw text", ", jyfw text, djrq date"} {
		schemas = append(schemas, strings.TrimSuffix(schemas[0], ")")+extra+")")
	}
	for _, s := range schemas[1:] {
		m := base
		m.SchemaSM3 = smcrypto.SM3Hex([]byte(s))
		m.Columns = append([]catalog.Column{}, base.Columns...)
		m.Columns = append(m.Columns, catalog.Column{Item: "企业.经营范围", Column: "jyfw"})
		e.ok(iSCJG, catalog.MsgTable, m)
	}
	// an identical resubmission is not a new version
	m := base
	m.SchemaSM3 = smcrypto.SM3Hex([]byte(schemas[2]))
	m.Columns = append(append([]catalog.Column{}, base.Columns...), catalog.Column{Item: "企业.经营范围", Column: "jyfw"})
	r := e.ok(iSCJG, catalog.MsgTable, m)
	var res catalog.ImportResult
	_ = json.Unmarshal(r.Data, &res)
	if res.Tables.Unchanged != 1 {
		t.Fatalf("resubmission result %+v", res)
	}
	id := catalog.TableID("SCJG", "qydj", "djdb", "t_qy_jbxx")
	hist, err := e.reader().History(catalog.KindTable, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 {
		t.Fatalf("history has %d versions, want 3", len(hist))
	}
	for i, h := range hist {
		var tb catalog.Table
		if err := h.Decode(&tb); err != nil {
			t.Fatal(err)
		}
		if tb.Version != int64(i+1) || tb.SchemaSM3 != smcrypto.SM3Hex([]byte(schemas[i])) {
			t.Errorf("version %d: got v%d schema %s", i+1, tb.Version, tb.SchemaSM3)
		}
		if h.Key != "catalog/table/"+id+"/v/"+itoa(i+1) {
			t.Errorf("version key %s", h.Key)
		}
	}
	// every version is provable
	v := e.c.View()
	pr := &catalog.Reader{KV: v, Prove: func(k []byte) (*proofT, error) { return prove(v, k) }}
	hist, err = pr.History(catalog.KindTable, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hist {
		if err := h.CheckProof(v.Hash()); err != nil {
			t.Fatal(err)
		}
	}
	// a forged record fails the check
	hist[0].Record = []byte(strings.Replace(string(hist[0].Record), "t_qy_jbxx", "t_fake", 1))
	if err := hist[0].CheckProof(v.Hash()); err == nil {
		t.Fatal("a changed record passed its proof check")
	}
}

func TestAttestAndResolveDispute(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG()
	ev := smcrypto.SM3Hex([]byte("核查报告 2026-01"))
	// the owner cannot cross-check itself
	e.rejected(iSCJG, catalog.MsgAttest, catalog.Attest{Target: "item", Subject: "企业.统一社会信用代码", Verdict: "confirm", EvidenceSM3: ev}, catalog.ErrOwnEntry)
	r := e.ok(iRSJ, catalog.MsgAttest, catalog.Attest{Target: "item", Subject: "企业.统一社会信用代码", Verdict: "confirm", EvidenceSM3: ev})
	confirmID := string(r.Data)
	tid := catalog.TableID("SCJG", "qydj", "djdb", "t_qy_jbxx")
	e.rejected(iWJW, catalog.MsgAttest, catalog.Attest{Target: "table", Subject: tid, Item: "企业.法定代表人", Verdict: "dispute", EvidenceSM3: ev}, catalog.ErrBadInput, "dispute must say")
	r = e.ok(iWJW, catalog.MsgAttest, catalog.Attest{Target: "table", Subject: tid, Item: "企业.法定代表人", Verdict: "dispute", EvidenceSM3: ev, Comment: "fddbr 列存放的是负责人而非法定代表人"})
	disputeID := string(r.Data)
	a := get[catalog.Attestation](e, catalog.KindAttestation, disputeID)
	if a.Status != catalog.DisputeOpen || a.Owner != "SCJG" || a.Column != "fddbr" {
		t.Fatalf("dispute %+v", a)
	}
	open, err := e.reader().OpenDisputes()
	if err != nil || len(open) != 1 || open[0].Key != "catalog/attest/"+disputeID {
		t.Fatalf("open disputes %v %v", open, err)
	}
	e.rejected(iSCJG, catalog.MsgResolve, catalog.Resolve{ID: disputeID, Outcome: "dismissed", Note: "x"}, identity.ErrNoGrant)
	e.rejected(iZWFW, catalog.MsgResolve, catalog.Resolve{ID: confirmID, Outcome: "upheld", Note: "x"}, catalog.ErrBadState, "not an open dispute")
	e.ok(iZWFW, catalog.MsgResolve, catalog.Resolve{ID: disputeID, Outcome: "upheld", Note: "经核实，SCJG 应更正映射"})
	if open, _ := e.reader().OpenDisputes(); len(open) != 0 {
		t.Fatalf("still open: %v", open)
	}
	if a := get[catalog.Attestation](e, catalog.KindAttestation, disputeID); a.Status != catalog.DisputeUpheld || a.Version != 2 {
		t.Fatalf("resolved %+v", a)
	}
	// the item's chain shows duty -> resource -> table, and both cross-checks
	ch, err := e.reader().ItemChain("企业.法定代表人")
	if err != nil {
		t.Fatal(err)
	}
	if ch.Source == nil || ch.Source.Key != "catalog/resource/110108-SCJG-0001" || len(ch.Duties) != 1 || ch.Duties[0].Key != "catalog/duty/SCJG:SCJG-ZZ-01" ||
		len(ch.Tables) != 1 || ch.Tables[0].Key != "catalog/table/"+tid || len(ch.Attestations) != 1 {
		t.Fatalf("chain %+v", ch)
	}
	ch, _ = e.reader().ItemChain("企业.统一社会信用代码")
	if len(ch.References) != 3 || len(ch.Attestations) != 1 {
		t.Fatalf("credit code: %d references, %d attestations", len(ch.References), len(ch.Attestations))
	}
}

func TestImportAllOrNothingAndSizeChecks(t *testing.T) {
	e := newEnv(t)
	e.rejected(iSCJG, catalog.MsgImport, catalog.Import{}, catalog.ErrEmptyBatch)
	bad := catalog.Import{
		Duties:    []catalog.DutyMsg{duty("SCJG-ZZ-01", "市场主体登记注册")},
		Resources: []catalog.ResourceMsg{resource("110108-SCJG-0001", catalog.Unconditional, []string{"SCJG-ZZ-01"}, uscc(true))},
		Tables: []catalog.TableMsg{{System: "qydj", Database: "djdb", Table: "t", Resource: "110108-SCJG-0001",
			SchemaSM3: smcrypto.SM3Hex(nil), Columns: []catalog.Column{{Item: "企业.注册资本", Column: "zczb"}}}},
	}
	e.rejected(iSCJG, catalog.MsgImport, bad, catalog.ErrBadInput, "tables[0] qydj.djdb.t", "has no data item 企业.注册资本")
	bad.Tables[0].Columns[0].Item = "企业.统一社会信用代码"
	r := e.ok(iSCJG, catalog.MsgImport, bad)
	var res catalog.ImportResult
	if err := json.Unmarshal(r.Data, &res); err != nil {
		t.Fatal(err)
	}
	if res.Duties.Created != 1 || res.Resources.Created != 1 || res.Tables.Created != 1 {
		t.Fatalf("result %+v", res)
	}
	// dropping an item a table maps is refused unless the table changes too
	r2 := resource("110108-SCJG-0001", catalog.Unconditional, []string{"SCJG-ZZ-01"}, catalog.Item{Key: "企业.名称", Name: "企业名称", Type: "string", Length: 200, Source: true})
	e.rejected(iSCJG, catalog.MsgResource, r2, catalog.ErrInUse, "SCJG:qydj.djdb.t", "企业.统一社会信用代码")
}

func itoa(i int) string { return strconv.Itoa(i) }

type proofT = proof.Proof

func prove(v *state.View, k []byte) (*proof.Proof, error) {
	val, ops, err := v.Prove(k)
	return &proof.Proof{Key: k, Value: val, Height: v.Version(), Ops: ops}, err
}

// TestGovernanceExecutesTransfer: without any department holding
// gov:catalog, a passed governance "execute" proposal moves ownership.
func TestGovernanceExecutesTransfer(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{catalog.Module{}, gov.Module{}}})
	e := &env{t: t, c: c}
	for i := range c.Depts {
		e.officers = append(e.officers, c.Officer(i))
	}
	e.seedSCJG()
	e.ok(iRSJ, catalog.MsgDuty, duty("RSJ-01", "社会保险登记"))
	e.ok(iRSJ, catalog.MsgResource, resource("110108-RSJ-0001", catalog.Conditional, []string{"RSJ-01"}, uscc(false)))
	tr := catalog.TransferItem{Key: "企业.统一社会信用代码", To: "RSJ", Resource: "110108-RSJ-0001", Reason: "区政府常务会议决定"}
	e.rejected(iZWFW, catalog.MsgTransferItem, tr, identity.ErrNoGrant)
	body, _ := json.Marshal(tr)
	action, _ := json.Marshal(gov.Execute{Type: catalog.MsgTransferItem, Body: body})
	admin := func(i int) *smcrypto.PrivateKey { return c.Depts[i].Admin }
	r := c.MustOK(c.Tx(admin(iZWFW), gov.MsgPropose, gov.Propose{Kind: gov.KindExecute, Action: action, Reason: "一数一源调整"}))
	id, err := strconv.ParseUint(string(r.Data), 10, 64)
	if err != nil {
		t.Fatalf("proposal id %q: %v", r.Data, err)
	}
	for _, i := range []int{iSCJG, iRSJ} {
		c.MustOK(c.Tx(admin(i), gov.MsgVote, gov.CastVote{ID: id, Vote: "approve"}))
	}
	c.Block()
	it := get[catalog.ItemRecord](e, catalog.KindItem, "企业.统一社会信用代码")
	if it.Owner != "RSJ" || it.Source != "110108-RSJ-0001" || it.Signer != "governance" || it.Reason != tr.Reason {
		t.Fatalf("after the proposal: %+v", it)
	}
}
