package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/cli/clikit"
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
			pass, err := clikit.ReadPassphrase(passFile)
			if err != nil {
				return err
			}
			o.Passphrase = pass
			info, err := node.InitHome(node.Home(g.Home), o)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), info, func(w io.Writer) {
				fmt.Fprintf(w, "initialised %s for department %s\n  node id:          %s\n  validator address: %s\n  SM2 key:          %s (encrypted)\n  genesis input:    %s\n",
					g.Home, info.Code, info.NodeID, info.ValidatorAddress, node.Home(g.Home).Path("keys", "dept.pem"), node.Home(g.Home).DeptInfoFile())
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
	initCmd.Flags().Int64Var(&o.KeepRecent, "keep-recent", 0, fmt.Sprintf("state versions kept (0: %d, the default; -1: every version, an archive node); written to config/govchain.json", node.DefaultKeepRecent))
	_ = initCmd.MarkFlagRequired("dept")

	var startPass string
	startCmd := &cobra.Command{
		Use:     "start",
		Short:   "Run the validator until SIGINT/SIGTERM",
		Example: "  govchain node start --home /srv/govchain --passphrase-file /etc/govchain/passphrase",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := clikit.ReadPassphrase(startPass)
			if err != nil {
				return fmt.Errorf("the node signs an SM2 attestation of every block with the department key: %w", err)
			}
			// GOGC 200 and a soft memory limit, unless the environment
			// sets them (node/runtime.go).
			node.SetRuntimeDefaults()
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n, err := node.Start(ctx, node.Home(g.Home), cmd.ErrOrStderr(), pass)
			if err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				fmt.Fprintln(cmd.ErrOrStderr(), "shutting down: stopping API, consensus, then state store")
				n.Stop()
				return nil
			case <-n.DiskLow():
				// stopped in order while the volume still has room; back
				// once space is freed, block-syncing what it missed
				fmt.Fprintln(cmd.ErrOrStderr(), "data volume nearly full: stopping API, consensus, then state store; waiting for space")
				n.Stop()
				if err := node.WaitForDisk(ctx, node.Home(g.Home), cmd.ErrOrStderr()); err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "space freed: starting the node again")
				return node.Reexec()
			case err := <-n.Halted():
				fmt.Fprintln(cmd.ErrOrStderr(), "halting: stopping API, consensus, then state store")
				n.Stop()
				return err
			}
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
			if err := node.SetPeers(node.Home(g.Home), peers); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s now dials %d persistent peers\n", g.Home, len(peers))
			return nil
		},
	}
	c.AddCommand(initCmd, startCmd, setPeers, stateSyncCmd(g), backupCmd(g), restoreCmd(g), rotateValidatorCmd(g))
	return c
}

// stateSyncCmd configures a new node to join by state sync.
func stateSyncCmd(g *globals) *cobra.Command {
	var rpcs, trustFile, hash string
	var height int64
	var period time.Duration
	c := &cobra.Command{
		Use:   "state-sync",
		Short: "Make a new (empty) node join by state sync instead of replaying every block",
		Long: `On its first start the node fetches the newest state snapshot its peers
offer, checks every chunk's SM3 digest, rebuilds the state and accepts it
only if its root is the app hash of a header the light client verified from
your trust root; then it block-syncs the few blocks after the snapshot.

The trust root is a header you trust: a trust.json from
` + "`govchain verify init-trust --nodes A,B`" + ` (two departments' nodes that
agree), or --trust-height and --trust-hash from the district.`,
		Example: `  govchain verify init-trust --nodes 10.1.2.3:26680,10.1.2.4:26680 --out trust.json
  govchain node state-sync --home /srv/govchain --rpc-servers 10.1.2.3:26657,10.1.2.4:26657 --trust trust.json
  govchain node state-sync --home /srv/govchain --rpc-servers A:26657,B:26657 --trust-height 120000 --trust-hash 3F1C…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := trustOptions(rpcs, trustFile, height, hash, period)
			if err != nil {
				return err
			}
			if err := node.ConfigureStateSync(node.Home(g.Home), o); err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), map[string]any{"home": g.Home, "state_sync": true, "trust_height": o.TrustHeight, "trust_hash": o.TrustHash, "rpc_servers": o.RPCServers}, func(w io.Writer) {
				fmt.Fprintf(w, "%s will join by state sync from header %d (%s); start it with `govchain node start --home %s`\n", g.Home, o.TrustHeight, o.TrustHash, g.Home)
			})
		},
	}
	trustFlags(c, &rpcs, &trustFile, &height, &hash, &period)
	return c
}

func trustFlags(c *cobra.Command, rpcs, trustFile *string, height *int64, hash *string, period *time.Duration) {
	c.Flags().StringVar(rpcs, "rpc-servers", "", "CometBFT RPC addresses of at least two nodes, comma-separated (required)")
	c.Flags().StringVar(trustFile, "trust", "", "trust root file from `govchain verify init-trust`")
	c.Flags().Int64Var(height, "trust-height", 0, "height of a header you trust")
	c.Flags().StringVar(hash, "trust-hash", "", "hash of that header (hex)")
	c.Flags().DurationVar(period, "trusting-period", 168*time.Hour, "how old the trusted header may be")
}

// trustOptions turns the trust flags into state-sync options.
func trustOptions(rpcs, trustFile string, height int64, hash string, period time.Duration) (node.StateSyncOptions, error) {
	o := node.StateSyncOptions{TrustHeight: height, TrustHash: hash, TrustPeriod: period}
	for _, s := range strings.Split(rpcs, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.RPCServers = append(o.RPCServers, s)
		}
	}
	if trustFile != "" {
		if height != 0 || hash != "" {
			return o, fmt.Errorf("give either --trust or --trust-height/--trust-hash, not both")
		}
		t, err := readTrust(trustFile)
		if err != nil {
			return o, err
		}
		o.TrustHeight, o.TrustHash = t.Height, t.Hash
	}
	return o, nil
}

// backupCmd copies a running node's newest snapshot, config and keys.
func backupCmd(g *globals) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "backup",
		Short: "Copy a node's newest state snapshot, configuration and keys into a new directory (the node may be running)",
		Long: `The copy is of the newest complete snapshot the node took (every
snapshot_interval blocks, config/govchain.json): a committed height, whole,
so it is consistent while the node keeps running. The department key stays
encrypted; keep the backup as safe as the keys themselves.`,
		Example: `  govchain node backup --home /srv/govchain --out /backup/govchain-$(date +%F)`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out DIR is required (a new directory)")
			}
			info, err := node.Backup(node.Home(g.Home), out)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), info, func(w io.Writer) {
				fmt.Fprintf(w, "backed up %s state at height %d (%d chunks, %d bytes) to %s\n", info.Dept, info.Height, info.Chunks, info.Bytes, out)
			})
		},
	}
	c.Flags().StringVar(&out, "out", "", "new directory for the backup (required)")
	return c
}

// restoreCmd restores a backup into a home whose data was lost.
func restoreCmd(g *globals) *cobra.Command {
	var from, rpcs, trustFile, hash string
	var height int64
	var period time.Duration
	c := &cobra.Command{
		Use:   "restore",
		Short: "Restore a backup into a node whose data was lost, then rejoin by block sync from the backup's height",
		Long: `The backup's state is accepted only if it rebuilds the app hash that
CometBFT's light client verifies from your trust root (as state sync does);
CometBFT's own state is bootstrapped at the same height, and the validator's
last-signed height is set past the chain's current one so it never signs a
height twice. Start the node afterwards; it block-syncs the rest.`,
		Example: `  govchain node restore --home /srv/govchain --from /backup/govchain-2026-12-01 --rpc-servers 10.1.2.3:26657,10.1.2.4:26657 --trust trust.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return fmt.Errorf("--from DIR (a directory made by `govchain node backup`) is required")
			}
			o, err := trustOptions(rpcs, trustFile, height, hash, period)
			if err != nil {
				return err
			}
			info, err := node.Restore(cmd.Context(), node.Home(g.Home), from, node.RestoreOptions{StateSyncOptions: o})
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), info, func(w io.Writer) {
				fmt.Fprintf(w, "restored %s state at height %d into %s; start it with `govchain node start --home %s`\n", info.Dept, info.Height, g.Home, g.Home)
			})
		},
	}
	c.Flags().StringVar(&from, "from", "", "backup directory (required)")
	trustFlags(c, &rpcs, &trustFile, &height, &hash, &period)
	return c
}
