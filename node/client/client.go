// Package client talks to a govchain node's HTTP API: submit signed txs,
// read state with proofs. It is what the CLI, the testnet and tests use.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govchain/govchain/chain/identity"
	"github.com/govchain/govchain/chain/smcrypto"
	"github.com/govchain/govchain/chain/tx"
	"github.com/govchain/govchain/node"
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
	Body   node.Error
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

func (c *Client) Status(ctx context.Context) (*node.Status, error) {
	var s node.Status
	return &s, c.do(ctx, "GET", "/v1/status", nil, &s)
}

// Submit sends raw tx bytes; wait is "sync" or "commit".
func (c *Client) Submit(ctx context.Context, raw []byte, wait string) (*node.SubmitResult, error) {
	var r node.SubmitResult
	path := "/v1/txs"
	if wait != "" {
		path += "?wait=" + url.QueryEscape(wait)
	}
	return &r, c.do(ctx, "POST", path, node.SubmitRequest{Tx: raw}, &r)
}

func (c *Client) Account(ctx context.Context, id smcrypto.KeyID) (*node.AccountResult, error) {
	var r node.AccountResult
	return &r, c.do(ctx, "GET", "/v1/accounts/"+id.String(), nil, &r)
}

func (c *Client) State(ctx context.Context, key string, height int64, prove bool) (*node.StateResult, error) {
	q := url.Values{"key": {key}}
	if height > 0 {
		q.Set("height", strconv.FormatInt(height, 10))
	}
	if prove {
		q.Set("prove", "true")
	}
	var r node.StateResult
	return &r, c.do(ctx, "GET", "/v1/state?"+q.Encode(), nil, &r)
}

func (c *Client) Tx(ctx context.Context, hash string) (*node.TxInfo, error) {
	var r node.TxInfo
	return &r, c.do(ctx, "GET", "/v1/txs/"+hash, nil, &r)
}

// Get fetches any API path into out (for commands without a typed helper).
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.do(ctx, "GET", path, nil, out)
}

// WaitHeight polls until the node reports at least height h.
func (c *Client) WaitHeight(ctx context.Context, h int64) (*node.Status, error) {
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
func (s *Signer) RegisterAccount(k *smcrypto.PrivateKey, name string) (identity.RegisterAccount, error) {
	if s.Dept == "" {
		return identity.RegisterAccount{}, fmt.Errorf("client: signer %s has no department (make it with NewSigner)", s.Key.PublicKey().ID())
	}
	return identity.NewRegisterAccount(s.ChainID, s.Dept, k, name, []string{identity.RoleOperator})
}

// AdmitCert is the identity.admit_cert message by which this signer admits
// the certificate cert of key k as an operator of its department, with k's
// proof of possession.
func (s *Signer) AdmitCert(k *smcrypto.PrivateKey, cert []byte) (identity.AdmitCert, error) {
	if s.Dept == "" {
		return identity.AdmitCert{}, fmt.Errorf("client: signer %s has no department (make it with NewSigner)", s.Key.PublicKey().ID())
	}
	return identity.NewAdmitCert(s.ChainID, s.Dept, k, cert, []string{identity.RoleOperator})
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
func (s *Signer) Send(ctx context.Context, c *Client, msgType string, msg any, wait string) (*node.SubmitResult, error) {
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
type RejectedError struct{ Result node.SubmitResult }

func (e *RejectedError) Error() string {
	return fmt.Sprintf("tx %s rejected: %s/%d: %s", e.Result.Hash, e.Result.Codespace, e.Result.Code, e.Result.Log)
}

// List pages through state keys under prefix (startAfter "" = from the start).
func (c *Client) List(ctx context.Context, prefix, startAfter string, limit int) (*node.ListResult, error) {
	q := url.Values{"prefix": {prefix}}
	if startAfter != "" {
		q.Set("start_after", startAfter)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var r node.ListResult
	return &r, c.do(ctx, "GET", "/v1/list?"+q.Encode(), nil, &r)
}

// ListAll follows List's pages to the end.
func (c *Client) ListAll(ctx context.Context, prefix string) ([]node.ListEntry, error) {
	var out []node.ListEntry
	after := ""
	for {
		r, err := c.List(ctx, prefix, after, 1000)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Entries...)
		if r.Next == "" {
			return out, nil
		}
		after = r.Next
	}
}

// Departments lists every department, following the pages of
// GET /v1/departments.
func (c *Client) Departments(ctx context.Context) (*node.DepartmentList, error) {
	var all *node.DepartmentList
	cursor := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(node.MaxPageLimit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var r node.DepartmentList
		if err := c.do(ctx, "GET", "/v1/departments?"+q.Encode(), nil, &r); err != nil {
			return nil, err
		}
		if all == nil {
			all = &r
		} else {
			all.Departments = append(all.Departments, r.Departments...)
		}
		if r.NextCursor == "" || r.NextCursor == cursor {
			all.NextCursor = ""
			return all, nil
		}
		cursor = r.NextCursor
	}
}

// CreditProfile reads a subject's profile (with proofs when prove is
// set) at height (0 = latest), joining the pages of its events, all at the
// first page's height.
func (c *Client) CreditProfile(ctx context.Context, ref string, height int64, prove bool) (*node.CreditProfileResult, error) {
	var all *node.CreditProfileResult
	cursor := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(node.MaxPageLimit)}}
		if prove {
			q.Set("prove", "true")
		}
		if all != nil {
			height = all.Height
		}
		if height > 0 {
			q.Set("height", strconv.FormatInt(height, 10))
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var r node.CreditProfileResult
		if err := c.do(ctx, "GET", "/v1/credit/subjects/"+url.PathEscape(ref)+"?"+q.Encode(), nil, &r); err != nil {
			return nil, err
		}
		if all == nil {
			all = &r
		} else if err := all.Join(&r); err != nil {
			return nil, err
		}
		if r.NextCursor == "" || r.NextCursor == cursor {
			return all, nil
		}
		cursor = r.NextCursor
	}
}
