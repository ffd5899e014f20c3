package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/testnet"
)

const defaultTestnetDir = ".testnets/local"

func testnetCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "testnet", Short: "Run a local multi-validator network on 127.0.0.1"}
	var dir string
	var validators, basePort int
	var foreground bool
	start := &cobra.Command{
		Use:   "start",
		Short: "Create (if needed) and start N validator processes",
		Example: `  govchain testnet start --validators 4
  govchain testnet start --validators 4 --dir /tmp/net --base-port 30000
  govchain testnet start --foreground      # nodes stop on Ctrl-C`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			net, created, err := openOrCreate(dir, validators, basePort)
			if err != nil {
				return err
			}
			if err := startAndReport(cmd, g, net, created, foreground); err != nil {
				return err
			}
			if foreground {
				return runForeground(cmd, net)
			}
			return nil
		},
	}
	start.Flags().BoolVar(&foreground, "foreground", false, "stay attached: Ctrl-C (or the end of this process) stops the network")
	start.Flags().StringVar(&dir, "dir", defaultTestnetDir, "network directory")
	start.Flags().IntVar(&validators, "validators", 4, "number of validators (departments), 1-8")
	start.Flags().IntVar(&basePort, "base-port", 26600, "node i listens on base+10i (p2p), +1 (rpc), +2 (api), +3 (metrics)")

	stop := &cobra.Command{
		Use: "stop", Short: "Stop the network's processes (data is kept)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			net, err := testnet.Load(dir)
			if err != nil {
				return err
			}
			if err := net.Stop(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stopped %d nodes in %s (start again with `govchain testnet start --dir %s`)\n", len(net.Nodes), dir, dir)
			return nil
		},
	}
	stop.Flags().StringVar(&dir, "dir", defaultTestnetDir, "network directory")

	status := &cobra.Command{
		Use: "status", Short: "Show each node's process, height and app hash", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			net, err := testnet.Load(dir)
			if err != nil {
				return err
			}
			return printNetwork(cmd, g, net)
		},
	}
	status.Flags().StringVar(&dir, "dir", defaultTestnetDir, "network directory")
	c.AddCommand(start, stop, status, testnetDockerCmd(g))
	return c
}

func openOrCreate(dir string, validators, basePort int) (*testnet.Network, bool, error) {
	if _, err := os.Stat(dir + "/testnet.json"); err == nil {
		n, err := testnet.Load(dir)
		return n, false, err
	}
	n, err := testnet.Create(dir, testnet.Options{Validators: validators, BasePort: basePort, GenesisModules: testnet.DemoGenesis(), Grants: testnet.DemoGrants})
	return n, true, err
}

// startAndReport starts the nodes that are not running: detached (they
// outlive this command) unless foreground, where they die with it.
func startAndReport(cmd *cobra.Command, g *globals, net *testnet.Network, created, foreground bool) error {
	net.Detach = !foreground
	w := cmd.ErrOrStderr()
	if created {
		fmt.Fprintf(w, "created %d-validator network %s in %s\n", len(net.Nodes), net.ChainID, net.Dir)
	}
	for i := range net.Nodes {
		if net.Running(i) {
			continue
		}
		if err := net.StartNode(i); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "waiting for the first blocks...\n")
	ctx, cancel := context.WithTimeout(cmd.Context(), 90*time.Second)
	defer cancel()
	if err := net.WaitReady(ctx); err != nil {
		return err
	}
	return printNetwork(cmd, g, net)
}

// NodeStatus is one row of `testnet status`.
type NodeStatus struct {
	Index   int    `json:"index"`
	Dept    string `json:"dept"`
	Running bool   `json:"running"`
	API     string `json:"api"`
	RPC     string `json:"rpc"`
	Height  int64  `json:"height"`
	AppHash string `json:"app_hash"`
	Error   string `json:"error,omitempty"`
}

func printNetwork(cmd *cobra.Command, g *globals, net *testnet.Network) error {
	var rows []NodeStatus
	for i, ni := range net.Nodes {
		r := NodeStatus{Index: i, Dept: ni.Dept, Running: net.Running(i), API: ni.API, RPC: ni.RPC}
		if r.Running {
			ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
			s, err := net.Client(i).Status(ctx)
			cancel()
			if err != nil {
				r.Error = err.Error()
			} else {
				r.Height, r.AppHash = s.Height, s.AppHash
			}
		}
		rows = append(rows, r)
	}
	return g.Emit(cmd.OutOrStdout(), map[string]any{"chain_id": net.ChainID, "dir": net.Dir, "nodes": rows}, func(w io.Writer) {
		fmt.Fprintf(w, "chain %s (%s)\n%-3s %-6s %-8s %-17s %-8s %s\n", net.ChainID, net.Dir, "#", "DEPT", "PROCESS", "API", "HEIGHT", "APP HASH")
		for _, r := range rows {
			state := "running"
			if !r.Running {
				state = "stopped"
			}
			hash := r.AppHash
			if len(hash) > 16 {
				hash = hash[:16] + "…"
			}
			if r.Error != "" {
				hash = "(" + r.Error + ")"
			}
			fmt.Fprintf(w, "%-3d %-6s %-8s %-17s %-8d %s\n", r.Index, r.Dept, state, r.API, r.Height, hash)
		}
	})
}

// runForeground waits for Ctrl-C or SIGTERM, then stops the network. The
// nodes were started attached, so they die with this process even if it is
// killed outright.
func runForeground(cmd *cobra.Command, net *testnet.Network) error {
	sig, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintln(cmd.OutOrStdout(), "\nrunning in the foreground; Ctrl-C stops the network")
	<-sig.Done()
	return net.Stop()
}
