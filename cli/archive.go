package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/node/archive"
	"github.com/govchain/govchain/node/audit"
)

func archiveCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "archive", Short: "Keep the chain's blocks in compressed, hash-chained segment files (for pruned nodes and audits)"}
	var rpc, out string
	var o archive.ExportOptions
	export := &cobra.Command{
		Use:   "export",
		Short: "Append a node's blocks (with commits and results) after the archive's last height to DIR",
		Long: `Reads blocks from a node's CometBFT RPC and writes them, SegmentBlocks heights a
file, as gzip'd JSON lines; each segment names the SM3 of the one before it and
DIR/manifest.json lists them all with the genesis and the last height's commit.
Run it again later to append the new blocks (e.g. daily, before the nodes prune).
Nothing in the archive is trusted: ` + "`govchain audit --archive DIR`" + ` checks every block
and commit as an audit against a node does.`,
		Example: `  govchain archive export --rpc 127.0.0.1:26601 --out /archive/chaoyang-1
  govchain archive verify /archive/chaoyang-1
  govchain audit --archive /archive/chaoyang-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out DIR is required")
			}
			if rpc == "" {
				rpc = rpcFor(g.Node)
			}
			src, err := audit.NewRPCSource(rpc)
			if err != nil {
				return err
			}
			o.Progress = func(to int64) { fmt.Fprintf(cmd.ErrOrStderr(), "archived up to height %d\n", to) }
			m, err := archive.Export(cmd.Context(), src, out, o)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), m.Segments, func(w io.Writer) {
				fmt.Fprintf(w, "%s: %d segments, heights 1..%d of %s\n", out, len(m.Segments), m.Last(), m.ChainID)
			})
		},
	}
	export.Flags().StringVar(&rpc, "rpc", "", "CometBFT RPC of the node to read (default: the port below --node's)")
	export.Flags().StringVar(&out, "out", "", "archive directory (created, or appended to)")
	export.Flags().Int64Var(&o.SegmentBlocks, "segment-blocks", 1000, "heights a segment file holds")
	export.Flags().Int64Var(&o.To, "to", 0, "last height to archive (default: the node's latest - 1)")

	verify := &cobra.Command{
		Use:     "verify DIR",
		Short:   "Check an archive alone: segment hashes and their chain, heights without gaps, block hashes and links",
		Example: `  govchain archive verify /archive/chaoyang-1`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			from, to, err := archive.Verify(args[0])
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), map[string]any{"ok": true, "from": from, "to": to}, func(w io.Writer) {
				fmt.Fprintf(w, "archive %s OK: heights %d..%d, every segment's SM3 and hash chain, every block's hash and link\n", args[0], from, to)
			})
		},
	}
	c.AddCommand(export, verify)
	return c
}
