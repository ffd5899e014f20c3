package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/recognition"
	"github.com/govchain/govchain/node/relay"
	"github.com/govchain/govchain/node/relay/fabric"
)

func init() {
	newPartnerSource = func(_ context.Context, reg *gov.Partner, o partnerOpts) (relay.Source, error) {
		if reg.Kind != recognition.KindFabric {
			return nil, fmt.Errorf("partner %s is of kind %q, which this relayer does not support", reg.ID, reg.Kind)
		}
		var cfg recognition.FabricConfig
		if err := json.Unmarshal(reg.Config, &cfg); err != nil {
			return nil, fmt.Errorf("partner %s config: %w", reg.ID, err)
		}
		org := o.org
		if org == "" {
			org = profileOrganization(o.node)
		}
		gw, err := fabric.NewSDKGateway(o.node, cfg.Channel, cfg.Chaincode, org, o.user)
		if err != nil {
			return nil, err
		}
		return &fabric.Source{Partner: reg.ID, GW: gw, Out: o.out}, nil
	}
}

// profileOrganization reads client.organization from a connection profile
// (a line "  organization: NAME" under "client:").
func profileOrganization(path string) string {
	b, err := clikit.ReadFileMax(path, clikit.MaxSmallFile)
	if err != nil {
		return ""
	}
	inClient := false
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, " ") && strings.TrimSpace(line) != "" {
			inClient = strings.HasPrefix(line, "client:")
			continue
		}
		if t := strings.TrimSpace(line); inClient && strings.HasPrefix(t, "organization:") {
			return strings.Trim(strings.TrimSpace(strings.TrimPrefix(t, "organization:")), `"'`)
		}
	}
	return ""
}

func recognitionFabricConfigCmd(g *globals) *cobra.Command {
	var cfg recognition.FabricConfig
	var msps, ordererMSPs []string
	var endorse, out string
	c := &cobra.Command{Use: "fabric-config", Short: "Build a Fabric partner's registration (config for register-partner --kind fabric)",
		Long: `Writes the config JSON of a Fabric partner: the channel and chaincode of its
licence registry, the root CA certificates of its organisations (MSP id =
PEM file, one flag per CA) and of its orderers, and the endorsement policy
this chain requires (N:MSP1,MSP2: endorsements from N distinct MSPs of the
list). Obtain the CA certificates from the partner out of band (its channel
configuration lists them) and check their fingerprints before proposing.`,
		Example: `  govchain recognition fabric-config --channel licences --chaincode licence \
      --msp TJSCJGMSP=ca.scjg.tianjin.example-cert.pem --orderer-msp TJOrdererMSP=ca.orderer.tianjin.example-cert.pem \
      --endorsement 1:TJSCJGMSP --out partner-tjf.json
  govchain gov propose register-partner TJF --name "天津市 (Fabric)" --kind fabric --config partner-tjf.json --key zwfw-admin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			load := func(specs []string) ([]recognition.FabricMSP, error) {
				var list []recognition.FabricMSP
				idx := map[string]int{}
				for _, s := range specs {
					id, file, ok := strings.Cut(s, "=")
					if !ok {
						return nil, fmt.Errorf("%q: want MSPID=ca-cert.pem", s)
					}
					b, err := clikit.ReadFileMax(file, clikit.MaxSmallFile)
					if err != nil {
						return nil, err
					}
					i, seen := idx[id]
					if !seen {
						i = len(list)
						idx[id] = i
						list = append(list, recognition.FabricMSP{ID: id})
					}
					list[i].RootCerts = append(list[i].RootCerts, string(b))
				}
				return list, nil
			}
			var err error
			if cfg.MSPs, err = load(msps); err != nil {
				return err
			}
			if cfg.OrdererMSPs, err = load(ordererMSPs); err != nil {
				return err
			}
			n, list, ok := strings.Cut(endorse, ":")
			if cfg.Endorsement.Min, err = strconv.Atoi(n); !ok || err != nil {
				return fmt.Errorf("--endorsement %q: want N:MSP1,MSP2", endorse)
			}
			cfg.Endorsement.MSPs = strings.Split(list, ",")
			raw, err := json.Marshal(cfg)
			if err != nil {
				return err
			}
			if _, err := recognition.ParseFabricConfig(raw); err != nil {
				return err
			}
			if err := os.WriteFile(out, raw, 0o644); err != nil {
				return err
			}
			info := map[string]any{"file": out, "channel": cfg.Channel, "chaincode": cfg.Chaincode, "msps": len(cfg.MSPs), "orderer_msps": len(cfg.OrdererMSPs)}
			return g.Emit(cmd.OutOrStdout(), info, func(w io.Writer) {
				fmt.Fprintf(w, "wrote %s: channel %s, chaincode %s, %d MSPs, %d orderer MSPs, endorsement %s\n", out, cfg.Channel, cfg.Chaincode, len(cfg.MSPs), len(cfg.OrdererMSPs), endorse)
				fmt.Fprintf(w, "  govchain gov propose register-partner ID --name NAME --kind fabric --config %s --key <admin>\n", out)
			})
		}}
	c.Flags().StringVar(&cfg.Channel, "channel", "", "the partner's channel")
	c.Flags().StringVar(&cfg.Chaincode, "chaincode", "", "the licence chaincode's name")
	c.Flags().StringSliceVar(&msps, "msp", nil, "an application organisation: MSPID=root-ca-cert.pem (repeatable)")
	c.Flags().StringSliceVar(&ordererMSPs, "orderer-msp", nil, "an orderer organisation: MSPID=root-ca-cert.pem (repeatable)")
	c.Flags().StringVar(&endorse, "endorsement", "", "endorsement policy N:MSP1,MSP2 (endorsements from N distinct MSPs of the list)")
	c.Flags().IntVar(&cfg.OrdererSignatures, "orderer-signatures", 0, "valid orderer signatures a block needs (default 1)")
	c.Flags().StringVar(&cfg.MaxEvidenceAge, "max-evidence-age", "", "how old an attest transaction may be to recognise on it (default 1h)")
	c.Flags().StringVar(&out, "out", "", "output file")
	_ = c.MarkFlagRequired("out")
	return c
}
