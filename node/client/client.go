// Package client is the light side of a govchain node's HTTP API: its
// request and answer types (the node writes these very types), a typed
// method for every route (routes.go), the signer that builds, signs and
// submits transactions, and the checks of an answer's proofs
// (CertificateResult.Verify and the like). It imports no CometBFT node,
// state store or IAVL (TestDependencies), so the CLI's read commands, the
// testnet and other programs can talk to a node without the daemon.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
)

// Client is an API client for one node.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

func New(baseURL string) *Client {
	if !strings.HasPrefix(baseURL, "http://") && !strings.HasPrefix(baseURL, "https://") {
		baseURL = "http://" + baseURL
	}
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), HTTP: &http.Client{Timeout: 60 * time.Second}}
}

// APIError is a non-2xx answer.
type APIError struct {
	Status int
	Body   Error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s/%d: %s (HTTP %d)", e.Body.Codespace, e.Body.Code, e.Body.Message, e.Status)
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("node %s unreachable: %w", c.BaseURL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	// 422 carries a SubmitResult, decoded by the caller.
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusUnprocessableEntity {
		e := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(raw, &e.Body) != nil || e.Body.Message == "" {
			e.Body.Message = strings.TrimSpace(string(raw))
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode %s answer: %w", path, err)
	}
	return nil
}

// Get fetches any API path into out (for commands without a typed helper).
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.do(ctx, "GET", path, nil, out)
}

// WaitHeight polls until the node reports at least height h.
func (c *Client) WaitHeight(ctx context.Context, h int64) (*Status, error) {
	for {
		s, err := c.Status(ctx)
		if err == nil && s.Height >= h {
			return s, nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return nil, fmt.Errorf("waiting for height %d: %w (last error: %v)", h, ctx.Err(), err)
			}
			return nil, fmt.Errorf("waiting for height %d: %w (at %d)", h, ctx.Err(), s.Height)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Signer builds, signs and submits txs for one key, tracking its sequence
// locally so many txs can be sent without a round trip each.
type Signer struct {
	ChainID string
	Key     *smcrypto.PrivateKey
	// Dept is the key's department (filled by NewSigner); registrations
	// made with RegisterAccount are bound to it.
	Dept string
	mu   sync.Mutex
	next uint64
}

// NewSigner asks the node for the key's next sequence and department.
func NewSigner(ctx context.Context, c *Client, chainID string, k *smcrypto.PrivateKey) (*Signer, error) {
	a, err := c.Account(ctx, k.PublicKey().ID())
	if err != nil {
		return nil, err
	}
	s := &Signer{ChainID: chainID, Key: k, next: a.NextSequence}
	if a.Account != nil {
		s.Dept = a.Account.Dept
	}
	return s, nil
}

// RegisterAccount is the identity.register_account message by which this
// signer (an admin) registers k as an operator of its department, with k's
// proof of possession; send it with Send or Build.
func (s *Signer) RegisterAccount(k *smcrypto.PrivateKey, name string) (idtypes.RegisterAccount, error) {
	if s.Dept == "" {
		return idtypes.RegisterAccount{}, fmt.Errorf("client: signer %s has no department (make it with NewSigner)", s.Key.PublicKey().ID())
	}
	return idtypes.NewRegisterAccount(s.ChainID, s.Dept, k, name, []string{idtypes.RoleOperator})
}

// AdmitCert is the identity.admit_cert message by which this signer admits
// the certificate cert of key k as an operator of its department, with k's
// proof of possession.
func (s *Signer) AdmitCert(k *smcrypto.PrivateKey, cert []byte) (idtypes.AdmitCert, error) {
	if s.Dept == "" {
		return idtypes.AdmitCert{}, fmt.Errorf("client: signer %s has no department (make it with NewSigner)", s.Key.PublicKey().ID())
	}
	return idtypes.NewAdmitCert(s.ChainID, s.Dept, k, cert, []string{idtypes.RoleOperator})
}

// Build signs msg as the next tx of this signer.
func (s *Signer) Build(msgType string, msg any) ([]byte, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	seq := s.next
	s.next++
	s.mu.Unlock()
	t := &tx.Tx{ChainID: s.ChainID, Type: msgType, Signer: s.Key.PublicKey().ID(), Sequence: seq, Body: body}
	if err := t.Sign(s.Key); err != nil {
		return nil, err
	}
	return t.Encode(), nil
}

// Rewind makes the next Build reuse seq (after a rejected submission).
func (s *Signer) Rewind(seq uint64) {
	s.mu.Lock()
	s.next = seq
	s.mu.Unlock()
}

// Send builds, submits and reports a rejection as an error.
func (s *Signer) Send(ctx context.Context, c *Client, msgType string, msg any, wait string) (*SubmitResult, error) {
	raw, err := s.Build(msgType, msg)
	if err != nil {
		return nil, err
	}
	r, err := c.Submit(ctx, raw, wait)
	if err != nil {
		return nil, err
	}
	if r.Code != 0 {
		return r, &RejectedError{Result: *r}
	}
	return r, nil
}

// RejectedError is a tx the chain refused.
type RejectedError struct{ Result SubmitResult }

func (e *RejectedError) Error() string {
	return fmt.Sprintf("tx %s rejected: %s/%d: %s", e.Result.Hash, e.Result.Codespace, e.Result.Code, e.Result.Log)
}
