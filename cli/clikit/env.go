// Package clikit is what a module's commands need from the govchain
// command: the global flags (Env), the one path by which a command signs
// and sends a transaction (Env.Submit, TxSigner), the output helpers and
// the bounded file readers. It imports no daemon and not package cli, so a
// module's …cli package lives in the module's folder and the root command
// mounts it from one list (cli/root.go).
package clikit

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
)

// Env holds the global flags. The root command binds them to these fields
// before any command runs, so a command reads them in its RunE, never
// when it is built.
type Env struct {
	Home   string // --home: node or client home directory (keys under Home/keys)
	Node   string // --node: the node API address
	Output string // --output: text or json
}

// Client talks to --node.
func (e *Env) Client() *client.Client { return client.New(e.Node) }

// JSON reports --output json.
func (e *Env) JSON() bool { return e.Output == "json" }

// Emit prints v as indented JSON with --output json, else calls text.
func (e *Env) Emit(w io.Writer, v any, text func(io.Writer)) error {
	if e.JSON() {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(w)
	return nil
}

// ReadPassphrase reads file (--passphrase-file), else GOVCHAIN_PASSPHRASE.
func ReadPassphrase(file string) ([]byte, error) {
	if file != "" {
		b, err := ReadFileMax(file, MaxSmallFile)
		if err != nil {
			return nil, err
		}
		return []byte(strings.TrimRight(string(b), "\r\n")), nil
	}
	if v := os.Getenv("GOVCHAIN_PASSPHRASE"); v != "" {
		return []byte(v), nil
	}
	return nil, fmt.Errorf("no passphrase: pass --passphrase-file FILE or set GOVCHAIN_PASSPHRASE")
}

// LoadKey resolves --key: a path to a PEM file, or a name under Home/keys.
func (e *Env) LoadKey(nameOrPath, passFile string) (*smcrypto.PrivateKey, error) {
	path := nameOrPath
	if _, err := os.Stat(path); err != nil {
		path = filepath.Join(e.Home, "keys", nameOrPath+".pem")
	}
	b, err := ReadFileMax(path, MaxSmallFile)
	if err != nil {
		return nil, fmt.Errorf("key %q: not a file and not %s", nameOrPath, path)
	}
	pass, err := ReadPassphrase(passFile)
	if err != nil && strings.Contains(string(b), "ENCRYPTED") {
		return nil, err
	}
	return smcrypto.ParsePrivateKeyPEM(b, pass)
}

// WriteJSONFile writes v as indented JSON (and a newline) to path.
func WriteJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// OrNoExpiry shows a last valid day, "" being no expiry.
func OrNoExpiry(validUntil string) string {
	if validUntil == "" {
		return "(no expiry)"
	}
	return validUntil
}
