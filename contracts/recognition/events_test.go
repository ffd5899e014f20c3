package recognition_test

import (
	"encoding/json"
	"strconv"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/recognition"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
)

// TestEventsAsDeclared: every event the contract emits is in
// rectypes.EventAttrs with exactly its attributes in order, and every
// declared event is emitted by some message; node/explore searches and
// counts by that table.
func TestEventsAsDeclared(t *testing.T) {
	p := newPartner(t)
	anchorH := p.c.Height + 1
	hash := smcrypto.SM3Hex([]byte("津 business licence events"))
	p.anchor(t, hash)
	d := newDistrict(t)
	var results []*abci.ExecTxResult
	ok := func(raw []byte) { results = append(results, d.c.MustOK(raw)) }

	// The agreement is set by a passed execute proposal: its events are
	// those of the vote that passes it.
	d.pass(t, gov.KindRegisterPartner, gov.Partner{ID: "TJ", Name: "天津市 Tianjin", Kind: recognition.KindGovchain, Config: partnerConfig(t, p, anchorH, nil)})
	body, _ := json.Marshal(recognition.Agreement{Partner: "TJ", PartnerType: "BL", LocalType: "BL", Conditions: "京津冀营业执照互认协议 (test)"})
	raw, _ := json.Marshal(gov.Execute{Type: recognition.MsgSetAgreement, Body: body})
	r := d.c.MustOK(d.c.Tx(d.c.Depts[zwfw].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindExecute, Action: raw, Reason: "test"}))
	id, _ := strconv.ParseUint(string(r.Data), 10, 64)
	ok(d.c.Tx(d.c.Depts[scjg].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}))
	ok(d.c.Tx(d.c.Depts[rsj].Admin, gov.MsgVote, gov.CastVote{ID: id, Vote: gov.VoteApprove}))

	h1 := p.c.Height + 1
	ok(d.tx(recognition.MsgRecognise, p.evidence(t, hash, h1, p.update(t, hdr{height: h1}))))
	p.status(t, certificate.MsgRevoke, hash)
	h2 := p.c.Height + 1
	ok(d.tx(recognition.MsgUpdateClient, recognition.UpdateClient{Partner: "TJ", Update: *p.update(t, hdr{height: h2})}))
	ok(d.tx(recognition.MsgRevoke, p.evidence(t, hash, h2, nil)))

	chaintest.EventsAsDeclared(t, rectypes.Name, rectypes.EventAttrs, chaintest.Events(results...))
}
