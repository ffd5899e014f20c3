package creditcli_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/govchain/govchain/chain/chaintest"
	"github.com/govchain/govchain/chain/module"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/creditcli"
	"github.com/govchain/govchain/contracts/credit/creditio"
	"github.com/govchain/govchain/node"
)

func event(t *testing.T, c *chaintest.Chain, kind, subject, decision string, sev int) credit.Event {
	t.Helper()
	rd := []creditio.Reader{{Dept: "SCJG", KeyID: c.Depts[1].Admin.PublicKey().ID().String(), Key: c.Depts[1].Admin.PublicKey()}}
	env, err := creditio.SealDetails(kind, subject, decision, creditio.Details{SubjectID: subject, Text: decision}, rd)
	if err != nil {
		t.Fatal(err)
	}
	return credit.Event{Kind: kind, SubjectKind: credit.SubjectOrg, SubjectRef: subject, LegalBasis: "《行政处罚法》", DecisionNo: decision,
		EffectiveDate: "2026-01-01", PublishEnd: "2029-01-01T00:00:00Z", Severity: sev, Details: env}
}

func run(t *testing.T, env *clikit.Env, args ...string) string {
	t.Helper()
	root := creditcli.Commands(env)[0]
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		t.Fatalf("credit %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// TestGradeCommands runs grade, grades (with xlsx and csv export), rules
// and alerts against a node's API, each checking proofs and recomputing
// grades locally.
func TestGradeCommands(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{credit.Module{}},
		Grants: map[string][]string{"SCJG": {"credit:blacklist", "credit:penalty", "credit:licence"}}})
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	env := &clikit.Env{Node: srv.URL, Output: "text"}
	a, d := "91350100M000100Y43", "91110000802100433B"
	c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, event(t, c, credit.KindLicence, a, "榕市监许〔2026〕1号", 1)))
	c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, event(t, c, credit.KindPenalty, d, "榕市监罚〔2026〕2号", 3)))
	c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, event(t, c, credit.KindBlacklist, d, "榕信惩〔2026〕3号", 4)))

	out := run(t, env, "grade", "--subject-id", d)
	if !strings.Contains(out, "class D (高风险), score 330\n") {
		t.Errorf("grade: no class line in\n%s", out)
	}
	if !strings.Contains(out, "-120") || !strings.Contains(out, "-400") || !strings.Contains(out, "✓ grade D 330 (rules v1) recomputed") {
		t.Errorf("grade explanation:\n%s", out)
	}
	env.Output = "json"
	var g struct {
		Grade struct {
			Class string `json:"class"`
			Score int64  `json:"score"`
		} `json:"grade"`
	}
	if err := json.Unmarshal([]byte(run(t, env, "grade", "--subject-ref", a)), &g); err != nil || g.Grade.Class != "A" || g.Grade.Score != 860 {
		t.Fatalf("grade -o json: %+v %v", g, err)
	}
	env.Output = "text"

	dir := t.TempDir()
	x, cs := filepath.Join(dir, "高风险名单.xlsx"), filepath.Join(dir, "d.csv")
	out = run(t, env, "grades", "--class", "D", "--export", x)
	if !strings.Contains(out, d) || strings.Contains(out, a) || !strings.Contains(out, "blacklist 000000000003 -400; penalty 000000000002 -120") {
		t.Fatalf("grades --class D:\n%s", out)
	}
	f, err := excelize.OpenFile(x)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("监管名单")
	f.Close()
	if err != nil || len(rows) != 2 || rows[1][1] != d || rows[1][2] != "D" || rows[1][3] != "330" {
		t.Fatalf("xlsx rows: %v %v", rows, err)
	}
	run(t, env, "grades", "--all", "--export", cs)
	b, _ := os.ReadFile(cs)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "\ufeffsubject_kind,subject_ref,class") {
		t.Fatalf("csv:\n%s", b)
	}
	out = run(t, env, "rules")
	if !strings.Contains(out, "classes A >= 850, B >= 700, C >= 550, else D") || !strings.Contains(out, "penalty     -30 -60 -120 -200 -300") {
		t.Fatalf("rules:\n%s", out)
	}
	out = run(t, env, "alerts")
	if !strings.Contains(out, "000000000003") || !strings.Contains(out, "B→D") || !strings.Contains(out, "730→330") || strings.Contains(out, "000000000002") {
		t.Fatalf("alerts:\n%s", out)
	}
}

// TestWorkedExample is the worked example of docs/credit.md: five events
// graded at 2027-01-01 12:00 CST under rule version 1.
func TestWorkedExample(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{credit.Module{}},
		Grants: map[string][]string{"SCJG": {"credit:blacklist", "credit:penalty", "credit:licence", "credit:commitment"}}})
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	t.Cleanup(srv.Close)
	s := "91350100M000100Y43"
	var txs [][]byte
	for i, e := range []struct {
		kind       string
		sev        int
		eff, until string
	}{
		{credit.KindLicence, 1, "2026-06-01", "2029-01-01T00:00:00Z"},
		{credit.KindCommitment, 1, "2026-06-01", "2029-01-01T00:00:00Z"},
		{credit.KindPenalty, 3, "2025-10-01", "2029-01-01T00:00:00Z"},
		{credit.KindPenalty, 2, "2026-09-01", "2026-12-01T00:00:00Z"},
		{credit.KindBlacklist, 1, "2026-11-01", "2029-01-01T00:00:00Z"},
	} {
		ev := event(t, c, e.kind, s, "决定"+string(rune('1'+i)), e.sev)
		ev.EffectiveDate, ev.PublishEnd = e.eff, e.until
		txs = append(txs, c.Tx(c.Depts[1].Admin, credit.MsgRecord, ev))
	}
	for _, r := range c.Block(txs...).TxResults {
		if r.Code != 0 {
			t.Fatal(r.Log)
		}
	}
	at, _ := time.Parse(time.RFC3339, "2027-01-01T04:00:00Z")
	c.BlockAt(at)
	out := run(t, &clikit.Env{Node: srv.URL, Output: "text"}, "grade", "--subject-ref", s)
	t.Logf("\n%s", out)
	for _, want := range []string{
		"class D (高风险), score 578 (class C by score)",
		"event  000000000001 licence      1     10     214  1000‰ published  1000‰     +10",
		"event  000000000003 penalty      3   -120     457   600‰ published  1000‰     -72",
		"event  000000000004 penalty      2    -60     122  1000‰ ended       500‰     -30",
		"event  000000000005 blacklist    1   -200      61  1000‰ published  1000‰    -200",
		"override: blacklist entry 000000000005 moves the class from C to D",
		"6 explanation lines sum to 578",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q", want)
		}
	}
}

// TestGradeAnswerOffline: a saved API answer is checked without a node;
// one whose explanation was edited is refused.
func TestGradeAnswerOffline(t *testing.T) {
	c := chaintest.New(t, chaintest.Options{Modules: []module.Module{credit.Module{}},
		Grants: map[string][]string{"SCJG": {"credit:penalty"}}})
	srv := httptest.NewServer((&node.API{App: c.App, MaxBody: 1 << 20}).Handler())
	s := "91350100M000100Y43"
	c.MustOK(c.Tx(c.Depts[1].Admin, credit.MsgRecord, event(t, c, credit.KindPenalty, s, "榕市监罚〔2026〕1号", 3)))
	res, err := http.Get(srv.URL + "/v1/credit/subjects/" + s + "/grade?prove=true")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	srv.Close() // offline from here
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	_ = os.WriteFile(good, raw, 0o600)
	_ = os.WriteFile(bad, bytes.Replace(raw, []byte(`"points":-120`), []byte(`"points":-20`), 1), 0o600)
	env := &clikit.Env{Node: "127.0.0.1:1", Output: "text"}
	if out := run(t, env, "grade", "--answer", good); !strings.Contains(out, "class B (一般风险), score 730") {
		t.Fatalf("saved answer:\n%s", out)
	}
	root := creditcli.Commands(env)[0]
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"grade", "--answer", bad})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "GRADE MISMATCH") {
		t.Fatalf("tampered answer: %v\n%s", err, out.String())
	}
}
