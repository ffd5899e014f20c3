package clikit

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/node/client"
)

// TxFlags are the flags of every command that sends a transaction.
type TxFlags struct {
	Key, PassFile, Wait string
}

// Register adds --key (required), --passphrase-file and --wait to c.
func (f *TxFlags) Register(c *cobra.Command) {
	c.Flags().StringVar(&f.Key, "key", "", "signing key: a name under HOME/keys or a PEM file (required)")
	c.Flags().StringVar(&f.PassFile, "passphrase-file", "", "passphrase file (else env GOVCHAIN_PASSPHRASE)")
	c.Flags().StringVar(&f.Wait, "wait", "commit", "sync: return once the node accepted it; commit: once it is in a block")
	_ = c.MarkFlagRequired("key")
}

// TxSigner is --key on --node. Every transaction the CLI sends goes
// through its Send, which is client.Signer.Send: signed with the key's
// next sequence and submitted to the node.
type TxSigner struct {
	Client  *client.Client
	Key     *smcrypto.PrivateKey
	ChainID string
	s       *client.Signer // made on the first use: the sequence is read then
}

// TxSigner loads --key and asks --node for the chain id.
func (e *Env) TxSigner(ctx context.Context, f *TxFlags) (*TxSigner, error) {
	k, err := e.LoadKey(f.Key, f.PassFile)
	if err != nil {
		return nil, err
	}
	c := e.Client()
	st, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	return &TxSigner{Client: c, Key: k, ChainID: st.ChainID}, nil
}

// Signer asks the node for the key's next sequence and department, once.
func (t *TxSigner) Signer(ctx context.Context) (*client.Signer, error) {
	if t.s == nil {
		s, err := client.NewSigner(ctx, t.Client, t.ChainID, t.Key)
		if err != nil {
			return nil, fmt.Errorf("signer %s: %w", t.Key.PublicKey().ID(), err)
		}
		t.s = s
	}
	return t.s, nil
}

// Send signs msg as the key's next transaction and submits it; a tx the
// chain refused is an error (client.RejectedError) with its result.
func (t *TxSigner) Send(ctx context.Context, msgType string, msg any, wait string) (*client.SubmitResult, error) {
	s, err := t.Signer(ctx)
	if err != nil {
		return nil, err
	}
	return s.Send(ctx, t.Client, msgType, msg, wait)
}

// Send signs msg with --key, submits it to --node and prints the result.
func (e *Env) Send(cmd *cobra.Command, f *TxFlags, msgType string, msg any) error {
	_, err := e.Submit(cmd, f, msgType, Fixed(msg), false)
	return err
}

// Fixed is a message that does not depend on its signer.
func Fixed(msg any) func(*client.Signer) (any, error) {
	return func(*client.Signer) (any, error) { return msg, nil }
}

// Submit sends one transaction of a command: build makes the message once
// the signer is known (a registration's proof of possession names the
// chain and the department); the result is printed unless quiet.
func (e *Env) Submit(cmd *cobra.Command, f *TxFlags, msgType string, build func(*client.Signer) (any, error), quiet bool) (*client.SubmitResult, error) {
	ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
	defer cancel()
	t, err := e.TxSigner(ctx, f)
	if err != nil {
		return nil, err
	}
	s, err := t.Signer(ctx)
	if err != nil {
		return nil, err
	}
	msg, err := build(s)
	if err != nil {
		return nil, err
	}
	res, err := t.Send(ctx, msgType, msg, f.Wait)
	if quiet {
		return res, err
	}
	return res, e.PrintResult(cmd, res, err)
}

// PrintResult prints a submission's result (if there is one) and passes
// its error on.
func (e *Env) PrintResult(cmd *cobra.Command, res *client.SubmitResult, err error) error {
	if res != nil {
		if err := e.Emit(cmd.OutOrStdout(), res, func(w io.Writer) { PrintSubmit(w, res) }); err != nil {
			return err
		}
	}
	return err
}

// PrintSubmit is the text form of a submission's result.
func PrintSubmit(w io.Writer, r *client.SubmitResult) {
	if r.Code != 0 {
		fmt.Fprintf(w, "REJECTED %s/%d\n  %s\n  tx %s\n", r.Codespace, r.Code, r.Log, r.Hash)
		return
	}
	if r.Height > 0 {
		fmt.Fprintf(w, "committed in block %d\n  tx %s\n", r.Height, r.Hash)
	} else {
		fmt.Fprintf(w, "accepted into the mempool\n  tx %s\n", r.Hash)
	}
	if r.Data != "" {
		fmt.Fprintf(w, "  result %s\n", r.Data)
	}
}
