package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	cmthttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/recognition"
	"github.com/govchain/govchain/node/client"
)

// GovchainSource relays from a partner's govchain network: certificate
// records and ICS23 proofs from its API, signed headers, commits and
// validator sets from its CometBFT RPC.
type GovchainSource struct {
	Partner string
	ChainID string // the partner chain id registered locally
	API     *client.Client
	RPC     *cmthttp.HTTP
	Local   *client.Client
	Signer  *client.Signer
	Out     io.Writer

	// TrustingPeriod is the partner's registered trusting period; Refresh
	// advances the light client once a third of it has passed.
	TrustingPeriod time.Duration

	height int64 // header height of this round's evidence (0: not fixed yet)
	header *cmttypes.SignedHeader
}

// NewGovchainSource connects to a partner node's API and CometBFT RPC.
func NewGovchainSource(ctx context.Context, partner string, reg *gov.Partner, api *client.Client, rpcURL string, local *client.Client, signer *client.Signer, out io.Writer) (*GovchainSource, error) {
	var cfg recognition.GovchainConfig
	if err := json.Unmarshal(reg.Config, &cfg); err != nil {
		return nil, fmt.Errorf("partner %s config: %w", partner, err)
	}
	if !strings.Contains(rpcURL, "://") {
		rpcURL = "http://" + rpcURL
	}
	rpc, err := cmthttp.New(rpcURL)
	if err != nil {
		return nil, err
	}
	st, err := api.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("partner API: %w", err)
	}
	if st.ChainID != cfg.ChainID {
		return nil, fmt.Errorf("partner node %s runs chain %q; partner %s is registered as chain %q", api.BaseURL, st.ChainID, partner, cfg.ChainID)
	}
	tp, _ := time.ParseDuration(cfg.TrustingPeriod)
	return &GovchainSource{Partner: partner, ChainID: cfg.ChainID, TrustingPeriod: tp, API: api, RPC: rpc, Local: local, Signer: signer, Out: out}, nil
}

// Refresh advances the local light client to the partner's latest header
// when its trusted header is older than a third of the trusting period
// (judged by this relayer's clock: it only decides when to relay, the
// chain judges by its block time).
func (s *GovchainSource) Refresh(ctx context.Context) error {
	if s.TrustingPeriod <= 0 || s.height != 0 {
		return nil // unknown, or already synced this round
	}
	cs, err := s.clientState(ctx)
	if err != nil || cs == nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, cs.Time)
	if err != nil || time.Since(t) < s.TrustingPeriod/3 {
		return err
	}
	return s.sync(ctx)
}

func (s *GovchainSource) logf(format string, args ...any) {
	if s.Out != nil {
		fmt.Fprintf(s.Out, format+"\n", args...)
	}
}

func (s *GovchainSource) Begin() { s.height, s.header = 0, nil }

func (s *GovchainSource) List(ctx context.Context, typ string) ([]string, error) {
	var out []string
	for cursor := ""; ; {
		l, err := s.API.Certificates(ctx, certificate.Filter{Type: typ}, client.Page{Limit: client.MaxPageLimit, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, it := range l.Items {
			if it.Kind == "certificate" {
				out = append(out, it.ID)
			}
		}
		if l.NextCursor == "" || l.NextCursor == cursor {
			return out, nil
		}
		cursor = l.NextCursor
	}
}

func (s *GovchainSource) Lookup(ctx context.Context, hash string) (*certificate.Record, error) {
	res, err := s.API.State(ctx, string(certificate.RecordKey(hash)), 0, false)
	if err != nil || !res.Found {
		return nil, err
	}
	var r certificate.Record
	return &r, json.Unmarshal(res.Value, &r)
}

// Evidence proves hash under this round's header, fixing (and relaying)
// that header on the first call.
func (s *GovchainSource) Evidence(ctx context.Context, hash string) (*recognition.Evidence, *certificate.Record, error) {
	if s.height == 0 {
		if err := s.sync(ctx); err != nil {
			return nil, nil, err
		}
	}
	res, err := s.API.State(ctx, string(certificate.RecordKey(hash)), s.height-1, true)
	if err != nil {
		return nil, nil, err
	}
	if !res.Found || res.Proof == nil {
		return nil, nil, nil
	}
	if s.header != nil && !bytes.Equal(res.AppHash, s.header.AppHash) {
		return nil, nil, fmt.Errorf("partner node answered state %d under app hash %X; header %d says %X (is the node on another fork?)", res.Height, res.AppHash, s.height, s.header.AppHash)
	}
	var rec certificate.Record
	if err := json.Unmarshal(res.Value, &rec); err != nil {
		return nil, nil, err
	}
	return &recognition.Evidence{Partner: s.Partner, Hash: hash, Govchain: &recognition.GovchainEvidence{
		HeaderHeight: s.height, Record: res.Value, Proof: res.Proof.Ops}}, &rec, nil
}

// sync picks the header this round proves against: the partner's latest
// committed height, relayed with recognition.update_client unless the
// local light client already trusts a header at or above it.
func (s *GovchainSource) sync(ctx context.Context) error {
	st, err := s.API.Status(ctx)
	if err != nil {
		return err
	}
	target := st.Height // its app hash (state st.Height-1) is in header st.Height
	if target < 2 {
		return fmt.Errorf("partner chain at height %d; wait for a few blocks", target)
	}
	cs, err := s.clientState(ctx)
	if err != nil {
		return err
	}
	if cs != nil && cs.Height >= target {
		s.height = cs.Height
		return nil
	}
	if err := s.advance(ctx, target, 0); err != nil {
		return err
	}
	s.height = target
	return nil
}

func (s *GovchainSource) clientState(ctx context.Context) (*recognition.ClientState, error) {
	res, err := s.Local.State(ctx, string(recognition.ClientKey(s.Partner)), 0, false)
	if err != nil || !res.Found {
		return nil, err
	}
	var cs recognition.ClientState
	return &cs, json.Unmarshal(res.Value, &cs)
}

// Update fetches the partner's signed header and validator set at height.
func (s *GovchainSource) Update(ctx context.Context, height int64) (*recognition.HeaderUpdate, *cmttypes.SignedHeader, error) {
	return FetchUpdate(ctx, s.RPC, height)
}

// FetchUpdate reads a signed header (header + commit) and the validator
// set at height from a CometBFT RPC endpoint.
func FetchUpdate(ctx context.Context, rpc *cmthttp.HTTP, height int64) (*recognition.HeaderUpdate, *cmttypes.SignedHeader, error) {
	c, err := rpc.Commit(ctx, &height)
	if err != nil {
		return nil, nil, fmt.Errorf("partner commit %d: %w", height, err)
	}
	var vals []*cmttypes.Validator
	for page := 1; ; page++ {
		per := 100
		p := page
		v, err := rpc.Validators(ctx, &height, &p, &per)
		if err != nil {
			return nil, nil, fmt.Errorf("partner validators %d: %w", height, err)
		}
		vals = append(vals, v.Validators...)
		if len(vals) >= v.Total || len(v.Validators) == 0 {
			break
		}
	}
	vs, err := cmttypes.ValidatorSetFromExistingValidators(vals)
	if err != nil {
		return nil, nil, err
	}
	raw, err := c.SignedHeader.ToProto().Marshal()
	if err != nil {
		return nil, nil, err
	}
	return &recognition.HeaderUpdate{SignedHeader: raw, Validators: recognition.ValidatorsFrom(vs)}, &c.SignedHeader, nil
}

// advance brings the local light client to height, bisecting (as
// CometBFT's light client does) when the validator set changed too much
// for one non-adjacent step.
func (s *GovchainSource) advance(ctx context.Context, height int64, depth int) error {
	u, sh, err := s.Update(ctx, height)
	if err != nil {
		return err
	}
	_, err = s.Signer.Send(ctx, s.Local, recognition.MsgUpdateClient, recognition.UpdateClient{Partner: s.Partner, Update: *u}, "commit")
	var rej *client.RejectedError
	if err == nil {
		s.header = sh
		s.logf("light client of %s advanced to height %d (header %X)", s.Partner, height, sh.Hash())
		return nil
	}
	if !errors.As(err, &rej) {
		return err
	}
	if a, e := s.Local.Account(ctx, s.Signer.Key.PublicKey().ID()); e == nil {
		s.Signer.Rewind(a.NextSequence)
	}
	cs, cerr := s.clientState(ctx)
	if cerr != nil {
		return cerr
	}
	switch {
	case cs != nil && cs.Height >= height:
		return nil // another relayer got there first
	case rej.Result.Codespace == recognition.Name && rej.Result.Code == recognition.ErrBadCommit.Code &&
		strings.Contains(rej.Result.Log, "validators trusted at height") && cs != nil && height-cs.Height > 1 && depth < 30:
		mid := cs.Height + (height-cs.Height)/2
		s.logf("validator set of %s changed too much between %d and %d: bisecting at %d", s.Partner, cs.Height, height, mid)
		if err := s.advance(ctx, mid, depth+1); err != nil {
			return err
		}
		return s.advance(ctx, height, depth+1)
	}
	return err
}
