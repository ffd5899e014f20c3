package node_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/credit/grade"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
)

// TestCreditGradeAPIWithProofs: a client asks the node for a subject's
// grade with proofs, recomputes it from the proven records, rule and block
// time, and gets the node's answer, at heights before and after a black
// list entry, its repair and a new rule version; a tampered explanation,
// score or rule is caught; the grades listing and the alerts verify too.
func TestCreditGradeAPIWithProofs(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{credit.Module{}, gov.Module{}},
		Grants: map[string][]string{"SCJG": {"credit:blacklist", "credit:penalty", "credit:repair", "credit:licence"}}})
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	cl := client.New(srv.URL)
	ctx := context.Background()
	s := "91350100M000100Y43"
	lic := creditEvent(t, c, credit.KindLicence, s, "榕市监许〔2026〕1号")
	lic.Severity = 1
	c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, lic))
	hA := c.Height
	bl := string(c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, creditEvent(t, c, credit.KindBlacklist, s, "榕信惩〔2026〕1号"))).Data)
	hD := c.Height
	rep := creditEvent(t, c, credit.KindRepair, s, "榕信修〔2026〕1号")
	rep.Repairs, rep.Severity = bl, 1
	c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, rep))
	hRepaired := c.Height
	// version 2: a repaired black list entry still counts half
	r2 := credittypes.DefaultRules()
	r2.Title, r2.RepairedPermille = "v2", 500
	body, _ := json.Marshal(credit.SetRules{Rules: r2})
	res := c.MustOK(c.Tx(c.Depts[0].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindSetCreditRules, Action: body}))
	pid, _ := strconv.ParseUint(string(res.Data), 10, 64)
	for _, d := range []int{1, 2} {
		c.MustOK(c.Tx(c.Depts[d].Admin, gov.MsgVote, gov.CastVote{ID: pid, Vote: gov.VoteApprove}))
	}
	hV2 := c.Height

	get := func(h, v int64) (*client.CreditGradeResult, *grade.Grade) {
		t.Helper()
		r, err := cl.CreditGrade(ctx, s, v, client.At{Height: h, Prove: true})
		if err != nil {
			t.Fatal(err)
		}
		g, rr, chk, err := r.Verify()
		if err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
		if rr.Version != g.RulesVersion || len(chk.Verified) != 4 {
			t.Fatalf("height %d: rules %d, checked %v", h, rr.Version, chk.Verified)
		}
		return r, g
	}
	for _, w := range []struct {
		h, v    int64
		class   string
		score   int64
		version int64
	}{
		{hA, 0, "A", 860, 1},
		{hD, 0, "D", 460, 1}, // 850 + 10 - 400, and the black list forces D
		{hRepaired, 0, "A", 860, 1},
		{hV2, 0, "C", 660, 2},       // the repaired entry counts 500‰ under v2
		{hV2, 1, "A", 860, 1},       // version 1 asked for at the same height
		{hRepaired, 0, "A", 860, 1}, // the old grade stays answerable
	} {
		if _, g := get(w.h, w.v); g.Class != w.class || g.Score != w.score || g.RulesVersion != w.version {
			t.Errorf("height %d version %d: %s, want %s %d (rules v%d)", w.h, w.v, g, w.class, w.score, w.version)
		}
	}

	// tampering with the explanation, the score, the class or the rule is caught
	for i, tamper := range []func(r *client.CreditGradeResult){
		func(r *client.CreditGradeResult) { r.Grade.Lines[2].Points = -300; r.Grade.Lines[0].Points = 750 },
		func(r *client.CreditGradeResult) { r.Grade.Score, r.Grade.Lines[0].Points = 900, 890 },
		func(r *client.CreditGradeResult) { r.Grade.Class = "B" },
		func(r *client.CreditGradeResult) { r.Grade.Lines[1].AgeDays = 3 },
		func(r *client.CreditGradeResult) {
			r.RulesProof.Value = []byte(strings.Replace(string(r.RulesProof.Value), `"base":850`, `"base":950`, 1))
		},
		func(r *client.CreditGradeResult) { r.EventProofs = r.EventProofs[:1] },
	} {
		r, _ := get(hD, 0)
		tamper(r)
		if _, _, _, err := r.Verify(); err == nil {
			t.Errorf("tampering %d not caught", i)
		} else if i < 4 && !strings.Contains(err.Error(), "GRADE MISMATCH") {
			t.Errorf("tampering %d: %v", i, err)
		}
	}

	// the grades listing of class D at hD, verified item by item
	gl, err := cl.CreditGrades(ctx, "D", client.At{Height: hD, Prove: true}, client.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gl.Verify(); err != nil || len(gl.Items) != 1 || gl.Items[0].SubjectRef != s {
		t.Fatalf("grades: %+v %v", gl.Items, err)
	}
	gl.Items[0].Score = 700
	if _, err := gl.Verify(); err == nil {
		t.Fatal("a tampered listing verified")
	}
	// the alert of the black list entry, with its proof
	al, err := cl.CreditAlerts(ctx, "", client.At{Prove: true}, client.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := al.Verify(); err != nil || len(al.Items) != 1 || al.Items[0].Event != bl || al.Items[0].From != "A" || al.Items[0].To != "D" {
		t.Fatalf("alerts: %+v %v", al.Items, err)
	}
	// an ID number is refused as personal data
	var e node.Error
	if code := getJSON(t, srv.URL+"/v1/credit/subjects/11010519491231002X/grade", &e); code != 400 || e.Code != credit.ErrPersonalData.Code {
		t.Fatalf("ID number: %d %+v", code, e)
	}
	if code := getJSON(t, srv.URL+"/v1/credit/subjects/"+s+"/grade?rules_version=9", &e); code != 400 || e.Code != credit.ErrNoRules.Code {
		t.Fatalf("unknown version: %d %+v", code, e)
	}
}
