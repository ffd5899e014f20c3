package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/testnet/bench"
)

func benchCmd(g *globals) *cobra.Command {
	var o bench.Options
	var only, markdown string
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure a local 4-validator network against its engine limits (one table)",
		Long: `Runs, one after another on this machine, local networks of 4 validator processes
and prints one table:

  - SM2 verify time on one core (chain/smcrypto);
  - the no-op app with unsigned txs of the signed txs' size (the engine limit),
    the IAVL-only app (each tx written to IAVL, no signatures) and govchain with
    SM2-signed certificate.anchor txs, each saturated for a sustained window after
    a warm-up, with p50/p99 commit latency; the ratios govchain ÷ no-op and
    govchain ÷ CPU-model limit 1/(1/IAVL + 4 × verify ÷ cores);
  - commit latency at half the govchain rate measured in the same run (goal p99
    ≤ 1.5 s); certificates/s in batches of 10,000 and
    one a tx; verify-with-proof queries/s on one node; audit replay ÷ SM2 verify
    limit (node/audit); attestations on ÷ off;
  - the app's own memory (and total RSS) and disk bytes per record after 1M
    certificate records, measured settled at 0.5M and 1M under the node's default
    pruning and runtime settings (a child process feeding FinalizeBlock batches).

Txs are signed before the timed windows by many signers; each signer's txs go in
sequence order to its department's node over a CometBFT RPC websocket. Commit
times come from node 0's NewBlockHeader events; inclusion heights from its blocks.
--quick shortens every window (8 s) and stores 100,000 records (memory and disk
measured at 50,000 and 100,000; the goals are judged at 1M, so --quick gives no
verdict there) to finish in under 3 minutes. The machine should be otherwise idle: the load
average at start and end is in the header.`,
		Example: `  govchain bench --quick
  govchain bench -o json > bench.json
  govchain bench --profile prof/ --only noop,govchain   # CPU profiles of node 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if only != "" {
				o.Only = map[string]bool{}
				for _, p := range strings.Split(only, ",") {
					p = strings.TrimSpace(p)
					if !contains(bench.Phases, p) {
						return fmt.Errorf("--only: unknown phase %q (phases: %s)", p, strings.Join(bench.Phases, ", "))
					}
					o.Only[p] = true
				}
			}
			o.Progress = cmd.ErrOrStderr()
			o.Command = "govchain " + strings.Join(os.Args[1:], " ")
			rep, err := bench.Run(ctx, o)
			if err != nil {
				return err
			}
			if markdown != "" {
				f, err := os.Create(markdown)
				if err != nil {
					return err
				}
				rep.WriteMarkdown(f)
				if err := f.Close(); err != nil {
					return err
				}
			}
			return g.Emit(cmd.OutOrStdout(), rep, func(w io.Writer) { rep.WriteTable(w) })
		},
	}
	f := c.Flags()
	f.BoolVar(&o.Quick, "quick", false, "short windows and 100,000 records (under 3 minutes)")
	f.StringVar(&o.Dir, "dir", "", "working directory for the networks (default: a temporary one)")
	f.BoolVar(&o.Keep, "keep", false, "keep the networks' directories (logs) after the run")
	f.StringVar(&o.Profile, "profile", "", "write CPU profiles of node 0 during each saturated window (and a heap profile) to this directory")
	f.StringVar(&only, "only", "", "run only these phases: "+strings.Join(bench.Phases, ","))
	f.DurationVar(&o.Window, "window", 0, "measured window of saturated runs (default 30s, --quick 8s)")
	f.DurationVar(&o.Warmup, "warmup", 0, "warm-up before each window (default 10s, --quick 3s)")
	f.IntVar(&o.Records, "records", 0, "records stored for the memory/disk rows (default 1,000,000, --quick 100,000)")
	f.StringVar(&markdown, "markdown", "", "also write the table as Markdown to this file")
	f.IntVar(&o.MempoolSize, "mempool-size", 0, "CometBFT mempool.size of every bench node (default: the testnet's)")
	f.DurationVar(&o.TimeoutCommit, "timeout-commit", 0, "CometBFT timeout_commit of every bench network (default: the testnet's)")
	f.BoolVar(&o.SaturatedOnly, "saturated-only", false, "on the govchain network, measure only the saturated throughput (tuning runs)")
	_ = f.MarkHidden("saturated-only")
	c.AddCommand(benchNodeCmd(g), benchRecordsCmd(g))
	return c
}

// benchNodeCmd runs a validator with a bench app (hidden: bench networks
// start it; the production node is `govchain node start`).
func benchNodeCmd(g *globals) *cobra.Command {
	var app string
	c := &cobra.Command{
		Use:    "node",
		Short:  "Run a validator with the no-op or IAVL-only bench app",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return bench.RunNode(ctx, node.Home(g.Home), app, cmd.ErrOrStderr())
		},
	}
	c.Flags().StringVar(&app, "app", bench.AppNoop, "noop or iavl")
	return c
}

// benchRecordsCmd stores records through the app in this process and
// reports its memory and disk (hidden: `govchain bench` runs it).
func benchRecordsCmd(g *globals) *cobra.Command {
	var dir, heap, tune string
	var n, per int
	var settle time.Duration
	c := &cobra.Command{
		Use:    "records",
		Short:  "Store N certificate records through the app; report RSS and disk",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return fmt.Errorf("--dir is required")
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, err := bench.RunRecords(ctx, dir, n, per, settle, cmd.ErrOrStderr(), heap, tune)
			if err != nil {
				return err
			}
			if g.Output == "json" {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d records in %s: RSS %d MiB (peak %d MiB), disk %d B (%.0f B/record)\n",
				res.Records, time.Duration(res.Seconds*float64(time.Second)).Round(time.Millisecond), res.RSS>>20, res.HWM>>20, res.Disk, res.PerRecord)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "state directory (created)")
	c.Flags().IntVar(&n, "records", 100_000, "records to store")
	c.Flags().IntVar(&per, "per-block", 1000, "anchor txs a block")
	c.Flags().DurationVar(&settle, "settle", 10*time.Second, "idle time after the last block before the memory is read")
	c.Flags().StringVar(&heap, "heap-profile", "", "write a heap profile at the end to this file")
	c.Flags().StringVar(&tune, "tune", "", "A/B: change the node's defaults, e.g. cache=100000,keep=0,nofast=1,memlimit=0,basetable=1,compression=zstd (testnet/bench/records.go applyTune)")
	return c
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
