package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/spf13/cobra"

	"github.com/govchain/govchain/node/archive"
	"github.com/govchain/govchain/node/audit"
)

func auditCmd(g *globals) *cobra.Command {
	var o audit.Options
	var rpc, report, genesisFile string
	var noProgress, noState bool
	var archiveDir string
	c := &cobra.Command{
		Use:   "audit",
		Short: "Re-derive the chain from a node's blocks: signatures, validator sets, replay, app hashes",
		Long: `Downloads the genesis, every block and its results from a node's CometBFT RPC
and trusts none of it:

  - every commit's validator signatures are verified (all of them, in parallel on
    all cores) against the validator set derived from the genesis and the
    validator updates the replay itself produces (applied two blocks later);
  - every header must hash to the block ID the next header links to, and name the
    derived validator sets;
  - every transaction is replayed, in order, into a fresh in-memory state with
    exactly the modules every node runs (SM2 signatures, certificate validity at
    block time, permissions, handlers); each result code, event and validator
    update is compared with what the node reports, and the results and app hash
    with the LastResultsHash and AppHash signed in the next header;
  - evidence of double signing in blocks is verified and reported;
  - finally every key of the replayed state is read from the node's API (--node)
    with a proof and compared (--no-state-check skips this).

The audit covers heights up to the node's latest minus one (the app hash of H is
signed in header H+1). It exits non-zero when anything fails. --checkpoint FILE
records the last verified height and hashes; a later run resumes from it, skipping
the commit signature checks at or below it (the blocks are replayed again: the
state is rebuilt from the genesis every run). See docs/audit.md.`,
		Example: `  govchain audit --node 127.0.0.1:26602 --rpc 127.0.0.1:26601
  govchain audit --report audit.xlsx --checkpoint audit.cp --genesis .testnets/demo/node0/config/genesis.json
  govchain audit --from 5000 --report audit.csv -o json > audit.json
  govchain audit --archive /archive/chaoyang-1 --genesis genesis.json
  govchain audit compare --nodes 127.0.0.1:26601,127.0.0.1:26611,127.0.0.1:26621`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if archiveDir != "" {
				src, err := archive.Open(archiveDir)
				if err != nil {
					return err
				}
				o.Source, noState = src, true // the archive has blocks, not a live state to compare
				o.Label = "archive " + archiveDir
			} else {
				if rpc == "" {
					rpc = rpcFor(g.Node)
				}
				src, err := audit.NewRPCSource(rpc)
				if err != nil {
					return err
				}
				o.Source = src
				o.Label = fmt.Sprintf("%s (RPC %s)", g.Node, rpc)
			}
			var err error
			if genesisFile != "" {
				if o.Genesis, err = cmttypes.GenesisDocFromFile(genesisFile); err != nil {
					return fmt.Errorf("--genesis: %w", err)
				}
			}
			if !noProgress {
				o.Progress = cmd.ErrOrStderr()
			}
			if !noState {
				o.State = audit.APIState{C: g.Client()}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "auditing the chain served by %s with %d workers on %d cores\n", o.Label, max(o.Workers, runtime.NumCPU()), runtime.NumCPU())
			rep, err := audit.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if report != "" {
				if err := rep.WriteFile(report); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "report written to %s\n", report)
			}
			if err := g.Emit(cmd.OutOrStdout(), rep, func(w io.Writer) { printReport(w, rep) }); err != nil {
				return err
			}
			if !rep.OK {
				return fmt.Errorf("audit FAILED: %d failures (first at height %d: %s)", rep.FailureCount, rep.Failures[0].Height, rep.Failures[0].Kind)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&rpc, "rpc", "", "CometBFT RPC of the audited node (default $GOVCHAIN_RPC, else the port below --node's)")
	f.StringVar(&archiveDir, "archive", "", "audit the blocks of an archive (govchain archive export) instead of a node's; no state check")
	f.Int64Var(&o.From, "from", 0, "first height whose commits are verified and txs counted (the replay still starts at the genesis)")
	f.Int64Var(&o.To, "to", 0, "last height replayed (default: the node's latest - 1)")
	f.IntVar(&o.Workers, "workers", 0, "signature verification workers (default: all cores)")
	f.StringVar(&o.Checkpoint, "checkpoint", "", "file to resume from and save progress to")
	f.StringVar(&genesisFile, "genesis", "", "the network's genesis.json as you obtained it independently (default: trust the node's, and print its hash)")
	f.StringVar(&report, "report", "", "write the report to FILE (.json, .csv or .xlsx)")
	f.BoolVar(&noProgress, "no-progress", false, "no progress bar on stderr")
	f.BoolVar(&noState, "no-state-check", false, "skip reading the node's state with proofs after the replay")
	f.IntVar(&o.StateSample, "state-sample", 0, "check only every n-th state key (0: all)")
	c.AddCommand(compareCmd(g))
	return c
}

func printReport(w io.Writer, r *audit.Report) {
	fmt.Fprint(w, r.Summary())
	if len(r.ByDept) > 0 {
		fmt.Fprintln(w)
		table(w, "DEPT\tTYPE\tTXS\tREJECTED", func(tw io.Writer) {
			for _, c := range r.ByDept {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", orDashCLI(c.Dept), c.Type, c.Txs, c.Rejected)
			}
		})
	}
	for _, e := range r.Equivocations {
		fmt.Fprintf(w, "EQUIVOCATION: validator %s at height %d round %d: %s vs %s (%s)\n", e.Validator, e.Height, e.Round, e.BlockA, e.BlockB, e.Source)
	}
	if len(r.Anomalies) > 0 {
		fmt.Fprintf(w, "\nanomalies (%d):\n", r.AnomalyCount)
		for _, a := range r.Anomalies {
			fmt.Fprintf(w, "  %s\n", findingText(a))
		}
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(w, "\nFAILURES (%d):\n", r.FailureCount)
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  %s\n", findingText(f))
		}
	}
}

func findingText(f audit.Finding) string {
	var b strings.Builder
	if f.Height > 0 {
		fmt.Fprintf(&b, "height %d ", f.Height)
	}
	if f.Tx != "" {
		fmt.Fprintf(&b, "tx %d %s ", f.Index, shortHash(f.Tx))
	}
	if f.Dept != "" || f.Type != "" {
		fmt.Fprintf(&b, "(%s %s) ", orDashCLI(f.Dept), f.Type)
	}
	fmt.Fprintf(&b, "[%s] %s", f.Kind, f.Reason)
	return b.String()
}

func compareCmd(g *globals) *cobra.Command {
	var nodes string
	var noEvidence bool
	c := &cobra.Command{
		Use:   "compare",
		Short: "Check that nodes agree on every header; find the first divergence and double signers",
		Long: `Reads the headers of two or more nodes (CometBFT RPC addresses; the first is
the reference) and compares header hashes computed locally. Nodes that disagree
at their highest common height are binary-searched for the first divergent
height (each header names its predecessor's hash, so once headers differ they
differ forever). At that height the two commits are compared: a validator that
signed both blocks double-signed, proven by two valid signatures. The reference
node's blocks are also scanned for evidence of double signing (--no-evidence
skips that). Exits non-zero when the nodes disagree.`,
		Example: `  govchain audit compare --nodes 127.0.0.1:26601,127.0.0.1:26611,127.0.0.1:26621,127.0.0.1:26631
  govchain audit compare --nodes node-a:26657,node-b:26657 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var names []string
			var srcs []audit.HeaderSource
			for _, n := range strings.Split(nodes, ",") {
				n = strings.TrimSpace(n)
				if n == "" {
					continue
				}
				s, err := audit.NewRPCSource(n)
				if err != nil {
					return err
				}
				names, srcs = append(names, n), append(srcs, s)
			}
			if len(srcs) < 2 {
				return fmt.Errorf("--nodes needs at least two CometBFT RPC addresses, comma-separated")
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			o := audit.CompareOptions{ScanEvidence: !noEvidence}
			if g.Output != "json" {
				o.Progress = func(format string, args ...any) { fmt.Fprintf(cmd.ErrOrStderr(), format, args...) }
			}
			rep, err := audit.Compare(ctx, names, srcs, o)
			if err != nil {
				return err
			}
			if err := g.Emit(cmd.OutOrStdout(), rep, func(w io.Writer) { printCompare(w, rep) }); err != nil {
				return err
			}
			if !rep.Agree {
				d := rep.Divergences[0]
				return fmt.Errorf("nodes DISAGREE: %s diverges from %s at height %d", d.Node, d.Reference, d.Height)
			}
			return nil
		},
	}
	c.Flags().StringVar(&nodes, "nodes", os.Getenv("GOVCHAIN_COMPARE_NODES"), "CometBFT RPC addresses, comma-separated; the first is the reference")
	c.Flags().BoolVar(&noEvidence, "no-evidence", false, "do not scan the reference node's blocks for evidence")
	return c
}

func printCompare(w io.Writer, r *audit.CompareReport) {
	fmt.Fprintf(w, "chain %s, highest common height %d\n", r.ChainID, r.Common)
	table(w, "NODE\tLATEST\tGENESIS", func(tw io.Writer) {
		for _, n := range r.Nodes {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", n.Node, n.Latest, shortHash(n.GenesisHash))
		}
	})
	if r.Agree {
		fmt.Fprintf(w, "all nodes report the same header at every common height (checked at %d; earlier headers are fixed by the hash links)\n", r.Common)
	}
	for _, d := range r.Divergences {
		if d.Height == 0 {
			fmt.Fprintf(w, "DIVERGENCE: %s vs %s: %s\n", d.Node, d.Reference, d.Note)
			continue
		}
		fmt.Fprintf(w, "DIVERGENCE: %s differs from %s from height %d on (found in %d probes)\n", d.Node, d.Reference, d.Height, d.Probes)
		fmt.Fprintf(w, "  %s: header %s time %s app hash %s data %s\n", d.Reference, d.RefHeader.Hash, d.RefHeader.Time, shortHash(d.RefHeader.AppHash), shortHash(d.RefHeader.DataHash))
		fmt.Fprintf(w, "  %s: header %s time %s app hash %s data %s\n", d.Node, d.NodeHeader.Hash, d.NodeHeader.Time, shortHash(d.NodeHeader.AppHash), shortHash(d.NodeHeader.DataHash))
		fmt.Fprintf(w, "  %s\n", d.Note)
		for _, e := range d.Equivocations {
			fmt.Fprintf(w, "  DOUBLE SIGNING: validator %s signed %s and %s at height %d round %d\n", e.Validator, shortHash(e.BlockA), shortHash(e.BlockB), e.Height, e.Round)
		}
	}
	if r.EvidenceScanned {
		fmt.Fprintf(w, "evidence in blocks up to %d: %d verified double-signing records\n", r.Common, len(r.Evidence))
		for _, e := range r.Evidence {
			fmt.Fprintf(w, "  validator %s at height %d round %d (%s)\n", e.Validator, e.Height, e.Round, e.Source)
		}
		for _, e := range r.EvidenceErrors {
			fmt.Fprintf(w, "  %s\n", findingText(e))
		}
	}
}
