// Package cli holds govchain's cobra commands; cmd/govchain only calls
// NewRoot.
package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/catalog-chain/catalogcli"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/certificate/certcli"
	"github.com/govchain/govchain/contracts/credit/creditcli"
	"github.com/govchain/govchain/contracts/gov/govcli"
	"github.com/govchain/govchain/contracts/recognition/reccli"
	"github.com/govchain/govchain/node/verify/web"
)

// globals are the global flags (clikit.Env, what module commands get) and
// the core commands' helpers.
type globals struct{ *clikit.Env }

// NewRoot builds the govchain command tree.
func NewRoot() *cobra.Command {
	g := &globals{Env: &clikit.Env{}}
	root := &cobra.Command{
		Use:   "govchain",
		Short: "Permissioned governance chain for district departments (SM2/SM3/SM4)",
		Long: `govchain runs a department's validator node and talks to a govchain network:
the data-catalog chain, e-certificate hashes, cross-province recognition and
credit events, all signed with SM2 and provable up to a block header.

Start here:
  govchain demo                      # 4 local validators with demo data
  govchain status                    # what the node at --node says
  govchain node init --help          # set up a department's validator`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if g.Output != "text" && g.Output != "json" {
				return fmt.Errorf("--output must be text or json")
			}
			return nil
		},
	}
	home, _ := os.UserHomeDir()
	root.PersistentFlags().StringVar(&g.Home, "home", envOr("GOVCHAIN_HOME", filepath.Join(home, ".govchain")), "node or client home directory (env GOVCHAIN_HOME)")
	root.PersistentFlags().StringVar(&g.Node, "node", envOr("GOVCHAIN_NODE", "http://127.0.0.1:26602"), "node API address (env GOVCHAIN_NODE); the demo's first node by default")
	root.PersistentFlags().StringVarP(&g.Output, "output", "o", "text", "output format: text or json")
	root.AddCommand(nodeCmd(g), genesisCmd(g), keysCmd(g), txCmd(g), queryCmd(g), statusCmd(g), testnetCmd(g), demoCmd(g), versionCmd(g), caCmd(g))
	root.AddCommand(exploreCmd(g), auditCmd(g), archiveCmd(g))
	root.AddCommand(verifyCmd(g))
	for _, m := range cliMounts {
		root.AddCommand(m(g.Env)...)
	}
	certVerifyCmds(g, root)
	recognitionRelayCmds(g, root)
	govBindingCmds(g, root)
	root.AddCommand(relayCmd(g))
	root.AddCommand(watchCmd(g), webhookCmd(g))
	root.AddCommand(benchCmd(g))
	return root
}

// cliMounts are the modules' commands (each module's …cli package,
// docs/architecture.md "Module layout").
var cliMounts = []func(*clikit.Env) []*cobra.Command{
	catalogcli.Commands,
	certcli.Commands,
	creditcli.Commands,
	reccli.Commands,
	govcli.Commands,
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func versionCmd(g *globals) *cobra.Command {
	return &cobra.Command{Use: "version", Short: "Print the version and whether the browser verifier is embedded", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := web.EmbeddedInfo()
			if err != nil {
				return err
			}
			v := struct {
				Version  string   `json:"version"`
				Go       string   `json:"go"`
				Verifier web.Info `json:"verifier"`
			}{Version, runtime.Version(), in}
			return g.Emit(cmd.OutOrStdout(), v, func(w io.Writer) {
				fmt.Fprintln(w, "govchain", Version, runtime.Version())
				if in.Embedded {
					fmt.Fprintf(w, "verifier: embedded, %.1f MiB of WebAssembly (%.1f MiB gzipped), SM3 %s, built by %s\n",
						float64(in.Size)/(1<<20), float64(in.GzipSize)/(1<<20), in.SM3, in.Go)
				} else {
					fmt.Fprintln(w, "verifier: not embedded (built on first use of /verify with the Go toolchain; release builds embed it: docs/deploy.md)")
				}
			})
		}}
}

// Version is set at build time with -ldflags "-X github.com/govchain/govchain/cli.Version=...".
var Version = "dev"
