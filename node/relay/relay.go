// Package relay is the recognition relayer: it reads a partner's
// certificate records with their evidence and submits recognition.recognise
// and recognition.revoke transactions to the local chain. The relayer is
// not trusted: the chain verifies every piece of evidence itself, so a
// relayer can delay or withhold recognitions, never forge one.
//
// Each partner kind is a Source: GovchainSource (CometBFT light-client
// headers and ICS23 proofs from the partner's own govchain network) here,
// the Fabric source in node/relay/fabric.
package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/govchain/govchain/contracts/certificate"
	"github.com/govchain/govchain/contracts/gov"
	"github.com/govchain/govchain/contracts/recognition"
	"github.com/govchain/govchain/node/client"
)

// Source is one partner kind's side of the relayer.
type Source interface {
	// Begin starts a round: evidence of this round is taken at one
	// partner height, fixed by the first Evidence call.
	Begin()
	// List returns the hashes of the partner's certificates of a type.
	List(ctx context.Context, typ string) ([]string, error)
	// Lookup reads a partner record without evidence (nil if absent), to
	// decide cheaply whether there is anything to relay.
	Lookup(ctx context.Context, hash string) (*certificate.Record, error)
	// Evidence builds what the local chain verifies for hash, first
	// bringing the local light client (if the kind has one) up to date.
	Evidence(ctx context.Context, hash string) (*recognition.Evidence, *certificate.Record, error)
}

// Refresher is a Source with client state on the local chain that must be
// kept fresh even when there is nothing to relay (a govchain partner's
// light client expires after its trusting period).
type Refresher interface {
	Refresh(ctx context.Context) error
}

// Relayer relays one partner to the local chain.
type Relayer struct {
	Partner string
	Source  Source
	Local   *client.Client
	Signer  *client.Signer
	// Hashes restricts the relayer to these certificates (empty: every
	// partner certificate of a type some agreement covers).
	Hashes []string
	Out    io.Writer
}

// Done is one submitted transaction.
type Done struct {
	Hash          string `json:"hash"`
	Tx            string `json:"tx"`
	Height        int64  `json:"height"`
	PartnerHeight int64  `json:"partner_height"`
}

// Skip is a certificate left alone, with why.
type Skip struct {
	Hash   string `json:"hash"`
	Reason string `json:"reason"`
}

// Report is what one round did.
type Report struct {
	Partner    string `json:"partner"`
	Recognised []Done `json:"recognised"`
	Revoked    []Done `json:"revoked"`
	Skipped    []Skip `json:"skipped"`
}

func (r *Relayer) logf(format string, args ...any) {
	if r.Out != nil {
		fmt.Fprintf(r.Out, format+"\n", args...)
	}
}

// LoadPartner reads a partner's registration from the local chain.
func LoadPartner(ctx context.Context, local *client.Client, id string) (*gov.Partner, error) {
	res, err := local.State(ctx, string(gov.PartnerKey(id)), 0, false)
	if err != nil {
		return nil, err
	}
	if !res.Found {
		return nil, fmt.Errorf("partner %s is not registered on the local chain (govchain gov propose register-partner)", id)
	}
	var p gov.Partner
	if err := json.Unmarshal(res.Value, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Agreements lists the partner types the local chain recognises from id.
func Agreements(ctx context.Context, local *client.Client, id string) ([]recognition.AgreementRecord, error) {
	return local.Agreements(ctx, id)
}

// localRecord reads the local recognition record of hash (nil if none).
func localRecord(ctx context.Context, local *client.Client, hash string) (*recognition.Record, error) {
	res, err := local.State(ctx, string(recognition.RecordKey(hash)), 0, false)
	if err != nil || !res.Found {
		return nil, err
	}
	var r recognition.Record
	return &r, json.Unmarshal(res.Value, &r)
}

// Round relays once: recognises partner certificates that agreements cover
// and are valid at the partner, and revokes recognitions whose certificate
// the partner revoked.
func (r *Relayer) Round(ctx context.Context) (*Report, error) {
	rep := &Report{Partner: r.Partner, Recognised: []Done{}, Revoked: []Done{}, Skipped: []Skip{}}
	r.Source.Begin()
	ags, err := Agreements(ctx, r.Local, r.Partner)
	if err != nil {
		return nil, err
	}
	covered := map[string]bool{}
	for _, a := range ags {
		covered[a.PartnerType] = true
	}
	// Candidates: the given hashes, or every partner certificate of a
	// covered type.
	cands := append([]string(nil), r.Hashes...)
	if len(cands) == 0 {
		types := make([]string, 0, len(covered))
		for t := range covered {
			types = append(types, t)
		}
		sort.Strings(types)
		for _, t := range types {
			hs, err := r.Source.List(ctx, t)
			if err != nil {
				return nil, fmt.Errorf("list partner certificates of type %s: %w", t, err)
			}
			cands = append(cands, hs...)
		}
	}
	for _, h := range cands {
		loc, err := localRecord(ctx, r.Local, h)
		if err != nil {
			return nil, err
		}
		if loc != nil {
			continue // recognised already; revocations are followed below
		}
		pr, err := r.Source.Lookup(ctx, h)
		if err != nil {
			return nil, err
		}
		switch {
		case pr == nil:
			rep.Skipped = append(rep.Skipped, Skip{h, "no such certificate at the partner"})
			continue
		case !covered[pr.Type]:
			rep.Skipped = append(rep.Skipped, Skip{h, fmt.Sprintf("no agreement covers partner type %s", pr.Type)})
			continue
		case pr.Status != certificate.StatusValid:
			rep.Skipped = append(rep.Skipped, Skip{h, "partner status " + pr.Status})
			continue
		}
		ev, rec, err := r.Source.Evidence(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("evidence for %s: %w", h, err)
		}
		if rec == nil || rec.Status != certificate.StatusValid {
			rep.Skipped = append(rep.Skipped, Skip{h, "not valid at the evidence height"})
			continue
		}
		d, err := r.submit(ctx, recognition.MsgRecognise, ev)
		if err != nil {
			var rej *client.RejectedError
			if errors.As(err, &rej) {
				rep.Skipped = append(rep.Skipped, Skip{h, fmt.Sprintf("rejected: %s/%d %s", rej.Result.Codespace, rej.Result.Code, rej.Result.Log)})
				continue
			}
			return nil, err
		}
		rep.Recognised = append(rep.Recognised, *d)
		r.logf("recognised %s from %s (partner height %d) in tx %s at height %d", h, r.Partner, d.PartnerHeight, d.Tx, d.Height)
	}
	if rf, ok := r.Source.(Refresher); ok {
		if err := rf.Refresh(ctx); err != nil {
			r.logf("keeping the light client of %s fresh: %v", r.Partner, err)
		}
	}
	// Revocations: every recognition from this partner still in force.
	idx, err := r.Local.ListAll(ctx, string(recognition.PartnerIndexPrefix(r.Partner)))
	if err != nil {
		return nil, err
	}
	for _, e := range idx {
		h := e.Key[strings.LastIndexByte(e.Key, '/')+1:]
		loc, err := localRecord(ctx, r.Local, h)
		if err != nil {
			return nil, err
		}
		if loc == nil || loc.Status != recognition.StatusRecognised {
			continue
		}
		pr, err := r.Source.Lookup(ctx, h)
		if err != nil {
			return nil, err
		}
		if pr == nil || pr.Status != certificate.StatusRevoked {
			continue
		}
		ev, rec, err := r.Source.Evidence(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("evidence for %s: %w", h, err)
		}
		if rec == nil || rec.Status != certificate.StatusRevoked {
			continue // not yet at the evidence height; next round
		}
		d, err := r.submit(ctx, recognition.MsgRevoke, ev)
		if err != nil {
			var rej *client.RejectedError
			if errors.As(err, &rej) {
				rep.Skipped = append(rep.Skipped, Skip{h, fmt.Sprintf("revoke rejected: %s/%d %s", rej.Result.Codespace, rej.Result.Code, rej.Result.Log)})
				continue
			}
			return nil, err
		}
		rep.Revoked = append(rep.Revoked, *d)
		r.logf("revoked recognition of %s: %s revoked it (partner height %d) — tx %s at height %d", h, r.Partner, d.PartnerHeight, d.Tx, d.Height)
	}
	return rep, nil
}

func (r *Relayer) submit(ctx context.Context, typ string, ev *recognition.Evidence) (*Done, error) {
	res, err := r.Signer.Send(ctx, r.Local, typ, ev, "commit")
	if err != nil {
		var rej *client.RejectedError
		if errors.As(err, &rej) && res != nil {
			// A rejected tx consumed no sequence.
			if n := r.nextSeq(ctx); n > 0 {
				r.Signer.Rewind(n)
			}
		}
		return nil, err
	}
	d := &Done{Hash: ev.Hash, Tx: res.Hash, Height: res.Height}
	if rec, err := localRecord(ctx, r.Local, ev.Hash); err == nil && rec != nil {
		d.PartnerHeight = rec.PartnerHeight
	}
	return d, nil
}

func (r *Relayer) nextSeq(ctx context.Context) uint64 {
	a, err := r.Local.Account(ctx, r.Signer.Key.PublicKey().ID())
	if err != nil {
		return 0
	}
	return a.NextSequence
}

// Follow runs rounds every interval until ctx ends, reporting each round
// that did something.
func (r *Relayer) Follow(ctx context.Context, interval time.Duration, each func(*Report)) error {
	for {
		rep, err := r.Round(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.logf("round failed: %v (retrying in %s)", err, interval)
		} else if each != nil {
			each(rep)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}
