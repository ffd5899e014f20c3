package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/contracts/gov/govtypes"
	"github.com/govchain/govchain/node"
)

// govBindingCmds adds `govchain gov binding` to the mounted `govchain gov`
// (govcli): it signs with the department key of a node's home (package
// node), which a module's commands do not read.
func govBindingCmds(g *globals, root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() == "gov" {
			c.AddCommand(govBindingCmd(g))
		}
	}
}

func govBindingCmd(g *globals) *cobra.Command {
	var passFile, chainID string
	binding := &cobra.Command{Use: "binding", Short: "Sign the admission binding of this node's department (run on the joining node)", Args: cobra.NoArgs,
		Long: `Prints the SM2 signature, by the department key in HOME/keys/dept.pem, over
(chain id, department code, validator key): proof for the admit-department
proposal that the joining department holds both keys.`,
		Example: "  govchain gov binding --home /srv/mzj --chain-id chaoyang-1",
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := node.Home(g.Home)
			pass, err := clikit.ReadPassphrase(passFile)
			if err != nil {
				return err
			}
			k, err := h.LoadDeptKey(pass)
			if err != nil {
				return err
			}
			b, err := clikit.ReadFileMax(h.DeptInfoFile(), clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			var d node.DeptInfo
			if err := json.Unmarshal(b, &d); err != nil {
				return err
			}
			sig, err := k.Sign(govtypes.AdmissionBinding(chainID, d.Code, d.ValidatorPubKey))
			if err != nil {
				return err
			}
			out := map[string]string{"dept": d.Code, "binding": base64.StdEncoding.EncodeToString(sig), "dept_info": h.DeptInfoFile()}
			return g.Emit(cmd.OutOrStdout(), out, func(w io.Writer) { fmt.Fprintln(w, out["binding"]) })
		}}
	binding.Flags().StringVar(&passFile, "passphrase-file", "", "passphrase of the department key (else env GOVCHAIN_PASSPHRASE)")
	binding.Flags().StringVar(&chainID, "chain-id", "", "the network's chain id")
	_ = binding.MarkFlagRequired("chain-id")
	return binding
}
