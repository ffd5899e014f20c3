package audit

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/cometbft/cometbft/types"
)

// HeaderSource is what Compare needs from a node.
type HeaderSource interface {
	Genesis(ctx context.Context) (*types.GenesisDoc, error)
	Latest(ctx context.Context) (int64, error)
	Header(ctx context.Context, h int64) (*types.Header, error)
	Commit(ctx context.Context, h int64) (*types.SignedHeader, error)
	Validators(ctx context.Context, h int64) (*types.ValidatorSet, error)
	// HeadersRange returns headers lo..hi (a node may return fewer; the
	// caller asks again from where it stopped).
	HeadersRange(ctx context.Context, lo, hi int64) ([]*types.Header, error)
	Block(ctx context.Context, h int64) (*types.Block, error)
}

func (s *RPCSource) Header(ctx context.Context, h int64) (*types.Header, error) {
	r, err := s.c.Header(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("header %d from %s: %w", h, s.Addr, err)
	}
	if r.Header == nil {
		return nil, fmt.Errorf("header %d from %s: empty answer", h, s.Addr)
	}
	return r.Header, nil
}

func (s *RPCSource) Validators(ctx context.Context, h int64) (*types.ValidatorSet, error) {
	var vals []*types.Validator
	page, per := 1, 100
	for {
		r, err := s.c.Validators(ctx, &h, &page, &per)
		if err != nil {
			return nil, fmt.Errorf("validators at %d from %s: %w", h, s.Addr, err)
		}
		vals = append(vals, r.Validators...)
		if len(vals) >= r.Total || len(r.Validators) == 0 {
			break
		}
		page++
	}
	// Addresses in the answer are the node's word; derive them from the keys.
	out := make([]*types.Validator, len(vals))
	for i, v := range vals {
		out[i] = types.NewValidator(v.PubKey, v.VotingPower)
	}
	return types.NewValidatorSet(out), nil
}

func (s *RPCSource) HeadersRange(ctx context.Context, lo, hi int64) ([]*types.Header, error) {
	r, err := s.c.BlockchainInfo(ctx, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("headers %d..%d from %s: %w", lo, hi, s.Addr, err)
	}
	out := make([]*types.Header, 0, len(r.BlockMetas))
	// BlockchainInfo answers newest first.
	for i := len(r.BlockMetas) - 1; i >= 0; i-- {
		h := r.BlockMetas[i].Header
		out = append(out, &h)
	}
	return out, nil
}

func (s *RPCSource) Block(ctx context.Context, h int64) (*types.Block, error) {
	r, err := s.c.Block(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("block %d from %s: %w", h, s.Addr, err)
	}
	return r.Block, nil
}

// NodeHead is one compared node.
type NodeHead struct {
	Node        string `json:"node"`
	Latest      int64  `json:"latest"`
	GenesisHash string `json:"genesis_hash"`
	ChainID     string `json:"chain_id"`
}

// HeaderInfo summarises a header for people.
type HeaderInfo struct {
	Hash     string `json:"hash"`
	Time     string `json:"time"`
	AppHash  string `json:"app_hash"`
	DataHash string `json:"data_hash"`
	Proposer string `json:"proposer"`
}

func headerInfo(h *types.Header) HeaderInfo {
	return HeaderInfo{Hash: h.Hash().String(), Time: h.Time.UTC().Format("2006-01-02T15:04:05.000Z"), AppHash: h.AppHash.String(),
		DataHash: h.DataHash.String(), Proposer: h.ProposerAddress.String()}
}

// Divergence is the first height at which a node's header differs from the
// reference node's. Every later header differs too (each header names its
// predecessor's hash), which is what makes the binary search sound.
type Divergence struct {
	Reference string `json:"reference"`
	Node      string `json:"node"`
	// Height 0 means the two nodes run different genesis documents.
	Height int64 `json:"height"`
	// Probes is how many header pairs the search compared.
	Probes        int            `json:"probes"`
	RefHeader     *HeaderInfo    `json:"reference_header,omitempty"`
	NodeHeader    *HeaderInfo    `json:"node_header,omitempty"`
	Equivocations []Equivocation `json:"equivocations"`
	Note          string         `json:"note,omitempty"`
}

// CompareReport is the outcome of Compare.
type CompareReport struct {
	ChainID     string       `json:"chain_id"`
	Nodes       []NodeHead   `json:"nodes"`
	Common      int64        `json:"common_height"`
	Agree       bool         `json:"agree"`
	Divergences []Divergence `json:"divergences"`
	// Evidence found in the reference node's blocks up to Common (when
	// scanned), each verified against the validator set of its height.
	EvidenceScanned bool           `json:"evidence_scanned"`
	Evidence        []Equivocation `json:"evidence"`
	EvidenceErrors  []Finding      `json:"evidence_errors,omitempty"`
}

// CompareOptions configure Compare.
type CompareOptions struct {
	// ScanEvidence walks the reference node's headers (20 per call) and
	// checks the evidence of every block whose evidence hash is not empty.
	ScanEvidence bool
	Progress     func(format string, args ...any)
}

// Compare checks that all nodes report the same header at every height
// they share. The first node is the reference. For a node that disagrees
// at the highest common height, a binary search finds the first divergent
// height in O(log n) header reads; the commits of both nodes at that height
// are then compared for validators that signed both blocks.
func Compare(ctx context.Context, names []string, srcs []HeaderSource, o CompareOptions) (*CompareReport, error) {
	if len(srcs) < 2 {
		return nil, fmt.Errorf("compare needs at least two nodes")
	}
	logf := o.Progress
	if logf == nil {
		logf = func(string, ...any) {}
	}
	rep := &CompareReport{Agree: true, Divergences: []Divergence{}, Evidence: []Equivocation{}}
	heads := make([]NodeHead, len(srcs))
	gens := make([]*types.GenesisDoc, len(srcs))
	var wg sync.WaitGroup
	errs := make([]error, len(srcs))
	for i := range srcs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			g, err := srcs[i].Genesis(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			l, err := srcs[i].Latest(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			gens[i] = g
			heads[i] = NodeHead{Node: names[i], Latest: l, GenesisHash: GenesisHash(g), ChainID: g.ChainID}
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", names[i], err)
		}
	}
	rep.Nodes = heads
	rep.ChainID = heads[0].ChainID
	rep.Common = heads[0].Latest
	for _, h := range heads {
		rep.Common = min(rep.Common, h.Latest)
	}
	first := gens[0].InitialHeight
	ref := newHeaderCache(srcs[0])
	for i := 1; i < len(srcs); i++ {
		if heads[i].GenesisHash != heads[0].GenesisHash {
			rep.Agree = false
			rep.Divergences = append(rep.Divergences, Divergence{Reference: names[0], Node: names[i], Height: 0, Equivocations: []Equivocation{},
				Note: fmt.Sprintf("different genesis documents (%s chain %s vs %s chain %s): not the same network", short(heads[0].GenesisHash), heads[0].ChainID, short(heads[i].GenesisHash), heads[i].ChainID)})
			continue
		}
		other := newHeaderCache(srcs[i])
		m := min(heads[0].Latest, heads[i].Latest)
		if m < first {
			continue
		}
		same, err := sameHeader(ctx, ref, other, m)
		if err != nil {
			return nil, err
		}
		probes := 1
		if same {
			logf("%s agrees with %s at height %d (and so at every height below)\n", names[i], names[0], m)
			continue
		}
		rep.Agree = false
		// lo agrees (or is below the first height), hi differs.
		lo, hi := first-1, m
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			s, err := sameHeader(ctx, ref, other, mid)
			if err != nil {
				return nil, err
			}
			probes++
			if s {
				lo = mid
			} else {
				hi = mid
			}
		}
		ha, _ := ref.get(ctx, hi)
		hb, _ := other.get(ctx, hi)
		ia, ib := headerInfo(ha), headerInfo(hb)
		d := Divergence{Reference: names[0], Node: names[i], Height: hi, Probes: probes, RefHeader: &ia, NodeHeader: &ib, Equivocations: []Equivocation{}}
		logf("%s diverges from %s at height %d (found in %d probes)\n", names[i], names[0], hi, probes)
		ca, errA := srcs[0].Commit(ctx, hi)
		cb, errB := srcs[i].Commit(ctx, hi)
		vals, errV := srcs[0].Validators(ctx, hi)
		if errA == nil && errB == nil && errV == nil {
			d.Equivocations = ConflictingCommits(rep.ChainID, vals, ca.Commit, cb.Commit)
			if len(d.Equivocations) > 0 {
				d.Note = fmt.Sprintf("%d validators signed both blocks at height %d: each is double signing, proven by two valid signatures", len(d.Equivocations), hi)
			} else {
				d.Note = "no validator signed both blocks (the commits are at different rounds or by disjoint signers)"
			}
		} else {
			d.Note = fmt.Sprintf("commits at the divergence not compared: %v %v %v", errA, errB, errV)
		}
		rep.Divergences = append(rep.Divergences, d)
	}
	if o.ScanEvidence && rep.Common >= first {
		if err := scanEvidence(ctx, rep, srcs[0], first, rep.Common, logf); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

func scanEvidence(ctx context.Context, rep *CompareReport, src HeaderSource, first, last int64, logf func(string, ...any)) error {
	rep.EvidenceScanned = true
	empty := (&types.EvidenceData{}).Hash()
	for lo := first; lo <= last; {
		hs, err := src.HeadersRange(ctx, lo, min(lo+19, last))
		if err != nil {
			return err
		}
		if len(hs) == 0 {
			return fmt.Errorf("no headers from height %d", lo)
		}
		for _, h := range hs {
			if bytes.Equal(h.EvidenceHash, empty) {
				continue
			}
			b, err := src.Block(ctx, h.Height)
			if err != nil {
				return err
			}
			for _, ev := range b.Evidence.Evidence {
				dv, ok := ev.(*types.DuplicateVoteEvidence)
				if !ok {
					rep.EvidenceErrors = append(rep.EvidenceErrors, Finding{Height: h.Height, Kind: KindEvidence, Reason: fmt.Sprintf("evidence of kind %T (not checked)", ev)})
					continue
				}
				vals, err := src.Validators(ctx, dv.Height())
				if err == nil {
					err = CheckDuplicateVote(rep.ChainID, dv, vals)
				}
				if err != nil {
					rep.EvidenceErrors = append(rep.EvidenceErrors, Finding{Height: h.Height, Kind: KindEvidence, Reason: err.Error()})
					continue
				}
				rep.Evidence = append(rep.Evidence, Equivocation{Height: dv.Height(), Round: dv.VoteA.Round, Validator: dv.VoteA.ValidatorAddress.String(),
					BlockA: dv.VoteA.BlockID.Hash.String(), BlockB: dv.VoteB.BlockID.Hash.String(), Source: fmt.Sprintf("evidence in block %d", h.Height)})
				logf("block %d: evidence that %s double-signed at height %d\n", h.Height, dv.VoteA.ValidatorAddress, dv.Height())
			}
		}
		lo = hs[len(hs)-1].Height + 1
	}
	return nil
}

type headerCache struct {
	src HeaderSource
	m   map[int64]*types.Header
}

func newHeaderCache(s HeaderSource) *headerCache {
	return &headerCache{src: s, m: map[int64]*types.Header{}}
}

func (c *headerCache) get(ctx context.Context, h int64) (*types.Header, error) {
	if x, ok := c.m[h]; ok {
		return x, nil
	}
	x, err := c.src.Header(ctx, h)
	if err != nil {
		return nil, err
	}
	c.m[h] = x
	return x, nil
}

// sameHeader compares header hashes computed locally (never the node's
// claimed block ID).
func sameHeader(ctx context.Context, a, b *headerCache, h int64) (bool, error) {
	x, err := a.get(ctx, h)
	if err != nil {
		return false, err
	}
	y, err := b.get(ctx, h)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x.Hash(), y.Hash()), nil
}
