package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/gov/govcli"
	"github.com/govchain/govchain/node/client"
)

func statusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "status", Short: "Show the node's chain, height and app hash", Args: cobra.NoArgs,
		Example: "  govchain status --node 127.0.0.1:26602 -o json",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
			defer cancel()
			s, err := g.Client().Status(ctx)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), s, func(w io.Writer) {
				fmt.Fprintf(w, "chain      %s\ndepartment %s\nheight     %d (%s)\napp hash   %s\nvalidators %d\ncatching up %v\n",
					s.ChainID, s.Dept, s.Height, s.BlockTime, s.AppHash, s.Validators, s.CatchingUp)
			})
		},
	}
}

func queryCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "query", Aliases: []string{"q"}, Short: "Read chain state (with proofs)"}
	var height int64
	var prove bool
	st := &cobra.Command{
		Use:   "state KEY",
		Short: "Read any state key; --prove checks its ICS23 proof locally",
		Example: `  govchain query state id/dept/ZWFW --prove
  govchain query state id/dept/NOPE --prove     # proves absence`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
			defer cancel()
			r, err := g.Client().State(ctx, args[0], height, prove)
			if err != nil {
				return err
			}
			verdict := ""
			if prove {
				if r.Proof == nil {
					return fmt.Errorf("node returned no proof")
				}
				if err := r.Proof.Verify(r.AppHash); err != nil {
					return fmt.Errorf("PROOF INVALID: %w", err)
				}
				verdict = fmt.Sprintf("proof OK: %s at height %d under app hash %X (committed in header %d)", presence(r.Found), r.Height, r.AppHash, r.Height+1)
			}
			out := struct {
				*client.StateResult
				Verified string `json:"verified,omitempty"`
			}{r, verdict}
			return g.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				if r.Found {
					fmt.Fprintf(w, "%s = %s\n", r.Key, printable(r.Value))
				} else {
					fmt.Fprintf(w, "%s: not found at height %d\n", r.Key, r.Height)
				}
				if verdict != "" {
					fmt.Fprintln(w, verdict)
				}
			})
		},
	}
	st.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	st.Flags().BoolVar(&prove, "prove", false, "fetch and verify an ICS23 proof")

	acct := &cobra.Command{
		Use: "account KEY_ID", Short: "Show an identity and its sequence", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := smcrypto.ParseKeyID(args[0])
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
			defer cancel()
			r, err := g.Client().Account(ctx, id)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), r, func(w io.Writer) {
				a := r.Account
				fmt.Fprintf(w, "key id     %s\ndepartment %s\nname       %s\nroles      %v\nstatus     %s\nsequence   %d (next %d)\n", a.KeyID, a.Dept, a.Name, a.Roles, a.Status, r.Sequence, r.NextSequence)
			})
		},
	}
	depts := &cobra.Command{
		Use: "departments", Short: "List the network's departments", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := g.Client().Departments(cmd.Context())
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), r, func(w io.Writer) {
				fmt.Fprintf(w, "%-8s %-10s %-6s %s\n", "CODE", "STATUS", "POWER", "NAME")
				for _, d := range r.Departments {
					p := int64(0)
					if d.Validator != nil {
						p = d.Validator.Power
					}
					fmt.Fprintf(w, "%-8s %-10s %-6d %s\n", d.Code, d.Status, p, d.Name)
				}
			})
		},
	}
	msgs := &cobra.Command{
		Use: "messages", Short: "List message types and the roles they need", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := g.Client().Messages(cmd.Context())
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), r, func(w io.Writer) {
				for _, m := range r {
					fmt.Fprintf(w, "%-32s roles %-20v %s\n", m.Type, m.AnyRole, m.Summary)
				}
			})
		},
	}
	txq := &cobra.Command{
		Use: "tx HASH", Short: "Show a committed transaction and its result", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := hex.DecodeString(args[0]); err != nil || len(args[0]) != 64 {
				return fmt.Errorf("HASH must be 64 hex characters")
			}
			r, err := g.Client().Tx(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), r, func(w io.Writer) {
				fmt.Fprintf(w, "tx %s\n  block %d index %d\n  type %s signer %s seq %d\n  result %s/%d %s\n  body %s\n", r.Hash, r.Height, r.Index, r.Type, r.Signer, r.Sequence, r.Codespace, r.Code, r.Log, string(r.Body))
			})
		},
	}
	c.AddCommand(st, acct, depts, msgs, txq)
	c.AddCommand(govcli.UpgradeQueryCmd(g.Env))
	return c
}

func presence(found bool) string {
	if found {
		return "value present"
	}
	return "key absent"
}

func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\t' {
			return "0x" + hex.EncodeToString(b)
		}
	}
	return string(b)
}
