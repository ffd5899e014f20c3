// Package reccli is the recognition module's commands: govchain
// recognition (status with the proof checked here, propose-agreement,
// partners). The root command mounts Commands from its list (cli/root.go).
// recognition partner-config and fabric-config, which read a partner's
// chain through the relayer's sources (node/relay, node/relay/fabric, the
// daemon side), and govchain relay stay in package cli, which adds the two
// to this command (cli/recognition.go).
package reccli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/certificate/certcli"
	"github.com/govchain/govchain/contracts/gov/govtypes"
	"github.com/govchain/govchain/contracts/recognition/rectypes"
	"github.com/govchain/govchain/node/client"
)

// Commands are the module's top-level commands: `govchain recognition`,
// cross-province recognition (docs/recognition.md).
func Commands(env *clikit.Env) []*cobra.Command { return []*cobra.Command{recognitionCmd(env)} }

func recognitionCmd(env *clikit.Env) *cobra.Command {
	c := &cobra.Command{Use: "recognition", Short: "Cross-province recognition (跨省互认): partner trust anchors, agreements, recognised certificates",
		Long: `Partner provinces are registered by governance (govchain gov propose
register-partner) with a trust anchor; agreements (partner certificate type →
local type) are set by governance too (propose-agreement below); relayers
(govchain relay) submit evidence that the chain verifies itself.`}
	c.AddCommand(recognitionStatusCmd(env), recognitionProposeAgreementCmd(env), recognitionPartnersCmd(env))
	return c
}

func recognitionStatusCmd(env *clikit.Env) *cobra.Command {
	var file string
	var height int64
	c := &cobra.Command{Use: "status [HASH]", Short: "Show whether a partner's certificate is recognised here, with its proof checked locally",
		Example: "  govchain recognition status --file tj-licence.pdf\n  govchain recognition status 3f6c...e1 -o json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash := ""
			if len(args) == 1 {
				hash = args[0]
			}
			h, err := certcli.HashArg(file, hash, "")
			if err != nil {
				return fmt.Errorf("give HASH or --file FILE")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 20*time.Second)
			defer cancel()
			r, err := env.Client().Recognition(ctx, h, client.At{Height: height, Prove: true})
			if err != nil {
				return err
			}
			rec, status, err := r.Verify()
			if err != nil {
				return err
			}
			out := map[string]any{"hash": h, "height": r.Height, "status": status, "record": rec, "key": r.Key, "app_hash": fmt.Sprintf("%X", r.AppHash)}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				fmt.Fprintf(w, "certificate %s\n  %s at height %d\n", h, strings.ToUpper(status), r.Height)
				if rec != nil {
					fmt.Fprintf(w, "  %s\n", rec.Describe())
					fmt.Fprintf(w, "  licence %s, issued %s, valid %s .. %s\n", rec.LicenceNo, rec.IssueDate, rec.ValidFrom, clikit.OrNoExpiry(rec.ValidUntil))
					for _, e := range rec.History {
						fmt.Fprintf(w, "    height %-6d %s %-9s -> %s (partner height %d: %s) by %s\n", e.Height, e.Time, e.Action, e.Status, e.PartnerHeight, e.PartnerStatus, e.By)
					}
				}
				fmt.Fprintf(w, "  ✓ ICS23 proof of %s OK under app hash %X (in block header %d)\n", r.Key, r.AppHash, r.Height+1)
			})
		}}
	c.Flags().StringVar(&file, "file", "", "certificate file, hashed locally with SM3")
	c.Flags().Int64Var(&height, "height", 0, "state version (default latest)")
	return c
}

func recognitionProposeAgreementCmd(env *clikit.Env) *cobra.Command {
	var f clikit.TxFlags
	var a rectypes.Agreement
	var reason string
	c := &cobra.Command{Use: "propose-agreement", Short: "Propose (gov execute) a recognition agreement: a partner's certificate type → a local type",
		Example: `  govchain recognition propose-agreement --partner TJ --partner-type BL --local-type BL \
      --conditions "京津冀营业执照互认协议 2026 第3条" --key zwfw-admin
  govchain gov vote 4 approve --key scjg-admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, err := json.Marshal(a)
			if err != nil {
				return err
			}
			raw, err := json.Marshal(govtypes.Execute{Type: rectypes.MsgSetAgreement, Body: body})
			if err != nil {
				return err
			}
			return env.Send(cmd, &f, govtypes.MsgPropose, govtypes.Propose{Kind: govtypes.KindExecute, Action: raw, Reason: reason})
		}}
	f.Register(c)
	c.Flags().StringVar(&a.Partner, "partner", "", "partner id")
	c.Flags().StringVar(&a.PartnerType, "partner-type", "", "the partner's certificate type code")
	c.Flags().StringVar(&a.LocalType, "local-type", "", "the local certificate type it counts as")
	c.Flags().Int64Var(&a.FromHeight, "from-height", 0, "in force from this local height")
	c.Flags().StringVar(&a.FromTime, "from-time", "", "in force from this block time (RFC 3339)")
	c.Flags().StringVar(&a.Conditions, "conditions", "", "the agreement's text or reference")
	c.Flags().StringVar(&reason, "reason", "", "why, recorded with the proposal")
	return c
}

func recognitionPartnersCmd(env *clikit.Env) *cobra.Command {
	return &cobra.Command{Use: "partners", Short: "List registered partners, their light-client state and agreements", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 20*time.Second)
			defer cancel()
			c := env.Client()
			entries, err := c.ListAll(ctx, "gov/partner/")
			if err != nil {
				return err
			}
			type view struct {
				Partner    govtypes.Partner           `json:"partner"`
				Client     *rectypes.ClientState      `json:"client,omitempty"`
				Agreements []rectypes.AgreementRecord `json:"agreements"`
			}
			var out []view
			for _, e := range entries {
				var v view
				if err := json.Unmarshal(e.Value, &v.Partner); err != nil {
					return err
				}
				if r, err := c.State(ctx, string(rectypes.ClientKey(v.Partner.ID)), 0, false); err == nil && r.Found {
					v.Client = &rectypes.ClientState{}
					_ = json.Unmarshal(r.Value, v.Client)
				}
				if v.Agreements, err = c.Agreements(ctx, v.Partner.ID); err != nil {
					return err
				}
				out = append(out, v)
			}
			return env.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				if len(out) == 0 {
					fmt.Fprintln(w, "no partners (govchain gov propose register-partner)")
				}
				for _, v := range out {
					fmt.Fprintf(w, "%s %s (%s)\n", v.Partner.ID, v.Partner.Name, v.Partner.Kind)
					if v.Client != nil {
						fmt.Fprintf(w, "  light client: chain %s trusted at height %d (%s), updated at local height %d\n", v.Client.ChainID, v.Client.Height, v.Client.Time, v.Client.UpdatedHeight)
					}
					for _, a := range v.Agreements {
						fmt.Fprintf(w, "  agreement: %s → %s from height %d %s  %s\n", a.PartnerType, a.LocalType, a.FromHeight, a.FromTime, a.Conditions)
					}
				}
			})
		}}
}
