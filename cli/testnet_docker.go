package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/testnet/docker"
)

const defaultDockerDir = ".testnets/docker"

// testnetDockerCmd is `govchain testnet docker up|down|status`: a network of
// validator containers on private bridge networks (testnet/docker).
func testnetDockerCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "docker", Short: "Run N validators as Docker containers (compose), one private link per pair"}
	var dir, image, binary, chainID string
	var validators, basePort int
	var build bool
	var timeoutCommit time.Duration
	up := &cobra.Command{
		Use:   "up",
		Short: "Generate (if needed) the homes and compose file, build the image if missing, start every container",
		Example: `  go generate ./node/verify/web
  CGO_ENABLED=0 go build -tags embedwasm -trimpath -o testnet/docker/govchain ./cmd/govchain
  govchain testnet docker up --validators 4 --build
  govchain testnet docker status
  govchain testnet docker down`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := docker.Available(ctx); err != nil {
				return err
			}
			w := cmd.ErrOrStderr()
			net, err := docker.Load(dir)
			if err != nil {
				if _, serr := os.Stat(filepath.Join(dir, "docker.json")); serr == nil {
					return err
				}
				net, err = docker.Generate(dir, docker.Options{Validators: validators, ChainID: chainID, Image: image, BasePort: basePort, TimeoutCommit: timeoutCommit})
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "generated %d validator homes, genesis and %s in %s (project %s, links in %s)\n",
					len(net.Nodes), docker.ComposeFile, net.Dir, net.Project, net.Subnet)
			}
			if build || !docker.ImageExists(ctx, net.Image) {
				fmt.Fprintf(w, "building image %s FROM scratch with %s\n", net.Image, binary)
				if err := docker.BuildImage(ctx, net.Image, binary); err != nil {
					return err
				}
			}
			fmt.Fprintf(w, "starting %d containers, waiting for the first blocks...\n", len(net.Nodes))
			if err := net.Up(ctx); err != nil {
				return err
			}
			return printDockerNetwork(cmd, g, net)
		},
	}
	up.Flags().StringVar(&dir, "dir", defaultDockerDir, "network directory (homes, genesis, docker-compose.yml)")
	up.Flags().IntVar(&validators, "validators", 4, "number of validators (departments), 1-8")
	up.Flags().StringVar(&image, "image", docker.DefaultImage, "image tag to run (built locally; nothing is pulled)")
	up.Flags().StringVar(&binary, "binary", filepath.Join("testnet", "docker", "govchain"), "static govchain binary for the image, with the verifier embedded ("+docker.BuildCommand+")")
	up.Flags().BoolVar(&build, "build", false, "rebuild the image even if the tag exists")
	up.Flags().IntVar(&basePort, "base-port", 0, "node i publishes RPC on 127.0.0.1:base+10i+1 and the API on +2 (0: find free ports)")
	up.Flags().StringVar(&chainID, "chain-id", "govchain-docker", "chain id of a new network")
	up.Flags().DurationVar(&timeoutCommit, "timeout-commit", 500*time.Millisecond, "CometBFT timeout_commit of a new network")

	down := &cobra.Command{
		Use: "down", Short: "Remove the containers and networks (homes and data stay in --dir)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			net, err := docker.Load(dir)
			if err != nil {
				return err
			}
			if err := net.Down(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d containers of %s (data kept in %s; `up` resumes the chain, rm -r the directory to start over)\n", len(net.Nodes), net.Project, net.Dir)
			return nil
		},
	}
	down.Flags().StringVar(&dir, "dir", defaultDockerDir, "network directory")

	status := &cobra.Command{
		Use: "status", Short: "Show each container's state, height and app hash", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			net, err := docker.Load(dir)
			if err != nil {
				return err
			}
			return printDockerNetwork(cmd, g, net)
		},
	}
	status.Flags().StringVar(&dir, "dir", defaultDockerDir, "network directory")
	c.AddCommand(up, down, status)
	return c
}

// DockerNodeStatus is one row of `testnet docker status`.
type DockerNodeStatus struct {
	Index     int    `json:"index"`
	Dept      string `json:"dept"`
	Container string `json:"container"`
	State     string `json:"state"`
	API       string `json:"api"`
	RPC       string `json:"rpc"`
	Height    int64  `json:"height"`
	AppHash   string `json:"app_hash"`
	Error     string `json:"error,omitempty"`
}

func printDockerNetwork(cmd *cobra.Command, g *globals, net *docker.Network) error {
	var rows []DockerNodeStatus
	for i, nd := range net.Nodes {
		r := DockerNodeStatus{Index: i, Dept: nd.Dept, Container: nd.Container, API: nd.API, RPC: nd.RPC}
		r.State, _ = net.State(cmd.Context(), i)
		if r.State == "running" {
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
	out := map[string]any{"chain_id": net.ChainID, "dir": net.Dir, "project": net.Project, "image": net.Image, "nodes": rows}
	return g.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
		fmt.Fprintf(w, "chain %s, compose project %s, image %s (%s)\n%-3s %-6s %-24s %-8s %-17s %-8s %s\n",
			net.ChainID, net.Project, net.Image, net.Dir, "#", "DEPT", "CONTAINER", "STATE", "API", "HEIGHT", "APP HASH")
		for _, r := range rows {
			hash := r.AppHash
			if len(hash) > 16 {
				hash = hash[:16] + "…"
			}
			if r.Error != "" {
				hash = "(" + r.Error + ")"
			}
			fmt.Fprintf(w, "%-3d %-6s %-24s %-8s %-17s %-8d %s\n", r.Index, r.Dept, r.Container, r.State, r.API, r.Height, hash)
		}
	})
}
