package certificate_test

import (
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
)

// TestEventsAsDeclared: every event the contract emits is in
// certtypes.EventAttrs with exactly its attributes in order, and every
// declared event is emitted by some message; node/explore searches and
// counts by that table.
func TestEventsAsDeclared(t *testing.T) {
	c := newChain(t, defaultGrants())
	var results []*abci.ExecTxResult
	ok := func(raw []byte) { results = append(results, c.MustOK(raw)) }
	ok(c.Tx(c.Depts[scjg].Admin, certificate.MsgDefineType, certificate.DefineType{Code: "BL", Name: "营业执照 business licence", MaxValidityDays: 1825}))
	op := c.Officer(scjg)
	old, nw := blAnchor(docHash("old")), blAnchor(docHash("new"))
	nw.LicenceNo = "BL-2026-000002"
	ok(c.Tx(op, certificate.MsgAnchor, old))
	ok(c.Tx(op, certificate.MsgAnchorBatch, certificate.AnchorBatch{Type: "BL", Root: docHash("batch"), Count: 3, IssueDate: "2026-01-01"}))
	ok(c.Tx(op, certificate.MsgSuspend, certificate.StatusChange{Hash: old.Hash, Reason: "02"}))
	ok(c.Tx(op, certificate.MsgReinstate, certificate.StatusChange{Hash: old.Hash, Reason: "05"}))
	ok(c.Tx(op, certificate.MsgReissue, certificate.Reissue{OldHash: old.Hash, Reason: "03", New: nw}))

	chaintest.EventsAsDeclared(t, certtypes.Name, certtypes.EventAttrs, chaintest.Events(results...))
}
