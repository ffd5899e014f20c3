// Package creditdemo is the credit module's demo data: on three demo
// companies and one fictional person, a licence, a penalty, a black list
// entry, a commitment, a red list entry, a penalty on the person and a
// repair; then a fourth company whose grade moves A → D → A (a licence, a
// black list entry that raises an alert for RSJ, which watches it, and the
// repair). testnet seeds Demo from its list (testnet/demo.go) after the
// identity demo data.
package creditdemo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/credit/creditio"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/testnet/demokit"
)

// Demo credit events: SCJG (market supervision) records licences,
// penalties, black list entries, commitments and repairs; RSJ (human
// resources) records the red list. The grants are genesis grants here
// (governance elsewhere).
var Demo = demokit.Demo{Module: credittypes.Name, Title: "credit (信用信息)",
	Grants: Grants(), Genesis: Genesis, Seed: Seed}

// Grants are the credit grants of the demo (for tests that build
// their own network).
func Grants() map[string][]string {
	return map[string][]string{
		"SCJG": {"credit:licence", "credit:penalty", "credit:blacklist", "credit:commitment", "credit:repair"},
		"RSJ":  {"credit:redlist"},
	}
}

// Genesis gives the demo network a random subject salt.
func Genesis() json.RawMessage {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	return json.RawMessage(fmt.Sprintf(`{"subject_salt":%q}`, hex.EncodeToString(salt)))
}

// Person is the fictional person the demo records a penalty on.
var Person = struct{ ID, Name string }{demokit.CitizenID("350104", "19790815", 321), "张某某 (fictional)"}

// Result is what Seed recorded.
type Result struct {
	Companies    []string          // USCCs of demo companies 1..3
	IDs          map[string]string // "licence", "penalty", "blacklist", "commitment", "redlist", "person_penalty", "repair" -> event id
	BeforeRepair int64             // a height at which company 3 is black listed
	RepairHeight int64             // the height of the repair
	PersonRef    string
	Readers      []string // departments the details are wrapped for
}

// demoReaders reads the identity registry and picks every active key of
// depts (admins and officers) plus self.
func demoReaders(ctx context.Context, c *client.Client, depts []string, self *smcrypto.PrivateKey) ([]creditio.Reader, error) {
	var ds []identity.Department
	ents, err := c.ListAll(ctx, "id/dept/")
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		var d identity.Department
		if err := json.Unmarshal(e.Value, &d); err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	var as []identity.Account
	if ents, err = c.ListAll(ctx, "id/acct/"); err != nil {
		return nil, err
	}
	for _, e := range ents {
		var a identity.Account
		if err := json.Unmarshal(e.Value, &a); err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	return creditio.SelectReaders(ds, as, depts, creditio.WrapAll, self.PublicKey())
}

// Seed records, on three demo companies and one fictional person, a
// licence, a penalty, a black list entry and a commitment (SCJG, one
// record_batch), a red list entry (RSJ), a penalty on the person, and then
// SCJG repairs the black list entry. Details are readable by SCJG and RSJ.
func Seed(ctx context.Context, n *demokit.Net, w io.Writer) error {
	if _, err := seed(ctx, n, w); err != nil {
		return err
	}
	_, err := SeedGrades(ctx, n, w)
	return err
}

// GradeResult is what SeedGrades recorded: a fourth company graded A after
// a licence, D after a black list entry (an alert for RSJ, which watches
// it), and A again after the repair.
type GradeResult struct {
	Company string
	Heights [3]int64          // A, D, A again
	IDs     map[string]string // "licence", "blacklist", "repair"
}

// SeedGrades records the fourth company's licence, RSJ's watch, its black
// list entry and its repair, each in its own block, so its grade moves
// A → D → A (credit grade --height).
func SeedGrades(ctx context.Context, n *demokit.Net, w io.Writer) (*GradeResult, error) {
	d, err := openDepts(ctx, n)
	if d == nil || err != nil {
		return nil, err
	}
	sc, rc, sk, rk, today := d.sc, d.rc, d.sk, d.rk, d.today
	rd, err := demoReaders(ctx, sc, []string{"RSJ", "SCJG"}, sk)
	if err != nil {
		return nil, err
	}
	res := &GradeResult{Company: demokit.USCC(4), IDs: map[string]string{}}
	const name = "福州鼓楼食品有限公司"
	ev := func(kind, basis, decision, text string, severity, years int) (credittypes.Event, error) {
		pe, err := credittypes.PublishEndOfDay(today.AddDate(years, 0, 0).Format("2006-01-02"))
		if err != nil {
			return credittypes.Event{}, err
		}
		in := creditio.Input{Event: credittypes.Event{Kind: kind, SubjectKind: credittypes.SubjectOrg, SubjectRef: res.Company, LegalBasis: basis, DecisionNo: decision,
			EffectiveDate: today.Format("2006-01-02"), PublishEnd: pe, Severity: severity},
			Details: creditio.Details{SubjectID: res.Company, SubjectName: name, Text: text}}
		return in.Seal(rd)
	}
	so, err := client.NewSigner(ctx, sc, n.ChainID, sk)
	if err != nil {
		return nil, err
	}
	ro, err := client.NewSigner(ctx, rc, n.ChainID, rk)
	if err != nil {
		return nil, err
	}
	steps := []struct {
		name, kind, basis, decision, text string
		severity, years                   int
	}{
		{"licence", credittypes.KindLicence, "《中华人民共和国食品安全法》第三十五条", "榕市监许〔2026〕401号", "食品生产许可", 1, 5},
		{"blacklist", credittypes.KindBlacklist, "《市场监督管理严重违法失信名单管理办法》第九条", "榕市监失信〔2026〕41号", "列入严重违法失信名单：生产经营不符合食品安全标准的食品", 4, 3},
		{"repair", credittypes.KindRepair, "《失信行为纠正后的信用信息修复管理办法（试行）》第十条", "榕市监信修〔2026〕41号", "已整改并履行处罚决定，信用修复", 1, 1},
	}
	for i, stp := range steps {
		if i == 1 {
			// RSJ watches the company before the black list entry: the
			// alert names it
			r, err := ro.Send(ctx, rc, credittypes.MsgWatch, credittypes.Watch{SubjectKind: credittypes.SubjectOrg, SubjectRef: res.Company, Watch: true}, "commit")
			if err != nil {
				return nil, fmt.Errorf("watch: %w", err)
			}
			fmt.Fprintf(w, "  RSJ watches %s (block %d)\n", res.Company, r.Height)
		}
		e, err := ev(stp.kind, stp.basis, stp.decision, stp.text, stp.severity, stp.years)
		if err != nil {
			return nil, err
		}
		if stp.kind == credittypes.KindRepair {
			e.Repairs = res.IDs["blacklist"]
		}
		r, err := so.Send(ctx, sc, credittypes.MsgRecord, e, "commit")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", stp.name, err)
		}
		res.IDs[stp.name], res.Heights[i] = r.Data, r.Height
	}
	fmt.Fprintf(w, "  SCJG graded %s (%s) A at block %d (licence %s), D at block %d (black list %s: an alert for RSJ), A again at block %d (repair %s)\n",
		res.Company, name, res.Heights[0], res.IDs["licence"], res.Heights[1], res.IDs["blacklist"], res.Heights[2], res.IDs["repair"])
	fmt.Fprintf(w, "  try:\n")
	for i, h := range res.Heights {
		fmt.Fprintf(w, "    govchain credit grade --subject-id %s --height %d   # %s\n", res.Company, h, []string{"A 860", "D 460, forced by the black list", "A 860 after the repair"}[i])
	}
	fmt.Fprintf(w, "    govchain credit alerts --dept RSJ\n")
	fmt.Fprintf(w, "    govchain credit grades --class D --height %d --export 高风险名单.xlsx\n", res.Heights[1])
	fmt.Fprintf(w, "    govchain credit rules\n")
	return res, nil
}

// depts are the demo's two departments' nodes and operator keys: SCJG
// records, RSJ red-lists and watches.
type depts struct {
	sc, rc *client.Client
	sk, rk *smcrypto.PrivateKey
	today  time.Time // the latest block's time in China Standard Time
}

// openDepts opens SCJG's and RSJ's nodes and keys; nil when the network
// lacks either.
func openDepts(ctx context.Context, n *demokit.Net) (*depts, error) {
	si, ri := n.DeptIndex("SCJG"), n.DeptIndex("RSJ")
	if si < 0 || ri < 0 {
		return nil, nil
	}
	sc, rc := n.Client(si), n.Client(ri)
	sk, err := n.OperatorKey(si)
	if err != nil {
		return nil, err
	}
	rk, err := n.OperatorKey(ri)
	if err != nil {
		return nil, err
	}
	st, err := sc.Status(ctx)
	if err != nil {
		return nil, err
	}
	bt, err := time.Parse(time.RFC3339, st.BlockTime)
	if err != nil {
		return nil, fmt.Errorf("block time %q: %w", st.BlockTime, err)
	}
	today := bt.In(time.FixedZone("CST", 8*3600))
	return &depts{sc: sc, rc: rc, sk: sk, rk: rk, today: today}, nil
}

func seed(ctx context.Context, n *demokit.Net, w io.Writer) (*Result, error) {
	d, err := openDepts(ctx, n)
	if err != nil {
		return nil, err
	}
	if d == nil {
		fmt.Fprintln(w, "  skipped: the network has no SCJG or no RSJ node")
		return nil, nil
	}
	sc, rc, sk, rk, today := d.sc, d.rc, d.sk, d.rk, d.today
	day := func(years int) string { return today.AddDate(years, 0, 0).Format("2006-01-02") }
	pr, err := sc.State(ctx, string(credittypes.ParamsKey()), 0, false)
	if err != nil {
		return nil, err
	}
	var params credittypes.Params
	if err := json.Unmarshal(pr.Value, &params); err != nil {
		return nil, fmt.Errorf("%s: %w", credittypes.ParamsKey(), err)
	}
	readers := []string{"RSJ", "SCJG"}
	scjgReaders, err := demoReaders(ctx, sc, readers, sk)
	if err != nil {
		return nil, err
	}
	rsjReaders, err := demoReaders(ctx, rc, readers, rk)
	if err != nil {
		return nil, err
	}
	res := &Result{Companies: []string{demokit.USCC(1), demokit.USCC(2), demokit.USCC(3)}, IDs: map[string]string{}, Readers: readers}
	names := []string{"福州闽江贸易有限公司", "福州榕城科技有限公司", "福州三坊七巷餐饮有限公司"}

	type row struct {
		name, kind, subject, subjectName, basis, decision, until, text string
		severity                                                       int
	}
	mk := func(r row, rd []creditio.Reader) (credittypes.Event, error) {
		sk, ref, err := credittypes.SubjectRef(params.Salt(), "", r.subject)
		if err != nil {
			return credittypes.Event{}, err
		}
		pe, err := credittypes.PublishEndOfDay(r.until)
		if err != nil {
			return credittypes.Event{}, err
		}
		in := creditio.Input{Event: credittypes.Event{Kind: r.kind, SubjectKind: sk, SubjectRef: ref, LegalBasis: r.basis, DecisionNo: r.decision,
			EffectiveDate: today.Format("2006-01-02"), PublishEnd: pe, Severity: r.severity},
			Details: creditio.Details{SubjectID: r.subject, SubjectName: r.subjectName, Text: r.text}}
		return in.Seal(rd)
	}
	rows := []row{
		{"licence", credittypes.KindLicence, res.Companies[0], names[0], "《中华人民共和国食品安全法》第三十五条", "榕市监许〔2026〕101号", day(5), "食品经营许可，经营项目：预包装食品销售", 1},
		{"penalty", credittypes.KindPenalty, res.Companies[1], names[1], "《中华人民共和国广告法》第五十五条", "榕市监罚〔2026〕12号", day(3), "发布虚假广告，罚款人民币五万元", 3},
		{"blacklist", credittypes.KindBlacklist, res.Companies[2], names[2], "《市场监督管理严重违法失信名单管理办法》第九条", "榕市监失信〔2026〕3号", day(3), "列入严重违法失信名单：拒不履行行政处罚决定", 4},
		{"commitment", credittypes.KindCommitment, res.Companies[0], names[0], "《关于推进信用承诺制度的指导意见》", "榕市监承诺〔2026〕7号", day(1), "承诺如实提交申请材料", 1},
		{"person_penalty", credittypes.KindPenalty, Person.ID, Person.Name, "《中华人民共和国食品安全法》第一百二十六条", "榕市监罚〔2026〕15号", day(1), "个体经营者未按规定公示健康证明，警告", 1},
	}
	var batch []credittypes.Event
	for _, r := range rows {
		e, err := mk(r, scjgReaders)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
		batch = append(batch, e)
	}
	so, err := client.NewSigner(ctx, sc, n.ChainID, sk)
	if err != nil {
		return nil, err
	}
	r, err := so.Send(ctx, sc, credittypes.MsgRecordBatch, credittypes.RecordBatch{Events: batch}, "commit")
	if err != nil {
		return nil, fmt.Errorf("record batch: %w", err)
	}
	var first int
	if _, err := fmt.Sscanf(r.Data, "%d..", &first); err != nil {
		return nil, fmt.Errorf("batch result %q: %w", r.Data, err)
	}
	for i, rw := range rows {
		res.IDs[rw.name] = credittypes.FormatID(uint64(first + i))
	}
	res.PersonRef = batch[4].SubjectRef
	fmt.Fprintf(w, "  SCJG recorded %d events in one record_batch (block %d): ids %s\n", len(batch), r.Height, r.Data)

	red, err := mk(row{"redlist", credittypes.KindRedlist, res.Companies[0], names[0], "《关于建立完善守信联合激励制度的指导意见》", "榕人社激励〔2026〕2号", day(2), "劳动保障守法诚信等级A级", 2}, rsjReaders)
	if err != nil {
		return nil, err
	}
	ro, err := client.NewSigner(ctx, rc, n.ChainID, rk)
	if err != nil {
		return nil, err
	}
	r, err = ro.Send(ctx, rc, credittypes.MsgRecord, red, "commit")
	if err != nil {
		return nil, fmt.Errorf("red list: %w", err)
	}
	res.IDs["redlist"] = r.Data
	res.BeforeRepair = r.Height
	fmt.Fprintf(w, "  RSJ recorded red list event %s on %s (block %d)\n", r.Data, res.Companies[0], r.Height)

	rep, err := mk(row{"repair", credittypes.KindRepair, res.Companies[2], names[2], "《失信行为纠正后的信用信息修复管理办法（试行）》第十条", "榕市监信修〔2026〕1号", day(1), "已履行行政处罚决定，提交信用修复承诺书", 1}, scjgReaders)
	if err != nil {
		return nil, err
	}
	rep.Repairs = res.IDs["blacklist"]
	r, err = so.Send(ctx, sc, credittypes.MsgRecord, rep, "commit")
	if err != nil {
		return nil, fmt.Errorf("repair: %w", err)
	}
	res.IDs["repair"], res.RepairHeight = r.Data, r.Height
	fmt.Fprintf(w, "  SCJG repaired black list event %s of %s with event %s (block %d)\n", res.IDs["blacklist"], res.Companies[2], r.Data, r.Height)

	fmt.Fprintf(w, "  try (keys in %s/keys):\n", n.Dir)
	fmt.Fprintf(w, "    govchain credit profile --subject-id %s --height %d   # black listed\n", res.Companies[2], res.BeforeRepair)
	fmt.Fprintf(w, "    govchain credit profile --subject-id %s               # repaired, history kept\n", res.Companies[2])
	fmt.Fprintf(w, "    govchain credit profile --subject-id %s               # person: reference computed locally\n", Person.ID)
	fmt.Fprintf(w, "    govchain credit list --blacklist --height %d\n", res.BeforeRepair)
	fmt.Fprintf(w, "    govchain credit list --dept SCJG\n")
	fmt.Fprintf(w, "    govchain credit show %s --decrypt --key rsj-admin --home %s     # authorised\n", res.IDs["penalty"], n.Dir)
	fmt.Fprintf(w, "    govchain credit show %s --decrypt --key wjw-admin --home %s     # refused: WJW is not a reader\n", res.IDs["penalty"], n.Dir)
	return res, nil
}

// SeedResult runs the seeder and returns what it recorded (tests).
func SeedResult(ctx context.Context, n *demokit.Net, w io.Writer) (*Result, error) {
	return seed(ctx, n, w)
}
