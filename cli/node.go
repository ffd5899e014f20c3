package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/node"
)

func nodeCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "node", Short: "Set up and run a department's validator node"}
	var o node.InitOptions
	var passFile string
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Create a node home: consensus keys, the department's SM2 key, config",
		Example: `  GOVCHAIN_PASSPHRASE=... govchain node init --home /srv/govchain --dept SCJG --name "市场监督管理局" \
      --p2p 0.0.0.0:26656 --p2p-external 10.1.2.3:26656
  # then send config/dept.json to whoever builds the genesis (govchain genesis build)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := readPassphrase(passFile)
			if err != nil {
				return err
			}
			o.Passphrase = pass
			info, err := node.InitHome(node.Home(g.home), o)
			if err != nil {
				return err
			}
			return g.emit(cmd.OutOrStdout(), info, func(w io.Writer) {
				fmt.Fprintf(w, "initialised %s for department %s\n  node id:          %s\n  validator address: %s\n  SM2 key:          %s (encrypted)\n  genesis input:    %s\n",
					g.home, info.Code, info.NodeID, info.ValidatorAddress, node.Home(g.home).Path("keys", "dept.pem"), node.Home(g.home).DeptInfoFile())
			})
		},
	}
	initCmd.Flags().StringVar(&o.Dept, "dept", "", "department code, e.g. SCJG (required)")
	initCmd.Flags().StringVar(&o.DeptName, "name", "", "department name")
	initCmd.Flags().StringVar(&o.P2PListen, "p2p", "0.0.0.0:26656", "p2p listen address")
	initCmd.Flags().StringVar(&o.P2PExternal, "p2p-external", "", "address peers dial (default: --p2p)")
	initCmd.Flags().StringVar(&o.RPCListen, "rpc", "127.0.0.1:26657", "CometBFT RPC listen address")
	initCmd.Flags().StringVar(&o.APIListen, "api", "127.0.0.1:26680", "govchain HTTP API listen address")
	initCmd.Flags().StringVar(&o.PromListen, "prometheus", "127.0.0.1:26660", "Prometheus metrics listen address")
	initCmd.Flags().DurationVar(&o.TimeoutCommit, "timeout-commit", time.Second, "CometBFT timeout_commit (block interval)")
	initCmd.Flags().StringVar(&passFile, "passphrase-file", "", "file holding the passphrase for the SM2 key (else env GOVCHAIN_PASSPHRASE)")
	_ = initCmd.MarkFlagRequired("dept")

	var startPass string
	startCmd := &cobra.Command{
		Use:     "start",
		Short:   "Run the validator until SIGINT/SIGTERM",
		Example: "  govchain node start --home /srv/govchain --passphrase-file /etc/govchain/passphrase",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := readPassphrase(startPass)
			if err != nil {
				return fmt.Errorf("the node signs an SM2 attestation of every block with the department key: %w", err)
			}
			if os.Getenv("GOGC") == "" {
				// The daemon allocates mostly short-lived buffers (txs,
				// proofs, answers) over a modest live heap: collecting at
				// 200% growth halves the GC's CPU share for a larger peak
				// heap. GOGC in the environment overrides this.
				debug.SetGCPercent(200)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n, err := node.Start(ctx, node.Home(g.home), cmd.ErrOrStderr(), pass)
			if err != nil {
				return err
			}
			<-ctx.Done()
			fmt.Fprintln(cmd.ErrOrStderr(), "shutting down: stopping API, consensus, then state store")
			n.Stop()
			return nil
		},
	}
	startCmd.Flags().StringVar(&startPass, "passphrase-file", "", "passphrase of the department's SM2 key (else env GOVCHAIN_PASSPHRASE)")
	setPeers := &cobra.Command{
		Use:     "set-peers PEER[,PEER...]",
		Short:   "Write the persistent peers (node_id@host:port, as printed by `genesis build`) into config.toml",
		Example: `  govchain node set-peers --home /srv/govchain 2c3e7ce7...@10.1.2.4:26656,85e46d71...@10.1.2.5:26656`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var peers []string
			for _, p := range strings.Split(args[0], ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				if !strings.Contains(p, "@") {
					return fmt.Errorf("peer %q: want node_id@host:port", p)
				}
				peers = append(peers, p)
			}
			if err := node.SetPeers(node.Home(g.home), peers); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s now dials %d persistent peers\n", g.home, len(peers))
			return nil
		},
	}
	c.AddCommand(initCmd, startCmd, setPeers)
	return c
}
