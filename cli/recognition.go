package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	cmthttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/spf13/cobra"

	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/recognition"
	"github.com/govchain/govchain/node/client"
	"github.com/govchain/govchain/node/relay"
)

// recognitionRelayCmds adds to the mounted `govchain recognition` (reccli)
// the commands that read a partner's chain with the relayer's sources.
func recognitionRelayCmds(g *globals, root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() == "recognition" {
			c.AddCommand(recognitionPartnerConfigCmd(g), recognitionFabricConfigCmd(g))
		}
	}
}

func relayCmd(g *globals) *cobra.Command {
	var f clikit.TxFlags
	var partner, partnerNode, partnerRPC string
	var hashes []string
	var follow bool
	var interval time.Duration
	var fabricOrg, fabricUser string
	c := &cobra.Command{
		Use:   "relay",
		Short: "Relay a partner province's certificates and revocations (跨省互认) to this chain",
		Long: `Reads the partner's certificate records of every type a recognition agreement
covers, with evidence, and submits recognition.recognise for those valid at
the partner and recognition.revoke for recognitions whose certificate the
partner revoked. For a govchain partner the evidence is a light-client update
(signed header, commit and validator set from --partner-rpc, CometBFT RPC) and
an ICS23 proof of cert/rec/<hash> under that header's app hash (from
--partner-node, the partner's govchain API). The chain verifies all of it: the
relayer needs no trust and no special role, any active identity may relay.

For a Fabric partner, --partner-node is a fabric-sdk-go connection profile
with the relayer's Fabric identity; the relayer queries the partner's licence
chaincode, submits an "attest" transaction per certificate (a fresh, endorsed
and ordered statement of its current record) and relays the committed block,
which the chain checks against the registered MSP CAs, orderer CAs and
endorsement policy.

--follow keeps polling (every --interval) for new certificates and for
revocations of recognised ones.`,
		Example: `  govchain relay --partner TJ --partner-node 127.0.0.1:27602 --partner-rpc 127.0.0.1:27601 \
      --node 127.0.0.1:26602 --key rsj-officer
  govchain relay --partner TJ --partner-node tj-api:26602 --partner-rpc tj-rpc:26601 --key relayer --follow --interval 10s
  govchain relay --partner TJF --partner-node tj-fabric-profile.yaml --fabric-user User1 --key relayer   # a Fabric partner`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			t, err := g.TxSigner(ctx, &f)
			if err != nil {
				return err
			}
			local := t.Client
			signer, err := t.Signer(ctx)
			if err != nil {
				return err
			}
			reg, err := relay.LoadPartner(ctx, local, partner)
			if err != nil {
				return err
			}
			var logw io.Writer = cmd.ErrOrStderr()
			var src relay.Source
			switch reg.Kind {
			case recognition.KindGovchain:
				if partnerNode == "" || partnerRPC == "" {
					return fmt.Errorf("a govchain partner needs --partner-node (its API) and --partner-rpc (its CometBFT RPC)")
				}
				src, err = relay.NewGovchainSource(ctx, partner, reg, client.New(partnerNode), partnerRPC, local, signer, logw)
			default:
				if partnerNode == "" {
					return fmt.Errorf("partner %s (kind %s) needs --partner-node", partner, reg.Kind)
				}
				src, err = newPartnerSource(ctx, reg, partnerOpts{node: partnerNode, org: fabricOrg, user: fabricUser, out: logw})
			}
			if err != nil {
				return err
			}
			for i, h := range hashes {
				hashes[i] = strings.ToLower(h)
			}
			r := &relay.Relayer{Partner: partner, Source: src, Local: local, Signer: signer, Hashes: hashes, Out: logw}
			print := func(rep *relay.Report) {
				_ = g.Emit(cmd.OutOrStdout(), rep, func(w io.Writer) {
					fmt.Fprintf(w, "partner %s: %d recognised, %d revoked, %d skipped\n", rep.Partner, len(rep.Recognised), len(rep.Revoked), len(rep.Skipped))
					for _, d := range rep.Recognised {
						fmt.Fprintf(w, "  recognised %s (partner height %d) tx %s height %d\n", d.Hash, d.PartnerHeight, d.Tx, d.Height)
					}
					for _, d := range rep.Revoked {
						fmt.Fprintf(w, "  revoked    %s (partner height %d) tx %s height %d\n", d.Hash, d.PartnerHeight, d.Tx, d.Height)
					}
					for _, s := range rep.Skipped {
						fmt.Fprintf(w, "  skipped    %s: %s\n", s.Hash, s.Reason)
					}
				})
			}
			if follow {
				return r.Follow(ctx, interval, func(rep *relay.Report) {
					if len(rep.Recognised)+len(rep.Revoked) > 0 {
						print(rep)
					}
				})
			}
			rep, err := r.Round(ctx)
			if err != nil {
				return err
			}
			print(rep)
			return nil
		},
	}
	f.Register(c)
	c.Flags().StringVar(&partner, "partner", "", "partner id, as registered by governance (required)")
	c.Flags().StringVar(&partnerNode, "partner-node", "", "the partner's node: govchain API address (govchain partners), or a fabric-sdk-go connection profile YAML (fabric partners)")
	c.Flags().StringVar(&fabricOrg, "fabric-org", "", "fabric partners: the organisation in the connection profile the relayer acts for (default: the profile's client.organization)")
	c.Flags().StringVar(&fabricUser, "fabric-user", "User1", "fabric partners: the user in that organisation (its certificate and key in the profile)")
	c.Flags().StringVar(&partnerRPC, "partner-rpc", "", "the partner's CometBFT RPC address (govchain partners)")
	c.Flags().StringSliceVar(&hashes, "hash", nil, "relay only these certificate hashes (default: every certificate of a type an agreement covers)")
	c.Flags().BoolVar(&follow, "follow", false, "keep polling for new certificates and revocations")
	c.Flags().DurationVar(&interval, "interval", 5*time.Second, "polling interval with --follow")
	_ = c.MarkFlagRequired("partner")
	return c
}

// partnerOpts configure the relayer side of a non-govchain partner.
type partnerOpts struct {
	node, org, user string
	out             io.Writer
}

// newPartnerSource builds the relayer side of partner kinds other than
// govchain (recognition_fabric.go sets it for fabric partners).
var newPartnerSource = func(_ context.Context, reg *gov.Partner, _ partnerOpts) (relay.Source, error) {
	return nil, fmt.Errorf("partner %s is of kind %q, which this relayer does not support", reg.ID, reg.Kind)
}

func recognitionPartnerConfigCmd(g *globals) *cobra.Command {
	var rpcURL, trusting, drift, level, age, out string
	var height int64
	c := &cobra.Command{Use: "partner-config", Short: "Build a govchain partner's trust anchor (config for register-partner) from its CometBFT RPC",
		Long: `Fetches the partner's signed header and validator set at --height (default 1,
its first block, whose validators are its genesis validators) and writes the
config JSON that "govchain gov propose register-partner --kind govchain
--config FILE" takes. Check the header hash it prints with the partner
out of band (phone, letter, their published genesis) before proposing: the
anchor is the root of all trust in that partner.`,
		Example: "  govchain recognition partner-config --rpc 127.0.0.1:27601 --height 1 --trusting-period 336h --out partner-tj.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !strings.Contains(rpcURL, "://") {
				rpcURL = "http://" + rpcURL
			}
			rpc, err := cmthttp.New(rpcURL)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			u, sh, err := relay.FetchUpdate(ctx, rpc, height)
			if err != nil {
				return err
			}
			cfg := recognition.GovchainConfig{ChainID: sh.ChainID, TrustingPeriod: trusting, MaxClockDrift: drift, TrustLevel: level, MaxEvidenceAge: age, Anchor: *u}
			raw, err := json.Marshal(cfg)
			if err != nil {
				return err
			}
			if _, err := recognition.ParseGovchainConfig(raw); err != nil {
				return err
			}
			if err := os.WriteFile(out, raw, 0o644); err != nil {
				return err
			}
			info := map[string]any{"file": out, "chain_id": sh.ChainID, "height": sh.Height, "header_hash": fmt.Sprintf("%X", sh.Hash()),
				"time": sh.Time, "validators": len(u.Validators), "validators_hash": fmt.Sprintf("%X", sh.ValidatorsHash)}
			return g.Emit(cmd.OutOrStdout(), info, func(w io.Writer) {
				fmt.Fprintf(w, "wrote %s: chain %s, anchor header %d %X (%s), %d validators (hash %X)\n", out, sh.ChainID, sh.Height, sh.Hash(), sh.Time.UTC().Format(time.RFC3339), len(u.Validators), sh.ValidatorsHash)
				fmt.Fprintln(w, "confirm the header hash with the partner out of band, then propose it:")
				fmt.Fprintf(w, "  govchain gov propose register-partner ID --name NAME --kind govchain --config %s --key <admin>\n", out)
			})
		}}
	c.Flags().StringVar(&rpcURL, "rpc", "", "the partner's CometBFT RPC address")
	c.Flags().Int64Var(&height, "height", 1, "anchor height")
	c.Flags().StringVar(&trusting, "trusting-period", "336h", "how long a verified partner header anchors further updates")
	c.Flags().StringVar(&drift, "max-clock-drift", "", "how far partner headers may be ahead of this chain's block time (default 10s)")
	c.Flags().StringVar(&level, "trust-level", "", "share of trusted validators that must sign a skipping update (default 1/3)")
	c.Flags().StringVar(&age, "max-evidence-age", "", "how old a partner header may be to recognise on it (default 1h)")
	c.Flags().StringVar(&out, "out", "", "output file")
	_ = c.MarkFlagRequired("rpc")
	_ = c.MarkFlagRequired("out")
	return c
}
