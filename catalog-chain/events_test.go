package catalog_test

import (
	"testing"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/smcrypto"
)

// TestEventsAsDeclared: every event the contract emits is in
// catalogtypes.EventAttrs, its attributes in the declared order, and every
// declared event and attribute is emitted by some message; node/explore
// searches and counts by that table. One event has two forms
// (catalog.delivery on delivery and on receipt): each form is the declared
// list with some attributes left out, and together they cover it.
func TestEventsAsDeclared(t *testing.T) {
	e := newEnv(t)
	e.seedSCJG() // duties, resources (item owners), a table
	e.ok(iRSJ, catalog.MsgDuty, duty("RSJ-01", "社会保险登记"))
	e.ok(iRSJ, catalog.MsgResource, resource("110108-RSJ-0001", catalog.Conditional, []string{"RSJ-01"}, uscc(false)))
	e.ok(iZWFW, catalog.MsgTransferItem, catalog.TransferItem{Key: "企业.统一社会信用代码", To: "RSJ", Resource: "110108-RSJ-0001", Reason: "区政府第12次常务会议决定"})
	id, _ := e.request(iZWFW, "110108-SCJG-0002", "企业.登记日期")
	e.ok(iSCJG, catalog.MsgShareApprove, catalog.ShareDecision{ID: id, Reason: "同意"})
	batch := smcrypto.SM3Hex([]byte("2026-01 batch"))
	r := e.ok(iSCJG, catalog.MsgShareDeliver, catalog.Deliver{ID: id, Rows: 12, BatchSM3: batch})
	e.ok(iZWFW, catalog.MsgShareAck, catalog.Ack{ID: string(r.Data), Rows: 12, BatchSM3: batch})
	ev := smcrypto.SM3Hex([]byte("核查报告 2026-01"))
	tid := catalog.TableID("SCJG", "qydj", "djdb", "t_qy_jbxx")
	r = e.ok(iWJW, catalog.MsgAttest, catalog.Attest{Target: "table", Subject: tid, Item: "企业.法定代表人", Verdict: "dispute", EvidenceSM3: ev, Comment: "fddbr 列存放的是负责人"})
	e.ok(iZWFW, catalog.MsgResolve, catalog.Resolve{ID: string(r.Data), Outcome: "upheld", Note: "经核实"})

	chaintest.EventsAsDeclared(t, catalogtypes.Name, catalogtypes.EventAttrs, chaintest.Events(e.results...), catalogtypes.EventDelivery)
}
