package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/testnet"
)

func demoCmd(g *globals) *cobra.Command {
	var dir string
	var reset, foreground bool
	var basePort int
	c := &cobra.Command{
		Use:   "demo",
		Short: "Start a 4-validator local network, load demo data, show what to try next",
		Example: `  go run ./cmd/govchain demo
  govchain demo --reset          # start over with a fresh network
  govchain demo --foreground     # stop the network on Ctrl-C`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if reset {
				if n, err := testnet.Load(dir); err == nil {
					_ = n.Stop()
				}
				if err := os.RemoveAll(dir); err != nil {
					return err
				}
			}
			net, created, err := openOrCreate(dir, 4, basePort)
			if err != nil {
				return err
			}
			if err := startAndReport(cmd, g, net, created, foreground); err != nil {
				return err
			}
			if foreground {
				defer net.Stop() // also on an error below: attached nodes do not outlive the demo
			}
			w := cmd.OutOrStdout()
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			if created {
				fmt.Fprintln(w, "\nloading demo data (signed transactions from each department):")
				if err := testnet.SeedDemo(ctx, net, w); err != nil {
					return fmt.Errorf("demo data: %w", err)
				}
			} else {
				fmt.Fprintln(w, "\nnetwork already had its demo data (use --reset to start over)")
			}
			s0, err := net.Client(0).Status(ctx)
			if err != nil {
				return err
			}
			time.Sleep(3 * time.Second)
			s1, err := net.Client(0).Status(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "\n%d validators producing blocks: height %d -> %d in 3 s\n", s1.Validators, s0.Height, s1.Height)
			fmt.Fprint(w, testnet.NextSteps(net))
			if !foreground {
				fmt.Fprintf(w, "\nThe network keeps running in the background. Stop it with:\n  govchain testnet stop --dir %s\n", dir)
				return nil
			}
			return runForeground(cmd, net)
		},
	}
	c.Flags().StringVar(&dir, "dir", ".testnets/demo", "network directory")
	c.Flags().BoolVar(&reset, "reset", false, "stop and delete an existing demo network first")
	c.Flags().BoolVar(&foreground, "foreground", false, "stay attached: Ctrl-C (or the end of this process) stops the network")
	c.Flags().IntVar(&basePort, "base-port", 26600, "first port (node i uses base+10i .. +3)")
	return c
}
