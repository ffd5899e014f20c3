// Package creditcli is the credit module's commands: govchain credit
// (record, repair, profile, list, show, import, subject-ref), with the
// answers' proofs checked here. The root command mounts Commands from its
// list (cli/root.go).
package creditcli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/credit/creditio"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/gov/govtypes"
	"github.com/govchain/govchain/node/client"
)

// Commands are the module's top-level commands: `govchain credit`, credit
// events (docs/credit.md).
func Commands(env *clikit.Env) []*cobra.Command { return []*cobra.Command{creditCmd(env)} }

func creditCmd(env *clikit.Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "credit",
		Short: "Credit events (信用信息): licences, penalties, red and black lists, commitments, repairs",
		Long: `Record credit events on market subjects, repair penalties and black list
entries, and read a subject's credit profile with proofs.

Subjects are organisations by unified social credit code and persons by
citizen ID number. An ID number never leaves this machine: --subject-id is
turned into the salted reference locally (salt from credit/params) and the
number itself only goes into the encrypted details.

Details are encrypted here with SM4-GCM under a fresh key per event; the key
is wrapped with SM2 for the active keys (admin and officers; --wrap-keys admin:
admin keys only) of each department in --readers (your own department always)
and for your own key. Only those keys can read them (govchain credit show ID
--decrypt --key K).

Kinds: licence 行政许可, penalty 行政处罚, redlist 守信激励, blacklist 失信联合惩戒,
commitment 信用承诺, repair 信用修复. Recording kind K needs the grant credit:K.

Public credit evaluation (公共信用评价): grade, grades, rules, alerts, watch.
A subject's score and risk class (A 低, B 一般, C 较高, D 高) are computed from
its events under the scoring rule governance set, and recomputed here.`,
		Example: `  govchain credit record --key scjg-officer --kind penalty --subject-id 91350100MA0000001X \
      --legal-basis "《食品安全法》第一百二十四条" --decision-no "榕市监罚〔2026〕12号" --severity 3 \
      --publish-until 2029-06-30 --details "罚款人民币五万元" --readers RSJ
  govchain credit profile --subject-id 91350100MA0000001X
  govchain credit show 000000000001 --decrypt --key rsj-admin
  govchain credit import penalties.xlsx --key scjg-officer --dry-run
  govchain credit grade --subject-id 91350100MA0000001X    # score, class A-D, explanation, recomputed here
  govchain credit grades --class D --export 高风险名单.xlsx
  govchain credit alerts --dept SCJG`,
	}
	c.AddCommand(creditRecordCmd(env), creditRepairCmd(env), creditProfileCmd(env), creditListCmd(env), creditShowCmd(env),
		creditImportCmd(env), creditSubjectRefCmd(env))
	c.AddCommand(gradeCommands(env)...)
	return c
}

// creditParams reads credit/params with a proof checked here.
func creditParams(ctx context.Context, env *clikit.Env) (*credittypes.Params, error) {
	r, err := env.Client().State(ctx, string(credittypes.ParamsKey()), 0, true)
	if err != nil {
		return nil, err
	}
	if !r.Found || r.Proof == nil {
		return nil, fmt.Errorf("the node has no %s: is the credit module running?", credittypes.ParamsKey())
	}
	if err := r.Proof.Verify(r.AppHash); err != nil {
		return nil, fmt.Errorf("proof of %s: %w", credittypes.ParamsKey(), err)
	}
	var p credittypes.Params
	if err := json.Unmarshal(r.Proof.Value, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// creditSubject resolves --subject-id / --subject-ref into (kind, ref).
func creditSubject(ctx context.Context, env *clikit.Env, kind, id, ref string) (string, string, error) {
	switch {
	case id != "" && ref != "":
		return "", "", fmt.Errorf("give --subject-id or --subject-ref, not both")
	case id != "":
		p, err := creditParams(ctx, env)
		if err != nil {
			return "", "", err
		}
		k, r, err := credittypes.SubjectRef(p.Salt(), kind, id)
		if err != nil {
			return "", "", fmt.Errorf("--subject-id: %w", err)
		}
		return k, r, nil
	case ref != "":
		if kind == "" {
			kind = credittypes.SubjectPerson
			if credittypes.ValidateSubject(credittypes.SubjectOrg, ref) == nil {
				kind = credittypes.SubjectOrg
			}
		}
		if err := credittypes.ValidateSubject(kind, ref); err != nil {
			return "", "", fmt.Errorf("--subject-ref: %w", err)
		}
		return kind, ref, nil
	}
	return "", "", fmt.Errorf("give --subject-id (USCC or citizen ID number, turned into the reference locally) or --subject-ref")
}

// creditSession is a signing key with its identity and the registry's
// departments and accounts (for choosing reader keys).
type creditSession struct {
	*clikit.TxSigner
	account *identity.Account
	params  *credittypes.Params
}

func newCreditSession(ctx context.Context, env *clikit.Env, f *clikit.TxFlags) (*creditSession, error) {
	t, err := env.TxSigner(ctx, f)
	if err != nil {
		return nil, err
	}
	a, err := t.Client.Account(ctx, t.Key.PublicKey().ID())
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", t.Key.PublicKey().ID(), err)
	}
	p, err := creditParams(ctx, env)
	if err != nil {
		return nil, err
	}
	return &creditSession{TxSigner: t, account: a.Account, params: p}, nil
}

// readers picks the reader keys: the admin keys (or all keys, --wrap-keys
// all) of the signer's department and of each department in list ("all" =
// every active department), plus the signer's own key.
func (s *creditSession) readers(ctx context.Context, list, mode string) ([]creditio.Reader, error) {
	var depts []identity.Department
	ents, err := s.Client.ListAll(ctx, "id/dept/")
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		var d identity.Department
		if err := json.Unmarshal(e.Value, &d); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Key, err)
		}
		depts = append(depts, d)
	}
	var accts []identity.Account
	if ents, err = s.Client.ListAll(ctx, "id/acct/"); err != nil {
		return nil, err
	}
	for _, e := range ents {
		var a identity.Account
		if err := json.Unmarshal(e.Value, &a); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Key, err)
		}
		accts = append(accts, a)
	}
	want := []string{s.account.Dept}
	switch strings.TrimSpace(list) {
	case "":
	case "all":
		for _, d := range depts {
			if d.Status == identity.StatusActive {
				want = append(want, d.Code)
			}
		}
	default:
		for _, d := range strings.Split(list, ",") {
			if d = strings.ToUpper(strings.TrimSpace(d)); d != "" {
				want = append(want, d)
			}
		}
	}
	sort.Strings(want)
	return creditio.SelectReaders(depts, accts, compactStrings(want), mode, s.Key.PublicKey())
}

func compactStrings(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func creditToday() string { return time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") }

// defaultPublishUntil: three years from the effective date, through the
// day before (China Standard Time).
func defaultPublishUntil(effective string) (string, error) {
	t, err := credittypes.ParseDate("effective date", effective)
	if err != nil {
		return "", err
	}
	return t.AddDate(3, 0, -1).Format("2006-01-02"), nil
}

// creditEventFlags are the fields of one event.
type creditEventFlags struct {
	subjectKind, subjectID, subjectRef, subjectName string
	legalBasis, decisionNo, effective, publishUntil string
	details, detailsFile, readers, wrapKeys         string
	severity                                        int
}

func (e *creditEventFlags) register(c *cobra.Command, subject bool) {
	if subject {
		c.Flags().StringVar(&e.subjectKind, "subject-kind", "", "org or person (default: detected from --subject-id)")
		c.Flags().StringVar(&e.subjectID, "subject-id", "", "unified social credit code, or citizen ID number (hashed with the network's salt locally; the number goes only into the encrypted details)")
		c.Flags().StringVar(&e.subjectRef, "subject-ref", "", "or the subject reference itself (see govchain credit subject-ref)")
		c.Flags().StringVar(&e.subjectName, "subject-name", "", "subject's name (encrypted details only)")
	}
	c.Flags().StringVar(&e.legalBasis, "legal-basis", "", "legal basis (法律依据), public")
	c.Flags().StringVar(&e.decisionNo, "decision-no", "", "decision document number (决定文书号), public")
	c.Flags().StringVar(&e.effective, "effective-date", "", "effective date YYYY-MM-DD (default today, China Standard Time)")
	c.Flags().StringVar(&e.publishUntil, "publish-until", "", "last day of publication YYYY-MM-DD (China Standard Time) or an RFC 3339 instant (default 3 years from the effective date)")
	c.Flags().IntVar(&e.severity, "severity", 1, "severity 1 (minor) .. 5 (most serious)")
	c.Flags().StringVar(&e.details, "details", "", "details text (encrypted)")
	c.Flags().StringVar(&e.detailsFile, "details-file", "", "or a file whose content is the details text (encrypted)")
	c.Flags().StringVar(&e.readers, "readers", "", "departments that may read the details, comma-separated, or all (your department always can)")
	c.Flags().StringVar(&e.wrapKeys, "wrap-keys", creditio.WrapAll, "which keys of a reader department get the data key: all (every active key: admin and officers) or admin (its admin keys only, fewer wraps)")
}

// build completes ev (kind, subject, repairs set by the caller) and seals
// the details.
func (e *creditEventFlags) build(ctx context.Context, s *creditSession, ev *credittypes.Event, subjectID string) error {
	ev.LegalBasis, ev.DecisionNo, ev.Severity = e.legalBasis, e.decisionNo, e.severity
	ev.EffectiveDate = e.effective
	if ev.EffectiveDate == "" {
		ev.EffectiveDate = creditToday()
	}
	until := e.publishUntil
	if until == "" {
		var err error
		if until, err = defaultPublishUntil(ev.EffectiveDate); err != nil {
			return err
		}
	}
	pe, err := creditio.PublishEnd(until)
	if err != nil {
		return err
	}
	ev.PublishEnd = pe
	text := e.details
	if e.detailsFile != "" {
		if text != "" {
			return fmt.Errorf("give --details or --details-file, not both")
		}
		b, err := clikit.ReadFileMax(e.detailsFile, clikit.MaxDataFile)
		if err != nil {
			return err
		}
		text = string(b)
	}
	if err := credittypes.ValidateFields(&credittypes.Event{Kind: ev.Kind, SubjectKind: ev.SubjectKind, SubjectRef: ev.SubjectRef, LegalBasis: ev.LegalBasis,
		DecisionNo: ev.DecisionNo, EffectiveDate: ev.EffectiveDate, PublishEnd: ev.PublishEnd, Severity: ev.Severity, Repairs: ev.Repairs}); err != nil {
		return err
	}
	rd, err := s.readers(ctx, e.readers, e.wrapKeys)
	if err != nil {
		return fmt.Errorf("--readers: %w", err)
	}
	env, err := creditio.SealDetails(ev.Kind, ev.SubjectRef, ev.DecisionNo, creditio.Details{SubjectID: subjectID, SubjectName: e.subjectName, Text: text}, rd)
	if err != nil {
		return err
	}
	ev.Details = env
	return nil
}

func creditRecordCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var e creditEventFlags
	var kind string
	c := &cobra.Command{
		Use:   "record",
		Short: "Record one credit event on a subject",
		Example: `  govchain credit record --key scjg-officer --kind blacklist --subject-id 91350100MA0000001X \
      --legal-basis "《企业信息公示暂行条例》第十七条" --decision-no "榕市监失信〔2026〕3号" --severity 4 \
      --publish-until 2029-12-31 --subject-name "福州某某贸易有限公司" --details "列入严重违法失信名单" --readers RSJ,WJW
  govchain credit record --key scjg-officer --kind penalty --subject-id 11010519491231002X --subject-name "张某" \
      --legal-basis "《食品安全法》第一百二十六条" --decision-no "榕市监罚〔2026〕15号" --details "警告"   # only SM3(salt||ID) is sent`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if kind == credittypes.KindRepair {
				return fmt.Errorf("use govchain credit repair for repairs")
			}
			if !credittypes.ValidKind(kind) {
				return fmt.Errorf("--kind must be licence, penalty, redlist, blacklist or commitment")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			s, err := newCreditSession(ctx, env, &f)
			if err != nil {
				return err
			}
			sk, ref, err := creditSubject(ctx, env, e.subjectKind, e.subjectID, e.subjectRef)
			if err != nil {
				return err
			}
			ev := credittypes.Event{Kind: kind, SubjectKind: sk, SubjectRef: ref}
			sid := ref
			if e.subjectID != "" {
				sid = strings.ToUpper(strings.TrimSpace(e.subjectID))
			}
			if err := e.build(ctx, s, &ev, sid); err != nil {
				return err
			}
			res, err := s.Send(ctx, credittypes.MsgRecord, ev, f.Wait)
			return env.PrintResult(cmd, res, err)
		},
	}
	f.Register(c)
	e.register(c, true)
	c.Flags().StringVar(&kind, "kind", "", "licence, penalty, redlist, blacklist or commitment")
	return c
}

// creditEvent fetches an event with proofs and verifies them here.
func creditEvent(ctx context.Context, env *clikit.Env, id string, height int64) (*client.CreditEventResult, *credittypes.Record, string, *client.CreditCheck, error) {
	if !credittypes.ValidID(id) {
		return nil, nil, "", nil, fmt.Errorf("event id %q must be 12 digits", id)
	}
	r, err := env.Client().CreditEvent(ctx, id, client.At{Height: height, Prove: true})
	if err != nil {
		return nil, nil, "", nil, err
	}
	rec, st, chk, err := r.Verify()
	return r, rec, st, chk, err
}

// subjectRecords fetches the subject's event records at height with proofs
// (every page) and verifies them.
func subjectRecords(ctx context.Context, env *clikit.Env, ref string, height int64) ([]*credittypes.Record, error) {
	res, err := env.Client().CreditProfile(ctx, ref, height, true)
	if err != nil {
		return nil, err
	}
	p, _, err := res.Verify()
	if err != nil || p == nil {
		return nil, err
	}
	var out []*credittypes.Record
	for _, e := range p.History {
		out = append(out, e.Record)
	}
	return out, nil
}

func creditRepairCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var e creditEventFlags
	var target, reason string
	var propose bool
	c := &cobra.Command{
		Use:   "repair",
		Short: "Repair a penalty or black list event your department recorded (信用修复)",
		Long: `Record a repair event that ends a penalty's publication or takes a black list
entry off the list. Only the department that recorded the event can repair it
(a governance proposal can repair any: --propose, with a department admin key,
opens a gov.propose of kind execute carrying the repair; once the proposal
passes, the repair is recorded with the proposer's department and signer
"governance"). The repaired event and the repair both stay on chain,
provable at every height.`,
		Example: `  govchain credit repair --key scjg-officer --event 000000000003 \
      --legal-basis "《失信行为纠正后的信用信息修复管理办法》第十条" --decision-no "榕市监信修〔2026〕1号" --details "已履行行政处罚决定"
  govchain credit repair --propose --key wjw-admin --event 000000000002 --legal-basis "区社会信用体系建设领导小组决定" \
      --decision-no "区信用〔2026〕1号" --reason "错误记录，经复核撤销公示"      # then: govchain gov vote ID approve --key ...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			_, rec, st, _, err := creditEvent(ctx, env, target, 0)
			if err != nil {
				return err
			}
			if rec == nil {
				return fmt.Errorf("event %s is not on chain", target)
			}
			if !credittypes.Repairable(rec.Kind) {
				return fmt.Errorf("event %s is a %s event; only penalty and blacklist events can be repaired", rec.ID, rec.Kind)
			}
			if st == credittypes.StatusRepaired {
				return fmt.Errorf("event %s was already repaired by event %s at height %d", rec.ID, rec.RepairedBy, rec.RepairedHeight)
			}
			s, err := newCreditSession(ctx, env, &f)
			if err != nil {
				return err
			}
			if rec.Dept != s.account.Dept && !propose {
				return fmt.Errorf("event %s was recorded by %s; only %s can repair it (or a governance proposal: --propose), your key is of %s", rec.ID, rec.Dept, rec.Dept, s.account.Dept)
			}
			ev := credittypes.Event{Kind: credittypes.KindRepair, SubjectKind: rec.SubjectKind, SubjectRef: rec.SubjectRef, Repairs: rec.ID}
			if err := e.build(ctx, s, &ev, rec.SubjectRef); err != nil {
				return err
			}
			if !propose {
				res, err := s.Send(ctx, credittypes.MsgRecord, ev, f.Wait)
				return env.PrintResult(cmd, res, err)
			}
			body, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			action, err := json.Marshal(govtypes.Execute{Type: credittypes.MsgRecord, Body: body})
			if err != nil {
				return err
			}
			if reason == "" {
				reason = "credit repair of event " + rec.ID
			}
			res, err := s.Send(ctx, govtypes.MsgPropose, govtypes.Propose{Kind: govtypes.KindExecute, Action: action, Reason: reason}, f.Wait)
			return env.PrintResult(cmd, res, err)
		},
	}
	f.Register(c)
	e.register(c, false)
	c.Flags().StringVar(&target, "event", "", "id of the penalty or blacklist event to repair")
	c.Flags().BoolVar(&propose, "propose", false, "open a governance proposal to record the repair (admin key; for events of other departments)")
	c.Flags().StringVar(&reason, "reason", "", "with --propose: the proposal's reason")
	return c
}

// creditProfileOut is what `credit profile -o json` prints.
type creditProfileOut struct {
	Ref      string               `json:"ref"`
	Height   int64                `json:"height"`
	AppHash  string               `json:"app_hash"`
	Found    bool                 `json:"found"`
	Profile  *credittypes.Profile `json:"profile,omitempty"`
	Verified []string             `json:"verified"`
}

func creditProfileCmd(env *clikit.Env) *cobra.Command {
	var kind, id, ref string
	var height int64
	c := &cobra.Command{
		Use:   "profile",
		Short: "A subject's credit profile at a height, with every proof checked here",
		Long: `Fetch the subject's summary, every event record and the block time with
ICS23 proofs, verify them against the app hash of that height (in block header
height+1: compare it across nodes or with a header you trust) and recompute
the profile from the proven bytes.`,
		Example: `  govchain credit profile --subject-id 91350100MA0000001X
  govchain credit profile --subject-id 11010519491231002X --height 40    # reference computed locally
  govchain credit profile --subject-ref 3a7f...c2 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			_, r, err := creditSubject(ctx, env, kind, id, ref)
			if err != nil {
				return err
			}
			res, err := env.Client().CreditProfile(ctx, r, height, true)
			if err != nil {
				return err
			}
			p, chk, err := res.Verify()
			if err != nil {
				return err
			}
			out := creditProfileOut{Ref: r, Height: res.Height, AppHash: fmt.Sprintf("%X", res.AppHash), Found: p != nil, Profile: p, Verified: chk.Verified}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) { printCreditProfile(w, &out, res.BlockTime) })
		},
	}
	c.Flags().StringVar(&kind, "subject-kind", "", "org or person (default: detected)")
	c.Flags().StringVar(&id, "subject-id", "", "USCC or citizen ID number (turned into the reference locally)")
	c.Flags().StringVar(&ref, "subject-ref", "", "or the subject reference")
	c.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	return c
}

func printCreditProfile(w io.Writer, o *creditProfileOut, bt string) {
	fmt.Fprintf(w, "subject %s at height %d (block time %s)\n", o.Ref, o.Height, bt)
	if o.Profile == nil {
		fmt.Fprintln(w, "  no credit events")
	} else {
		p := o.Profile
		fmt.Fprintf(w, "  kind %s\n", p.SubjectKind)
		byID := map[string]*credittypes.Record{}
		for _, h := range p.History {
			byID[h.Record.ID] = h.Record
		}
		list := func(name string, ids []string) {
			if len(ids) == 0 {
				fmt.Fprintf(w, "  %-17s -\n", name)
				return
			}
			for i, id := range ids {
				r := byID[id]
				label := ""
				if i == 0 {
					label = name
				}
				fmt.Fprintf(w, "  %-17s %s by %s, severity %d, %s, published until %s\n", label, id, r.Dept, r.Severity, r.DecisionNo, r.PublishEnd)
			}
		}
		if p.Blacklisted {
			fmt.Fprintln(w, "  BLACKLISTED (失信联合惩戒)")
		}
		list("black list", p.Active.Blacklist)
		list("red list", p.Active.Redlist)
		list("active penalties", p.Active.Penalties)
		cnt := func(c credittypes.Counts) string {
			return fmt.Sprintf("licence %d, penalty %d, redlist %d, blacklist %d, commitment %d, repair %d", c.Licence, c.Penalty, c.Redlist, c.Blacklist, c.Commitment, c.Repair)
		}
		fmt.Fprintf(w, "  recorded          %s\n  published now     %s\n  history:\n", cnt(p.Counts), cnt(p.Published))
		for _, h := range p.History {
			r := h.Record
			extra := ""
			if r.Repairs != "" {
				extra = " repairs " + r.Repairs
			}
			if r.RepairedBy != "" {
				extra = fmt.Sprintf(" repaired by %s at height %d", r.RepairedBy, r.RepairedHeight)
			}
			fmt.Fprintf(w, "    %s %-10s %-5s h%-6d sev %d  %-9s %s%s\n", r.ID, r.Kind, r.Dept, r.Height, r.Severity, h.Status, r.DecisionNo, extra)
		}
	}
	printVerified(w, o.Verified)
	fmt.Fprintf(w, "  under app hash %s (in block header %d)\n", o.AppHash, o.Height+1)
}

func creditListCmd(env *clikit.Env) *cobra.Command {
	var dept, kind string
	var black, red bool
	var height int64
	var page, limit int
	var cursor string
	c := &cobra.Command{
		Use:   "list",
		Short: "List events by recording department, or the active black or red list as of a height",
		Example: `  govchain credit list --dept SCJG
  govchain credit list --dept SCJG --kind penalty --page 2
  govchain credit list --dept SCJG --limit 1000    # then --cursor as printed
  govchain credit list --blacklist                 # as of the latest height, proofs checked here
  govchain credit list --blacklist --height 42`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			p := clikit.PageOf(page, limit, cursor)
			switch {
			case (dept != "") == (black || red) || black && red:
				return fmt.Errorf("give one of --dept, --blacklist, --redlist")
			case dept != "":
				r, err := env.Client().CreditDeptEvents(ctx, strings.ToUpper(dept), kind, height, p)
				if err != nil {
					return err
				}
				return env.Emit(cmd.OutOrStdout(), r, func(w io.Writer) {
					fmt.Fprintf(w, "%-12s %-10s %-64s %-6s %s\n", "ID", "KIND", "SUBJECT", "HEIGHT", "DECISION")
					for _, it := range r.Items {
						fmt.Fprintf(w, "%-12s %-10s %-64s %-6d %s\n", it.ID, it.Kind, it.Record.SubjectRef, it.Record.Height, it.Record.DecisionNo)
					}
					clikit.PrintMore(w, r.More, r.Page, r.NextCursor)
				})
			}
			list := credittypes.KindBlacklist
			if red {
				list = credittypes.KindRedlist
			}
			r, err := env.Client().CreditList(ctx, list, client.At{Height: height, Prove: true}, p)
			if err != nil {
				return err
			}
			chk, err := r.Verify()
			if err != nil {
				return err
			}
			out := struct {
				*client.CreditListResult
				Verified []string `json:"verified"`
			}{r, chk.Verified}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				fmt.Fprintf(w, "%s at height %d (block time %s): %d entries on page %d\n", list, r.Height, r.BlockTime, len(r.Items), r.Page)
				for _, it := range r.Items {
					fmt.Fprintf(w, "  %-64s event %s by %s, severity %d, until %s\n", it.SubjectRef, it.ID, it.Entry.Dept, it.Entry.Severity, it.Entry.PublishEnd)
				}
				printVerified(w, chk.Verified)
				fmt.Fprintf(w, "  under app hash %X (in block header %d)\n", r.AppHash, r.Height+1)
				clikit.PrintMore(w, r.More, r.Page, r.NextCursor)
			})
		},
	}
	c.Flags().StringVar(&dept, "dept", "", "recording department code")
	c.Flags().StringVar(&kind, "kind", "", "with --dept: only this kind")
	c.Flags().BoolVar(&black, "blacklist", false, "the active black list")
	c.Flags().BoolVar(&red, "redlist", false, "the active red list")
	c.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	clikit.PageFlags(c, &page, &limit, &cursor)
	return c
}

// creditShowOut is what `credit show -o json` prints.
type creditShowOut struct {
	ID        string              `json:"id"`
	Height    int64               `json:"height"`
	AppHash   string              `json:"app_hash"`
	Status    string              `json:"status"`
	Record    *credittypes.Record `json:"record,omitempty"`
	Verified  []string            `json:"verified"`
	Decrypted *creditio.Details   `json:"decrypted,omitempty"`
	RawDetail string              `json:"decrypted_raw,omitempty"`
}

func creditShowCmd(env *clikit.Env) *cobra.Command {
	var height int64
	var decrypt bool
	var key, passFile string
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Show a credit event with its proof; --decrypt opens the details with your department's key",
		Long: `Show one event, its proof checked here, and its status at the height
(published, ended, repaired). With --decrypt --key K, the details are opened
locally: K must be a key the data key was wrapped for (a key of an authorised
department, or the key that recorded the event).`,
		Example: `  govchain credit show 000000000001
  govchain credit show 000000000001 --decrypt --key rsj-admin --home .testnets/demo`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			r, rec, st, chk, err := creditEvent(ctx, env, args[0], height)
			if err != nil {
				return err
			}
			out := creditShowOut{ID: args[0], Height: r.Height, AppHash: fmt.Sprintf("%X", r.AppHash), Status: st, Record: rec, Verified: chk.Verified}
			if decrypt {
				if key == "" {
					return fmt.Errorf("--decrypt needs --key (a key file of an authorised department)")
				}
				if rec == nil {
					return fmt.Errorf("event %s is not on chain at height %d", args[0], r.Height)
				}
				k, err := env.LoadKey(key, passFile)
				if err != nil {
					return err
				}
				pt, err := creditio.Open(rec, k)
				if errors.Is(err, creditio.ErrNotThisEvent) {
					// Details copied from another event of the same subject
					// open under that event's binding: try the subject's
					// proven history to name it.
					if cands, cerr := subjectRecords(ctx, env, rec.SubjectRef, r.Height); cerr == nil {
						_, err = creditio.Open(rec, k, cands...)
					}
				}
				if err != nil {
					if errors.Is(err, creditio.ErrNoWrap) || errors.Is(err, creditio.ErrNotThisEvent) {
						return fmt.Errorf("cannot decrypt: %w", err)
					}
					return err
				}
				var d creditio.Details
				if json.Unmarshal(pt, &d) == nil {
					out.Decrypted = &d
				} else {
					out.RawDetail = string(pt)
				}
			}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) { printCreditShow(w, &out, r.BlockTime) })
		},
	}
	c.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	c.Flags().BoolVar(&decrypt, "decrypt", false, "decrypt the details with --key")
	c.Flags().StringVar(&key, "key", "", "key file or name under HOME/keys, for --decrypt")
	c.Flags().StringVar(&passFile, "passphrase-file", "", "passphrase file (else env GOVCHAIN_PASSPHRASE)")
	return c
}

func printCreditShow(w io.Writer, o *creditShowOut, bt string) {
	fmt.Fprintf(w, "credit event %s at height %d (block time %s): %s\n", o.ID, o.Height, bt, strings.ToUpper(o.Status))
	if r := o.Record; r != nil {
		fmt.Fprintf(w, "  %s (%s) by %s, signer %s, recorded at height %d (%s)\n", r.Kind, credittypes.KindChinese(r.Kind), r.Dept, r.Signer, r.Height, r.Time)
		fmt.Fprintf(w, "  subject %s %s\n  legal basis %s\n  decision %s, effective %s, published until %s, severity %d\n",
			r.SubjectKind, r.SubjectRef, r.LegalBasis, r.DecisionNo, r.EffectiveDate, r.PublishEnd, r.Severity)
		if r.Repairs != "" {
			fmt.Fprintf(w, "  repairs event %s\n", r.Repairs)
		}
		if r.RepairedBy != "" {
			fmt.Fprintf(w, "  repaired by event %s at height %d (%s)\n", r.RepairedBy, r.RepairedHeight, r.RepairedTime)
		}
		var rd []string
		for _, wr := range r.Details.Wraps {
			rd = append(rd, wr.Dept+":"+wr.KeyID[:8])
		}
		fmt.Fprintf(w, "  details: %d bytes sealed (%s), readable by %s\n", len(r.Details.Ciphertext), r.Details.Scheme, strings.Join(rd, " "))
	}
	if d := o.Decrypted; d != nil {
		fmt.Fprintf(w, "  decrypted: subject id %s", d.SubjectID)
		if d.SubjectName != "" {
			fmt.Fprintf(w, ", name %s", d.SubjectName)
		}
		fmt.Fprintf(w, "\n    %s\n", d.Text)
	} else if o.RawDetail != "" {
		fmt.Fprintf(w, "  decrypted: %s\n", o.RawDetail)
	}
	printVerified(w, o.Verified)
	fmt.Fprintf(w, "  under app hash %s (in block header %d)\n", o.AppHash, o.Height+1)
}

func creditSubjectRefCmd(env *clikit.Env) *cobra.Command {
	var kind, id string
	c := &cobra.Command{
		Use:   "subject-ref",
		Short: "Compute a subject reference locally (only the network's salt is read)",
		Example: `  govchain credit subject-ref --subject-id 11010519491231002X
  govchain credit subject-ref --subject-id 91350100m000100y43`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, ref, err := creditSubject(cmd.Context(), env, kind, id, "")
			if err != nil {
				return err
			}
			return env.Emit(cmd.OutOrStdout(), map[string]string{"subject_kind": k, "subject_ref": ref}, func(w io.Writer) { fmt.Fprintln(w, ref) })
		},
	}
	c.Flags().StringVar(&kind, "subject-kind", "", "org or person (default: detected)")
	c.Flags().StringVar(&id, "subject-id", "", "unified social credit code or citizen ID number")
	return c
}

// creditImportReport is what `credit import -o json` prints.
type creditImportReport struct {
	File     string             `json:"file"`
	Rows     int                `json:"rows"`
	Valid    int                `json:"valid"`
	Problems []creditio.Problem `json:"problems"`
	DryRun   bool               `json:"dry_run"`
	Batches  int                `json:"batches"`
	Imported int                `json:"imported"`
	Txs      []creditImportTx   `json:"txs,omitempty"`
}

type creditImportTx struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	Events int    `json:"events"`
	IDs    string `json:"ids"`
	Lines  string `json:"lines"`
}

func creditImportCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var dryRun, skipBad bool
	var readers, wrapKeys string
	var batch, maxBytes int
	c := &cobra.Command{
		Use:   "import FILE.csv|FILE.xlsx",
		Short: "Import credit events from CSV or xlsx in a few record_batch transactions",
		Long: `Import events from a CSV file (UTF-8) or the first sheet of an xlsx workbook
with the header

  ` + strings.Join(creditio.Header, ",") + `

subject_kind may be empty (detected from subject_id); publish_until is the last
day of publication (China Standard Time) or an RFC 3339 instant; severity is
1..5; details and subject_name are encrypted; repairs is an event id (kind
repair only).

Every row is checked first with the chain's own rules and against the chain
(your department's grants, events already recorded, the events repairs
name); --dry-run stops there and reports every bad row by line. Otherwise the
events are sealed and sent in batches of --batch events (each batch is one
transaction: all its events or none); a file with bad rows is refused unless
--skip-bad. Citizen ID numbers and names never leave this machine in clear.`,
		Example: `  govchain credit import penalties-2026-03.xlsx --key scjg-officer --dry-run
  govchain credit import penalties-2026-03.xlsx --key scjg-officer --readers RSJ,WJW --batch 200`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Minute)
			defer cancel()
			rep := &creditImportReport{File: args[0], DryRun: dryRun, Problems: []creditio.Problem{}}
			rows, probs, err := creditio.ReadFile(args[0])
			if err != nil {
				return err
			}
			rep.Rows = len(rows) + len(probs)
			s, err := newCreditSession(ctx, env, &f)
			if err != nil {
				return err
			}
			ins, p2 := creditio.ParseRows(s.params.Salt(), rows)
			ins, p3, err := s.checkOnChain(ctx, ins)
			if err != nil {
				return err
			}
			rep.Problems = append(append(append(rep.Problems, probs...), p2...), p3...)
			sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Line < rep.Problems[j].Line })
			rep.Valid = len(ins)
			if batch < 1 || batch > s.params.MaxBatch {
				return fmt.Errorf("--batch must be 1..%d (credit/params max_batch)", s.params.MaxBatch)
			}
			errOut := cmd.ErrOrStderr()
			printProblems := func() {
				for _, p := range rep.Problems {
					fmt.Fprintf(errOut, "  line %d: %s\n", p.Line, p.Reason)
				}
			}
			if dryRun || (len(rep.Problems) > 0 && !skipBad) {
				var evs []credittypes.Event
				for _, in := range ins {
					evs = append(evs, in.Event)
				}
				rep.Batches = len(creditio.Batches(evs, batch, maxBytes))
				if e := env.Emit(cmd.OutOrStdout(), rep, func(w io.Writer) {
					fmt.Fprintf(w, "%s: %d rows, %d valid, %d bad; %d transactions of at most %d events\n", rep.File, rep.Rows, rep.Valid, len(rep.Problems), rep.Batches, batch)
				}); e != nil {
					return e
				}
				printProblems()
				switch {
				case len(rep.Problems) > 0 && dryRun:
					return fmt.Errorf("%d bad rows (dry run: nothing sent)", len(rep.Problems))
				case len(rep.Problems) > 0:
					return fmt.Errorf("%d bad rows: fix them, or import the rest with --skip-bad (nothing sent)", len(rep.Problems))
				}
				return nil
			}
			rd, err := s.readers(ctx, readers, wrapKeys)
			if err != nil {
				return fmt.Errorf("--readers: %w", err)
			}
			bar := progressbar.NewOptions(len(ins), progressbar.OptionSetWriter(errOut), progressbar.OptionSetDescription("sealing"),
				progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
			evs := make([]credittypes.Event, len(ins))
			lineOf := make([]int, len(ins))
			for i, in := range ins {
				if evs[i], err = in.Seal(rd); err != nil {
					return fmt.Errorf("line %d: %w", in.Line, err)
				}
				lineOf[i] = in.Line
				_ = bar.Add(1)
			}
			_ = bar.Finish()
			batches := creditio.Batches(evs, batch, maxBytes)
			rep.Batches = len(batches)
			if _, err := s.Signer(ctx); err != nil {
				return err
			}
			bar = progressbar.NewOptions(len(evs), progressbar.OptionSetWriter(errOut), progressbar.OptionSetDescription("recording"),
				progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			done := 0
			var sendErr error
			for _, b := range batches {
				lines := fmt.Sprintf("%d..%d", lineOf[done], lineOf[done+len(b)-1])
				res, err := s.Send(ctx, credittypes.MsgRecordBatch, credittypes.RecordBatch{Events: b}, "commit")
				if err != nil {
					sendErr = fmt.Errorf("transaction for lines %s (none of its %d events recorded): %w", lines, len(b), err)
					break
				}
				rep.Txs = append(rep.Txs, creditImportTx{Hash: res.Hash, Height: res.Height, Events: len(b), IDs: res.Data, Lines: lines})
				rep.Imported += len(b)
				done += len(b)
				_ = bar.Add(len(b))
			}
			_ = bar.Finish()
			if e := env.Emit(cmd.OutOrStdout(), rep, func(w io.Writer) {
				fmt.Fprintf(w, "%s: %d rows, %d valid, %d bad (skipped), %d recorded in %d transactions\n", rep.File, rep.Rows, rep.Valid, len(rep.Problems), rep.Imported, len(rep.Txs))
				for _, t := range rep.Txs {
					fmt.Fprintf(w, "  block %-6d tx %s  lines %-9s events %s\n", t.Height, t.Hash, t.Lines, t.IDs)
				}
			}); e != nil {
				return e
			}
			printProblems()
			return sendErr
		},
	}
	f.Register(c)
	c.Flags().BoolVar(&dryRun, "dry-run", false, "check every row (locally and against the chain), report bad rows, send nothing")
	c.Flags().BoolVar(&skipBad, "skip-bad", false, "import the valid rows even if some are bad")
	c.Flags().StringVar(&readers, "readers", "", "departments that may read the details, comma-separated, or all")
	c.Flags().StringVar(&wrapKeys, "wrap-keys", creditio.WrapAll, "all or admin (see credit record --help)")
	c.Flags().IntVar(&batch, "batch", 200, "events per transaction")
	c.Flags().IntVar(&maxBytes, "max-tx-bytes", 900_000, "approximate bound of one transaction's body")
	return c
}

// checkOnChain checks what only the chain knows: the department's grants,
// events already recorded (same department, kind, subject and decision
// number), and the events repairs name. It returns the rows that pass.
func (s *creditSession) checkOnChain(ctx context.Context, ins []*creditio.Input) ([]*creditio.Input, []creditio.Problem, error) {
	dept := s.account.Dept
	grants := map[string]bool{}
	for _, k := range credittypes.Kinds {
		r, err := s.Client.State(ctx, string(identity.GrantKey(dept, credittypes.Grant(k.Kind))), 0, false)
		if err != nil {
			return nil, nil, err
		}
		grants[k.Kind] = r.Found
	}
	var ok []*creditio.Input
	var probs []creditio.Problem
	for _, in := range ins {
		e := &in.Event
		if !grants[e.Kind] {
			probs = append(probs, creditio.Problem{Line: in.Line, Reason: fmt.Sprintf("department %s lacks the %q grant", dept, credittypes.Grant(e.Kind))})
			continue
		}
		r, err := s.Client.State(ctx, string(credittypes.DecisionKey(dept, e.Kind, e.SubjectRef, e.DecisionNo)), 0, false)
		if err != nil {
			return nil, nil, err
		}
		if r.Found {
			probs = append(probs, creditio.Problem{Line: in.Line, Reason: fmt.Sprintf("already recorded as event %s", r.Value)})
			continue
		}
		if e.Kind == credittypes.KindRepair {
			t, err := s.Client.CreditEvent(ctx, e.Repairs, client.At{})
			if err != nil {
				return nil, nil, err
			}
			reason := ""
			switch {
			case t.Record == nil:
				reason = fmt.Sprintf("repairs %s: no such event", e.Repairs)
			case !credittypes.Repairable(t.Record.Kind):
				reason = fmt.Sprintf("repairs %s: a %s event cannot be repaired", e.Repairs, t.Record.Kind)
			case t.Record.Dept != dept:
				reason = fmt.Sprintf("repairs %s: recorded by %s, not %s", e.Repairs, t.Record.Dept, dept)
			case t.Record.RepairedBy != "":
				reason = fmt.Sprintf("repairs %s: already repaired by %s", e.Repairs, t.Record.RepairedBy)
			case t.Record.SubjectRef != e.SubjectRef:
				reason = fmt.Sprintf("repairs %s: that event is about another subject", e.Repairs)
			}
			if reason != "" {
				probs = append(probs, creditio.Problem{Line: in.Line, Reason: reason})
				continue
			}
		}
		ok = append(ok, in)
	}
	return ok, probs, nil
}

// printVerified lists what the answer's proofs showed, a line each.
func printVerified(w io.Writer, verified []string) {
	for _, v := range verified {
		fmt.Fprintf(w, "  ✓ %s\n", v)
	}
}
