package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/cli/clikit"
)

// KeyInfo describes a stored SM2 key (never the private part).
type KeyInfo struct {
	Name      string `json:"name"`
	KeyID     string `json:"key_id"`
	PublicKey []byte `json:"public_key"`
	File      string `json:"file"`
}

// newKeyPath is where key name is stored, checked to be a new file.
func newKeyPath(g *globals, name string) (string, error) {
	if strings.ContainsAny(name, `/\ `) {
		return "", fmt.Errorf("key name %q must not contain slashes or spaces", name)
	}
	path := filepath.Join(g.Home, "keys", name+".pem")
	if _, err := os.Stat(path); err == nil {
		return "", fmt.Errorf("%s exists; refusing to overwrite a key", path)
	}
	return path, nil
}

// storeKey writes k to path encrypted with pass and says so ("created",
// "imported").
func storeKey(cmd *cobra.Command, g *globals, name, path string, k *smcrypto.PrivateKey, pass []byte, verb string) error {
	pem, err := smcrypto.MarshalPrivateKeyPEM(k, pass)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(path, pem, 0o600); err != nil {
		return err
	}
	info := KeyInfo{Name: name, KeyID: k.PublicKey().ID().String(), PublicKey: k.PublicKey().Bytes(), File: path}
	return g.Emit(cmd.OutOrStdout(), info, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s\n  key id: %s\n  public key (base64): %s\n", verb, path, info.KeyID, b64(info.PublicKey))
	})
}

func keysCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "keys", Short: "Create and inspect SM2 signing keys (HOME/keys/NAME.pem, PKCS#8 encrypted)"}
	var passFile string
	create := &cobra.Command{
		Use:     "create NAME",
		Short:   "Generate an SM2 key pair",
		Example: "  GOVCHAIN_PASSPHRASE=... govchain keys create officer1\n  govchain keys create officer1 --passphrase-file pass.txt -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			path, err := newKeyPath(g, name)
			if err != nil {
				return err
			}
			pass, err := clikit.ReadPassphrase(passFile)
			if err != nil {
				return err
			}
			k, err := smcrypto.GenerateKey()
			if err != nil {
				return err
			}
			return storeKey(cmd, g, name, path, k, pass, "created")
		},
	}
	create.Flags().StringVar(&passFile, "passphrase-file", "", "passphrase file (else env GOVCHAIN_PASSPHRASE)")

	list := &cobra.Command{
		Use: "list", Short: "List keys in HOME/keys", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, _ := filepath.Glob(filepath.Join(g.Home, "keys", "*.pem"))
			sort.Strings(files)
			var out []KeyInfo
			for _, f := range files {
				info, err := keyInfo(f, passFile)
				if err != nil {
					info = KeyInfo{Name: strings.TrimSuffix(filepath.Base(f), ".pem"), File: f, KeyID: "(locked: " + err.Error() + ")"}
				}
				out = append(out, info)
			}
			return g.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				if len(out) == 0 {
					fmt.Fprintf(w, "no keys in %s (create one with `govchain keys create NAME`)\n", filepath.Join(g.Home, "keys"))
				}
				for _, k := range out {
					fmt.Fprintf(w, "%-16s %s\n", k.Name, k.KeyID)
				}
			})
		},
	}
	list.Flags().StringVar(&passFile, "passphrase-file", "", "passphrase file (else env GOVCHAIN_PASSPHRASE)")
	show := &cobra.Command{
		Use: "show NAME|FILE", Short: "Show a key's id and public key", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if _, err := os.Stat(path); err != nil {
				path = filepath.Join(g.Home, "keys", args[0]+".pem")
			}
			info, err := keyInfo(path, passFile)
			if err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), info, func(w io.Writer) {
				fmt.Fprintf(w, "name:       %s\nfile:       %s\nkey id:     %s\npublic key: %s\n", info.Name, info.File, info.KeyID, b64(info.PublicKey))
			})
		},
	}
	show.Flags().StringVar(&passFile, "passphrase-file", "", "passphrase file (else env GOVCHAIN_PASSPHRASE)")
	var popDept, popChain string
	pop := &cobra.Command{
		Use:   "pop NAME|FILE",
		Short: "Sign a key's proof of possession for its registration by a department",
		Long: `Sign the proof of possession identity.register_account needs: the key's SM2
signature over SM3("govchain/pop/v1\0" | chain id | department | public key),
each length-prefixed. Give the printed public key and pop to your department's
admin (govchain tx register-account --public-key ... --pop ...); the proof is
valid only for that department on that chain.`,
		Example: "  govchain keys pop officer1 --dept ZWFW --chain-id chaoyang-1 -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !identity.ValidDeptCode(popDept) || popChain == "" {
				return fmt.Errorf("--dept (a department code) and --chain-id are required")
			}
			k, err := g.LoadKey(args[0], passFile)
			if err != nil {
				return err
			}
			p, err := identity.ProofOfPossession(k, popChain, popDept)
			if err != nil {
				return err
			}
			out := PoPInfo{KeyID: k.PublicKey().ID().String(), PublicKey: k.PublicKey().Bytes(), Dept: popDept, ChainID: popChain, PoP: p}
			return g.Emit(cmd.OutOrStdout(), out, func(w io.Writer) {
				fmt.Fprintf(w, "key id:     %s\npublic key: %s\npop:        %s\n(for %s on %s)\n", out.KeyID, b64(out.PublicKey), b64(out.PoP), popDept, popChain)
			})
		},
	}
	pop.Flags().StringVar(&passFile, "passphrase-file", "", "passphrase file (else env GOVCHAIN_PASSPHRASE)")
	pop.Flags().StringVar(&popDept, "dept", "", "the department that will register the key")
	pop.Flags().StringVar(&popChain, "chain-id", "", "the chain id (see govchain status)")
	c.AddCommand(create, list, show, pop, keysExportCmd(g), keysImportCmd(g))
	return c
}

// KeyExport is the -o json output of `keys export`.
type KeyExport struct {
	KeyID     string `json:"key_id"`
	File      string `json:"file"`
	Encrypted bool   `json:"encrypted"`
	Cipher    string `json:"cipher,omitempty"`
	Public    bool   `json:"public,omitempty"`
}

func keysExportCmd(g *globals) *cobra.Command {
	var passFile, outPassFile, out, cipher string
	var encrypt, public bool
	c := &cobra.Command{
		Use:   "export NAME|FILE",
		Short: "Write a key as PKCS#8 PEM that OpenSSL 3, BouncyCastle and Java read",
		Long: `Write the SM2 private key as a PKCS#8 PEM file other tools read.

govchain's own key files are encrypted with PBKDF2-HMAC-SM3 and SM4-CBC, a PRF
OpenSSL 3.0 does not know. By default export writes the key UNENCRYPTED
("PRIVATE KEY", mode 0600) and warns; with --encrypt it writes an "ENCRYPTED
PRIVATE KEY" with PBKDF2-HMAC-SHA256 and AES-256-CBC (OpenSSL's own default)
or --cipher sm4-cbc, under the passphrase of --out-passphrase-file (else the
key's own passphrase). --public writes the public key instead (SubjectPublicKeyInfo
"PUBLIC KEY", for openssl dgst -verify). See docs/protocol.md#openssl-recipe.`,
		Example: `  govchain keys export zwfw-admin --out admin.pem          # unencrypted; openssl pkey -in admin.pem -noout -text
  govchain keys export zwfw-admin --encrypt --out admin.pem --out-passphrase-file p.txt
  openssl pkey -in admin.pem -passin file:p.txt -noout -text
  govchain keys export zwfw-admin --public --out admin.pub.pem`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := g.LoadKey(args[0], passFile)
			if err != nil {
				return err
			}
			var pem []byte
			if public {
				if encrypt {
					return fmt.Errorf("--public writes the public key, which needs no --encrypt")
				}
				if pem, err = smcrypto.MarshalPublicKeyPEM(k.PublicKey()); err != nil {
					return err
				}
			} else if encrypt {
				pass, err := clikit.ReadPassphrase(outPassFile)
				if outPassFile == "" {
					pass, err = clikit.ReadPassphrase(passFile)
				}
				if err != nil {
					return fmt.Errorf("--encrypt: %w", err)
				}
				if pem, err = smcrypto.MarshalPrivateKeyPEMPortable(k, pass, cipher); err != nil {
					return err
				}
			} else {
				if cmd.Flags().Changed("cipher") {
					return fmt.Errorf("--cipher needs --encrypt")
				}
				if pem, err = smcrypto.MarshalPrivateKeyPEM(k, nil); err != nil {
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: the private key is written UNENCRYPTED; keep the file private and delete it after use (or use --encrypt)")
			}
			info := KeyExport{KeyID: k.PublicKey().ID().String(), File: out, Encrypted: encrypt, Public: public}
			if encrypt {
				info.Cipher = cipher
			}
			if out == "" || out == "-" {
				if g.Output == "json" {
					return fmt.Errorf("-o json needs --out FILE (the PEM goes to the file)")
				}
				_, err := cmd.OutOrStdout().Write(pem)
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("%w (export refuses to overwrite a file)", err)
			}
			if _, err := f.Write(pem); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			return g.Emit(cmd.OutOrStdout(), info, func(w io.Writer) {
				what := map[bool]string{true: "encrypted, " + cipher, false: "unencrypted"}[encrypt]
				if public {
					what = "public key"
				}
				fmt.Fprintf(w, "wrote %s (key id %s, %s)\n", out, info.KeyID, what)
			})
		},
	}
	c.Flags().StringVar(&passFile, "passphrase-file", "", "passphrase of the govchain key file (else env GOVCHAIN_PASSPHRASE)")
	c.Flags().StringVar(&out, "out", "", "file to write (mode 0600, never overwritten); default stdout")
	c.Flags().BoolVar(&encrypt, "encrypt", false, "encrypt with PBKDF2-HMAC-SHA256 and --cipher")
	c.Flags().BoolVar(&public, "public", false, "write the public key (PUBLIC KEY PEM) instead")
	c.Flags().StringVar(&cipher, "cipher", smcrypto.PortableAES256CBC, "with --encrypt: aes-256-cbc or sm4-cbc")
	c.Flags().StringVar(&outPassFile, "out-passphrase-file", "", "with --encrypt: passphrase for the exported file (default: the key's own)")
	return c
}

func keysImportCmd(g *globals) *cobra.Command {
	var passFile, inPassFile string
	c := &cobra.Command{
		Use:   "import NAME FILE",
		Short: "Store a PKCS#8 SM2 key made elsewhere (OpenSSL, BouncyCastle) as HOME/keys/NAME.pem",
		Long: `Read an SM2 private key in PKCS#8 PEM, unencrypted or PBES2-encrypted (OpenSSL's
default PBKDF2-HMAC-SHA256 with AES, or SM4-CBC, or govchain's HMAC-SM3), and
store it as HOME/keys/NAME.pem, encrypted the govchain way (PBKDF2-HMAC-SM3,
SM4-CBC) with the passphrase of --passphrase-file or GOVCHAIN_PASSPHRASE.`,
		Example: `  openssl genpkey -algorithm SM2 -out officer.pem
  govchain keys import officer3 officer.pem -o json
  govchain keys import officer4 enc.pem --in-passphrase-file p.txt`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			path, err := newKeyPath(g, name)
			if err != nil {
				return err
			}
			b, err := clikit.ReadFileMax(args[1], clikit.MaxSmallFile)
			if err != nil {
				return err
			}
			var inPass []byte
			if strings.Contains(string(b), "ENCRYPTED PRIVATE KEY") {
				if inPassFile == "" {
					return fmt.Errorf("%s is encrypted: give its passphrase with --in-passphrase-file", args[1])
				}
				if inPass, err = clikit.ReadPassphrase(inPassFile); err != nil {
					return err
				}
			}
			k, err := smcrypto.ParsePrivateKeyPEM(b, inPass)
			if err != nil {
				return fmt.Errorf("%s: %w", args[1], err)
			}
			pass, err := clikit.ReadPassphrase(passFile)
			if err != nil {
				return err
			}
			return storeKey(cmd, g, name, path, k, pass, "imported")
		},
	}
	c.Flags().StringVar(&passFile, "passphrase-file", "", "passphrase for the stored key (else env GOVCHAIN_PASSPHRASE)")
	c.Flags().StringVar(&inPassFile, "in-passphrase-file", "", "passphrase of FILE when it is encrypted")
	return c
}

// PoPInfo is the output of `keys pop`.
type PoPInfo struct {
	KeyID     string `json:"key_id"`
	PublicKey []byte `json:"public_key"`
	Dept      string `json:"dept"`
	ChainID   string `json:"chain_id"`
	PoP       []byte `json:"pop"`
}

func keyInfo(path, passFile string) (KeyInfo, error) {
	b, err := clikit.ReadFileMax(path, clikit.MaxSmallFile)
	if err != nil {
		return KeyInfo{}, err
	}
	pass, _ := clikit.ReadPassphrase(passFile)
	k, err := smcrypto.ParsePrivateKeyPEM(b, pass)
	if err != nil {
		return KeyInfo{}, err
	}
	return KeyInfo{Name: strings.TrimSuffix(filepath.Base(path), ".pem"), KeyID: k.PublicKey().ID().String(), PublicKey: k.PublicKey().Bytes(), File: path}, nil
}
