package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/node/explore"
)

// rpcFor is the CometBFT RPC address of the node whose API is api: the
// GOVCHAIN_RPC environment variable, else the port layout of govchain's
// defaults (API 26680 -> RPC 26657) and of local networks and the demo
// (RPC = API port - 1, e.g. 26602 -> 26601).
func rpcFor(api string) string {
	if v := os.Getenv("GOVCHAIN_RPC"); v != "" {
		return v
	}
	a := strings.TrimPrefix(strings.TrimPrefix(api, "http://"), "https://")
	a = strings.TrimRight(a, "/")
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return "127.0.0.1:26601"
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "127.0.0.1:26601"
	}
	if p == 26680 {
		return net.JoinHostPort(host, "26657")
	}
	return net.JoinHostPort(host, strconv.Itoa(p-1))
}

func table(w io.Writer, header string, rows func(tw io.Writer)) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	tw.Flush()
}

func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

func resultText(code uint32, space string) string {
	if code == 0 {
		return "ok"
	}
	return fmt.Sprintf("%s/%d", space, code)
}

func txTable(w io.Writer, rows []explore.TxRow) {
	table(w, "HEIGHT\t#\tTIME\tDEPT\tTYPE\tRESULT\tHASH\tSIGNER", func(tw io.Writer) {
		for _, r := range rows {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Height, r.Index, orDashCLI(r.Time), orDashCLI(r.Dept), r.Type, resultText(r.Code, r.Codespace), shortHash(r.Hash), shortHash(r.Signer))
		}
	})
}

func orDashCLI(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func exploreCmd(g *globals) *cobra.Command {
	var rpc string
	c := &cobra.Command{
		Use:   "explore",
		Short: "Browse the chain: status, blocks, transactions, searches, departments, record histories",
		Long: `Reads a node's govchain API (--node) and its CometBFT RPC (--rpc). What it shows
is that node's word, except where it says a proof was checked; "govchain audit"
re-derives everything from the validators' signatures.

--rpc defaults to $GOVCHAIN_RPC, else to the port below the API port (the layout
of local networks and the demo: API 26602, RPC 26601), or 26657 for an API on 26680.`,
		Example: `  govchain explore status
  govchain explore blocks --limit 10
  govchain explore search --dept SCJG --type certificate.anchor
  govchain explore record id/dept/ZWFW`,
	}
	c.PersistentFlags().StringVar(&rpc, "rpc", "", "CometBFT RPC address of the node (default: see above)")
	ex := func() (*explore.Explorer, error) {
		r := rpc
		if r == "" {
			r = rpcFor(g.Node)
		}
		return explore.New(g.Node, r)
	}
	ctxFor := func(cmd *cobra.Command) (context.Context, context.CancelFunc) {
		return context.WithTimeout(cmd.Context(), 2*time.Minute)
	}

	status := &cobra.Command{
		Use: "status", Short: "Chain, height, validators (with departments) and transaction count", Args: cobra.NoArgs,
		Example: "  govchain explore status\n  govchain explore status -o json --node 127.0.0.1:26612",
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := ex()
			if err != nil {
				return err
			}
			ctx, cancel := ctxFor(cmd)
			defer cancel()
			s, err := e.Status(ctx)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), s, func(w io.Writer) {
				fmt.Fprintf(w, "chain       %s (node of %s)\nheight      %d at %s\nblock hash  %s\napp hash    %s\ntransactions %d\nstate kept  %d..%d  blocks from %d  catching up %v\n\n",
					s.ChainID, orDashCLI(s.NodeDept), s.Height, s.Time, s.BlockHash, s.AppHash, s.Txs, s.StateVersion[0], s.StateVersion[1], s.EarliestH, s.CatchingUp)
				table(w, "VALIDATOR\tDEPT\tPOWER\tSIGNED LATEST", func(tw io.Writer) {
					for _, v := range s.Validators {
						fmt.Fprintf(tw, "%s\t%s\t%d\t%v\n", v.Address, orDashCLI(v.Dept), v.Power, v.Signed)
					}
				})
				fmt.Fprintf(w, "total power %d\n\n", s.TotalPower)
				table(w, "DEPT\tSTATUS\tNAME", func(tw io.Writer) {
					for _, d := range s.Departments {
						fmt.Fprintf(tw, "%s\t%s\t%s\n", d.Code, d.Status, d.Name)
					}
				})
			})
		},
	}

	var from, to int64
	var limit int
	blocks := &cobra.Command{
		Use: "blocks", Short: "List blocks, newest first (a page of --limit; the next page is printed)", Args: cobra.NoArgs,
		Example: "  govchain explore blocks\n  govchain explore blocks --from 100 --to 150 --limit 51\n  govchain explore blocks --to 80   # the page before 81",
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := ex()
			if err != nil {
				return err
			}
			ctx, cancel := ctxFor(cmd)
			defer cancel()
			p, err := e.Blocks(ctx, from, to, limit)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), p, func(w io.Writer) {
				table(w, "HEIGHT\tTIME\tTXS\tPROPOSER\tHASH\tAPP HASH", func(tw io.Writer) {
					for _, b := range p.Blocks {
						fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\n", b.Height, b.Time, b.Txs, orDashCLI(b.Dept), shortHash(b.Hash), shortHash(b.AppHash))
					}
				})
				if p.Older > 0 {
					fmt.Fprintf(w, "older: govchain explore blocks --to %d --limit %d\n", p.Older, limit)
				}
			})
		},
	}
	blocks.Flags().Int64Var(&from, "from", 0, "lowest height (default: --to minus --limit)")
	blocks.Flags().Int64Var(&to, "to", 0, "highest height (default: latest)")
	blocks.Flags().IntVar(&limit, "limit", 20, "blocks per page")

	block := &cobra.Command{
		Use: "block HEIGHT", Short: "One block: header, transactions with results, events, signatures", Args: cobra.ExactArgs(1),
		Example: "  govchain explore block 12\n  govchain explore block 12 -o json | jq '.txs[] | select(.code != 0)'",
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || h < 1 {
				return fmt.Errorf("HEIGHT must be a positive integer")
			}
			e, err := ex()
			if err != nil {
				return err
			}
			ctx, cancel := ctxFor(cmd)
			defer cancel()
			d, err := e.Block(ctx, h)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), d, func(w io.Writer) {
				fmt.Fprintf(w, "block %d  %s\n  hash        %s\n  proposer    %s (%s)\n  app hash    %s (state after %d)\n  last block  %s\n  data hash   %s\n  validators  %s\n  results of %d %s\n\n",
					d.Height, d.Time, d.Hash, d.Proposer, orDashCLI(d.ProposerDept), d.AppHash, d.Height-1, d.LastBlock, d.DataHash, d.ValidatorsHash, d.Height-1, d.LastResultsHash)
				if len(d.Txs) == 0 {
					fmt.Fprintln(w, "no transactions")
				} else {
					txTable(w, d.Txs)
					for _, t := range d.Txs {
						if t.Code != 0 {
							fmt.Fprintf(w, "  tx %d rejected: %s\n", t.Index, t.Log)
						}
					}
				}
				for _, ev := range d.BlockEvents {
					fmt.Fprintf(w, "block event %s\n", ev)
				}
				for _, u := range d.ValidatorUpdate {
					fmt.Fprintf(w, "validator update %s (from height %d)\n", u, d.Height+2)
				}
				for _, ev := range d.Evidence {
					fmt.Fprintf(w, "EVIDENCE %s\n", ev)
				}
				fmt.Fprintf(w, "\ncommit of this block (%s):\n", orDashCLI(d.CommitNote))
				table(w, "VALIDATOR\tDEPT\tVOTE\tTIME", func(tw io.Writer) {
					for _, s := range d.Commit {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Validator, orDashCLI(s.Dept), s.Flag, orDashCLI(s.Time))
					}
				})
			})
		},
	}

	txc := &cobra.Command{
		Use: "tx HASH", Short: "One transaction: envelope, body, result, events, inclusion proof", Args: cobra.ExactArgs(1),
		Example: "  govchain explore tx 5F0C…(64 hex)\n  govchain explore tx $(govchain explore search --type gov.propose -o json | jq -r '.txs[0].hash')",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := ex()
			if err != nil {
				return err
			}
			ctx, cancel := ctxFor(cmd)
			defer cancel()
			d, err := e.Tx(ctx, args[0])
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), d, func(w io.Writer) {
				fmt.Fprintf(w, "tx %s\n  block %d (#%d) at %s\n  chain %s\n  type %s\n  signer %s (%s) sequence %d\n  result %s %s\n",
					d.Hash, d.Height, d.Index, d.Time, d.ChainID, d.Type, d.Signer, orDashCLI(d.Dept), d.Sequence, resultText(d.Code, d.Codespace), d.Log)
				if d.Data != "" {
					fmt.Fprintf(w, "  data %s\n", d.Data)
				}
				var pretty bytes.Buffer
				if json.Indent(&pretty, d.Body, "  ", "  ") == nil {
					fmt.Fprintf(w, "  body %s\n", pretty.String())
				}
				for _, ev := range d.Events {
					fmt.Fprintf(w, "  event %s\n", ev)
				}
				fmt.Fprintf(w, "  inclusion: %s\n", d.Included)
			})
		},
	}

	var q explore.Query
	var since, until string
	search := &cobra.Command{
		Use:   "search",
		Short: "Find transactions by department, type, signer, record id, certificate, USCC, resource code, height or time",
		Long: `Searches the events CometBFT indexed for every successful transaction: the "tx"
event (type, signer, dept) and each module's own events (certificate.anchored,
gov.proposed, catalog.resource, credit.recorded, ...; see node/explore/search.go).
Conditions combine with AND. --record matches any record identifier (proposal id,
key id, certificate hash, batch root, catalog or credit id, resource code);
--uscc finds the organisation's credit events and the events of every
certificate it holds. Rejected transactions emit no events and are not found.`,
		Example: `  govchain explore search --dept SCJG
  govchain explore search --type certificate.anchor --since 2026-11-01 --until 2026-11-30T23:59:59+08:00
  govchain explore search --cert 3f1a…(64 hex)
  govchain explore search --uscc 91350100MA00000019
  govchain explore search --record 2                    # governance proposal 2 (and anything else with id 2)
  govchain explore search --query "gov.voted.vote='reject'" --page 2 --per-page 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if q.Since, err = parseWhen(since, false); err != nil {
				return fmt.Errorf("--since: %w", err)
			}
			if q.Until, err = parseWhen(until, true); err != nil {
				return fmt.Errorf("--until: %w", err)
			}
			e, err := ex()
			if err != nil {
				return err
			}
			ctx, cancel := ctxFor(cmd)
			defer cancel()
			r, err := e.Search(ctx, q)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), r, func(w io.Writer) {
				for _, s := range r.Queries {
					fmt.Fprintf(w, "query: %s\n", s)
				}
				if len(r.Certificates) > 0 {
					fmt.Fprintf(w, "certificates held: %s\n", strings.Join(r.Certificates, ", "))
				}
				fmt.Fprintf(w, "%d txs, page %d of %d\n\n", r.Total, r.Page, max(r.Pages, 1))
				txTable(w, r.Txs)
				if r.Page < r.Pages {
					fmt.Fprintf(w, "next page: --page %d\n", r.Page+1)
				}
				if r.Note != "" {
					fmt.Fprintln(w, r.Note)
				}
			})
		},
	}
	f := search.Flags()
	f.StringVar(&q.Dept, "dept", "", "department code (signer's department)")
	f.StringVar(&q.Type, "type", "", "message type, e.g. certificate.anchor (govchain query messages)")
	f.StringVar(&q.Signer, "signer", "", "signer key id (40 hex)")
	f.StringVar(&q.Record, "record", "", "any record id: proposal id, key id, certificate hash, batch root, catalog/credit id, resource code")
	f.StringVar(&q.Cert, "cert", "", "certificate hash (SM3 of the file, 64 hex)")
	f.StringVar(&q.USCC, "uscc", "", "unified social credit code of an organisation")
	f.StringVar(&q.Resource, "resource", "", "catalog resource code")
	f.Int64Var(&q.From, "from", 0, "lowest height")
	f.Int64Var(&q.To, "to", 0, "highest height")
	f.StringVar(&since, "since", "", "earliest block time: 2006-01-02 (China Standard Time) or RFC 3339")
	f.StringVar(&until, "until", "", "latest block time: 2006-01-02 (to the end of that day, CST) or RFC 3339")
	f.StringVar(&q.Raw, "query", "", "extra CometBFT query condition, e.g. \"gov.voted.vote='reject'\"")
	f.IntVar(&q.Page, "page", 1, "page number")
	f.IntVar(&q.PerPage, "per-page", 30, "txs per page (at most 100)")
	f.BoolVar(&q.Desc, "desc", false, "newest first")

	var scan, recent int
	dept := &cobra.Command{
		Use: "dept CODE", Short: "A department: record, grants, identities, validator and its activity", Args: cobra.ExactArgs(1),
		Example: "  govchain explore dept SCJG\n  govchain explore dept WJW --recent 50 -o json",
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := ex()
			if err != nil {
				return err
			}
			ctx, cancel := ctxFor(cmd)
			defer cancel()
			d, err := e.Dept(ctx, args[0], scan, recent)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), d, func(w io.Writer) {
				var rec struct {
					Name, Status string
					Since        int64
				}
				_ = json.Unmarshal(d.Department, &rec)
				fmt.Fprintf(w, "department %s  %s\n  status %s since height %d (state at %d)\n  validator %s\n  grants %s\n  transactions %d\n\n",
					d.Code, rec.Name, rec.Status, rec.Since, d.Height, orDashCLI(d.Validator), orDashCLI(strings.Join(d.Grants, ", ")), d.Txs)
				table(w, "IDENTITY\tNAME\tROLES\tSTATUS\tCERT", func(tw io.Writer) {
					for _, i := range d.Identities {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", i.KeyID, i.Name, strings.Join(i.Roles, ","), i.Status, i.Cert)
					}
				})
				if len(d.Evidence) > 0 {
					fmt.Fprintln(w)
					table(w, "EVIDENCE\tAT HEIGHT\tCOMMITTED\tPOWER\tRECORD", func(tw io.Writer) {
						for _, e := range d.Evidence {
							fmt.Fprintf(tw, "%s\t%d\t%d\t%d → %d\t%s\n", e.Kind, e.Height, e.Committed, e.PowerBefore, e.PowerAfter, e.Key)
						}
					})
				}
				fmt.Fprintln(w)
				table(w, "TX TYPE\tCOUNT", func(tw io.Writer) {
					for _, t := range d.ByType {
						fmt.Fprintf(tw, "%s\t%d\n", t.Type, t.Txs)
					}
				})
				fmt.Fprintln(w)
				table(w, "ACTIVITY\tCOUNT", func(tw io.Writer) {
					for _, k := range sortedKeys(d.Counts) {
						fmt.Fprintf(tw, "%s\t%d\n", k, d.Counts[k])
					}
				})
				if d.Note != "" {
					fmt.Fprintln(w, d.Note)
				}
				fmt.Fprintf(w, "\nmost recent %d:\n", len(d.Recent))
				txTable(w, d.Recent)
			})
		},
	}
	dept.Flags().IntVar(&scan, "scan", 10000, "txs read to count by type")
	dept.Flags().IntVar(&recent, "recent", 20, "newest txs listed")

	var at int64
	var maxVersions int
	record := &cobra.Command{
		Use:   "record KEY",
		Short: "Every version of a state record, each proven and tied to the block that wrote it",
		Long: `Walks a state key's history back from the latest (or --height) version. Each
read carries an ICS23 proof, checked against the node's app hash and compared with
the app hash in the next block header; the proof's IAVL leaf names the height that
wrote the value, so reading just below it gives the previous version, and so on:
one proven read per version, no version missed. Deletions are located by probing.`,
		Example: `  govchain explore record id/dept/ZWFW
  govchain explore record gov/prop/00000000000000000001
  govchain explore record cert/rec/3f1a…(64 hex) -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := ex()
			if err != nil {
				return err
			}
			ctx, cancel := ctxFor(cmd)
			defer cancel()
			h, err := e.Record(ctx, args[0], at, maxVersions)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), h, func(w io.Writer) {
				fmt.Fprintf(w, "%s: %d versions up to height %d (%d reads)\n", h.Key, len(h.Versions), h.At, h.Probes)
				for _, v := range h.Versions {
					fmt.Fprintln(w)
					if v.Deleted {
						fmt.Fprintf(w, "height %d: DELETED (%s)\n", v.Height, v.Proof)
					} else {
						fmt.Fprintf(w, "height %d: %s\n", v.Height, v.Proof)
						if v.Value != nil {
							var pretty bytes.Buffer
							if json.Indent(&pretty, v.Value, "  ", "  ") == nil {
								fmt.Fprintf(w, "  %s\n", pretty.String())
							}
						} else {
							fmt.Fprintf(w, "  %s\n", v.Text)
						}
					}
					if v.Created {
						fmt.Fprintf(w, "  created (absent at height %d)\n", v.Height-1)
					}
					for _, t := range v.Txs {
						fmt.Fprintf(w, "  in block %d: tx %s %s (%s)\n", v.Height, shortHash(t.Hash), t.Type, orDashCLI(t.Dept))
					}
					if len(v.Txs) == 0 {
						fmt.Fprintf(w, "  in block %d: no successful tx; the genesis (first block) or end-block logic wrote it\n", v.Height)
					}
				}
				if h.Note != "" {
					fmt.Fprintf(w, "\nnote: %s\n", h.Note)
				}
			})
		},
	}
	record.Flags().Int64Var(&at, "height", 0, "walk back from this height (default latest)")
	record.Flags().IntVar(&maxVersions, "limit", 50, "versions shown")

	c.AddCommand(status, blocks, block, txc, search, dept, record)
	return c
}

// parseWhen reads a date (China Standard Time; end of day when end) or an
// RFC 3339 time.
func parseWhen(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, time.FixedZone("CST", 8*3600))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither 2006-01-02 nor RFC 3339", s)
	}
	if end {
		d = d.Add(24*time.Hour - time.Nanosecond)
	}
	return d, nil
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
