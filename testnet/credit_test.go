package testnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/contracts/credit"
	"github.com/govchain/govchain/contracts/credit/creditdemo"
	"github.com/govchain/govchain/contracts/credit/creditio"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/testnet"
)

// TestCreditOnFourNodes runs the credit demo seeder on a 4-validator
// network, then through the govchain binary: profiles before and after the
// repair with proofs from every node (same app hash, same verdict), the
// black list as of both heights, decryption by an authorised department and
// refusal for another, and a CSV import with a person (dry run with a bad
// row, then the import), after which no ID number or name is in state.
func TestCreditOnFourNodes(t *testing.T) {
	net := startNetWith(t, testnet.Options{Validators: 4,
		GenesisModules: map[string]json.RawMessage{credit.Name: creditdemo.Genesis()},
		Grants:         creditdemo.Grants()})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var seedOut bytes.Buffer
	demo, err := creditdemo.SeedResult(ctx, net.DemoNet(), &seedOut)
	if err != nil || demo == nil {
		t.Fatalf("seed: %v\n%s", err, seedOut.String())
	}
	t.Logf("seeder:\n%s", seedOut.String())
	if err := net.WaitHeight(ctx, demo.RepairHeight+1); err != nil {
		t.Fatal(err)
	}

	run := func(nodeIdx int, args ...string) ([]byte, string, error) {
		cmd := exec.Command(binary, append(args, "--node", net.Nodes[nodeIdx].API, "-o", "json")...)
		cmd.Env = append(os.Environ(), "GOVCHAIN_PASSPHRASE="+testnet.Passphrase)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return out, stderr.String(), err
	}
	cli := func(nodeIdx int, args ...string) []byte {
		t.Helper()
		out, stderr, err := run(nodeIdx, args...)
		if err != nil {
			t.Fatalf("govchain %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return out
	}
	decode := func(b []byte, v any) {
		t.Helper()
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
	}
	keyOf := func(dept string) string {
		for _, ni := range net.Nodes {
			if ni.Dept == dept {
				return filepath.Join(ni.Home, "keys", "dept.pem")
			}
		}
		t.Fatalf("no %s", dept)
		return ""
	}

	// profiles through the binary on every node: proofs checked by the
	// CLI, same app hash everywhere
	type profileOut struct {
		Height   int64           `json:"height"`
		AppHash  string          `json:"app_hash"`
		Profile  *credit.Profile `json:"profile"`
		Verified []string        `json:"verified"`
	}
	company3 := demo.Companies[2]
	for _, tc := range []struct {
		height      int64
		blacklisted bool
		events      int
	}{{demo.BeforeRepair, true, 1}, {demo.RepairHeight, false, 2}} {
		hash := ""
		for i := range net.Nodes {
			var p profileOut
			decode(cli(i, "credit", "profile", "--subject-id", company3, "--height", fmt.Sprint(tc.height)), &p)
			if p.Height != tc.height || p.Profile == nil || p.Profile.Blacklisted != tc.blacklisted || len(p.Profile.History) != tc.events || len(p.Verified) != 3 {
				t.Fatalf("node %d, height %d: %+v", i, tc.height, p)
			}
			if hash == "" {
				hash = p.AppHash
			} else if hash != p.AppHash {
				t.Fatalf("height %d: node %d app hash %s, node 0 %s", tc.height, i, p.AppHash, hash)
			}
		}
	}
	var p profileOut
	decode(cli(1, "credit", "profile", "--subject-id", company3), &p)
	if h := p.Profile.History; h[0].Status != credit.StatusRepaired || h[0].Record.RepairedBy != demo.IDs["repair"] || h[1].Record.Repairs != demo.IDs["blacklist"] {
		t.Fatalf("history after the repair: %+v", p.Profile.History)
	}
	decode(cli(2, "credit", "profile", "--subject-id", demo.Companies[0]), &p)
	if !p.Profile.Redlisted || p.Profile.Counts.Licence != 1 || p.Profile.Counts.Commitment != 1 || p.Profile.Counts.Redlist != 1 {
		t.Fatalf("company 1: %+v", p.Profile)
	}
	decode(cli(3, "credit", "profile", "--subject-id", strings.ToLower(creditdemo.Person.ID)), &p)
	if p.Profile == nil || p.Profile.SubjectRef != demo.PersonRef || p.Profile.Counts.Penalty != 1 {
		t.Fatalf("person: %+v", p.Profile)
	}

	// the black list as of both heights
	type listOut struct {
		Items    []node.CreditListItem `json:"items"`
		Verified []string              `json:"verified"`
	}
	var l listOut
	decode(cli(0, "credit", "list", "--blacklist", "--height", fmt.Sprint(demo.BeforeRepair)), &l)
	if len(l.Items) != 1 || l.Items[0].SubjectRef != company3 || len(l.Verified) != 2 {
		t.Fatalf("blacklist before: %+v", l)
	}
	decode(cli(0, "credit", "list", "--blacklist", "--height", fmt.Sprint(demo.RepairHeight)), &l)
	if len(l.Items) != 0 {
		t.Fatalf("blacklist after: %+v", l)
	}
	var dl node.CreditDeptList
	decode(cli(1, "credit", "list", "--dept", "SCJG"), &dl)
	if len(dl.Items) != 6 || dl.Items[0].ID != demo.IDs["repair"] {
		t.Fatalf("SCJG events: %+v", dl)
	}

	// decryption: RSJ's admin and SCJG's admin can, WJW's cannot
	type showOut struct {
		Status    string            `json:"status"`
		Decrypted *creditio.Details `json:"decrypted"`
	}
	for _, dept := range []string{"RSJ", "SCJG"} {
		var s showOut
		decode(cli(3, "credit", "show", demo.IDs["penalty"], "--decrypt", "--key", keyOf(dept)), &s)
		if s.Status != credit.StatusPublished || s.Decrypted == nil || s.Decrypted.SubjectID != demo.Companies[1] || !strings.Contains(s.Decrypted.Text, "虚假广告") {
			t.Fatalf("%s decrypt: %+v", dept, s)
		}
	}
	out, stderr, err := run(0, "credit", "show", demo.IDs["penalty"], "--decrypt", "--key", keyOf("WJW"))
	if err == nil || !strings.Contains(stderr, "cannot decrypt") || !strings.Contains(stderr, "not an authorised reader") || strings.Contains(string(out), "虚假广告") {
		t.Fatalf("WJW decrypt: %v\n%s\n%s", err, out, stderr)
	}

	// SCJG's penalty on company 2 is repaired by governance on WJW's
	// proposal (WJW neither recorded it nor holds credit:repair)
	out, stderr, err = run(3, "credit", "repair", "--event", demo.IDs["penalty"], "--key", keyOf("WJW"), "--legal-basis", "区社会信用体系建设领导小组决定")
	if err == nil || !strings.Contains(stderr, "only SCJG can repair it (or a governance proposal: --propose)") {
		t.Fatalf("repair by WJW without a proposal: %v\n%s%s", err, out, stderr)
	}
	var prop node.SubmitResult
	decode(cli(3, "credit", "repair", "--propose", "--event", demo.IDs["penalty"], "--key", keyOf("WJW"),
		"--legal-basis", "区社会信用体系建设领导小组决定", "--decision-no", "区信用〔2026〕1号", "--reason", "错误记录，经复核撤销公示"), &prop)
	if prop.Code != 0 || prop.Data == "" {
		t.Fatalf("proposal: %+v", prop)
	}
	for _, dept := range []string{"ZWFW", "RSJ"} {
		cli(0, "gov", "vote", prop.Data, "approve", "--key", keyOf(dept))
	}
	// node 2 may be a block behind node 0, which committed the last vote
	caughtUp(ctx, t, net, 0)
	decode(cli(2, "credit", "profile", "--subject-id", demo.Companies[1]), &p)
	if h := p.Profile.History; len(h) != 2 || h[0].Status != credit.StatusRepaired || h[1].Record.Signer != "governance" || h[1].Record.Dept != "WJW" || len(p.Profile.Active.Penalties) != 0 {
		t.Fatalf("company 2 after the governance repair: %+v", p.Profile)
	}

	// import: a dry run reports the bad row and sends nothing; the import
	// records the rest in two transactions
	person := struct{ id, name string }{"35010219800101002X", "王小明"}
	if _, _, err := creditSubjectOK(person.id); err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		{"penalty", "person", person.id, person.name, "《治安管理处罚法》第四十九条", "榕公罚〔2026〕1号", "2026-01-01", "2099-12-31", "2", "罚款五百元", ""},
		{"licence", "", demo.Companies[1], "福州榕城科技有限公司", "《行政许可法》", "榕市监许〔2026〕201号", "2026-01-01", "2099-12-31", "1", "", ""},
		{"blacklist", "org", demo.Companies[1], "", "《严重违法失信名单管理办法》", "榕市监失信〔2026〕9号", "2026-01-01", "2099-12-31", "5", "", ""},
		{"penalty", "org", "91350100M000100Y44", "", "法", "X", "2026-01-01", "2099-12-31", "1", "", ""},
	}
	var csvBuf bytes.Buffer
	if err := creditio.WriteCSV(&csvBuf, rows); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "import.csv")
	if err := os.WriteFile(file, csvBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	scjgKey := keyOf("SCJG")
	out, stderr, err = run(1, "credit", "import", file, "--key", scjgKey, "--dry-run")
	if err == nil || !strings.Contains(stderr, "line 5: subject_id: unified social credit code: check character is 4, computed 3") {
		t.Fatalf("dry run: %v\n%s\n%s", err, out, stderr)
	}
	var rep struct {
		Valid    int                `json:"valid"`
		Problems []creditio.Problem `json:"problems"`
		Imported int                `json:"imported"`
		Txs      []struct {
			Height int64  `json:"height"`
			IDs    string `json:"ids"`
		} `json:"txs"`
	}
	decode(out, &rep)
	if rep.Valid != 3 || len(rep.Problems) != 1 || rep.Imported != 0 {
		t.Fatalf("dry run report: %+v", rep)
	}
	decode(cli(1, "credit", "import", file, "--key", scjgKey, "--skip-bad", "--batch", "2", "--readers", "RSJ"), &rep)
	if rep.Imported != 3 || len(rep.Txs) != 2 {
		t.Fatalf("import: %+v", rep)
	}
	// the same file again: everything is already recorded
	out, stderr, _ = run(1, "credit", "import", file, "--key", scjgKey, "--dry-run")
	if strings.Count(stderr, "already recorded as event") != 3 {
		t.Fatalf("re-import: %s\n%s", out, stderr)
	}
	if err := net.WaitHeight(ctx, rep.Txs[1].Height+1); err != nil {
		t.Fatal(err)
	}
	for i := range net.Nodes {
		decode(cli(i, "credit", "profile", "--subject-id", person.id), &p)
		if p.Profile == nil || p.Profile.Counts.Penalty != 1 || len(p.Profile.Active.Penalties) != 1 {
			t.Fatalf("node %d: imported person: %+v", i, p.Profile)
		}
	}
	// nothing personal anywhere in the credit state or the tx bodies
	ents, err := net.Client(2).ListAll(ctx, "credit/")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		for _, needle := range []string{person.id, person.id[:17], person.name, creditdemo.Person.ID, "张某某", "罚款五百元"} {
			if strings.Contains(e.Key, needle) || bytes.Contains(e.Value, []byte(needle)) {
				t.Fatalf("%s holds %q", e.Key, needle)
			}
		}
	}

	// the grade demo: a fourth company moves A -> D -> A, each grade
	// recomputed by the binary from proven records, the same on every node
	gr, err := creditdemo.SeedGrades(ctx, net.DemoNet(), &seedOut)
	if err != nil || gr == nil {
		t.Fatalf("seed grades: %v\n%s", err, seedOut.String())
	}
	if err := net.WaitHeight(ctx, gr.Heights[2]+1); err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		class string
		score int64
	}{{"A", 860}, {"D", 460}, {"A", 860}} {
		var g struct {
			Grade struct {
				Class string
				Score int64
			} `json:"grade"`
			Verified []string `json:"verified"`
		}
		decode(cli(i, "credit", "grade", "--subject-id", gr.Company, "--height", fmt.Sprint(gr.Heights[i])), &g)
		if g.Grade.Class != want.class || g.Grade.Score != want.score || len(g.Verified) != 4 {
			t.Fatalf("node %d: grade at %d: %+v, want %s %d", i, gr.Heights[i], g, want.class, want.score)
		}
	}
	var al struct {
		Items []struct {
			Event    string   `json:"event"`
			From     string   `json:"from"`
			To       string   `json:"to"`
			Watchers []string `json:"watchers"`
		} `json:"items"`
	}
	decode(cli(3, "credit", "alerts", "--dept", "RSJ"), &al)
	if len(al.Items) != 1 || al.Items[0].Event != gr.IDs["blacklist"] || al.Items[0].From != "A" || al.Items[0].To != "D" {
		t.Fatalf("RSJ's alerts: %+v", al)
	}

	// a new rule version through the binary: the template of the rule in
	// force, edited (a repaired entry counts 500‰), proposed and voted
	var rules map[string]any
	decode(cli(1, "credit", "rules", "--template"), &rules)
	rules["title"], rules["repaired_permille"] = "demo v2", 500
	rf := filepath.Join(t.TempDir(), "rules.json")
	b, _ := json.Marshal(rules)
	if err := os.WriteFile(rf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	rules["thresholds"] = map[string]any{"a": 850, "b": 700, "c": -1}
	bad := filepath.Join(t.TempDir(), "bad.json")
	b, _ = json.Marshal(rules)
	_ = os.WriteFile(bad, b, 0o600)
	if _, stderr, err := run(0, "gov", "propose", "set-credit-rules", "--file", bad, "--key", keyOf("ZWFW")); err == nil || !strings.Contains(stderr, "credit/517") {
		t.Fatalf("negative threshold: %v %s", err, stderr)
	}
	decode(cli(0, "gov", "propose", "set-credit-rules", "--file", rf, "--key", keyOf("ZWFW"), "--reason", "demo v2"), &prop)
	if prop.Code != 0 || prop.Data == "" {
		t.Fatalf("rules proposal: %+v", prop)
	}
	for _, dept := range []string{"SCJG", "RSJ"} {
		cli(0, "gov", "vote", prop.Data, "approve", "--key", keyOf(dept))
	}
	caughtUp(ctx, t, net, 0)
	var rr struct {
		Record struct {
			Version int64 `json:"version"`
			Height  int64 `json:"height"`
		} `json:"record"`
	}
	decode(cli(2, "credit", "rules"), &rr)
	if rr.Record.Version != 2 || rr.Record.Height <= gr.Heights[2] {
		t.Fatalf("rules after the proposal: %+v", rr)
	}
	for _, w := range []struct {
		args  []string
		class string
		score int64
	}{
		{nil, "C", 660}, // the repaired black list entry counts -400 × 500‰ under v2
		{[]string{"--rules-version", "1"}, "A", 860},
		{[]string{"--height", fmt.Sprint(gr.Heights[2])}, "A", 860}, // graded then, under v1
	} {
		var g struct {
			Grade struct {
				Class        string `json:"class"`
				Score        int64  `json:"score"`
				RulesVersion int64  `json:"rules_version"`
			} `json:"grade"`
		}
		decode(cli(2, append([]string{"credit", "grade", "--subject-id", gr.Company, "--height", fmt.Sprint(rr.Record.Height)}, w.args...)...), &g)
		if g.Grade.Class != w.class || g.Grade.Score != w.score {
			t.Fatalf("grade %v: %+v, want %s %d", w.args, g, w.class, w.score)
		}
	}
}

func creditSubjectOK(id string) (string, string, error) {
	return credit.SubjectRef(make([]byte, 16), "", id)
}
