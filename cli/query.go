package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/contracts/gov/govcli"
	"github.com/govchain/govchain/node/client"
)

// StatusReport is `govchain status -o json`: the node's status and what
// expires within the horizon (GET /v1/expiry).
type StatusReport struct {
	*client.Status
	Expiry *client.ExpiryReport `json:"expiry,omitempty"`
}

func statusCmd(g *globals) *cobra.Command {
	var horizon string
	c := &cobra.Command{
		Use: "status", Short: "Show the node's chain, height and app hash, and what expires soon", Args: cobra.NoArgs,
		Long: `Show the node's chain, height and app hash, then every warning of GET
/v1/expiry: certificates, CAs and keys that expire within the horizon (the
node's expiry_horizon_days, 30 by default, or --horizon), keys retiring after
a rotation, and departments whose every admin key lapses within it (after
that only governance restores them).`,
		Example: "  govchain status --node 127.0.0.1:26602 -o json\n  govchain status --horizon 90d",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
			defer cancel()
			s, err := g.Client().Status(ctx)
			if err != nil {
				return err
			}
			rep := StatusReport{Status: s}
			exp, expErr := g.Client().Expiry(ctx, horizon)
			if expErr == nil {
				rep.Expiry = exp
			} else if horizon != "" {
				return expErr
			}
			return g.Emit(cmd.OutOrStdout(), rep, func(w io.Writer) {
				fmt.Fprintf(w, "chain      %s\ndepartment %s\nheight     %d (%s)\napp hash   %s\nvalidators %d\ncatching up %v\n",
					s.ChainID, s.Dept, s.Height, s.BlockTime, s.AppHash, s.Validators, s.CatchingUp)
				switch {
				case expErr != nil:
					fmt.Fprintf(w, "expiry     unknown (%v)\n", expErr)
				case len(exp.Warnings) == 0:
					fmt.Fprintf(w, "expiry     nothing expires within %s\n", time.Duration(exp.HorizonSeconds)*time.Second)
				default:
					fmt.Fprintf(w, "\nWARNING: %d item(s) expire within %s (judged at block time %s):\n", len(exp.Warnings), time.Duration(exp.HorizonSeconds)*time.Second, exp.BlockTime)
					for _, x := range exp.Warnings {
						fmt.Fprintf(w, "  [%s] %s\n", x.Kind, x.Message)
					}
				}
			})
		},
	}
	c.Flags().StringVar(&horizon, "horizon", "", "how far ahead to warn: days (90d) or a duration (72h); default the node's expiry_horizon_days")
	return c
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
		Use: "messages [TYPE]", Short: "List message types, the roles they need and their body's field order",
		Long: `List the message types the chain accepts: the roles each needs, a summary and the
fields of its body in canonical order. With TYPE, that type only; -o json adds
each body's JSON Schema (docs/protocol.md#canonical-json).`,
		Example: "  govchain query messages\n  govchain query messages certificate.anchor -o json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := g.Client().Messages(cmd.Context())
			if err != nil {
				return err
			}
			if len(args) == 1 {
				var one []client.MessageInfo
				for _, m := range r {
					if m.Type == args[0] {
						one = append(one, m)
					}
				}
				if len(one) == 0 {
					return fmt.Errorf("no message type %q (govchain query messages lists them)", args[0])
				}
				r = one
			}
			return g.Emit(cmd.OutOrStdout(), r, func(w io.Writer) {
				for _, m := range r {
					fmt.Fprintf(w, "%-32s roles %-20v %s\n", m.Type, m.AnyRole, m.Summary)
					if len(m.Fields) > 0 {
						fmt.Fprintf(w, "%-32s fields %s\n", "", strings.Join(m.Fields, ", "))
					}
				}
			})
		},
	}
	var rawOut string
	txq := &cobra.Command{
		Use: "tx HASH", Short: "Show a committed transaction and its result", Args: cobra.ExactArgs(1),
		Long: `Show a committed transaction and its result. With --raw FILE, write the tx's exact
bytes (GET /v1/txs/{hash}/raw) to FILE instead; -o json then prints them with their
parts: unsigned bytes, sign bytes and signature (docs/protocol.md).`,
		Example: "  govchain query tx 3F2A...C9\n  govchain query tx 3F2A...C9 --raw tx.bin -o json",
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := hex.DecodeString(args[0]); err != nil || len(args[0]) != 64 {
				return fmt.Errorf("HASH must be 64 hex characters")
			}
			if rawOut != "" {
				r, err := g.Client().TxRaw(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if err := os.WriteFile(rawOut, r.Tx, 0o644); err != nil {
					return err
				}
				return g.Emit(cmd.OutOrStdout(), r, func(w io.Writer) {
					fmt.Fprintf(w, "wrote %s (%d bytes): %s seq %d by %s, block %d\n  sign bytes %x\n", rawOut, len(r.Tx), r.Type, r.Sequence, r.Signer, r.Height, r.SignBytes)
				})
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
	txq.Flags().StringVar(&rawOut, "raw", "", "write the tx's bytes to this file")
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
