package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/cli/clikit"
	"github.com/govchain/govchain/node/client"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func txCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "tx", Short: "Sign and submit transactions"}

	var f1 clikit.TxFlags
	var newKey, newPassFile, pubB64, popB64, name string
	reg := &cobra.Command{
		Use:   "register-account",
		Short: "Register an officer's SM2 key for your department (role operator)",
		Long: `Register an officer's SM2 key for your department (role operator).

The registration carries the new key's proof of possession: its signature
over (chain id, your department, the key), so nobody can register a key
whose holder did not agree to join that department. With --new-key the
command signs it from the officer's key file; an officer who keeps the key
makes it with ` + "`govchain keys pop`" + ` and hands over --public-key and --pop.`,
		Example: `  govchain keys create officer1
  govchain tx register-account --key dept --new-key officer1 --name "Zhang Wei"
  # the officer keeps the key file:
  govchain keys pop officer1 --dept ZWFW --chain-id chaoyang-1 -o json   # on the officer's machine
  govchain tx register-account --key dept --public-key BASE64 --pop BASE64 --name "Zhang Wei"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			withKey := newKey != "" && pubB64 == "" && popB64 == ""
			withPoP := newKey == "" && pubB64 != "" && popB64 != ""
			if !withKey && !withPoP {
				return fmt.Errorf("give either --new-key, or both --public-key and --pop")
			}
			var nk *smcrypto.PrivateKey
			var m identity.RegisterAccount
			if newKey != "" {
				pf := newPassFile
				if pf == "" {
					pf = f1.PassFile
				}
				k, err := g.LoadKey(newKey, pf)
				if err != nil {
					return fmt.Errorf("--new-key: %w", err)
				}
				nk = k
			} else {
				pk, err := base64.StdEncoding.DecodeString(pubB64)
				if err != nil {
					return fmt.Errorf("--public-key must be base64: %w", err)
				}
				if _, err := smcrypto.ParsePublicKey(pk); err != nil {
					return fmt.Errorf("--public-key: %w", err)
				}
				pop, err := base64.StdEncoding.DecodeString(popB64)
				if err != nil {
					return fmt.Errorf("--pop must be base64: %w", err)
				}
				m = identity.RegisterAccount{PublicKey: pk, Name: name, Roles: []string{identity.RoleOperator}, PoP: pop}
			}
			_, err := g.Submit(cmd, &f1, identity.MsgRegisterAccount, func(s *client.Signer) (any, error) {
				if nk == nil {
					return m, nil
				}
				return s.RegisterAccount(nk, name)
			}, false)
			return err
		},
	}
	f1.Register(reg)
	reg.Flags().StringVar(&newKey, "new-key", "", "the officer's key: a name under HOME/keys or a PEM file; signs the proof of possession")
	reg.Flags().StringVar(&newPassFile, "new-key-passphrase-file", "", "passphrase file of --new-key (else that of --key)")
	reg.Flags().StringVar(&pubB64, "public-key", "", "instead of --new-key: the officer's 65-byte SM2 public key, base64 (from `govchain keys show`)")
	reg.Flags().StringVar(&popB64, "pop", "", "with --public-key: the key's proof of possession, base64 (from govchain keys pop)")
	reg.Flags().StringVar(&name, "name", "", "officer name")

	var f2 clikit.TxFlags
	var keyID, status, reason string
	setStatus := &cobra.Command{
		Use:     "set-account-status",
		Short:   "Suspend, reactivate or revoke an identity of your department",
		Example: "  govchain tx set-account-status --key dept --key-id 3f2a... --status revoked --reason \"left the department\"",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := smcrypto.ParseKeyID(keyID)
			if err != nil {
				return fmt.Errorf("--key-id: %w", err)
			}
			return g.Send(cmd, &f2, identity.MsgSetAccountStatus, identity.SetAccountStatus{KeyID: id, Status: status, Reason: reason})
		},
	}
	f2.Register(setStatus)
	setStatus.Flags().StringVar(&keyID, "key-id", "", "key id of the identity")
	setStatus.Flags().StringVar(&status, "status", "", "active, suspended or revoked")
	setStatus.Flags().StringVar(&reason, "reason", "", "reason, recorded on chain")

	var f3 clikit.TxFlags
	var msgType, body string
	raw := &cobra.Command{
		Use:     "send",
		Short:   "Sign and submit any message type with a JSON body (see `govchain query messages`)",
		Example: `  govchain tx send --key dept --type identity.set_account_status --body '{"key_id":"3f2a...","status":"suspended","reason":"audit"}'`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				return fmt.Errorf("--body is not JSON: %w", err)
			}
			return g.Send(cmd, &f3, msgType, json.RawMessage(body))
		},
	}
	f3.Register(raw)
	raw.Flags().StringVar(&msgType, "type", "", "message type, e.g. identity.register_account")
	raw.Flags().StringVar(&body, "body", "", "message body as JSON, fields in the message's declared order")
	var f4 clikit.TxFlags
	var certFile, admitKey, admitPassFile, admitPoP string
	admit := &cobra.Command{
		Use:   "admit-cert",
		Short: "Admit a CA-issued officer or department certificate of your department as a signing identity",
		Long: `Admit a CA-issued officer or department certificate of your department as a
signing identity. Like register-account it carries the certified key's proof
of possession: signed here from --new-key, or made by the key's holder with
govchain keys pop and passed as --pop.`,
		Example: "  govchain tx admit-cert --key zwfw-admin --cert officer1.crt --new-key officer1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (admitKey == "") == (admitPoP == "") {
				return fmt.Errorf("give either --new-key or --pop")
			}
			b, err := clikit.ReadFileMax(certFile, clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			der := ca.DERFromPEM(b)
			if admitKey == "" {
				pop, err := base64.StdEncoding.DecodeString(admitPoP)
				if err != nil {
					return fmt.Errorf("--pop must be base64: %w", err)
				}
				return g.Send(cmd, &f4, identity.MsgAdmitCert, identity.AdmitCert{Cert: der, Roles: []string{identity.RoleOperator}, PoP: pop})
			}
			pf := admitPassFile
			if pf == "" {
				pf = f4.PassFile
			}
			k, err := g.LoadKey(admitKey, pf)
			if err != nil {
				return fmt.Errorf("--new-key: %w", err)
			}
			_, err = g.Submit(cmd, &f4, identity.MsgAdmitCert, func(s *client.Signer) (any, error) { return s.AdmitCert(k, der) }, false)
			return err
		},
	}
	f4.Register(admit)
	admit.Flags().StringVar(&certFile, "cert", "", "certificate file (PEM or DER)")
	admit.Flags().StringVar(&admitKey, "new-key", "", "the certified key: a name under HOME/keys or a PEM file; signs the proof of possession")
	admit.Flags().StringVar(&admitPassFile, "new-key-passphrase-file", "", "passphrase file of --new-key (else that of --key)")
	admit.Flags().StringVar(&admitPoP, "pop", "", "instead of --new-key: the key's proof of possession, base64 (from govchain keys pop)")

	var f5 clikit.TxFlags
	var caFile string
	regCA := &cobra.Command{
		Use:     "register-ca",
		Short:   "Register your department's intermediate CA (it must chain to a genesis root)",
		Example: "  govchain tx register-ca --key zwfw-admin --cert ca/zwfw/ca.pem",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := clikit.ReadFileMax(caFile, clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			return g.Send(cmd, &f5, identity.MsgRegisterCA, identity.RegisterCA{Cert: ca.DERFromPEM(b)})
		},
	}
	f5.Register(regCA)
	regCA.Flags().StringVar(&caFile, "cert", "", "CA certificate file")

	var f6 clikit.TxFlags
	var crlFile string
	revoke := &cobra.Command{
		Use:     "revoke-certs",
		Short:   "Submit a CRL signed by a registered CA (usually done by `govchain ca revoke --key`)",
		Example: "  govchain tx revoke-certs --key zwfw-admin --crl ca/root/crl.pem",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := clikit.ReadFileMax(crlFile, clikit.MaxDataFile)
			if err != nil {
				return err
			}
			return g.Send(cmd, &f6, identity.MsgRevokeCerts, identity.RevokeCerts{CRL: ca.DERFromPEM(b)})
		},
	}
	f6.Register(revoke)
	revoke.Flags().StringVar(&crlFile, "crl", "", "CRL file (PEM or DER)")
	c.AddCommand(reg, setStatus, raw, admit, regCA, revoke)
	c.AddCommand(rotationTxCmds(g)...)
	return c
}
