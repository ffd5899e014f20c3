package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/node"
	"github.com/govchain/govchain/node/client"
)

// rotationTxCmds are `govchain tx rotate-key`, `renew-cert` and `retire-ca`
// (docs/operator.md, "Key rotation" and "CA rotation").
func rotationTxCmds(g *globals) []*cobra.Command {
	var f1 clikit.TxFlags
	var oldID, newKey, newPassFile, certFile string
	var overlap int64
	rotate := &cobra.Command{
		Use:   "rotate-key",
		Short: "Replace an SM2 key of your department by a new key, with an overlap window",
		Long: `Replace an SM2 key of your department (by default the signing key itself) by
a new key with the same name and roles. The new key signs its proof of
possession over (chain id, department, old key id, new key). Both keys work
for --overlap blocks; at the end of that block the old key is retired.
An admin key is rotated by itself; an officer's key by itself or an admin.
A node whose department key rotates picks the new key up from
HOME/keys/dept.next.pem and attests with it as soon as the chain knows it.`,
		Example: `  govchain keys create dept.next --home /srv/govchain
  govchain tx rotate-key --home /srv/govchain --key dept --new-key dept.next --overlap 100
  # an officer's key, by the admin:
  govchain tx rotate-key --key zwfw-admin --key-id 3f2a... --new-key officer1-2026 --overlap 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pf := newPassFile
			if pf == "" {
				pf = f1.PassFile
			}
			nk, err := g.LoadKey(newKey, pf)
			if err != nil {
				return fmt.Errorf("--new-key: %w", err)
			}
			var cert []byte
			if certFile != "" {
				b, err := clikit.ReadFileMax(certFile, clikit.MaxSmallFile)
				if err != nil {
					return err
				}
				cert = ca.DERFromPEM(b)
			}
			_, err = g.Submit(cmd, &f1, identity.MsgRotateKey, func(s *client.Signer) (any, error) {
				old := s.Key.PublicKey().ID()
				if oldID != "" {
					if old, err = smcrypto.ParseKeyID(oldID); err != nil {
						return nil, fmt.Errorf("--key-id: %w", err)
					}
				}
				if s.Dept == "" {
					return nil, fmt.Errorf("signer %s is not registered", s.Key.PublicKey().ID())
				}
				return identity.NewRotateKey(s.ChainID, s.Dept, old, nk, overlap, cert)
			}, false)
			return err
		},
	}
	f1.Register(rotate)
	rotate.Flags().StringVar(&oldID, "key-id", "", "key id to rotate (default: the --key itself)")
	rotate.Flags().StringVar(&newKey, "new-key", "", "the new key: a name under HOME/keys or a PEM file (required)")
	rotate.Flags().StringVar(&newPassFile, "new-key-passphrase-file", "", "passphrase file of --new-key (else that of --key)")
	rotate.Flags().Int64Var(&overlap, "overlap", 100, fmt.Sprintf("blocks both keys work (0..%d)", identity.MaxOverlapBlocks))
	rotate.Flags().StringVar(&certFile, "cert", "", "certificate of the new key (PEM or DER), when the identity is certificate-bound")
	_ = rotate.MarkFlagRequired("new-key")

	var f2 clikit.TxFlags
	var renewFile string
	renew := &cobra.Command{
		Use:   "renew-cert",
		Short: "Bind an identity to a new certificate for the same key (renewal, or re-issue by a new CA)",
		Long: `Bind an identity to a new certificate for the same key: a renewal before the
old one expires, or a re-issue by the department's new intermediate CA. The
identity keeps working throughout. Sent by the identity itself or an admin
of its department.`,
		Example: `  govchain ca issue --dir ca/zwfw-2027 --kind officer --dept ZWFW --name "王芳" --key-file officer1 --out officer1-2027.crt
  govchain tx renew-cert --key zwfw-admin --cert officer1-2027.crt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := clikit.ReadFileMax(renewFile, clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			return g.Send(cmd, &f2, identity.MsgRenewCert, identity.RenewCert{Cert: ca.DERFromPEM(b)})
		},
	}
	f2.Register(renew)
	renew.Flags().StringVar(&renewFile, "cert", "", "the new certificate (PEM or DER) (required)")
	_ = renew.MarkFlagRequired("cert")

	var f3 clikit.TxFlags
	var caID string
	retire := &cobra.Command{
		Use:   "retire-ca",
		Short: "Stop trusting your department's old intermediate CA (after its identities were renewed)",
		Long: `Stop trusting your department's intermediate CA for admissions and renewals.
Refused (identity/114) while an active identity is still bound to one of its
certificates: renew those under the new CA first. Its CRLs still apply.`,
		Example: `  govchain tx retire-ca --key zwfw-admin --ca 633ae7b61d1bc2766c6df5868d7520ba5be69e79`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.Send(cmd, &f3, identity.MsgRetireCA, identity.RetireCA{CA: caID})
		},
	}
	f3.Register(retire)
	retire.Flags().StringVar(&caID, "ca", "", "the CA's key id (hex; `govchain ca show` prints it) (required)")
	_ = retire.MarkFlagRequired("ca")
	return []*cobra.Command{rotate, renew, retire}
}

// ValidatorRotation is what `node rotate-validator` prints.
type ValidatorRotation struct {
	Dept       string `json:"dept"`
	OldAddress string `json:"old_address"`
	NewAddress string `json:"new_address"`
	KeyFile    string `json:"key_file"`
	Height     int64  `json:"height"`
	ActiveFrom int64  `json:"active_from"`
}

func rotateValidatorCmd(g *globals) *cobra.Command {
	var f clikit.TxFlags
	c := &cobra.Command{
		Use:   "rotate-validator",
		Short: "Replace this node's validator (consensus) key, at the same power, without a restart",
		Long: `Replace this node's CometBFT validator key. The command makes the next key
(HOME/config/priv_validator_key.next.json, unless one is waiting), signs the
proof of possession with it and sends identity.rotate_validator, signed by
the department's admin key (--key). That block's validator updates remove
the old key and add the new one at the same power; they take effect two
blocks later. The running node reads the next key file on its own and signs
each height with the key the chain names for it, so nothing has to be timed
or restarted; at its next start it renames the files (the old key is kept
as priv_validator_key.retired-<address>.json).`,
		Example: `  govchain node rotate-validator --home /srv/govchain --key dept --node 127.0.0.1:26680`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := node.Home(g.Home)
			conf, err := h.LoadConfig()
			if err != nil {
				return err
			}
			pv, err := node.NewValidatorKey(h)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			r, err := g.Client().State(ctx, string(identity.DeptKey(conf.Dept)), 0, false)
			if err != nil {
				return err
			}
			var d identity.Department
			if !r.Found || json.Unmarshal(r.Value, &d) != nil {
				return fmt.Errorf("department %s is not on chain", conf.Dept)
			}
			if d.Validator == nil {
				return fmt.Errorf("department %s has no validator on chain", conf.Dept)
			}
			newPub := pv.Key.PubKey.Bytes()
			oldAddr, _ := hex.DecodeString(identity.ValidatorAddress(d.Validator.PubKey))
			out := ValidatorRotation{Dept: conf.Dept, OldAddress: fmt.Sprintf("%X", oldAddr), NewAddress: identity.ValidatorAddress(newPub), KeyFile: node.NextFile("config/priv_validator_key.json")}
			res, err := g.Submit(cmd, &f, identity.MsgRotateValidator, func(s *client.Signer) (any, error) {
				sig, err := pv.Key.PrivKey.Sign(identity.ValidatorRotationBytes(s.ChainID, conf.Dept, oldAddr, newPub))
				if err != nil {
					return nil, err
				}
				return identity.RotateValidator{PubKey: newPub, PoP: sig}, nil
			}, true)
			if err != nil {
				return g.PrintResult(cmd, res, err)
			}
			out.Height = res.Height
			if out.Height > 0 {
				out.ActiveFrom = out.Height + 2
			}
			return g.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				fmt.Fprintf(w, "validator of %s rotated in block %d\n  old: %s\n  new: %s (%s)\n  the new key signs from height %d; the node switches by itself\n",
					out.Dept, out.Height, out.OldAddress, out.NewAddress, out.KeyFile, out.ActiveFrom)
			})
		},
	}
	f.Register(c)
	return c
}
