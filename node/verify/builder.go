// Package verify builds the bundles that chain/proof/bundle verifies: a
// certificate's record (or a hash-prefix bucket of records) with ICS23
// proofs, the signed header that commits them with its commit and
// validator set, the SM2 quorum certificate of that header and proofs of
// the attesting department keys. The node serves bundles from its own
// store and CometBFT (node/api_verify.go); the CLI can build them from any
// node's API and CometBFT RPC (Remote). Nothing here needs to be trusted:
// the verifier checks everything from its trust root.
package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/types"

	"github.com/govchain/govchain/chain"
	"github.com/govchain/govchain/chain/attest"
	"github.com/govchain/govchain/chain/identity/idtypes"
	"github.com/govchain/govchain/chain/proof/bundle"
	"github.com/govchain/govchain/chain/proof/bundle/cmtblock"
	"github.com/govchain/govchain/chain/proof/lightblock"
	"github.com/govchain/govchain/contracts/certificate/certtypes"
)

// Source is where a builder reads state and headers.
type Source interface {
	// LatestHeight is the last committed state version.
	LatestHeight(ctx context.Context) (int64, error)
	// Prove returns the marshalled ICS23 proof of key (of its value or of
	// its absence) at state version h.
	Prove(ctx context.Context, key []byte, h int64) ([]byte, error)
	// Get reads key at version h without a proof (nil if absent).
	Get(ctx context.Context, key []byte, h int64) ([]byte, error)
	// LightBlock returns header h, its commit and its validator set.
	LightBlock(ctx context.Context, h int64) (*types.LightBlock, error)
}

// MaxBucket bounds the records of one private-lookup bucket.
const MaxBucket = 256

// ErrBucketTooLarge: the prefix is too short for this registry's size.
var ErrBucketTooLarge = errors.New("bucket too large")

// ErrTooRecent: the height asked for has no quorum certificate yet.
var ErrTooRecent = errors.New("height too recent")

// Options choose what a bundle holds.
type Options struct {
	// Height is the state version to read; 0 = two below the latest (the
	// newest whose header has a stored SM2 quorum certificate).
	Height int64
	// BatchRoot adds the batch record's proof (for a member without a
	// record of its own); Member adds the member's inclusion path.
	BatchRoot string
	Member    *bundle.Member
	// NoSM2 leaves out the SM2 quorum certificate and key proofs; NoDepts
	// leaves out the department records too (the smallest bundle).
	NoSM2, NoDepts bool
	// TrustHeight, when set, adds intermediate headers from that height
	// if the validator set changed too much to skip to the bundle's header.
	TrustHeight int64
}

// Builder builds bundles from a Source, caching what every bundle of a
// height shares (the light block, the QC, key and department proofs).
type Builder struct {
	Src Source
	mu  sync.Mutex
	per map[int64]*heightData
	via map[[2]int64][][]byte // (trusted height, header height) -> encoded intermediate headers
}

type heightData struct {
	once  sync.Once
	err   error
	block []byte
	lb    *types.LightBlock
	sm2   *bundle.SM2
	qc    *attest.QC
	mu    sync.Mutex
	depts map[string][]byte
}

// NewBuilder makes a builder over src.
func NewBuilder(src Source) *Builder { return &Builder{Src: src, per: map[int64]*heightData{}} }

func (b *Builder) height(ctx context.Context, h int64) (int64, error) {
	latest, err := b.Src.LatestHeight(ctx)
	if err != nil {
		return 0, err
	}
	if latest < 3 {
		return 0, fmt.Errorf("%w: the chain is at height %d; bundles need state 2 below the latest", ErrTooRecent, latest)
	}
	if h == 0 {
		return latest - 2, nil
	}
	if h > latest-2 || h < 1 {
		return 0, fmt.Errorf("%w: height %d; at most %d (the latest state %d minus 2: header h+1 must have its quorum certificate stored)", ErrTooRecent, h, latest-2, latest)
	}
	return h, nil
}

// shared returns (computing once) what all bundles at version h share.
func (b *Builder) shared(ctx context.Context, h int64) (*heightData, error) {
	b.mu.Lock()
	d := b.per[h]
	if d == nil {
		d = &heightData{depts: map[string][]byte{}}
		b.per[h] = d
		if len(b.per) > 16 {
			for k := range b.per {
				if k < h-8 {
					delete(b.per, k)
				}
			}
		}
	}
	b.mu.Unlock()
	d.once.Do(func() {
		d.lb, d.err = b.Src.LightBlock(ctx, h+1)
		if d.err != nil {
			return
		}
		if d.block, d.err = cmtblock.Encode(d.lb); d.err != nil {
			return
		}
		raw, err := b.Src.Get(ctx, chain.AttestKey(h+1), h+2)
		if err != nil {
			d.err = err
			return
		}
		if raw == nil {
			return // attestations are off on this network: bundles carry no SM2 part
		}
		if d.qc, d.err = attest.DecodeTx(append([]byte{attest.Marker}, raw...)); d.err != nil {
			return
		}
		s := &bundle.SM2{QC: raw}
		if s.Time, d.err = b.Src.Prove(ctx, []byte(bundle.BlockTimeKey), h); d.err != nil {
			return
		}
		for _, a := range d.qc.Attestations {
			p, err := b.Src.Prove(ctx, idtypes.AccountKey(a.KeyID), h)
			if err != nil {
				d.err = err
				return
			}
			s.Keys = append(s.Keys, p)
		}
		d.sm2 = s
	})
	if d.err != nil {
		b.mu.Lock()
		delete(b.per, h)
		b.mu.Unlock()
		return nil, d.err
	}
	return d, nil
}

func (d *heightData) dept(ctx context.Context, src Source, h int64, code string) ([]byte, error) {
	d.mu.Lock()
	p := d.depts[code]
	d.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := src.Prove(ctx, idtypes.DeptKey(code), h)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.depts[code] = p
	d.mu.Unlock()
	return p, nil
}

// Certificate builds the bundle of one certificate hash.
func (b *Builder) Certificate(ctx context.Context, hash string, o Options) (*bundle.Bundle, error) {
	h, err := b.height(ctx, o.Height)
	if err != nil {
		return nil, err
	}
	out := &bundle.Bundle{V: bundle.Version, Height: h, Hash: hash}
	if out.Record, err = b.Src.Prove(ctx, certtypes.RecordKey(hash), h); err != nil {
		return nil, err
	}
	var issuers []string
	if _, v, _, _, err := bundle.ReadProof(out.Record); err == nil && v != nil {
		var r certtypes.Record
		if json.Unmarshal(v, &r) == nil {
			issuers = append(issuers, r.Issuer)
			if r.BatchRoot != "" {
				o.BatchRoot = r.BatchRoot
			}
		}
	}
	return b.finish(ctx, out, h, issuers, o)
}

// Bucket builds the bundle of a private lookup: every record whose hash
// starts with prefix, with proofs that there are no others.
func (b *Builder) Bucket(ctx context.Context, prefix string, o Options) (*bundle.Bundle, error) {
	h, err := b.height(ctx, o.Height)
	if err != nil {
		return nil, err
	}
	out := &bundle.Bundle{V: bundle.Version, Height: h, Prefix: prefix}
	lo := certtypes.RecordKey(prefix)
	key := lo
	var issuers []string
	for {
		p, err := b.Src.Prove(ctx, key, h)
		if err != nil {
			return nil, err
		}
		_, v, _, right, err := bundle.ReadProof(p)
		if err != nil {
			return nil, err
		}
		if v != nil {
			return nil, fmt.Errorf("state has a key %q", key)
		}
		out.Bucket = append(out.Bucket, p)
		if right == nil || !bytes.HasPrefix(right, lo) {
			break
		}
		if len(out.Bucket) > MaxBucket {
			return nil, fmt.Errorf("%w: more than %d records start with %s; use a longer prefix", ErrBucketTooLarge, MaxBucket, prefix)
		}
		if rv, err := b.Src.Get(ctx, right, h); err == nil {
			var r certtypes.Record
			if json.Unmarshal(rv, &r) == nil {
				issuers = append(issuers, r.Issuer)
			}
		}
		key = append(bytes.Clone(right), 0)
	}
	return b.finish(ctx, out, h, issuers, o)
}

func (b *Builder) finish(ctx context.Context, out *bundle.Bundle, h int64, issuers []string, o Options) (*bundle.Bundle, error) {
	d, err := b.shared(ctx, h)
	if err != nil {
		return nil, err
	}
	out.ChainID, out.Block = d.lb.ChainID, d.block
	if o.BatchRoot != "" {
		p, err := b.Src.Prove(ctx, certtypes.BatchKey(o.BatchRoot), h)
		if err != nil {
			return nil, err
		}
		out.Batch = &bundle.Batch{Root: o.BatchRoot, Proof: p}
		if _, v, _, _, err := bundle.ReadProof(p); err == nil && v != nil {
			var br certtypes.Batch
			if json.Unmarshal(v, &br) == nil {
				issuers = append(issuers, br.Issuer)
			}
		}
		if o.Member != nil && o.Member.Root == o.BatchRoot {
			idx := o.Member.Index
			out.Batch.Index, out.Batch.Path = &idx, o.Member.Path
		}
	}
	codes := map[string]bool{}
	if !o.NoDepts {
		for _, c := range issuers {
			codes[c] = true
		}
	}
	if !o.NoSM2 && d.sm2 != nil {
		out.SM2 = d.sm2
		for _, a := range d.qc.Attestations {
			codes[a.Dept] = true
		}
	}
	sorted := make([]string, 0, len(codes))
	for c := range codes {
		if c != "" && !strings.Contains(c, "/") {
			sorted = append(sorted, c)
		}
	}
	sort.Strings(sorted)
	for _, c := range sorted {
		p, err := d.dept(ctx, b.Src, h, c)
		if err != nil {
			return nil, err
		}
		out.Depts = append(out.Depts, p)
	}
	if o.TrustHeight > 0 && o.TrustHeight < h+1 {
		key := [2]int64{o.TrustHeight, h + 1}
		b.mu.Lock()
		enc, ok := b.via[key]
		b.mu.Unlock()
		if !ok {
			via, err := b.Via(ctx, o.TrustHeight, d.lb)
			if err != nil {
				return nil, err
			}
			enc = [][]byte{}
			for _, lb := range via {
				raw, err := cmtblock.Encode(lb)
				if err != nil {
					return nil, err
				}
				enc = append(enc, raw)
			}
			b.mu.Lock()
			if b.via == nil || len(b.via) > 1024 {
				b.via = map[[2]int64][][]byte{}
			}
			b.via[key] = enc
			b.mu.Unlock()
		}
		if len(enc) > 0 {
			out.Via = enc
		}
	}
	return out, nil
}

// Via finds intermediate headers from the trusted height to target by
// bisection, as CometBFT's light client does: none when the validators
// trusted at that height signed target with more than 1/3 of their power.
func (b *Builder) Via(ctx context.Context, trustHeight int64, target *types.LightBlock) ([]*types.LightBlock, error) {
	trusted, err := b.Src.LightBlock(ctx, trustHeight)
	if err != nil {
		return nil, err
	}
	// the verifier's view of each block, converted once
	light := map[*types.LightBlock]*lightblock.LightBlock{}
	conv := func(lb *types.LightBlock) (*lightblock.LightBlock, error) {
		if l := light[lb]; l != nil {
			return l, nil
		}
		l, err := cmtblock.Light(lb)
		if err != nil {
			return nil, fmt.Errorf("light block %d: %w", lb.Height, err)
		}
		light[lb] = l
		return l, nil
	}
	var walk func(from, to *types.LightBlock, depth int) ([]*types.LightBlock, error)
	walk = func(from, to *types.LightBlock, depth int) ([]*types.LightBlock, error) {
		lf, err := conv(from)
		if err != nil {
			return nil, err
		}
		lt, err := conv(to)
		if err != nil {
			return nil, err
		}
		err = bundle.VerifyStep(to.ChainID, lf, lt, 100*365*24*time.Hour, time.Now())
		if err == nil || !bundle.NotEnoughTrust(err) {
			return nil, nil // valid, or a failure bisection cannot fix (the verifier will report it)
		}
		if to.Height-from.Height < 2 || depth > 32 {
			return nil, nil
		}
		mid, err := b.Src.LightBlock(ctx, from.Height+(to.Height-from.Height)/2)
		if err != nil {
			return nil, err
		}
		left, err := walk(from, mid, depth+1)
		if err != nil {
			return nil, err
		}
		right, err := walk(mid, to, depth+1)
		if err != nil {
			return nil, err
		}
		return append(append(left, mid), right...), nil
	}
	return walk(trusted, target, 0)
}

// TrustRoot returns this source's light block at h (0 = latest-2) as a
// trust root. A trust root from one node is that node's word: compare it
// with other nodes' or with the district's published value.
func (b *Builder) TrustRoot(ctx context.Context, h int64, period time.Duration, source string) (*bundle.TrustRoot, error) {
	h, err := b.height(ctx, h)
	if err != nil {
		return nil, err
	}
	lb, err := b.Src.LightBlock(ctx, h)
	if err != nil {
		return nil, err
	}
	return cmtblock.NewTrustRoot(lb, period, []string{source})
}

// LightBlockRPC reads header h, its commit and its validator set from
// CometBFT (a node's own, or its RPC over HTTP).
func LightBlockRPC(ctx context.Context, c rpcclient.SignClient, h int64) (*types.LightBlock, error) {
	com, err := c.Commit(ctx, &h)
	if err != nil {
		return nil, fmt.Errorf("commit %d: %w", h, err)
	}
	var vals []*types.Validator
	for page := 1; ; page++ {
		p, per := page, 100
		r, err := c.Validators(ctx, &h, &p, &per)
		if err != nil {
			return nil, fmt.Errorf("validators %d: %w", h, err)
		}
		vals = append(vals, r.Validators...)
		if len(vals) >= r.Total || len(r.Validators) == 0 {
			break
		}
	}
	vs, err := newValidatorSet(vals)
	if err != nil {
		return nil, err
	}
	lb := &types.LightBlock{SignedHeader: &com.SignedHeader, ValidatorSet: vs}
	if err := lb.ValidateBasic(com.ChainID); err != nil {
		return nil, fmt.Errorf("light block %d: %w", h, err)
	}
	return lb, nil
}

func newValidatorSet(vals []*types.Validator) (vs *types.ValidatorSet, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("validator set: %v", r)
		}
	}()
	return types.NewValidatorSet(vals), nil
}
