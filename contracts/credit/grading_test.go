package credit_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/errs"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/credit/grade"
	"github.com/govchain/govchain/contracts/gov"
)

// stricter is version 2 of the tests: penalties weigh more, thresholds
// are higher.
func stricter() grade.Rules {
	r := credittypes.DefaultRules()
	r.Title = "stricter"
	r.Kinds[3].Weights = []int64{-50, -100, -200, -300, -400}
	r.Kinds[3].Cap = 800
	r.Thresholds = grade.Thresholds{A: 900, B: 750, C: 600}
	return r
}

// proposeRules opens a set_credit_rules proposal by ZWFW and returns the
// raw tx.
func proposeRules(c *chaintest.Chain, r grade.Rules) []byte {
	body, _ := json.Marshal(credit.SetRules{Rules: r})
	return c.Tx(c.Depts[zwfw].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindSetCreditRules, Action: body, Reason: "2027 model"})
}

// passRules proposes r and votes it through (2/3 of four: three), and
// returns the height it passed at.
func passRules(t *testing.T, c *chaintest.Chain, r grade.Rules) int64 {
	t.Helper()
	res := c.MustOK(proposeRules(c, r))
	pid, _ := strconv.ParseUint(string(res.Data), 10, 64)
	c.MustOK(c.Tx(c.Depts[scjg].Admin, gov.MsgVote, gov.CastVote{ID: pid, Vote: gov.VoteApprove}))
	c.MustOK(c.Tx(c.Depts[rsj].Admin, gov.MsgVote, gov.CastVote{ID: pid, Vote: gov.VoteApprove}))
	p, err := gov.Get(c.View(), pid)
	if err != nil || p.Status != gov.Passed {
		t.Fatalf("proposal %d: %+v %v", pid, p, err)
	}
	return c.Height
}

func gradeAt(t *testing.T, c *chaintest.Chain, height int64, ref string, version int64) *grade.Grade {
	t.Helper()
	v, err := c.Store.At(height)
	if err != nil {
		t.Fatal(err)
	}
	g, _, err := credit.GradeAt(v, ref, version)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestRulesByGovernance: the model changes only by a passed
// set_credit_rules proposal; a bad model is refused at proposal time with
// its own code and nothing changes; the new version applies from the
// height it passed, and earlier grades stay answerable under the version
// then in force.
func TestRulesByGovernance(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, rd := c.Officer(scjg), admins(c, scjg)
	s := uscc(70)
	c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindPenalty, s, "榕市监罚〔2026〕70号", rd))) // severity 3
	h1 := c.Height
	if g := gradeAt(t, c, h1, s, 0); g.Score != 730 || g.Class != "B" || g.RulesVersion != 1 {
		t.Fatalf("v1: %s", g)
	}

	// not signed directly, even by an admin
	expectCode(t, c, c.Tx(c.Depts[zwfw].Admin, credit.MsgSetRules, credit.SetRules{Rules: stricter()}), credit.ErrNotGovernance, "governance proposal")
	// nor through execute, whose policy is lower
	body, _ := json.Marshal(credit.SetRules{Rules: stricter()})
	ex, _ := json.Marshal(gov.Execute{Type: credit.MsgSetRules, Body: body})
	expectCode(t, c, c.Tx(c.Depts[zwfw].Admin, gov.MsgPropose, gov.Propose{Kind: gov.KindExecute, Action: ex}), gov.ErrBadAction, "set_credit_rules")
	// bad models, each with its own code, refused when proposed
	for _, b := range []struct {
		name  string
		alter func(r *grade.Rules)
		want  *errs.Error
		msg   string
	}{
		{"overflow-prone weights", func(r *grade.Rules) { r.Kinds[3].Weights[4] = -9_000_000_000_000_000_000 / 10 }, credit.ErrRuleOverflow, "beyond ±1000000"},
		{"negative thresholds", func(r *grade.Rules) { r.Thresholds.C = -1 }, credit.ErrBadThresholds, "never negative"},
		{"unknown event kinds", func(r *grade.Rules) {
			r.Kinds = append(r.Kinds, grade.KindRule{Kind: "warning", Weights: []int64{1, 1, 1, 1, 1}})
		}, credit.ErrUnknownKind, `"warning"`},
		{"a person's ID number in clear", func(r *grade.Rules) { r.Title = "专项整治 " + citizenID("350102", "19850312", 123) }, credit.ErrPersonalData, "citizen identity number"},
	} {
		r := stricter()
		b.alter(&r)
		expectCode(t, c, proposeRules(c, r), b.want, b.msg)
	}

	h2 := passRules(t, c, stricter())
	v2 := provenJSON[credit.RulesRecord](t, c, h2, credittypes.RulesCurrentKey())
	if v2.Version != 2 || v2.Height != h2 || v2.Rules.Title != "stricter" {
		t.Fatalf("current at %d: %+v", h2, v2)
	}
	if old := provenJSON[credit.RulesRecord](t, c, h2-1, credittypes.RulesCurrentKey()); old.Version != 1 {
		t.Fatalf("current at %d: %+v", h2-1, old)
	}
	if v1 := provenJSON[credit.RulesRecord](t, c, h2, credittypes.RulesVersionKey(1)); v1 == nil || v1.Rules.Base != 850 {
		t.Fatalf("version 1 kept: %+v", v1)
	}
	// the same event: B 730 under v1, D 650 under v2 (C by score is >= 600: C)
	if g := gradeAt(t, c, h2, s, 0); g.Score != 650 || g.Class != "C" || g.RulesVersion != 2 {
		t.Fatalf("v2 at %d: %s", h2, g)
	}
	if g := gradeAt(t, c, h2-1, s, 0); g.Score != 730 || g.Class != "B" || g.RulesVersion != 1 {
		t.Fatalf("v1 at %d: %s", h2-1, g)
	}
	if g := gradeAt(t, c, h2, s, 1); g.Score != 730 || g.RulesVersion != 1 {
		t.Fatalf("v1 asked for at %d: %s", h2, g)
	}
	v, _ := c.Store.At(h1)
	if _, _, err := credit.GradeAt(v, s, 2); !errors.Is(err, credit.ErrNoRules) {
		t.Fatalf("version 2 at %d, before it passed: %v", h1, err)
	}
}

// TestAlertsAndWatchList: a department watches a subject; an event that
// worsens its class raises an alert (state and event) naming the
// watchers; a repair raises none; watch list errors have their code.
func TestAlertsAndWatchList(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, rd := c.Officer(scjg), admins(c, scjg)
	s := uscc(80)
	rsjOp := c.Officer(rsj)
	c.MustOK(c.Tx(rsjOp, credit.MsgWatch, credit.Watch{SubjectKind: credit.SubjectOrg, SubjectRef: s, Watch: true}))
	expectCode(t, c, c.Tx(rsjOp, credit.MsgWatch, credit.Watch{SubjectKind: credit.SubjectOrg, SubjectRef: s, Watch: true}), credit.ErrWatch, "already watches")
	expectCode(t, c, c.Tx(rsjOp, credit.MsgWatch, credit.Watch{SubjectKind: credit.SubjectPerson, SubjectRef: citizenID("350102", "19850312", 123), Watch: true}), credit.ErrPersonalData, "in clear")
	expectCode(t, c, c.Tx(op, credit.MsgWatch, credit.Watch{SubjectKind: credit.SubjectOrg, SubjectRef: s, Watch: false}), credit.ErrWatch, "does not watch")

	lic := event(t, credit.KindLicence, s, "榕市监许〔2026〕80号", rd)
	lic.Severity = 1
	r := c.MustOK(c.Tx(op, credit.MsgRecord, lic)) // A 860: no alert
	if n := countEvents(r, credittypes.EventClassWorsened); n != 0 {
		t.Fatalf("licence raised %d alerts", n)
	}
	pen := event(t, credit.KindPenalty, s, "榕市监罚〔2026〕80号", rd) // -120: B 740
	r = c.MustOK(c.Tx(op, credit.MsgRecord, pen))
	penID := string(r.Data)
	if a := provenJSON[credit.Alert](t, c, c.Height, credittypes.AlertKey(penID)); a == nil || a.From != "A" || a.To != "B" || a.Score != 740 || len(a.Watchers) != 1 || a.Watchers[0] != "RSJ" {
		t.Fatalf("alert of %s: %+v", penID, a)
	}
	bl := event(t, credit.KindBlacklist, s, "榕信惩〔2026〕80号", rd)
	r = c.MustOK(c.Tx(op, credit.MsgRecord, bl))
	blID := string(r.Data)
	ev := findEvent(r, credittypes.EventClassWorsened)
	if ev == nil || attr(ev, "from") != "B" || attr(ev, "to") != "D" || attr(ev, "watchers") != "RSJ" || attr(ev, "id") != blID {
		t.Fatalf("black list event: %+v", ev)
	}
	// the repair lifts it: no alert
	r = c.MustOK(c.Tx(op, credit.MsgRecord, repairOf(t, blID, s, "榕信修〔2026〕80号", rd)))
	if n := countEvents(r, credittypes.EventClassWorsened); n != 0 {
		t.Fatalf("repair raised %d alerts", n)
	}
	if g := gradeAt(t, c, c.Height, s, 0); g.Class != "B" || g.Score != 740 {
		t.Fatalf("after repair: %s", g)
	}
	// a new subject whose first event leaves it in C or D is an alert too
	s2 := uscc(81)
	r = c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindBlacklist, s2, "榕信惩〔2026〕81号", rd)))
	if ev := findEvent(r, credittypes.EventClassWorsened); ev == nil || attr(ev, "from") != "-" || attr(ev, "to") != "D" || attr(ev, "watchers") != "" {
		t.Fatalf("new subject: %+v", ev)
	}
	v := c.View()
	all, _, err := credit.AlertsAfter(v, "", "", 10)
	if err != nil || len(all) != 3 || all[0].SubjectRef != s2 || all[2].Event != penID {
		t.Fatalf("alerts: %+v %v", all, err)
	}
	mine, _, _ := credit.AlertsAfter(v, "RSJ", "", 10)
	if len(mine) != 2 {
		t.Fatalf("RSJ's alerts: %+v", mine)
	}
	wl, _ := credit.WatchList(v, "RSJ")
	if len(wl) != 1 || wl[0].SubjectRef != s {
		t.Fatalf("watch list: %+v", wl)
	}
	c.MustOK(c.Tx(rsjOp, credit.MsgWatch, credit.Watch{SubjectKind: credit.SubjectOrg, SubjectRef: s, Watch: false}))
	if wl, _ := credit.WatchList(c.View(), "RSJ"); len(wl) != 0 {
		t.Fatalf("after unwatch: %+v", wl)
	}
	// the grades listing: class D holds s2 only
	bt, _ := credit.BlockTime(c.View())
	rr, _ := credit.GetRules(c.View())
	items, next, err := credit.GradesAfter(c.View(), rr, bt, "D", "", 10, 100)
	if err != nil || len(items) != 1 || items[0].SubjectRef != s2 || next != "" {
		t.Fatalf("class D: %+v %q %v", items, next, err)
	}
}

// TestDecayOnChain: a grade read at a later height is computed at that
// height's block time.
func TestDecayOnChain(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, rd := c.Officer(scjg), admins(c, scjg)
	s := uscc(90)
	c.MustOK(c.Tx(op, credit.MsgRecord, event(t, credit.KindPenalty, s, "榕市监罚〔2026〕90号", rd)))
	h1 := c.Height
	eff := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	c.BlockAt(eff.AddDate(0, 0, 365))
	h2 := c.Height
	c.BlockAt(eff.AddDate(0, 0, 730))
	h3 := c.Height
	for _, w := range []struct {
		h     int64
		score int64
	}{{h1, 730}, {h2, 778}, {h3, 814}} {
		if g := gradeAt(t, c, w.h, s, 0); g.Score != w.score {
			t.Errorf("height %d: %s, want %d", w.h, g, w.score)
		}
	}
}

func findEvent(r *abci.ExecTxResult, typ string) *abci.Event {
	for i := range r.Events {
		if r.Events[i].Type == typ {
			return &r.Events[i]
		}
	}
	return nil
}

func countEvents(r *abci.ExecTxResult, typ string) int {
	n := 0
	for _, e := range r.Events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func attr(e *abci.Event, k string) string {
	for _, a := range e.Attributes {
		if a.Key == k {
			return a.Value
		}
	}
	return "?"
}

// TestAlertsInABatch: within one batch each event is graded against the
// subject as the batch's earlier events left it.
func TestAlertsInABatch(t *testing.T) {
	c := newChain(t, defaultGrants())
	op, rd := c.Officer(scjg), admins(c, scjg)
	s := uscc(85)
	lic := event(t, credit.KindLicence, s, "榕市监许〔2026〕85号", rd)
	lic.Severity = 1
	r := c.MustOK(c.Tx(op, credit.MsgRecordBatch, credit.RecordBatch{Events: []credit.Event{
		lic, // A 860
		event(t, credit.KindPenalty, s, "榕市监罚〔2026〕85号", rd),  // B 740
		event(t, credit.KindBlacklist, s, "榕信惩〔2026〕85号", rd), // D 440
		event(t, credit.KindLicence, uscc(86), "榕市监许〔2026〕86号", rd),
	}}))
	var got []string
	for _, e := range r.Events {
		if e.Type == credittypes.EventClassWorsened {
			got = append(got, attr(&e, "id")+" "+attr(&e, "from")+"→"+attr(&e, "to")+" "+attr(&e, "score"))
		}
	}
	if want := "000000000002 A→B 740|000000000003 B→D 440"; strings.Join(got, "|") != want {
		t.Fatalf("alerts %q, want %q", strings.Join(got, "|"), want)
	}
}
