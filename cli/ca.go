package cli

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/ca"
	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/cli/clikit"
)

func caCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "ca", Short: "SM2 certificate authority: init, issue, revoke, list, show",
		Long: `A govchain CA issues X.509 certificates signed SM2-with-SM3 (GM/T 0015) to departments,
officers and nodes. The district root CA's certificate goes into the genesis
(govchain genesis build --root-ca); each department may run an intermediate CA
(ca init --parent) registered on chain with 'govchain tx register-ca'.`}
	var dir, passFile string
	c.PersistentFlags().StringVar(&dir, "dir", "ca", "CA directory")
	c.PersistentFlags().StringVar(&passFile, "passphrase-file", "", "passphrase of the CA key (else env GOVCHAIN_PASSPHRASE)")

	var district, name, parent, parentPass, dept string
	var years int
	initC := &cobra.Command{
		Use:   "init",
		Short: "Create a root CA, or a department's intermediate CA with --parent",
		Example: `  govchain ca init --dir ca/root --district CY --name "朝阳区政务根CA"
  govchain ca init --dir ca/zwfw --parent ca/root --dept ZWFW --name "政务服务管理局"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := clikit.ReadPassphrase(passFile)
			if err != nil {
				return err
			}
			var a *ca.Authority
			if parent == "" {
				a, err = ca.InitRoot(dir, ca.RootOptions{District: district, Name: name, Validity: time.Duration(years) * 365 * 24 * time.Hour, Passphrase: pass, Now: time.Now()})
			} else {
				pp := pass
				if parentPass != "" {
					if pp, err = clikit.ReadPassphrase(parentPass); err != nil {
						return err
					}
				}
				p, err2 := ca.Load(parent, pp)
				if err2 != nil {
					return err2
				}
				a, err = ca.InitIntermediate(dir, p, dept, name, time.Duration(years)*365*24*time.Hour, pass, time.Now())
			}
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), map[string]any{"dir": dir, "certificate": filepath.Join(dir, "ca.pem"), "key_id": ca.KeyIDOf(a.Cert)}, func(w io.Writer) {
				fmt.Fprintf(w, "created CA in %s\n  %s\n  certificate %s\n  key id %s\n", dir, ca.Describe(a.Cert), filepath.Join(dir, "ca.pem"), ca.KeyIDOf(a.Cert))
			})
		},
	}
	initC.Flags().StringVar(&district, "district", "CY", "district code (root CA)")
	initC.Flags().StringVar(&name, "name", "", "CA or department name")
	initC.Flags().StringVar(&parent, "parent", "", "parent CA directory: create an intermediate")
	initC.Flags().StringVar(&parentPass, "parent-passphrase-file", "", "passphrase of the parent CA key (default: same passphrase)")
	initC.Flags().StringVar(&dept, "dept", "", "department code of an intermediate CA")
	initC.Flags().IntVar(&years, "years", 0, "validity in years (default 20 for a root, 10 for an intermediate)")

	var kind, deptName, cn, pubB64, keyFile, out, csrFile string
	var days int
	issueC := &cobra.Command{
		Use:   "issue",
		Short: "Issue a department, officer or node certificate for an SM2 public key",
		Example: `  govchain keys create officer1
  govchain ca issue --dir ca/root --kind officer --dept ZWFW --name "王芳" --key-file ~/.govchain/keys/officer1.pem --out officer1.crt
  govchain tx admit-cert --key zwfw-admin --cert officer1.crt --new-key officer1
  openssl req -new -key officer2.pem -sm3 -sigopt distid:1234567812345678 -utf8 -subj "/C=CN/OU=ZWFW/OU=officer/CN=李强" -out officer2.csr
  govchain ca issue --dir ca/root --csr officer2.csr --out officer2.crt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := clikit.ReadPassphrase(passFile)
			if err != nil {
				return err
			}
			a, err := ca.Load(dir, pass)
			if err != nil {
				return err
			}
			var pub *smcrypto.PublicKey
			switch {
			case csrFile != "":
				b, err := clikit.ReadFileMax(csrFile, clikit.MaxSmallFile)
				if err != nil {
					return err
				}
				r, err := ca.ParseCSR(b)
				if err != nil {
					return fmt.Errorf("--csr %s: %w", csrFile, err)
				}
				pub = r.PublicKey
				// the flags decide; what the request asks for fills the rest
				if !cmd.Flags().Changed("kind") && r.Kind != "" {
					kind = r.Kind
				}
				if dept == "" {
					dept = r.Dept
				}
				if deptName == "" {
					deptName = r.DeptName
				}
				if cn == "" {
					cn = r.Name
				}
			case pubB64 != "":
				b, err := base64.StdEncoding.DecodeString(pubB64)
				if err != nil {
					return fmt.Errorf("--public-key: %w", err)
				}
				if pub, err = smcrypto.ParsePublicKey(b); err != nil {
					return err
				}
			case keyFile != "":
				k, err := g.LoadKey(keyFile, passFile)
				if err != nil {
					return err
				}
				pub = k.PublicKey()
			default:
				return fmt.Errorf("give the subject's key: --csr FILE, --public-key BASE64 or --key-file")
			}
			c, der, err := a.Issue(ca.Request{Kind: kind, Dept: dept, DeptName: deptName, Name: cn, PublicKey: pub, Validity: time.Duration(days) * 24 * time.Hour})
			if err != nil {
				return err
			}
			if out == "" {
				out = ca.Serial(c.SerialNumber) + ".crt"
			}
			if err := os.WriteFile(out, ca.CertPEM(der), 0o644); err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), map[string]any{"file": out, "serial": ca.Serial(c.SerialNumber), "key_id": pub.ID().String()}, func(w io.Writer) {
				fmt.Fprintf(w, "issued %s\n  %s\n", out, ca.Describe(c))
			})
		},
	}
	issueC.Flags().StringVar(&kind, "kind", "officer", "department, officer or node")
	issueC.Flags().StringVar(&dept, "dept", "", "department code")
	issueC.Flags().StringVar(&deptName, "dept-name", "", "department name (subject O)")
	issueC.Flags().StringVar(&cn, "name", "", "subject common name")
	issueC.Flags().StringVar(&pubB64, "public-key", "", "65-byte SM2 public key, base64")
	issueC.Flags().StringVar(&keyFile, "key-file", "", "read the public key from this key file (name under HOME/keys or a path)")
	issueC.Flags().StringVar(&csrFile, "csr", "", "a PKCS#10 certificate request (openssl req -new -sm3 -sigopt distid:1234567812345678); its OU, O and CN fill --dept, --kind, --dept-name and --name when not given")
	issueC.Flags().StringVar(&out, "out", "", "output file (default SERIAL.crt)")
	issueC.Flags().IntVar(&days, "days", 730, "validity in days")

	var reason int
	var submit clikit.TxFlags
	revokeC := &cobra.Command{
		Use:   "revoke SERIAL",
		Short: "Revoke a certificate: writes the CRL and, with --key, submits it so every node rejects the key from the next block",
		Example: `  govchain ca revoke --dir ca/root 5f3a... --reason 1 --key zwfw-admin
  # without --key only DIR/crl.pem is written; submit it later with: govchain tx revoke-certs --crl ca/root/crl.pem --key ...`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pass, err := clikit.ReadPassphrase(passFile)
			if err != nil {
				return err
			}
			a, err := ca.Load(dir, pass)
			if err != nil {
				return err
			}
			crl, err := a.Revoke(args[0], reason, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "serial %s revoked; CRL written to %s\n", args[0], filepath.Join(dir, "crl.pem"))
			if submit.Key == "" {
				return nil
			}
			return g.Send(cmd, &submit, identity.MsgRevokeCerts, identity.RevokeCerts{CRL: crl})
		},
	}
	revokeC.Flags().IntVar(&reason, "reason", 0, "RFC 5280 reason: 0 unspecified, 1 keyCompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation")
	revokeC.Flags().StringVar(&submit.Key, "key", "", "also submit the CRL, signed by this key (any active identity)")
	revokeC.Flags().StringVar(&submit.Wait, "wait", "commit", "sync or commit")

	listC := &cobra.Command{
		Use: "list", Short: "List certificates this CA issued", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pass, err := clikit.ReadPassphrase(passFile)
			if err != nil {
				return err
			}
			a, err := ca.Load(dir, pass)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), a.Index.Issued, func(w io.Writer) {
				fmt.Fprintf(w, "%-34s %-10s %-6s %-10s %-10s %s\n", "SERIAL", "KIND", "DEPT", "NOT AFTER", "REVOKED", "NAME")
				for _, e := range a.Index.Issued {
					rev := "-"
					if !e.RevokedAt.IsZero() {
						rev = e.RevokedAt.Format("2006-01-02")
					}
					fmt.Fprintf(w, "%-34s %-10s %-6s %-10s %-10s %s\n", e.Serial, e.Kind, e.Dept, e.NotAfter.Format("2006-01-02"), rev, e.Name)
				}
			})
		},
	}
	showC := &cobra.Command{
		Use: "show FILE", Short: "Describe a certificate file (PEM or DER)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := clikit.ReadFileMax(args[0], clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			c, err := ca.ParsePEM(b)
			if err != nil {
				return err
			}
			s, err := ca.SubjectOf(c)
			if err != nil {
				return err
			}
			info := map[string]any{"serial": ca.Serial(c.SerialNumber), "dept": s.Dept, "kind": s.Kind, "name": s.Name, "org": s.Org,
				"key_id": s.KeyID.String(), "not_before": c.NotBefore, "not_after": c.NotAfter, "issuer": c.Issuer.String(), "ca_key_id": ca.KeyIDOf(c)}
			return g.Emit(cmd.OutOrStdout(), info, func(w io.Writer) { fmt.Fprintln(w, ca.Describe(c)+"\n  issuer "+c.Issuer.String()) })
		},
	}
	c.AddCommand(initC, issueC, revokeC, listC, showC)
	return c
}
