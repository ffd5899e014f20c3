package creditcli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/credit/creditio"
	"github.com/govchain/govchain/contracts/credit/credittypes"
	"github.com/govchain/govchain/contracts/credit/grade"
	"github.com/govchain/govchain/node/client"
)

// The evaluation's commands: grade, grades, alerts, rules, watch. Every
// grade printed is recomputed here from proven records, the proven rule and
// the proven block time (CreditGradeResult.Verify), never taken from the
// node.

func gradeCommands(env *clikit.Env) []*cobra.Command {
	return []*cobra.Command{creditGradeCmd(env), creditGradesCmd(env), creditAlertsCmd(env), creditRulesCmd(env), creditWatchCmd(env)}
}

// creditGradeOut is what `credit grade -o json` prints.
type creditGradeOut struct {
	Ref       string                   `json:"ref"`
	Height    int64                    `json:"height"`
	BlockTime string                   `json:"block_time"`
	AppHash   string                   `json:"app_hash"`
	Found     bool                     `json:"found"`
	Grade     *grade.Grade             `json:"grade,omitempty"`
	Rules     *credittypes.RulesRecord `json:"rules"`
	Verified  []string                 `json:"verified"`
}

// verifiedGrade fetches ref's grade with proofs and recomputes it here.
func verifiedGrade(ctx context.Context, env *clikit.Env, ref string, version, height int64) (*creditGradeOut, error) {
	r, err := env.Client().CreditGrade(ctx, ref, version, client.At{Height: height, Prove: true})
	if err != nil {
		return nil, err
	}
	return checkGrade(r)
}

// checkGrade verifies an answer and recomputes its grade.
func checkGrade(r *client.CreditGradeResult) (*creditGradeOut, error) {
	g, rr, chk, err := r.Verify()
	if err != nil {
		return nil, err
	}
	return &creditGradeOut{Ref: r.Ref, Height: r.Height, BlockTime: r.BlockTime, AppHash: fmt.Sprintf("%X", r.AppHash), Found: g != nil, Grade: g, Rules: rr, Verified: chk.Verified}, nil
}

var classNames = map[string]string{"A": "低风险", "B": "一般风险", "C": "较高风险", "D": "高风险"}

func printGrade(w io.Writer, o *creditGradeOut) {
	fmt.Fprintf(w, "subject %s at height %d (block time %s), rules v%d (in force from height %d: %s)\n", o.Ref, o.Height, o.BlockTime, o.Rules.Version, o.Rules.Height, o.Rules.Rules.Title)
	if o.Grade == nil {
		fmt.Fprintln(w, "  no credit events: not graded")
	} else {
		g := o.Grade
		fmt.Fprintf(w, "  class %s (%s), score %d", g.Class, classNames[g.Class], g.Score)
		if g.ScoreClass != g.Class {
			fmt.Fprintf(w, " (class %s by score)", g.ScoreClass)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  %-6s %-12s %-10s %3s %6s %7s %6s %-9s %6s %7s\n", "ITEM", "EVENT", "KIND", "SEV", "WEIGHT", "AGE(d)", "DECAY", "STATUS", "FACTOR", "POINTS")
		for _, l := range g.Lines {
			switch l.Item {
			case "event":
				fmt.Fprintf(w, "  %-6s %-12s %-10s %3d %6d %7d %5d‰ %-9s %5d‰ %+7d\n", l.Item, l.Event, l.Kind, l.Severity, l.Weight, l.AgeDays, l.DecayPermille, l.Status, l.StatusPermille, l.Points)
			case "cap":
				fmt.Fprintf(w, "  %-6s %-12s %-10s %3s %6d %7s %6s %-9s %6s %+7d\n", l.Item, "", l.Kind, "", l.Weight, "", "", "", "", l.Points)
			default:
				fmt.Fprintf(w, "  %-6s %-12s %-10s %3s %6s %7s %6s %-9s %6s %+7d\n", l.Item, "", "", "", "", "", "", "", "", l.Points)
			}
		}
		fmt.Fprintf(w, "  %-6s %74d\n", "score", g.Score)
		for _, ov := range g.Overrides {
			fmt.Fprintf(w, "  override: %s entry %s moves the class from %s to %s\n", ov.Kind, ov.Event, ov.From, ov.To)
		}
	}
	printVerified(w, o.Verified)
	fmt.Fprintf(w, "  under app hash %s (in block header %d)\n", o.AppHash, o.Height+1)
}

func creditGradeCmd(env *clikit.Env) *cobra.Command {
	var kind, id, ref, answer string
	var height, version int64
	c := &cobra.Command{
		Use:   "grade",
		Short: "A subject's public credit evaluation (score, risk class A-D, explanation), recomputed here from proven records",
		Long: `Fetch the subject's events, the scoring rule in force and the block time of the
height with ICS23 proofs, recompute the grade here (the same code as the node)
and refuse the node's answer if it differs. --answer checks a saved answer the
same way, offline (compare its app hash with a header you trust). The explanation lists every event
with its weight, age, decay and status factor; its lines sum to the score.
Classes: A 低风险, B 一般风险, C 较高风险, D 高风险.`,
		Example: `  govchain credit grade --subject-id 91350100MA0000003X
  govchain credit grade --subject-id 91350100MA0000003X --height 28      # as graded then
  govchain credit grade --subject-id 91350100MA0000003X --rules-version 1 # under version 1 of the rule
  govchain credit grade --subject-id 11010519491231002X -o json          # a person: the reference is computed here
  curl -s "$NODE/v1/credit/subjects/91350100MA0000003X/grade?prove=true" > answer.json
  govchain credit grade --answer answer.json                             # check a saved answer offline`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			if answer != "" {
				b, err := clikit.ReadFileMax(answer, 64<<20)
				if err != nil {
					return err
				}
				var r client.CreditGradeResult
				if err := json.Unmarshal(b, &r); err != nil {
					return fmt.Errorf("%s: %w", answer, err)
				}
				o, err := checkGrade(&r)
				if err != nil {
					return fmt.Errorf("%s: %w", answer, err)
				}
				return env.Emit(cmd.OutOrStdout(), o, func(w io.Writer) { printGrade(w, o) })
			}
			_, r, err := creditSubject(ctx, env, kind, id, ref)
			if err != nil {
				return err
			}
			o, err := verifiedGrade(ctx, env, r, version, height)
			if err != nil {
				return err
			}
			return env.Emit(cmd.OutOrStdout(), o, func(w io.Writer) { printGrade(w, o) })
		},
	}
	c.Flags().StringVar(&kind, "subject-kind", "", "org or person (default: detected)")
	c.Flags().StringVar(&id, "subject-id", "", "USCC or citizen ID number (turned into the reference locally)")
	c.Flags().StringVar(&ref, "subject-ref", "", "or the subject reference")
	c.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	c.Flags().Int64Var(&version, "rules-version", 0, "grade under this rule version (default: the one in force at the height)")
	c.Flags().StringVar(&answer, "answer", "", "check a saved answer of GET /v1/credit/subjects/{ref}/grade?prove=true instead of asking a node")
	return c
}

func creditGradesCmd(env *clikit.Env) *cobra.Command {
	var class, export, watchedBy, cursor string
	var height int64
	var limit int
	var all bool
	c := &cobra.Command{
		Use:   "grades",
		Short: "Subjects by risk class at a height (a supervision list), each grade recomputed here; export as xlsx or csv",
		Long: `Walk the subjects in reference order and list those of --class (all classes
without it), graded at the height under the rule in force. Grades are computed
on read: one page looks at no more than 2,000 subjects, so --all follows the
pages to the end. Each item's grade is recomputed here from its proofs. With
--watched-by DEPT the list is that department's watch list instead. --export
writes the list (with overrides and the main reasons) as .xlsx or .csv.

A list cannot prove that no subject was left out (ICS23 proves single keys):
check one subject with govchain credit grade.`,
		Example: `  govchain credit grades --class D
  govchain credit grades --class D --all --export 高风险名单.xlsx
  govchain credit grades --watched-by SCJG --export scjg-watch.csv
  govchain credit grades --class C --height 40 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Minute)
			defer cancel()
			class = strings.ToUpper(class)
			if class != "" && grade.ClassRank(class) < 0 {
				return fmt.Errorf("--class must be A, B, C or D")
			}
			var rows []creditio.SupervisionRow
			var verified []string
			next := ""
			if watchedBy != "" {
				wl, err := env.Client().CreditWatch(ctx, strings.ToUpper(watchedBy), height)
				if err != nil {
					return err
				}
				for _, e := range wl.Items {
					o, err := verifiedGrade(ctx, env, e.SubjectRef, 0, wl.Height)
					if err != nil {
						return fmt.Errorf("%s: %w", e.SubjectRef, err)
					}
					if o.Grade == nil || class != "" && o.Grade.Class != class {
						continue
					}
					rows = append(rows, creditio.SupervisionRow{SubjectKind: e.SubjectKind, SubjectRef: e.SubjectRef, Height: o.Height, BlockTime: o.BlockTime, Events: countEvents(o.Grade), Grade: o.Grade})
				}
				verified = append(verified, fmt.Sprintf("%d grades of %s's watch list recomputed from proven records at height %d", len(rows), strings.ToUpper(watchedBy), wl.Height))
			} else {
				h := height
				for {
					r, err := env.Client().CreditGrades(ctx, class, client.At{Height: h, Prove: true}, client.Page{Limit: limit, Cursor: cursor})
					if err != nil {
						return err
					}
					chk, err := r.Verify()
					if err != nil {
						return err
					}
					h = r.Height
					verified = append(verified, chk.Verified...)
					for _, it := range r.Items {
						g, err := gradeOfItem(r, it)
						if err != nil {
							return err
						}
						rows = append(rows, creditio.SupervisionRow{SubjectKind: it.SubjectKind, SubjectRef: it.SubjectRef, Height: r.Height, BlockTime: r.BlockTime, Events: it.Events, Grade: g})
					}
					next = r.NextCursor
					if !all || next == "" {
						break
					}
					cursor = next
				}
			}
			if export != "" {
				if err := creditio.WriteSupervisionFile(export, rows); err != nil {
					return err
				}
			}
			type item struct {
				SubjectKind string       `json:"subject_kind"`
				SubjectRef  string       `json:"subject_ref"`
				Height      int64        `json:"height"`
				Grade       *grade.Grade `json:"grade"`
			}
			out := struct {
				Class      string   `json:"class,omitempty"`
				Items      []item   `json:"items"`
				NextCursor string   `json:"next_cursor,omitempty"`
				Export     string   `json:"export,omitempty"`
				Verified   []string `json:"verified"`
			}{Class: class, Items: []item{}, NextCursor: next, Export: export, Verified: verified}
			for _, r := range rows {
				out.Items = append(out.Items, item{r.SubjectKind, r.SubjectRef, r.Height, r.Grade})
			}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				fmt.Fprintf(w, "%-64s %-5s %6s  %s\n", "SUBJECT", "CLASS", "SCORE", "MAIN REASONS")
				for _, r := range rows {
					fmt.Fprintf(w, "%-64s %-5s %6d  %s\n", r.SubjectRef, r.Grade.Class, r.Grade.Score, creditio.Reasons(r.Grade, 3))
				}
				printVerified(w, verified)
				if export != "" {
					fmt.Fprintf(w, "wrote %d subjects to %s\n", len(rows), export)
				}
				if next != "" {
					fmt.Fprintf(w, "more subjects to look at: --cursor %s (or --all)\n", next)
				}
			})
		},
	}
	c.Flags().StringVar(&class, "class", "", "only this class: A, B, C or D")
	c.Flags().StringVar(&watchedBy, "watched-by", "", "grade a department's watch list instead of walking every subject")
	c.Flags().StringVar(&export, "export", "", "write the list to FILE.xlsx or FILE.csv")
	c.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	c.Flags().IntVar(&limit, "limit", 100, "subjects per page")
	c.Flags().StringVar(&cursor, "cursor", "", "continue after this subject (the cursor printed by the page before)")
	c.Flags().BoolVar(&all, "all", false, "follow the pages to the last subject")
	return c
}

func countEvents(g *grade.Grade) int {
	n := 0
	for _, l := range g.Lines {
		if l.Item == "event" {
			n++
		}
	}
	return n
}

// gradeOfItem recomputes a verified listing item's grade for the export
// (Verify has checked it; this gives the explanation).
func gradeOfItem(r *client.CreditGradesResult, it client.CreditGradeItem) (*grade.Grade, error) {
	one := &client.CreditGradeResult{Ref: it.SubjectRef, Height: r.Height, AppHash: r.AppHash, BlockTime: r.BlockTime, Rules: r.Rules,
		RulesKey: string(credittypes.RulesCurrentKey()), BlockTimeProof: r.BlockTimeProof, RulesProof: r.RulesProof, SubjectProof: it.SubjectProof, EventProofs: it.EventProofs}
	bt, err := time.Parse(time.RFC3339Nano, r.BlockTime)
	if err != nil {
		return nil, err
	}
	var s credittypes.Subject
	if it.SubjectProof == nil || json.Unmarshal(it.SubjectProof.Value, &s) != nil {
		return nil, fmt.Errorf("%s: no proven summary", it.SubjectRef)
	}
	recs := make([]*credittypes.Record, len(it.EventProofs))
	for i, p := range it.EventProofs {
		recs[i] = &credittypes.Record{}
		if err := json.Unmarshal(p.Value, recs[i]); err != nil {
			return nil, err
		}
	}
	g, err := credittypes.GradeRecords(r.Rules, recs, bt)
	if err != nil {
		return nil, err
	}
	one.Grade = g
	if _, _, _, err := one.Verify(); err != nil {
		return nil, err
	}
	return g, nil
}

func creditAlertsCmd(env *clikit.Env) *cobra.Command {
	var dept, cursor string
	var height int64
	var limit int
	c := &cobra.Command{
		Use:   "alerts",
		Short: "Risk alerts: subjects whose class worsened on a new event, newest first, proofs checked here",
		Long: `A new event that leaves its subject in a worse risk class (or a new subject
in C or D) raises an alert, kept on chain with the departments watching the
subject then, and emitted as the event credit.class_worsened (subscribe with
credit.class_worsened.watchers CONTAINS 'SCJG'). --dept keeps the alerts of
the subjects that department watched (govchain credit watch).`,
		Example: `  govchain credit alerts
  govchain credit alerts --dept SCJG
  govchain credit alerts --limit 20 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			r, err := env.Client().CreditAlerts(ctx, strings.ToUpper(dept), client.At{Height: height, Prove: true}, client.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				return err
			}
			chk, err := r.Verify()
			if err != nil {
				return err
			}
			out := struct {
				*client.CreditAlertsResult
				Verified []string `json:"verified"`
			}{r, chk.Verified}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				fmt.Fprintf(w, "%-12s %-7s %-64s %-9s %-10s %-5s %s\n", "EVENT", "HEIGHT", "SUBJECT", "FROM→TO", "SCORE", "DEPT", "WATCHED BY")
				for _, a := range r.Items {
					fmt.Fprintf(w, "%-12s %-7d %-64s %-9s %-10s %-5s %s\n", a.Event, a.Height, a.SubjectRef, a.From+"→"+a.To, fmt.Sprintf("%d→%d", a.FromScore, a.Score), a.Dept, strings.Join(a.Watchers, ","))
				}
				printVerified(w, chk.Verified)
				clikit.PrintMore(w, r.More, 0, r.NextCursor)
			})
		},
	}
	c.Flags().StringVar(&dept, "dept", "", "only alerts of subjects this department watched")
	c.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	c.Flags().IntVar(&limit, "limit", 100, "alerts per page")
	c.Flags().StringVar(&cursor, "cursor", "", "the next_cursor of the page before")
	return c
}

func creditRulesCmd(env *clikit.Env) *cobra.Command {
	var version, height int64
	var template bool
	c := &cobra.Command{
		Use:   "rules",
		Short: "The credit scoring model in force at a height (or one version), proof checked here",
		Long: `Weights per event kind and severity (1..5), decay by age in block time, caps,
the factors of an ended publication and of a repair, the black/red list
overrides and the class thresholds. Governance installs a new version
(govchain gov propose set-credit-rules --file rules.json); it applies from the
height the proposal passes. --template prints the rule alone, as the file to
edit for such a proposal.`,
		Example: `  govchain credit rules
  govchain credit rules --version 1
  govchain credit rules --template > rules.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			r, err := env.Client().CreditRules(ctx, version, client.At{Height: height, Prove: true})
			if err != nil {
				return err
			}
			rr, chk, err := r.Verify()
			if err != nil {
				return err
			}
			if template {
				b, _ := json.MarshalIndent(rr.Rules, "", "  ")
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
				return err
			}
			out := struct {
				Height   int64                    `json:"height"`
				Record   *credittypes.RulesRecord `json:"record"`
				Verified []string                 `json:"verified"`
			}{r.Height, rr, chk.Verified}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) { printRules(w, r.Height, rr, chk.Verified) })
		},
	}
	c.Flags().Int64Var(&version, "version", 0, "rule version (default: the one in force)")
	c.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	c.Flags().BoolVar(&template, "template", false, "print the rule alone (JSON), for set-credit-rules")
	return c
}

func printRules(w io.Writer, h int64, rr *credittypes.RulesRecord, verified []string) {
	r := rr.Rules
	fmt.Fprintf(w, "credit rules version %d at height %d: %q, in force from height %d (%s)\n", rr.Version, h, r.Title, rr.Height, rr.Time)
	fmt.Fprintf(w, "  base %d, scores %d..%d; classes A >= %d, B >= %d, C >= %d, else D\n", r.Base, r.Min, r.Max, r.Thresholds.A, r.Thresholds.B, r.Thresholds.C)
	fmt.Fprintf(w, "  %-11s %-32s %s\n", "KIND", "WEIGHTS (severity 1..5)", "CAP")
	for _, k := range r.Kinds {
		ws := make([]string, len(k.Weights))
		for i, x := range k.Weights {
			ws[i] = fmt.Sprint(x)
		}
		fmt.Fprintf(w, "  %-11s %-32s %d\n", k.Kind, strings.Join(ws, " "), k.Cap)
	}
	var ds []string
	prev := int64(0)
	for _, d := range r.Decay {
		ds = append(ds, fmt.Sprintf("%d-%dd %d‰", prev, d.UntilDays, d.Permille))
		prev = d.UntilDays
	}
	ds = append(ds, fmt.Sprintf("%dd+ 0‰", prev))
	fmt.Fprintf(w, "  decay by age: %s\n", strings.Join(ds, ", "))
	fmt.Fprintf(w, "  publication over: %d‰; repaired: %d‰\n", r.EndedPermille, r.RepairedPermille)
	fmt.Fprintf(w, "  black list forces D: %v; red list raises %d class(es)\n", r.BlacklistForcesD, r.RedlistRaise)
	printVerified(w, verified)
}

func creditWatchCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var kind, id, ref string
	var remove bool
	c := &cobra.Command{
		Use:   "watch",
		Short: "Put a subject on your department's credit watch list (or take it off with --remove)",
		Long: `Alerts name the departments watching the subject when its class worsens, so a
department's system can subscribe to its own (credit.class_worsened.watchers
CONTAINS 'SCJG') and govchain credit alerts --dept SCJG lists them. Without
--key, prints the department's list (--dept).`,
		Example: `  govchain credit watch --key rsj-officer --subject-id 91350100MA0000003X
  govchain credit watch --key rsj-officer --subject-id 91350100MA0000003X --remove
  govchain credit grades --watched-by RSJ`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			sk, r, err := creditSubject(ctx, env, kind, id, ref)
			if err != nil {
				return err
			}
			return env.Send(cmd, &f, credittypes.MsgWatch, credittypes.Watch{SubjectKind: sk, SubjectRef: r, Watch: !remove})
		},
	}
	f.Register(c)
	c.Flags().StringVar(&kind, "subject-kind", "", "org or person (default: detected)")
	c.Flags().StringVar(&id, "subject-id", "", "USCC or citizen ID number (turned into the reference locally)")
	c.Flags().StringVar(&ref, "subject-ref", "", "or the subject reference")
	c.Flags().BoolVar(&remove, "remove", false, "take the subject off the watch list")
	return c
}
