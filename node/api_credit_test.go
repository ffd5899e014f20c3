package node_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/creditio"
	"github.com/govchain/govchain/contracts/identifier"
	"github.com/govchain/govchain/node"
)

func creditEvent(t *testing.T, c *chaintest.Chain, kind, subject, decision string) credit.Event {
	t.Helper()
	rd := []creditio.Reader{{Dept: "SCJG", KeyID: c.Depts[1].Admin.PublicKey().ID().String(), Key: c.Depts[1].Admin.PublicKey()}}
	env, err := creditio.SealDetails(kind, subject, decision, creditio.Details{SubjectID: subject, Text: decision}, rd)
	if err != nil {
		t.Fatal(err)
	}
	return credit.Event{Kind: kind, SubjectKind: credit.SubjectOrg, SubjectRef: subject, LegalBasis: "《行政处罚法》", DecisionNo: decision,
		EffectiveDate: "2026-01-01", PublishEnd: "2029-01-01T00:00:00Z", Severity: 4, Details: env}
}

// TestCreditAPIWithProofs: profile, event and black list answers at
// heights before and after a repair, verified client-side from the proofs.
func TestCreditAPIWithProofs(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{credit.Module{}},
		Grants: map[string][]string{"SCJG": {"credit:blacklist", "credit:penalty", "credit:repair"}}})
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	s := "91350100M000100Y43"
	bl := string(c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, creditEvent(t, c, credit.KindBlacklist, s, "榕信惩〔2026〕1号"))).Data)
	c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, creditEvent(t, c, credit.KindPenalty, s, "榕市监罚〔2026〕1号")))
	hBefore := c.Height
	rep := creditEvent(t, c, credit.KindRepair, s, "榕信修〔2026〕1号")
	rep.Repairs = bl
	c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, rep))
	hAfter := c.Height

	profile := func(h int64) *credit.Profile {
		t.Helper()
		var r node.CreditProfileResult
		if code := getJSON(t, fmt.Sprintf("%s/v1/credit/subjects/%s?prove=true&height=%d", srv.URL, s, h), &r); code != 200 {
			t.Fatalf("HTTP %d", code)
		}
		p, chk, err := r.Verify()
		if err != nil {
			t.Fatal(err)
		}
		if len(chk.Verified) != 3 {
			t.Fatalf("verified %v", chk.Verified)
		}
		// the convenience profile agrees with the one recomputed from proofs
		if a, b := module.MustJSON(p), module.MustJSON(r.Profile); string(a) != string(b) {
			t.Fatalf("answer and proofs disagree:\n%s\n%s", a, b)
		}
		return p
	}
	if p := profile(hBefore); !p.Blacklisted || len(p.History) != 2 {
		t.Fatalf("before: %+v", p)
	}
	if p := profile(hAfter); p.Blacklisted || len(p.History) != 3 || p.History[0].Status != credit.StatusRepaired {
		t.Fatalf("after: %+v", p)
	}
	// a tampered record fails verification
	var r node.CreditProfileResult
	getJSON(t, srv.URL+"/v1/credit/subjects/"+s+"?prove=true", &r)
	r.EventProofs[0].Value = []byte(strings.Replace(string(r.EventProofs[0].Value), `"repaired_by":"`, `"repaired_by":"9`, 1))
	if _, _, err := r.Verify(); err == nil || !strings.Contains(err.Error(), "PROOF INVALID") {
		t.Fatalf("tampered: %v", err)
	}
	// an unknown subject: proven absent
	other := "91110000802100433B"
	var none node.CreditProfileResult
	getJSON(t, srv.URL+"/v1/credit/subjects/"+other+"?prove=true", &none)
	if p, chk, err := none.Verify(); err != nil || p != nil || none.Found || !strings.Contains(chk.Verified[1], "no credit events") {
		t.Fatalf("absent subject: %+v %v %v", p, chk, err)
	}
	// an ID number is refused as personal data, a bad code with the reason
	var e node.Error
	id := "11010519491231002X"
	if code := getJSON(t, srv.URL+"/v1/credit/subjects/"+id, &e); code != 400 || e.Code != credit.ErrPersonalData.Code || identifier.LooksLikeCitizenID(e.Message) {
		t.Fatalf("ID number: %d %+v", code, e)
	}
	if code := getJSON(t, srv.URL+"/v1/credit/subjects/91350100M000100Y44", &e); code != 400 || e.Code != credit.ErrBadSubject.Code {
		t.Fatalf("bad code: %d %+v", code, e)
	}

	// the event, before and after its repair
	for _, tc := range []struct {
		h    int64
		want string
	}{{hBefore - 2, "not_found"}, {hBefore, credit.StatusPublished}, {hAfter, credit.StatusRepaired}} {
		var er node.CreditEventResult
		getJSON(t, fmt.Sprintf("%s/v1/credit/events/%s?prove=true&height=%d", srv.URL, bl, tc.h), &er)
		_, st, _, err := er.Verify()
		if err != nil || st != tc.want || er.Status != tc.want {
			t.Fatalf("event at %d: %s/%s %v", tc.h, st, er.Status, err)
		}
	}
	// the black list as of both heights
	for _, tc := range []struct {
		h    int64
		want int
	}{{hBefore, 1}, {hAfter, 0}} {
		var lr node.CreditListResult
		getJSON(t, fmt.Sprintf("%s/v1/credit/blacklist?prove=true&height=%d", srv.URL, tc.h), &lr)
		if _, err := lr.Verify(); err != nil || len(lr.Items) != tc.want {
			t.Fatalf("blacklist at %d: %+v %v", tc.h, lr.Items, err)
		}
		if tc.want == 1 && (lr.Items[0].SubjectRef != s || lr.Items[0].ID != bl) {
			t.Fatalf("entry %+v", lr.Items[0])
		}
	}
	// by department
	var dl node.CreditDeptList
	getJSON(t, srv.URL+"/v1/credit/departments/SCJG/events?kind=penalty", &dl)
	if len(dl.Items) != 1 || dl.Items[0].Kind != credit.KindPenalty {
		t.Fatalf("dept list: %+v", dl)
	}
	raw, _ := json.Marshal(dl)
	if !strings.Contains(string(raw), `"key":"credit/ev/000000000002"`) {
		t.Fatalf("dept list keys: %s", raw)
	}
}

// TestCreditProfilePages: a subject's events come in pages whose joined
// proofs verify to the same profile as the whole answer; one page alone
// does not pass for the whole.
func TestCreditProfilePages(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{credit.Module{}},
		Grants: map[string][]string{"SCJG": {"credit:blacklist", "credit:penalty", "credit:repair"}}})
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	s := "91350100M000100Y43"
	var txs [][]byte
	for i := 0; i < 11; i++ {
		txs = append(txs, c.Tx(c.Depts[1].Admin, credit.MsgRecord, creditEvent(t, c, credit.KindPenalty, s, fmt.Sprintf("榕市监罚〔2026〕%d号", i+1))))
	}
	for _, r := range c.Block(txs...).TxResults {
		if r.Code != 0 {
			t.Fatal(r.Log)
		}
	}
	var joined *node.CreditProfileResult
	cursor, pages := "", 0
	for {
		var r node.CreditProfileResult
		u := srv.URL + "/v1/credit/subjects/" + s + "?prove=true&limit=4"
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		getJSON(t, u, &r)
		pages++
		if len(r.EventProofs) > 4 || len(r.Profile.History) != len(r.EventProofs) {
			t.Fatalf("page %d: %d proofs, %d history", pages, len(r.EventProofs), len(r.Profile.History))
		}
		if joined == nil {
			joined = &r
			if _, _, err := r.Verify(); err == nil || !strings.Contains(err.Error(), "one page") {
				t.Fatalf("a single page verified as the whole: %v", err)
			}
		} else if err := joined.Join(&r); err != nil {
			t.Fatal(err)
		}
		if cursor = r.NextCursor; cursor == "" {
			break
		}
	}
	p, _, err := joined.Verify()
	if err != nil || pages != 3 || len(p.History) != 11 || p.Counts.Penalty != 11 {
		t.Fatalf("%d pages joined: %v %+v", pages, err, p)
	}
	whole, err := node.CreditProfileAt(c.View(), s, true)
	if err != nil || string(module.MustJSON(whole.Profile)) != string(module.MustJSON(p)) {
		t.Fatalf("joined pages and the whole answer differ: %v", err)
	}
}
