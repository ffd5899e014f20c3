// Package catalogcli is the data catalog's commands: govchain catalog
// (duty, resource, table, attest, resolve, transfer, share, show, history,
// chain, import, export), reading through node/client and checking proofs
// with catalogtypes.Answer.Verify. The root command mounts Commands from
// its list (cli/root.go).
package catalogcli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/govchain/govchain/catalog-chain/catalogio"
	"github.com/govchain/govchain/catalog-chain/catalogtypes"
	"github.com/govchain/govchain/chain/params"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/node/client"
)

// Commands are the module's top-level commands: `govchain catalog`, the
// data-catalog chain (docs/catalog.md).
func Commands(env *clikit.Env) []*cobra.Command { return []*cobra.Command{catalogCmd(env)} }

// catalogCmd is `govchain catalog`: the data-catalog chain (docs/catalog.md).
func catalogCmd(env *clikit.Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "catalog",
		Short: "Data-catalog chain (目录区块链): duties, resources, tables, 一数一源, cross-checks, sharing",
		Long: `The data-catalog chain of DB11/T 2047—2022: each department records its duties
(职责), the information resources (目录) derived from them and the tables (库表)
that hold them. A data item has one authoritative source department (一数一源);
other departments cross-check items and table mappings (多元校核) and request
resources under their sharing attribute (无条件 / 有条件 / 不予共享).

A department writes only its own entries (the signing key's department, role
operator or admin). Every record and every version of it is one state key,
provable with --prove (checked locally against the app hash).`,
		Example: `  govchain catalog import --key scjg-officer --dir catalog-chain/testdata/sample/SCJG --dry-run
  govchain catalog import --key scjg-officer --xlsx catalog-chain/testdata/sample/SCJG.xlsx
  govchain catalog show resource 110108-SCJG-0001 --prove
  govchain catalog chain 企业.统一社会信用代码 --prove
  govchain catalog share request --key zwfw-officer --resource 110108-SCJG-0001 --items 企业.统一社会信用代码 --purpose "企业开办核验" --days 30
  govchain catalog export --dept SCJG --xlsx scjg.xlsx`,
	}
	c.AddCommand(catalogDutyCmd(env), catalogResourceCmd(env), catalogTableCmd(env), catalogAttestCmd(env),
		catalogResolveCmd(env), catalogTransferCmd(env), catalogShareCmd(env), catalogShowCmd(env),
		catalogHistoryCmd(env), catalogChainCmd(env), catalogImportCmd(env), catalogExportCmd(env))
	return c
}

// catalogAnswer is a catalog answer (every page joined) as the commands
// print it, with what --prove checked.
type catalogAnswer[T any] struct {
	client.CatalogPage[T]
	Verified string `json:"verified,omitempty"`
}

// catalogFetch reads one page of a catalog route (a client method).
type catalogFetch[T any] func(client.At, client.Page) (*client.CatalogPage[T], error)

// catalogGet reads a catalog answer through fetch, following next_cursor
// to the last page (every page at the first page's height, so they read
// one state) unless limit sets the one page wanted, and, with prove,
// checks every entry's proof against the app hash.
func catalogGet[T any](height int64, prove bool, limit int, fetch catalogFetch[T], entries func(*T) []*catalogtypes.Entry) (*catalogAnswer[T], error) {
	var all *catalogAnswer[T]
	n, cursor := 0, ""
	for {
		if all != nil {
			height = all.Height
		}
		p := client.Page{Limit: limit}
		if cursor != "" {
			p = client.Page{Limit: client.MaxPageLimit, Cursor: cursor}
		}
		pg, err := fetch(client.At{Height: height, Prove: prove}, p)
		if err != nil {
			return nil, err
		}
		a := catalogAnswer[T]{CatalogPage: *pg}
		if prove {
			var first *client.CatalogPage[T]
			if all != nil {
				first = &all.CatalogPage
			}
			checked, err := a.Verify(entries(&a.Data), first)
			if err != nil {
				return nil, fmt.Errorf("PROOF INVALID: %w", err)
			}
			n += checked
		}
		if all == nil {
			all = &a
		} else if err := mergePage(&all.Data, &a.Data); err != nil {
			return nil, err
		}
		if a.NextCursor == "" || limit > 0 {
			all.NextCursor = a.NextCursor // "" once every page is in
			break
		}
		if a.NextCursor == cursor {
			return nil, fmt.Errorf("the node answered cursor %s with itself", cursor)
		}
		cursor = a.NextCursor
	}
	if prove {
		all.Verified = fmt.Sprintf("proofs OK: %s at height %d under app hash %X (committed in header %d)", plural(n, "entry", "entries"), all.Height, all.AppHash, all.Height+1)
	}
	return all, nil
}

// record is a catalog route answering one entry, as a catalogFetch.
func record(ctx context.Context, read func(context.Context, string, client.At) (*client.CatalogPage[catalogtypes.Entry], error), id string) catalogFetch[catalogtypes.Entry] {
	return func(at client.At, _ client.Page) (*client.CatalogPage[catalogtypes.Entry], error) {
		return read(ctx, id, at)
	}
}

// mergePage appends a later page's lists to the first page's.
func mergePage(dst, src any) error {
	switch d := dst.(type) {
	case *catalogtypes.Department:
		s := src.(*catalogtypes.Department)
		d.Duties, d.Resources, d.Tables = append(d.Duties, s.Duties...), append(d.Resources, s.Resources...), append(d.Tables, s.Tables...)
		d.Items, d.Shares = append(d.Items, s.Items...), append(d.Shares, s.Shares...)
	case *catalogtypes.ResourceView:
		s := src.(*catalogtypes.ResourceView)
		d.Duties, d.Tables = append(d.Duties, s.Duties...), append(d.Tables, s.Tables...)
	case *catalogtypes.ItemChain:
		s := src.(*catalogtypes.ItemChain)
		d.Duties, d.Tables, d.References = append(d.Duties, s.Duties...), append(d.Tables, s.Tables...), append(d.References, s.References...)
		d.Attestations = append(d.Attestations, s.Attestations...)
	case *catalogtypes.ShareView:
		d.Deliveries = append(d.Deliveries, src.(*catalogtypes.ShareView).Deliveries...)
	case *[]catalogtypes.Entry:
		*d = append(*d, *src.(*[]catalogtypes.Entry)...)
	case *[]catalogtypes.ShareEntry:
		*d = append(*d, *src.(*[]catalogtypes.ShareEntry)...)
	default:
		return fmt.Errorf("cannot join pages of %T", dst)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func one(e *catalogtypes.Entry) []*catalogtypes.Entry { return []*catalogtypes.Entry{e} }

func list(es []catalogtypes.Entry) []*catalogtypes.Entry {
	out := make([]*catalogtypes.Entry, len(es))
	for i := range es {
		out[i] = &es[i]
	}
	return out
}

type readFlags struct {
	height int64
	prove  bool
}

func (f *readFlags) register(c *cobra.Command) {
	c.Flags().Int64Var(&f.height, "height", 0, "state version (default latest)")
	c.Flags().BoolVar(&f.prove, "prove", false, "fetch ICS23 proofs and verify every entry locally")
}

func ctxFor(cmd *cobra.Command, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(cmd.Context(), d)
}

// ---- writes ----

func catalogDutyCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var m catalogtypes.DutyMsg
	c := &cobra.Command{
		Use:   "duty",
		Short: "Create or update a duty (职责) of your department",
		Example: `  govchain catalog duty --key scjg-officer --code SCJG-ZZ-011 --name 价格监督检查 \
      --legal-basis "《中华人民共和国价格法》第三十三条"
  govchain catalog duty --key scjg-officer --code SCJG-ZZ-011 --name 价格监督检查 --legal-basis "..." --status revoked`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := m.Validate(); err != nil {
				return err
			}
			return env.Send(cmd, &f, catalogtypes.MsgDuty, m)
		},
	}
	f.Register(c)
	c.Flags().StringVar(&m.Code, "code", "", "duty code (职责编码)")
	c.Flags().StringVar(&m.Name, "name", "", "duty name (职责名称)")
	c.Flags().StringVar(&m.LegalBasis, "legal-basis", "", "legal basis (设定依据)")
	c.Flags().StringVar(&m.Status, "status", "", "active (default) or revoked")
	return c
}

func readJSONFile(path string, v any) error {
	b, err := clikit.ReadFileMax(path, clikit.MaxDataFile) // "-" = stdin
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func catalogResourceCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var file string
	c := &cobra.Command{
		Use:   "resource",
		Short: "Create or update an information resource (目录) of your department from a JSON file",
		Long: `The JSON file is one resource: code, name, duties (your own duty codes), category
(basic|thematic|departmental), summary, items [{key, name, type, length,
description, source}], sharing and open (unconditional|conditional|none, with
sharing_basis / open_basis unless unconditional), update_cycle, format, status.
Mark "source": true on the items your department is the authoritative source of.`,
		Example: `  govchain catalog resource --key scjg-officer --file resource.json
  govchain catalog show resource 110108-SCJG-0001 -o json | jq .data.resource.record > resource.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var m catalogtypes.ResourceMsg
			if err := readJSONFile(file, &m); err != nil {
				return err
			}
			if err := m.Validate(); err != nil {
				return err
			}
			return env.Send(cmd, &f, catalogtypes.MsgResource, m)
		},
	}
	f.Register(c)
	c.Flags().StringVar(&file, "file", "", "resource JSON file ('-' for stdin)")
	_ = c.MarkFlagRequired("file")
	return c
}

func catalogTableCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var m catalogtypes.TableMsg
	var schemaFile string
	var cols []string
	c := &cobra.Command{
		Use:   "table",
		Short: "Create or update a table (库表) of your department; a schema change is a new version",
		Example: `  govchain catalog table --key scjg-officer --system qyxt --database scjg_djdb --table t_qy_sldj \
      --resource 110108-SCJG-0001 --schema-file t_qy_sldj.sql \
      --column 企业.统一社会信用代码=tyshxydm --column 企业.企业名称=qymc`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if schemaFile != "" {
				b, err := clikit.ReadFileMax(schemaFile, clikit.MaxDataFile)
				if err != nil {
					return err
				}
				m.SchemaSM3 = smcrypto.SM3Hex(b)
			}
			m.Columns = nil
			for _, s := range cols {
				item, col, ok := strings.Cut(s, "=")
				if !ok {
					return fmt.Errorf("--column %q: want ITEM_KEY=column", s)
				}
				m.Columns = append(m.Columns, catalogtypes.Column{Item: item, Column: col})
			}
			if err := m.Validate(); err != nil {
				return err
			}
			return env.Send(cmd, &f, catalogtypes.MsgTable, m)
		},
	}
	f.Register(c)
	c.Flags().StringVar(&m.System, "system", "", "system name (identifier)")
	c.Flags().StringVar(&m.Database, "database", "", "database name")
	c.Flags().StringVar(&m.Table, "table", "", "table name")
	c.Flags().StringVar(&m.Resource, "resource", "", "code of your resource the table holds")
	c.Flags().StringVar(&schemaFile, "schema-file", "", "DDL file; its SM3 is recorded")
	c.Flags().StringVar(&m.SchemaSM3, "schema-sm3", "", "SM3 of the schema, hex (instead of --schema-file)")
	c.Flags().StringArrayVar(&cols, "column", nil, "ITEM_KEY=column, repeated")
	c.Flags().StringVar(&m.Status, "status", "", "active (default) or retired")
	return c
}

// sm3Of is --evidence FILE or --evidence-sm3 HEX.
func sm3Of(file, hexDigest, what string) (string, error) {
	if file != "" {
		b, err := clikit.ReadFileMax(file, clikit.MaxDataFile)
		if err != nil {
			return "", err
		}
		return smcrypto.SM3Hex(b), nil
	}
	if !catalogtypes.ValidSM3(hexDigest) {
		return "", fmt.Errorf("give %s as a file or as 64 lower-case hex characters", what)
	}
	return hexDigest, nil
}

func catalogAttestCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var item, table, evidence, evidenceSM3, comment string
	var dispute bool
	c := &cobra.Command{
		Use:   "attest",
		Short: "Confirm or dispute another department's data item or table mapping (多元校核)",
		Long: `Evidence stays off chain: --evidence FILE records only its SM3.
A dispute stays open until governance resolves it (govchain catalog resolve).`,
		Example: `  govchain catalog attest --key rsj-officer --item 企业.统一社会信用代码 --evidence check-2026-01.pdf
  govchain catalog attest --key wjw-officer --table SCJG:qyxt.scjg_djdb.t_qy_sldj --item 企业.法定代表人 \
      --dispute --comment "fddbr 列存放的是负责人" --evidence-sm3 66c7f0f4...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ev, err := sm3Of(evidence, evidenceSM3, "the evidence (--evidence or --evidence-sm3)")
			if err != nil {
				return err
			}
			m := catalogtypes.Attest{Target: catalogtypes.TargetItem, Subject: item, Verdict: catalogtypes.VerdictConfirm, EvidenceSM3: ev, Comment: comment}
			if table != "" {
				m.Target, m.Subject, m.Item = catalogtypes.TargetTable, table, item
			}
			if dispute {
				m.Verdict = catalogtypes.VerdictDispute
			}
			return env.Send(cmd, &f, catalogtypes.MsgAttest, m)
		},
	}
	f.Register(c)
	c.Flags().StringVar(&item, "item", "", "data item key (with --table: the mapped item)")
	c.Flags().StringVar(&table, "table", "", "table id DEPT:system.database.table")
	c.Flags().BoolVar(&dispute, "dispute", false, "dispute instead of confirm")
	c.Flags().StringVar(&evidence, "evidence", "", "evidence file (only its SM3 is sent)")
	c.Flags().StringVar(&evidenceSM3, "evidence-sm3", "", "SM3 of the evidence, hex")
	c.Flags().StringVar(&comment, "comment", "", "what is wrong (required for a dispute)")
	_ = c.MarkFlagRequired("item")
	return c
}

func catalogResolveCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var m catalogtypes.Resolve
	c := &cobra.Command{
		Use:   "resolve ID",
		Short: "Resolve an open dispute: upheld or dismissed (needs gov:catalog; normally through a governance proposal)",
		Example: `  govchain catalog resolve AT00000002 --key zwfw-officer --outcome upheld --note "SCJG 应更正映射"
  # through governance instead of the grant (a majority of departments votes):
  govchain gov propose execute --key zwfw-admin --type catalog.resolve --body '{"id":"AT00000002","outcome":"upheld","note":"..."}'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m.ID = args[0]
			return env.Send(cmd, &f, catalogtypes.MsgResolve, m)
		},
	}
	f.Register(c)
	c.Flags().StringVar(&m.Outcome, "outcome", "", "upheld or dismissed")
	c.Flags().StringVar(&m.Note, "note", "", "resolution note")
	return c
}

func catalogTransferCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var m catalogtypes.TransferItem
	c := &cobra.Command{
		Use:   "transfer-item KEY",
		Short: "Move a data item's authoritative source to another department (needs gov:catalog; normally through governance)",
		Example: `  govchain catalog transfer-item 企业.统一社会信用代码 --key zwfw-officer --to RSJ --resource 110108-RSJ-0001 --reason "..."
  govchain gov propose execute --key zwfw-admin --type catalog.transfer_item \
      --body '{"key":"企业开办.开办完成日期","to":"SCJG","reason":"区数据管理联席会议决定"}'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m.Key = args[0]
			return env.Send(cmd, &f, catalogtypes.MsgTransferItem, m)
		},
	}
	f.Register(c)
	c.Flags().StringVar(&m.To, "to", "", "new owner department")
	c.Flags().StringVar(&m.Resource, "resource", "", "the new owner's resource that becomes the source")
	c.Flags().StringVar(&m.Reason, "reason", "", "reason (e.g. the decision it executes)")
	return c
}

// ---- sharing ----

func catalogShareCmd(env *clikit.Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "share",
		Short: "Sharing requests: request, approve, reject, revoke, deliver, ack, show, list",
		Long: `A request for an unconditionally shared resource is granted at once; a
conditional one waits for the provider's approval; a not-shared one is
rejected automatically and can never be granted. A grant runs --days from the
block that granted it and is reported expired once the block time reaches
expires_at.`,
	}
	var fr clikit.TxFlags
	var req catalogtypes.ShareRequest
	var items string
	request := &cobra.Command{
		Use:   "request",
		Short: "Request data items of another department's resource",
		Example: `  govchain catalog share request --key zwfw-officer --resource 110108-SCJG-0001 \
      --items 企业.统一社会信用代码,企业.企业名称 --purpose "企业开办一网通办核验" --days 365`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req.Items = splitComma(items)
			return env.Send(cmd, &fr, catalogtypes.MsgShareRequest, req)
		},
	}
	fr.Register(request)
	request.Flags().StringVar(&req.Resource, "resource", "", "resource code")
	request.Flags().StringVar(&items, "items", "", "data item keys, comma separated")
	request.Flags().StringVar(&req.Purpose, "purpose", "", "purpose (no personal data)")
	request.Flags().StringVar(&req.LegalBasis, "legal-basis", "", "legal basis (required for conditional resources)")
	request.Flags().IntVar(&req.PeriodDays, "days", 365, "length of the grant in days")

	decision := func(use, short, msgType, example string, needReason bool) *cobra.Command {
		var f clikit.TxFlags
		var reason string
		d := &cobra.Command{
			Use: use + " ID", Short: short, Example: example, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if needReason && strings.TrimSpace(reason) == "" {
					return fmt.Errorf("--reason is required")
				}
				return env.Send(cmd, &f, msgType, catalogtypes.ShareDecision{ID: args[0], Reason: reason})
			},
		}
		f.Register(d)
		d.Flags().StringVar(&reason, "reason", "", "reason (recorded on chain)")
		return d
	}
	approve := decision("approve", "Approve a pending request for your resource", catalogtypes.MsgShareApprove,
		`  govchain catalog share approve SQ00000002 --key scjg-officer --reason "同意，限企业开办核验使用"`, false)
	reject := decision("reject", "Reject a pending request for your resource, with a reason", catalogtypes.MsgShareReject,
		`  govchain catalog share reject SQ00000003 --key scjg-officer --reason "用途与所申请数据项无关"`, true)
	revoke := decision("revoke", "Revoke a granted request (provider or requester), with a reason", catalogtypes.MsgShareRevoke,
		`  govchain catalog share revoke SQ00000002 --key scjg-officer --reason "合作协议终止"`, true)

	var fd clikit.TxFlags
	var dl catalogtypes.Deliver
	var batch, batchSM3 string
	deliver := &cobra.Command{
		Use:     "deliver ID",
		Short:   "Record a delivery under a live grant: row count and SM3 of the batch file",
		Example: `  govchain catalog share deliver SQ00000001 --key scjg-officer --rows 1250 --batch batch-2026-01.csv`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := sm3Of(batch, batchSM3, "the batch (--batch or --batch-sm3)")
			if err != nil {
				return err
			}
			dl.ID, dl.BatchSM3 = args[0], h
			return env.Send(cmd, &fd, catalogtypes.MsgShareDeliver, dl)
		},
	}
	fd.Register(deliver)
	deliver.Flags().Int64Var(&dl.Rows, "rows", 0, "rows delivered")
	deliver.Flags().StringVar(&batch, "batch", "", "the delivered batch file (only its SM3 is sent)")
	deliver.Flags().StringVar(&batchSM3, "batch-sm3", "", "SM3 of the batch, hex")
	deliver.Flags().StringVar(&dl.Note, "note", "", "note")

	var fa clikit.TxFlags
	var ack catalogtypes.Ack
	var abatch, abatchSM3 string
	ackCmd := &cobra.Command{
		Use:     "ack DELIVERY_ID",
		Short:   "Acknowledge a delivery with what you received (a different count or SM3 is recorded as mismatch)",
		Example: `  govchain catalog share ack DL00000001 --key zwfw-officer --rows 1250 --batch batch-2026-01.csv`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := sm3Of(abatch, abatchSM3, "the batch (--batch or --batch-sm3)")
			if err != nil {
				return err
			}
			ack.ID, ack.BatchSM3 = args[0], h
			return env.Send(cmd, &fa, catalogtypes.MsgShareAck, ack)
		},
	}
	fa.Register(ackCmd)
	ackCmd.Flags().Int64Var(&ack.Rows, "rows", 0, "rows received")
	ackCmd.Flags().StringVar(&abatch, "batch", "", "the received batch file (only its SM3 is sent)")
	ackCmd.Flags().StringVar(&abatchSM3, "batch-sm3", "", "SM3 of the batch, hex")

	var rf readFlags
	show := &cobra.Command{
		Use: "show ID", Short: "A request, its state at the block time and its deliveries", Args: cobra.ExactArgs(1),
		Example: "  govchain catalog share show SQ00000001 --prove",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := ctxFor(cmd, 30*time.Second)
			defer cancel()
			a, err := catalogGet(rf.height, rf.prove, 0, func(at client.At, p client.Page) (*client.CatalogPage[catalogtypes.ShareView], error) {
				return env.Client().CatalogShare(ctx, args[0], at, p)
			}, func(v *catalogtypes.ShareView) []*catalogtypes.Entry {
				return append(one(&v.Share), list(v.Deliveries)...)
			})
			if err != nil {
				return err
			}
			return env.Emit(cmd.OutOrStdout(), a, func(w io.Writer) {
				if !a.Data.Share.Found {
					fmt.Fprintf(w, "sharing request %s: not found at height %d\n", args[0], a.Height)
				} else {
					var s catalogtypes.Share
					_ = a.Data.Share.Decode(&s)
					printShare(w, &s, a.Data.State)
					for _, e := range a.Data.Deliveries {
						var d catalogtypes.Delivery
						_ = e.Decode(&d)
						fmt.Fprintf(w, "  delivery %s: %d rows, batch SM3 %s, %s", d.ID, d.Rows, d.BatchSM3, d.Status)
						if d.Status != catalogtypes.DeliveryDelivered {
							fmt.Fprintf(w, " (requester: %d rows, %s)", d.AckRows, d.AckSM3)
						}
						fmt.Fprintln(w)
					}
				}
				printVerified(w, a.Verified)
			})
		},
	}
	rf.register(show)

	var lf readFlags
	var state, dept string
	var limit int
	listCmd := &cobra.Command{
		Use: "list", Short: "List requests by state at the block time (pending, granted, expired, rejected, revoked)", Args: cobra.NoArgs,
		Example: "  govchain catalog share list --state pending\n  govchain catalog share list --dept ZWFW --prove",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := ctxFor(cmd, 30*time.Second)
			defer cancel()
			a, err := catalogGet(lf.height, lf.prove, limit, func(at client.At, p client.Page) (*client.CatalogPage[[]catalogtypes.ShareEntry], error) {
				return env.Client().CatalogSharing(ctx, state, dept, at, p)
			}, func(v *[]catalogtypes.ShareEntry) []*catalogtypes.Entry {
				var out []*catalogtypes.Entry
				for i := range *v {
					out = append(out, &(*v)[i].Entry)
				}
				return out
			})
			if err != nil {
				return err
			}
			return env.Emit(cmd.OutOrStdout(), a, func(w io.Writer) {
				fmt.Fprintf(w, "%-11s %-9s %-6s %-6s %-18s %s\n", "ID", "STATE", "FROM", "TO", "RESOURCE", "EXPIRES / REASON")
				for _, e := range a.Data {
					var s catalogtypes.Share
					_ = e.Decode(&s)
					extra := s.ExpiresAt
					if s.Reason != "" && s.Status != catalogtypes.ShareGranted {
						extra = s.Reason
					}
					fmt.Fprintf(w, "%-11s %-9s %-6s %-6s %-18s %s\n", s.ID, e.State, s.Requester, s.Provider, s.Resource, extra)
				}
				fmt.Fprintf(w, "%d requests at height %d (block time %s)\n", len(a.Data), a.Height, a.BlockTime)
				printVerified(w, a.Verified)
			})
		},
	}
	lf.register(listCmd)
	listCmd.Flags().StringVar(&state, "state", "", "pending, granted, expired, rejected or revoked")
	listCmd.Flags().StringVar(&dept, "dept", "", "only requests this department made or received")
	listCmd.Flags().IntVar(&limit, "limit", 0, "at most this many, 1..1000 (default all)")
	c.AddCommand(request, approve, reject, revoke, deliver, ackCmd, show, listCmd)
	return c
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func printShare(w io.Writer, s *catalogtypes.Share, state string) {
	fmt.Fprintf(w, "sharing request %s: %s (stored %s, v%d)\n  %s requests %s of %s (%s sharing): %s\n  purpose: %s\n",
		s.ID, state, s.Status, s.Version, s.Requester, s.Resource, s.Provider, catalogio.Label("sharing", s.Sharing), strings.Join(s.Items, ", "), s.Purpose)
	if s.LegalBasis != "" {
		fmt.Fprintf(w, "  legal basis: %s\n", s.LegalBasis)
	}
	if s.GrantedAt != "" {
		fmt.Fprintf(w, "  granted %s, expires %s (%d days)\n", s.GrantedAt, s.ExpiresAt, s.PeriodDays)
	}
	if s.Reason != "" {
		fmt.Fprintf(w, "  reason: %s\n", s.Reason)
	}
}

func printVerified(w io.Writer, v string) {
	if v != "" {
		fmt.Fprintln(w, v)
	}
}

// ---- reads ----

func catalogShowCmd(env *clikit.Env) *cobra.Command {
	var rf readFlags
	c := &cobra.Command{
		Use:   "show KIND ID",
		Short: "Show a record: department, duty, resource, table, item, attestation, delivery or disputes",
		Example: `  govchain catalog show department SCJG
  govchain catalog show resource 110108-SCJG-0001 --prove
  govchain catalog show duty SCJG:SCJG-ZZ-001
  govchain catalog show table SCJG:qyxt.scjg_djdb.t_qy_sldj --height 40
  govchain catalog show item 企业.统一社会信用代码 --prove
  govchain catalog show disputes`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := ctxFor(cmd, 60*time.Second)
			defer cancel()
			kind := args[0]
			id := ""
			if len(args) == 2 {
				id = args[1]
			} else if kind != "disputes" {
				return fmt.Errorf("show %s needs an id", kind)
			}
			out := cmd.OutOrStdout()
			c := env.Client()
			switch kind {
			case "department", "dept":
				a, err := catalogGet(rf.height, rf.prove, 0, func(at client.At, p client.Page) (*client.CatalogPage[catalogtypes.Department], error) {
					return c.CatalogDepartment(ctx, id, at, p)
				}, func(d *catalogtypes.Department) []*catalogtypes.Entry {
					var es []*catalogtypes.Entry
					for _, l := range [][]catalogtypes.Entry{d.Duties, d.Resources, d.Tables, d.Items, d.Shares} {
						es = append(es, list(l)...)
					}
					return es
				})
				if err != nil {
					return err
				}
				return env.Emit(out, a, func(w io.Writer) { printDepartment(w, &a.Data); printVerified(w, a.Verified) })
			case "resource":
				a, err := catalogGet(rf.height, rf.prove, 0, func(at client.At, p client.Page) (*client.CatalogPage[catalogtypes.ResourceView], error) {
					return c.CatalogResource(ctx, id, at, p)
				}, func(v *catalogtypes.ResourceView) []*catalogtypes.Entry {
					return append(append(one(&v.Resource), list(v.Duties)...), list(v.Tables)...)
				})
				if err != nil {
					return err
				}
				return env.Emit(out, a, func(w io.Writer) { printResourceView(w, &a.Data); printVerified(w, a.Verified) })
			case "disputes":
				a, err := catalogGet(rf.height, rf.prove, 0, func(at client.At, p client.Page) (*client.CatalogPage[[]catalogtypes.Entry], error) {
					return c.CatalogDisputes(ctx, at, p)
				}, func(v *[]catalogtypes.Entry) []*catalogtypes.Entry { return list(*v) })
				if err != nil {
					return err
				}
				return env.Emit(out, a, func(w io.Writer) {
					for _, e := range a.Data {
						var at catalogtypes.Attestation
						_ = e.Decode(&at)
						fmt.Fprintf(w, "%s  %s disputes %s %s %s (owner %s): %s\n", at.ID, at.Dept, at.Target, at.Subject, at.Item, at.Owner, at.Comment)
					}
					fmt.Fprintf(w, "%s at height %d\n", plural(len(a.Data), "open dispute", "open disputes"), a.Height)
					printVerified(w, a.Verified)
				})
			}
			reads := map[string]func(context.Context, string, client.At) (*client.CatalogPage[catalogtypes.Entry], error){
				"duty": c.CatalogDuty, "table": c.CatalogTable, "item": c.CatalogItem, "attestation": c.CatalogAttestation, "attest": c.CatalogAttestation, "delivery": c.CatalogDelivery}
			read, ok := reads[kind]
			if !ok {
				return fmt.Errorf("unknown kind %q: department, duty, resource, table, item, attestation, delivery or disputes", kind)
			}
			a, err := catalogGet(rf.height, rf.prove, 0, record(ctx, read, id), one)
			if err != nil {
				return err
			}
			return env.Emit(out, a, func(w io.Writer) { printEntry(w, &a.Data, a.Height); printVerified(w, a.Verified) })
		},
	}
	rf.register(c)
	return c
}

func printEntry(w io.Writer, e *catalogtypes.Entry, height int64) {
	if !e.Found {
		fmt.Fprintf(w, "%s: not found at height %d\n", e.Key, height)
		return
	}
	var v any
	_ = json.Unmarshal(e.Record, &v)
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintf(w, "%s =\n%s\n", e.Key, b)
}

func printResourceView(w io.Writer, v *catalogtypes.ResourceView) {
	if !v.Resource.Found {
		fmt.Fprintf(w, "%s: not found\n", v.Resource.Key)
		return
	}
	var r catalogtypes.Resource
	_ = v.Resource.Decode(&r)
	fmt.Fprintf(w, "%s %s (v%d, block %d, %s)\n  provider %s, %s, %s, updated %s, format %s\n  sharing: %s %s\n  open:    %s %s\n",
		r.Code, r.Name, r.Version, r.Height, r.Time, r.Provider, catalogio.Label("category", r.Category), catalogio.Label("status", r.Status),
		catalogio.Label("cycle", r.UpdateCycle), catalogio.Label("format", r.Format),
		catalogio.Label("sharing", r.Sharing), r.SharingBasis, catalogio.Label("open", r.Open), r.OpenBasis)
	for _, e := range v.Duties {
		var d catalogtypes.Duty
		_ = e.Decode(&d)
		fmt.Fprintf(w, "  duty  %s %s (%s)\n", d.Code, d.Name, d.LegalBasis)
	}
	for _, it := range r.Items {
		src := ""
		if it.Source {
			src = "  [authoritative source]"
		}
		fmt.Fprintf(w, "  item  %-28s %s %s(%d)%s\n", it.Key, it.Name, catalogio.Label("type", it.Type), it.Length, src)
	}
	for _, e := range v.Tables {
		var t catalogtypes.Table
		_ = e.Decode(&t)
		fmt.Fprintf(w, "  table %s v%d schema SM3 %s, %d columns\n", t.ID, t.Version, t.SchemaSM3, len(t.Columns))
	}
}

func printDepartment(w io.Writer, d *catalogtypes.Department) {
	fmt.Fprintf(w, "department %s: %d duties, %d resources, %d tables, source of %d data items, %d sharing requests\n",
		d.Dept, len(d.Duties), len(d.Resources), len(d.Tables), len(d.Items), len(d.Shares))
	for _, e := range d.Duties {
		var x catalogtypes.Duty
		_ = e.Decode(&x)
		fmt.Fprintf(w, "  duty     %-16s %s [%s]\n", x.Code, x.Name, catalogio.Label("status", x.Status))
	}
	for _, e := range d.Resources {
		var x catalogtypes.Resource
		_ = e.Decode(&x)
		fmt.Fprintf(w, "  resource %-18s %s (%d items, %s, v%d)\n", x.Code, x.Name, len(x.Items), catalogio.Label("sharing", x.Sharing), x.Version)
	}
	fmt.Fprintf(w, "  (tables, items and requests: -o json)\n")
}

func catalogHistoryCmd(env *clikit.Env) *cobra.Command {
	var rf readFlags
	c := &cobra.Command{
		Use:   "history KIND ID",
		Short: "Every version of a record (duty, resource, table, item, attest, share, delivery)",
		Example: `  govchain catalog history resource 110108-SCJG-0001 --prove
  govchain catalog history table SCJG:qyxt.scjg_djdb.t_qy_sldj`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := ctxFor(cmd, 30*time.Second)
			defer cancel()
			a, err := catalogGet(rf.height, rf.prove, 0, func(at client.At, p client.Page) (*client.CatalogPage[[]catalogtypes.Entry], error) {
				return env.Client().CatalogHistory(ctx, args[0], args[1], at, p)
			}, func(v *[]catalogtypes.Entry) []*catalogtypes.Entry { return list(*v) })
			if err != nil {
				return err
			}
			return env.Emit(cmd.OutOrStdout(), a, func(w io.Writer) {
				for _, e := range a.Data {
					var m catalogtypes.Meta
					_ = json.Unmarshal(e.Record, &m)
					fmt.Fprintf(w, "v%-3d block %-6d %s  tx %s  signer %s\n      %s\n", m.Version, m.Height, m.Time, short(m.Tx), m.Signer, e.Key)
				}
				fmt.Fprintf(w, "%d versions at height %d\n", len(a.Data), a.Height)
				printVerified(w, a.Verified)
			})
		},
	}
	rf.register(c)
	return c
}

func short(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

func catalogChainCmd(env *clikit.Env) *cobra.Command {
	var rf readFlags
	c := &cobra.Command{
		Use:     "chain ITEM_KEY",
		Short:   "The duty → resource → table chain of a data item, with its source and cross-checks",
		Example: `  govchain catalog chain 企业.统一社会信用代码 --prove`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := ctxFor(cmd, 30*time.Second)
			defer cancel()
			a, err := catalogGet(rf.height, rf.prove, 0, func(at client.At, p client.Page) (*client.CatalogPage[catalogtypes.ItemChain], error) {
				return env.Client().CatalogItemChain(ctx, args[0], at, p)
			}, func(v *catalogtypes.ItemChain) []*catalogtypes.Entry {
				es := one(&v.Item)
				if v.Source != nil {
					es = append(es, v.Source)
				}
				for _, l := range [][]catalogtypes.Entry{v.Duties, v.Tables, v.References, v.Attestations} {
					es = append(es, list(l)...)
				}
				return es
			})
			if err != nil {
				return err
			}
			return env.Emit(cmd.OutOrStdout(), a, func(w io.Writer) {
				printChain(w, args[0], &a.Data)
				printVerified(w, a.Verified)
			})
		},
	}
	rf.register(c)
	return c
}

func printChain(w io.Writer, key string, c *catalogtypes.ItemChain) {
	if !c.Item.Found {
		fmt.Fprintf(w, "data item %s has no authoritative source on chain\n", key)
	} else {
		var it catalogtypes.ItemRecord
		_ = c.Item.Decode(&it)
		fmt.Fprintf(w, "data item %s (%s, %s %d) — authoritative source: %s", it.Key, it.Name, catalogio.Label("type", it.Type), it.Length, it.Owner)
		if it.Source != "" {
			fmt.Fprintf(w, " via %s", it.Source)
		}
		fmt.Fprintln(w)
	}
	for _, e := range c.Duties {
		var d catalogtypes.Duty
		_ = e.Decode(&d)
		fmt.Fprintf(w, "  duty      %s:%s %s — %s\n", d.Dept, d.Code, d.Name, d.LegalBasis)
	}
	if c.Source != nil && c.Source.Found {
		var r catalogtypes.Resource
		_ = c.Source.Decode(&r)
		fmt.Fprintf(w, "  resource  %s %s (%s)\n", r.Code, r.Name, catalogio.Label("sharing", r.Sharing))
	}
	// the source resource's own tables in full; the copies elsewhere counted
	src := ""
	if c.Source != nil {
		var r catalogtypes.Resource
		if c.Source.Decode(&r) == nil {
			src = r.Code
		}
	}
	others := map[string]int{}
	var depts []string
	for _, e := range c.Tables {
		var t catalogtypes.Table
		_ = e.Decode(&t)
		if t.Resource != src {
			if others[t.Dept] == 0 {
				depts = append(depts, t.Dept)
			}
			others[t.Dept]++
			continue
		}
		col := ""
		for _, cl := range t.Columns {
			if cl.Item == key {
				col = cl.Column
			}
		}
		fmt.Fprintf(w, "  table     %s column %s (schema SM3 %s, v%d)\n", t.ID, col, short(t.SchemaSM3), t.Version)
	}
	if len(depts) > 0 {
		n := 0
		for _, d := range depts {
			n += others[d]
		}
		fmt.Fprintf(w, "  also held in %d other tables:", n)
		for _, d := range depts {
			fmt.Fprintf(w, " %s %d", d, others[d])
		}
		fmt.Fprintln(w)
	}
	refs := map[string]int{}
	var rdepts []string
	for _, e := range c.References {
		var r catalogtypes.Resource
		_ = e.Decode(&r)
		if refs[r.Provider] == 0 {
			rdepts = append(rdepts, r.Provider)
		}
		refs[r.Provider]++
	}
	fmt.Fprintf(w, "  carried by %d resources:", len(c.References))
	for _, d := range rdepts {
		fmt.Fprintf(w, " %s %d", d, refs[d])
	}
	fmt.Fprintln(w, " (-o json lists them)")
	for _, e := range c.Attestations {
		var at catalogtypes.Attestation
		_ = e.Decode(&at)
		fmt.Fprintf(w, "  cross-check %s by %s: %s %s (%s)\n", at.ID, at.Dept, at.Verdict, at.Subject, at.Status)
	}
}

// ---- bulk ----

// apiResolver answers dry-run lookups from the node.
type apiResolver struct {
	ctx context.Context
	env *clikit.Env
}

func (r apiResolver) entry(read func(context.Context, string, client.At) (*client.CatalogPage[catalogtypes.Entry], error), id string) (*catalogtypes.Entry, error) {
	a, err := catalogGet(0, false, 0, record(r.ctx, read, id), one)
	if err != nil {
		return nil, err
	}
	return &a.Data, nil
}

func (r apiResolver) DutyStatus(dept, code string) (string, error) {
	e, err := r.entry(r.env.Client().CatalogDuty, catalogtypes.DutyID(dept, code))
	if err != nil || !e.Found {
		return "", err
	}
	var d catalogtypes.Duty
	err = e.Decode(&d)
	return d.Status, err
}

func (r apiResolver) ResourceProvider(code string) (string, error) {
	if !catalogtypes.ValidCode(code) {
		return "", nil
	}
	a, err := catalogGet(0, false, 0, func(at client.At, p client.Page) (*client.CatalogPage[catalogtypes.ResourceView], error) {
		return r.env.Client().CatalogResource(r.ctx, code, at, p)
	}, func(v *catalogtypes.ResourceView) []*catalogtypes.Entry { return one(&v.Resource) })
	if err != nil || !a.Data.Resource.Found {
		return "", err
	}
	var res catalogtypes.Resource
	err = a.Data.Resource.Decode(&res)
	return res.Provider, err
}

func (r apiResolver) ItemOwner(key string) (string, string, error) {
	e, err := r.entry(r.env.Client().CatalogItem, key)
	if err != nil || !e.Found {
		return "", "", err
	}
	var it catalogtypes.ItemRecord
	err = e.Decode(&it)
	return it.Owner, it.Source, err
}

func readCatalogRows(dir, xlsx string) (catalogio.Rows, []catalogio.Problem, string, error) {
	switch {
	case dir != "" && xlsx != "":
		return nil, nil, "", fmt.Errorf("give --dir or --xlsx, not both")
	case dir != "":
		rows, probs, err := catalogio.ReadCSVDir(dir)
		return rows, probs, dir, err
	case xlsx != "":
		rows, probs, err := catalogio.ReadXLSX(xlsx)
		return rows, probs, xlsx, err
	}
	return nil, nil, "", fmt.Errorf("give --dir DIR (CSV files) or --xlsx FILE")
}

func newBar(w io.Writer, total int, what string, on bool) *progressbar.ProgressBar {
	if !on {
		return progressbar.DefaultSilent(int64(total))
	}
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
}

// ImportReport is what `catalog import` prints with -o json.
type ImportReport struct {
	Dept      string                    `json:"dept"`
	Source    string                    `json:"source"`
	DryRun    bool                      `json:"dry_run"`
	Problems  []catalogio.Problem       `json:"problems"`
	Duties    int                       `json:"duties"`
	Resources int                       `json:"resources"`
	Items     int                       `json:"items"`
	Tables    int                       `json:"tables"`
	Txs       int                       `json:"txs"`
	MaxBody   int                       `json:"max_body_bytes"`
	Result    catalogtypes.ImportResult `json:"result"`
	Heights   []int64                   `json:"heights,omitempty"`
	TxHashes  []string                  `json:"tx_hashes,omitempty"`
}

func catalogImportCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var dir, xlsx string
	var dryRun, progress bool
	c := &cobra.Command{
		Use:   "import",
		Short: "Bulk import your department's catalog from CSV files or an xlsx workbook, in as few txs as fit",
		Long: `Reads duties.csv, resources.csv, items.csv, tables.csv and columns.csv from --dir
(or the sheets 职责, 信息资源, 信息项, 库表, 字段映射 of --xlsx), checks every row and
packs the entries into as few catalog.import transactions as the chain's
max_tx_bytes allows. Each transaction is all or nothing; they are sent in
order (duties, resources, tables) and each waits for its block.

--dry-run reports every bad row with its place (file and line, or sheet and
row) and reason, including what the chain would refuse (a duty that does not
exist, another department's resource, a data item whose source is another
department), and sends nothing. Re-importing unchanged entries creates no new
versions.`,
		Example: `  govchain catalog import --key scjg-officer --dir catalog-chain/testdata/sample/SCJG --dry-run
  govchain catalog import --key scjg-officer --xlsx catalog-chain/testdata/sample/SCJG.xlsx`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := env.LoadKey(f.Key, f.PassFile)
			if err != nil {
				return err
			}
			ctx, cancel := ctxFor(cmd, 30*time.Minute)
			defer cancel()
			cl := env.Client()
			acct, err := cl.Account(ctx, k.PublicKey().ID())
			if err != nil {
				return fmt.Errorf("signer %s: %w", k.PublicKey().ID(), err)
			}
			dept := acct.Account.Dept
			rows, probs, src, err := readCatalogRows(dir, xlsx)
			if err != nil {
				return err
			}
			cat, more := catalogio.Parse(rows, dept)
			probs = append(probs, more...)
			if dryRun {
				chainProbs, err := catalogio.Check(cat, rows, apiResolver{ctx, env})
				if err != nil {
					return err
				}
				probs = append(probs, chainProbs...)
			}
			st, err := cl.Status(ctx)
			if err != nil {
				return err
			}
			maxTx := params.Default().MaxTxBytes
			if p, err := cl.State(ctx, "params", 0, false); err == nil && p.Found {
				var cp params.Params
				if json.Unmarshal(p.Value, &cp) == nil && cp.MaxTxBytes > 0 {
					maxTx = cp.MaxTxBytes
				}
			}
			rep := &ImportReport{Dept: dept, Source: src, DryRun: dryRun, Problems: probs, Duties: len(cat.Duties), Resources: len(cat.Resources),
				Items: cat.Items(), Tables: len(cat.Tables), MaxBody: catalogio.MaxBody(maxTx, st.ChainID)}
			batches, err := catalogio.Batches(cat, rep.MaxBody)
			if err != nil {
				return err
			}
			rep.Txs = len(batches)
			out := cmd.OutOrStdout()
			if len(probs) > 0 || dryRun {
				if err := env.Emit(out, rep, func(w io.Writer) {
					for _, p := range probs {
						fmt.Fprintf(w, "%s: %s\n", p.Where, p.Reason)
					}
					verb := "would import"
					if len(probs) > 0 {
						verb = "the good rows hold"
					}
					fmt.Fprintf(w, "%s: %d bad rows; %s %d duties, %d resources (%d data items), %d tables for %s in %s (at most %d bytes each)\n",
						src, len(probs), verb, rep.Duties, rep.Resources, rep.Items, rep.Tables, dept, plural(rep.Txs, "tx", "txs"), rep.MaxBody)
				}); err != nil {
					return err
				}
				if len(probs) > 0 {
					return fmt.Errorf("%d bad rows; nothing was sent", len(probs))
				}
				return nil
			}
			t := &clikit.TxSigner{Client: cl, Key: k, ChainID: st.ChainID}
			if _, err := t.Signer(ctx); err != nil {
				return err
			}
			total := rep.Duties + rep.Resources + rep.Tables
			bar := newBar(cmd.ErrOrStderr(), total, "importing "+dept, progress && env.Output != "json")
			for i, b := range batches {
				res, err := t.Send(ctx, catalogtypes.MsgImport, b, "commit")
				if err != nil {
					_ = bar.Exit()
					return fmt.Errorf("tx %d of %d (entries %d..): %w; the %d txs before it are committed", i+1, len(batches), bar.State().CurrentNum, err, i)
				}
				var r catalogtypes.ImportResult
				_ = json.Unmarshal([]byte(res.Data), &r)
				addCount(&rep.Result.Duties, r.Duties)
				addCount(&rep.Result.Resources, r.Resources)
				addCount(&rep.Result.Tables, r.Tables)
				rep.Heights = append(rep.Heights, res.Height)
				rep.TxHashes = append(rep.TxHashes, res.Hash)
				_ = bar.Add(len(b.Duties) + len(b.Resources) + len(b.Tables))
			}
			_ = bar.Finish()
			return env.Emit(out, rep, func(w io.Writer) {
				r := rep.Result
				fmt.Fprintf(w, "imported %s for %s in %s (blocks %v)\n  duties    %d new, %d changed, %d unchanged\n  resources %d new, %d changed, %d unchanged (%d data items)\n  tables    %d new, %d changed, %d unchanged\n",
					src, dept, plural(rep.Txs, "tx", "txs"), rep.Heights, r.Duties.Created, r.Duties.Updated, r.Duties.Unchanged,
					r.Resources.Created, r.Resources.Updated, r.Resources.Unchanged, rep.Items, r.Tables.Created, r.Tables.Updated, r.Tables.Unchanged)
			})
		},
	}
	f.Register(c)
	c.Flags().StringVar(&dir, "dir", "", "directory with the CSV files")
	c.Flags().StringVar(&xlsx, "xlsx", "", "xlsx workbook")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "check every row (also against the chain) and send nothing")
	c.Flags().BoolVar(&progress, "progress", true, "show a progress bar on stderr")
	return c
}

func addCount(dst *catalogtypes.Count, c catalogtypes.Count) {
	dst.Created += c.Created
	dst.Updated += c.Updated
	dst.Unchanged += c.Unchanged
}

func catalogExportCmd(env *clikit.Env) *cobra.Command {
	var rf readFlags
	var dept, dir, xlsx string
	var progress bool
	c := &cobra.Command{
		Use:   "export",
		Short: "Export a department's catalog from the chain as CSV files or an xlsx workbook",
		Long: `Writes the same five sheets import reads, in key order (duties and resources by
code, tables by id), so an import followed by an export gives back the same
files. --height exports the catalog as it was at that block; --prove checks
every record's proof before writing.`,
		Example: `  govchain catalog export --dept SCJG --dir out/SCJG
  govchain catalog export --dept SCJG --xlsx scjg.xlsx --prove`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (dir == "") == (xlsx == "") {
				return fmt.Errorf("give --dir DIR or --xlsx FILE")
			}
			ctx, cancel := ctxFor(cmd, 10*time.Minute)
			defer cancel()
			a, err := catalogGet(rf.height, rf.prove, 0, func(at client.At, p client.Page) (*client.CatalogPage[catalogtypes.Department], error) {
				return env.Client().CatalogDepartment(ctx, dept, at, p)
			}, func(d *catalogtypes.Department) []*catalogtypes.Entry {
				var es []*catalogtypes.Entry
				for _, l := range [][]catalogtypes.Entry{d.Duties, d.Resources, d.Tables} {
					es = append(es, list(l)...)
				}
				return es
			})
			if err != nil {
				return err
			}
			d := &a.Data
			bar := newBar(cmd.ErrOrStderr(), len(d.Duties)+len(d.Resources)+len(d.Tables), "exporting "+dept, progress && env.Output != "json")
			cat, err := catalogio.FromDepartment(d)
			if err != nil {
				return err
			}
			_ = bar.Add(len(d.Duties) + len(d.Resources) + len(d.Tables))
			target := dir
			if dir != "" {
				err = catalogio.WriteCSVDir(dir, cat)
			} else {
				target = xlsx
				if err = os.MkdirAll(filepath.Dir(xlsx), 0o755); err == nil {
					err = catalogio.WriteXLSX(xlsx, cat)
				}
			}
			if err != nil {
				return err
			}
			_ = bar.Finish()
			rep := map[string]any{"dept": dept, "height": a.Height, "target": target, "duties": len(cat.Duties), "resources": len(cat.Resources),
				"items": cat.Items(), "tables": len(cat.Tables), "verified": a.Verified}
			return env.Emit(cmd.OutOrStdout(), rep, func(w io.Writer) {
				fmt.Fprintf(w, "exported %s at height %d to %s: %d duties, %d resources (%d data items), %d tables\n",
					dept, a.Height, target, len(cat.Duties), len(cat.Resources), cat.Items(), len(cat.Tables))
				printVerified(w, a.Verified)
			})
		},
	}
	rf.register(c)
	c.Flags().StringVar(&dept, "dept", "", "department code")
	c.Flags().StringVar(&dir, "dir", "", "write CSV files into this directory")
	c.Flags().StringVar(&xlsx, "xlsx", "", "write one xlsx workbook")
	c.Flags().BoolVar(&progress, "progress", true, "show a progress bar on stderr")
	_ = c.MarkFlagRequired("dept")
	return c
}
