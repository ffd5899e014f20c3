package creditcli_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
