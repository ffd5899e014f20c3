package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/node"
)

func genesisCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "genesis", Short: "Build a network's genesis from the founding departments"}
	var chainID, out string
	var rootCAs []string
	var power int64
	build := &cobra.Command{
		Use:   "build DEPT_JSON...",
		Short: "Combine the founding departments' config/dept.json files into genesis.json",
		Example: `  govchain genesis build --chain-id chaoyang-1 zwfw.json scjg.json rsj.json wjw.json -o genesis.json
  # copy genesis.json to HOME/config/genesis.json on every node`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var infos []node.DeptInfo
			for _, p := range args {
				b, err := clikit.ReadFileMax(p, clikit.MaxDataFile)
				if err != nil {
					return err
				}
				var d node.DeptInfo
				if err := json.Unmarshal(b, &d); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
				infos = append(infos, d)
			}
			var roots [][]byte
			for _, f := range rootCAs {
				b, err := clikit.ReadFileMax(f, clikit.MaxDataFile)
				if err != nil {
					return err
				}
				c, err := ca.ParsePEM(b)
				if err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
				roots = append(roots, c.Raw)
			}
			doc, err := node.BuildGenesis(node.GenesisOptions{ChainID: chainID, Power: power, RootCAs: roots}, infos)
			if err != nil {
				return err
			}
			if err := doc.SaveAs(out); err != nil {
				return err
			}
			var peers []string
			for _, d := range infos {
				peers = append(peers, d.NodeID+"@"+d.P2PAddress)
			}
			return g.Emit(cmd.OutOrStdout(), map[string]any{"file": out, "chain_id": chainID, "validators": len(infos), "peers": peers}, func(w io.Writer) {
				fmt.Fprintf(w, "wrote %s: chain %s with %d founding departments\n", out, chainID, len(infos))
				fmt.Fprintf(w, "peers (for `govchain node set-peers` on each node; each node skips its own entry):\n  %s\n", strings.Join(peers, ","))
			})
		},
	}
	build.Flags().StringVar(&chainID, "chain-id", "", "chain id (required)")
	build.Flags().StringVarP(&out, "out", "O", "genesis.json", "output file")
	build.Flags().StringSliceVar(&rootCAs, "root-ca", nil, "district root CA certificate file(s) (from `govchain ca init`)")
	build.Flags().Int64Var(&power, "power", 10, "voting power of each founding validator")
	_ = build.MarkFlagRequired("chain-id")
	c.AddCommand(build)
	return c
}
